//! End-to-end tests of the real server on an ephemeral port with a real
//! SQLite file. One binary (see `helpers.rs` for the harness).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

/// Each listed `async fn name(backend: Backend)` becomes two tests,
/// `sqlite::name` and `postgres::name` (the latter skips unless
/// KEYWARD_TEST_DATABASE_URL is set).
macro_rules! on_each_backend {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $name() { super::$name(keyward_store::testing::Backend::Sqlite).await } )*
        }
        mod postgres {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $name() { super::$name(keyward_store::testing::Backend::Postgres).await } )*
        }
    };
}

mod admin;
mod api;
mod auth;
mod helpers;
mod hostile;
mod http;
mod limits;
mod outage;
mod portal;
mod roles;
mod rotation;
mod slow;
mod users;
