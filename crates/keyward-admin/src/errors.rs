//! The one resolver error, [`AdminError`], in Authgear's shape:
//! `errors[].extensions` carries `errorName`, `reason` and (when not empty)
//! `info`. The accounts core's refusals map here in one place
//! (`From<AccountsError>`); anything that is keyward's own failure becomes
//! one generic `unexpected error` with no extensions, its detail logged,
//! never shown, and marked with [`StoreFailure`] so the HTTP handler
//! answers 503 and rolls back.
//!
//! `AdminError` deliberately has no `Display`: async-graphql converts any
//! `Display` type into an error without extensions, and that must not
//! happen silently to a refusal.

use async_graphql::ErrorExtensions as _;
use keyward_accounts::{AccountsError, ErrorKind};
use keyward_store::StoreError;
use serde_json::{Value, json};

/// Marks a GraphQL error caused by keyward failing (not by the caller).
#[derive(Debug, Clone, Copy)]
pub struct StoreFailure;

/// An Admin API error.
#[derive(Debug, Clone)]
pub struct AdminError(Repr);

#[derive(Debug, Clone)]
enum Repr {
    /// A refusal the caller can act on.
    Api {
        name: &'static str,
        reason: &'static str,
        message: String,
        info: Option<Value>,
    },
    /// keyward failed; already logged.
    Internal,
    /// An error async-graphql made (bad context, a limit).
    Graphql(async_graphql::Error),
}

/// Resolver results.
pub type AdminResult<T> = Result<T, AdminError>;

impl AdminError {
    fn new(name: &'static str, reason: &'static str, message: impl Into<String>) -> Self {
        AdminError(Repr::Api {
            name,
            reason,
            message: message.into(),
            info: None,
        })
    }

    /// Attach `extensions.info`.
    pub fn info(mut self, value: Value) -> Self {
        if let Repr::Api { info, .. } = &mut self.0 {
            *info = Some(value);
        }
        self
    }

    /// `Invalid` / `reason`.
    pub fn invalid(reason: &'static str, message: impl Into<String>) -> Self {
        Self::new("Invalid", reason, message)
    }

    /// `BadRequest` / `reason`.
    pub fn bad_request(reason: &'static str, message: impl Into<String>) -> Self {
        Self::new("BadRequest", reason, message)
    }

    /// `TooManyRequest` / `reason`.
    pub fn too_many_requests(reason: &'static str, message: impl Into<String>) -> Self {
        Self::new("TooManyRequest", reason, message)
    }

    /// `Forbidden` / `reason`.
    pub fn forbidden(reason: &'static str, message: impl Into<String>) -> Self {
        Self::new("Forbidden", reason, message)
    }

    /// `Invalid` / `GetUsersInvalidArgument` (user lookups).
    pub fn get_users_invalid(message: &'static str) -> Self {
        Self::invalid("GetUsersInvalidArgument", message)
    }

    /// The one error a caller sees when keyward itself failed.
    pub fn unexpected() -> Self {
        AdminError(Repr::Internal)
    }

    /// The machine-readable reason (`None` for keyward's own failures).
    pub fn reason(&self) -> Option<&'static str> {
        match &self.0 {
            Repr::Api { reason, .. } => Some(reason),
            _ => None,
        }
    }
}

impl From<AccountsError> for AdminError {
    fn from(e: AccountsError) -> Self {
        let name = match e.kind() {
            ErrorKind::Invalid => "Invalid",
            ErrorKind::NotFound => "NotFound",
            ErrorKind::BadRequest => "BadRequest",
            ErrorKind::Forbidden => "Forbidden",
            ErrorKind::TooManyRequests => "TooManyRequest",
            ErrorKind::Internal => {
                tracing::error!(error = %e, "keyward failed in an Admin API request");
                return AdminError(Repr::Internal);
            }
        };
        AdminError(Repr::Api {
            name,
            reason: e.reason(),
            message: e.to_string(),
            info: e.info(),
        })
    }
}

impl From<StoreError> for AdminError {
    fn from(e: StoreError) -> Self {
        AccountsError::from(e).into()
    }
}

impl From<async_graphql::Error> for AdminError {
    fn from(e: async_graphql::Error) -> Self {
        AdminError(Repr::Graphql(e))
    }
}

impl From<AdminError> for async_graphql::Error {
    fn from(e: AdminError) -> Self {
        match e.0 {
            Repr::Api {
                name,
                reason,
                message,
                info,
            } => async_graphql::Error::new(message).extend_with(|_, ext| {
                ext.set("errorName", name);
                ext.set("reason", reason);
                if let Some(Ok(value)) = info.map(async_graphql::Value::from_json) {
                    ext.set("info", value);
                }
            }),
            Repr::Internal => async_graphql::Error {
                message: "unexpected error".into(),
                source: Some(std::sync::Arc::new(StoreFailure)),
                extensions: None,
            },
            Repr::Graphql(e) => e,
        }
    }
}

/// Whether a response error was keyward's failure.
pub fn is_store_failure(e: &async_graphql::ServerError) -> bool {
    e.source::<StoreFailure>().is_some()
}

/// `Invalid` / `ValidationFailed` with JSON-schema style causes.
pub fn validation(message: &str, causes: Vec<Value>) -> AdminError {
    AdminError::invalid("ValidationFailed", message).info(json!({ "causes": causes }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn extensions(e: AdminError) -> (String, Value) {
        let e: async_graphql::Error = e.into();
        (
            e.message.clone(),
            serde_json::to_value(&e.extensions).unwrap_or_default(),
        )
    }

    #[test]
    fn accounts_refusals_keep_authgear_names() {
        let (message, ext) = extensions(AccountsError::UnknownGroups(vec!["g".into()]).into());
        assert_eq!(message, "unknown group keys");
        assert_eq!(ext["errorName"], "NotFound");
        assert_eq!(ext["reason"], "GroupUnknownKeys");
        assert_eq!(ext["info"]["keys"][0], "g");
        let (_, ext) = extensions(AccountsError::DuplicateRoleKey.into());
        assert_eq!(ext["errorName"], "BadRequest");
    }

    #[test]
    fn keyward_failures_say_nothing_and_are_marked() {
        let e: async_graphql::Error = AdminError::from(StoreError::Corrupt("x".into())).into();
        assert_eq!(e.message, "unexpected error");
        assert!(e.extensions.is_none());
        let server = e.into_server_error(Default::default());
        assert!(is_store_failure(&server));
    }
}
