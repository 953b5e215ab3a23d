//! [`AuditEvent`]: everything keyward records, each variant with its
//! Authgear activity type (or none, for keyward's operator events), its
//! stored type name and its payload, written once.

use keyward_store::Catalog;
use serde_json::{Value, json};

use crate::activity::ActivityType;

/// How an Admin API key changed in the portal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyChange {
    /// Generated in keyward.
    Generated,
    /// A public key uploaded.
    Uploaded,
    /// Enabled again.
    Enabled,
    /// Disabled.
    Disabled,
    /// Deleted.
    Deleted,
    /// The private key handed out.
    Downloaded,
}

/// The resource and scope events (Authgear's §7 mutations).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceActivity {
    /// `createResource`.
    CreateResource,
    /// `updateResource`.
    UpdateResource,
    /// `deleteResource`.
    DeleteResource,
    /// `createScope`.
    CreateScope,
    /// `updateScope`.
    UpdateScope,
    /// `deleteScope`.
    DeleteScope,
    /// `addResourceToClientID`.
    AddResourceToClient,
    /// `removeResourceFromClientID`.
    RemoveResourceFromClient,
    /// `addScopesToClientID`.
    AddScopesToClient,
    /// `removeScopesFromClientID`.
    RemoveScopesFromClient,
    /// `replaceScopesOfClientID`.
    ReplaceScopesOfClient,
}

impl ResourceActivity {
    fn activity_type(self) -> ActivityType {
        use ActivityType as A;
        use ResourceActivity::*;
        match self {
            CreateResource => A::AdminApiMutationCreateResourceExecuted,
            UpdateResource => A::AdminApiMutationUpdateResourceExecuted,
            DeleteResource => A::AdminApiMutationDeleteResourceExecuted,
            CreateScope => A::AdminApiMutationCreateScopeExecuted,
            UpdateScope => A::AdminApiMutationUpdateScopeExecuted,
            DeleteScope => A::AdminApiMutationDeleteScopeExecuted,
            AddResourceToClient => A::AdminApiMutationAddResourceToClientidExecuted,
            RemoveResourceFromClient => A::AdminApiMutationRemoveResourceFromClientidExecuted,
            AddScopesToClient => A::AdminApiMutationAddScopesToClientidExecuted,
            RemoveScopesFromClient => A::AdminApiMutationRemoveScopesFromClientidExecuted,
            ReplaceScopesOfClient => A::AdminApiMutationReplaceScopesOfClientidExecuted,
        }
    }
}

/// Everything keyward records.
#[derive(Debug, Clone)]
pub enum AuditEvent {
    /// `createUser`.
    CreateUser {
        /// The user after the change ([`user_snapshot`]).
        user: Value,
        /// The login ID type.
        login_key: &'static str,
        /// Its normalized value.
        login_value: String,
    },
    /// `updateUser`.
    UpdateUser {
        /// The user after the change.
        user: Value,
    },
    /// `deleteUser`.
    DeleteUser {
        /// The user before deletion.
        user: Value,
        /// The caller's reason.
        reason: Option<String>,
    },
    /// `anonymizeUser`.
    AnonymizeUser {
        /// The user's global ID.
        user_id: String,
    },
    /// `setDisabledStatus`.
    SetDisabledStatus {
        /// Disabled or enabled.
        is_disabled: bool,
        /// The reason given.
        reason: Option<String>,
    },
    /// `setVerifiedStatus`.
    SetVerifiedStatus {
        /// The claim.
        claim_name: String,
        /// Its value.
        claim_value: String,
        /// Verified or not.
        is_verified: bool,
    },
    /// `resetPassword`.
    ResetPassword {
        /// Whether the new password must be changed at next sign-in.
        set_password_expired: bool,
    },
    /// `setPasswordExpired`.
    SetPasswordExpired {
        /// Expired or not.
        expired: bool,
    },
    /// `scheduleAccountDeletion`.
    ScheduleAccountDeletion {
        /// The caller's reason.
        reason: Option<String>,
        /// When, Unix microseconds.
        delete_at: Option<i64>,
    },
    /// `unscheduleAccountDeletion`.
    UnscheduleAccountDeletion,
    /// `createIdentity`.
    CreateIdentity {
        /// The identity's global ID.
        id: String,
        /// Its login ID type.
        login_type: String,
        /// Its value.
        value: String,
    },
    /// `updateIdentity`.
    UpdateIdentity {
        /// The identity's global ID.
        id: String,
        /// Its login ID type.
        login_type: String,
        /// The value before.
        old_value: String,
        /// The value after.
        new_value: String,
    },
    /// `deleteIdentity`.
    DeleteIdentity {
        /// The identity's global ID.
        id: String,
        /// Its login ID type.
        login_type: String,
        /// Its value.
        value: String,
    },
    /// `createRole` / `createGroup`.
    CreateEntry {
        /// Roles or groups.
        catalog: Catalog,
        /// The new entry ([`entry_snapshot`]).
        entry: Value,
    },
    /// `updateRole` / `updateGroup`.
    UpdateEntry {
        /// Roles or groups.
        catalog: Catalog,
        /// Before.
        original: Value,
        /// After.
        new: Value,
    },
    /// `deleteRole` / `deleteGroup`.
    DeleteEntry {
        /// Roles or groups.
        catalog: Catalog,
        /// The deleted entry.
        entry: Value,
    },
    /// `add/remove{Role,Group}{To,From}Users`.
    EntryUsers {
        /// Roles or groups.
        catalog: Catalog,
        /// Added or removed.
        add: bool,
        /// The role or group key.
        key: String,
        /// The users' global IDs.
        user_ids: Vec<String>,
    },
    /// `add/removeRole{To,From}Groups`.
    RoleGroups {
        /// Added or removed.
        add: bool,
        /// The role key.
        role_key: String,
        /// The group keys.
        group_keys: Vec<String>,
    },
    /// `add/removeUser{To,From}{Roles,Groups}`.
    UserEntries {
        /// Roles or groups.
        catalog: Catalog,
        /// Added or removed.
        add: bool,
        /// The user's global ID.
        user_id: String,
        /// The global IDs of the known roles or groups.
        entry_ids: Vec<String>,
    },
    /// `add/removeGroup{To,From}Roles`.
    GroupRoles {
        /// Added or removed.
        add: bool,
        /// The group's global ID.
        group_id: String,
        /// The roles' global IDs.
        role_ids: Vec<String>,
    },
    /// `scheduleAccountAnonymization`.
    ScheduleAccountAnonymization {
        /// The user after the change.
        user: Value,
    },
    /// `unscheduleAccountAnonymization`.
    UnscheduleAccountAnonymization {
        /// The user after the change.
        user: Value,
    },
    /// `user.anonymization_scheduled`, before the Admin API's entry.
    AnonymizationScheduled {
        /// The user after the change.
        user: Value,
    },
    /// `user.anonymization_unscheduled`, before the Admin API's entry.
    AnonymizationUnscheduled {
        /// The user after the change.
        user: Value,
    },
    /// `setAccountValidFrom` / `…Until` / `…Period`.
    SetAccountValidPeriod {
        /// The user after the change.
        user: Value,
        /// Which mutation, with its input (Unix microseconds).
        change: crate::users::ValidPeriodChange,
    },
    /// A scheduled anonymization was carried out.
    UserAnonymized {
        /// The user after anonymization.
        user: Value,
    },
    /// A scheduled deletion was carried out.
    UserDeleted {
        /// The user before deletion.
        user: Value,
    },
    /// `deleteAuthorization` (no user on the entry, as in Authgear).
    DeleteAuthorization {
        /// The deleted authorization.
        authorization: Value,
    },
    /// `createSession`.
    CreateSession {
        /// The user.
        user: Value,
        /// The session created.
        session: Value,
    },
    /// `sendResetPasswordMessage` (no user on the entry, as in Authgear).
    SendResetPasswordMessage {
        /// The login ID given.
        login_id: String,
    },
    /// A queued message was delivered (`email.sent`, `sms.sent`) or given
    /// up (`email.error`, `sms.error`).
    MessageDelivery {
        /// `email` or `sms`.
        sms: bool,
        /// To whom.
        recipient: String,
        /// What (`forgot_password`).
        kind: String,
        /// Why it was given up.
        error: Option<String>,
    },
    /// A resource, scope or client association changed (no user).
    Resources {
        /// Which.
        activity: ResourceActivity,
        /// Authgear's payload for it.
        payload: Value,
    },
    /// An access token issued to a machine-to-machine client.
    M2mTokenCreated {
        /// The client.
        client_id: String,
        /// The resource (`aud`).
        resource: String,
        /// The granted scopes.
        scopes: Vec<String>,
    },
    /// An Admin API key changed in the portal.
    PortalKey {
        /// How.
        change: KeyChange,
        /// The key.
        kid: String,
    },
    /// A temporary Admin API token was minted in the portal's explorer.
    PortalAccessTokenCreated {
        /// The key that signed it.
        kid: String,
    },
    /// A project's rate limits changed in the portal.
    PortalLimitsUpdated,
    /// An application (OAuth client) changed in the portal.
    PortalOAuthClient {
        /// `created`, `deleted` or `secret_rotated`.
        action: &'static str,
        /// The client ID.
        client_id: String,
    },
    /// A user signed in.
    UserAuthenticated {
        /// The user ([`user_snapshot`]).
        user: Value,
        /// The session or grant created (`idp:<id>` / `offline_grant:<id>`).
        session: String,
    },
    /// A wrong password.
    PasswordFailed,
    /// A login ID that names nobody.
    LoginIdFailed {
        /// What was typed (at most 320 characters).
        login_id: String,
    },
    /// A correct password for an account that may not sign in.
    AuthenticationBlocked {
        /// [`crate::status::SignInRefusal::reason`].
        reason: &'static str,
    },
    /// A user signed out (revoke, end_session, the account page).
    SignedOut {
        /// The session or grant ended.
        session: String,
    },
    /// Sessions ended by the Admin API or the user's account page.
    SessionTerminated {
        /// `individual` or `all`.
        termination_type: &'static str,
        /// The sessions ended.
        sessions: Vec<String>,
    },
    /// `resetAccountLockout`.
    ResetAccountLockout,
    /// `revokeSession`.
    RevokeSession {
        /// The session's global ID.
        session_id: String,
    },
    /// `revokeAllSessions`.
    RevokeAllSessions,
    /// `createAuthenticator`.
    CreateAuthenticator {
        /// The user.
        user: Value,
        /// The authenticator created.
        authenticator: Value,
    },
    /// `deleteAuthenticator`.
    DeleteAuthenticator {
        /// The user.
        user: Value,
        /// The authenticator deleted.
        authenticator: Value,
    },
    /// `generateOOBOTPCode` (the code is not recorded; no user).
    GenerateOobOtpCode {
        /// The target given.
        target: String,
        /// `login` or `verification`.
        purpose: &'static str,
    },
    /// A wrong second factor at sign-in.
    SecondFactorFailed {
        /// Which.
        method: crate::mfa::Method,
    },
    /// An end user signed up (`user.created`).
    SignedUp {
        /// The user ([`user_snapshot`]).
        user: Value,
    },
}

impl AuditEvent {
    /// Authgear's activity type of this event; `None` for keyward's own
    /// operator events.
    pub fn activity_type(&self) -> Option<ActivityType> {
        use ActivityType as A;
        use AuditEvent::*;
        let roles = |catalog: &Catalog, role: A, group: A| match catalog {
            Catalog::Roles => role,
            Catalog::Groups => group,
        };
        Some(match self {
            CreateUser { .. } => A::AdminApiMutationCreateUserExecuted,
            UpdateUser { .. } => A::AdminApiMutationUpdateUserExecuted,
            DeleteUser { .. } => A::AdminApiMutationDeleteUserExecuted,
            AnonymizeUser { .. } => A::AdminApiMutationAnonymizeUserExecuted,
            SetDisabledStatus { .. } => A::AdminApiMutationSetDisabledStatusExecuted,
            SetVerifiedStatus { .. } => A::AdminApiMutationSetVerifiedStatusExecuted,
            ResetPassword { .. } => A::AdminApiMutationResetPasswordExecuted,
            SetPasswordExpired { .. } => A::AdminApiMutationSetPasswordExpiredExecuted,
            ScheduleAccountDeletion { .. } => A::AdminApiMutationScheduleAccountDeletionExecuted,
            UnscheduleAccountDeletion => A::AdminApiMutationUnscheduleAccountDeletionExecuted,
            CreateIdentity { .. } => A::AdminApiMutationCreateIdentityExecuted,
            UpdateIdentity { .. } => A::AdminApiMutationUpdateIdentityExecuted,
            DeleteIdentity { .. } => A::AdminApiMutationDeleteIdentityExecuted,
            CreateEntry { catalog, .. } => roles(
                catalog,
                A::AdminApiMutationCreateRoleExecuted,
                A::AdminApiMutationCreateGroupExecuted,
            ),
            UpdateEntry { catalog, .. } => roles(
                catalog,
                A::AdminApiMutationUpdateRoleExecuted,
                A::AdminApiMutationUpdateGroupExecuted,
            ),
            DeleteEntry { catalog, .. } => roles(
                catalog,
                A::AdminApiMutationDeleteRoleExecuted,
                A::AdminApiMutationDeleteGroupExecuted,
            ),
            EntryUsers { catalog, add, .. } => match (catalog, add) {
                (Catalog::Roles, true) => A::AdminApiMutationAddRoleToUsersExecuted,
                (Catalog::Roles, false) => A::AdminApiMutationRemoveRoleFromUsersExecuted,
                (Catalog::Groups, true) => A::AdminApiMutationAddGroupToUsersExecuted,
                (Catalog::Groups, false) => A::AdminApiMutationRemoveGroupFromUsersExecuted,
            },
            RoleGroups { add: true, .. } => A::AdminApiMutationAddRoleToGroupsExecuted,
            RoleGroups { add: false, .. } => A::AdminApiMutationRemoveRoleFromGroupsExecuted,
            UserEntries { catalog, add, .. } => match (catalog, add) {
                (Catalog::Roles, true) => A::AdminApiMutationAddUserToRolesExecuted,
                (Catalog::Roles, false) => A::AdminApiMutationRemoveUserFromRolesExecuted,
                (Catalog::Groups, true) => A::AdminApiMutationAddUserToGroupsExecuted,
                (Catalog::Groups, false) => A::AdminApiMutationRemoveUserFromGroupsExecuted,
            },
            GroupRoles { add: true, .. } => A::AdminApiMutationAddGroupToRolesExecuted,
            GroupRoles { add: false, .. } => A::AdminApiMutationRemoveGroupFromRolesExecuted,
            ScheduleAccountAnonymization { .. } => {
                A::AdminApiMutationScheduleAccountAnonymizationExecuted
            }
            UnscheduleAccountAnonymization { .. } => {
                A::AdminApiMutationUnscheduleAccountAnonymizationExecuted
            }
            AnonymizationScheduled { .. } => A::UserAnonymizationScheduled,
            AnonymizationUnscheduled { .. } => A::UserAnonymizationUnscheduled,
            SetAccountValidPeriod { change, .. } => match change {
                crate::users::ValidPeriodChange::From(_) => {
                    A::AdminApiMutationSetAccountValidFromExecuted
                }
                crate::users::ValidPeriodChange::Until(_) => {
                    A::AdminApiMutationSetAccountValidUntilExecuted
                }
                crate::users::ValidPeriodChange::Period(..) => {
                    A::AdminApiMutationSetAccountValidPeriodExecuted
                }
            },
            UserAnonymized { .. } => A::UserAnonymized,
            Resources { activity, .. } => activity.activity_type(),
            SendResetPasswordMessage { .. } => A::AdminApiMutationSendResetPasswordMessageExecuted,
            MessageDelivery {
                sms: false,
                error: None,
                ..
            } => A::EmailSent,
            MessageDelivery {
                sms: false,
                error: Some(_),
                ..
            } => A::EmailError,
            MessageDelivery {
                sms: true,
                error: None,
                ..
            } => A::SmsSent,
            MessageDelivery {
                sms: true,
                error: Some(_),
                ..
            } => A::SmsError,
            CreateAuthenticator { .. } => A::AdminApiMutationCreateAuthenticatorExecuted,
            DeleteAuthenticator { .. } => A::AdminApiMutationDeleteAuthenticatorExecuted,
            GenerateOobOtpCode { .. } => A::AdminApiMutationGenerateOobOtpCodeExecuted,
            SecondFactorFailed { method } => method.failed_activity(),
            SignedUp { .. } => A::UserCreated,
            DeleteAuthorization { .. } => A::AdminApiMutationDeleteAuthorizationExecuted,
            CreateSession { .. } => A::AdminApiMutationCreateSessionExecuted,
            M2mTokenCreated { .. } => A::M2mTokenCreated,
            UserDeleted { .. } => A::UserDeleted,
            UserAuthenticated { .. } => A::UserAuthenticated,
            PasswordFailed => A::AuthenticationPrimaryPasswordFailed,
            LoginIdFailed { .. } => A::AuthenticationIdentityLoginIdFailed,
            AuthenticationBlocked { .. } => A::AuthenticationBlocked,
            SignedOut { .. } => A::UserSignedOut,
            SessionTerminated { .. } => A::UserSessionTerminated,
            ResetAccountLockout => A::AdminApiMutationResetAccountLockoutExecuted,
            RevokeSession { .. } => A::AdminApiMutationRevokeSessionExecuted,
            RevokeAllSessions => A::AdminApiMutationRevokeAllSessionsExecuted,
            PortalKey { .. }
            | PortalAccessTokenCreated { .. }
            | PortalLimitsUpdated
            | PortalOAuthClient { .. } => {
                return None;
            }
        })
    }

    /// The stored type name.
    pub fn type_name(&self) -> &'static str {
        if let Some(activity) = self.activity_type() {
            return activity.event();
        }
        match self {
            AuditEvent::PortalKey { change, .. } => match change {
                KeyChange::Generated => "portal.admin_api_key.generated",
                KeyChange::Uploaded => "portal.admin_api_key.uploaded",
                KeyChange::Enabled => "portal.admin_api_key.enabled",
                KeyChange::Disabled => "portal.admin_api_key.disabled",
                KeyChange::Deleted => "portal.admin_api_key.deleted",
                KeyChange::Downloaded => "portal.admin_api_key.downloaded",
            },
            AuditEvent::PortalAccessTokenCreated { .. } => "portal.access_token.created",
            AuditEvent::PortalOAuthClient { action, .. } => match *action {
                "created" => "portal.oauth_client.created",
                "deleted" => "portal.oauth_client.deleted",
                _ => "portal.oauth_client.secret_rotated",
            },
            _ => "portal.limits.updated",
        }
    }

    /// The key an operator event is about.
    pub(crate) fn kid(&self) -> Option<&str> {
        match self {
            AuditEvent::PortalKey { kid, .. } | AuditEvent::PortalAccessTokenCreated { kid } => {
                Some(kid)
            }
            _ => None,
        }
    }

    /// The event's payload, in Authgear's shape for Authgear's events.
    pub fn payload(&self) -> Value {
        use AuditEvent::*;
        let noun = |catalog: &Catalog| match catalog {
            Catalog::Roles => "role",
            Catalog::Groups => "group",
        };
        match self {
            CreateUser {
                user,
                login_key,
                login_value,
            } => json!({"user": user, "login_id": {"key": login_key, "value": login_value}}),
            UpdateUser { user }
            | ScheduleAccountAnonymization { user }
            | UnscheduleAccountAnonymization { user }
            | AnonymizationScheduled { user }
            | AnonymizationUnscheduled { user }
            | UserAnonymized { user }
            | UserDeleted { user } => json!({ "user": user }),
            SetAccountValidPeriod { user, change } => {
                let iso = |t: &Option<i64>| t.map(crate::clock::rfc3339);
                match change {
                    crate::users::ValidPeriodChange::From(from) => {
                        json!({"user": user, "account_valid_from": iso(from)})
                    }
                    crate::users::ValidPeriodChange::Until(until) => {
                        json!({"user": user, "account_valid_until": iso(until)})
                    }
                    crate::users::ValidPeriodChange::Period(from, until) => json!({
                        "user": user,
                        "account_valid_from": iso(from),
                        "account_valid_until": iso(until),
                    }),
                }
            }
            DeleteUser { user, reason } => json!({"user": user, "reason": reason}),
            AnonymizeUser { user_id } => json!({ "user_id": user_id }),
            SetDisabledStatus {
                is_disabled,
                reason,
            } => json!({"is_disabled": is_disabled, "reason": reason}),
            SetVerifiedStatus {
                claim_name,
                claim_value,
                is_verified,
            } => {
                json!({"claim_name": claim_name, "claim_value": claim_value, "is_verified": is_verified})
            }
            ResetPassword {
                set_password_expired,
            } => json!({ "set_password_expired": set_password_expired }),
            SetPasswordExpired { expired } => json!({ "expired": expired }),
            ScheduleAccountDeletion { reason, delete_at } => {
                json!({"reason": reason, "delete_at": delete_at})
            }
            UnscheduleAccountDeletion
            | PortalLimitsUpdated
            | PasswordFailed
            | ResetAccountLockout
            | RevokeAllSessions => json!({}),
            UserAuthenticated { user, session } => {
                json!({"user": user, "session": {"id": session}})
            }
            AuthenticationBlocked { reason } => json!({ "reason": reason }),
            LoginIdFailed { login_id } => json!({ "login_id": login_id }),
            SignedOut { session } => json!({"session": {"id": session}}),
            SessionTerminated {
                termination_type,
                sessions,
            } => json!({"termination_type": termination_type, "sessions": sessions}),
            RevokeSession { session_id } => json!({ "session_id": session_id }),
            CreateIdentity {
                id,
                login_type,
                value,
            }
            | DeleteIdentity {
                id,
                login_type,
                value,
            } => json!({"identity": {"id": id, "type": login_type, "value": value}}),
            UpdateIdentity {
                id,
                login_type,
                old_value,
                new_value,
            } => json!({"identity": {
                "id": id, "type": login_type, "old_value": old_value, "new_value": new_value,
            }}),
            CreateEntry { catalog, entry } | DeleteEntry { catalog, entry } => {
                json!({ noun(catalog): entry })
            }
            UpdateEntry { original, new, .. } => json!({"original": original, "new": new}),
            EntryUsers { key, user_ids, .. } => json!({"key": key, "user_ids": user_ids}),
            RoleGroups {
                role_key,
                group_keys,
                ..
            } => json!({"role_key": role_key, "group_keys": group_keys}),
            UserEntries {
                catalog,
                user_id,
                entry_ids,
                ..
            } => match catalog {
                Catalog::Roles => json!({"user_id": user_id, "role_ids": entry_ids}),
                Catalog::Groups => json!({"user_id": user_id, "group_ids": entry_ids}),
            },
            GroupRoles {
                group_id, role_ids, ..
            } => json!({"group_id": group_id, "role_ids": role_ids}),
            Resources { payload, .. } => payload.clone(),
            SendResetPasswordMessage { login_id } => json!({ "login_id": login_id }),
            MessageDelivery {
                recipient,
                kind,
                error,
                ..
            } => json!({"recipient": recipient, "type": kind, "error": error}),
            CreateAuthenticator {
                user,
                authenticator,
            }
            | DeleteAuthenticator {
                user,
                authenticator,
            } => json!({"user": user, "authenticator": authenticator}),
            GenerateOobOtpCode { target, purpose } => {
                json!({"target": target, "purpose": purpose})
            }
            SecondFactorFailed { .. } => json!({}),
            SignedUp { user } => json!({ "user": user }),
            DeleteAuthorization { authorization } => json!({ "authorization": authorization }),
            CreateSession { user, session } => json!({"user": user, "session": session}),
            M2mTokenCreated {
                client_id,
                resource,
                scopes,
            } => json!({"client_id": client_id, "resource": resource, "scopes": scopes}),
            PortalKey { kid, .. } | PortalAccessTokenCreated { kid } => json!({ "kid": kid }),
            PortalOAuthClient { client_id, .. } => json!({ "client_id": client_id }),
        }
    }
}
