//! Migrations are embedded in the binary (no files needed at run time) and
//! applied on open. sqlx records each by version and checksum, so editing an
//! applied migration is detected and refused. On PostgreSQL the migrator
//! holds an advisory lock while it runs, so replicas starting together apply
//! each migration once.

use std::borrow::Cow;

use sqlx::SqlSafeStr as _;
use sqlx::migrate::{MigrateError, Migration, MigrationType, Migrator};

use crate::error::StoreError;

type Embedded = &'static [(i64, &'static str, &'static str)];

const SQLITE: Embedded = &[
    (
        1,
        "init",
        include_str!("../migrations/sqlite/0001_init.sql"),
    ),
    (
        2,
        "users",
        include_str!("../migrations/sqlite/0002_users.sql"),
    ),
    (
        3,
        "portal",
        include_str!("../migrations/sqlite/0003_portal.sql"),
    ),
    (
        4,
        "limits",
        include_str!("../migrations/sqlite/0004_limits.sql"),
    ),
    (
        5,
        "signin",
        include_str!("../migrations/sqlite/0005_signin.sql"),
    ),
    (
        6,
        "lifecycle",
        include_str!("../migrations/sqlite/0006_lifecycle.sql"),
    ),
    (
        7,
        "clients",
        include_str!("../migrations/sqlite/0007_clients.sql"),
    ),
    (
        8,
        "messages",
        include_str!("../migrations/sqlite/0008_messages.sql"),
    ),
    (
        9,
        "second_factors",
        include_str!("../migrations/sqlite/0009_second_factors.sql"),
    ),
    (
        10,
        "user_transfer",
        include_str!("../migrations/sqlite/0010_user_transfer.sql"),
    ),
    (
        11,
        "export_chunks_uncompressed",
        include_str!("../migrations/sqlite/0011_export_chunks_uncompressed.sql"),
    ),
];
const POSTGRES: Embedded = &[
    (
        1,
        "init",
        include_str!("../migrations/postgres/0001_init.sql"),
    ),
    (
        2,
        "users",
        include_str!("../migrations/postgres/0002_users.sql"),
    ),
    (
        3,
        "portal",
        include_str!("../migrations/postgres/0003_portal.sql"),
    ),
    (
        4,
        "limits",
        include_str!("../migrations/postgres/0004_limits.sql"),
    ),
    (
        5,
        "signin",
        include_str!("../migrations/postgres/0005_signin.sql"),
    ),
    (
        6,
        "lifecycle",
        include_str!("../migrations/postgres/0006_lifecycle.sql"),
    ),
    (
        7,
        "clients",
        include_str!("../migrations/postgres/0007_clients.sql"),
    ),
    (
        8,
        "messages",
        include_str!("../migrations/postgres/0008_messages.sql"),
    ),
    (
        9,
        "second_factors",
        include_str!("../migrations/postgres/0009_second_factors.sql"),
    ),
    (
        10,
        "user_transfer",
        include_str!("../migrations/postgres/0010_user_transfer.sql"),
    ),
    (
        11,
        "export_chunks_uncompressed",
        include_str!("../migrations/postgres/0011_export_chunks_uncompressed.sql"),
    ),
];

/// SQLite migrations that manage their own transaction (a table rebuild
/// needs foreign keys off, which SQLite ignores inside a transaction).
const SQLITE_OWN_TRANSACTION: &[i64] = &[7];

fn migrator(embedded: Embedded, own_transaction: &[i64]) -> Migrator {
    Migrator::with_migrations(
        embedded
            .iter()
            .map(|(version, name, sql)| {
                Migration::new(
                    *version,
                    Cow::Borrowed(*name),
                    MigrationType::Simple,
                    sql.into_sql_str(),
                    own_transaction.contains(version),
                )
            })
            .collect(),
    )
}

/// Apply `migrator` to the database behind `conn`, refusing a schema newer
/// than this binary's with [`StoreError::SchemaTooNew`].
pub(crate) async fn run<'a, A>(migrator: &Migrator, conn: A) -> Result<(), StoreError>
where
    A: sqlx::Acquire<'a>,
    <A::Connection as std::ops::Deref>::Target: sqlx::migrate::Migrate,
{
    match migrator.run(conn).await {
        Err(MigrateError::VersionMissing(found)) => Err(StoreError::SchemaTooNew {
            found,
            known: latest(migrator),
        }),
        other => Ok(other?),
    }
}

/// The newest migration `migrator` has.
pub(crate) fn latest(migrator: &Migrator) -> i64 {
    migrator.iter().map(|m| m.version).max().unwrap_or(0)
}

pub(crate) fn sqlite() -> Migrator {
    migrator(SQLITE, SQLITE_OWN_TRANSACTION)
}

pub(crate) fn postgres() -> Migrator {
    migrator(POSTGRES, &[])
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};

    use super::*;

    /// v7 rebuilds `oauth_clients` on SQLite; a database with clients,
    /// secrets and grants from v6 keeps every row, and foreign keys are on
    /// again afterwards.
    #[tokio::test]
    async fn sqlite_v7_rebuild_keeps_clients_and_what_hangs_off_them() {
        let dir = tempfile::tempdir().unwrap();
        let options =
            SqliteConnectOptions::from_str(&format!("sqlite://{}/k.db", dir.path().display()))
                .unwrap()
                .create_if_missing(true)
                .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await
            .unwrap();
        migrator(&SQLITE[..6], &[]).run(&pool).await.unwrap();
        for sql in [
            "INSERT INTO projects (id, created_at) VALUES ('p', 0)",
            "INSERT INTO users (project_id, id, created_at, updated_at, standard_attributes, custom_attributes) VALUES ('p', 'u', 0, 0, '{}', '{}')",
            "INSERT INTO oauth_clients (project_id, client_id, name, client_type, redirect_uris, refresh_rotation, created_at, updated_at) VALUES ('p', 'c', 'App', 'confidential', '[\"https://a/cb\"]', 0, 0, 0)",
            "INSERT INTO oauth_client_secrets (project_id, client_id, id, secret_hash, created_at) VALUES ('p', 'c', 's', 'h', 0)",
        ] {
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(&pool)
                .await
                .unwrap();
        }
        sqlite().run(&pool).await.unwrap();
        let count = |table: &'static str| {
            let pool = pool.clone();
            async move {
                sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(format!(
                    "SELECT COUNT(*) FROM {table}"
                )))
                .fetch_one(&pool)
                .await
                .unwrap()
            }
        };
        assert_eq!(count("oauth_clients").await, 1);
        assert_eq!(count("oauth_client_secrets").await, 1);
        let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(fk, 1);
        // The new types are accepted, and deleting a client still cascades.
        sqlx::query("INSERT INTO oauth_clients (project_id, client_id, name, client_type, redirect_uris, refresh_rotation, created_at, updated_at) VALUES ('p', 'm', 'Job', 'm2m', '[]', 0, 0, 0)")
            .execute(&pool)
            .await
            .unwrap();
        sqlx::query("DELETE FROM oauth_clients WHERE client_id = 'c'")
            .execute(&pool)
            .await
            .unwrap();
        assert_eq!(count("oauth_client_secrets").await, 0);
    }
}
