//! The SDK against real HTTP servers on ephemeral ports, one test binary.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod retries;
