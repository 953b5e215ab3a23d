//! A fresh, isolated database per test on either backend. SQLite gets a file in a temporary directory; PostgreSQL
//! (only when `KEYWARD_TEST_DATABASE_URL` is set) gets a new schema in that
//! database, selected through the URL's `search_path`, so concurrent tests
//! and repeated runs never see each other's data.

use sqlx::postgres::PgPoolOptions;

/// Which backend a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file.
    Sqlite,
    /// PostgreSQL at `KEYWARD_TEST_DATABASE_URL`.
    Postgres,
}

/// An isolated database; the SQLite file is removed on drop (PostgreSQL
/// schemas are left for inspection and are named `keyward_test_<uuid>`).
pub struct TestDatabase {
    /// The URL to hand to `Store::open` or `keyward --database`.
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

impl TestDatabase {
    /// A fresh database, or `None` for PostgreSQL when no test database is
    /// configured (the test is then skipped, with a note on stderr).
    pub async fn new(backend: Backend) -> Option<TestDatabase> {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().ok()?;
                let url = format!("sqlite://{}", dir.path().join("keyward.db").display());
                Some(TestDatabase {
                    url,
                    _dir: Some(dir),
                })
            }
            Backend::Postgres => {
                let Ok(base) = std::env::var("KEYWARD_TEST_DATABASE_URL") else {
                    eprintln!("skipped on PostgreSQL: KEYWARD_TEST_DATABASE_URL is not set");
                    return None;
                };
                let schema = format!("keyward_test_{}", uuid::Uuid::new_v4().simple());
                let pool = PgPoolOptions::new().max_connections(1).connect(&base).await;
                let pool = match pool {
                    Ok(pool) => pool,
                    Err(e) => panic!("KEYWARD_TEST_DATABASE_URL is set but unreachable: {e}"),
                };
                if let Err(e) = sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
                    .execute(&pool)
                    .await
                {
                    panic!("cannot create test schema: {e}");
                }
                pool.close().await;
                let sep = if base.contains('?') { '&' } else { '?' };
                let url = format!("{base}{sep}options[search_path]={schema}");
                Some(TestDatabase { url, _dir: None })
            }
        }
    }
}
