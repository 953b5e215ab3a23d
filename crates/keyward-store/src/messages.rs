//! Outgoing messages (the outbox) and password reset codes. A message is
//! written in the transaction that decides to send it and delivered by a
//! background job, at least once; its body is blanked once sent. Times are
//! Unix seconds.

use crate::error::Result;
use crate::{Store, Tx};

/// A message to deliver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingMessage {
    /// UUID.
    pub id: String,
    /// The project.
    pub project: String,
    /// `email` or `sms`.
    pub channel: String,
    /// The address or phone number.
    pub recipient: String,
    /// What it is (`forgot_password`), for limits and the audit log.
    pub kind: String,
    /// The subject (email).
    pub subject: String,
    /// The text.
    pub body: String,
    /// Tries so far.
    pub attempts: i64,
}

type MessageRow = (String, String, String, String, String, String, String, i64);

/// A reset code's user and validity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResetCode {
    /// Whose.
    pub user_id: String,
    /// Until when.
    pub expires_at: i64,
    /// When it was used, if it was.
    pub used_at: Option<i64>,
}

impl Tx {
    /// Queue a message, due now.
    pub async fn enqueue_message(&mut self, m: &OutgoingMessage, now: i64) -> Result<()> {
        on_tx!(self, |conn, pg| {
            sqlx::query(
                "INSERT INTO outbox (id, project_id, channel, recipient, kind, subject, body, status, \
                    attempts, next_attempt_at, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', 0, $8, $8)",
            )
            .bind(&m.id)
            .bind(&m.project)
            .bind(&m.channel)
            .bind(&m.recipient)
            .bind(&m.kind)
            .bind(&m.subject)
            .bind(&m.body)
            .bind(now)
            .execute(&mut *conn)
            .await?;
        });
        Ok(())
    }

    /// How many messages of `kind` went to `recipient` since `since`.
    pub async fn messages_sent_to(
        &mut self,
        project: &str,
        recipient: &str,
        kind: &str,
        since: i64,
    ) -> Result<i64> {
        Ok(on_tx!(self, |conn, pg| {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM outbox WHERE project_id = $1 AND recipient = $2 \
                 AND kind = $3 AND created_at >= $4",
            )
            .bind(project)
            .bind(recipient)
            .bind(kind)
            .bind(since)
            .fetch_one(&mut *conn)
            .await?
        }))
    }

    /// How many messages the project queued since `since`.
    pub async fn messages_of_project_since(&mut self, project: &str, since: i64) -> Result<i64> {
        Ok(on_tx!(self, |conn, pg| {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM outbox WHERE project_id = $1 AND created_at >= $2",
            )
            .bind(project)
            .bind(since)
            .fetch_one(&mut *conn)
            .await?
        }))
    }

    /// Store a reset code (its digest) for `user_id`.
    pub async fn insert_reset_code(
        &mut self,
        project: &str,
        code_hash: &str,
        user_id: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<()> {
        on_tx!(self, |conn, pg| {
            sqlx::query(
                "INSERT INTO reset_codes (project_id, code_hash, user_id, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(project)
            .bind(code_hash)
            .bind(user_id)
            .bind(now)
            .bind(expires_at)
            .execute(&mut *conn)
            .await?;
        });
        Ok(())
    }

    /// The reset code with this digest.
    pub async fn reset_code(
        &mut self,
        project: &str,
        code_hash: &str,
    ) -> Result<Option<ResetCode>> {
        let row: Option<(String, i64, Option<i64>)> = on_tx!(self, |conn, pg| {
            sqlx::query_as(
                "SELECT user_id, expires_at, used_at FROM reset_codes \
                 WHERE project_id = $1 AND code_hash = $2",
            )
            .bind(project)
            .bind(code_hash)
            .fetch_optional(&mut *conn)
            .await?
        });
        Ok(row.map(|(user_id, expires_at, used_at)| ResetCode {
            user_id,
            expires_at,
            used_at,
        }))
    }

    /// Mark a code used if it is unused and unexpired at `now`; `false`
    /// if it was not (a second use, even a concurrent one, fails).
    pub async fn use_reset_code(
        &mut self,
        project: &str,
        code_hash: &str,
        now: i64,
    ) -> Result<bool> {
        let n = on_tx!(self, |conn, pg| {
            sqlx::query(
                "UPDATE reset_codes SET used_at = $3 WHERE project_id = $1 AND code_hash = $2 \
                 AND used_at IS NULL AND expires_at > $3",
            )
            .bind(project)
            .bind(code_hash)
            .bind(now)
            .execute(&mut *conn)
            .await?
            .rows_affected()
        });
        Ok(n == 1)
    }
}

impl Store {
    /// Pending messages due at `now`, oldest first, at most `limit`.
    pub async fn due_messages(&self, now: i64, limit: i64) -> Result<Vec<OutgoingMessage>> {
        let rows: Vec<MessageRow> = on_pool!(self, |pool, pg| {
            sqlx::query_as(
                "SELECT id, project_id, channel, recipient, kind, subject, body, attempts FROM outbox \
                 WHERE status = 'pending' AND next_attempt_at <= $1 ORDER BY next_attempt_at, id LIMIT $2",
            )
            .bind(now)
            .bind(limit)
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|r| OutgoingMessage {
                id: r.0,
                project: r.1,
                channel: r.2,
                recipient: r.3,
                kind: r.4,
                subject: r.5,
                body: r.6,
                attempts: r.7,
            })
            .collect())
    }

    /// Claim a due message for one delivery attempt: its next attempt moves
    /// to `until`, so no other runner picks it up meanwhile (a round that
    /// outlives its lease, a slow mail server). `false`: someone else has it.
    pub async fn claim_message(&self, id: &str, now: i64, until: i64) -> Result<bool> {
        let n = on_pool!(self, |pool, pg| {
            sqlx::query(
                "UPDATE outbox SET next_attempt_at = $3 \
                 WHERE id = $1 AND status = 'pending' AND next_attempt_at <= $2",
            )
            .bind(id)
            .bind(now)
            .bind(until)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(n == 1)
    }

    /// A message was delivered: keep the record, drop the body.
    pub async fn message_sent(&self, id: &str, now: i64) -> Result<()> {
        on_pool!(self, |pool, pg| {
            sqlx::query(
                "UPDATE outbox SET status = 'sent', body = '', sent_at = $2, attempts = attempts + 1, \
                 last_error = NULL WHERE id = $1 AND status = 'pending'",
            )
            .bind(id)
            .bind(now)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// A delivery failed: try again at `retry_at`, or give up (`None`):
    /// the message is `failed` and its body dropped.
    pub async fn message_failed(&self, id: &str, error: &str, retry_at: Option<i64>) -> Result<()> {
        let error: String = error.chars().take(500).collect();
        on_pool!(self, |pool, pg| {
            match retry_at {
                Some(at) => sqlx::query(
                    "UPDATE outbox SET attempts = attempts + 1, last_error = $2, next_attempt_at = $3 \
                     WHERE id = $1 AND status = 'pending'",
                )
                .bind(id)
                .bind(&error)
                .bind(at)
                .execute(pool)
                .await?,
                None => sqlx::query(
                    "UPDATE outbox SET attempts = attempts + 1, last_error = $2, status = 'failed', \
                     body = '' WHERE id = $1 AND status = 'pending'",
                )
                .bind(id)
                .bind(&error)
                .execute(pool)
                .await?,
            };
        });
        Ok(())
    }

    /// `(status, attempts, last_error)` of a message (tests, operators).
    pub async fn message_status(&self, id: &str) -> Result<Option<(String, i64, Option<String>)>> {
        Ok(on_pool!(self, |pool, pg| {
            sqlx::query_as("SELECT status, attempts, last_error FROM outbox WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await?
        }))
    }
}
