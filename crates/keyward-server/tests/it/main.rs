//! End-to-end tests of the real server on an ephemeral port with a real
//! SQLite file. One binary; the harness is `keyward-test-support`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

/// Each listed `async fn name(backend: Backend)` becomes two tests,
/// `sqlite::name` and `postgres::name` (the latter skips unless
/// KEYWARD_TEST_DATABASE_URL is set). For tests whose behaviour rests on
/// the database: transactions, concurrency, change notifications, SQL
/// search and paging, outages. Everything the store does is also covered
/// on both backends by the store's own conformance suite.
macro_rules! on_each_backend {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $name() { super::$name(keyward_test_support::Backend::Sqlite).await } )*
        }
        mod postgres {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $name() { super::$name(keyward_test_support::Backend::Postgres).await } )*
        }
    };
}

/// Each listed `async fn name(backend: Backend)` becomes `sqlite::name`
/// only: HTTP-level behaviour (routing, auth, limits in memory, hostile
/// input, pages) that does not change with the database.
macro_rules! on_sqlite {
    ($($name:ident),* $(,)?) => {
        mod sqlite_only {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $name() { super::$name(keyward_test_support::Backend::Sqlite).await } )*
        }
    };
}

mod admin;
mod api;
mod auth;
mod authenticators;
mod authorizations;
mod fuzz_graphql;
mod hostile;
mod http;
mod lifecycle;
mod limits;
mod mfa;
mod oidc_client;
mod outage;
mod portal;
mod proxies;
mod redis_limits;
mod reset;
mod resources;
mod roles;
mod rotation;
mod signin;
mod slow;
mod tls;
mod transfer;
mod users;
