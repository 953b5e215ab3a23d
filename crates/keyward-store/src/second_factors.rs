//! Second factors and what hangs off them: authenticators other than
//! primary passwords (TOTP, one-time codes by email or SMS, secondary
//! passwords), TOTP enrolments awaiting their first code, recovery codes,
//! one-time codes, sign-in challenges awaiting a second factor, and users'
//! MFA grace periods. TOTP secrets are sealed under the master key.
//!
//! Every "use" here is one conditional write (a TOTP step only moves
//! forward, a recovery code or a one-time code is consumed once), so two
//! concurrent requests cannot both spend the same code.

use zeroize::Zeroizing;

use crate::error::Result;
use crate::seal::MasterKey;
use crate::{Store, Tx};

/// An authenticator other than a primary password. Times are Unix
/// microseconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authenticator {
    /// UUID.
    pub id: String,
    /// Owner.
    pub user_id: String,
    /// `password`, `totp`, `oob_otp_email` or `oob_otp_sms`.
    pub kind_of: String,
    /// `primary` or `secondary`.
    pub kind: String,
    /// The normalized email or E.164 phone number (one-time codes).
    pub target: Option<String>,
    /// The name the user gave it (TOTP).
    pub display_name: Option<String>,
    /// argon2id PHC string (secondary passwords).
    pub password_hash: Option<String>,
    /// Whether it is the user's default second factor.
    pub is_default: bool,
    /// Created.
    pub created_at: i64,
    /// Last changed.
    pub updated_at: i64,
}

impl Authenticator {
    /// A primary password as the Admin API shows it among authenticators
    /// (it keeps its own table, with the password history).
    pub fn primary_password(p: &crate::PasswordAuthenticator) -> Authenticator {
        Authenticator {
            id: p.id.clone(),
            user_id: p.user_id.clone(),
            kind_of: "password".into(),
            kind: "primary".into(),
            target: None,
            display_name: None,
            password_hash: None,
            is_default: false,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

const COLUMNS: &str = "id, user_id, type, kind, target, display_name, password_hash, is_default, \
    created_at, updated_at";
type Row = (
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    bool,
    i64,
    i64,
);

fn from_row(r: Row) -> Authenticator {
    Authenticator {
        id: r.0,
        user_id: r.1,
        kind_of: r.2,
        kind: r.3,
        target: r.4,
        display_name: r.5,
        password_hash: r.6,
        is_default: r.7,
        created_at: r.8,
        updated_at: r.9,
    }
}

/// The sealing context of a user's TOTP secrets: a sealed secret copied
/// onto another user's row does not open.
pub(crate) fn seal_id(user_id: &str) -> String {
    format!("totp:{user_id}")
}

/// A stored one-time code. Times are Unix seconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtpCode {
    /// SHA-256 of the code, hex.
    pub code_hash: String,
    /// Wrong codes entered for it so far.
    pub failed_attempts: i64,
    /// Until when it may be used.
    pub expires_at: i64,
}

/// A sign-in awaiting its second factor. Times are Unix microseconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    /// Who proved their password.
    pub user_id: String,
    /// Set (space-separated) once the second factor is proven.
    pub amr: Option<String>,
    /// Until when it may be answered.
    pub expires_at: i64,
}

/// A sign-up awaiting its code. Times are Unix seconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signup {
    /// `email` or `phone`.
    pub login_id_type: String,
    /// The normalized address.
    pub login_id: String,
    /// argon2id PHC string of the chosen password.
    pub password_hash: String,
    /// Until when the code may be entered.
    pub expires_at: i64,
}

impl Tx {
    /// Store an authenticator; `totp_secret` is sealed under `master`.
    pub async fn insert_authenticator(
        &mut self,
        project: &str,
        a: &Authenticator,
        totp_secret: Option<(&MasterKey, &[u8])>,
    ) -> Result<()> {
        let sealed = match totp_secret {
            Some((master, secret)) => Some(master.seal(project, &seal_id(&a.user_id), secret)?),
            None => None,
        };
        on_tx!(self, |conn, pg| {
            sqlx::query(
                "INSERT INTO authenticators (project_id, id, user_id, type, kind, target, display_name, \
                    secret_sealed, password_hash, is_default, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            )
            .bind(project)
            .bind(&a.id)
            .bind(&a.user_id)
            .bind(&a.kind_of)
            .bind(&a.kind)
            .bind(&a.target)
            .bind(&a.display_name)
            .bind(&sealed)
            .bind(&a.password_hash)
            .bind(a.is_default)
            .bind(a.created_at)
            .bind(a.updated_at)
            .execute(&mut *conn)
            .await?;
        });
        Ok(())
    }

    /// A user's authenticators (primary passwords excepted), oldest first.
    pub async fn authenticators_of(
        &mut self,
        project: &str,
        user_id: &str,
    ) -> Result<Vec<Authenticator>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM authenticators WHERE project_id = $1 AND user_id = $2 \
             ORDER BY created_at, id"
        );
        let rows: Vec<Row> = on_tx!(self, |conn, pg| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(project)
                .bind(user_id)
                .fetch_all(&mut *conn)
                .await?
        });
        Ok(rows.into_iter().map(from_row).collect())
    }

    /// The authenticators of many users at once, oldest first, each with
    /// its sealed TOTP secret; `list` holds the placeholders (from `$2`)
    /// that `args` fill.
    pub(crate) async fn authenticators_of_users(
        &mut self,
        project: &str,
        list: &str,
        args: Vec<crate::Arg>,
    ) -> Result<Vec<(Authenticator, Option<Vec<u8>>)>> {
        let sql = format!(
            "SELECT {COLUMNS}, secret_sealed FROM authenticators \
             WHERE project_id = $1 AND user_id IN ({list}) ORDER BY created_at, id"
        );
        type WithSecret = (
            String,
            String,
            String,
            String,
            Option<String>,
            Option<String>,
            Option<String>,
            bool,
            i64,
            i64,
            Option<Vec<u8>>,
        );
        let rows: Vec<WithSecret> = on_tx!(self, |conn, pg| {
            let query = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(project);
            bind_args!(query, args).fetch_all(&mut *conn).await?
        });
        let rows = rows
            .into_iter()
            .map(|r| ((r.0, r.1, r.2, r.3, r.4, r.5, r.6, r.7, r.8, r.9), r.10));
        Ok(rows.into_iter().map(|(r, s)| (from_row(r), s)).collect())
    }

    /// One authenticator, if it exists.
    pub async fn authenticator(
        &mut self,
        project: &str,
        id: &str,
    ) -> Result<Option<Authenticator>> {
        let sql = format!("SELECT {COLUMNS} FROM authenticators WHERE project_id = $1 AND id = $2");
        let row: Option<Row> = on_tx!(self, |conn, pg| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(project)
                .bind(id)
                .fetch_optional(&mut *conn)
                .await?
        });
        Ok(row.map(from_row))
    }

    /// Delete an authenticator; `false` if there was none.
    pub async fn delete_authenticator(&mut self, project: &str, id: &str) -> Result<bool> {
        let n = on_tx!(self, |conn, pg| {
            sqlx::query("DELETE FROM authenticators WHERE project_id = $1 AND id = $2")
                .bind(project)
                .bind(id)
                .execute(&mut *conn)
                .await?
                .rows_affected()
        });
        Ok(n == 1)
    }

    /// A TOTP authenticator's secret and the last time step accepted.
    pub async fn totp_secret(
        &mut self,
        project: &str,
        a: &Authenticator,
        master: &MasterKey,
    ) -> Result<Option<(Zeroizing<Vec<u8>>, Option<i64>)>> {
        let row: Option<(Option<Vec<u8>>, Option<i64>)> = on_tx!(self, |conn, pg| {
            sqlx::query_as(
                "SELECT secret_sealed, last_used_step FROM authenticators \
                 WHERE project_id = $1 AND id = $2 AND type = 'totp'",
            )
            .bind(project)
            .bind(&a.id)
            .fetch_optional(&mut *conn)
            .await?
        });
        match row {
            Some((Some(sealed), step)) => Ok(Some((
                master.open(project, &seal_id(&a.user_id), &sealed)?,
                step,
            ))),
            _ => Ok(None),
        }
    }

    /// Accept TOTP time step `step` for authenticator `id`: `false` if this
    /// or a later step was already accepted (a replayed code).
    pub async fn use_totp_step(&mut self, project: &str, id: &str, step: i64) -> Result<bool> {
        let n = on_tx!(self, |conn, pg| {
            sqlx::query(
                "UPDATE authenticators SET last_used_step = $3 WHERE project_id = $1 AND id = $2 \
                 AND (last_used_step IS NULL OR last_used_step < $3)",
            )
            .bind(project)
            .bind(id)
            .bind(step)
            .execute(&mut *conn)
            .await?
            .rows_affected()
        });
        Ok(n == 1)
    }

    /// Remember a TOTP secret shown to a user (replacing an earlier one).
    pub async fn put_totp_enrolment(
        &mut self,
        project: &str,
        user_id: &str,
        master: &MasterKey,
        secret: &[u8],
        now: i64,
    ) -> Result<()> {
        let sealed = master.seal(project, &seal_id(user_id), secret)?;
        on_tx!(self, |conn, pg| {
            sqlx::query(
                "INSERT INTO totp_enrolments (project_id, user_id, secret_sealed, created_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (project_id, user_id) \
                 DO UPDATE SET secret_sealed = excluded.secret_sealed, created_at = excluded.created_at",
            )
            .bind(project)
            .bind(user_id)
            .bind(&sealed)
            .bind(now)
            .execute(&mut *conn)
            .await?;
        });
        Ok(())
    }

    /// The TOTP secret shown to a user, and when (Unix microseconds).
    pub async fn totp_enrolment(
        &mut self,
        project: &str,
        user_id: &str,
        master: &MasterKey,
    ) -> Result<Option<(Zeroizing<Vec<u8>>, i64)>> {
        let row: Option<(Vec<u8>, i64)> = on_tx!(self, |conn, pg| {
            sqlx::query_as(
                "SELECT secret_sealed, created_at FROM totp_enrolments \
                 WHERE project_id = $1 AND user_id = $2",
            )
            .bind(project)
            .bind(user_id)
            .fetch_optional(&mut *conn)
            .await?
        });
        match row {
            Some((sealed, at)) => Ok(Some((
                master.open(project, &seal_id(user_id), &sealed)?,
                at,
            ))),
            None => Ok(None),
        }
    }

    /// Forget a user's pending TOTP enrolment.
    pub async fn delete_totp_enrolment(&mut self, project: &str, user_id: &str) -> Result<()> {
        on_tx!(self, |conn, pg| {
            sqlx::query("DELETE FROM totp_enrolments WHERE project_id = $1 AND user_id = $2")
                .bind(project)
                .bind(user_id)
                .execute(&mut *conn)
                .await?;
        });
        Ok(())
    }

    /// Replace a user's recovery codes with these digests.
    pub async fn replace_recovery_codes(
        &mut self,
        project: &str,
        user_id: &str,
        hashes: &[String],
        now: i64,
    ) -> Result<()> {
        self.delete_recovery_codes(project, user_id).await?;
        for hash in hashes {
            on_tx!(self, |conn, pg| {
                sqlx::query(
                    "INSERT INTO recovery_codes (project_id, user_id, code_hash, created_at) \
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(project)
                .bind(user_id)
                .bind(hash)
                .bind(now)
                .execute(&mut *conn)
                .await?;
            });
        }
        Ok(())
    }

    /// Spend a recovery code: `false` if it is not the user's or was used.
    pub async fn use_recovery_code(
        &mut self,
        project: &str,
        user_id: &str,
        hash: &str,
        now: i64,
    ) -> Result<bool> {
        let n = on_tx!(self, |conn, pg| {
            sqlx::query(
                "UPDATE recovery_codes SET used_at = $4 WHERE project_id = $1 AND user_id = $2 \
                 AND code_hash = $3 AND used_at IS NULL",
            )
            .bind(project)
            .bind(user_id)
            .bind(hash)
            .bind(now)
            .execute(&mut *conn)
            .await?
            .rows_affected()
        });
        Ok(n == 1)
    }

    /// How many unused recovery codes a user has.
    pub async fn recovery_codes_left(&mut self, project: &str, user_id: &str) -> Result<i64> {
        Ok(on_tx!(self, |conn, pg| {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM recovery_codes WHERE project_id = $1 AND user_id = $2 \
                 AND used_at IS NULL",
            )
            .bind(project)
            .bind(user_id)
            .fetch_one(&mut *conn)
            .await?
        }))
    }

    /// Delete all of a user's recovery codes.
    pub async fn delete_recovery_codes(&mut self, project: &str, user_id: &str) -> Result<()> {
        on_tx!(self, |conn, pg| {
            sqlx::query("DELETE FROM recovery_codes WHERE project_id = $1 AND user_id = $2")
                .bind(project)
                .bind(user_id)
                .execute(&mut *conn)
                .await?;
        });
        Ok(())
    }

    /// Store a one-time code for (`purpose`, `target`), replacing any
    /// earlier one and its failure count.
    pub async fn put_otp_code(
        &mut self,
        project: &str,
        purpose: &str,
        target: &str,
        code_hash: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<()> {
        on_tx!(self, |conn, pg| {
            sqlx::query(
                "INSERT INTO otp_codes (project_id, purpose, target, code_hash, failed_attempts, \
                    created_at, expires_at) VALUES ($1, $2, $3, $4, 0, $5, $6) \
                 ON CONFLICT (project_id, purpose, target) DO UPDATE SET \
                    code_hash = excluded.code_hash, failed_attempts = 0, \
                    created_at = excluded.created_at, expires_at = excluded.expires_at",
            )
            .bind(project)
            .bind(purpose)
            .bind(target)
            .bind(code_hash)
            .bind(now)
            .bind(expires_at)
            .execute(&mut *conn)
            .await?;
        });
        Ok(())
    }

    /// The live one-time code for (`purpose`, `target`), if any.
    pub async fn otp_code(
        &mut self,
        project: &str,
        purpose: &str,
        target: &str,
    ) -> Result<Option<OtpCode>> {
        let row: Option<(String, i64, i64)> = on_tx!(self, |conn, pg| {
            sqlx::query_as(
                "SELECT code_hash, failed_attempts, expires_at FROM otp_codes \
                 WHERE project_id = $1 AND purpose = $2 AND target = $3",
            )
            .bind(project)
            .bind(purpose)
            .bind(target)
            .fetch_optional(&mut *conn)
            .await?
        });
        Ok(row.map(|(code_hash, failed_attempts, expires_at)| OtpCode {
            code_hash,
            failed_attempts,
            expires_at,
        }))
    }

    /// Count a wrong entry of the code for (`purpose`, `target`).
    pub async fn otp_code_failed(
        &mut self,
        project: &str,
        purpose: &str,
        target: &str,
    ) -> Result<()> {
        on_tx!(self, |conn, pg| {
            sqlx::query(
                "UPDATE otp_codes SET failed_attempts = failed_attempts + 1 \
                 WHERE project_id = $1 AND purpose = $2 AND target = $3",
            )
            .bind(project)
            .bind(purpose)
            .bind(target)
            .execute(&mut *conn)
            .await?;
        });
        Ok(())
    }

    /// Consume the code with digest `code_hash`: `false` if it was not the
    /// live code (a second use, even a concurrent one, fails).
    pub async fn take_otp_code(
        &mut self,
        project: &str,
        purpose: &str,
        target: &str,
        code_hash: &str,
    ) -> Result<bool> {
        let n = on_tx!(self, |conn, pg| {
            sqlx::query(
                "DELETE FROM otp_codes WHERE project_id = $1 AND purpose = $2 AND target = $3 \
                 AND code_hash = $4",
            )
            .bind(project)
            .bind(purpose)
            .bind(target)
            .bind(code_hash)
            .execute(&mut *conn)
            .await?
            .rows_affected()
        });
        Ok(n == 1)
    }

    /// Store a sign-in challenge.
    pub async fn insert_challenge(
        &mut self,
        project: &str,
        token_hash: &str,
        user_id: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<()> {
        on_tx!(self, |conn, pg| {
            sqlx::query(
                "INSERT INTO signin_challenges (project_id, token_hash, user_id, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(project)
            .bind(token_hash)
            .bind(user_id)
            .bind(now)
            .bind(expires_at)
            .execute(&mut *conn)
            .await?;
        });
        Ok(())
    }

    /// A sign-in challenge, if it exists.
    pub async fn challenge(
        &mut self,
        project: &str,
        token_hash: &str,
    ) -> Result<Option<Challenge>> {
        let row: Option<(String, Option<String>, i64)> = on_tx!(self, |conn, pg| {
            sqlx::query_as(
                "SELECT user_id, amr, expires_at FROM signin_challenges \
                 WHERE project_id = $1 AND token_hash = $2",
            )
            .bind(project)
            .bind(token_hash)
            .fetch_optional(&mut *conn)
            .await?
        });
        Ok(row.map(|(user_id, amr, expires_at)| Challenge {
            user_id,
            amr,
            expires_at,
        }))
    }

    /// Record that a challenge's second factor was proven.
    pub async fn pass_challenge(
        &mut self,
        project: &str,
        token_hash: &str,
        amr: &str,
    ) -> Result<()> {
        on_tx!(self, |conn, pg| {
            sqlx::query(
                "UPDATE signin_challenges SET amr = $3 WHERE project_id = $1 AND token_hash = $2",
            )
            .bind(project)
            .bind(token_hash)
            .bind(amr)
            .execute(&mut *conn)
            .await?;
        });
        Ok(())
    }

    /// Delete a challenge: `false` if it was already gone (used once only).
    pub async fn take_challenge(&mut self, project: &str, token_hash: &str) -> Result<bool> {
        let n = on_tx!(self, |conn, pg| {
            sqlx::query("DELETE FROM signin_challenges WHERE project_id = $1 AND token_hash = $2")
                .bind(project)
                .bind(token_hash)
                .execute(&mut *conn)
                .await?
                .rows_affected()
        });
        Ok(n == 1)
    }

    /// A user's MFA grace period end (Unix microseconds), if any.
    pub async fn mfa_grace_period_end(
        &mut self,
        project: &str,
        user_id: &str,
    ) -> Result<Option<i64>> {
        let row: Option<(Option<i64>,)> = on_tx!(self, |conn, pg| {
            sqlx::query_as(
                "SELECT mfa_grace_period_end_at FROM users WHERE project_id = $1 AND id = $2",
            )
            .bind(project)
            .bind(user_id)
            .fetch_optional(&mut *conn)
            .await?
        });
        Ok(row.and_then(|r| r.0))
    }

    /// Set or clear a user's MFA grace period end (`updated_at` is left
    /// alone, as in Authgear).
    pub async fn set_mfa_grace_period_end(
        &mut self,
        project: &str,
        user_id: &str,
        end: Option<i64>,
    ) -> Result<()> {
        on_tx!(self, |conn, pg| {
            sqlx::query(
                "UPDATE users SET mfa_grace_period_end_at = $3 WHERE project_id = $1 AND id = $2",
            )
            .bind(project)
            .bind(user_id)
            .bind(end)
            .execute(&mut *conn)
            .await?;
        });
        Ok(())
    }

    /// Store a sign-up awaiting its code.
    pub async fn insert_signup(
        &mut self,
        project: &str,
        token_hash: &str,
        s: &Signup,
        now: i64,
    ) -> Result<()> {
        on_tx!(self, |conn, pg| {
            sqlx::query(
                "INSERT INTO signups (project_id, token_hash, login_id_type, login_id, password_hash, \
                    created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(project)
            .bind(token_hash)
            .bind(&s.login_id_type)
            .bind(&s.login_id)
            .bind(&s.password_hash)
            .bind(now)
            .bind(s.expires_at)
            .execute(&mut *conn)
            .await?;
        });
        Ok(())
    }

    /// A pending sign-up, if it exists.
    pub async fn signup(&mut self, project: &str, token_hash: &str) -> Result<Option<Signup>> {
        let row: Option<(String, String, String, i64)> = on_tx!(self, |conn, pg| {
            sqlx::query_as(
                "SELECT login_id_type, login_id, password_hash, expires_at FROM signups \
                 WHERE project_id = $1 AND token_hash = $2",
            )
            .bind(project)
            .bind(token_hash)
            .fetch_optional(&mut *conn)
            .await?
        });
        Ok(row.map(
            |(login_id_type, login_id, password_hash, expires_at)| Signup {
                login_id_type,
                login_id,
                password_hash,
                expires_at,
            },
        ))
    }

    /// Delete a pending sign-up: `false` if it was already gone.
    pub async fn take_signup(&mut self, project: &str, token_hash: &str) -> Result<bool> {
        let n = on_tx!(self, |conn, pg| {
            sqlx::query("DELETE FROM signups WHERE project_id = $1 AND token_hash = $2")
                .bind(project)
                .bind(token_hash)
                .execute(&mut *conn)
                .await?
                .rows_affected()
        });
        Ok(n == 1)
    }

    /// Re-seal every TOTP secret under `new` (part of master key rotation).
    pub(crate) async fn reseal_totp_secrets(
        &mut self,
        old: &MasterKey,
        new: &MasterKey,
    ) -> Result<u64> {
        let rows: Vec<(String, String, String, Vec<u8>)> = on_tx!(self, |conn, pg| {
            sqlx::query_as(
                "SELECT project_id, id, user_id, secret_sealed FROM authenticators \
                 WHERE secret_sealed IS NOT NULL",
            )
            .fetch_all(&mut *conn)
            .await?
        });
        for (project, id, user_id, sealed) in &rows {
            let secret = old.open(project, &seal_id(user_id), sealed)?;
            let resealed = new.seal(project, &seal_id(user_id), &secret)?;
            on_tx!(self, |conn, pg| {
                sqlx::query(
                    "UPDATE authenticators SET secret_sealed = $1 WHERE project_id = $2 AND id = $3",
                )
                .bind(&resealed)
                .bind(project)
                .bind(id)
                .execute(&mut *conn)
                .await?;
            });
        }
        // Pending enrolments are short-lived: dropping them only means a
        // user who was half-way through enrolling starts again.
        on_tx!(self, |conn, pg| {
            sqlx::query("DELETE FROM totp_enrolments")
                .execute(&mut *conn)
                .await?;
        });
        Ok(rows.len() as u64)
    }
}

impl Store {
    /// [`Tx::authenticators_of`] in a read transaction.
    pub async fn authenticators_of(
        &self,
        project: &str,
        user_id: &str,
    ) -> Result<Vec<Authenticator>> {
        Ok(in_tx!(read self, |tx| tx.authenticators_of(project, user_id).await?))
    }
}
