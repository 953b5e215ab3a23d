//! The token rules of end-user sign-in (OpenID Connect), pure like the rest
//! of this crate: signing ID and access tokens, accepting an access token
//! at userinfo, reading an `id_token_hint`, and PKCE.
//!
//! | rule | refusal |
//! |---|---|
//! | access token: header `alg` RS256, `typ` `at+jwt`, `kid` of the project's JWKS, signature | as [`crate::verify`] rules 1–8 |
//! | access token: `iss` equals the issuer the request reached | `invalid_audience` |
//! | access token: `exp` in the future (leeway 0: keyward issued it) | `token_expired` |
//! | access token: `sub` and `sid` are strings | `malformed_token` |
//! | id_token_hint: signature only (Authgear accepts expired hints) | as rules 1–8 |
//! | PKCE: verifier `^[A-Za-z0-9._~-]{43,128}$` and BASE64URL(SHA256(verifier)) = challenge, compared in constant time | `false` |

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};

use crate::error::{Reason, SignError, TokenError};
use crate::jws;
use crate::keys::{KeySet, SigningKey};
use crate::verify::verify_signature_typed;

/// The header `typ` of access tokens (RFC 9068).
pub const ACCESS_TOKEN_TYP: &str = "at+jwt";

/// Sign `claims` as RS256 with header `{"alg":"RS256","kid","typ"}`.
pub fn sign_claims(
    claims: &Map<String, Value>,
    kid: &str,
    typ: &str,
    key: &SigningKey,
) -> Result<String, SignError> {
    if kid.is_empty() || kid.len() > crate::MAX_KID_BYTES {
        return Err(SignError::InvalidInput("kid must be 1 to 256 bytes"));
    }
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    header.kid = Some(kid.to_owned());
    header.typ = Some(typ.to_owned());
    jsonwebtoken::encode(&header, claims, &key.encoding)
        .map_err(|e| SignError::Signing(e.to_string()))
}

/// What userinfo and the token endpoint need from a valid access token.
#[derive(Debug, Clone, PartialEq)]
pub struct AccessToken {
    /// The user.
    pub sub: String,
    /// The session or grant it was issued from.
    pub sid: String,
    /// The client it was issued to.
    pub client_id: String,
    /// Granted scopes.
    pub scope: String,
    /// All claims.
    pub claims: Map<String, Value>,
}

/// Accept an access token issued by `issuer` at `now` (seconds).
pub fn verify_access_token(
    token: &str,
    keys: &KeySet,
    issuer: &str,
    now: u64,
) -> Result<AccessToken, TokenError> {
    let (_, payload) = verify_signature_typed(token, keys, ACCESS_TOKEN_TYP)?;
    let claims = jws::parse_object(&payload, "payload")?;
    if claims.get("iss").and_then(Value::as_str) != Some(issuer) {
        return Err(TokenError::new(
            Reason::InvalidAudience,
            "the access token was issued for another origin",
        ));
    }
    let exp = crate::claims::numeric_date(&claims, "exp")?
        .ok_or_else(|| TokenError::malformed("claim `exp` is required"))?;
    if exp <= now as f64 {
        return Err(TokenError::new(
            Reason::TokenExpired,
            "the access token has expired",
        ));
    }
    let text = |name: &str| {
        claims
            .get(name)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| TokenError::malformed(format!("claim `{name}` must be a string")))
    };
    Ok(AccessToken {
        sub: text("sub")?,
        sid: text("sid")?,
        client_id: text("client_id")?,
        scope: text("scope").unwrap_or_default(),
        claims,
    })
}

/// The claims of an ID token this project signed, expired or not (an
/// `id_token_hint` names who the client thinks is signed in).
pub fn read_id_token_hint(token: &str, keys: &KeySet) -> Result<Map<String, Value>, TokenError> {
    let (_, payload) = verify_signature_typed(token, keys, "JWT")?;
    jws::parse_object(&payload, "payload")
}

/// Whether `verifier` is a well-formed PKCE verifier (RFC 7636 §4.1) whose
/// S256 transform is `challenge`.
pub fn pkce_s256_matches(verifier: &str, challenge: &str) -> bool {
    let well_formed = (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
    if !well_formed {
        return false;
    }
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, verifier.as_bytes());
    let computed = URL_SAFE_NO_PAD.encode(digest.as_ref());
    aws_lc_rs::constant_time::verify_slices_are_equal(computed.as_bytes(), challenge.as_bytes())
        .is_ok()
}

/// Whether `challenge` has the shape of an S256 challenge (43 base64url
/// characters), checked at the authorize endpoint.
pub fn is_s256_challenge(challenge: &str) -> bool {
    challenge.len() == 43
        && challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use serde_json::json;

    use super::*;
    use crate::keys::{GeneratedKeyPair, KeyStatus};

    fn setup() -> (SigningKey, KeySet) {
        let pair = GeneratedKeyPair::generate(2048).unwrap();
        let key = SigningKey::from_pem(pair.private_key_pem().as_bytes()).unwrap();
        let mut set = KeySet::new();
        set.insert("k1", Arc::new(pair.public_key().clone()), KeyStatus::Active);
        (key, set)
    }

    fn claims(exp: u64) -> Map<String, Value> {
        json!({"iss": "http://a.localhost", "aud": "http://a.localhost", "sub": "u", "sid": "s",
               "client_id": "c", "scope": "openid", "exp": exp, "iat": 1})
        .as_object()
        .cloned()
        .unwrap()
    }

    #[test]
    fn rfc7636_appendix_b_vector() {
        assert!(pkce_s256_matches(
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        ));
    }

    #[test]
    fn pkce_refuses_wrong_short_and_plain_verifiers() {
        let v = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        assert!(!pkce_s256_matches(
            v,
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cN"
        ));
        // `plain`: the challenge is the verifier itself.
        assert!(!pkce_s256_matches(v, v));
        assert!(!pkce_s256_matches(
            "short",
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        ));
        assert!(!pkce_s256_matches(&format!("{v}!"), "x"));
        assert!(is_s256_challenge(
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        ));
        assert!(!is_s256_challenge("too-short"));
        assert!(!is_s256_challenge(
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw+cM"
        ));
    }

    #[test]
    fn access_tokens_round_trip_and_are_refused_when_off() {
        let (key, set) = setup();
        let token = sign_claims(&claims(100), "k1", ACCESS_TOKEN_TYP, &key).unwrap();
        let at = verify_access_token(&token, &set, "http://a.localhost", 50).unwrap();
        assert_eq!(
            (at.sub.as_str(), at.sid.as_str(), at.client_id.as_str()),
            ("u", "s", "c")
        );
        let e = verify_access_token(&token, &set, "http://a.localhost", 100).unwrap_err();
        assert_eq!(e.reason, Reason::TokenExpired);
        let e = verify_access_token(&token, &set, "http://b.localhost", 50).unwrap_err();
        assert_eq!(e.reason, Reason::InvalidAudience);
        // An ID token (typ JWT) is not an access token, and the reverse.
        let id = sign_claims(&claims(100), "k1", "JWT", &key).unwrap();
        assert_eq!(
            verify_access_token(&id, &set, "http://a.localhost", 50)
                .unwrap_err()
                .reason,
            Reason::MalformedToken
        );
        assert!(read_id_token_hint(&token, &set).is_err());
        assert_eq!(read_id_token_hint(&id, &set).unwrap()["sub"], "u");
        // A token signed by another key.
        let (other, _) = setup();
        let forged = sign_claims(&claims(100), "k1", ACCESS_TOKEN_TYP, &other).unwrap();
        assert_eq!(
            verify_access_token(&forged, &set, "http://a.localhost", 50)
                .unwrap_err()
                .reason,
            Reason::InvalidSignature
        );
    }

    #[test]
    fn expired_id_token_hints_are_still_read() {
        let (key, set) = setup();
        let id = sign_claims(&claims(1), "k1", "JWT", &key).unwrap();
        assert_eq!(read_id_token_hint(&id, &set).unwrap()["sid"], "s");
    }
}
