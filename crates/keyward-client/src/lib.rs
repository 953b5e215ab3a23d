//! # keyward-client: the Admin API SDK
//!
//! Owns what a customer's backend needs to call keyward's Admin API:
//!
//! - [`TokenSigner`] signs the seed's short-lived RS256 JWT (header `alg`,
//!   `kid`, `typ`; claims `aud: [project]`, `iat`, `exp`) from a PEM or JWK
//!   private key, and reuses it until 80 % of its lifetime has passed, so a
//!   busy client signs a few tokens an hour and the server answers most
//!   requests from its verified-token cache.
//! - [`AdminClient`] sends GraphQL operations with that token, retries what
//!   is safe to retry ([`RetryPolicy`]) and returns typed errors
//!   ([`AdminError`]) that keep the server's reasons and GraphQL extensions;
//!   it also queues user imports and exports, polls them and downloads the
//!   files ([`AdminClient::start_import`], [`AdminClient::start_export`]).
//!
//! It must not depend on the server or the store; only on the token rules.
//! `cargo run -p keyward-client --example list_users` shows both in use.
#![deny(missing_docs)]

mod client;
mod error;
mod operation;
mod retry;
mod signer;
mod transfer;

pub use client::{ADMIN_API_PATH, AdminClient, AdminClientBuilder, Operation};
pub use error::{AdminError, ClientError, GraphQLError};
pub use operation::may_write;
pub use retry::RetryPolicy;
pub use signer::{
    DEFAULT_BACKDATE_SECS, DEFAULT_RENEW_PERCENT, DEFAULT_TTL_SECS, MAX_TTL_SECS, TokenSigner,
};
pub use transfer::IMPORT_BODY_LIMIT;
