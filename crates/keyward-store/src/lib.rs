//! # keyward-store: persistence
//!
//! Owns every SQL statement keyward runs: projects, Admin API keys (with
//! their private halves sealed under the master key), the per-key
//! `last_used_at`, the change counters other processes watch, and each
//! project's user directory (users, login IDs, passwords, roles, groups,
//! the audit log), and end-user sign-in's state (OAuth clients, signing
//! keys, sessions, grants, codes, lockout, custom domains). It speaks
//! domain types ([`Project`], [`ApiKey`]), never rows, and is the only crate
//! that knows a database exists.
//!
//! It must not know about HTTP, GraphQL or the CLI. Two backends sit behind
//! one API: SQLite (the embedded default) and PostgreSQL (several replicas on
//! one database). Query text is shared (`$N` placeholders) except where the
//! dialects differ; migrations live side by side under `migrations/`.
//! Work that must commit together goes through one [`Tx`]. Where a rule spans
//! rows (key limits, the last active key), the write carries its guard in its
//! `WHERE`, and on PostgreSQL the project's row is locked first, so the rule
//! holds under concurrent writers on any number of replicas.

/// Run `$body` against whichever pool backs `$store`, with `$pool` bound to
/// it and `$pg` telling whether it is PostgreSQL. The body is compiled once
/// per backend, so the same query code serves both; the few statements whose
/// SQL differs branch on `$pg`. Query text uses `$N` placeholders, which
/// both PostgreSQL and sqlx's SQLite driver understand.
macro_rules! on_pool {
    ($store:expr, |$pool:ident, $pg:ident| $body:expr) => {
        match &$store.backend {
            $crate::Backend::Sqlite($pool) => {
                #[allow(unused_variables)]
                let $pg = false;
                $body
            }
            $crate::Backend::Postgres($pool) => {
                #[allow(unused_variables)]
                let $pg = true;
                $body
            }
        }
    };
}

/// Run `$body` inside the transaction `$tx`, with `$conn` bound to its
/// connection (SQLite or PostgreSQL) and `$pg` telling which, like
/// [`on_pool!`] does for the pool.
macro_rules! on_tx {
    ($tx:expr, |$conn:ident, $pg:ident| $body:expr) => {
        match &mut $tx.inner {
            $crate::TxInner::Sqlite(t) => {
                let $conn: &mut sqlx::SqliteConnection = &mut *t;
                #[allow(unused_variables)]
                let $pg = false;
                $body
            }
            $crate::TxInner::Postgres(t) => {
                let $conn: &mut sqlx::PgConnection = &mut *t;
                #[allow(unused_variables)]
                let $pg = true;
                $body
            }
        }
    };
}

/// Open a transaction on `$store`, run `$body` (which uses `$tx`), commit,
/// and yield the body's value: the shape of every one-shot store operation.
/// Errors (`?`) leave the enclosing function or async block; the dropped
/// transaction rolls back.
/// `in_tx!(read self, …)` uses a read-only transaction.
macro_rules! in_tx {
    (@with $begin:ident, $store:expr, |$tx:ident| $body:expr) => {{
        let mut $tx = $store.$begin().await?;
        let out = $body;
        $tx.commit().await?;
        out
    }};
    (read $store:expr, |$tx:ident| $body:expr) => {
        in_tx!(@with begin_read, $store, |$tx| $body)
    };
    ($store:expr, |$tx:ident| $body:expr) => {
        in_tx!(@with begin, $store, |$tx| $body)
    };
}

/// Bind a `Vec<Arg>` to a query, in order (for statements whose parameter
/// list is built at run time: filters, `IN` lists, keyset bounds).
macro_rules! bind_args {
    ($query:expr, $args:expr) => {{
        let mut query = $query;
        for arg in $args {
            query = match arg {
                $crate::Arg::Text(v) => query.bind(v),
                $crate::Arg::Int(v) => query.bind(v),
                $crate::Arg::OptText(v) => query.bind(v),
                $crate::Arg::OptInt(v) => query.bind(v),
                $crate::Arg::Bool(v) => query.bind(v),
            };
        }
        query
    }};
}

/// Per-project account settings (grace periods, `createSession`, second
/// factors, sign-up, the SMS webhook).
pub mod account_settings;
/// The audit log.
pub mod audit;
/// Users' authorizations of OAuth clients.
pub mod authorizations;
/// Online backups of a SQLite store and their checked restore.
pub mod backup;
/// Many new users in a few statements (import, seeding).
pub mod bulk;
/// OAuth clients and their secrets.
pub mod clients;
/// Custom domains of projects.
pub mod domains;
/// Store errors with stable codes.
pub mod error;
/// Login IDs, password authenticators, verified claims.
pub mod identities;
/// Job leases and scheduled account work.
pub mod jobs;
/// Admin API keys: generate, register, list, enable/disable, delete, download.
pub mod keys;
/// Account lockout settings and failed attempts.
pub mod lockout;
/// Outgoing messages (the outbox) and password reset codes.
pub mod messages;
/// PostgreSQL LISTEN/NOTIFY for key changes.
pub mod notify;
/// Keyset pagination.
pub mod page;
/// Portal operators and sessions.
pub mod portal;
/// Projects.
pub mod projects;
/// API resources and their scopes.
pub mod resources;
/// Roles and groups.
pub mod roles;
/// Sealing private keys under the master key.
pub mod seal;
/// Second factors, recovery codes, one-time codes, sign-in challenges,
/// sign-ups awaiting their code.
pub mod second_factors;
/// Bulk seeding of synthetic users (benchmarks).
pub mod seed;
/// End-user sessions, offline grants and authorization codes.
pub mod sessions;
/// OIDC signing keys.
pub mod signing_keys;
/// User import and export jobs, and the reads an export runs.
pub mod transfer;
/// Users.
pub mod users;

mod migrations;
mod retry;
mod tx;

use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

pub use account_settings::{AccountSettings, MessagingOverride, MfaPolicy};
pub use audit::{AuditEntry, AuditFilter};
pub use authorizations::Authorization;
pub use bulk::NewUser;
pub use clients::{ClientSecret, ClientType, OAuthClient};
pub use error::{Result, StoreError};
pub use identities::{Identity, PasswordAuthenticator};
pub use jobs::{ScheduledKind, ScheduledUser};
pub use keys::{ApiKey, KeyOrigin, KeyRole, ProjectKeys};
pub use lockout::{LockoutRecord, LockoutSettings};
pub use messages::{OutgoingMessage, ResetCode};
pub use notify::KeyChanges;
pub use page::{Page, PageRequest, Seek};
pub use portal::{PortalSession, PortalUser};
pub use projects::{
    LimitsChange, MAX_RATE_LIMIT, Project, ProjectLimits, parse_rate_limit, validate_project_id,
};
pub use resources::{Resource, Scope};
pub use roles::{Catalog, Entry};
pub use seal::MasterKey;
pub use second_factors::{Authenticator, Challenge, OtpCode, Signup};
pub use sessions::{AuthorizationCode, IdpSession, OfflineGrant};
pub use signing_keys::{RETIRED_KEY_GRACE_SECS, SigningKeyEntry};
pub use transfer::{Enqueued, ExportJob, ExportedUser, ImportJob, ImportTask, ImportTaskState};
pub use tx::Tx;
use tx::TxInner;
pub use users::{User, UserFilter, UserSort};

/// Tunables that shape the store's rules and its use of the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreOptions {
    /// Most keys (active or disabled) one project may hold. Default: 5.
    pub max_keys_per_project: u32,
    /// Connection pool size. Default: 8.
    pub max_connections: u32,
    /// Longest a statement may run (PostgreSQL `statement_timeout`) or wait
    /// for a lock (SQLite `busy_timeout`). Default: 10 s.
    pub statement_timeout: Duration,
    /// How often an idempotent operation is retried after a transient error
    /// (lost connection, pool timeout, serialization failure, busy database).
    /// Default: 2.
    pub transient_retries: u32,
    /// Longest wait for a pooled connection, including connecting when the
    /// database is unreachable. Short, so that callers get a 503 in seconds
    /// instead of a hang when the database is down or the pool exhausted.
    /// Default: 3 s.
    pub acquire_timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            max_keys_per_project: 5,
            max_connections: 8,
            statement_timeout: Duration::from_secs(10),
            transient_retries: 2,
            acquire_timeout: Duration::from_secs(3),
        }
    }
}

#[derive(Clone, Debug)]
enum Backend {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// A handle to the database; cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    backend: Backend,
    options: StoreOptions,
}

impl Store {
    /// Open the database at `url` and apply migrations.
    ///
    /// `sqlite://path/to/file.db` selects SQLite (the file is created if
    /// missing); `postgres://…` or `postgresql://…` selects PostgreSQL. On
    /// PostgreSQL, migrations hold an advisory lock, so several replicas
    /// starting at once apply them exactly once.
    pub async fn open(url: &str, options: StoreOptions) -> Result<Store> {
        let backend = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let timeout_ms = options.statement_timeout.as_millis().to_string();
            let connect = PgConnectOptions::from_str(url)?
                .options([("statement_timeout", timeout_ms.as_str())]);
            let pool = PgPoolOptions::new()
                .max_connections(options.max_connections.max(1))
                .acquire_timeout(options.acquire_timeout)
                .connect_with(connect)
                .await?;
            migrations::run(&migrations::postgres(), &pool).await?;
            Backend::Postgres(pool)
        } else if url.starts_with("sqlite:") {
            let connect = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                // FULL: a reported commit survives power loss, not just a crash.
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(options.statement_timeout);
            let pool = SqlitePoolOptions::new()
                .max_connections(options.max_connections.max(1))
                .acquire_timeout(options.acquire_timeout.max(options.statement_timeout))
                .connect_with(connect)
                .await?;
            migrations::run(&migrations::sqlite(), &pool).await?;
            Backend::Sqlite(pool)
        } else {
            return Err(StoreError::Unsupported(format!(
                "unsupported database URL scheme in `{}`; expected sqlite://PATH or postgres://…",
                url.split(':').next().unwrap_or_default()
            )));
        };
        Ok(Store { backend, options })
    }

    /// The newest migration applied to the database (its schema version).
    pub async fn schema_version(&self) -> Result<i64> {
        let sql = "SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success";
        Ok(on_pool!(self, |pool, pg| {
            sqlx::query_scalar::<_, i64>(sql).fetch_one(pool).await?
        }))
    }

    /// The options this store was opened with.
    pub fn options(&self) -> StoreOptions {
        self.options
    }

    /// `"sqlite"` or `"postgres"`.
    pub fn backend_name(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite(_) => "sqlite",
            Backend::Postgres(_) => "postgres",
        }
    }

    /// Check the database answers (for readiness probes).
    pub async fn ping(&self) -> Result<()> {
        on_pool!(self, |pool, pg| {
            sqlx::query("SELECT 1").execute(pool).await?;
        });
        Ok(())
    }

    /// Close the pool, waiting for connections to finish.
    pub async fn close(&self) {
        on_pool!(self, |pool, pg| pool.close().await)
    }

    /// A counter bumped by every key change in any project, by any process.
    /// Servers poll it (one single-row read) to notice changes made
    /// elsewhere, then call [`Store::key_versions`].
    pub async fn key_generation(&self) -> Result<i64> {
        self.retrying(|| async {
            Ok(on_pool!(self, |pool, pg| {
                sqlx::query_scalar("SELECT key_generation FROM store_state WHERE id = 1")
                    .fetch_one(pool)
                    .await?
            }))
        })
        .await
    }

    /// One project's key version, if the project exists.
    pub async fn key_version(&self, project: &str) -> Result<Option<i64>> {
        self.retrying(|| async {
            Ok(on_pool!(self, |pool, pg| {
                sqlx::query_scalar("SELECT key_version FROM projects WHERE id = $1")
                    .bind(project)
                    .fetch_optional(pool)
                    .await?
            }))
        })
        .await
    }

    /// Every project's key version.
    pub async fn key_versions(&self) -> Result<Vec<(String, i64)>> {
        self.retrying(|| async {
            Ok(on_pool!(self, |pool, pg| {
                sqlx::query_as("SELECT id, key_version FROM projects")
                    .fetch_all(pool)
                    .await?
            }))
        })
        .await
    }
}

/// Seconds since the Unix epoch.
/// A run-time query parameter.
#[derive(Debug, Clone)]
pub(crate) enum Arg {
    Text(String),
    Int(i64),
    OptText(Option<String>),
    OptInt(Option<i64>),
    Bool(bool),
}

/// Now, in Unix microseconds (the user directory's time unit).
pub fn now_micros() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Seconds since the Unix epoch.
pub fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use keyward_test_support::db::{Backend as TestBackend, TestDatabase};

    use super::*;

    #[tokio::test]
    async fn postgres_statement_timeout_is_enforced() {
        let Some(db) = TestDatabase::new(TestBackend::Postgres).await else {
            return;
        };
        let options = StoreOptions {
            statement_timeout: Duration::from_millis(500),
            ..StoreOptions::default()
        };
        let store = Store::open(&db.url, options).await.unwrap();
        let Backend::Postgres(pool) = &store.backend else {
            panic!("expected PostgreSQL")
        };
        let started = Instant::now();
        let err = sqlx::query("SELECT pg_sleep(5)")
            .execute(pool)
            .await
            .unwrap_err();
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{:?}",
            started.elapsed()
        );
        let code = err
            .as_database_error()
            .and_then(|e| e.code())
            .unwrap_or_default();
        assert_eq!(code, "57014", "query_canceled expected, got {err}");
    }

    #[test]
    fn transient_errors_are_classified() {
        assert!(retry::is_transient(&StoreError::Database(sqlx::Error::Io(
            std::io::Error::from(std::io::ErrorKind::ConnectionReset)
        ))));
        // The pool already waited its acquire timeout: another wait would
        // only turn a quick 503 into a slow one.
        assert!(!retry::is_transient(&StoreError::Database(
            sqlx::Error::PoolTimedOut
        )));
        assert!(!retry::is_transient(&StoreError::Database(
            sqlx::Error::RowNotFound
        )));
        assert!(!retry::is_transient(&StoreError::ProjectNotFound(
            "p".into()
        )));
    }
}
