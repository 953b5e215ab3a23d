//! Admin API errors in Authgear's shape: `errors[].extensions` carries
//! `errorName`, `reason` and (when not empty) `info`. Anything unexpected
//! becomes one generic `unexpected error` with no extensions; the detail
//! goes to the log, never to the caller.

use async_graphql::ErrorExtensions as _;
use keyward_store::StoreError;
use serde_json::{Value, json};

/// An error the caller can act on.
#[derive(Debug, Clone)]
pub struct ApiErr {
    name: &'static str,
    reason: &'static str,
    message: String,
    info: Option<Value>,
}

impl ApiErr {
    fn new(name: &'static str, reason: &'static str, message: impl Into<String>) -> Self {
        ApiErr {
            name,
            reason,
            message: message.into(),
            info: None,
        }
    }

    /// Attach `extensions.info`.
    pub fn info(mut self, info: Value) -> Self {
        self.info = Some(info);
        self
    }

    /// `Invalid` / `reason`.
    pub fn invalid(reason: &'static str, message: impl Into<String>) -> Self {
        Self::new("Invalid", reason, message)
    }

    /// `NotFound` / `reason`.
    pub fn not_found(reason: &'static str, message: impl Into<String>) -> Self {
        Self::new("NotFound", reason, message)
    }

    /// `BadRequest` / `reason`.
    pub fn bad_request(reason: &'static str, message: impl Into<String>) -> Self {
        Self::new("BadRequest", reason, message)
    }

    /// `Forbidden` / `reason`.
    pub fn forbidden(reason: &'static str, message: impl Into<String>) -> Self {
        Self::new("Forbidden", reason, message)
    }

    /// `Invalid` / `Invalid` for an undecodable or wrongly typed node ID.
    pub fn bad_id(what: &str) -> Self {
        Self::invalid("Invalid", format!("invalid {what} ID"))
    }

    /// `Invalid` / `ValidationFailed` with JSON-schema style causes.
    pub fn validation(message: &str, causes: Vec<Value>) -> Self {
        Self::invalid("ValidationFailed", message).info(json!({ "causes": causes }))
    }

    /// `Invalid` / `InvariantViolated` with `cause.kind`.
    pub fn invariant(kind: &str, message: &str) -> Self {
        Self::invalid("InvariantViolated", message).info(json!({ "cause": { "kind": kind } }))
    }

    /// `NotFound` / `UserNotFound`.
    pub fn user_not_found() -> Self {
        Self::not_found("UserNotFound", "user not found")
    }

    /// `NotFound` / `IdentityNotFound`.
    pub fn identity_not_found() -> Self {
        Self::not_found("IdentityNotFound", "identity not found")
    }

    /// `NotFound` / `RoleNotFound`.
    pub fn role_not_found() -> Self {
        Self::not_found("RoleNotFound", "role not found")
    }

    /// `NotFound` / `GroupNotFound`.
    pub fn group_not_found() -> Self {
        Self::not_found("GroupNotFound", "group not found")
    }

    /// `Invalid` / `UserIsAnonymized`.
    pub fn user_is_anonymized() -> Self {
        Self::invalid("UserIsAnonymized", "user is anonymized")
    }

    /// The machine-readable reason.
    pub fn reason(&self) -> &'static str {
        self.reason
    }
}

impl From<ApiErr> for async_graphql::Error {
    fn from(e: ApiErr) -> Self {
        async_graphql::Error::new(e.message.clone()).extend_with(|_, ext| {
            ext.set("errorName", e.name);
            ext.set("reason", e.reason);
            if let Some(Ok(value)) = e.info.clone().map(async_graphql::Value::from_json) {
                ext.set("info", value);
            }
        })
    }
}

/// The store's refusals, as the caller sees them; `None` for failures that
/// are keyward's, not the caller's.
pub fn from_store(e: &StoreError) -> Option<ApiErr> {
    Some(match e {
        StoreError::UserNotFound => ApiErr::user_not_found(),
        StoreError::IdentityNotFound => ApiErr::identity_not_found(),
        StoreError::DuplicateIdentity { login_type } => {
            ApiErr::invalid("InvariantViolated", "identity already exists").info(json!({
                "cause": { "kind": "DuplicatedIdentity" },
                "IdentityTypeIncoming": "login_id",
                "LoginIDTypeIncoming": login_type,
                "IdentityTypeExisting": "login_id",
                "LoginIDTypeExisting": login_type,
            }))
        }
        StoreError::RoleNotFound => ApiErr::role_not_found(),
        StoreError::GroupNotFound => ApiErr::group_not_found(),
        StoreError::DuplicateRoleKey => {
            ApiErr::bad_request("RoleDuplicateKey", "duplicate role key")
        }
        StoreError::DuplicateGroupKey => {
            ApiErr::bad_request("GroupDuplicateKey", "duplicate group key")
        }
        _ => return None,
    })
}

/// The one error a caller sees when keyward itself failed.
pub fn unexpected() -> async_graphql::Error {
    async_graphql::Error::new("unexpected error")
}
