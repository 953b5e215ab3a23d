//! # keyward-client: the Admin API SDK
//!
//! Owns what a customer's backend needs to call keyward: [`TokenSigner`]
//! signs the short-lived RS256 JWT the Admin API requires and reuses it until
//! it nears expiry, as the seed recommends, so a busy client signs a few
//! tokens an hour and the server answers most requests from its cache.
//!
//! It must not depend on the server or the store; only on the token rules.
#![deny(missing_docs)]

use std::path::Path;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use keyward_token::{AdminClaims, SignError, SigningKey, sign};

/// Longest lifetime the signer will put in a token (the server's default cap
/// is 3600 s; a project may raise it up to a day).
pub const MAX_TTL_SECS: u64 = 86_400;

/// Why the signer failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The private key file could not be read.
    #[error("cannot read private key file {path}: {source}")]
    KeyFile {
        /// The path given.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Signing failed (bad key, bad kid).
    #[error(transparent)]
    Sign(#[from] SignError),
    /// A TTL outside 1..=86400 seconds.
    #[error("token lifetime must be between 1 and {MAX_TTL_SECS} seconds")]
    InvalidTtl,
}

impl ClientError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            ClientError::KeyFile { .. } => "client.key_file",
            ClientError::Sign(e) => e.code(),
            ClientError::InvalidTtl => "client.invalid_ttl",
        }
    }
}

/// Signs Admin API tokens for one project and key, reusing each token until
/// four fifths of its lifetime have passed. Thread-safe.
#[derive(Debug)]
pub struct TokenSigner {
    project: String,
    kid: String,
    key: SigningKey,
    ttl_secs: u64,
    cached: Mutex<Option<(String, u64)>>,
}

impl TokenSigner {
    /// A signer for `project` with key `kid`, issuing tokens valid for `ttl_secs`.
    pub fn new(
        project: impl Into<String>,
        kid: impl Into<String>,
        key: SigningKey,
        ttl_secs: u64,
    ) -> Result<Self, ClientError> {
        if !(1..=MAX_TTL_SECS).contains(&ttl_secs) {
            return Err(ClientError::InvalidTtl);
        }
        Ok(TokenSigner {
            project: project.into(),
            kid: kid.into(),
            key,
            ttl_secs,
            cached: Mutex::new(None),
        })
    }

    /// Like [`TokenSigner::new`], reading a PKCS#8 or PKCS#1 PEM private key file.
    pub fn from_pem_file(
        project: impl Into<String>,
        kid: impl Into<String>,
        path: &Path,
        ttl_secs: u64,
    ) -> Result<Self, ClientError> {
        let pem = std::fs::read(path).map_err(|source| ClientError::KeyFile {
            path: path.display().to_string(),
            source,
        })?;
        let key = SigningKey::from_pem(&pem).map_err(SignError::from)?;
        Self::new(project, kid, key, ttl_secs)
    }

    /// A valid token: the cached one while it has more than a fifth of its
    /// lifetime left, else a freshly signed one.
    pub fn token(&self) -> Result<String, ClientError> {
        self.token_at(unix_now())
    }

    /// [`TokenSigner::token`] at a given time (seconds since the epoch).
    pub fn token_at(&self, now: u64) -> Result<String, ClientError> {
        let refresh_margin = self.ttl_secs / 5;
        let mut cached = self
            .cached
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some((token, exp)) = cached.as_ref()
            && now + refresh_margin < *exp
        {
            return Ok(token.clone());
        }
        let claims = AdminClaims::new(&self.project, now, self.ttl_secs);
        let token = sign(&claims, &self.kid, &self.key)?;
        *cached = Some((token.clone(), claims.exp));
        Ok(token)
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use keyward_token::GeneratedKeyPair;

    fn signer(ttl: u64) -> TokenSigner {
        let pair = GeneratedKeyPair::generate(2048).unwrap();
        let key = SigningKey::from_pem(pair.private_key_pem().as_bytes()).unwrap();
        TokenSigner::new("myapp", "kid", key, ttl).unwrap()
    }

    #[test]
    fn reuses_token_until_four_fifths_of_lifetime() {
        let s = signer(300);
        let t0 = s.token_at(1000).unwrap();
        assert_eq!(s.token_at(1000 + 239).unwrap(), t0);
        let t1 = s.token_at(1000 + 240).unwrap();
        assert_ne!(t1, t0);
        assert_eq!(s.token_at(1000 + 241).unwrap(), t1);
    }

    #[test]
    fn invalid_ttl_fails() {
        let pair = GeneratedKeyPair::generate(2048).unwrap();
        let key = || SigningKey::from_pem(pair.private_key_pem().as_bytes()).unwrap();
        assert!(matches!(
            TokenSigner::new("p", "k", key(), 0),
            Err(ClientError::InvalidTtl)
        ));
        assert!(matches!(
            TokenSigner::new("p", "k", key(), 86_401),
            Err(ClientError::InvalidTtl)
        ));
    }

    #[test]
    fn missing_key_file_fails_clearly() {
        let e = TokenSigner::from_pem_file("p", "k", Path::new("/nonexistent/key.pem"), 300)
            .unwrap_err();
        assert_eq!(e.code(), "client.key_file");
        assert!(e.to_string().contains("/nonexistent/key.pem"));
    }
}
