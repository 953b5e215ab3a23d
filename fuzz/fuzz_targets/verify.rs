//! Arbitrary bytes as a token and as an Authorization header: must never
//! panic, and never be accepted (the key set holds a key whose private half
//! was thrown away, so no input can carry a valid signature).
//!
//! Run: `cargo install cargo-fuzz && cargo +nightly fuzz run verify` (from this directory's parent).
#![no_main]

use std::sync::{Arc, OnceLock};

use keyward_token::{GeneratedKeyPair, KeySet, KeyStatus, Policy, jws, verify, verify::bearer_token};
use libfuzzer_sys::fuzz_target;

fn keys() -> &'static KeySet {
    static KEYS: OnceLock<KeySet> = OnceLock::new();
    KEYS.get_or_init(|| {
        let mut keys = KeySet::new();
        if let Ok(pair) = GeneratedKeyPair::generate(2048) {
            keys.insert("k", Arc::new(pair.public_key().clone()), KeyStatus::Active);
        }
        keys
    })
}

fuzz_target!(|data: &[u8]| {
    let _ = bearer_token(Some(data));
    let _ = jws::parse_object(data, "fuzz");
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = jws::parse(text);
        assert!(verify(text, keys(), "myapp", &Policy::default(), 1_800_000_000).is_err());
    }
});
