//! The real server on an ephemeral port over a fresh database, and the
//! calls tests make to it: tokens, GraphQL, raw posts, metrics.

use keyward_store::KeyRole;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

pub use crate::db::Backend;
use crate::db::TestDatabase;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::RSA_PKCS1_SHA256;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use keyward_client::TokenSigner;
use keyward_server::{Config, ServerHandle};
use keyward_store::{MasterKey, Store, StoreOptions};
use keyward_token::SigningKey;

pub const PROJECT: &str = "myapp";
/// The portal's one-time setup token in tests.
pub const SETUP_TOKEN: &str = "test-setup-token";

/// A running server with its own SQLite file, a project and one key.
pub struct TestServer {
    pub handle: Option<ServerHandle>,
    pub store: Store,
    pub url: String,
    pub db_url: String,
    pub kid: String,
    pub pem: String,
    pub http: reqwest::Client,
    /// Dropped (and the database with it) when the server that made it is;
    /// `None` for a replica.
    _db: Option<TestDatabase>,
}

pub fn master() -> MasterKey {
    MasterKey::from_bytes(&[9u8; 32]).unwrap()
}

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

impl TestServer {
    /// A server on a fresh database of `backend`, or `None` when that
    /// backend is not configured here.
    pub async fn spawn(backend: Backend) -> Option<TestServer> {
        Self::spawn_with(backend, Config::for_test()).await
    }

    /// [`TestServer::spawn`] with settings of the test's choosing. The
    /// portal has the master key and the setup token [`SETUP_TOKEN`].
    pub async fn spawn_with(backend: Backend, config: Config) -> Option<TestServer> {
        let db = TestDatabase::new(backend).await?;
        let db_url = db.url.clone();
        let store = Store::open(&db_url, StoreOptions::default()).await.unwrap();
        store.create_project(PROJECT).await.unwrap();
        let (key, pem) = store
            .add_generated_key(
                PROJECT,
                &crate::keys::fixture_pair(0),
                "test",
                KeyRole::Full,
                &master(),
            )
            .await
            .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let portal = keyward_server::portal::PortalOptions {
            master_key: Some(std::sync::Arc::new(master())),
            setup_token: Some(SETUP_TOKEN.into()),
        };
        let handle = keyward_server::start_with_portal(config, store.clone(), listener, portal)
            .await
            .unwrap();
        let url = format!("http://{}", handle.addr);
        Some(TestServer {
            handle: Some(handle),
            store,
            url,
            db_url,
            kid: key.kid,
            pem: pem.to_string(),
            http: reqwest::Client::new(),
            _db: Some(db),
        })
    }

    /// A second server (another replica) on `first`'s database, sharing its
    /// project and key. Keep `first` alive while using it.
    pub async fn spawn_replica(first: &TestServer) -> TestServer {
        Self::spawn_replica_with(first, Config::for_test()).await
    }

    /// [`TestServer::spawn_replica`] with settings of the test's choosing.
    pub async fn spawn_replica_with(first: &TestServer, config: Config) -> TestServer {
        let store = first.other_process().await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let handle = keyward_server::start(config, store.clone(), listener)
            .await
            .unwrap();
        TestServer {
            url: format!("http://{}", handle.addr),
            handle: Some(handle),
            store,
            db_url: first.db_url.clone(),
            kid: first.kid.clone(),
            pem: first.pem.clone(),
            http: reqwest::Client::new(),
            _db: None,
        }
    }

    /// Another handle on the same database, standing in for the CLI or
    /// another process.
    pub async fn other_process(&self) -> Store {
        Store::open(&self.db_url, StoreOptions::default())
            .await
            .unwrap()
    }

    pub fn endpoint(&self) -> String {
        format!("{}/projects/{PROJECT}/_api/admin/graphql", self.url)
    }

    pub fn signer(&self) -> TokenSigner {
        signer_for(&self.kid, &self.pem)
    }

    pub fn token(&self) -> String {
        self.signer().token().unwrap()
    }

    /// POST `{ project { id keyId } }` with `Authorization: Bearer <token>`.
    pub async fn query(&self, token: &str) -> reqwest::Response {
        self.http
            .post(self.endpoint())
            .bearer_auth(token)
            .json(&serde_json::json!({ "query": "{ project { id keyId } }" }))
            .send()
            .await
            .unwrap()
    }

    /// POST a raw body to the project's endpoint, with an optional bearer
    /// token and Content-Type.
    pub async fn post(
        &self,
        token: Option<&str>,
        content_type: Option<&str>,
        body: impl Into<reqwest::Body>,
    ) -> reqwest::Response {
        let mut request = self.http.post(self.endpoint()).body(body);
        if let Some(t) = token {
            request = request.bearer_auth(t);
        }
        if let Some(ct) = content_type {
            request = request.header("content-type", ct);
        }
        request.send().await.unwrap()
    }

    /// Run a GraphQL operation with this server's key; asserts HTTP 200 and
    /// returns the JSON body (`data` and `errors`).
    pub async fn run(&self, query: &str, variables: serde_json::Value) -> serde_json::Value {
        self.run_as(&self.token(), query, variables).await
    }

    /// [`TestServer::run`] with a given token.
    pub async fn run_as(
        &self,
        token: &str,
        query: &str,
        variables: serde_json::Value,
    ) -> serde_json::Value {
        let (status, body) = self
            .graphql(
                token,
                serde_json::json!({ "query": query, "variables": variables }),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body
    }

    /// POST a JSON GraphQL request with a bearer token; returns the status
    /// and the JSON body.
    pub async fn graphql(
        &self,
        token: &str,
        request: serde_json::Value,
    ) -> (u16, serde_json::Value) {
        let response = self
            .post(Some(token), Some("application/json"), request.to_string())
            .await;
        let status = response.status().as_u16();
        (status, response.json().await.unwrap())
    }

    /// The refusal reason of a 401, or "ok" for a 200 with data.
    pub async fn outcome(&self, token: &str) -> String {
        outcome_of(self.query(token).await).await
    }

    pub async fn metrics(&self) -> String {
        self.http
            .get(format!("{}/metrics", self.url))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }
}

pub async fn outcome_of(response: reqwest::Response) -> String {
    let status = response.status().as_u16();
    let body: serde_json::Value = response.json().await.unwrap();
    match status {
        200 => {
            assert_eq!(body["data"]["project"]["id"], PROJECT, "{body}");
            "ok".into()
        }
        401 => body["error"]["reason"].as_str().unwrap().to_owned(),
        other => panic!("unexpected status {other}: {body}"),
    }
}

pub fn signer_for(kid: &str, pem: &str) -> TokenSigner {
    TokenSigner::new(
        PROJECT,
        kid,
        SigningKey::from_pem(pem.as_bytes()).unwrap(),
        300,
    )
    .unwrap()
}

/// Sign arbitrary header and claims JSON with an RSA private key PEM.
pub fn forge(pem: &str, header: &str, claims: &str) -> String {
    let der = ::pem::parse(pem).unwrap().into_contents();
    let pair = aws_lc_rs::rsa::KeyPair::from_pkcs8(&der).unwrap();
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.as_bytes()),
        URL_SAFE_NO_PAD.encode(claims.as_bytes())
    );
    let mut sig = vec![0; pair.public_modulus_len()];
    pair.sign(
        &RSA_PKCS1_SHA256,
        &SystemRandom::new(),
        input.as_bytes(),
        &mut sig,
    )
    .unwrap();
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig))
}

/// How many users `project` has in `store`.
pub async fn user_count(store: &Store) -> i64 {
    let mut tx = store.begin_read().await.unwrap();
    let all = keyward_store::UserFilter::all(keyward_store::UserSort::CreatedAt);
    let n = tx.count_users(PROJECT, &all).await.unwrap();
    tx.commit().await.unwrap();
    n
}

/// Poll `check` until it returns true or `limit` passes; returns the time taken.
pub async fn within<F, Fut>(limit: Duration, mut check: F) -> Option<Duration>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    while started.elapsed() < limit {
        if check().await {
            return Some(started.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    None
}
