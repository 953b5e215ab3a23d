//! Time-based one-time passwords (RFC 6238 over RFC 4226's HOTP): HMAC-SHA1,
//! 30-second steps, 6 digits, as every authenticator app reads from an
//! `otpauth://` URI. Pure: the caller gives the time and keeps the last
//! step accepted, so that a code is accepted once ([`verify`] returns the
//! step it matched).
//!
//! Written here rather than taken from `totp-rs`: the algorithm is a dozen
//! lines over aws-lc-rs's HMAC, which keyward already trusts, where the
//! crate would add a second HMAC/SHA-1 stack; the RFC's test vectors below
//! pin it down.

use aws_lc_rs::hmac;
use data_encoding::BASE32_NOPAD;

/// Seconds per step.
pub const STEP_SECS: i64 = 30;
/// Digits per code.
pub const DIGITS: u32 = 6;
/// Secret length in bytes (160 bits, RFC 4226's recommendation).
pub const SECRET_LEN: usize = 20;
/// Steps either side of now that are accepted (clock drift and typing
/// time): the previous and the next code also work.
pub const WINDOW: i64 = 1;

/// A fresh random secret.
pub fn new_secret() -> Option<[u8; SECRET_LEN]> {
    let mut secret = [0u8; SECRET_LEN];
    aws_lc_rs::rand::fill(&mut secret).ok()?;
    Some(secret)
}

/// The secret as authenticator apps take it typed in: base32, no padding.
pub fn secret_text(secret: &[u8]) -> String {
    BASE32_NOPAD.encode(secret)
}

/// The `otpauth://totp/...` URI a QR code carries.
pub fn uri(secret: &[u8], issuer: &str, account: &str) -> String {
    let label = format!("{issuer}:{account}");
    format!(
        "otpauth://totp/{}?secret={}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECS}",
        percent(&label),
        secret_text(secret),
        percent(issuer)
    )
}

/// Percent-encode everything but RFC 3986's unreserved characters.
pub(crate) fn percent(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The step a Unix time falls in.
pub fn step_at(now_secs: i64) -> i64 {
    now_secs.div_euclid(STEP_SECS)
}

/// HOTP (RFC 4226 §5.3) of `counter` with `digits` digits.
pub fn hotp(secret: &[u8], counter: u64, digits: u32) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, secret);
    let tag = hmac::sign(&key, &counter.to_be_bytes());
    let mac = tag.as_ref();
    let offset = usize::from(mac[mac.len() - 1] & 0x0f);
    let binary = u32::from_be_bytes([
        mac[offset] & 0x7f,
        mac[offset + 1],
        mac[offset + 2],
        mac[offset + 3],
    ]);
    let modulus = 10u32.pow(digits);
    format!("{:0width$}", binary % modulus, width = digits as usize)
}

/// The code of `step`.
pub fn code_at(secret: &[u8], step: i64) -> String {
    hotp(secret, u64::try_from(step).unwrap_or(0), DIGITS)
}

/// The step whose code `code` is, among now's and [`WINDOW`] either side,
/// compared in constant time; `None` if it is none of them. Spaces in the
/// code (as apps show it: "123 456") are ignored.
pub fn verify(secret: &[u8], code: &str, now_secs: i64) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let now = step_at(now_secs);
    let mut found = None;
    // Every candidate is computed and compared, so the time taken does not
    // say which step matched.
    for step in (now - WINDOW)..=(now + WINDOW) {
        let expected = code_at(secret, step);
        if aws_lc_rs::constant_time::verify_slices_are_equal(expected.as_bytes(), code.as_bytes())
            .is_ok()
        {
            found = Some(step);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    const RFC_SECRET: &[u8] = b"12345678901234567890";

    /// RFC 4226 Appendix D.
    #[test]
    fn hotp_matches_rfc_4226() {
        let expected = [
            "755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583",
            "399871", "520489",
        ];
        for (counter, code) in expected.iter().enumerate() {
            assert_eq!(hotp(RFC_SECRET, counter as u64, 6), *code);
        }
    }

    /// RFC 6238 Appendix B (SHA-1 rows, 8 digits).
    #[test]
    fn totp_matches_rfc_6238() {
        for (time, code) in [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            let step = u64::try_from(step_at(time)).unwrap();
            assert_eq!(hotp(RFC_SECRET, step, 8), code, "t={time}");
        }
    }

    #[test]
    fn previous_and_next_steps_are_accepted_and_no_further() {
        let now = 1_700_000_000;
        let step = step_at(now);
        for (offset, accepted) in [(-2, false), (-1, true), (0, true), (1, true), (2, false)] {
            let code = code_at(RFC_SECRET, step + offset);
            assert_eq!(
                verify(RFC_SECRET, &code, now),
                accepted.then_some(step + offset),
                "offset {offset}"
            );
        }
    }

    #[test]
    fn malformed_codes_are_refused() {
        let now = 1_700_000_000;
        let good = code_at(RFC_SECRET, step_at(now));
        let spaced = format!("{} {}", &good[..3], &good[3..]);
        assert_eq!(verify(RFC_SECRET, &spaced, now), Some(step_at(now)));
        for bad in [
            "",
            "12345",
            "1234567",
            "12345a",
            "１２３４５６",
            &format!("{good}0"),
        ] {
            assert_eq!(verify(RFC_SECRET, bad, now), None, "{bad:?}");
        }
        assert_eq!(verify(b"another secret......", &good, now), None);
    }

    #[test]
    fn uri_carries_the_base32_secret_and_an_encoded_label() {
        let u = uri(RFC_SECRET, "my app", "a@b.c");
        assert!(u.starts_with("otpauth://totp/my%20app%3Aa%40b.c?secret="));
        assert!(u.contains(&format!("secret={}", secret_text(RFC_SECRET))));
        assert_eq!(secret_text(RFC_SECRET), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        assert!(u.contains("&issuer=my%20app&algorithm=SHA1&digits=6&period=30"));
    }

    proptest::proptest! {
        #[test]
        fn verify_never_panics(code in ".{0,12}", now in 0i64..4_000_000_000) {
            let _ = verify(RFC_SECRET, &code, now);
        }
    }
}
