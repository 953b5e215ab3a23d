//! OAuth clients (a project's applications) and their secrets. Secrets are
//! stored as SHA-256 digests of 256-bit random values: a fast hash is right
//! for secrets that cannot be guessed, and a slow one would only slow every
//! token request.

use crate::error::{Result, StoreError};
use crate::{Store, Tx};

/// Authgear's application types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClientType {
    /// Single-page app (public client, PKCE).
    Spa,
    /// Server-rendered web app using the authorization code with PKCE (public).
    TraditionalWebapp,
    /// Mobile or desktop app (public client, PKCE).
    Native,
    /// A backend with a client secret.
    Confidential,
    /// A backend acting for itself (no user): the `client_credentials`
    /// grant with a client secret, for API resources.
    M2m,
    /// Another party's app: signs users in with a secret, after the user's
    /// consent to the scopes it asks for.
    ThirdPartyApp,
}

impl ClientType {
    /// Every type, as the CLI lists them.
    pub const ALL: [ClientType; 6] = [
        ClientType::Spa,
        ClientType::TraditionalWebapp,
        ClientType::Native,
        ClientType::Confidential,
        ClientType::M2m,
        ClientType::ThirdPartyApp,
    ];

    /// The stored and displayed name.
    pub fn as_str(self) -> &'static str {
        match self {
            ClientType::Spa => "spa",
            ClientType::TraditionalWebapp => "traditional_webapp",
            ClientType::Native => "native",
            ClientType::Confidential => "confidential",
            ClientType::M2m => "m2m",
            ClientType::ThirdPartyApp => "third_party_app",
        }
    }

    /// The type named `s`, if any.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// Public clients cannot keep a secret: PKCE is their proof.
    pub fn is_public(self) -> bool {
        !matches!(
            self,
            ClientType::Confidential | ClientType::M2m | ClientType::ThirdPartyApp
        )
    }

    /// Whether users sign in through it (every type but `m2m`).
    pub fn signs_users_in(self) -> bool {
        self != ClientType::M2m
    }

    /// Whether it is another party's app (consent, `User.authorizations`).
    pub fn is_third_party(self) -> bool {
        self == ClientType::ThirdPartyApp
    }
}

/// One client secret (only its digest).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientSecret {
    /// Its ID (shown, so an operator can delete the old one after rotating).
    pub id: String,
    /// SHA-256 hex of the secret.
    pub secret_hash: String,
    /// Unix seconds.
    pub created_at: i64,
}

/// An OAuth client. Times are Unix seconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthClient {
    /// The `client_id`.
    pub client_id: String,
    /// Display name.
    pub name: String,
    /// Application type.
    pub client_type: ClientType,
    /// Exact-match redirect URIs.
    pub redirect_uris: Vec<String>,
    /// Exact-match post-logout redirect URIs.
    pub post_logout_redirect_uris: Vec<String>,
    /// Access token lifetime.
    pub access_token_lifetime_secs: i64,
    /// Refresh token (offline grant) absolute lifetime.
    pub refresh_token_lifetime_secs: i64,
    /// Refresh token idle timeout.
    pub refresh_idle_timeout_secs: i64,
    /// Whether every refresh returns a new refresh token (with reuse detection).
    pub refresh_rotation: bool,
    /// Seconds during which presenting the just-rotated token is refused
    /// without revoking the grant (concurrent tabs).
    pub refresh_reuse_leeway_secs: i64,
    /// Created.
    pub created_at: i64,
    /// Last changed.
    pub updated_at: i64,
    /// Active secrets (confidential clients), oldest first.
    pub secrets: Vec<ClientSecret>,
}

const CLIENT_COLUMNS: &str = "client_id, name, client_type, redirect_uris, post_logout_redirect_uris, \
    access_token_lifetime_secs, refresh_token_lifetime_secs, refresh_idle_timeout_secs, \
    refresh_rotation, refresh_reuse_leeway_secs, created_at, updated_at";

type ClientRow = (
    String,
    String,
    String,
    String,
    String,
    i64,
    i64,
    i64,
    bool,
    i64,
    i64,
    i64,
);

fn uri_list(text: &str) -> Result<Vec<String>> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("client URI list: {e}")))
}

fn from_row(row: ClientRow) -> Result<OAuthClient> {
    let (
        client_id,
        name,
        client_type,
        redirect_uris,
        post_logout,
        at,
        rt,
        idle,
        rotation,
        leeway,
        created_at,
        updated_at,
    ) = row;
    Ok(OAuthClient {
        client_type: ClientType::parse(&client_type)
            .ok_or_else(|| StoreError::Corrupt(format!("client type `{client_type}`")))?,
        client_id,
        name,
        redirect_uris: uri_list(&redirect_uris)?,
        post_logout_redirect_uris: uri_list(&post_logout)?,
        access_token_lifetime_secs: at,
        refresh_token_lifetime_secs: rt,
        refresh_idle_timeout_secs: idle,
        refresh_rotation: rotation,
        refresh_reuse_leeway_secs: leeway,
        created_at,
        updated_at,
        secrets: Vec::new(),
    })
}

fn json_list(list: &[String]) -> String {
    serde_json::Value::from(list.to_vec()).to_string()
}

impl Tx {
    /// Store a new client (its secrets separately, [`Tx::add_client_secret`]).
    pub async fn insert_client(&mut self, project: &str, c: &OAuthClient) -> Result<()> {
        let result = on_tx!(self, |conn, pg| {
            sqlx::query(
                "INSERT INTO oauth_clients (project_id, client_id, name, client_type, redirect_uris, \
                    post_logout_redirect_uris, access_token_lifetime_secs, refresh_token_lifetime_secs, \
                    refresh_idle_timeout_secs, refresh_rotation, refresh_reuse_leeway_secs, created_at, \
                    updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
            )
            .bind(project)
            .bind(&c.client_id)
            .bind(&c.name)
            .bind(c.client_type.as_str())
            .bind(json_list(&c.redirect_uris))
            .bind(json_list(&c.post_logout_redirect_uris))
            .bind(c.access_token_lifetime_secs)
            .bind(c.refresh_token_lifetime_secs)
            .bind(c.refresh_idle_timeout_secs)
            .bind(c.refresh_rotation)
            .bind(c.refresh_reuse_leeway_secs)
            .bind(c.created_at)
            .bind(c.updated_at)
            .execute(&mut *conn)
            .await
            .map(|_| ())
        });
        match result {
            Err(sqlx::Error::Database(e)) if e.is_foreign_key_violation() => {
                Err(StoreError::ProjectNotFound(project.to_owned()))
            }
            other => Ok(other?),
        }
    }

    /// Write a changed client back (not its secrets). `false` if it is gone.
    pub async fn save_client(&mut self, project: &str, c: &OAuthClient) -> Result<bool> {
        let n = on_tx!(self, |conn, pg| {
            sqlx::query(
                "UPDATE oauth_clients SET name = $3, redirect_uris = $4, post_logout_redirect_uris = $5, \
                    access_token_lifetime_secs = $6, refresh_token_lifetime_secs = $7, \
                    refresh_idle_timeout_secs = $8, refresh_rotation = $9, \
                    refresh_reuse_leeway_secs = $10, updated_at = $11 \
                 WHERE project_id = $1 AND client_id = $2",
            )
            .bind(project)
            .bind(&c.client_id)
            .bind(&c.name)
            .bind(json_list(&c.redirect_uris))
            .bind(json_list(&c.post_logout_redirect_uris))
            .bind(c.access_token_lifetime_secs)
            .bind(c.refresh_token_lifetime_secs)
            .bind(c.refresh_idle_timeout_secs)
            .bind(c.refresh_rotation)
            .bind(c.refresh_reuse_leeway_secs)
            .bind(c.updated_at)
            .execute(&mut *conn)
            .await?
            .rows_affected()
        });
        Ok(n == 1)
    }

    /// Delete a client; its secrets, codes and grants go with it. `false`
    /// if there was none.
    pub async fn delete_client(&mut self, project: &str, client_id: &str) -> Result<bool> {
        let n = on_tx!(self, |conn, pg| {
            sqlx::query("DELETE FROM oauth_clients WHERE project_id = $1 AND client_id = $2")
                .bind(project)
                .bind(client_id)
                .execute(&mut *conn)
                .await?
                .rows_affected()
        });
        Ok(n == 1)
    }

    /// One client with its secrets.
    pub async fn client(&mut self, project: &str, client_id: &str) -> Result<Option<OAuthClient>> {
        let sql = format!(
            "SELECT {CLIENT_COLUMNS} FROM oauth_clients WHERE project_id = $1 AND client_id = $2"
        );
        let row: Option<ClientRow> = on_tx!(self, |conn, pg| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(project)
                .bind(client_id)
                .fetch_optional(&mut *conn)
                .await?
        });
        let Some(row) = row else { return Ok(None) };
        let mut client = from_row(row)?;
        client.secrets = self.client_secrets(project, client_id).await?;
        Ok(Some(client))
    }

    /// A project's clients with their secrets, by creation.
    pub async fn clients(&mut self, project: &str) -> Result<Vec<OAuthClient>> {
        let sql = format!(
            "SELECT {CLIENT_COLUMNS} FROM oauth_clients WHERE project_id = $1 \
             ORDER BY created_at, client_id"
        );
        let rows: Vec<ClientRow> = on_tx!(self, |conn, pg| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(project)
                .fetch_all(&mut *conn)
                .await?
        });
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let mut client = from_row(row)?;
            client.secrets = self.client_secrets(project, &client.client_id).await?;
            out.push(client);
        }
        Ok(out)
    }

    async fn client_secrets(
        &mut self,
        project: &str,
        client_id: &str,
    ) -> Result<Vec<ClientSecret>> {
        let rows: Vec<(String, String, i64)> = on_tx!(self, |conn, pg| {
            sqlx::query_as(
                "SELECT id, secret_hash, created_at FROM oauth_client_secrets \
                 WHERE project_id = $1 AND client_id = $2 ORDER BY created_at, id",
            )
            .bind(project)
            .bind(client_id)
            .fetch_all(&mut *conn)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(id, secret_hash, created_at)| ClientSecret {
                id,
                secret_hash,
                created_at,
            })
            .collect())
    }

    /// Add a secret to a client.
    pub async fn add_client_secret(
        &mut self,
        project: &str,
        client_id: &str,
        secret: &ClientSecret,
    ) -> Result<()> {
        on_tx!(self, |conn, pg| {
            sqlx::query(
                "INSERT INTO oauth_client_secrets (project_id, client_id, id, secret_hash, created_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(project)
            .bind(client_id)
            .bind(&secret.id)
            .bind(&secret.secret_hash)
            .bind(secret.created_at)
            .execute(&mut *conn)
            .await?;
        });
        Ok(())
    }

    /// Delete one secret. `false` if there was none.
    pub async fn delete_client_secret(
        &mut self,
        project: &str,
        client_id: &str,
        secret_id: &str,
    ) -> Result<bool> {
        let n = on_tx!(self, |conn, pg| {
            sqlx::query(
                "DELETE FROM oauth_client_secrets WHERE project_id = $1 AND client_id = $2 AND id = $3",
            )
            .bind(project)
            .bind(client_id)
            .bind(secret_id)
            .execute(&mut *conn)
            .await?
            .rows_affected()
        });
        Ok(n == 1)
    }
}

impl Store {
    /// [`Tx::client`] in a read transaction, retried on transient errors.
    pub async fn client(&self, project: &str, client_id: &str) -> Result<Option<OAuthClient>> {
        self.retrying(|| async { Ok(in_tx!(read self, |tx| tx.client(project, client_id).await?)) })
            .await
    }

    /// Every redirect URI of a project's clients, in one query (CORS asks
    /// on every cross-origin token, userinfo and revoke request).
    pub async fn redirect_uris_of(&self, project: &str) -> Result<Vec<String>> {
        let lists: Vec<String> = self
            .retrying(|| async {
                Ok(on_pool!(self, |pool, pg| {
                    sqlx::query_scalar(
                        "SELECT redirect_uris FROM oauth_clients WHERE project_id = $1",
                    )
                    .bind(project)
                    .fetch_all(pool)
                    .await?
                }))
            })
            .await?;
        let mut out = Vec::new();
        for list in lists {
            out.extend(uri_list(&list)?);
        }
        Ok(out)
    }

    /// A project's clients with their secrets (end_session's allow-list,
    /// the portal's list).
    pub async fn clients_of(&self, project: &str) -> Result<Vec<OAuthClient>> {
        self.retrying(|| async { Ok(in_tx!(read self, |tx| tx.clients(project).await?)) })
            .await
    }
}
