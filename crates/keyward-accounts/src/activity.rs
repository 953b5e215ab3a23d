//! Activity types: every event type Authgear names (Appendix A of the
//! compatibility spec), listed once in [`for_each_activity_type!`] and
//! expanded into [`ActivityType`] here and into the GraphQL enum by the
//! Admin API, so the two cannot drift. keyward writes the
//! `admin_api.mutation.*` ones (see [`crate::audit::AuditEvent`]).

/// Calls `$callback! { Variant = "event.type", … }` with every Authgear
/// activity type, in the order of Authgear's enum. A GraphQL name that the
/// variant's SCREAMING_SNAKE_CASE would not give is written after `as`.
#[macro_export]
macro_rules! for_each_activity_type {
    ($callback:ident) => {
        $callback! {
            AdminApiMutationAddGroupToRolesExecuted = "admin_api.mutation.add_group_to_roles.executed",
            AdminApiMutationAddGroupToUsersExecuted = "admin_api.mutation.add_group_to_users.executed",
            AdminApiMutationAddResourceToClientidExecuted = "admin_api.mutation.add_resource_to_clientid.executed",
            AdminApiMutationAddRoleToGroupsExecuted = "admin_api.mutation.add_role_to_groups.executed",
            AdminApiMutationAddRoleToUsersExecuted = "admin_api.mutation.add_role_to_users.executed",
            AdminApiMutationAddScopesToClientidExecuted = "admin_api.mutation.add_scopes_to_clientid.executed",
            AdminApiMutationAddUserToGroupsExecuted = "admin_api.mutation.add_user_to_groups.executed",
            AdminApiMutationAddUserToRolesExecuted = "admin_api.mutation.add_user_to_roles.executed",
            AdminApiMutationAnonymizeUserExecuted = "admin_api.mutation.anonymize_user.executed",
            AdminApiMutationCreateAuthenticatorExecuted = "admin_api.mutation.create_authenticator.executed",
            AdminApiMutationCreateGroupExecuted = "admin_api.mutation.create_group.executed",
            AdminApiMutationCreateIdentityExecuted = "admin_api.mutation.create_identity.executed",
            AdminApiMutationCreateResourceExecuted = "admin_api.mutation.create_resource.executed",
            AdminApiMutationCreateRoleExecuted = "admin_api.mutation.create_role.executed",
            AdminApiMutationCreateScopeExecuted = "admin_api.mutation.create_scope.executed",
            AdminApiMutationCreateSessionExecuted = "admin_api.mutation.create_session.executed",
            AdminApiMutationCreateUserExecuted = "admin_api.mutation.create_user.executed",
            AdminApiMutationDeleteAuthenticatorExecuted = "admin_api.mutation.delete_authenticator.executed",
            AdminApiMutationDeleteAuthorizationExecuted = "admin_api.mutation.delete_authorization.executed",
            AdminApiMutationDeleteGroupExecuted = "admin_api.mutation.delete_group.executed",
            AdminApiMutationDeleteIdentityExecuted = "admin_api.mutation.delete_identity.executed",
            AdminApiMutationDeleteResourceExecuted = "admin_api.mutation.delete_resource.executed",
            AdminApiMutationDeleteRoleExecuted = "admin_api.mutation.delete_role.executed",
            AdminApiMutationDeleteScopeExecuted = "admin_api.mutation.delete_scope.executed",
            AdminApiMutationDeleteUserExecuted = "admin_api.mutation.delete_user.executed",
            AdminApiMutationGenerateOobOtpCodeExecuted = "admin_api.mutation.generate_oob_otp_code.executed",
            AdminApiMutationRemoveGroupFromRolesExecuted = "admin_api.mutation.remove_group_from_roles.executed",
            AdminApiMutationRemoveGroupFromUsersExecuted = "admin_api.mutation.remove_group_from_users.executed",
            AdminApiMutationRemoveResourceFromClientidExecuted = "admin_api.mutation.remove_resource_from_clientid.executed",
            AdminApiMutationRemoveRoleFromGroupsExecuted = "admin_api.mutation.remove_role_from_groups.executed",
            AdminApiMutationRemoveRoleFromUsersExecuted = "admin_api.mutation.remove_role_from_users.executed",
            AdminApiMutationRemoveScopesFromClientidExecuted = "admin_api.mutation.remove_scopes_from_clientid.executed",
            AdminApiMutationRemoveUserFromGroupsExecuted = "admin_api.mutation.remove_user_from_groups.executed",
            AdminApiMutationRemoveUserFromRolesExecuted = "admin_api.mutation.remove_user_from_roles.executed",
            AdminApiMutationReplaceScopesOfClientidExecuted = "admin_api.mutation.replace_scopes_of_clientid.executed",
            AdminApiMutationResetAccountLockoutExecuted = "admin_api.mutation.reset_account_lockout.executed",
            AdminApiMutationResetPasswordExecuted = "admin_api.mutation.reset_password.executed",
            AdminApiMutationRevokeAllSessionsExecuted = "admin_api.mutation.revoke_all_sessions.executed",
            AdminApiMutationRevokeSessionExecuted = "admin_api.mutation.revoke_session.executed",
            AdminApiMutationScheduleAccountAnonymizationExecuted = "admin_api.mutation.schedule_account_anonymization.executed",
            AdminApiMutationScheduleAccountDeletionExecuted = "admin_api.mutation.schedule_account_deletion.executed",
            AdminApiMutationSendResetPasswordMessageExecuted = "admin_api.mutation.send_reset_password_message.executed",
            AdminApiMutationSetAccountValidFromExecuted = "admin_api.mutation.set_account_valid_from.executed",
            AdminApiMutationSetAccountValidPeriodExecuted = "admin_api.mutation.set_account_valid_period.executed",
            AdminApiMutationSetAccountValidUntilExecuted = "admin_api.mutation.set_account_valid_until.executed",
            AdminApiMutationSetDisabledStatusExecuted = "admin_api.mutation.set_disabled_status.executed",
            AdminApiMutationSetPasswordExpiredExecuted = "admin_api.mutation.set_password_expired.executed",
            AdminApiMutationSetVerifiedStatusExecuted = "admin_api.mutation.set_verified_status.executed",
            AdminApiMutationUnscheduleAccountAnonymizationExecuted = "admin_api.mutation.unschedule_account_anonymization.executed",
            AdminApiMutationUnscheduleAccountDeletionExecuted = "admin_api.mutation.unschedule_account_deletion.executed",
            AdminApiMutationUpdateGroupExecuted = "admin_api.mutation.update_group.executed",
            AdminApiMutationUpdateIdentityExecuted = "admin_api.mutation.update_identity.executed",
            AdminApiMutationUpdateResourceExecuted = "admin_api.mutation.update_resource.executed",
            AdminApiMutationUpdateRoleExecuted = "admin_api.mutation.update_role.executed",
            AdminApiMutationUpdateScopeExecuted = "admin_api.mutation.update_scope.executed",
            AdminApiMutationUpdateUserExecuted = "admin_api.mutation.update_user.executed",
            AuthenticationBlocked = "authentication.blocked",
            AuthenticationIdentityAnonymousFailed = "authentication.identity.anonymous.failed",
            AuthenticationIdentityBiometricFailed = "authentication.identity.biometric.failed",
            AuthenticationIdentityLoginIdFailed = "authentication.identity.login_id.failed",
            AuthenticationPrimaryOobOtpEmailFailed = "authentication.primary.oob_otp_email.failed",
            AuthenticationPrimaryOobOtpSmsFailed = "authentication.primary.oob_otp_sms.failed",
            AuthenticationPrimaryPasswordFailed = "authentication.primary.password.failed",
            AuthenticationSecondaryOobOtpEmailFailed = "authentication.secondary.oob_otp_email.failed",
            AuthenticationSecondaryOobOtpSmsFailed = "authentication.secondary.oob_otp_sms.failed",
            AuthenticationSecondaryPasswordFailed = "authentication.secondary.password.failed",
            AuthenticationSecondaryRecoveryCodeFailed = "authentication.secondary.recovery_code.failed",
            AuthenticationSecondaryTotpFailed = "authentication.secondary.totp.failed",
            BotProtectionVerificationFailed = "bot_protection.verification.failed",
            EmailError = "email.error",
            EmailSent = "email.sent",
            EmailSuppressed = "email.suppressed",
            FraudProtectionDecisionRecorded = "fraud_protection.decision_recorded",
            IdentityBiometricDisabled = "identity.biometric.disabled",
            IdentityBiometricEnabled = "identity.biometric.enabled",
            IdentityEmailAdded = "identity.email.added",
            IdentityEmailRemoved = "identity.email.removed",
            IdentityEmailUnverified = "identity.email.unverified",
            IdentityEmailUpdated = "identity.email.updated",
            IdentityEmailVerified = "identity.email.verified",
            IdentityOauthConnected = "identity.oauth.connected",
            IdentityOauthDisconnected = "identity.oauth.disconnected",
            IdentityPhoneAdded = "identity.phone.added",
            IdentityPhoneRemoved = "identity.phone.removed",
            IdentityPhoneUnverified = "identity.phone.unverified",
            IdentityPhoneUpdated = "identity.phone.updated",
            IdentityPhoneVerified = "identity.phone.verified",
            IdentityUsernameAdded = "identity.username.added",
            IdentityUsernameRemoved = "identity.username.removed",
            IdentityUsernameUpdated = "identity.username.updated",
            M2mTokenCreated = "m2m.token.created" as "M2M_TOKEN_CREATED",
            ProjectAppCreated = "project.app.created",
            ProjectAppSecretViewed = "project.app.secret.viewed",
            ProjectAppUpdated = "project.app.updated",
            ProjectBillingCheckoutCreated = "project.billing.checkout.created",
            ProjectBillingSubscriptionCancelled = "project.billing.subscription.cancelled",
            ProjectBillingSubscriptionStatusUpdated = "project.billing.subscription.status.updated",
            ProjectBillingSubscriptionUpdated = "project.billing.subscription.updated",
            ProjectCollaboratorDeleted = "project.collaborator.deleted",
            ProjectCollaboratorInvitationAccepted = "project.collaborator.invitation.accepted",
            ProjectCollaboratorInvitationCreated = "project.collaborator.invitation.created",
            ProjectCollaboratorInvitationDeleted = "project.collaborator.invitation.deleted",
            ProjectDomainCreated = "project.domain.created",
            ProjectDomainDeleted = "project.domain.deleted",
            ProjectDomainVerified = "project.domain.verified",
            RateLimitBlocked = "rate_limit.blocked",
            SmsError = "sms.error",
            SmsSent = "sms.sent",
            SmsSuppressed = "sms.suppressed",
            UsageAlertTriggered = "usage.alert.triggered",
            UserAnonymizationScheduled = "user.anonymization_scheduled",
            UserAnonymizationUnscheduled = "user.anonymization_unscheduled",
            UserAnonymized = "user.anonymized",
            UserAnonymousPromoted = "user.anonymous.promoted",
            UserAuthenticated = "user.authenticated",
            UserCreated = "user.created",
            UserDeleted = "user.deleted",
            UserDeletionScheduled = "user.deletion_scheduled",
            UserDeletionUnscheduled = "user.deletion_unscheduled",
            UserDisabled = "user.disabled",
            UserProfileUpdated = "user.profile.updated",
            UserReauthenticated = "user.reauthenticated",
            UserReenabled = "user.reenabled",
            UserSessionTerminated = "user.session.terminated",
            UserSignedOut = "user.signed_out",
            WhatsappError = "whatsapp.error",
            WhatsappOtpVerified = "whatsapp.otp.verified",
            WhatsappSent = "whatsapp.sent",
            WhatsappSuppressed = "whatsapp.suppressed",
        }
    };
}

macro_rules! define_activity_type {
    ($($variant:ident = $event:literal $(as $graphql:literal)?,)*) => {
        /// The kind of an audit entry, as Authgear names it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ActivityType {
            $(
                #[doc = concat!("`", $event, "`")]
                $variant,
            )*
        }

        impl ActivityType {
            /// Every activity type.
            pub const ALL: &'static [ActivityType] = &[$(ActivityType::$variant,)*];

            /// The event type string stored in the log.
            pub fn event(self) -> &'static str {
                match self {
                    $(ActivityType::$variant => $event,)*
                }
            }

            /// The activity type of a stored event type string.
            pub fn from_event(event: &str) -> Option<Self> {
                match event {
                    $($event => Some(ActivityType::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

for_each_activity_type!(define_activity_type);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_round_trips_and_names_are_unique() {
        assert_eq!(ActivityType::ALL.len(), 129);
        let mut seen = std::collections::HashSet::new();
        for t in ActivityType::ALL {
            assert_eq!(ActivityType::from_event(t.event()), Some(*t));
            assert!(seen.insert(t.event()));
        }
        assert_eq!(ActivityType::from_event("portal.limits.updated"), None);
    }
}
