//! # keyward-test-support: what the test suites share
//!
//! One place for the harness every crate's tests use, instead of a copy
//! per crate: isolated databases on either backend ([`db`]), fixture RSA
//! keys made once per process ([`keys`]), and the real server on port 0
//! with token minting and GraphQL helpers ([`server`]), and end-user
//! sign-in's clients, users and a cookie-keeping browser ([`signin`]).
//!
//! A dev-dependency only; production code never links it. Panics are its
//! way of failing a test loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod db;
pub mod keys;
pub mod server;
pub mod signin;
pub mod smtp;
pub mod tls;
pub mod webhook;

pub use db::{Backend, TestDatabase};
pub use keys::{fixture_pair, fixture_pem};
pub use server::*;
pub use signin::{App, Browser, Page, Pkce, authorize_url, query_of};
pub use smtp::{SmtpSink, link_param};
pub use webhook::{Received, WebhookSink};
