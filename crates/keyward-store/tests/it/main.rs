//! The store's conformance suite, one test binary: every behaviour on a
//! real SQLite file and, when `KEYWARD_TEST_DATABASE_URL` is set, on
//! PostgreSQL. Projects and keys in `store.rs`; the user directory in
//! `directory.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

/// Each listed `async fn name(backend: Backend)` (with `Backend` in scope)
/// becomes `sqlite::name` and `postgres::name`; the latter skips unless
/// KEYWARD_TEST_DATABASE_URL is set.
macro_rules! on_each_backend {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[tokio::test] async fn $name() { super::$name(super::Backend::Sqlite).await } )*
        }
        mod postgres {
            $( #[tokio::test] async fn $name() { super::$name(super::Backend::Postgres).await } )*
        }
    };
}

mod directory;
mod jobs;
mod store;
mod upgrades;
