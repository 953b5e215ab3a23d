use crate::error::{Result, StoreError};
use crate::{Store, Tx, now_secs};

/// A project: one tenant with its own Admin API and keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    /// DNS-label ID, e.g. `myapp`.
    pub id: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Longest token lifetime accepted for this project, in seconds.
    pub max_token_lifetime_secs: i64,
    /// Admin API rate limits and the replay guard.
    pub limits: ProjectLimits,
}

/// A project's Admin API limits. All off by default: operators know their
/// batch jobs, and a silent default limit would break them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProjectLimits {
    /// Requests per second one key may make (burst: one second's worth).
    pub key_rate: Option<u32>,
    /// Requests per second the whole project may receive.
    pub project_rate: Option<u32>,
    /// Accept each token `jti` once within the token's lifetime, and refuse
    /// tokens without one.
    pub replay_guard: bool,
}

/// A change to [`ProjectLimits`]: `None` leaves a setting as it is.
#[derive(Debug, Clone, Copy, Default)]
pub struct LimitsChange {
    /// New per-key rate (`Some(None)` removes the limit).
    pub key_rate: Option<Option<u32>>,
    /// New per-project rate (`Some(None)` removes the limit).
    pub project_rate: Option<Option<u32>>,
    /// Replay guard on or off.
    pub replay_guard: Option<bool>,
}

/// Highest rate limit that can be set, requests per second.
pub const MAX_RATE_LIMIT: u32 = 1_000_000;

/// A rate limit as an operator types it (CLI flag or portal field): a whole
/// number of requests per second from 1 to [`MAX_RATE_LIMIT`], or `off` or
/// nothing for no limit.
pub fn parse_rate_limit(text: &str) -> Result<Option<u32>> {
    let text = text.trim();
    if text.is_empty() || text.eq_ignore_ascii_case("off") {
        return Ok(None);
    }
    match text.parse::<u32>() {
        Ok(n) if (1..=MAX_RATE_LIMIT).contains(&n) => Ok(Some(n)),
        _ => Err(rate_out_of_range()),
    }
}

fn rate_out_of_range() -> StoreError {
    StoreError::Unsupported(format!(
        "a rate limit must be between 1 and {MAX_RATE_LIMIT} requests per second, or `off`"
    ))
}

pub(crate) type ProjectRow = (String, i64, i64, Option<i64>, Option<i64>, bool);

pub(crate) fn from_row(
    (id, created_at, max_token_lifetime_secs, key_rate, project_rate, replay_guard): ProjectRow,
) -> Project {
    // The CHECK constraints keep stored rates positive; anything out of
    // range reads as "no limit" rather than failing the project.
    let rate = |r: Option<i64>| r.and_then(|r| u32::try_from(r).ok()).filter(|r| *r > 0);
    Project {
        id,
        created_at,
        max_token_lifetime_secs,
        limits: ProjectLimits {
            key_rate: rate(key_rate),
            project_rate: rate(project_rate),
            replay_guard,
        },
    }
}

/// Project IDs are DNS labels: `^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`.
pub fn validate_project_id(id: &str) -> Result<()> {
    let bytes = id.as_bytes();
    let ok_inner = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-';
    let ok_edge = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let valid = (1..=63).contains(&bytes.len())
        && bytes.iter().all(ok_inner)
        && bytes.first().is_some_and(ok_edge)
        && bytes.last().is_some_and(ok_edge);
    if valid {
        Ok(())
    } else {
        Err(StoreError::InvalidProjectId(id.chars().take(80).collect()))
    }
}

pub(crate) const PROJECT_COLUMNS: &str =
    "id, created_at, max_token_lifetime_secs, key_rate_limit, project_rate_limit, replay_guard";

impl Tx {
    /// Create a project with the default token lifetime cap.
    pub async fn create_project(&mut self, id: &str) -> Result<Project> {
        validate_project_id(id)?;
        let now = now_secs();
        let result = on_tx!(self, |conn, pg| {
            sqlx::query("INSERT INTO projects (id, created_at) VALUES ($1, $2)")
                .bind(id)
                .bind(now)
                .execute(&mut *conn)
                .await
                .map(|_| ())
        });
        match result {
            Ok(()) => {}
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                return Err(StoreError::ProjectExists(id.to_owned()));
            }
            Err(e) => return Err(e.into()),
        }
        self.project(id)
            .await?
            .ok_or_else(|| StoreError::ProjectNotFound(id.to_owned()))
    }

    /// One project, if it exists.
    pub async fn project(&mut self, id: &str) -> Result<Option<Project>> {
        let sql = format!("SELECT {PROJECT_COLUMNS} FROM projects WHERE id = $1");
        let row: Option<ProjectRow> = on_tx!(self, |conn, pg| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(id)
                .fetch_optional(&mut *conn)
                .await?
        });
        Ok(row.map(from_row))
    }

    /// All projects, by ID.
    pub async fn projects(&mut self) -> Result<Vec<Project>> {
        let sql = format!("SELECT {PROJECT_COLUMNS} FROM projects ORDER BY id");
        let rows: Vec<ProjectRow> = on_tx!(self, |conn, pg| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .fetch_all(&mut *conn)
                .await?
        });
        Ok(rows.into_iter().map(from_row).collect())
    }

    /// Change a project's token lifetime cap (60 s to 24 h).
    pub async fn set_max_token_lifetime(&mut self, id: &str, secs: i64) -> Result<Project> {
        if !(60..=86_400).contains(&secs) {
            return Err(StoreError::Unsupported(
                "the token lifetime cap must be between 60 and 86400 seconds".into(),
            ));
        }
        let done = on_tx!(self, |conn, pg| {
            sqlx::query("UPDATE projects SET max_token_lifetime_secs = $1 WHERE id = $2")
                .bind(secs)
                .bind(id)
                .execute(&mut *conn)
                .await?
                .rows_affected()
        });
        if done == 0 {
            return Err(StoreError::ProjectNotFound(id.to_owned()));
        }
        // Servers cache the policy with the key set; make them reload it.
        self.bump_key_versions(id).await?;
        self.project(id)
            .await?
            .ok_or_else(|| StoreError::ProjectNotFound(id.to_owned()))
    }

    /// Change a project's rate limits and replay guard. Servers pick the
    /// change up like a key change (within about a second).
    pub async fn set_limits(&mut self, id: &str, change: LimitsChange) -> Result<Project> {
        let current = self
            .project(id)
            .await?
            .ok_or_else(|| StoreError::ProjectNotFound(id.to_owned()))?
            .limits;
        for rate in [change.key_rate, change.project_rate]
            .into_iter()
            .flatten()
            .flatten()
        {
            if !(1..=MAX_RATE_LIMIT).contains(&rate) {
                return Err(rate_out_of_range());
            }
        }
        let next = ProjectLimits {
            key_rate: change.key_rate.unwrap_or(current.key_rate),
            project_rate: change.project_rate.unwrap_or(current.project_rate),
            replay_guard: change.replay_guard.unwrap_or(current.replay_guard),
        };
        on_tx!(self, |conn, pg| {
            sqlx::query(
                "UPDATE projects SET key_rate_limit = $1, project_rate_limit = $2, replay_guard = $3 \
                 WHERE id = $4",
            )
            .bind(next.key_rate.map(i64::from))
            .bind(next.project_rate.map(i64::from))
            .bind(next.replay_guard)
            .bind(id)
            .execute(&mut *conn)
            .await
            .map(|_| ())?
        });
        self.bump_key_versions(id).await?;
        self.project(id)
            .await?
            .ok_or_else(|| StoreError::ProjectNotFound(id.to_owned()))
    }

    /// Record that the token ID `jti` was accepted for `project`, to be
    /// remembered until `expires_at` (Unix seconds). `false` when it was
    /// already recorded and has not expired: a replay. One statement, so
    /// two replicas racing with the same `jti` cannot both win.
    pub async fn record_jti(
        &mut self,
        project: &str,
        jti: &str,
        expires_at: i64,
        now: i64,
    ) -> Result<bool> {
        let inserted = on_tx!(self, |conn, pg| {
            sqlx::query(
                "INSERT INTO used_jtis (project_id, jti, expires_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (project_id, jti) DO UPDATE SET expires_at = excluded.expires_at \
                 WHERE used_jtis.expires_at <= $4",
            )
            .bind(project)
            .bind(jti)
            .bind(expires_at)
            .bind(now)
            .execute(&mut *conn)
            .await?
            .rows_affected()
        });
        Ok(inserted == 1)
    }

    /// Forget token IDs whose tokens have expired. Returns how many.
    pub async fn purge_jtis(&mut self, now: i64) -> Result<u64> {
        Ok(on_tx!(self, |conn, pg| {
            sqlx::query("DELETE FROM used_jtis WHERE expires_at <= $1")
                .bind(now)
                .execute(&mut *conn)
                .await?
                .rows_affected()
        }))
    }
}

impl Store {
    /// [`Tx::create_project`] in its own transaction.
    pub async fn create_project(&self, id: &str) -> Result<Project> {
        Ok(in_tx!(self, |tx| tx.create_project(id).await?))
    }

    /// [`Tx::project`] in its own transaction, retried on transient errors.
    pub async fn project(&self, id: &str) -> Result<Option<Project>> {
        self.retrying(|| async { Ok(in_tx!(read self, |tx| tx.project(id).await?)) })
            .await
    }

    /// [`Tx::projects`] in its own transaction.
    pub async fn projects(&self) -> Result<Vec<Project>> {
        Ok(in_tx!(read self, |tx| tx.projects().await?))
    }

    /// [`Tx::set_limits`] in its own transaction.
    pub async fn set_limits(&self, id: &str, change: LimitsChange) -> Result<Project> {
        Ok(in_tx!(self, |tx| tx.set_limits(id, change).await?))
    }

    /// [`Tx::record_jti`] in its own transaction (not retried: a retry after
    /// an unknown outcome would see its own insert and call it a replay).
    pub async fn record_jti(
        &self,
        project: &str,
        jti: &str,
        expires_at: i64,
        now: i64,
    ) -> Result<bool> {
        Ok(in_tx!(self, |tx| tx
            .record_jti(project, jti, expires_at, now)
            .await?))
    }

    /// [`Tx::purge_jtis`] in its own transaction.
    pub async fn purge_jtis(&self, now: i64) -> Result<u64> {
        Ok(in_tx!(self, |tx| tx.purge_jtis(now).await?))
    }

    /// [`Tx::set_max_token_lifetime`] in its own transaction.
    pub async fn set_max_token_lifetime(&self, id: &str, secs: i64) -> Result<Project> {
        Ok(in_tx!(self, |tx| tx
            .set_max_token_lifetime(id, secs)
            .await?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_id_rules() {
        for ok in ["a", "myapp", "my-app", "a1", "0", &"a".repeat(63)] {
            validate_project_id(ok).unwrap();
        }
        for bad in [
            "",
            "-a",
            "a-",
            "MyApp",
            "my_app",
            "my.app",
            "a b",
            "é",
            &"a".repeat(64),
            "../x",
        ] {
            assert!(validate_project_id(bad).is_err(), "{bad}");
        }
    }
}
