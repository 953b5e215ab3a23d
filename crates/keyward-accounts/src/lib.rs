//! # keyward-accounts: the accounts core
//!
//! The domain of a project's end users, written once for every door (the
//! Admin API, sign-in, the portal and the CLI):
//!
//! - users, identities (login IDs) and their checks: [`users`],
//!   [`identities`], [`loginid`], [`stdattrs`];
//! - passwords: policy, argon2id hashing at a configured cost, verification
//!   ([`password`]);
//! - account states, their transitions, and the one answer to "may this
//!   user sign in now, and if not why" ([`status::may_sign_in`]);
//! - user import, record by record, with Authgear's semantics ([`import`]),
//!   and the export's record shape and CSV ([`export`]);
//! - roles and groups and their membership rules ([`roles`]);
//! - carrying out scheduled deletions and anonymizations ([`scheduled`]);
//! - password reset by a single-use code sent through the outbox ([`reset`]),
//!   the messages keyward sends and their rate limits ([`messages`]);
//! - second factors: TOTP ([`totp`]), one-time codes ([`otp`]), recovery
//!   codes, the MFA policy and grace periods ([`mfa`]);
//! - API resources and scopes, and which clients may ask for them
//!   ([`resources`]);
//! - signing in with a password, lockout, sessions and refresh grants
//!   ([`signin`], [`lockout`], [`sessions`]), OAuth clients ([`clients`])
//!   and users' authorizations of them ([`authorizations`]);
//! - audit events as one typed enum ([`audit::AuditEvent`]), recorded in the
//!   same transaction as the change, with Authgear's activity types
//!   ([`activity`]);
//! - one error type with stable reasons ([`AccountsError`]).
//!
//! It must not know HTTP, GraphQL, HTML or token formats: doors parse their wire
//! input, call these functions and render the result. It reads no clock:
//! `now` arrives in an [`audit::Actor`] (from a [`clock::Clock`] the door
//! holds). All SQL stays in `keyward-store`; this crate calls its `Tx`.

pub mod activity;
pub mod audit;
pub mod authorizations;
pub mod clients;
pub mod clock;
pub mod error;
pub mod export;
pub mod identities;
pub mod ids;
pub mod import;
pub mod lockout;
pub mod loginid;
pub mod messages;
pub mod mfa;
pub mod otp;
pub mod password;
pub mod profile;
pub mod records;
pub mod reset;
pub mod resources;
pub mod roles;
pub mod scheduled;
pub mod secret;
pub mod sessions;
pub mod shared_counts;
pub mod signin;
pub mod signup;
pub mod status;
pub mod stdattrs;
pub mod totp;
pub mod users;

pub use activity::ActivityType;
pub use audit::{Actor, AuditEvent, Initiator};
pub use clock::{Clock, FixedClock, SharedClock, SystemClock};
pub use error::{AccountsError, ErrorKind};
pub use password::HashCost;
