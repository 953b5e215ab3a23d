//! A private RSA JWK (RFC 7518 §6.3.2) re-encoded as a PKCS#1 `RSAPrivateKey`
//! (RFC 8017 appendix A.1.2), the form aws-lc and `jsonwebtoken` load.
//!
//! aws-lc-rs builds public keys from components but not private ones, so the
//! DER is written here: one SEQUENCE of nine INTEGERs, nothing more. The
//! result is always re-parsed and checked by aws-lc before it signs anything.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use zeroize::Zeroizing;

use crate::error::KeyError;

/// The JWK members of an RSA private key, all base64url big-endian integers.
#[derive(Deserialize)]
struct PrivateJwk {
    kty: Option<String>,
    alg: Option<String>,
    n: Option<String>,
    e: Option<String>,
    d: Option<String>,
    p: Option<String>,
    q: Option<String>,
    dp: Option<String>,
    dq: Option<String>,
    qi: Option<String>,
    oth: Option<serde_json::Value>,
}

/// PKCS#1 DER of the private key in `text`, a JSON JWK.
pub(crate) fn der_from_private_jwk(text: &str) -> Result<Zeroizing<Vec<u8>>, KeyError> {
    let jwk: PrivateJwk = serde_json::from_str(text)
        .map_err(|_| KeyError::Unreadable("the JWK is not a JSON object".into()))?;
    match jwk.kty.as_deref() {
        Some("RSA") => {}
        Some(other) => return Err(KeyError::NotRsa(format!("JWK kty `{other}`"))),
        None => return Err(KeyError::Unreadable("the JWK has no `kty`".into())),
    }
    if let Some(alg) = jwk.alg.as_deref().filter(|a| *a != crate::ALGORITHM) {
        return Err(KeyError::Unreadable(
            format!("the JWK is for `{alg}`; keyward accepts RS256 only").into(),
        ));
    }
    if jwk.d.is_none() {
        return Err(KeyError::Unreadable(
            "this JWK is a public key (no `d`); signing needs the private key".into(),
        ));
    }
    if jwk.oth.is_some() {
        return Err(KeyError::Unreadable(
            "multi-prime RSA keys (`oth`) are not supported".into(),
        ));
    }
    let members = [
        ("n", jwk.n),
        ("e", jwk.e),
        ("d", jwk.d),
        ("p", jwk.p),
        ("q", jwk.q),
        ("dp", jwk.dp),
        ("dq", jwk.dq),
        ("qi", jwk.qi),
    ];
    let mut body = Zeroizing::new(Vec::with_capacity(2400));
    // version 0 (two-prime)
    push_integer(&mut body, &[0]);
    for (name, value) in members {
        let bytes = value
            .and_then(|s| URL_SAFE_NO_PAD.decode(s).ok())
            .map(Zeroizing::new)
            .ok_or_else(|| {
                KeyError::Unreadable(
                    format!(
                        "the private JWK member `{name}` is missing or not base64url \
                         (keyward needs n, e, d, p, q, dp, dq and qi)"
                    )
                    .into(),
                )
            })?;
        push_integer(&mut body, &bytes);
    }
    let mut der = Zeroizing::new(Vec::with_capacity(body.len() + 4));
    der.push(0x30);
    push_length(&mut der, body.len());
    der.extend_from_slice(&body);
    Ok(der)
}

/// A DER INTEGER holding the unsigned big-endian `value`.
fn push_integer(out: &mut Vec<u8>, value: &[u8]) {
    let start = value.iter().position(|b| *b != 0).unwrap_or(value.len());
    let digits = &value[start..];
    out.push(0x02);
    if digits.is_empty() {
        push_length(out, 1);
        out.push(0);
        return;
    }
    // A set high bit would read as negative: prefix a zero byte.
    let pad = digits[0] & 0x80 != 0;
    push_length(out, digits.len() + usize::from(pad));
    if pad {
        out.push(0);
    }
    out.extend_from_slice(digits);
}

/// A DER length: short form below 128, else long form.
fn push_length(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
        return;
    }
    let bytes = len.to_be_bytes();
    let start = bytes
        .iter()
        .position(|b| *b != 0)
        .unwrap_or(bytes.len() - 1);
    out.push(0x80 | (bytes.len() - start) as u8);
    out.extend_from_slice(&bytes[start..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_are_minimal_and_unsigned() {
        let mut out = Vec::new();
        push_integer(&mut out, &[0, 0, 0x7f]);
        push_integer(&mut out, &[0x80]);
        push_integer(&mut out, &[]);
        assert_eq!(out, [2, 1, 0x7f, 2, 2, 0, 0x80, 2, 1, 0]);
    }

    #[test]
    fn lengths_use_long_form_from_128() {
        let mut out = Vec::new();
        push_length(&mut out, 127);
        push_length(&mut out, 128);
        push_length(&mut out, 1190);
        assert_eq!(out, [127, 0x81, 128, 0x82, 0x04, 0xa6]);
    }
}
