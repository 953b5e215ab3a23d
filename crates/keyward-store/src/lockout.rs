//! Account lockout: each project's settings and the failed attempts per
//! subject (a user, or a user and an address), shared by every replica
//! through the database. The counting is one atomic upsert, so concurrent
//! failures on several replicas are all counted.

use crate::error::{Result, StoreError};
use crate::{Store, Tx};

/// A project's lockout settings (Authgear's `authentication.lockout`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LockoutSettings {
    /// Failures before the account locks; 0 turns lockout off.
    pub max_attempts: u32,
    /// Failures older than this are forgotten, in seconds.
    pub history_secs: i64,
    /// First lock's duration, in seconds.
    pub min_secs: i64,
    /// Longest lock, in seconds.
    pub max_secs: i64,
    /// Each further failure multiplies the lock by this (≥ 1).
    pub backoff_factor: f64,
    /// Count per user and address instead of per user.
    pub per_ip: bool,
}

impl Default for LockoutSettings {
    /// Off, as in Authgear; the other values are what turning it on with
    /// only `--lockout-max-attempts` gives.
    fn default() -> Self {
        LockoutSettings {
            max_attempts: 0,
            history_secs: 300,
            min_secs: 60,
            max_secs: 3600,
            backoff_factor: 1.0,
            per_ip: false,
        }
    }
}

impl LockoutSettings {
    /// Refuse settings that make no sense.
    pub fn validate(&self) -> Result<()> {
        let bad = |m: &str| Err(StoreError::Unsupported(format!("lockout: {m}")));
        if self.history_secs <= 0 || self.min_secs <= 0 || self.max_secs <= 0 {
            return bad("durations must be positive");
        }
        if self.min_secs > self.max_secs {
            return bad("the minimum duration must not exceed the maximum");
        }
        if !(1.0..=100.0).contains(&self.backoff_factor) {
            return bad("the backoff factor must be between 1 and 100");
        }
        if self.max_attempts > 1000 {
            return bad("max attempts must be at most 1000");
        }
        Ok(())
    }
}

/// The failures counted for one subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockoutRecord {
    /// `<user>` or `<user>|<address>`.
    pub subject: String,
    /// Failures in the current window.
    pub failures: i64,
    /// When the window started.
    pub first_failure_at: i64,
    /// Locked until then, if locked.
    pub locked_until: Option<i64>,
}

impl Tx {
    /// A project's lockout settings.
    pub async fn lockout_settings(&mut self, project: &str) -> Result<LockoutSettings> {
        let row: Option<(i64, i64, i64, i64, i64, bool)> = on_tx!(self, |conn, pg| {
            sqlx::query_as(
                "SELECT lockout_max_attempts, lockout_history_secs, lockout_min_secs, lockout_max_secs, \
                    lockout_backoff_milli, lockout_per_ip FROM projects WHERE id = $1",
            )
            .bind(project)
            .fetch_optional(&mut *conn)
            .await?
        });
        let (max, history, min, maxd, backoff, per_ip) =
            row.ok_or_else(|| StoreError::ProjectNotFound(project.to_owned()))?;
        Ok(LockoutSettings {
            max_attempts: u32::try_from(max).unwrap_or(0),
            history_secs: history,
            min_secs: min,
            max_secs: maxd,
            backoff_factor: backoff as f64 / 1000.0,
            per_ip,
        })
    }

    /// Change a project's lockout settings.
    pub async fn set_lockout_settings(&mut self, project: &str, s: &LockoutSettings) -> Result<()> {
        s.validate()?;
        let n = on_tx!(self, |conn, pg| {
            sqlx::query(
                "UPDATE projects SET lockout_max_attempts = $2, lockout_history_secs = $3, \
                    lockout_min_secs = $4, lockout_max_secs = $5, lockout_backoff_milli = $6, \
                    lockout_per_ip = $7 WHERE id = $1",
            )
            .bind(project)
            .bind(i64::from(s.max_attempts))
            .bind(s.history_secs)
            .bind(s.min_secs)
            .bind(s.max_secs)
            .bind((s.backoff_factor * 1000.0).round() as i64)
            .bind(s.per_ip)
            .execute(&mut *conn)
            .await?
            .rows_affected()
        });
        if n == 0 {
            return Err(StoreError::ProjectNotFound(project.to_owned()));
        }
        Ok(())
    }

    /// One subject's record.
    pub async fn lockout(&mut self, project: &str, subject: &str) -> Result<Option<LockoutRecord>> {
        let row: Option<(String, i64, i64, Option<i64>)> = on_tx!(self, |conn, pg| {
            sqlx::query_as(
                "SELECT subject, failures, first_failure_at, locked_until FROM lockouts \
                 WHERE project_id = $1 AND subject = $2",
            )
            .bind(project)
            .bind(subject)
            .fetch_optional(&mut *conn)
            .await?
        });
        Ok(row.map(record_from_row))
    }

    /// Count one failure for `subject`: a new window when the last one
    /// began before `window_start`. Returns the failures and window start
    /// after counting.
    pub async fn count_failure(
        &mut self,
        project: &str,
        subject: &str,
        user_id: &str,
        now: i64,
        window_start: i64,
    ) -> Result<(i64, i64)> {
        Ok(on_tx!(self, |conn, pg| {
            sqlx::query_as(
                "INSERT INTO lockouts (project_id, subject, user_id, failures, first_failure_at) \
                 VALUES ($1, $2, $3, 1, $4) \
                 ON CONFLICT (project_id, subject) DO UPDATE SET \
                   failures = CASE WHEN lockouts.first_failure_at < $5 THEN 1 ELSE lockouts.failures + 1 END, \
                   first_failure_at = CASE WHEN lockouts.first_failure_at < $5 THEN $4 ELSE lockouts.first_failure_at END \
                 RETURNING failures, first_failure_at",
            )
            .bind(project)
            .bind(subject)
            .bind(user_id)
            .bind(now)
            .bind(window_start)
            .fetch_one(&mut *conn)
            .await?
        }))
    }

    /// Lock `subject` until `until` (never shortening a longer lock).
    pub async fn lock(&mut self, project: &str, subject: &str, until: i64) -> Result<()> {
        on_tx!(self, |conn, pg| {
            sqlx::query(
                "UPDATE lockouts SET locked_until = $3 WHERE project_id = $1 AND subject = $2 \
                 AND (locked_until IS NULL OR locked_until < $3)",
            )
            .bind(project)
            .bind(subject)
            .bind(until)
            .execute(&mut *conn)
            .await?;
        });
        Ok(())
    }

    /// Forget one subject's failures.
    pub async fn clear_lockout(&mut self, project: &str, subject: &str) -> Result<()> {
        on_tx!(self, |conn, pg| {
            sqlx::query("DELETE FROM lockouts WHERE project_id = $1 AND subject = $2")
                .bind(project)
                .bind(subject)
                .execute(&mut *conn)
                .await?;
        });
        Ok(())
    }

    /// Every record of a user (per user, or per address).
    pub async fn lockouts_of(
        &mut self,
        project: &str,
        user_id: &str,
    ) -> Result<Vec<LockoutRecord>> {
        let rows: Vec<(String, i64, i64, Option<i64>)> = on_tx!(self, |conn, pg| {
            sqlx::query_as(
                "SELECT subject, failures, first_failure_at, locked_until FROM lockouts \
                 WHERE project_id = $1 AND user_id = $2 ORDER BY subject",
            )
            .bind(project)
            .bind(user_id)
            .fetch_all(&mut *conn)
            .await?
        });
        Ok(rows.into_iter().map(record_from_row).collect())
    }

    /// Forget every failure of a user (`resetAccountLockout`). Returns how
    /// many records there were.
    pub async fn delete_lockouts_of(&mut self, project: &str, user_id: &str) -> Result<u64> {
        Ok(on_tx!(self, |conn, pg| {
            sqlx::query("DELETE FROM lockouts WHERE project_id = $1 AND user_id = $2")
                .bind(project)
                .bind(user_id)
                .execute(&mut *conn)
                .await?
                .rows_affected()
        }))
    }
}

fn record_from_row(
    (subject, failures, first_failure_at, locked_until): (String, i64, i64, Option<i64>),
) -> LockoutRecord {
    LockoutRecord {
        subject,
        failures,
        first_failure_at,
        locked_until,
    }
}

impl Store {
    /// [`Tx::lockout_settings`] in a read transaction.
    pub async fn lockout_settings(&self, project: &str) -> Result<LockoutSettings> {
        Ok(in_tx!(read self, |tx| tx.lockout_settings(project).await?))
    }

    /// [`Tx::set_lockout_settings`] in its own transaction.
    pub async fn set_lockout_settings(&self, project: &str, s: &LockoutSettings) -> Result<()> {
        in_tx!(self, |tx| tx.set_lockout_settings(project, s).await?);
        Ok(())
    }
}
