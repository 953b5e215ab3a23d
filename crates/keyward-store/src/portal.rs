//! Portal operators (email + password hash) and their sessions. The store
//! keeps only what it is given: password hashing, session IDs and CSRF
//! tokens are made by the server; session IDs arrive already hashed.

use crate::error::{Result, StoreError};
use crate::{Store, Tx, now_secs};

/// Longest email accepted, in bytes.
pub const MAX_EMAIL_BYTES: usize = 254;

/// A portal operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortalUser {
    /// Random ID.
    pub id: String,
    /// Lower-case email, unique.
    pub email: String,
    /// PHC-format password hash (argon2id).
    pub password_hash: String,
    /// Unix seconds.
    pub created_at: i64,
}

/// A live portal session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortalSession {
    /// Who is signed in.
    pub user_id: String,
    /// Their email.
    pub email: String,
    /// The session's CSRF token (forms and `X-CSRF-Token` must echo it).
    pub csrf_token: String,
    /// Unix seconds.
    pub expires_at: i64,
    /// When the operator last typed their password (Unix seconds).
    pub password_at: i64,
}

/// An email as stored: trimmed, lower-case, shaped like `local@domain`.
pub fn normalize_email(email: &str) -> Result<String> {
    let email = email.trim().to_lowercase();
    let valid = email.len() <= MAX_EMAIL_BYTES
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        })
        && !email.chars().any(|c| c.is_whitespace() || c.is_control());
    if valid {
        Ok(email)
    } else {
        Err(StoreError::InvalidEmail)
    }
}

type UserRow = (String, String, String, i64);

impl Tx {
    /// Create an operator. With `only_if_first`, succeeds only while no
    /// operator exists (the one-time setup link), atomically.
    pub async fn create_portal_user(
        &mut self,
        email: &str,
        password_hash: &str,
        only_if_first: bool,
    ) -> Result<PortalUser> {
        let email = normalize_email(email)?;
        let id = uuid::Uuid::new_v4().to_string();
        let now = now_secs();
        let guard = if only_if_first {
            " WHERE NOT EXISTS (SELECT 1 FROM portal_users)"
        } else {
            ""
        };
        let sql = format!(
            "INSERT INTO portal_users (id, email, password_hash, created_at) SELECT $1, $2, $3, $4{guard}"
        );
        let inserted = on_tx!(self, |conn, pg| {
            sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(&id)
                .bind(&email)
                .bind(password_hash)
                .bind(now)
                .execute(&mut *conn)
                .await
                .map(|r| r.rows_affected())
        });
        match inserted {
            Ok(0) => Err(StoreError::PortalSetupDone),
            Ok(_) => Ok(PortalUser {
                id,
                email,
                password_hash: password_hash.to_owned(),
                created_at: now,
            }),
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                Err(StoreError::PortalUserExists(email))
            }
            Err(e) => Err(e.into()),
        }
    }
}

impl Store {
    /// [`Tx::create_portal_user`] in its own transaction.
    pub async fn create_portal_user(
        &self,
        email: &str,
        password_hash: &str,
        only_if_first: bool,
    ) -> Result<PortalUser> {
        Ok(in_tx!(self, |tx| tx
            .create_portal_user(email, password_hash, only_if_first)
            .await?))
    }

    /// How many operators exist.
    pub async fn count_portal_users(&self) -> Result<i64> {
        Ok(in_tx!(read self, |tx| on_tx!(tx, |conn, pg| {
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM portal_users")
                .fetch_one(&mut *conn)
                .await?
        })))
    }

    /// The operator with this email, if any.
    pub async fn portal_user_by_email(&self, email: &str) -> Result<Option<PortalUser>> {
        let Ok(email) = normalize_email(email) else {
            return Ok(None);
        };
        let row: Option<UserRow> = in_tx!(read self, |tx| on_tx!(tx, |conn, pg| {
            sqlx::query_as(
                "SELECT id, email, password_hash, created_at FROM portal_users WHERE email = $1",
            )
            .bind(&email)
            .fetch_optional(&mut *conn)
            .await?
        }));
        Ok(
            row.map(|(id, email, password_hash, created_at)| PortalUser {
                id,
                email,
                password_hash,
                created_at,
            }),
        )
    }

    /// Start a session; the caller keeps the unhashed ID in a cookie.
    pub async fn create_portal_session(
        &self,
        id_hash: &str,
        user_id: &str,
        csrf_token: &str,
        expires_at: i64,
    ) -> Result<()> {
        let now = now_secs();
        in_tx!(self, |tx| on_tx!(tx, |conn, pg| {
            // Expired sessions are swept whenever a new one starts.
            sqlx::query("DELETE FROM portal_sessions WHERE expires_at <= $1")
                .bind(now)
                .execute(&mut *conn)
                .await?;
            sqlx::query(
                "INSERT INTO portal_sessions (id_hash, user_id, csrf_token, created_at, expires_at, password_at) \
                 VALUES ($1, $2, $3, $4, $5, $4)",
            )
            .bind(id_hash)
            .bind(user_id)
            .bind(csrf_token)
            .bind(now)
            .bind(expires_at)
            .execute(&mut *conn)
            .await?;
        }));
        Ok(())
    }

    /// The session with this hashed ID, unless it has expired.
    pub async fn portal_session(&self, id_hash: &str) -> Result<Option<PortalSession>> {
        let row: Option<(String, String, String, i64, i64)> = in_tx!(read self, |tx| on_tx!(tx, |conn, pg| {
            sqlx::query_as(
                "SELECT s.user_id, u.email, s.csrf_token, s.expires_at, s.password_at \
                 FROM portal_sessions s JOIN portal_users u ON u.id = s.user_id \
                 WHERE s.id_hash = $1 AND s.expires_at > $2",
            )
            .bind(id_hash)
            .bind(now_secs())
            .fetch_optional(&mut *conn)
            .await?
        }));
        Ok(row.map(
            |(user_id, email, csrf_token, expires_at, password_at)| PortalSession {
                user_id,
                email,
                csrf_token,
                expires_at,
                password_at,
            },
        ))
    }

    /// Record that the session's operator just typed their password.
    pub async fn confirm_portal_password(&self, id_hash: &str) -> Result<()> {
        in_tx!(self, |tx| on_tx!(tx, |conn, pg| {
            sqlx::query("UPDATE portal_sessions SET password_at = $1 WHERE id_hash = $2")
                .bind(now_secs())
                .bind(id_hash)
                .execute(&mut *conn)
                .await?;
        }));
        Ok(())
    }

    /// End a session (logout).
    pub async fn delete_portal_session(&self, id_hash: &str) -> Result<()> {
        in_tx!(self, |tx| on_tx!(tx, |conn, pg| {
            sqlx::query("DELETE FROM portal_sessions WHERE id_hash = $1")
                .bind(id_hash)
                .execute(&mut *conn)
                .await?;
        }));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalized_and_checked() {
        assert_eq!(
            normalize_email(" Ada@Example.COM ").unwrap(),
            "ada@example.com"
        );
        for bad in [
            "",
            "ada",
            "@example.com",
            "ada@example",
            "ada@.com",
            "a da@example.com",
            "ada@example.com.",
        ] {
            assert!(normalize_email(bad).is_err(), "{bad}");
        }
    }
}
