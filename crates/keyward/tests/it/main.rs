//! The real `keyward` binary, end to end, in one test binary: CLI commands
//! against a data directory, `keyward serve` as a child process, clients in
//! other languages (PyJWT, node `jose`), the portal in headless Chromium,
//! replicas, shutdown and the secrets-in-logs check. `common.rs` is the
//! harness.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

mod behind_nginx;
mod browser_signin;
mod cli;
mod clients;
mod config;
mod interop;
mod portal;
mod replicas;
mod secrets_in_logs;
mod shutdown;
mod signin;
mod tls;
mod transfer;
