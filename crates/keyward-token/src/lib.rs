//! # keyward-token: the security core
//!
//! This crate owns every rule that decides whether an Admin API token is
//! accepted, the token rules of end-user sign-in ([`oidc`]), plus the RSA key material those rules need: generating key pairs,
//! reading and writing PEM (PKCS#8, PKCS#1, SPKI) and JWK, and signing tokens
//! for clients.
//!
//! It must not know about HTTP, SQL, files, async runtimes or clocks: callers
//! pass the token text, the project's [`KeySet`], the [`Policy`] and `now`
//! (seconds since the Unix epoch). Every refusal is a [`Reason`] with a stable
//! snake_case code that the server maps to an HTTP 401 in one place.
//!
//! The rules, in the order [`verify`] applies them, are documented on
//! [`verify()`] and in the README's table; each has a test in `verify.rs`.
#![deny(missing_docs)]

/// Claim parsing: NumericDate and audience.
pub mod claims;
/// Error types and the stable refusal reasons.
pub mod error;
/// Strict compact-JWS parsing: segments, base64url, JSON objects without duplicate names.
pub mod jws;
/// RSA keys: generation, PEM/JWK codecs, parsed public keys and key sets.
pub mod keys;
/// End-user sign-in: ID and access tokens, id_token_hint, PKCE.
pub mod oidc;
/// Private RSA JWKs re-encoded as PKCS#1 DER.
mod pkcs1;
/// The verification policy (leeway, lifetime cap).
pub mod policy;
/// Signing Admin API tokens (used by clients and the CLI).
pub mod sign;
/// The verification rules.
pub mod verify;

pub use error::{KeyError, Reason, SignError, TokenError};
pub use keys::{GeneratedKeyPair, KeySet, KeyStatus, PublicKey, SigningKey};
pub use policy::Policy;
pub use sign::{AdminClaims, sign};
pub use verify::{VerifiedToken, verify, verify_signature, verify_signature_typed};

/// The only algorithm keyward accepts: RSASSA-PKCS1-v1_5 with SHA-256.
pub const ALGORITHM: &str = "RS256";
/// Largest accepted token, in bytes.
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;
/// Largest accepted `kid`, in bytes.
pub const MAX_KID_BYTES: usize = 256;
