//! The store's conformance suite, one test binary: every behaviour on a
//! real SQLite file and, when `KEYWARD_TEST_DATABASE_URL` is set, on
//! PostgreSQL. Projects and keys in `store.rs`; the user directory in
//! `directory.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod directory;
mod store;
