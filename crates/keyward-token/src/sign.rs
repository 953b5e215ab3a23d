use serde::Serialize;

use crate::error::SignError;
use crate::keys::SigningKey;

/// The claims of an Admin API token, shaped exactly like the seed's sample:
/// `{"aud":["<project>"],"exp":…,"iat":…}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AdminClaims {
    /// The audience: the project ID.
    pub aud: Vec<String>,
    /// Expiry, seconds since the epoch.
    pub exp: u64,
    /// Issued-at, seconds since the epoch.
    pub iat: u64,
    /// A unique token ID; required by projects whose replay guard is on
    /// (each `jti` is then accepted once).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
}

impl AdminClaims {
    /// Claims for `project`, issued at `now`, valid for `ttl_secs`.
    pub fn new(project: &str, now: u64, ttl_secs: u64) -> Self {
        AdminClaims {
            aud: vec![project.to_owned()],
            exp: now.saturating_add(ttl_secs),
            iat: now,
            jti: None,
        }
    }

    /// The same claims with a `jti`.
    pub fn with_jti(mut self, jti: impl Into<String>) -> Self {
        self.jti = Some(jti.into());
        self
    }
}

/// Sign an RS256 token with header `{"alg":"RS256","kid":…,"typ":"JWT"}`.
///
/// Signing goes through the `jsonwebtoken` crate while verification uses
/// aws-lc-rs directly, so every sign→verify test also checks two independent
/// implementations against each other.
pub fn sign(claims: &AdminClaims, kid: &str, key: &SigningKey) -> Result<String, SignError> {
    if kid.is_empty() || kid.len() > crate::MAX_KID_BYTES {
        return Err(SignError::InvalidInput("kid must be 1 to 256 bytes"));
    }
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    header.kid = Some(kid.to_owned());
    jsonwebtoken::encode(&header, claims, &key.encoding)
        .map_err(|e| SignError::Signing(e.to_string()))
}
