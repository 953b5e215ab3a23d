//! Fixture RSA keys: a few 2048-bit pairs, each generated once per test
//! process and handed out again and again, instead of a fresh generation
//! (tens of milliseconds) for every server a test starts. Tests that are
//! about generation itself still generate.

use std::sync::OnceLock;

use keyward_token::GeneratedKeyPair;

/// How many distinct fixture pairs there are.
pub const FIXTURE_KEYS: usize = 4;

static DER: [OnceLock<Vec<u8>>; FIXTURE_KEYS] = [const { OnceLock::new() }; FIXTURE_KEYS];

/// Fixture pair `i` (modulo [`FIXTURE_KEYS`]); the same key material every
/// time within one process.
pub fn fixture_pair(i: usize) -> GeneratedKeyPair {
    let der = DER[i % FIXTURE_KEYS].get_or_init(|| {
        GeneratedKeyPair::generate(2048)
            .expect("RSA key generation")
            .private_pkcs8_der()
            .to_vec()
    });
    GeneratedKeyPair::from_pkcs8_der(der).expect("a fixture key parses")
}

/// The PKCS#8 PEM of fixture pair `i`.
pub fn fixture_pem(i: usize) -> String {
    fixture_pair(i).private_key_pem().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixtures_are_stable_and_distinct() {
        assert_eq!(fixture_pem(1), fixture_pem(1 + FIXTURE_KEYS));
        assert_ne!(fixture_pem(0), fixture_pem(1));
    }
}
