//! What background jobs need from the database: a lease per job, so one
//! replica at a time runs it, and the users whose scheduled deletion or
//! anonymization is due, each claimed with a conditional write so that two
//! runners racing for one user carry it out once.

use crate::error::Result;
use crate::{Store, Tx};

/// What is scheduled for a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScheduledKind {
    /// Deletion (`scheduleAccountDeletion`).
    Deletion,
    /// Anonymization (`scheduleAccountAnonymization`).
    Anonymization,
}

impl ScheduledKind {
    /// `deletion` or `anonymization`.
    pub fn as_str(self) -> &'static str {
        match self {
            ScheduledKind::Deletion => "deletion",
            ScheduledKind::Anonymization => "anonymization",
        }
    }
}

/// A user with scheduled work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduledUser {
    /// The project.
    pub project: String,
    /// The user's raw ID.
    pub user_id: String,
    /// What is scheduled.
    pub kind: ScheduledKind,
    /// When, Unix microseconds.
    pub at: i64,
}

type Row = (String, String, i64, i64);

fn scheduled(rows: Vec<Row>) -> Vec<ScheduledUser> {
    rows.into_iter()
        .map(|(project, user_id, anonymization, at)| ScheduledUser {
            project,
            user_id,
            kind: if anonymization == 1 {
                ScheduledKind::Anonymization
            } else {
                ScheduledKind::Deletion
            },
            at,
        })
        .collect()
}

/// Scheduled users up to `until` (microseconds), soonest first; each side
/// of the union reads its partial index.
const SCHEDULED_SQL: &str = "SELECT project_id, id, kind, at FROM (\
        SELECT project_id, id, CAST(1 AS BIGINT) AS kind, anonymize_at AS at FROM users \
         WHERE anonymize_at IS NOT NULL AND anonymize_at <= $1 AND is_anonymized = $3 \
        UNION ALL \
        SELECT project_id, id, CAST(0 AS BIGINT) AS kind, delete_at AS at FROM users \
         WHERE delete_at IS NOT NULL AND delete_at <= $1 AND anonymize_at IS NULL) s \
     ORDER BY at, id LIMIT $2";

impl Store {
    /// Take the lease `name` for `holder` until `now + ttl_secs`, or renew
    /// it; `false` while another holder's lease runs. One atomic upsert,
    /// so two replicas asking at once cannot both get it.
    pub async fn take_lease(
        &self,
        name: &str,
        holder: &str,
        now_secs: i64,
        ttl_secs: i64,
    ) -> Result<bool> {
        let expires = now_secs.saturating_add(ttl_secs);
        let taken = on_pool!(self, |pool, pg| {
            sqlx::query(
                "INSERT INTO job_leases (name, holder, expires_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, \
                     expires_at = excluded.expires_at \
                 WHERE job_leases.holder = excluded.holder OR job_leases.expires_at <= $4",
            )
            .bind(name)
            .bind(holder)
            .bind(expires)
            .bind(now_secs)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(taken == 1)
    }

    /// Give the lease up (on shutdown), if `holder` has it.
    pub async fn release_lease(&self, name: &str, holder: &str) -> Result<()> {
        on_pool!(self, |pool, pg| {
            sqlx::query("DELETE FROM job_leases WHERE name = $1 AND holder = $2")
                .bind(name)
                .bind(holder)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Who holds the lease `name` and until when (Unix seconds).
    pub async fn lease(&self, name: &str) -> Result<Option<(String, i64)>> {
        Ok(on_pool!(self, |pool, pg| {
            sqlx::query_as("SELECT holder, expires_at FROM job_leases WHERE name = $1")
                .bind(name)
                .fetch_optional(pool)
                .await?
        }))
    }

    /// Users whose scheduled work is due by `until` (Unix microseconds),
    /// soonest first, at most `limit`, across every project.
    pub async fn scheduled_users(&self, until: i64, limit: i64) -> Result<Vec<ScheduledUser>> {
        let rows: Vec<Row> = on_pool!(self, |pool, pg| {
            sqlx::query_as(SCHEDULED_SQL)
                .bind(until)
                .bind(limit)
                .bind(false)
                .fetch_all(pool)
                .await?
        });
        Ok(scheduled(rows))
    }
}

impl Tx {
    /// Delete the user if its deletion is still due at `now`; `false` if
    /// it was unscheduled or another runner was first.
    pub async fn claim_due_deletion(
        &mut self,
        project: &str,
        user_id: &str,
        now: i64,
    ) -> Result<bool> {
        let done = on_tx!(self, |conn, pg| {
            sqlx::query(
                "DELETE FROM users WHERE project_id = $1 AND id = $2 \
                 AND delete_at IS NOT NULL AND delete_at <= $3 AND anonymize_at IS NULL",
            )
            .bind(project)
            .bind(user_id)
            .bind(now)
            .execute(&mut *conn)
            .await?
            .rows_affected()
        });
        Ok(done == 1)
    }

    /// Clear the user's anonymization time if it is still due at `now`
    /// (the caller then anonymizes it in this transaction); `false` if it
    /// was unscheduled or another runner was first.
    pub async fn claim_due_anonymization(
        &mut self,
        project: &str,
        user_id: &str,
        now: i64,
    ) -> Result<bool> {
        let done = on_tx!(self, |conn, pg| {
            sqlx::query(
                "UPDATE users SET anonymize_at = NULL WHERE project_id = $1 AND id = $2 \
                 AND anonymize_at IS NOT NULL AND anonymize_at <= $3 AND is_anonymized = $4",
            )
            .bind(project)
            .bind(user_id)
            .bind(now)
            .bind(false)
            .execute(&mut *conn)
            .await?
            .rows_affected()
        });
        Ok(done == 1)
    }
}
