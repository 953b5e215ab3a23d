//! Why a portal request failed, and how the operator is told: one page
//! per kind, the detail of keyward's own failures logged, never shown.

use axum::response::{IntoResponse, Redirect, Response};

use crate::html;

/// Why a portal request failed, as the operator sees it.
#[derive(Debug)]
pub enum PortalError {
    /// No valid session: go to the login page.
    SignedOut,
    /// The form's CSRF token is missing or wrong, or the request came from
    /// another site.
    Csrf,
    /// Something the operator can fix, shown in words (HTTP 400).
    Invalid(String),
    /// No such project or key (HTTP 404).
    NotFound(String),
    /// Too many failed sign-ins (HTTP 429).
    TooManyAttempts,
    /// The database cannot be reached (HTTP 503, retry shortly).
    Unavailable(String),
    /// A failure of ours; the detail goes to the log only.
    Unexpected(String),
}

impl From<keyward_accounts::AccountsError> for PortalError {
    fn from(e: keyward_accounts::AccountsError) -> Self {
        use keyward_accounts::AccountsError as E;
        match e {
            E::Store(s) => s.into(),
            E::Internal(m) => PortalError::Unexpected(m),
            E::ClientNotFound(_) => PortalError::NotFound(e.to_string()),
            other => PortalError::Invalid(other.to_string()),
        }
    }
}

impl From<keyward_store::StoreError> for PortalError {
    fn from(e: keyward_store::StoreError) -> Self {
        use keyward_store::StoreError as E;
        match e {
            E::ProjectNotFound(p) => PortalError::NotFound(format!("There is no project “{p}”.")),
            E::KeyNotFound { .. } => PortalError::NotFound("That key no longer exists.".into()),
            E::Database(_) => PortalError::Unavailable(e.to_string()),
            E::Migration(_) | E::Corrupt(_) | E::MasterKeyMismatch => {
                PortalError::Unexpected(e.to_string())
            }
            other => PortalError::Invalid(other.to_string()),
        }
    }
}

impl IntoResponse for PortalError {
    fn into_response(self) -> Response {
        use axum::http::StatusCode;
        let (status, title, message) = match self {
            PortalError::SignedOut => return Redirect::to("/portal/login").into_response(),
            PortalError::Csrf => (
                StatusCode::FORBIDDEN,
                "Request refused",
                "This form was not sent from a keyward page you opened, or it has expired. \
                 Go back, reload the page and try again."
                    .to_owned(),
            ),
            PortalError::Invalid(m) => (StatusCode::BAD_REQUEST, "That did not work", m),
            PortalError::NotFound(m) => (StatusCode::NOT_FOUND, "Not found", m),
            PortalError::TooManyAttempts => (
                StatusCode::TOO_MANY_REQUESTS,
                "Too many attempts",
                "Too many failed sign-ins. Wait 15 minutes and try again.".to_owned(),
            ),
            PortalError::Unavailable(detail) => {
                tracing::error!(error = %detail, "portal: store unavailable");
                let page = html::message_page(
                    "Try again shortly",
                    "keyward cannot reach its database right now. Nothing was changed; try again in a moment.",
                );
                return (
                    StatusCode::SERVICE_UNAVAILABLE,
                    [(axum::http::header::RETRY_AFTER, "1")],
                    page,
                )
                    .into_response();
            }
            PortalError::Unexpected(detail) => {
                tracing::error!(error = %detail, "portal request failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong",
                    "keyward could not complete this request. Try again; if it keeps failing, \
                     the server log says why."
                        .to_owned(),
                )
            }
        };
        (status, html::message_page(title, &message)).into_response()
    }
}
