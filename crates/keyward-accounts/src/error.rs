//! The one error type of the accounts core. Every refusal is a variant with
//! a stable machine-readable [`AccountsError::reason`] (Authgear's reason
//! name, because the doors promise Authgear's wire form) and, where the
//! caller needs more, structured [`AccountsError::info`]. Failures that are
//! keyward's own (the store, randomness) are kept apart by
//! [`AccountsError::is_internal`], so a door never shows their detail.

use keyward_store::StoreError;
use serde_json::{Value, json};

/// What kind of refusal an error is; each door maps it to its wire form
/// (GraphQL `errorName`, an HTTP status, an OAuth error).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The input breaks a rule.
    Invalid,
    /// Something named does not exist.
    NotFound,
    /// The request is malformed beyond one field (duplicate keys).
    BadRequest,
    /// The caller may not do this.
    Forbidden,
    /// Too many requests of this kind lately.
    TooManyRequests,
    /// keyward failed, not the caller.
    Internal,
}

/// A refusal or a failure of an accounts operation.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AccountsError {
    /// No such user.
    #[error("user not found")]
    UserNotFound,
    /// No such identity (or not the user's).
    #[error("identity not found")]
    IdentityNotFound,
    /// No such role.
    #[error("role not found")]
    RoleNotFound,
    /// No such group.
    #[error("group not found")]
    GroupNotFound,
    /// The user has no such authenticator.
    #[error("authenticator not found")]
    AuthenticatorNotFound,
    /// Some of the named users do not exist.
    #[error("unknown user ids")]
    UnknownUsers(Vec<String>),
    /// Some of the named roles do not exist.
    #[error("unknown role keys")]
    UnknownRoles(Vec<String>),
    /// Some of the named groups do not exist.
    #[error("unknown group keys")]
    UnknownGroups(Vec<String>),
    /// Some roles named for a group do not exist (Authgear reports these
    /// with the group reason, `GroupUnknownKeys`).
    #[error("unknown role keys")]
    UnknownRolesOfGroup(Vec<String>),
    /// An anonymized user cannot be changed.
    #[error("user is anonymized")]
    UserIsAnonymized,
    /// The login ID is taken.
    #[error("identity already exists")]
    DuplicatedIdentity {
        /// The login ID type (`email`, `phone`, `username`).
        login_type: String,
    },
    /// The role key is taken.
    #[error("duplicate role key")]
    DuplicateRoleKey,
    /// The group key is taken.
    #[error("duplicate group key")]
    DuplicateGroupKey,
    /// The password breaks the policy.
    #[error("password policy violated")]
    PasswordTooShort {
        /// The policy's minimum, in characters.
        min_length: usize,
        /// The password's length, in characters.
        length: usize,
    },
    /// Input failed validation; `causes` in Authgear's JSON-schema shape.
    #[error("{message}")]
    ValidationFailed {
        /// What failed.
        message: String,
        /// One entry per failing location.
        causes: Vec<Value>,
    },
    /// A rule across objects would break (`cause.kind` names it).
    #[error("{message}")]
    InvariantViolated {
        /// Authgear's `cause.kind`.
        kind: &'static str,
        /// What would break.
        message: &'static str,
    },
    /// An identity cannot change its login ID type.
    #[error("invalid identity type")]
    BadIdentityType,
    /// An ID in the input does not name an object of the right type.
    #[error("invalid {0} ID")]
    BadId(&'static str),
    /// The account cannot move from one status to the other.
    #[error("invalid account status transition: {from} -> {to}")]
    StatusTransition {
        /// The current status.
        from: &'static str,
        /// The requested status.
        to: &'static str,
    },
    /// A time window (temporary disable, account valid period) is malformed.
    #[error("invalid account status transition")]
    BadWindow {
        /// Authgear's `cause.kind`.
        kind: &'static str,
    },
    /// keyward has no message transport to reach this user with (no email
    /// configured, or a phone-only user: keyward sends no SMS yet).
    #[error(
        "keyward cannot send this password: no email transport is configured (keyward serve --smtp-url) or the user has only a phone number; omit sendPassword and deliver the password yourself"
    )]
    SendPasswordUnsupported,
    /// The user has no email or phone to send a password to.
    #[error("no target to send the password")]
    SendPasswordNoTarget,
    /// No such OAuth client (Authgear's message; the ID is the caller's).
    #[error("client not found")]
    ClientNotFound(String),
    /// No such session.
    #[error("session not found")]
    SessionNotFound,
    /// No such authorization.
    #[error("authorization not found")]
    AuthorizationNotFound,
    /// `createSession` is off for the project (Authgear's default).
    #[error("CreateSession is disabled")]
    CreateSessionDisabled,
    /// `createSession` names no client of the project.
    #[error("invalid client ID")]
    InvalidClientId,
    /// `createSession` for a third-party or machine-to-machine client.
    #[error("cannot create session for non-first party client")]
    NotFirstPartyClient,
    /// No API resource with that URI.
    #[error("resource not found")]
    ResourceNotFound,
    /// The resource URI is taken.
    #[error("duplicate resource uri")]
    DuplicateResourceUri,
    /// The resource has no such scope.
    #[error("scope not found")]
    ScopeNotFound,
    /// The resource has that scope already.
    #[error("duplicate scope")]
    DuplicateScope,
    /// The client is not linked to the resource.
    #[error("resource is not associated with the client")]
    ResourceNotAssociatedWithClient,
    /// The user has an authenticator like this one already.
    #[error("duplicated authenticator")]
    DuplicatedAuthenticator {
        /// `password`, `oob_otp_email` or `oob_otp_sms`.
        kind_of: &'static str,
    },
    /// An MFA grace period must end between now and 90 days from now.
    #[error("MFA grace period is invalid")]
    MfaGracePeriodInvalid,
    /// Too many messages to this recipient or from this project lately.
    #[error("request rate limited")]
    RateLimited,
    /// An imported password hash keyward cannot use (the message says why,
    /// in Go's bcrypt wording where Authgear's import uses it).
    #[error("{0}")]
    InvalidBcryptHash(String),
    /// An imported TOTP secret is not base32 (RFC 4648, no padding).
    #[error("invalid TOTP secret: it must be base32 (RFC 4648) without padding")]
    InvalidTotpSecret,
    /// Storing a TOTP secret needs the master key, and this server has none.
    #[error(
        "this server has no master key, so it cannot store TOTP secrets: run keyward with its master key"
    )]
    MasterKeyRequired,
    /// Two CSV columns of an export would have the same header.
    #[error("field names are not unique")]
    NonUniqueFieldNames(Vec<String>),
    /// The store failed (keyward's failure; detail for the log only).
    #[error("store failure: {0}")]
    Store(StoreError),
    /// Something else of keyward's failed (randomness, a hashing thread).
    #[error("internal failure: {0}")]
    Internal(String),
}

impl AccountsError {
    /// `ValidationFailed` with JSON-schema style causes.
    pub fn validation(message: &str, causes: Vec<Value>) -> Self {
        AccountsError::ValidationFailed {
            message: message.to_owned(),
            causes,
        }
    }

    /// The stable machine-readable reason (Authgear's name for it).
    pub fn reason(&self) -> &'static str {
        use AccountsError::*;
        match self {
            UserNotFound => "UserNotFound",
            IdentityNotFound => "IdentityNotFound",
            RoleNotFound => "RoleNotFound",
            GroupNotFound => "GroupNotFound",
            AuthenticatorNotFound => "AuthenticatorNotFound",
            UnknownUsers(_) => "UserUnknownKeys",
            UnknownRoles(_) => "RoleUnknownKeys",
            UnknownGroups(_) | UnknownRolesOfGroup(_) => "GroupUnknownKeys",
            UserIsAnonymized => "UserIsAnonymized",
            DuplicatedIdentity { .. }
            | InvariantViolated { .. }
            | DuplicatedAuthenticator { .. } => "InvariantViolated",
            MfaGracePeriodInvalid => "MFAGracePeriodInvalid",
            RateLimited => "RateLimited",
            InvalidBcryptHash(_) => "InvalidBcryptHash",
            InvalidTotpSecret => "InvalidTOTPSecret",
            NonUniqueFieldNames(_) => "UserExportNonUniqueFieldNames",
            MasterKeyRequired => "MasterKeyRequired",
            DuplicateRoleKey => "RoleDuplicateKey",
            DuplicateGroupKey => "GroupDuplicateKey",
            PasswordTooShort { .. } => "PasswordPolicyViolated",
            ValidationFailed { .. } => "ValidationFailed",
            BadId(_) | BadIdentityType => "Invalid",
            StatusTransition { .. } | BadWindow { .. } => "InvalidAccountStatusTransition",
            SendPasswordUnsupported => "SendPasswordUnsupported",
            SendPasswordNoTarget => "SendPasswordNoTarget",
            ClientNotFound(_) => "ClientNotFound",
            SessionNotFound => "SessionNotFound",
            AuthorizationNotFound => "AuthorizationNotFound",
            CreateSessionDisabled | NotFirstPartyClient => "Forbidden",
            InvalidClientId => "Invalid",
            ResourceNotFound => "ResourceNotFound",
            DuplicateResourceUri => "ResourceDuplicateURI",
            ScopeNotFound => "ScopeNotFound",
            DuplicateScope => "ScopeDuplicate",
            ResourceNotAssociatedWithClient => "ResourceNotAssociatedWithClient",
            Store(_) | Internal(_) => "InternalError",
        }
    }

    /// The kind of refusal.
    pub fn kind(&self) -> ErrorKind {
        use AccountsError::*;
        match self {
            UserNotFound
            | IdentityNotFound
            | RoleNotFound
            | GroupNotFound
            | AuthenticatorNotFound
            | UnknownUsers(_)
            | UnknownRoles(_)
            | UnknownGroups(_)
            | UnknownRolesOfGroup(_)
            | ClientNotFound(_)
            | SessionNotFound
            | ResourceNotFound
            | ScopeNotFound
            | AuthorizationNotFound => ErrorKind::NotFound,
            CreateSessionDisabled | NotFirstPartyClient => ErrorKind::Forbidden,
            DuplicateRoleKey | DuplicateGroupKey | DuplicateResourceUri | DuplicateScope => {
                ErrorKind::BadRequest
            }
            ResourceNotAssociatedWithClient | MasterKeyRequired => ErrorKind::Forbidden,
            RateLimited => ErrorKind::TooManyRequests,
            Store(_) | Internal(_) => ErrorKind::Internal,
            _ => ErrorKind::Invalid,
        }
    }

    /// Whether this is keyward's failure rather than the caller's.
    pub fn is_internal(&self) -> bool {
        self.kind() == ErrorKind::Internal
    }

    /// Structured detail for the caller, in Authgear's `info` shape.
    pub fn info(&self) -> Option<Value> {
        use AccountsError::*;
        Some(match self {
            UnknownUsers(ids) => json!({ "ids": ids }),
            NonUniqueFieldNames(names) => json!({ "field_names": names }),
            UnknownRoles(keys) | UnknownGroups(keys) | UnknownRolesOfGroup(keys) => {
                json!({ "keys": keys })
            }
            DuplicatedIdentity { login_type } => json!({
                "cause": { "kind": "DuplicatedIdentity" },
                "IdentityTypeIncoming": "login_id",
                "LoginIDTypeIncoming": login_type,
                "IdentityTypeExisting": "login_id",
                "LoginIDTypeExisting": login_type,
            }),
            DuplicatedAuthenticator { kind_of } => json!({
                "cause": { "kind": "DuplicatedAuthenticator", "AuthenticatorType": kind_of }
            }),
            InvariantViolated { kind, .. } | BadWindow { kind } => {
                json!({ "cause": { "kind": kind } })
            }
            PasswordTooShort { min_length, length } => json!({
                "causes": [{"Name": "PasswordTooShort", "Info": {"min_length": min_length, "pw_length": length}}]
            }),
            ValidationFailed { causes, .. } => json!({ "causes": causes }),
            StatusTransition { from, to } => json!({ "from": from, "to": to }),
            _ => return None,
        })
    }
}

impl From<StoreError> for AccountsError {
    /// The store's refusals keep their meaning; anything else is keyward's.
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::UserNotFound => AccountsError::UserNotFound,
            StoreError::IdentityNotFound => AccountsError::IdentityNotFound,
            StoreError::DuplicateIdentity { login_type } => {
                AccountsError::DuplicatedIdentity { login_type }
            }
            StoreError::RoleNotFound => AccountsError::RoleNotFound,
            StoreError::GroupNotFound => AccountsError::GroupNotFound,
            StoreError::DuplicateRoleKey => AccountsError::DuplicateRoleKey,
            StoreError::DuplicateGroupKey => AccountsError::DuplicateGroupKey,
            StoreError::ClientNotFound(id) => AccountsError::ClientNotFound(id),
            StoreError::DuplicateResourceUri => AccountsError::DuplicateResourceUri,
            StoreError::DuplicateScope => AccountsError::DuplicateScope,
            other => AccountsError::Store(other),
        }
    }
}

/// Results of the accounts core.
pub type Result<T, E = AccountsError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_refusals_keep_their_reason_and_failures_are_internal() {
        let e: AccountsError = StoreError::DuplicateIdentity {
            login_type: "email".into(),
        }
        .into();
        assert_eq!(e.reason(), "InvariantViolated");
        assert_eq!(
            e.info().unwrap()["cause"]["kind"],
            json!("DuplicatedIdentity")
        );
        assert!(!e.is_internal());
        let e: AccountsError = StoreError::Corrupt("down".into()).into();
        assert!(e.is_internal());
        assert_eq!(e.reason(), "InternalError");
    }

    #[test]
    fn every_not_found_is_not_found() {
        for e in [
            AccountsError::UserNotFound,
            AccountsError::UnknownGroups(vec!["g".into()]),
        ] {
            assert_eq!(e.kind(), ErrorKind::NotFound);
        }
        assert_eq!(
            AccountsError::UnknownGroups(vec!["g".into()]).info(),
            Some(json!({"keys": ["g"]}))
        );
    }
}
