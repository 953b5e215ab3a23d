//! [`TokenSigner`]: signs the seed's Admin API token and reuses it until it
//! nears expiry.

use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use keyward_token::{AdminClaims, SignError, SigningKey, sign};

use crate::error::ClientError;

/// Longest lifetime the signer will put in a token (the server's default cap
/// is 3600 s; a project may raise it up to a day).
pub const MAX_TTL_SECS: u64 = 86_400;
/// Default token lifetime: short, as the seed asks.
pub const DEFAULT_TTL_SECS: u64 = 300;
/// Default point at which a cached token is replaced: 80 % of its lifetime.
pub const DEFAULT_RENEW_PERCENT: u8 = 80;
/// Default backdating of `iat`, so a server whose clock is a little behind
/// the client's does not see a token issued in its future.
pub const DEFAULT_BACKDATE_SECS: u64 = 5;

/// Signs Admin API tokens for one project and key: header
/// `{"alg":"RS256","kid":…,"typ":"JWT"}`, claims `{"aud":[project],"exp","iat"}`.
///
/// A token is reused until [`DEFAULT_RENEW_PERCENT`] of its lifetime has
/// passed (the seed recommends caching), then one caller signs a new one
/// while concurrent callers wait for it instead of signing their own.
/// `Send + Sync`: share one signer (e.g. in an `Arc`) across threads and tasks.
#[derive(Debug)]
pub struct TokenSigner {
    project: String,
    kid: String,
    key: SigningKey,
    ttl_secs: u64,
    renew_percent: u8,
    backdate_secs: u64,
    single_use: bool,
    cached: Mutex<Option<Cached>>,
    signatures: AtomicU64,
}

#[derive(Debug)]
struct Cached {
    token: String,
    /// The token's `iat` (seconds since the epoch).
    iat: u64,
    /// When the token should be replaced (seconds since the epoch).
    renew_at: u64,
}

impl TokenSigner {
    /// A signer for `project` with key `kid`, issuing tokens valid for
    /// `ttl_secs` (1 to [`MAX_TTL_SECS`]).
    pub fn new(
        project: impl Into<String>,
        kid: impl Into<String>,
        key: SigningKey,
        ttl_secs: u64,
    ) -> Result<Self, ClientError> {
        if !(1..=MAX_TTL_SECS).contains(&ttl_secs) {
            return Err(ClientError::InvalidTtl);
        }
        let project = project.into();
        if project.is_empty() {
            return Err(ClientError::InvalidOption("the project ID is empty"));
        }
        Ok(TokenSigner {
            project,
            kid: kid.into(),
            key,
            ttl_secs,
            renew_percent: DEFAULT_RENEW_PERCENT,
            // Never backdate by more than a tenth of a short lifetime.
            backdate_secs: DEFAULT_BACKDATE_SECS.min(ttl_secs / 10),
            single_use: false,
            cached: Mutex::new(None),
            signatures: AtomicU64::new(0),
        })
    }

    /// Like [`TokenSigner::new`], reading the private key from a file: PEM
    /// (PKCS#8 `PRIVATE KEY` or PKCS#1 `RSA PRIVATE KEY`) or a private JWK.
    pub fn from_key_file(
        project: impl Into<String>,
        kid: impl Into<String>,
        path: &Path,
        ttl_secs: u64,
    ) -> Result<Self, ClientError> {
        let bytes = zeroize::Zeroizing::new(std::fs::read(path).map_err(|source| {
            ClientError::KeyFile {
                path: path.display().to_string(),
                source,
            }
        })?);
        let key = SigningKey::parse(&bytes).map_err(SignError::from)?;
        Self::new(project, kid, key, ttl_secs)
    }

    /// Replace a cached token once `percent` (1–100) of its lifetime has
    /// passed. Lower values renew earlier, leaving more margin for slow
    /// requests and clock drift.
    pub fn renew_at_percent(mut self, percent: u8) -> Result<Self, ClientError> {
        if !(1..=100).contains(&percent) {
            return Err(ClientError::InvalidOption(
                "renewal point must be 1 to 100 percent of the lifetime",
            ));
        }
        self.renew_percent = percent;
        Ok(self)
    }

    /// Backdate `iat` by `secs` (less than half the lifetime); `exp` stays
    /// `iat + ttl`, so the lifetime the server checks is unchanged.
    pub fn backdate(mut self, secs: u64) -> Result<Self, ClientError> {
        if secs.saturating_mul(2) >= self.ttl_secs {
            return Err(ClientError::InvalidOption(
                "backdating must be less than half the token lifetime",
            ));
        }
        self.backdate_secs = secs;
        Ok(self)
    }

    /// Sign a new token, with a random `jti`, for every call instead of
    /// reusing one: what a project whose replay guard is on requires (it
    /// accepts each `jti` once). Costs one RSA signature per request.
    pub fn single_use(mut self) -> Self {
        self.single_use = true;
        self
    }

    /// The project ID (the tokens' audience).
    pub fn project(&self) -> &str {
        &self.project
    }

    /// The key ID put in the tokens' header.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// How many tokens this signer has signed (not counting reuses).
    pub fn signatures(&self) -> u64 {
        self.signatures.load(Ordering::Relaxed)
    }

    /// A valid token: the cached one until its renewal point, else a newly
    /// signed one.
    pub fn token(&self) -> Result<String, ClientError> {
        self.token_at(unix_now())
    }

    /// [`TokenSigner::token`] at a given time (seconds since the epoch).
    pub fn token_at(&self, now: u64) -> Result<String, ClientError> {
        if self.single_use {
            let iat = now.saturating_sub(self.backdate_secs);
            let claims = AdminClaims::new(&self.project, iat, self.ttl_secs)
                .with_jti(uuid::Uuid::new_v4().simple().to_string());
            let token = sign(&claims, &self.kid, &self.key)?;
            self.signatures.fetch_add(1, Ordering::Relaxed);
            return Ok(token);
        }
        // The lock is held while signing (about a millisecond), so callers
        // that arrive meanwhile reuse the new token instead of signing too.
        let mut cached = self
            .cached
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        // A clock that jumped back before the token's iat re-signs, so no
        // token issued "in the future" is sent.
        if let Some(c) = cached.as_ref()
            && (c.iat..c.renew_at).contains(&now)
        {
            return Ok(c.token.clone());
        }
        let iat = now.saturating_sub(self.backdate_secs);
        let claims = AdminClaims::new(&self.project, iat, self.ttl_secs);
        let token = sign(&claims, &self.kid, &self.key)?;
        self.signatures.fetch_add(1, Ordering::Relaxed);
        *cached = Some(Cached {
            token: token.clone(),
            iat,
            renew_at: iat + self.renew_after(),
        });
        Ok(token)
    }

    /// Drop the cached token, so the next call signs a new one.
    pub fn invalidate(&self) {
        *self
            .cached
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = None;
    }

    /// Seconds after `iat` at which a token is replaced (at least 1).
    fn renew_after(&self) -> u64 {
        (self.ttl_secs * u64::from(self.renew_percent) / 100).max(1)
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
    use std::sync::{Arc, Barrier};

    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use keyward_token::GeneratedKeyPair;

    use super::*;

    fn pem() -> String {
        static PEM: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        PEM.get_or_init(|| {
            GeneratedKeyPair::generate(2048)
                .unwrap()
                .private_key_pem()
                .to_string()
        })
        .clone()
    }

    fn signer(ttl: u64) -> TokenSigner {
        let key = SigningKey::parse(pem().as_bytes()).unwrap();
        TokenSigner::new("myapp", "kid-1", key, ttl).unwrap()
    }

    fn decode(segment: &str) -> serde_json::Value {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(segment).unwrap()).unwrap()
    }

    #[test]
    fn token_has_exactly_the_seeds_shape() {
        let s = signer(300);
        let token = s.token_at(1_000_000).unwrap();
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts.len(), 3);
        assert_eq!(
            decode(parts[0]),
            serde_json::json!({"alg": "RS256", "kid": "kid-1", "typ": "JWT"})
        );
        // iat backdated 5 s; exp = iat + ttl.
        assert_eq!(
            decode(parts[1]),
            serde_json::json!({"aud": ["myapp"], "iat": 999_995, "exp": 1_000_295})
        );
    }

    #[test]
    fn single_use_signs_every_call_with_a_fresh_jti() {
        let s = signer(300).single_use();
        let a = s.token_at(1000).unwrap();
        let b = s.token_at(1000).unwrap();
        assert_ne!(a, b);
        assert_eq!(s.signatures(), 2);
        let (ca, cb) = (
            decode(a.split('.').nth(1).unwrap()),
            decode(b.split('.').nth(1).unwrap()),
        );
        let (ja, jb) = (ca["jti"].as_str().unwrap(), cb["jti"].as_str().unwrap());
        assert_eq!(ja.len(), 32);
        assert_ne!(ja, jb);
        assert_eq!(ca["exp"], 1295);
    }

    #[test]
    fn reuses_token_until_renewal_point() {
        let s = signer(300);
        let t0 = s.token_at(1000).unwrap();
        // iat = 995; renewal at 995 + 240.
        assert_eq!(s.token_at(1234).unwrap(), t0);
        assert_eq!(s.signatures(), 1);
        let t1 = s.token_at(1235).unwrap();
        assert_ne!(t1, t0);
        assert_eq!(s.token_at(1236).unwrap(), t1);
        assert_eq!(s.signatures(), 2);
    }

    #[test]
    fn renewal_point_and_backdate_are_configurable() {
        let s = signer(100)
            .renew_at_percent(50)
            .unwrap()
            .backdate(0)
            .unwrap();
        let t0 = s.token_at(1000).unwrap();
        assert_eq!(s.token_at(1049).unwrap(), t0);
        assert_ne!(s.token_at(1050).unwrap(), t0);
        assert!(signer(100).renew_at_percent(0).is_err());
        assert!(signer(100).renew_at_percent(101).is_err());
        assert!(signer(100).backdate(50).is_err());
        // A one-second lifetime is never backdated by default.
        let one = signer(1);
        assert_eq!(
            decode(one.token_at(7).unwrap().split('.').nth(1).unwrap())["iat"],
            7
        );
    }

    #[test]
    fn clock_going_backwards_re_signs() {
        let s = signer(300);
        let t0 = s.token_at(10_000).unwrap();
        assert_ne!(s.token_at(9_000).unwrap(), t0);
        assert_eq!(s.signatures(), 2);
    }

    #[test]
    fn invalidate_forces_a_new_signature() {
        let s = signer(300);
        s.token_at(1000).unwrap();
        s.invalidate();
        s.token_at(1001).unwrap();
        assert_eq!(s.signatures(), 2);
    }

    #[test]
    fn concurrent_callers_get_one_signature() {
        let s = Arc::new(signer(300));
        let barrier = Arc::new(Barrier::new(16));
        let tokens: Vec<String> = (0..16)
            .map(|_| {
                let (s, barrier) = (s.clone(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    s.token_at(5000).unwrap()
                })
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|h| h.join().unwrap())
            .collect();
        assert_eq!(s.signatures(), 1);
        assert!(tokens.iter().all(|t| *t == tokens[0]));
    }

    #[test]
    fn pkcs1_pem_and_jwk_files_load() {
        let dir = tempfile::tempdir().unwrap();
        let jwk = dir.path().join("key.jwk");
        std::fs::write(
            &jwk,
            include_str!("../../keyward-token/tests/vectors/rfc7515-a2.jwk.json"),
        )
        .unwrap();
        let s = TokenSigner::from_key_file("p", "k", &jwk, 60).unwrap();
        assert!(s.token().unwrap().starts_with("eyJ"));
        let pkcs8 = dir.path().join("key.pem");
        std::fs::write(&pkcs8, pem()).unwrap();
        TokenSigner::from_key_file("p", "k", &pkcs8, 60).unwrap();
        let public = dir.path().join("pub.pem");
        std::fs::write(
            &public,
            "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
        )
        .unwrap();
        let e = TokenSigner::from_key_file("p", "k", &public, 60).unwrap_err();
        assert_eq!(e.code(), "key.unreadable");
        assert!(e.to_string().contains("public key"), "{e}");
    }

    #[test]
    fn invalid_options_fail() {
        let key = || SigningKey::parse(pem().as_bytes()).unwrap();
        assert!(matches!(
            TokenSigner::new("p", "k", key(), 0),
            Err(ClientError::InvalidTtl)
        ));
        assert!(matches!(
            TokenSigner::new("p", "k", key(), 86_401),
            Err(ClientError::InvalidTtl)
        ));
        assert!(TokenSigner::new("", "k", key(), 60).is_err());
        // An empty kid is refused when signing.
        let s = TokenSigner::new("p", "", key(), 60).unwrap();
        assert_eq!(s.token().unwrap_err().code(), "sign.invalid_input");
    }

    #[test]
    fn missing_key_file_fails_clearly() {
        let e = TokenSigner::from_key_file("p", "k", Path::new("/nonexistent/key.pem"), 300)
            .unwrap_err();
        assert_eq!(e.code(), "client.key_file");
        assert!(e.to_string().contains("/nonexistent/key.pem"));
    }
}
