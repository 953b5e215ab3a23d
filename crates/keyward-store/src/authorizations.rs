//! Users' authorizations of OAuth clients: the scopes each user granted
//! each client (consent), extended by later grants. Times are Unix
//! microseconds.

use crate::Tx;
use crate::error::{Result, StoreError};

/// A user's authorization of a client: the scopes granted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    /// UUID.
    pub id: String,
    /// The user.
    pub user_id: String,
    /// The client.
    pub client_id: String,
    /// The granted scopes, de-duplicated, in the order first granted.
    pub scopes: Vec<String>,
    /// Created.
    pub created_at: i64,
    /// Last changed.
    pub updated_at: i64,
}

type AuthorizationRow = (String, String, String, String, i64, i64);

fn authorization(r: AuthorizationRow) -> Result<Authorization> {
    let scopes = serde_json::from_str(&r.3)
        .map_err(|_| StoreError::Corrupt("an authorization's scopes are not a JSON list".into()))?;
    Ok(Authorization {
        id: r.0,
        user_id: r.1,
        client_id: r.2,
        scopes,
        created_at: r.4,
        updated_at: r.5,
    })
}

const AUTHORIZATION_COLUMNS: &str = "id, user_id, client_id, scopes, created_at, updated_at";

impl Tx {
    /// Grant `scopes` to `client_id` for `user_id`: the authorization is
    /// created, or its scopes extended (never narrowed), and returned.
    pub async fn grant_authorization(
        &mut self,
        project: &str,
        user_id: &str,
        client_id: &str,
        scopes: &[String],
        now: i64,
    ) -> Result<Authorization> {
        let existing = self.authorization_of(project, user_id, client_id).await?;
        let mut a = existing.clone().unwrap_or_else(|| Authorization {
            id: uuid::Uuid::new_v4().to_string(),
            user_id: user_id.to_owned(),
            client_id: client_id.to_owned(),
            scopes: Vec::new(),
            created_at: now,
            updated_at: now,
        });
        for s in scopes {
            if !a.scopes.contains(s) {
                a.scopes.push(s.clone());
            }
        }
        if existing.as_ref() == Some(&a) {
            return Ok(a);
        }
        a.updated_at = now;
        let scopes_json = serde_json::Value::from(a.scopes.clone()).to_string();
        on_tx!(self, |conn, pg| {
            sqlx::query(
                "INSERT INTO oauth_authorizations (project_id, id, user_id, client_id, scopes, \
                    created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                 ON CONFLICT (project_id, user_id, client_id) DO UPDATE SET \
                    scopes = excluded.scopes, updated_at = excluded.updated_at",
            )
            .bind(project)
            .bind(&a.id)
            .bind(user_id)
            .bind(client_id)
            .bind(&scopes_json)
            .bind(a.created_at)
            .bind(a.updated_at)
            .execute(&mut *conn)
            .await?;
        });
        Ok(a)
    }

    /// The user's authorization of a client, if any.
    pub async fn authorization_of(
        &mut self,
        project: &str,
        user_id: &str,
        client_id: &str,
    ) -> Result<Option<Authorization>> {
        let sql = format!(
            "SELECT {AUTHORIZATION_COLUMNS} FROM oauth_authorizations \
             WHERE project_id = $1 AND user_id = $2 AND client_id = $3"
        );
        let row: Option<AuthorizationRow> = on_tx!(self, |conn, pg| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(project)
                .bind(user_id)
                .bind(client_id)
                .fetch_optional(&mut *conn)
                .await?
        });
        row.map(authorization).transpose()
    }

    /// The authorization with this ID.
    pub async fn authorization(
        &mut self,
        project: &str,
        id: &str,
    ) -> Result<Option<Authorization>> {
        let sql = format!(
            "SELECT {AUTHORIZATION_COLUMNS} FROM oauth_authorizations WHERE project_id = $1 AND id = $2"
        );
        let row: Option<AuthorizationRow> = on_tx!(self, |conn, pg| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(project)
                .bind(id)
                .fetch_optional(&mut *conn)
                .await?
        });
        row.map(authorization).transpose()
    }

    /// A user's authorizations, oldest first.
    pub async fn authorizations_of_user(
        &mut self,
        project: &str,
        user_id: &str,
    ) -> Result<Vec<Authorization>> {
        let sql = format!(
            "SELECT {AUTHORIZATION_COLUMNS} FROM oauth_authorizations \
             WHERE project_id = $1 AND user_id = $2 ORDER BY created_at, id"
        );
        let rows: Vec<AuthorizationRow> = on_tx!(self, |conn, pg| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(project)
                .bind(user_id)
                .fetch_all(&mut *conn)
                .await?
        });
        rows.into_iter().map(authorization).collect()
    }

    /// Delete an authorization.
    pub async fn delete_authorization(&mut self, project: &str, id: &str) -> Result<()> {
        on_tx!(self, |conn, pg| {
            sqlx::query("DELETE FROM oauth_authorizations WHERE project_id = $1 AND id = $2")
                .bind(project)
                .bind(id)
                .execute(&mut *conn)
                .await?;
        });
        Ok(())
    }
}
