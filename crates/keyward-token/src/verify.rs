//! The verification rules. [`verify`] applies them in this order; the first
//! that fails decides the [`Reason`]:
//!
//! | # | rule | reason |
//! |---|------|--------|
//! | 1 | at most 8 KiB; exactly three unpadded base64url segments; header a JSON object without duplicate names | `malformed_token` |
//! | 2 | `alg` is exactly `RS256` (missing or non-string: malformed) | `unsupported_algorithm` |
//! | 3 | no `crit`, `jku`, `jwk`, `x5u`, `x5c` in the header | `forbidden_header` |
//! | 4 | `typ`, when present, is `JWT` (any case) | `malformed_token` |
//! | 5 | `kid` is a string of 1–256 bytes | `malformed_token` |
//! | 6 | `kid` names a key of the project (exact match) | `unknown_key` |
//! | 7 | that key is active | `key_disabled` |
//! | 8 | RSASSA-PKCS1-v1_5 SHA-256 signature verifies under that key | `invalid_signature` |
//! | 9 | claims are a JSON object without duplicate names; `exp`, `iat`, `nbf` are NumericDates; `aud` a string or array of strings | `malformed_token` |
//! | 10 | `aud` present and contains the project ID exactly | `invalid_audience` |
//! | 11 | `exp` present (else `malformed_token`) and `now < exp + leeway` | `token_expired` |
//! | 12 | `nbf`, when present: `now + leeway ≥ nbf` | `token_not_yet_valid` |
//! | 13 | `iat`, when present: `iat ≤ now + leeway` | `issued_in_future` |
//! | 14 | `exp − iat ≤ max_lifetime` (with `iat`), else `exp − now ≤ max_lifetime + leeway` | `lifetime_too_long` |
//! | 15 | `audit_context`, when present, is a JSON object (copied into audit entries) | `malformed_token` |
//! | 16 | when the policy requires it (the project's replay guard): `jti` is a string of 1–256 bytes | `missing_jti` (present but not such a string: `malformed_token`) |
//! | 17 | (server, with the store) a required `jti` was not accepted before within the token's lifetime | `token_replayed` |
//!
//! Claims are only interpreted after the signature verifies (rule 8), so an
//! unauthenticated payload never reaches the claim parsers.

use serde_json::{Map, Value};

use crate::claims::{audience, numeric_date};
use crate::error::{Reason, TokenError};
use crate::jws;
use crate::keys::{KeySet, KeyStatus};
use crate::policy::Policy;
use crate::{ALGORITHM, MAX_KID_BYTES};

/// Header members that would make keyward fetch or trust key material named
/// by the token itself, or that demand extensions keyward does not implement.
pub const FORBIDDEN_HEADERS: [&str; 5] = ["crit", "jku", "jwk", "x5u", "x5c"];

/// What a successfully verified token tells the caller.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedToken {
    /// The key that signed it.
    pub kid: String,
    /// Its `exp`, seconds since the epoch.
    pub exp: f64,
    /// Its `iat`, when present.
    pub iat: Option<f64>,
    /// Its `audit_context` claim, when present: the caller's own context
    /// (an operator, a ticket), recorded in audit entries.
    pub audit_context: Option<Map<String, Value>>,
    /// Its `jti`, when the policy requires one (rule 16); `None` otherwise.
    pub jti: Option<String>,
}

/// Take the token out of an `Authorization` header value: `Bearer <token>`,
/// scheme matched case-insensitively (RFC 7235 §2.1). `None`, or another
/// scheme, is `missing_credentials`; a Bearer header without a usable token is
/// `malformed_token`.
pub fn bearer_token(header: Option<&[u8]>) -> Result<&str, TokenError> {
    let Some(raw) = header else {
        return Err(TokenError::new(
            Reason::MissingCredentials,
            "send `Authorization: Bearer <JWT>`",
        ));
    };
    let value = std::str::from_utf8(raw)
        .map_err(|_| TokenError::malformed("the Authorization header is not ASCII"))?;
    let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(TokenError::new(
            Reason::MissingCredentials,
            "the Authorization scheme must be Bearer",
        ));
    }
    let token = rest.trim_start_matches(' ');
    if token.is_empty() || token.bytes().any(|b| b.is_ascii_whitespace()) {
        return Err(TokenError::malformed(
            "expected exactly one token after `Bearer `",
        ));
    }
    Ok(token)
}

/// Rules 1–8: parse the token, check its header and verify the signature
/// under the project's key named by `kid`. Returns the `kid` and the
/// (authenticated, not yet interpreted) payload bytes.
pub fn verify_signature(token: &str, keys: &KeySet) -> Result<(String, Vec<u8>), TokenError> {
    verify_signature_typed(token, keys, "JWT")
}

/// [`verify_signature`] for tokens whose header `typ`, when present, is
/// `typ` (case-insensitive): `JWT` for Admin API and ID tokens, `at+jwt`
/// for OIDC access tokens (RFC 9068), so one kind cannot pass as the other.
pub fn verify_signature_typed(
    token: &str,
    keys: &KeySet,
    typ: &str,
) -> Result<(String, Vec<u8>), TokenError> {
    let parsed = jws::parse(token)?;
    let kid = check_header(&parsed.header, typ)?;
    let key = match keys.get(kid) {
        None => {
            return Err(TokenError::new(
                Reason::UnknownKey,
                "no key of this project has the token's kid",
            ));
        }
        Some((_, KeyStatus::Disabled)) => {
            return Err(TokenError::new(
                Reason::KeyDisabled,
                "the key named by kid is disabled",
            ));
        }
        Some((key, KeyStatus::Active)) => key,
    };
    if !key.verify_rs256(parsed.signing_input.as_bytes(), &parsed.signature) {
        return Err(TokenError::new(
            Reason::InvalidSignature,
            "the RS256 signature does not verify under the key named by kid",
        ));
    }
    Ok((kid.to_owned(), parsed.payload))
}

/// Apply every rule (see the module table) to `token` for project
/// `project_id` at time `now` (seconds since the epoch).
pub fn verify(
    token: &str,
    keys: &KeySet,
    project_id: &str,
    policy: &Policy,
    now: u64,
) -> Result<VerifiedToken, TokenError> {
    let (kid, payload) = verify_signature(token, keys)?;
    let claims = jws::parse_object(&payload, "claims")?;
    let checked = check_claims(&claims, project_id, policy, now)?;
    let audit_context = match claims.get("audit_context") {
        None => None,
        Some(Value::Object(context)) => Some(context.clone()),
        Some(_) => {
            return Err(TokenError::malformed(
                "claim `audit_context` must be a JSON object",
            ));
        }
    };
    let jti = if policy.require_jti {
        Some(required_jti(&claims)?)
    } else {
        None
    };
    Ok(VerifiedToken {
        kid,
        exp: checked.0,
        iat: checked.1,
        audit_context,
        jti,
    })
}

/// Rule 16. Only checked when required, so a project without the replay
/// guard accepts exactly what it accepted before.
fn required_jti(claims: &Map<String, Value>) -> Result<String, TokenError> {
    match claims.get("jti") {
        None => Err(TokenError::new(
            Reason::MissingJti,
            "this project's replay guard is on: the token needs a unique `jti` claim",
        )),
        Some(Value::String(jti)) if !jti.is_empty() && jti.len() <= MAX_JTI_BYTES => {
            Ok(jti.clone())
        }
        Some(_) => Err(TokenError::malformed(
            "claim `jti` must be a string of 1 to 256 bytes",
        )),
    }
}

/// Longest accepted `jti`, in bytes (the store keeps each one for the
/// token's lifetime).
pub const MAX_JTI_BYTES: usize = 256;

fn check_header<'h>(header: &'h Map<String, Value>, typ: &str) -> Result<&'h str, TokenError> {
    match header.get("alg") {
        Some(Value::String(alg)) if alg == ALGORITHM => {}
        Some(Value::String(_)) => {
            return Err(TokenError::new(
                Reason::UnsupportedAlgorithm,
                "alg must be RS256",
            ));
        }
        Some(_) => return Err(TokenError::malformed("header `alg` must be a string")),
        None => return Err(TokenError::malformed("header `alg` is required")),
    }
    if let Some(name) = FORBIDDEN_HEADERS.iter().find(|h| header.contains_key(**h)) {
        return Err(TokenError::new(
            Reason::ForbiddenHeader,
            format!("header `{name}` is not allowed"),
        ));
    }
    match header.get("typ") {
        None => {}
        Some(Value::String(t)) if t.eq_ignore_ascii_case(typ) => {}
        Some(_) => {
            return Err(TokenError::malformed(format!(
                "header `typ`, when present, must be {typ}"
            )));
        }
    }
    match header.get("kid") {
        Some(Value::String(kid)) if !kid.is_empty() && kid.len() <= MAX_KID_BYTES => Ok(kid),
        Some(Value::String(_)) => Err(TokenError::malformed("header `kid` must be 1 to 256 bytes")),
        Some(_) => Err(TokenError::malformed("header `kid` must be a string")),
        None => Err(TokenError::malformed("header `kid` is required")),
    }
}

/// Rules 9–14. Returns `(exp, iat)`.
fn check_claims(
    claims: &Map<String, Value>,
    project_id: &str,
    policy: &Policy,
    now: u64,
) -> Result<(f64, Option<f64>), TokenError> {
    // Parse everything first so a malformed claim is reported as such even
    // when another rule would also fail.
    let aud = audience(claims)?;
    let exp = numeric_date(claims, "exp")?;
    let iat = numeric_date(claims, "iat")?;
    let nbf = numeric_date(claims, "nbf")?;

    match aud {
        None => {
            return Err(TokenError::new(
                Reason::InvalidAudience,
                "claim `aud` is required and must contain the project ID",
            ));
        }
        Some(list) if !list.contains(&project_id) => {
            return Err(TokenError::new(
                Reason::InvalidAudience,
                "claim `aud` does not contain this project's ID",
            ));
        }
        Some(_) => {}
    }

    let Some(exp) = exp else {
        return Err(TokenError::malformed("claim `exp` is required"));
    };
    // All values are ≤ 2.6e11, so f64 arithmetic here is exact to well below a second.
    let now = now as f64;
    let leeway = policy.leeway_secs as f64;
    if now >= exp + leeway {
        return Err(TokenError::new(
            Reason::TokenExpired,
            "the token has expired",
        ));
    }
    if nbf.is_some_and(|nbf| now + leeway < nbf) {
        return Err(TokenError::new(
            Reason::TokenNotYetValid,
            "the token is not valid yet (nbf)",
        ));
    }
    if iat.is_some_and(|iat| iat > now + leeway) {
        return Err(TokenError::new(
            Reason::IssuedInFuture,
            "the token's iat is in the future; check the client's clock",
        ));
    }
    let max = policy.max_lifetime_secs as f64;
    let too_long = match iat {
        Some(iat) => exp - iat > max,
        None => exp - now > max + leeway,
    };
    if too_long {
        return Err(TokenError::new(
            Reason::LifetimeTooLong,
            format!(
                "the token lives longer than this project's limit of {} seconds",
                policy.max_lifetime_secs
            ),
        ));
    }
    Ok((exp, iat))
}

#[cfg(test)]
mod tests;
