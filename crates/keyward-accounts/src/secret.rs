//! Random secrets and their stored form. Every secret keyward hands out
//! (client secrets, codes, session and refresh tokens) is 256 random bits,
//! base64url without padding; the store keeps its SHA-256, and lookups
//! compare digests in constant time.

use aws_lc_rs::digest;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::AccountsError;

/// 256 random bits, base64url (43 characters).
pub fn random_token() -> Result<String, AccountsError> {
    let mut bytes = [0u8; 32];
    aws_lc_rs::rand::fill(&mut bytes)
        .map_err(|_| AccountsError::Internal("no randomness".into()))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// The stored form of a secret: SHA-256, lowercase hex.
pub fn digest_hex(secret: &str) -> String {
    let d = digest::digest(&digest::SHA256, secret.as_bytes());
    d.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether `secret` hashes to `stored`, compared in constant time.
pub fn matches(secret: &str, stored: &str) -> bool {
    aws_lc_rs::constant_time::verify_slices_are_equal(
        digest_hex(secret).as_bytes(),
        stored.as_bytes(),
    )
    .is_ok()
}

/// A token of the form `<id>.<secret>` split in two, if it has that form.
pub fn split_token(token: &str) -> Option<(&str, &str)> {
    let (id, secret) = token.split_once('.')?;
    (!id.is_empty() && !secret.is_empty() && id.len() <= 64 && secret.len() <= 128)
        .then_some((id, secret))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_distinct_and_match_only_their_digest() {
        let a = random_token().unwrap();
        let b = random_token().unwrap();
        assert_eq!(a.len(), 43);
        assert_ne!(a, b);
        assert!(matches(&a, &digest_hex(&a)));
        assert!(!matches(&b, &digest_hex(&a)));
        assert_eq!(
            digest_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn split() {
        assert_eq!(split_token("g.s"), Some(("g", "s")));
        assert_eq!(split_token("a.b.c"), Some(("a", "b.c")));
        for bad in ["", "nodot", ".s", "g.", &format!("{}.s", "x".repeat(65))] {
            assert_eq!(split_token(bad), None, "{bad}");
        }
    }
}
