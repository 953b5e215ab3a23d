//! The database goes away under load and comes back: requests get 503 with
//! Retry-After (never a 500, a panic or a hang), `/readyz` says why, no
//! acknowledged write is lost, and service recovers without a restart.
//!
//! PostgreSQL only: the test puts a TCP proxy between keyward and the
//! database and cuts it. (A SQLite file cannot become unreachable in this
//! sense; its failure modes, a full disk or a lost file, are not simulated.)
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use keyward_server::Config;
use keyward_store::{KeyRole, Store, StoreOptions};
use keyward_test_support::TestDatabase;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::AbortHandle;

use keyward_test_support::*;

/// A loopback TCP proxy that can be cut (every connection dropped, new
/// ones refused) and restored.
struct Proxy {
    addr: SocketAddr,
    up: Arc<AtomicBool>,
    pipes: Arc<Mutex<Vec<AbortHandle>>>,
    accept: AbortHandle,
}

impl Proxy {
    async fn start(target: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let up = Arc::new(AtomicBool::new(true));
        let pipes: Arc<Mutex<Vec<AbortHandle>>> = Arc::default();
        let (up2, pipes2) = (up.clone(), pipes.clone());
        let accept = tokio::spawn(async move {
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else {
                    continue;
                };
                if !up2.load(Ordering::SeqCst) {
                    drop(inbound);
                    continue;
                }
                let pipe = tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                pipes2.lock().unwrap().push(pipe.abort_handle());
            }
        })
        .abort_handle();
        Proxy {
            addr,
            up,
            pipes,
            accept,
        }
    }

    fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        for pipe in self.pipes.lock().unwrap().drain(..) {
            pipe.abort();
        }
    }

    fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.accept.abort();
        self.cut();
    }
}

#[derive(Default)]
struct Tally {
    ok: AtomicU32,
    unavailable: AtomicU32,
    slowest_ms: AtomicU32,
}

async fn database_outage_under_load(backend: Backend) {
    if backend == Backend::Sqlite {
        return;
    }
    let Some(db) = TestDatabase::new(Backend::Postgres).await else {
        return;
    };
    let mut url = url::Url::parse(&db.url).unwrap();
    let host = url.host_str().unwrap_or("127.0.0.1").to_owned();
    let port = url.port().unwrap_or(5432);
    let target = tokio::net::lookup_host((host.as_str(), port))
        .await
        .unwrap()
        .next()
        .unwrap();
    let proxy = Proxy::start(target).await;
    url.set_host(Some("127.0.0.1")).unwrap();
    url.set_port(Some(proxy.addr.port())).unwrap();

    let options = StoreOptions {
        acquire_timeout: Duration::from_secs(1),
        statement_timeout: Duration::from_secs(2),
        ..StoreOptions::default()
    };
    let store = Store::open(url.as_str(), options).await.unwrap();
    store.create_project(PROJECT).await.unwrap();
    let (key, pem) = store
        .add_generated_key(
            PROJECT,
            &keyward_test_support::fixture_pair(1),
            "test",
            KeyRole::Full,
            &master(),
        )
        .await
        .unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let handle = keyward_server::start(Config::for_test(), store.clone(), listener)
        .await
        .unwrap();
    let base = format!("http://{}", handle.addr);
    let endpoint = format!("{base}/projects/{PROJECT}/_api/admin/graphql");
    let token = signer_for(&key.kid, &pem).token().unwrap();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();

    let tally = Arc::new(Tally::default());
    let acknowledged: Arc<Mutex<Vec<String>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let mut workers = Vec::new();
    for worker in 0..4 {
        let (http, endpoint, token) = (http.clone(), endpoint.clone(), token.clone());
        let (tally, acknowledged, stop) = (tally.clone(), acknowledged.clone(), stop.clone());
        workers.push(tokio::spawn(async move {
            let mut n = 0u32;
            // Bounded by the stop flag and by count.
            while !stop.load(Ordering::SeqCst) && n < 20_000 {
                n += 1;
                let email = format!("w{worker}-{n}@example.com");
                let body = if worker == 0 {
                    serde_json::json!({ "query": format!(
                        "mutation {{ createUser(input: {{definition: {{loginID: {{key: \"email\", value: \"{email}\"}}}}}}) {{ user {{ id }} }} }}"
                    ) })
                } else {
                    serde_json::json!({ "query": "{ users(first: 1) { totalCount } }" })
                };
                let started = Instant::now();
                let response = http
                    .post(&endpoint)
                    .bearer_auth(&token)
                    .json(&body)
                    .send()
                    .await
                    .expect("the server always answers");
                let ms = started.elapsed().as_millis() as u32;
                tally.slowest_ms.fetch_max(ms, Ordering::SeqCst);
                let status = response.status().as_u16();
                let retry_after = response.headers().contains_key("retry-after");
                let json: serde_json::Value = response.json().await.unwrap();
                match status {
                    200 => {
                        assert!(json["errors"].is_null(), "{json}");
                        tally.ok.fetch_add(1, Ordering::SeqCst);
                        if worker == 0 {
                            acknowledged.lock().unwrap().push(email);
                        }
                    }
                    503 => {
                        assert!(retry_after, "503 without Retry-After: {json}");
                        tally.unavailable.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                    other => panic!("status {other} during the outage test: {json}"),
                }
            }
        }));
    }

    // Load is flowing: wait for it, not for a fixed time.
    let flowing = within(Duration::from_secs(10), || async {
        tally.ok.load(Ordering::SeqCst) >= 50
    })
    .await;
    assert!(flowing.is_some(), "no request succeeded before the outage");

    proxy.cut();
    let ready = within(Duration::from_secs(6), || async {
        let r = http.get(format!("{base}/readyz")).send().await.unwrap();
        if r.status() != 503 {
            return false;
        }
        let body: serde_json::Value = r.json().await.unwrap();
        body["database"] == "unreachable" && body["error"]["reason"] == "database_unreachable"
    })
    .await;
    assert!(ready.is_some(), "/readyz never reported the outage");
    let unavailable = within(Duration::from_secs(6), || async {
        tally.unavailable.load(Ordering::SeqCst) > 0
    })
    .await;
    assert!(unavailable.is_some(), "no 503 during the outage");
    // The portal too: reading the session needs the database.
    let portal = http
        .get(format!("{base}/portal"))
        .header("cookie", "keyward_session=some-session")
        .send()
        .await
        .unwrap();
    assert_eq!(portal.status(), 503);
    assert!(portal.headers().contains_key("retry-after"));
    // Keep the database away while the load meets it many times over.
    let held = within(Duration::from_secs(10), || async {
        tally.unavailable.load(Ordering::SeqCst) >= 20
    })
    .await;
    assert!(held.is_some(), "too few requests met the outage");

    proxy.restore();
    let ok_at_restore = tally.ok.load(Ordering::SeqCst);
    let recovered = within(Duration::from_secs(15), || async {
        tally.ok.load(Ordering::SeqCst) > ok_at_restore + 20
    })
    .await;
    assert!(recovered.is_some(), "service did not recover by itself");
    let ready = http.get(format!("{base}/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    stop.store(true, Ordering::SeqCst);
    for w in workers {
        w.await.unwrap();
    }

    // Requests were answered promptly, never left hanging.
    let slowest = tally.slowest_ms.load(Ordering::SeqCst);
    assert!(slowest < 5_000, "a request took {slowest} ms");
    // Every acknowledged createUser is there.
    let emails = acknowledged.lock().unwrap().clone();
    assert!(!emails.is_empty());
    let checker = Store::open(&db.url, StoreOptions::default()).await.unwrap();
    let n = user_count(&checker).await;
    assert!(
        n as usize >= emails.len(),
        "{} acknowledged, {n} stored",
        emails.len()
    );
    eprintln!(
        "outage: {} ok, {} 503, slowest {slowest} ms, {} users acknowledged, {n} stored",
        tally.ok.load(Ordering::SeqCst),
        tally.unavailable.load(Ordering::SeqCst),
        emails.len()
    );
    handle.shutdown().await.unwrap();
}

on_each_backend!(database_outage_under_load);
