//! Who is signed in to the portal, and the checks every state-changing
//! request passes: the session cookie, its CSRF token (compared in constant
//! time), and the request's `Origin`.

use std::time::Duration;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use keyward_store::PortalSession;

use crate::PortalState;
pub use crate::error::PortalError;

/// The session cookie's name.
pub const COOKIE: &str = "keyward_session";
/// How long a session lasts.
pub const SESSION_LIFETIME: Duration = Duration::from_secs(12 * 3600);

/// A random 256-bit token, base64url.
pub fn random_token() -> Result<String, PortalError> {
    keyward_accounts::secret::random_token().map_err(|e| PortalError::Unexpected(e.to_string()))
}

/// What the store keeps for a session ID: its SHA-256, hex.
pub fn hash_session_id(id: &str) -> String {
    keyward_accounts::secret::digest_hex(id)
}

/// Constant-time equality of two secrets.
pub fn secrets_equal(a: &str, b: &str) -> bool {
    aws_lc_rs::constant_time::verify_slices_are_equal(a.as_bytes(), b.as_bytes()).is_ok()
}

/// The session cookie for `id`; `Secure` when the portal is served over https.
pub fn session_cookie(id: &str, secure: bool) -> HeaderValue {
    cookie_value(id, SESSION_LIFETIME.as_secs(), secure)
}

/// A cookie that removes the session cookie.
pub fn clear_cookie(secure: bool) -> HeaderValue {
    cookie_value("", 0, secure)
}

fn cookie_value(value: &str, max_age: u64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let cookie = format!(
        "{COOKIE}={value}; Path=/portal; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"
    );
    HeaderValue::from_str(&cookie).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The session ID from the request's cookies.
pub fn session_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_owned())
        .filter(|v| !v.is_empty() && v.len() <= 64)
}

/// Whether the browser reached us over https (directly or via a proxy that
/// says so).
pub fn is_https(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

/// The client's address, for rate limits and audit entries.
pub fn client_ip(parts: &Parts) -> String {
    crate::peer_ip(parts).map_or_else(|| "unknown".into(), |ip| ip.to_string())
}

/// The client's address as an extractor.
pub struct ClientIp(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(client_ip(parts)))
    }
}

/// A signed-in operator: the extractor every portal page but login uses.
/// Without a valid session, pages redirect to the login form.
pub struct Operator {
    /// The session.
    pub session: PortalSession,
    /// The hashed session ID (the store's key).
    pub id_hash: String,
    /// The client's address.
    pub ip: String,
    /// The browser's User-Agent, for audit entries.
    pub user_agent: String,
}

impl Operator {
    /// Refuse unless `token` is this session's CSRF token.
    pub fn check_csrf(&self, token: &str) -> Result<(), PortalError> {
        if secrets_equal(token, &self.session.csrf_token) {
            Ok(())
        } else {
            Err(PortalError::Csrf)
        }
    }

    /// Whether the operator typed their password within `window`.
    pub fn recently_authenticated(&self, window: Duration) -> bool {
        let elapsed = keyward_store::now_secs().saturating_sub(self.session.password_at);
        u64::try_from(elapsed).is_ok_and(|e| e < window.as_secs())
    }
}

impl FromRequestParts<PortalState> for Operator {
    type Rejection = PortalError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &PortalState,
    ) -> Result<Self, Self::Rejection> {
        let id = session_id(&parts.headers).ok_or(PortalError::SignedOut)?;
        let id_hash = hash_session_id(&id);
        let session = state
            .store()
            .portal_session(&id_hash)
            .await
            .map_err(PortalError::from)?
            .ok_or(PortalError::SignedOut)?;
        Ok(Operator {
            session,
            id_hash,
            ip: client_ip(parts),
            user_agent: parts
                .headers
                .get(header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .chars()
                .take(200)
                .collect(),
        })
    }
}
