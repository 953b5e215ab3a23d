//! End-user sessions: IdP sessions (the sign-in cookie), offline grants
//! (what a refresh token stands for), refresh tokens rotated out of a
//! grant, and authorization codes. Only digests of secrets are stored.
//! Times are Unix seconds.

use crate::Tx;
use crate::error::Result;

/// An IdP session: a browser signed in to a project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdpSession {
    /// UUID (the cookie is `<id>.<secret>`).
    pub id: String,
    /// Whose.
    pub user_id: String,
    /// SHA-256 hex of the cookie's secret part.
    pub secret_hash: String,
    /// Created.
    pub created_at: i64,
    /// When the user last proved who they are.
    pub auth_time: i64,
    /// Authentication methods, space-separated (`pwd x_primary_password`).
    pub amr: String,
    /// Last used.
    pub last_access_at: i64,
    /// Ends (absolute lifetime or idle timeout, whichever is first).
    pub expires_at: i64,
    /// Address it was last used from.
    pub ip: String,
    /// Browser it was last used from.
    pub user_agent: String,
}

/// An offline grant: one sign-in at one client, refreshable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfflineGrant {
    /// UUID (the refresh token is `<id>.<secret>`).
    pub id: String,
    /// Whose.
    pub user_id: String,
    /// The client it was issued to.
    pub client_id: String,
    /// The IdP session it came from, if any.
    pub idp_session_id: Option<String>,
    /// Whether it ends with that IdP session.
    pub sso_enabled: bool,
    /// Granted scopes, space-separated.
    pub scope: String,
    /// When the user last proved who they are.
    pub auth_time: i64,
    /// Authentication methods, space-separated.
    pub amr: String,
    /// SHA-256 hex of the current refresh token's secret part.
    pub refresh_hash: String,
    /// Created.
    pub created_at: i64,
    /// Last refreshed.
    pub last_access_at: i64,
    /// Address it was last used from.
    pub ip: String,
    /// Client software it was last used from.
    pub user_agent: String,
}

/// A stored authorization code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationCode {
    /// SHA-256 hex of the code.
    pub code_hash: String,
    /// The client it was issued to.
    pub client_id: String,
    /// Whose.
    pub user_id: String,
    /// The authorize request's parameters and the sign-in's facts, as JSON
    /// (the sign-in door owns the shape).
    pub request: String,
    /// The IdP session of the sign-in, if one was kept.
    pub idp_session_id: Option<String>,
    /// Created.
    pub created_at: i64,
    /// Unusable from.
    pub expires_at: i64,
    /// The grant the first redemption created (set once redeemed).
    pub redeemed_grant: Option<String>,
}

const IDP_COLUMNS: &str = "id, user_id, secret_hash, created_at, auth_time, amr, last_access_at, \
    expires_at, ip, user_agent";
type IdpRow = (
    String,
    String,
    String,
    i64,
    i64,
    String,
    i64,
    i64,
    String,
    String,
);
fn idp_from_row(r: IdpRow) -> IdpSession {
    IdpSession {
        id: r.0,
        user_id: r.1,
        secret_hash: r.2,
        created_at: r.3,
        auth_time: r.4,
        amr: r.5,
        last_access_at: r.6,
        expires_at: r.7,
        ip: r.8,
        user_agent: r.9,
    }
}

const GRANT_COLUMNS: &str = "id, user_id, client_id, idp_session_id, sso_enabled, scope, auth_time, \
    amr, refresh_hash, created_at, last_access_at, ip, user_agent";
type GrantRow = (
    String,
    String,
    String,
    Option<String>,
    bool,
    String,
    i64,
    String,
    String,
    i64,
    i64,
    String,
    String,
);
fn grant_from_row(r: GrantRow) -> OfflineGrant {
    OfflineGrant {
        id: r.0,
        user_id: r.1,
        client_id: r.2,
        idp_session_id: r.3,
        sso_enabled: r.4,
        scope: r.5,
        auth_time: r.6,
        amr: r.7,
        refresh_hash: r.8,
        created_at: r.9,
        last_access_at: r.10,
        ip: r.11,
        user_agent: r.12,
    }
}

impl Tx {
    /// Store a new IdP session.
    pub async fn insert_idp_session(&mut self, project: &str, s: &IdpSession) -> Result<()> {
        on_tx!(self, |conn, pg| {
            sqlx::query(
                "INSERT INTO idp_sessions (project_id, id, user_id, secret_hash, created_at, auth_time, \
                    amr, last_access_at, expires_at, ip, user_agent) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(project)
            .bind(&s.id)
            .bind(&s.user_id)
            .bind(&s.secret_hash)
            .bind(s.created_at)
            .bind(s.auth_time)
            .bind(&s.amr)
            .bind(s.last_access_at)
            .bind(s.expires_at)
            .bind(&s.ip)
            .bind(&s.user_agent)
            .execute(&mut *conn)
            .await?;
        });
        Ok(())
    }

    /// One IdP session (expired or not).
    pub async fn idp_session(&mut self, project: &str, id: &str) -> Result<Option<IdpSession>> {
        let sql =
            format!("SELECT {IDP_COLUMNS} FROM idp_sessions WHERE project_id = $1 AND id = $2");
        let row: Option<IdpRow> = on_tx!(self, |conn, pg| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(project)
                .bind(id)
                .fetch_optional(&mut *conn)
                .await?
        });
        Ok(row.map(idp_from_row))
    }

    /// Record a use of an IdP session.
    pub async fn touch_idp_session(
        &mut self,
        project: &str,
        id: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<()> {
        on_tx!(self, |conn, pg| {
            sqlx::query(
                "UPDATE idp_sessions SET last_access_at = $3, expires_at = $4 \
                 WHERE project_id = $1 AND id = $2",
            )
            .bind(project)
            .bind(id)
            .bind(now)
            .bind(expires_at)
            .execute(&mut *conn)
            .await?;
        });
        Ok(())
    }

    /// Delete an IdP session and the grants that live and die with it
    /// (`sso_enabled`). `false` if there was no such session.
    pub async fn delete_idp_session(&mut self, project: &str, id: &str) -> Result<bool> {
        let n = on_tx!(self, |conn, pg| {
            sqlx::query(
                "DELETE FROM offline_grants WHERE project_id = $1 AND idp_session_id = $2 AND sso_enabled = $3",
            )
            .bind(project)
            .bind(id)
            .bind(true)
            .execute(&mut *conn)
            .await?;
            sqlx::query("DELETE FROM idp_sessions WHERE project_id = $1 AND id = $2")
                .bind(project)
                .bind(id)
                .execute(&mut *conn)
                .await?
                .rows_affected()
        });
        Ok(n == 1)
    }

    /// Store a new offline grant.
    pub async fn insert_grant(&mut self, project: &str, g: &OfflineGrant) -> Result<()> {
        on_tx!(self, |conn, pg| {
            sqlx::query(
                "INSERT INTO offline_grants (project_id, id, user_id, client_id, idp_session_id, \
                    sso_enabled, scope, auth_time, amr, refresh_hash, created_at, last_access_at, ip, \
                    user_agent) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
            )
            .bind(project)
            .bind(&g.id)
            .bind(&g.user_id)
            .bind(&g.client_id)
            .bind(&g.idp_session_id)
            .bind(g.sso_enabled)
            .bind(&g.scope)
            .bind(g.auth_time)
            .bind(&g.amr)
            .bind(&g.refresh_hash)
            .bind(g.created_at)
            .bind(g.last_access_at)
            .bind(&g.ip)
            .bind(&g.user_agent)
            .execute(&mut *conn)
            .await?;
        });
        Ok(())
    }

    /// One offline grant.
    pub async fn grant(&mut self, project: &str, id: &str) -> Result<Option<OfflineGrant>> {
        let sql =
            format!("SELECT {GRANT_COLUMNS} FROM offline_grants WHERE project_id = $1 AND id = $2");
        let row: Option<GrantRow> = on_tx!(self, |conn, pg| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(project)
                .bind(id)
                .fetch_optional(&mut *conn)
                .await?
        });
        Ok(row.map(grant_from_row))
    }

    /// Record a refresh: the grant's last use and, when rotating, its new
    /// refresh token (the old one remembered as rotated out). `false` when
    /// the grant's token was not `old_hash` any more: another request
    /// rotated it first.
    pub async fn refresh_grant(
        &mut self,
        project: &str,
        grant: &OfflineGrant,
        new_hash: Option<&str>,
        now: i64,
        ip: &str,
        user_agent: &str,
    ) -> Result<bool> {
        let next = new_hash.unwrap_or(&grant.refresh_hash);
        let n = on_tx!(self, |conn, pg| {
            sqlx::query(
                "UPDATE offline_grants SET refresh_hash = $4, last_access_at = $5, ip = $6, user_agent = $7 \
                 WHERE project_id = $1 AND id = $2 AND refresh_hash = $3",
            )
            .bind(project)
            .bind(&grant.id)
            .bind(&grant.refresh_hash)
            .bind(next)
            .bind(now)
            .bind(ip)
            .bind(user_agent)
            .execute(&mut *conn)
            .await?
            .rows_affected()
        });
        if n != 1 {
            return Ok(false);
        }
        if new_hash.is_some() {
            on_tx!(self, |conn, pg| {
                sqlx::query(
                    "INSERT INTO rotated_refresh_tokens (project_id, refresh_hash, grant_id, rotated_at) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT (project_id, refresh_hash) DO NOTHING",
                )
                .bind(project)
                .bind(&grant.refresh_hash)
                .bind(&grant.id)
                .bind(now)
                .execute(&mut *conn)
                .await?;
            });
        }
        Ok(true)
    }

    /// The grant a rotated-out refresh token belonged to, and when it was
    /// rotated out.
    pub async fn rotated_refresh_token(
        &mut self,
        project: &str,
        refresh_hash: &str,
    ) -> Result<Option<(String, i64)>> {
        Ok(on_tx!(self, |conn, pg| {
            sqlx::query_as(
                "SELECT grant_id, rotated_at FROM rotated_refresh_tokens \
                 WHERE project_id = $1 AND refresh_hash = $2",
            )
            .bind(project)
            .bind(refresh_hash)
            .fetch_optional(&mut *conn)
            .await?
        }))
    }

    /// Delete an offline grant. `false` if there was none.
    pub async fn delete_grant(&mut self, project: &str, id: &str) -> Result<bool> {
        let n = on_tx!(self, |conn, pg| {
            sqlx::query("DELETE FROM offline_grants WHERE project_id = $1 AND id = $2")
                .bind(project)
                .bind(id)
                .execute(&mut *conn)
                .await?
                .rows_affected()
        });
        Ok(n == 1)
    }

    /// Delete a user's offline grants of one client (their refresh tokens
    /// stop working); returns how many.
    pub async fn delete_grants_of_client(
        &mut self,
        project: &str,
        user_id: &str,
        client_id: &str,
    ) -> Result<u64> {
        Ok(on_tx!(self, |conn, pg| {
            sqlx::query(
                "DELETE FROM offline_grants WHERE project_id = $1 AND user_id = $2 AND client_id = $3",
            )
            .bind(project)
            .bind(user_id)
            .bind(client_id)
            .execute(&mut *conn)
            .await?
            .rows_affected()
        }))
    }

    /// A user's IdP sessions and offline grants, oldest first.
    pub async fn sessions_of(
        &mut self,
        project: &str,
        user_id: &str,
    ) -> Result<(Vec<IdpSession>, Vec<OfflineGrant>)> {
        let idp_sql = format!(
            "SELECT {IDP_COLUMNS} FROM idp_sessions WHERE project_id = $1 AND user_id = $2 \
             ORDER BY created_at, id"
        );
        let grant_sql = format!(
            "SELECT {GRANT_COLUMNS} FROM offline_grants WHERE project_id = $1 AND user_id = $2 \
             ORDER BY created_at, id"
        );
        let (idp, grants): (Vec<IdpRow>, Vec<GrantRow>) = on_tx!(self, |conn, pg| {
            let idp = sqlx::query_as(sqlx::AssertSqlSafe(idp_sql))
                .bind(project)
                .bind(user_id)
                .fetch_all(&mut *conn)
                .await?;
            let grants = sqlx::query_as(sqlx::AssertSqlSafe(grant_sql))
                .bind(project)
                .bind(user_id)
                .fetch_all(&mut *conn)
                .await?;
            (idp, grants)
        });
        Ok((
            idp.into_iter().map(idp_from_row).collect(),
            grants.into_iter().map(grant_from_row).collect(),
        ))
    }

    /// End every session of a user: IdP sessions, offline grants and
    /// unredeemed codes. Returns how many sessions and grants ended.
    pub async fn delete_sessions_of(&mut self, project: &str, user_id: &str) -> Result<u64> {
        Ok(on_tx!(self, |conn, pg| {
            let grants =
                sqlx::query("DELETE FROM offline_grants WHERE project_id = $1 AND user_id = $2")
                    .bind(project)
                    .bind(user_id)
                    .execute(&mut *conn)
                    .await?
                    .rows_affected();
            let idp =
                sqlx::query("DELETE FROM idp_sessions WHERE project_id = $1 AND user_id = $2")
                    .bind(project)
                    .bind(user_id)
                    .execute(&mut *conn)
                    .await?
                    .rows_affected();
            sqlx::query(
                "DELETE FROM authorization_codes WHERE project_id = $1 AND user_id = $2 \
                 AND redeemed_grant IS NULL",
            )
            .bind(project)
            .bind(user_id)
            .execute(&mut *conn)
            .await?;
            grants + idp
        }))
    }

    /// Store a new authorization code, and forget codes long expired.
    pub async fn insert_code(&mut self, project: &str, c: &AuthorizationCode) -> Result<()> {
        on_tx!(self, |conn, pg| {
            // Redeemed codes are kept until well after expiry so that a
            // replay within their lifetime is recognised as one.
            sqlx::query("DELETE FROM authorization_codes WHERE expires_at < $1")
                .bind(c.created_at - 3600)
                .execute(&mut *conn)
                .await?;
            sqlx::query(
                "INSERT INTO authorization_codes (code_hash, project_id, client_id, user_id, request, \
                    idp_session_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(&c.code_hash)
            .bind(project)
            .bind(&c.client_id)
            .bind(&c.user_id)
            .bind(&c.request)
            .bind(&c.idp_session_id)
            .bind(c.created_at)
            .bind(c.expires_at)
            .execute(&mut *conn)
            .await?;
        });
        Ok(())
    }

    /// One authorization code of a project, redeemed or not.
    pub async fn code(
        &mut self,
        project: &str,
        code_hash: &str,
    ) -> Result<Option<AuthorizationCode>> {
        type Row = (
            String,
            String,
            String,
            String,
            Option<String>,
            i64,
            i64,
            Option<String>,
        );
        let row: Option<Row> = on_tx!(self, |conn, pg| {
            sqlx::query_as(
                "SELECT code_hash, client_id, user_id, request, idp_session_id, created_at, expires_at, \
                    redeemed_grant FROM authorization_codes WHERE code_hash = $1 AND project_id = $2",
            )
            .bind(code_hash)
            .bind(project)
            .fetch_optional(&mut *conn)
            .await?
        });
        Ok(row.map(|r| AuthorizationCode {
            code_hash: r.0,
            client_id: r.1,
            user_id: r.2,
            request: r.3,
            idp_session_id: r.4,
            created_at: r.5,
            expires_at: r.6,
            redeemed_grant: r.7,
        }))
    }

    /// Mark a code redeemed by `grant_id`. `false` when another redemption
    /// got there first (the caller must then roll back).
    pub async fn redeem_code(&mut self, code_hash: &str, grant_id: &str) -> Result<bool> {
        let n = on_tx!(self, |conn, pg| {
            sqlx::query(
                "UPDATE authorization_codes SET redeemed_grant = $2 \
                 WHERE code_hash = $1 AND redeemed_grant IS NULL",
            )
            .bind(code_hash)
            .bind(grant_id)
            .execute(&mut *conn)
            .await?
            .rows_affected()
        });
        Ok(n == 1)
    }
}
