//! End-to-end tests of the real server on an ephemeral port with a real
//! SQLite file. One binary (see `helpers.rs` for the harness).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod auth;
mod helpers;
mod http;
mod rotation;
