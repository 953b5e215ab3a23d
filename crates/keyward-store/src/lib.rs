//! # keyward-store: persistence
//!
//! Owns every SQL statement keyward runs: projects, Admin API keys (with
//! their private halves sealed under the master key), the per-key
//! `last_used_at`, and the change counters other processes watch. It speaks
//! domain types ([`Project`], [`ApiKey`]), never rows, and is the only crate
//! that knows a database exists.
//!
//! It must not know about HTTP, GraphQL or the CLI. SQLite is the embedded
//! default; the schema and the API are written so that a PostgreSQL backend
//! slots in beside it (migrations live side by side under `migrations/`).
//! Where a rule spans several statements (key limits, the last active key),
//! the write goes first and carries the guard in its `WHERE`, so the rule
//! holds under concurrent writers without read-then-write races.

/// Store errors with stable codes.
pub mod error;
/// Admin API keys: generate, register, list, enable/disable, delete, download.
pub mod keys;
/// Projects.
pub mod projects;
/// Sealing private keys under the master key.
pub mod seal;

mod migrations;

use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

pub use error::{Result, StoreError};
pub use keys::{ApiKey, KeyOrigin, ProjectKeys};
pub use projects::{Project, validate_project_id};
pub use seal::MasterKey;

/// Tunables that shape the store's rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreOptions {
    /// Most keys (active or disabled) one project may hold. Default: 5.
    pub max_keys_per_project: u32,
    /// Connection pool size. Default: 8.
    pub max_connections: u32,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            max_keys_per_project: 5,
            max_connections: 8,
        }
    }
}

/// A handle to the database; cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pool: SqlitePool,
    options: StoreOptions,
}

impl Store {
    /// Open (creating if needed) the database at `url` and apply migrations.
    ///
    /// `sqlite://path/to/file.db` selects SQLite. PostgreSQL URLs are refused
    /// with a clear message until the PostgreSQL backend lands.
    pub async fn open(url: &str, options: StoreOptions) -> Result<Store> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Err(StoreError::Unsupported(
                "PostgreSQL is not supported by this build yet; use a sqlite:// URL or the default"
                    .into(),
            ));
        }
        if !url.starts_with("sqlite:") {
            return Err(StoreError::Unsupported(format!(
                "unsupported database URL scheme in `{}`; expected sqlite://PATH",
                url.split(':').next().unwrap_or_default()
            )));
        }
        let connect = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: a reported commit survives power loss, not just a crash.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(options.max_connections.max(1))
            .connect_with(connect)
            .await?;
        migrations::sqlite().run(&pool).await?;
        Ok(Store { pool, options })
    }

    /// The options this store was opened with.
    pub fn options(&self) -> StoreOptions {
        self.options
    }

    /// Check the database answers (for readiness probes).
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Close the pool, waiting for connections to finish.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// A counter bumped by every key change in any project, by any process.
    /// Servers poll it (one indexed single-row read) to notice changes made
    /// elsewhere, then call [`Store::key_versions`].
    pub async fn key_generation(&self) -> Result<i64> {
        Ok(
            sqlx::query_scalar("SELECT key_generation FROM store_state WHERE id = 1")
                .fetch_one(&self.pool)
                .await?,
        )
    }

    /// One project's key version, if the project exists.
    pub async fn key_version(&self, project: &str) -> Result<Option<i64>> {
        Ok(
            sqlx::query_scalar("SELECT key_version FROM projects WHERE id = ?")
                .bind(project)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Every project's key version.
    pub async fn key_versions(&self) -> Result<Vec<(String, i64)>> {
        Ok(sqlx::query_as("SELECT id, key_version FROM projects")
            .fetch_all(&self.pool)
            .await?)
    }
}

/// Seconds since the Unix epoch.
pub(crate) fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
