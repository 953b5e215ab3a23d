//! Login IDs (email, phone, username) and the password authenticators and
//! verified claims that hang off a user. Values arrive normalized; the
//! uniqueness of a login ID within a project is the `identities_unique`
//! index, so two concurrent requests cannot both claim one.

use crate::error::{Result, StoreError};
use crate::{Arg, Tx};

/// A login ID. Times are Unix microseconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// UUID.
    pub id: String,
    /// Owner.
    pub user_id: String,
    /// The login-ID key name (`email`, `phone`, `username` by default).
    pub key: String,
    /// `email`, `phone` or `username`.
    pub login_type: String,
    /// Normalized value.
    pub login_id: String,
    /// What uniqueness is checked on (normalized, IDNA domain for emails).
    pub unique_key: String,
    /// The value as sent (trimmed).
    pub original_value: String,
    /// Created.
    pub created_at: i64,
    /// Last changed.
    pub updated_at: i64,
}

/// A primary password. Times are Unix microseconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordAuthenticator {
    /// UUID.
    pub id: String,
    /// Owner.
    pub user_id: String,
    /// argon2id PHC string.
    pub password_hash: String,
    /// When the password must be changed.
    pub expire_after: Option<i64>,
    /// Created.
    pub created_at: i64,
    /// Last changed.
    pub updated_at: i64,
}

const IDENTITY_COLUMNS: &str = "id, user_id, login_id_key, login_id_type, login_id, unique_key, \
    original_value, created_at, updated_at";
type IdentityRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    i64,
    i64,
);

fn identity_from_row(r: IdentityRow) -> Identity {
    Identity {
        id: r.0,
        user_id: r.1,
        key: r.2,
        login_type: r.3,
        login_id: r.4,
        unique_key: r.5,
        original_value: r.6,
        created_at: r.7,
        updated_at: r.8,
    }
}

const PASSWORD_COLUMNS: &str = "id, user_id, password_hash, expire_after, created_at, updated_at";
type PasswordRow = (String, String, String, Option<i64>, i64, i64);

fn password_from_row(r: PasswordRow) -> PasswordAuthenticator {
    PasswordAuthenticator {
        id: r.0,
        user_id: r.1,
        password_hash: r.2,
        expire_after: r.3,
        created_at: r.4,
        updated_at: r.5,
    }
}

/// Map a unique violation on `identities` to [`StoreError::DuplicateIdentity`].
fn duplicate(e: sqlx::Error, login_type: &str) -> StoreError {
    match e.as_database_error() {
        Some(db) if db.is_unique_violation() => StoreError::DuplicateIdentity {
            login_type: login_type.to_owned(),
        },
        _ => StoreError::Database(e),
    }
}

impl Tx {
    /// Store a new login ID; a value another identity of the project holds
    /// is [`StoreError::DuplicateIdentity`].
    pub async fn insert_identity(&mut self, project: &str, identity: &Identity) -> Result<()> {
        self.begin_guard().await?;
        let inserted = on_tx!(self, |conn, pg| {
            sqlx::query(
                "INSERT INTO identities (project_id, id, user_id, login_id_key, login_id_type, \
                    login_id, unique_key, original_value, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(project)
            .bind(&identity.id)
            .bind(&identity.user_id)
            .bind(&identity.key)
            .bind(&identity.login_type)
            .bind(&identity.login_id)
            .bind(&identity.unique_key)
            .bind(&identity.original_value)
            .bind(identity.created_at)
            .bind(identity.updated_at)
            .execute(&mut *conn)
            .await
            .map(|done| done.rows_affected())
        });
        self.end_guard(inserted.is_ok()).await?;
        inserted.map_err(|e| duplicate(e, &identity.login_type))?;
        self.refresh_search_terms(project, &identity.user_id).await
    }

    /// Replace a login ID's value (same ID, same owner).
    pub async fn update_identity(&mut self, project: &str, identity: &Identity) -> Result<()> {
        self.begin_guard().await?;
        let updated = on_tx!(self, |conn, pg| {
            sqlx::query(
                "UPDATE identities SET login_id_key = $3, login_id_type = $4, login_id = $5, \
                    unique_key = $6, original_value = $7, updated_at = $8 \
                 WHERE project_id = $1 AND id = $2",
            )
            .bind(project)
            .bind(&identity.id)
            .bind(&identity.key)
            .bind(&identity.login_type)
            .bind(&identity.login_id)
            .bind(&identity.unique_key)
            .bind(&identity.original_value)
            .bind(identity.updated_at)
            .execute(&mut *conn)
            .await
            .map(|done| done.rows_affected())
        });
        self.end_guard(updated.is_ok()).await?;
        if updated.map_err(|e| duplicate(e, &identity.login_type))? == 0 {
            return Err(StoreError::IdentityNotFound);
        }
        self.refresh_search_terms(project, &identity.user_id).await
    }

    /// Delete one login ID.
    pub async fn delete_identity(&mut self, project: &str, identity: &Identity) -> Result<()> {
        let done = on_tx!(self, |conn, pg| {
            sqlx::query("DELETE FROM identities WHERE project_id = $1 AND id = $2")
                .bind(project)
                .bind(&identity.id)
                .execute(&mut *conn)
                .await?
                .rows_affected()
        });
        if done == 0 {
            return Err(StoreError::IdentityNotFound);
        }
        self.refresh_search_terms(project, &identity.user_id).await
    }

    /// Delete every login ID of a user (anonymization).
    pub async fn delete_identities_of(&mut self, project: &str, user_id: &str) -> Result<()> {
        on_tx!(self, |conn, pg| {
            sqlx::query("DELETE FROM identities WHERE project_id = $1 AND user_id = $2")
                .bind(project)
                .bind(user_id)
                .execute(&mut *conn)
                .await?;
        });
        self.refresh_search_terms(project, user_id).await
    }

    /// One login ID, if it exists.
    pub async fn identity(&mut self, project: &str, id: &str) -> Result<Option<Identity>> {
        let sql =
            format!("SELECT {IDENTITY_COLUMNS} FROM identities WHERE project_id = $1 AND id = $2");
        let row: Option<IdentityRow> = on_tx!(self, |conn, pg| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(project)
                .bind(id)
                .fetch_optional(&mut *conn)
                .await?
        });
        Ok(row.map(identity_from_row))
    }

    /// The login ID holding a uniqueness key, if any (an index lookup).
    pub async fn identity_by_unique_key(
        &mut self,
        project: &str,
        unique_key: &str,
    ) -> Result<Option<Identity>> {
        let sql = format!(
            "SELECT {IDENTITY_COLUMNS} FROM identities WHERE project_id = $1 AND unique_key = $2"
        );
        let row: Option<IdentityRow> = on_tx!(self, |conn, pg| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(project)
                .bind(unique_key)
                .fetch_optional(&mut *conn)
                .await?
        });
        Ok(row.map(identity_from_row))
    }

    /// The identities holding any of `unique_keys` (one query for a batch
    /// of imported records instead of one per record).
    pub async fn identities_by_unique_keys(
        &mut self,
        project: &str,
        unique_keys: &[String],
    ) -> Result<Vec<Identity>> {
        if unique_keys.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {IDENTITY_COLUMNS} FROM identities WHERE project_id = $1 AND unique_key IN ({})",
            crate::users::placeholders(2, unique_keys.len())
        );
        let args: Vec<Arg> = unique_keys.iter().cloned().map(Arg::Text).collect();
        let rows: Vec<IdentityRow> = on_tx!(self, |conn, pg| {
            let query = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(project);
            bind_args!(query, args).fetch_all(&mut *conn).await?
        });
        Ok(rows.into_iter().map(identity_from_row).collect())
    }

    /// A user's login IDs, oldest first.
    pub async fn identities_of(&mut self, project: &str, user_id: &str) -> Result<Vec<Identity>> {
        let sql = format!(
            "SELECT {IDENTITY_COLUMNS} FROM identities WHERE project_id = $1 AND user_id = $2 \
             ORDER BY created_at, id"
        );
        let rows: Vec<IdentityRow> = on_tx!(self, |conn, pg| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(project)
                .bind(user_id)
                .fetch_all(&mut *conn)
                .await?
        });
        Ok(rows.into_iter().map(identity_from_row).collect())
    }

    /// Store a new password authenticator.
    pub async fn insert_password(
        &mut self,
        project: &str,
        p: &PasswordAuthenticator,
    ) -> Result<()> {
        on_tx!(self, |conn, pg| {
            sqlx::query(
                "INSERT INTO password_authenticators (project_id, id, user_id, password_hash, \
                    expire_after, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(project)
            .bind(&p.id)
            .bind(&p.user_id)
            .bind(&p.password_hash)
            .bind(p.expire_after)
            .bind(p.created_at)
            .bind(p.updated_at)
            .execute(&mut *conn)
            .await?;
        });
        Ok(())
    }

    /// Write a password authenticator's hash and expiry back.
    pub async fn save_password(&mut self, project: &str, p: &PasswordAuthenticator) -> Result<()> {
        on_tx!(self, |conn, pg| {
            sqlx::query(
                "UPDATE password_authenticators SET password_hash = $3, expire_after = $4, \
                    updated_at = $5 WHERE project_id = $1 AND id = $2",
            )
            .bind(project)
            .bind(&p.id)
            .bind(&p.password_hash)
            .bind(p.expire_after)
            .bind(p.updated_at)
            .execute(&mut *conn)
            .await?;
        });
        Ok(())
    }

    /// A user's password authenticators, oldest first.
    pub async fn passwords_of(
        &mut self,
        project: &str,
        user_id: &str,
    ) -> Result<Vec<PasswordAuthenticator>> {
        let sql = format!(
            "SELECT {PASSWORD_COLUMNS} FROM password_authenticators \
             WHERE project_id = $1 AND user_id = $2 ORDER BY created_at, id"
        );
        let rows: Vec<PasswordRow> = on_tx!(self, |conn, pg| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(project)
                .bind(user_id)
                .fetch_all(&mut *conn)
                .await?
        });
        Ok(rows.into_iter().map(password_from_row).collect())
    }

    /// One password authenticator, if it exists.
    pub async fn password(
        &mut self,
        project: &str,
        id: &str,
    ) -> Result<Option<PasswordAuthenticator>> {
        let sql = format!(
            "SELECT {PASSWORD_COLUMNS} FROM password_authenticators WHERE project_id = $1 AND id = $2"
        );
        let row: Option<PasswordRow> = on_tx!(self, |conn, pg| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(project)
                .bind(id)
                .fetch_optional(&mut *conn)
                .await?
        });
        Ok(row.map(password_from_row))
    }

    /// Delete one password authenticator.
    pub async fn delete_password(&mut self, project: &str, id: &str) -> Result<()> {
        on_tx!(self, |conn, pg| {
            sqlx::query("DELETE FROM password_authenticators WHERE project_id = $1 AND id = $2")
                .bind(project)
                .bind(id)
                .execute(&mut *conn)
                .await?;
        });
        Ok(())
    }

    /// Delete every password of a user.
    pub async fn delete_passwords_of(&mut self, project: &str, user_id: &str) -> Result<()> {
        on_tx!(self, |conn, pg| {
            sqlx::query(
                "DELETE FROM password_authenticators WHERE project_id = $1 AND user_id = $2",
            )
            .bind(project)
            .bind(user_id)
            .execute(&mut *conn)
            .await?;
        });
        Ok(())
    }

    /// A user's verified claims as `(name, value)`, sorted.
    pub async fn verified_claims(
        &mut self,
        project: &str,
        user_id: &str,
    ) -> Result<Vec<(String, String)>> {
        Ok(on_tx!(self, |conn, pg| {
            sqlx::query_as(
                "SELECT name, value FROM verified_claims WHERE project_id = $1 AND user_id = $2 \
                 ORDER BY name, value",
            )
            .bind(project)
            .bind(user_id)
            .fetch_all(&mut *conn)
            .await?
        }))
    }

    /// The login IDs of many users at once, oldest first; `list` holds the
    /// placeholders (from `$2`) that `args` fill, or a subquery.
    pub(crate) async fn identities_of_users(
        &mut self,
        project: &str,
        list: &str,
        args: Vec<Arg>,
    ) -> Result<Vec<Identity>> {
        let rows: Vec<IdentityRow> = self
            .json_rows(
                IDENTITY_COLUMNS,
                &format!("identities WHERE project_id = $1 AND user_id IN ({list})"),
                "created_at, id",
                project,
                args,
            )
            .await?;
        Ok(rows.into_iter().map(identity_from_row).collect())
    }

    /// The verified claims of many users at once, as `(user_id, name, value)`
    /// (one query for a page of users instead of one per user).
    pub async fn verified_claims_of_users(
        &mut self,
        project: &str,
        user_ids: &[String],
    ) -> Result<Vec<(String, String, String)>> {
        if user_ids.is_empty() {
            return Ok(Vec::new());
        }
        let list = crate::users::placeholders(2, user_ids.len());
        let args: Vec<Arg> = user_ids.iter().cloned().map(Arg::Text).collect();
        self.verified_claims_in(project, &list, args).await
    }

    /// [`Tx::verified_claims_of_users`] for the users `list` selects: the
    /// placeholders (from `$2`) that `args` fill, or a subquery.
    pub(crate) async fn verified_claims_in(
        &mut self,
        project: &str,
        list: &str,
        args: Vec<Arg>,
    ) -> Result<Vec<(String, String, String)>> {
        self.json_rows(
            "user_id, name, value",
            &format!("verified_claims WHERE project_id = $1 AND user_id IN ({list})"),
            "user_id, name, value",
            project,
            args,
        )
        .await
    }

    /// Mark a claim verified or not (idempotent).
    pub async fn set_claim_verified(
        &mut self,
        project: &str,
        user_id: &str,
        claim: (&str, &str),
        verified: bool,
        now: i64,
    ) -> Result<()> {
        on_tx!(self, |conn, pg| {
            if verified {
                sqlx::query(
                    "INSERT INTO verified_claims (project_id, user_id, name, value, created_at) \
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                )
                .bind(project)
                .bind(user_id)
                .bind(claim.0)
                .bind(claim.1)
                .bind(now)
                .execute(&mut *conn)
                .await?;
            } else {
                sqlx::query(
                    "DELETE FROM verified_claims \
                     WHERE project_id = $1 AND user_id = $2 AND name = $3 AND value = $4",
                )
                .bind(project)
                .bind(user_id)
                .bind(claim.0)
                .bind(claim.1)
                .execute(&mut *conn)
                .await?;
            }
        });
        Ok(())
    }

    /// Forget every verified claim of a user (anonymization).
    pub async fn delete_verified_claims_of(&mut self, project: &str, user_id: &str) -> Result<()> {
        on_tx!(self, |conn, pg| {
            sqlx::query("DELETE FROM verified_claims WHERE project_id = $1 AND user_id = $2")
                .bind(project)
                .bind(user_id)
                .execute(&mut *conn)
                .await?;
        });
        Ok(())
    }
}
