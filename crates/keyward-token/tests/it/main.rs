//! The token rules from outside the crate, one test binary: property tests
//! of the parser and verifier (`parser_props.rs`) and the Wycheproof JWS
//! vectors (`wycheproof.rs`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod parser_props;
mod wycheproof;
