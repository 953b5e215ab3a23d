//! Errors: [`DoorError`] for keyward's own failures (never the caller's
//! fault; logged, answered 503 when the database is unreachable and 500
//! otherwise, without detail), and [`OAuthError`] for RFC 6749 error
//! answers of the JSON endpoints.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use keyward_accounts::AccountsError;
use keyward_store::StoreError;
use keyward_token::{KeyError, SignError};
use serde_json::json;

/// keyward failed.
#[derive(Debug, thiserror::Error)]
pub enum DoorError {
    /// Signing keys cannot be opened without the master key.
    #[error("no master key is configured, so signing keys cannot be used")]
    NoMasterKey,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The accounts core failed.
    #[error(transparent)]
    Accounts(AccountsError),
    /// Stored key material is unusable.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// Signing failed.
    #[error(transparent)]
    Sign(#[from] SignError),
    /// Anything else.
    #[error("{0}")]
    Internal(String),
}

impl From<AccountsError> for DoorError {
    fn from(e: AccountsError) -> Self {
        match e {
            AccountsError::Store(s) => DoorError::Store(s),
            other => DoorError::Accounts(other),
        }
    }
}

impl IntoResponse for DoorError {
    fn into_response(self) -> Response {
        let unreachable = matches!(&self, DoorError::Store(s) if s.is_unreachable());
        tracing::error!(error = %self, "sign-in request failed");
        let (status, error, description) = if unreachable {
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "temporarily_unavailable",
                "the database is unreachable; try again shortly",
            )
        } else {
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_error",
                "internal server error",
            )
        };
        no_store((
            status,
            Json(json!({"error": error, "error_description": description})),
        ))
    }
}

/// An RFC 6749 §5.2 error answer.
#[derive(Debug)]
pub struct OAuthError {
    status: StatusCode,
    error: &'static str,
    description: String,
    www_authenticate: Option<String>,
}

impl OAuthError {
    /// 400 with `error`.
    pub fn bad(error: &'static str, description: impl Into<String>) -> Self {
        OAuthError {
            status: StatusCode::BAD_REQUEST,
            error,
            description: description.into(),
            www_authenticate: None,
        }
    }

    /// 400 `invalid_request`.
    pub fn invalid_request(description: impl Into<String>) -> Self {
        Self::bad("invalid_request", description)
    }

    /// 400 `invalid_grant`.
    pub fn invalid_grant(description: impl Into<String>) -> Self {
        Self::bad("invalid_grant", description)
    }

    /// 401 `invalid_client` (RFC 6749 §5.2; Authgear answers 400
    /// `invalid_request`, keyward follows the RFC). `basic`: the client
    /// tried HTTP Basic, so the answer names the scheme.
    pub fn invalid_client(description: impl Into<String>, basic: bool) -> Self {
        OAuthError {
            status: StatusCode::UNAUTHORIZED,
            error: "invalid_client",
            description: description.into(),
            www_authenticate: basic.then(|| "Basic realm=\"keyward\"".to_owned()),
        }
    }

    /// 401 for userinfo, with Authgear's `WWW-Authenticate`.
    pub fn invalid_session() -> Self {
        OAuthError {
            status: StatusCode::UNAUTHORIZED,
            error: "invalid_grant",
            description: "invalid session".into(),
            www_authenticate: Some(
                "Bearer error=\"invalid_grant\", error_description=\"invalid session\"".into(),
            ),
        }
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let mut response = no_store((
            self.status,
            Json(json!({"error": self.error, "error_description": self.description})),
        ));
        if let Some(value) = self
            .www_authenticate
            .and_then(|v| HeaderValue::from_str(&v).ok())
        {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, value);
        }
        response
    }
}

/// A response with `Cache-Control: no-store` and `Pragma: no-cache`.
pub fn no_store(r: impl IntoResponse) -> Response {
    let mut response = r.into_response();
    let h = response.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

/// Either a protocol refusal or keyward's failure.
#[derive(Debug)]
pub enum Failure {
    /// The caller's request is refused.
    OAuth(OAuthError),
    /// keyward failed.
    Door(DoorError),
}

impl<E: Into<DoorError>> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure::Door(e.into())
    }
}

impl From<OAuthError> for Failure {
    fn from(e: OAuthError) -> Self {
        Failure::OAuth(e)
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        match self {
            Failure::OAuth(e) => e.into_response(),
            Failure::Door(e) => e.into_response(),
        }
    }
}
