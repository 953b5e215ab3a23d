//! A private RSA JWK (RFC 7518 §6.3.2) re-encoded as a PKCS#1 `RSAPrivateKey`
//! (RFC 8017 appendix A.1.2), the form aws-lc and `jsonwebtoken` load.
//!
//! aws-lc-rs builds public keys from components but not private ones, so the
//! DER is encoded with RustCrypto's `pkcs1`/`der` crates (minimal unsigned
//! INTEGERs, lengths in short or long form). The result is always re-parsed
//! and checked by aws-lc before it signs anything.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use pkcs1::RsaPrivateKey;
use pkcs1::der::Encode as _;
use pkcs1::der::asn1::UintRef;
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
    let mut decoded = Vec::with_capacity(members.len());
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
        decoded.push(bytes);
    }
    let [n, e, d, p, q, dp, dq, qi] = decoded.as_slice() else {
        return Err(KeyError::Unreadable("the private JWK is incomplete".into()));
    };
    fn uint(bytes: &[u8]) -> Result<UintRef<'_>, KeyError> {
        UintRef::new(bytes)
            .map_err(|_| KeyError::Unreadable("a private JWK member is not a valid integer".into()))
    }
    let key = RsaPrivateKey {
        modulus: uint(n)?,
        public_exponent: uint(e)?,
        private_exponent: uint(d)?,
        prime1: uint(p)?,
        prime2: uint(q)?,
        exponent1: uint(dp)?,
        exponent2: uint(dq)?,
        coefficient: uint(qi)?,
        other_prime_infos: None,
    };
    key.to_der()
        .map(Zeroizing::new)
        .map_err(|e| KeyError::Unreadable(format!("cannot encode the private key: {e}").into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_are_minimal_and_unsigned() {
        // n = 0x80 (high bit set: a zero byte first), e = 0x0001 (leading
        // zeros dropped), the rest zero-length-free small values.
        let b64 = |b: &[u8]| URL_SAFE_NO_PAD.encode(b);
        let jwk = serde_json::json!({
            "kty": "RSA", "n": b64(&[0x80]), "e": b64(&[0, 1]), "d": b64(&[0x7f]),
            "p": b64(&[2]), "q": b64(&[3]), "dp": b64(&[4]), "dq": b64(&[5]), "qi": b64(&[6]),
        });
        let der = der_from_private_jwk(&jwk.to_string()).unwrap();
        assert_eq!(
            der.as_slice(),
            [
                0x30, 28, 2, 1, 0, 2, 2, 0, 0x80, 2, 1, 1, 2, 1, 0x7f, 2, 1, 2, 2, 1, 3, 2, 1, 4,
                2, 1, 5, 2, 1, 6
            ]
        );
    }
}
