//! `AuditLogActivityType`: every event type Authgear names (Appendix A of
//! the compatibility spec), generated from that list; keyward writes the
//! `admin_api.mutation.*` ones.

use async_graphql::Enum;

/// The kind of an audit entry.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(name = "AuditLogActivityType")]
pub enum ActivityType {
    /// `admin_api.mutation.add_group_to_roles.executed`
    #[graphql(name = "ADMIN_API_MUTATION_ADD_GROUP_TO_ROLES_EXECUTED")]
    AdminApiMutationAddGroupToRolesExecuted,
    /// `admin_api.mutation.add_group_to_users.executed`
    #[graphql(name = "ADMIN_API_MUTATION_ADD_GROUP_TO_USERS_EXECUTED")]
    AdminApiMutationAddGroupToUsersExecuted,
    /// `admin_api.mutation.add_resource_to_clientid.executed`
    #[graphql(name = "ADMIN_API_MUTATION_ADD_RESOURCE_TO_CLIENTID_EXECUTED")]
    AdminApiMutationAddResourceToClientidExecuted,
    /// `admin_api.mutation.add_role_to_groups.executed`
    #[graphql(name = "ADMIN_API_MUTATION_ADD_ROLE_TO_GROUPS_EXECUTED")]
    AdminApiMutationAddRoleToGroupsExecuted,
    /// `admin_api.mutation.add_role_to_users.executed`
    #[graphql(name = "ADMIN_API_MUTATION_ADD_ROLE_TO_USERS_EXECUTED")]
    AdminApiMutationAddRoleToUsersExecuted,
    /// `admin_api.mutation.add_scopes_to_clientid.executed`
    #[graphql(name = "ADMIN_API_MUTATION_ADD_SCOPES_TO_CLIENTID_EXECUTED")]
    AdminApiMutationAddScopesToClientidExecuted,
    /// `admin_api.mutation.add_user_to_groups.executed`
    #[graphql(name = "ADMIN_API_MUTATION_ADD_USER_TO_GROUPS_EXECUTED")]
    AdminApiMutationAddUserToGroupsExecuted,
    /// `admin_api.mutation.add_user_to_roles.executed`
    #[graphql(name = "ADMIN_API_MUTATION_ADD_USER_TO_ROLES_EXECUTED")]
    AdminApiMutationAddUserToRolesExecuted,
    /// `admin_api.mutation.anonymize_user.executed`
    #[graphql(name = "ADMIN_API_MUTATION_ANONYMIZE_USER_EXECUTED")]
    AdminApiMutationAnonymizeUserExecuted,
    /// `admin_api.mutation.create_authenticator.executed`
    #[graphql(name = "ADMIN_API_MUTATION_CREATE_AUTHENTICATOR_EXECUTED")]
    AdminApiMutationCreateAuthenticatorExecuted,
    /// `admin_api.mutation.create_group.executed`
    #[graphql(name = "ADMIN_API_MUTATION_CREATE_GROUP_EXECUTED")]
    AdminApiMutationCreateGroupExecuted,
    /// `admin_api.mutation.create_identity.executed`
    #[graphql(name = "ADMIN_API_MUTATION_CREATE_IDENTITY_EXECUTED")]
    AdminApiMutationCreateIdentityExecuted,
    /// `admin_api.mutation.create_resource.executed`
    #[graphql(name = "ADMIN_API_MUTATION_CREATE_RESOURCE_EXECUTED")]
    AdminApiMutationCreateResourceExecuted,
    /// `admin_api.mutation.create_role.executed`
    #[graphql(name = "ADMIN_API_MUTATION_CREATE_ROLE_EXECUTED")]
    AdminApiMutationCreateRoleExecuted,
    /// `admin_api.mutation.create_scope.executed`
    #[graphql(name = "ADMIN_API_MUTATION_CREATE_SCOPE_EXECUTED")]
    AdminApiMutationCreateScopeExecuted,
    /// `admin_api.mutation.create_session.executed`
    #[graphql(name = "ADMIN_API_MUTATION_CREATE_SESSION_EXECUTED")]
    AdminApiMutationCreateSessionExecuted,
    /// `admin_api.mutation.create_user.executed`
    #[graphql(name = "ADMIN_API_MUTATION_CREATE_USER_EXECUTED")]
    AdminApiMutationCreateUserExecuted,
    /// `admin_api.mutation.delete_authenticator.executed`
    #[graphql(name = "ADMIN_API_MUTATION_DELETE_AUTHENTICATOR_EXECUTED")]
    AdminApiMutationDeleteAuthenticatorExecuted,
    /// `admin_api.mutation.delete_authorization.executed`
    #[graphql(name = "ADMIN_API_MUTATION_DELETE_AUTHORIZATION_EXECUTED")]
    AdminApiMutationDeleteAuthorizationExecuted,
    /// `admin_api.mutation.delete_group.executed`
    #[graphql(name = "ADMIN_API_MUTATION_DELETE_GROUP_EXECUTED")]
    AdminApiMutationDeleteGroupExecuted,
    /// `admin_api.mutation.delete_identity.executed`
    #[graphql(name = "ADMIN_API_MUTATION_DELETE_IDENTITY_EXECUTED")]
    AdminApiMutationDeleteIdentityExecuted,
    /// `admin_api.mutation.delete_resource.executed`
    #[graphql(name = "ADMIN_API_MUTATION_DELETE_RESOURCE_EXECUTED")]
    AdminApiMutationDeleteResourceExecuted,
    /// `admin_api.mutation.delete_role.executed`
    #[graphql(name = "ADMIN_API_MUTATION_DELETE_ROLE_EXECUTED")]
    AdminApiMutationDeleteRoleExecuted,
    /// `admin_api.mutation.delete_scope.executed`
    #[graphql(name = "ADMIN_API_MUTATION_DELETE_SCOPE_EXECUTED")]
    AdminApiMutationDeleteScopeExecuted,
    /// `admin_api.mutation.delete_user.executed`
    #[graphql(name = "ADMIN_API_MUTATION_DELETE_USER_EXECUTED")]
    AdminApiMutationDeleteUserExecuted,
    /// `admin_api.mutation.generate_oob_otp_code.executed`
    #[graphql(name = "ADMIN_API_MUTATION_GENERATE_OOB_OTP_CODE_EXECUTED")]
    AdminApiMutationGenerateOobOtpCodeExecuted,
    /// `admin_api.mutation.remove_group_from_roles.executed`
    #[graphql(name = "ADMIN_API_MUTATION_REMOVE_GROUP_FROM_ROLES_EXECUTED")]
    AdminApiMutationRemoveGroupFromRolesExecuted,
    /// `admin_api.mutation.remove_group_from_users.executed`
    #[graphql(name = "ADMIN_API_MUTATION_REMOVE_GROUP_FROM_USERS_EXECUTED")]
    AdminApiMutationRemoveGroupFromUsersExecuted,
    /// `admin_api.mutation.remove_resource_from_clientid.executed`
    #[graphql(name = "ADMIN_API_MUTATION_REMOVE_RESOURCE_FROM_CLIENTID_EXECUTED")]
    AdminApiMutationRemoveResourceFromClientidExecuted,
    /// `admin_api.mutation.remove_role_from_groups.executed`
    #[graphql(name = "ADMIN_API_MUTATION_REMOVE_ROLE_FROM_GROUPS_EXECUTED")]
    AdminApiMutationRemoveRoleFromGroupsExecuted,
    /// `admin_api.mutation.remove_role_from_users.executed`
    #[graphql(name = "ADMIN_API_MUTATION_REMOVE_ROLE_FROM_USERS_EXECUTED")]
    AdminApiMutationRemoveRoleFromUsersExecuted,
    /// `admin_api.mutation.remove_scopes_from_clientid.executed`
    #[graphql(name = "ADMIN_API_MUTATION_REMOVE_SCOPES_FROM_CLIENTID_EXECUTED")]
    AdminApiMutationRemoveScopesFromClientidExecuted,
    /// `admin_api.mutation.remove_user_from_groups.executed`
    #[graphql(name = "ADMIN_API_MUTATION_REMOVE_USER_FROM_GROUPS_EXECUTED")]
    AdminApiMutationRemoveUserFromGroupsExecuted,
    /// `admin_api.mutation.remove_user_from_roles.executed`
    #[graphql(name = "ADMIN_API_MUTATION_REMOVE_USER_FROM_ROLES_EXECUTED")]
    AdminApiMutationRemoveUserFromRolesExecuted,
    /// `admin_api.mutation.replace_scopes_of_clientid.executed`
    #[graphql(name = "ADMIN_API_MUTATION_REPLACE_SCOPES_OF_CLIENTID_EXECUTED")]
    AdminApiMutationReplaceScopesOfClientidExecuted,
    /// `admin_api.mutation.reset_account_lockout.executed`
    #[graphql(name = "ADMIN_API_MUTATION_RESET_ACCOUNT_LOCKOUT_EXECUTED")]
    AdminApiMutationResetAccountLockoutExecuted,
    /// `admin_api.mutation.reset_password.executed`
    #[graphql(name = "ADMIN_API_MUTATION_RESET_PASSWORD_EXECUTED")]
    AdminApiMutationResetPasswordExecuted,
    /// `admin_api.mutation.revoke_all_sessions.executed`
    #[graphql(name = "ADMIN_API_MUTATION_REVOKE_ALL_SESSIONS_EXECUTED")]
    AdminApiMutationRevokeAllSessionsExecuted,
    /// `admin_api.mutation.revoke_session.executed`
    #[graphql(name = "ADMIN_API_MUTATION_REVOKE_SESSION_EXECUTED")]
    AdminApiMutationRevokeSessionExecuted,
    /// `admin_api.mutation.schedule_account_anonymization.executed`
    #[graphql(name = "ADMIN_API_MUTATION_SCHEDULE_ACCOUNT_ANONYMIZATION_EXECUTED")]
    AdminApiMutationScheduleAccountAnonymizationExecuted,
    /// `admin_api.mutation.schedule_account_deletion.executed`
    #[graphql(name = "ADMIN_API_MUTATION_SCHEDULE_ACCOUNT_DELETION_EXECUTED")]
    AdminApiMutationScheduleAccountDeletionExecuted,
    /// `admin_api.mutation.send_reset_password_message.executed`
    #[graphql(name = "ADMIN_API_MUTATION_SEND_RESET_PASSWORD_MESSAGE_EXECUTED")]
    AdminApiMutationSendResetPasswordMessageExecuted,
    /// `admin_api.mutation.set_account_valid_from.executed`
    #[graphql(name = "ADMIN_API_MUTATION_SET_ACCOUNT_VALID_FROM_EXECUTED")]
    AdminApiMutationSetAccountValidFromExecuted,
    /// `admin_api.mutation.set_account_valid_period.executed`
    #[graphql(name = "ADMIN_API_MUTATION_SET_ACCOUNT_VALID_PERIOD_EXECUTED")]
    AdminApiMutationSetAccountValidPeriodExecuted,
    /// `admin_api.mutation.set_account_valid_until.executed`
    #[graphql(name = "ADMIN_API_MUTATION_SET_ACCOUNT_VALID_UNTIL_EXECUTED")]
    AdminApiMutationSetAccountValidUntilExecuted,
    /// `admin_api.mutation.set_disabled_status.executed`
    #[graphql(name = "ADMIN_API_MUTATION_SET_DISABLED_STATUS_EXECUTED")]
    AdminApiMutationSetDisabledStatusExecuted,
    /// `admin_api.mutation.set_password_expired.executed`
    #[graphql(name = "ADMIN_API_MUTATION_SET_PASSWORD_EXPIRED_EXECUTED")]
    AdminApiMutationSetPasswordExpiredExecuted,
    /// `admin_api.mutation.set_verified_status.executed`
    #[graphql(name = "ADMIN_API_MUTATION_SET_VERIFIED_STATUS_EXECUTED")]
    AdminApiMutationSetVerifiedStatusExecuted,
    /// `admin_api.mutation.unschedule_account_anonymization.executed`
    #[graphql(name = "ADMIN_API_MUTATION_UNSCHEDULE_ACCOUNT_ANONYMIZATION_EXECUTED")]
    AdminApiMutationUnscheduleAccountAnonymizationExecuted,
    /// `admin_api.mutation.unschedule_account_deletion.executed`
    #[graphql(name = "ADMIN_API_MUTATION_UNSCHEDULE_ACCOUNT_DELETION_EXECUTED")]
    AdminApiMutationUnscheduleAccountDeletionExecuted,
    /// `admin_api.mutation.update_group.executed`
    #[graphql(name = "ADMIN_API_MUTATION_UPDATE_GROUP_EXECUTED")]
    AdminApiMutationUpdateGroupExecuted,
    /// `admin_api.mutation.update_identity.executed`
    #[graphql(name = "ADMIN_API_MUTATION_UPDATE_IDENTITY_EXECUTED")]
    AdminApiMutationUpdateIdentityExecuted,
    /// `admin_api.mutation.update_resource.executed`
    #[graphql(name = "ADMIN_API_MUTATION_UPDATE_RESOURCE_EXECUTED")]
    AdminApiMutationUpdateResourceExecuted,
    /// `admin_api.mutation.update_role.executed`
    #[graphql(name = "ADMIN_API_MUTATION_UPDATE_ROLE_EXECUTED")]
    AdminApiMutationUpdateRoleExecuted,
    /// `admin_api.mutation.update_scope.executed`
    #[graphql(name = "ADMIN_API_MUTATION_UPDATE_SCOPE_EXECUTED")]
    AdminApiMutationUpdateScopeExecuted,
    /// `admin_api.mutation.update_user.executed`
    #[graphql(name = "ADMIN_API_MUTATION_UPDATE_USER_EXECUTED")]
    AdminApiMutationUpdateUserExecuted,
    /// `authentication.blocked`
    #[graphql(name = "AUTHENTICATION_BLOCKED")]
    AuthenticationBlocked,
    /// `authentication.identity.anonymous.failed`
    #[graphql(name = "AUTHENTICATION_IDENTITY_ANONYMOUS_FAILED")]
    AuthenticationIdentityAnonymousFailed,
    /// `authentication.identity.biometric.failed`
    #[graphql(name = "AUTHENTICATION_IDENTITY_BIOMETRIC_FAILED")]
    AuthenticationIdentityBiometricFailed,
    /// `authentication.identity.login_id.failed`
    #[graphql(name = "AUTHENTICATION_IDENTITY_LOGIN_ID_FAILED")]
    AuthenticationIdentityLoginIdFailed,
    /// `authentication.primary.oob_otp_email.failed`
    #[graphql(name = "AUTHENTICATION_PRIMARY_OOB_OTP_EMAIL_FAILED")]
    AuthenticationPrimaryOobOtpEmailFailed,
    /// `authentication.primary.oob_otp_sms.failed`
    #[graphql(name = "AUTHENTICATION_PRIMARY_OOB_OTP_SMS_FAILED")]
    AuthenticationPrimaryOobOtpSmsFailed,
    /// `authentication.primary.password.failed`
    #[graphql(name = "AUTHENTICATION_PRIMARY_PASSWORD_FAILED")]
    AuthenticationPrimaryPasswordFailed,
    /// `authentication.secondary.oob_otp_email.failed`
    #[graphql(name = "AUTHENTICATION_SECONDARY_OOB_OTP_EMAIL_FAILED")]
    AuthenticationSecondaryOobOtpEmailFailed,
    /// `authentication.secondary.oob_otp_sms.failed`
    #[graphql(name = "AUTHENTICATION_SECONDARY_OOB_OTP_SMS_FAILED")]
    AuthenticationSecondaryOobOtpSmsFailed,
    /// `authentication.secondary.password.failed`
    #[graphql(name = "AUTHENTICATION_SECONDARY_PASSWORD_FAILED")]
    AuthenticationSecondaryPasswordFailed,
    /// `authentication.secondary.recovery_code.failed`
    #[graphql(name = "AUTHENTICATION_SECONDARY_RECOVERY_CODE_FAILED")]
    AuthenticationSecondaryRecoveryCodeFailed,
    /// `authentication.secondary.totp.failed`
    #[graphql(name = "AUTHENTICATION_SECONDARY_TOTP_FAILED")]
    AuthenticationSecondaryTotpFailed,
    /// `bot_protection.verification.failed`
    #[graphql(name = "BOT_PROTECTION_VERIFICATION_FAILED")]
    BotProtectionVerificationFailed,
    /// `email.error`
    #[graphql(name = "EMAIL_ERROR")]
    EmailError,
    /// `email.sent`
    #[graphql(name = "EMAIL_SENT")]
    EmailSent,
    /// `email.suppressed`
    #[graphql(name = "EMAIL_SUPPRESSED")]
    EmailSuppressed,
    /// `fraud_protection.decision_recorded`
    #[graphql(name = "FRAUD_PROTECTION_DECISION_RECORDED")]
    FraudProtectionDecisionRecorded,
    /// `identity.biometric.disabled`
    #[graphql(name = "IDENTITY_BIOMETRIC_DISABLED")]
    IdentityBiometricDisabled,
    /// `identity.biometric.enabled`
    #[graphql(name = "IDENTITY_BIOMETRIC_ENABLED")]
    IdentityBiometricEnabled,
    /// `identity.email.added`
    #[graphql(name = "IDENTITY_EMAIL_ADDED")]
    IdentityEmailAdded,
    /// `identity.email.removed`
    #[graphql(name = "IDENTITY_EMAIL_REMOVED")]
    IdentityEmailRemoved,
    /// `identity.email.unverified`
    #[graphql(name = "IDENTITY_EMAIL_UNVERIFIED")]
    IdentityEmailUnverified,
    /// `identity.email.updated`
    #[graphql(name = "IDENTITY_EMAIL_UPDATED")]
    IdentityEmailUpdated,
    /// `identity.email.verified`
    #[graphql(name = "IDENTITY_EMAIL_VERIFIED")]
    IdentityEmailVerified,
    /// `identity.oauth.connected`
    #[graphql(name = "IDENTITY_OAUTH_CONNECTED")]
    IdentityOauthConnected,
    /// `identity.oauth.disconnected`
    #[graphql(name = "IDENTITY_OAUTH_DISCONNECTED")]
    IdentityOauthDisconnected,
    /// `identity.phone.added`
    #[graphql(name = "IDENTITY_PHONE_ADDED")]
    IdentityPhoneAdded,
    /// `identity.phone.removed`
    #[graphql(name = "IDENTITY_PHONE_REMOVED")]
    IdentityPhoneRemoved,
    /// `identity.phone.unverified`
    #[graphql(name = "IDENTITY_PHONE_UNVERIFIED")]
    IdentityPhoneUnverified,
    /// `identity.phone.updated`
    #[graphql(name = "IDENTITY_PHONE_UPDATED")]
    IdentityPhoneUpdated,
    /// `identity.phone.verified`
    #[graphql(name = "IDENTITY_PHONE_VERIFIED")]
    IdentityPhoneVerified,
    /// `identity.username.added`
    #[graphql(name = "IDENTITY_USERNAME_ADDED")]
    IdentityUsernameAdded,
    /// `identity.username.removed`
    #[graphql(name = "IDENTITY_USERNAME_REMOVED")]
    IdentityUsernameRemoved,
    /// `identity.username.updated`
    #[graphql(name = "IDENTITY_USERNAME_UPDATED")]
    IdentityUsernameUpdated,
    /// `m2m.token.created`
    #[graphql(name = "M2M_TOKEN_CREATED")]
    M2mTokenCreated,
    /// `project.app.created`
    #[graphql(name = "PROJECT_APP_CREATED")]
    ProjectAppCreated,
    /// `project.app.secret.viewed`
    #[graphql(name = "PROJECT_APP_SECRET_VIEWED")]
    ProjectAppSecretViewed,
    /// `project.app.updated`
    #[graphql(name = "PROJECT_APP_UPDATED")]
    ProjectAppUpdated,
    /// `project.billing.checkout.created`
    #[graphql(name = "PROJECT_BILLING_CHECKOUT_CREATED")]
    ProjectBillingCheckoutCreated,
    /// `project.billing.subscription.cancelled`
    #[graphql(name = "PROJECT_BILLING_SUBSCRIPTION_CANCELLED")]
    ProjectBillingSubscriptionCancelled,
    /// `project.billing.subscription.status.updated`
    #[graphql(name = "PROJECT_BILLING_SUBSCRIPTION_STATUS_UPDATED")]
    ProjectBillingSubscriptionStatusUpdated,
    /// `project.billing.subscription.updated`
    #[graphql(name = "PROJECT_BILLING_SUBSCRIPTION_UPDATED")]
    ProjectBillingSubscriptionUpdated,
    /// `project.collaborator.deleted`
    #[graphql(name = "PROJECT_COLLABORATOR_DELETED")]
    ProjectCollaboratorDeleted,
    /// `project.collaborator.invitation.accepted`
    #[graphql(name = "PROJECT_COLLABORATOR_INVITATION_ACCEPTED")]
    ProjectCollaboratorInvitationAccepted,
    /// `project.collaborator.invitation.created`
    #[graphql(name = "PROJECT_COLLABORATOR_INVITATION_CREATED")]
    ProjectCollaboratorInvitationCreated,
    /// `project.collaborator.invitation.deleted`
    #[graphql(name = "PROJECT_COLLABORATOR_INVITATION_DELETED")]
    ProjectCollaboratorInvitationDeleted,
    /// `project.domain.created`
    #[graphql(name = "PROJECT_DOMAIN_CREATED")]
    ProjectDomainCreated,
    /// `project.domain.deleted`
    #[graphql(name = "PROJECT_DOMAIN_DELETED")]
    ProjectDomainDeleted,
    /// `project.domain.verified`
    #[graphql(name = "PROJECT_DOMAIN_VERIFIED")]
    ProjectDomainVerified,
    /// `rate_limit.blocked`
    #[graphql(name = "RATE_LIMIT_BLOCKED")]
    RateLimitBlocked,
    /// `sms.error`
    #[graphql(name = "SMS_ERROR")]
    SmsError,
    /// `sms.sent`
    #[graphql(name = "SMS_SENT")]
    SmsSent,
    /// `sms.suppressed`
    #[graphql(name = "SMS_SUPPRESSED")]
    SmsSuppressed,
    /// `usage.alert.triggered`
    #[graphql(name = "USAGE_ALERT_TRIGGERED")]
    UsageAlertTriggered,
    /// `user.anonymization_scheduled`
    #[graphql(name = "USER_ANONYMIZATION_SCHEDULED")]
    UserAnonymizationScheduled,
    /// `user.anonymization_unscheduled`
    #[graphql(name = "USER_ANONYMIZATION_UNSCHEDULED")]
    UserAnonymizationUnscheduled,
    /// `user.anonymized`
    #[graphql(name = "USER_ANONYMIZED")]
    UserAnonymized,
    /// `user.anonymous.promoted`
    #[graphql(name = "USER_ANONYMOUS_PROMOTED")]
    UserAnonymousPromoted,
    /// `user.authenticated`
    #[graphql(name = "USER_AUTHENTICATED")]
    UserAuthenticated,
    /// `user.created`
    #[graphql(name = "USER_CREATED")]
    UserCreated,
    /// `user.deleted`
    #[graphql(name = "USER_DELETED")]
    UserDeleted,
    /// `user.deletion_scheduled`
    #[graphql(name = "USER_DELETION_SCHEDULED")]
    UserDeletionScheduled,
    /// `user.deletion_unscheduled`
    #[graphql(name = "USER_DELETION_UNSCHEDULED")]
    UserDeletionUnscheduled,
    /// `user.disabled`
    #[graphql(name = "USER_DISABLED")]
    UserDisabled,
    /// `user.profile.updated`
    #[graphql(name = "USER_PROFILE_UPDATED")]
    UserProfileUpdated,
    /// `user.reauthenticated`
    #[graphql(name = "USER_REAUTHENTICATED")]
    UserReauthenticated,
    /// `user.reenabled`
    #[graphql(name = "USER_REENABLED")]
    UserReenabled,
    /// `user.session.terminated`
    #[graphql(name = "USER_SESSION_TERMINATED")]
    UserSessionTerminated,
    /// `user.signed_out`
    #[graphql(name = "USER_SIGNED_OUT")]
    UserSignedOut,
    /// `whatsapp.error`
    #[graphql(name = "WHATSAPP_ERROR")]
    WhatsappError,
    /// `whatsapp.otp.verified`
    #[graphql(name = "WHATSAPP_OTP_VERIFIED")]
    WhatsappOtpVerified,
    /// `whatsapp.sent`
    #[graphql(name = "WHATSAPP_SENT")]
    WhatsappSent,
    /// `whatsapp.suppressed`
    #[graphql(name = "WHATSAPP_SUPPRESSED")]
    WhatsappSuppressed,
}

impl ActivityType {
    /// Every value.
    pub const ALL: [ActivityType; 129] = [
        ActivityType::AdminApiMutationAddGroupToRolesExecuted,
        ActivityType::AdminApiMutationAddGroupToUsersExecuted,
        ActivityType::AdminApiMutationAddResourceToClientidExecuted,
        ActivityType::AdminApiMutationAddRoleToGroupsExecuted,
        ActivityType::AdminApiMutationAddRoleToUsersExecuted,
        ActivityType::AdminApiMutationAddScopesToClientidExecuted,
        ActivityType::AdminApiMutationAddUserToGroupsExecuted,
        ActivityType::AdminApiMutationAddUserToRolesExecuted,
        ActivityType::AdminApiMutationAnonymizeUserExecuted,
        ActivityType::AdminApiMutationCreateAuthenticatorExecuted,
        ActivityType::AdminApiMutationCreateGroupExecuted,
        ActivityType::AdminApiMutationCreateIdentityExecuted,
        ActivityType::AdminApiMutationCreateResourceExecuted,
        ActivityType::AdminApiMutationCreateRoleExecuted,
        ActivityType::AdminApiMutationCreateScopeExecuted,
        ActivityType::AdminApiMutationCreateSessionExecuted,
        ActivityType::AdminApiMutationCreateUserExecuted,
        ActivityType::AdminApiMutationDeleteAuthenticatorExecuted,
        ActivityType::AdminApiMutationDeleteAuthorizationExecuted,
        ActivityType::AdminApiMutationDeleteGroupExecuted,
        ActivityType::AdminApiMutationDeleteIdentityExecuted,
        ActivityType::AdminApiMutationDeleteResourceExecuted,
        ActivityType::AdminApiMutationDeleteRoleExecuted,
        ActivityType::AdminApiMutationDeleteScopeExecuted,
        ActivityType::AdminApiMutationDeleteUserExecuted,
        ActivityType::AdminApiMutationGenerateOobOtpCodeExecuted,
        ActivityType::AdminApiMutationRemoveGroupFromRolesExecuted,
        ActivityType::AdminApiMutationRemoveGroupFromUsersExecuted,
        ActivityType::AdminApiMutationRemoveResourceFromClientidExecuted,
        ActivityType::AdminApiMutationRemoveRoleFromGroupsExecuted,
        ActivityType::AdminApiMutationRemoveRoleFromUsersExecuted,
        ActivityType::AdminApiMutationRemoveScopesFromClientidExecuted,
        ActivityType::AdminApiMutationRemoveUserFromGroupsExecuted,
        ActivityType::AdminApiMutationRemoveUserFromRolesExecuted,
        ActivityType::AdminApiMutationReplaceScopesOfClientidExecuted,
        ActivityType::AdminApiMutationResetAccountLockoutExecuted,
        ActivityType::AdminApiMutationResetPasswordExecuted,
        ActivityType::AdminApiMutationRevokeAllSessionsExecuted,
        ActivityType::AdminApiMutationRevokeSessionExecuted,
        ActivityType::AdminApiMutationScheduleAccountAnonymizationExecuted,
        ActivityType::AdminApiMutationScheduleAccountDeletionExecuted,
        ActivityType::AdminApiMutationSendResetPasswordMessageExecuted,
        ActivityType::AdminApiMutationSetAccountValidFromExecuted,
        ActivityType::AdminApiMutationSetAccountValidPeriodExecuted,
        ActivityType::AdminApiMutationSetAccountValidUntilExecuted,
        ActivityType::AdminApiMutationSetDisabledStatusExecuted,
        ActivityType::AdminApiMutationSetPasswordExpiredExecuted,
        ActivityType::AdminApiMutationSetVerifiedStatusExecuted,
        ActivityType::AdminApiMutationUnscheduleAccountAnonymizationExecuted,
        ActivityType::AdminApiMutationUnscheduleAccountDeletionExecuted,
        ActivityType::AdminApiMutationUpdateGroupExecuted,
        ActivityType::AdminApiMutationUpdateIdentityExecuted,
        ActivityType::AdminApiMutationUpdateResourceExecuted,
        ActivityType::AdminApiMutationUpdateRoleExecuted,
        ActivityType::AdminApiMutationUpdateScopeExecuted,
        ActivityType::AdminApiMutationUpdateUserExecuted,
        ActivityType::AuthenticationBlocked,
        ActivityType::AuthenticationIdentityAnonymousFailed,
        ActivityType::AuthenticationIdentityBiometricFailed,
        ActivityType::AuthenticationIdentityLoginIdFailed,
        ActivityType::AuthenticationPrimaryOobOtpEmailFailed,
        ActivityType::AuthenticationPrimaryOobOtpSmsFailed,
        ActivityType::AuthenticationPrimaryPasswordFailed,
        ActivityType::AuthenticationSecondaryOobOtpEmailFailed,
        ActivityType::AuthenticationSecondaryOobOtpSmsFailed,
        ActivityType::AuthenticationSecondaryPasswordFailed,
        ActivityType::AuthenticationSecondaryRecoveryCodeFailed,
        ActivityType::AuthenticationSecondaryTotpFailed,
        ActivityType::BotProtectionVerificationFailed,
        ActivityType::EmailError,
        ActivityType::EmailSent,
        ActivityType::EmailSuppressed,
        ActivityType::FraudProtectionDecisionRecorded,
        ActivityType::IdentityBiometricDisabled,
        ActivityType::IdentityBiometricEnabled,
        ActivityType::IdentityEmailAdded,
        ActivityType::IdentityEmailRemoved,
        ActivityType::IdentityEmailUnverified,
        ActivityType::IdentityEmailUpdated,
        ActivityType::IdentityEmailVerified,
        ActivityType::IdentityOauthConnected,
        ActivityType::IdentityOauthDisconnected,
        ActivityType::IdentityPhoneAdded,
        ActivityType::IdentityPhoneRemoved,
        ActivityType::IdentityPhoneUnverified,
        ActivityType::IdentityPhoneUpdated,
        ActivityType::IdentityPhoneVerified,
        ActivityType::IdentityUsernameAdded,
        ActivityType::IdentityUsernameRemoved,
        ActivityType::IdentityUsernameUpdated,
        ActivityType::M2mTokenCreated,
        ActivityType::ProjectAppCreated,
        ActivityType::ProjectAppSecretViewed,
        ActivityType::ProjectAppUpdated,
        ActivityType::ProjectBillingCheckoutCreated,
        ActivityType::ProjectBillingSubscriptionCancelled,
        ActivityType::ProjectBillingSubscriptionStatusUpdated,
        ActivityType::ProjectBillingSubscriptionUpdated,
        ActivityType::ProjectCollaboratorDeleted,
        ActivityType::ProjectCollaboratorInvitationAccepted,
        ActivityType::ProjectCollaboratorInvitationCreated,
        ActivityType::ProjectCollaboratorInvitationDeleted,
        ActivityType::ProjectDomainCreated,
        ActivityType::ProjectDomainDeleted,
        ActivityType::ProjectDomainVerified,
        ActivityType::RateLimitBlocked,
        ActivityType::SmsError,
        ActivityType::SmsSent,
        ActivityType::SmsSuppressed,
        ActivityType::UsageAlertTriggered,
        ActivityType::UserAnonymizationScheduled,
        ActivityType::UserAnonymizationUnscheduled,
        ActivityType::UserAnonymized,
        ActivityType::UserAnonymousPromoted,
        ActivityType::UserAuthenticated,
        ActivityType::UserCreated,
        ActivityType::UserDeleted,
        ActivityType::UserDeletionScheduled,
        ActivityType::UserDeletionUnscheduled,
        ActivityType::UserDisabled,
        ActivityType::UserProfileUpdated,
        ActivityType::UserReauthenticated,
        ActivityType::UserReenabled,
        ActivityType::UserSessionTerminated,
        ActivityType::UserSignedOut,
        ActivityType::WhatsappError,
        ActivityType::WhatsappOtpVerified,
        ActivityType::WhatsappSent,
        ActivityType::WhatsappSuppressed,
    ];

    /// The event type string stored in the log.
    pub fn event(self) -> &'static str {
        match self {
            ActivityType::AdminApiMutationAddGroupToRolesExecuted => {
                "admin_api.mutation.add_group_to_roles.executed"
            }
            ActivityType::AdminApiMutationAddGroupToUsersExecuted => {
                "admin_api.mutation.add_group_to_users.executed"
            }
            ActivityType::AdminApiMutationAddResourceToClientidExecuted => {
                "admin_api.mutation.add_resource_to_clientid.executed"
            }
            ActivityType::AdminApiMutationAddRoleToGroupsExecuted => {
                "admin_api.mutation.add_role_to_groups.executed"
            }
            ActivityType::AdminApiMutationAddRoleToUsersExecuted => {
                "admin_api.mutation.add_role_to_users.executed"
            }
            ActivityType::AdminApiMutationAddScopesToClientidExecuted => {
                "admin_api.mutation.add_scopes_to_clientid.executed"
            }
            ActivityType::AdminApiMutationAddUserToGroupsExecuted => {
                "admin_api.mutation.add_user_to_groups.executed"
            }
            ActivityType::AdminApiMutationAddUserToRolesExecuted => {
                "admin_api.mutation.add_user_to_roles.executed"
            }
            ActivityType::AdminApiMutationAnonymizeUserExecuted => {
                "admin_api.mutation.anonymize_user.executed"
            }
            ActivityType::AdminApiMutationCreateAuthenticatorExecuted => {
                "admin_api.mutation.create_authenticator.executed"
            }
            ActivityType::AdminApiMutationCreateGroupExecuted => {
                "admin_api.mutation.create_group.executed"
            }
            ActivityType::AdminApiMutationCreateIdentityExecuted => {
                "admin_api.mutation.create_identity.executed"
            }
            ActivityType::AdminApiMutationCreateResourceExecuted => {
                "admin_api.mutation.create_resource.executed"
            }
            ActivityType::AdminApiMutationCreateRoleExecuted => {
                "admin_api.mutation.create_role.executed"
            }
            ActivityType::AdminApiMutationCreateScopeExecuted => {
                "admin_api.mutation.create_scope.executed"
            }
            ActivityType::AdminApiMutationCreateSessionExecuted => {
                "admin_api.mutation.create_session.executed"
            }
            ActivityType::AdminApiMutationCreateUserExecuted => {
                "admin_api.mutation.create_user.executed"
            }
            ActivityType::AdminApiMutationDeleteAuthenticatorExecuted => {
                "admin_api.mutation.delete_authenticator.executed"
            }
            ActivityType::AdminApiMutationDeleteAuthorizationExecuted => {
                "admin_api.mutation.delete_authorization.executed"
            }
            ActivityType::AdminApiMutationDeleteGroupExecuted => {
                "admin_api.mutation.delete_group.executed"
            }
            ActivityType::AdminApiMutationDeleteIdentityExecuted => {
                "admin_api.mutation.delete_identity.executed"
            }
            ActivityType::AdminApiMutationDeleteResourceExecuted => {
                "admin_api.mutation.delete_resource.executed"
            }
            ActivityType::AdminApiMutationDeleteRoleExecuted => {
                "admin_api.mutation.delete_role.executed"
            }
            ActivityType::AdminApiMutationDeleteScopeExecuted => {
                "admin_api.mutation.delete_scope.executed"
            }
            ActivityType::AdminApiMutationDeleteUserExecuted => {
                "admin_api.mutation.delete_user.executed"
            }
            ActivityType::AdminApiMutationGenerateOobOtpCodeExecuted => {
                "admin_api.mutation.generate_oob_otp_code.executed"
            }
            ActivityType::AdminApiMutationRemoveGroupFromRolesExecuted => {
                "admin_api.mutation.remove_group_from_roles.executed"
            }
            ActivityType::AdminApiMutationRemoveGroupFromUsersExecuted => {
                "admin_api.mutation.remove_group_from_users.executed"
            }
            ActivityType::AdminApiMutationRemoveResourceFromClientidExecuted => {
                "admin_api.mutation.remove_resource_from_clientid.executed"
            }
            ActivityType::AdminApiMutationRemoveRoleFromGroupsExecuted => {
                "admin_api.mutation.remove_role_from_groups.executed"
            }
            ActivityType::AdminApiMutationRemoveRoleFromUsersExecuted => {
                "admin_api.mutation.remove_role_from_users.executed"
            }
            ActivityType::AdminApiMutationRemoveScopesFromClientidExecuted => {
                "admin_api.mutation.remove_scopes_from_clientid.executed"
            }
            ActivityType::AdminApiMutationRemoveUserFromGroupsExecuted => {
                "admin_api.mutation.remove_user_from_groups.executed"
            }
            ActivityType::AdminApiMutationRemoveUserFromRolesExecuted => {
                "admin_api.mutation.remove_user_from_roles.executed"
            }
            ActivityType::AdminApiMutationReplaceScopesOfClientidExecuted => {
                "admin_api.mutation.replace_scopes_of_clientid.executed"
            }
            ActivityType::AdminApiMutationResetAccountLockoutExecuted => {
                "admin_api.mutation.reset_account_lockout.executed"
            }
            ActivityType::AdminApiMutationResetPasswordExecuted => {
                "admin_api.mutation.reset_password.executed"
            }
            ActivityType::AdminApiMutationRevokeAllSessionsExecuted => {
                "admin_api.mutation.revoke_all_sessions.executed"
            }
            ActivityType::AdminApiMutationRevokeSessionExecuted => {
                "admin_api.mutation.revoke_session.executed"
            }
            ActivityType::AdminApiMutationScheduleAccountAnonymizationExecuted => {
                "admin_api.mutation.schedule_account_anonymization.executed"
            }
            ActivityType::AdminApiMutationScheduleAccountDeletionExecuted => {
                "admin_api.mutation.schedule_account_deletion.executed"
            }
            ActivityType::AdminApiMutationSendResetPasswordMessageExecuted => {
                "admin_api.mutation.send_reset_password_message.executed"
            }
            ActivityType::AdminApiMutationSetAccountValidFromExecuted => {
                "admin_api.mutation.set_account_valid_from.executed"
            }
            ActivityType::AdminApiMutationSetAccountValidPeriodExecuted => {
                "admin_api.mutation.set_account_valid_period.executed"
            }
            ActivityType::AdminApiMutationSetAccountValidUntilExecuted => {
                "admin_api.mutation.set_account_valid_until.executed"
            }
            ActivityType::AdminApiMutationSetDisabledStatusExecuted => {
                "admin_api.mutation.set_disabled_status.executed"
            }
            ActivityType::AdminApiMutationSetPasswordExpiredExecuted => {
                "admin_api.mutation.set_password_expired.executed"
            }
            ActivityType::AdminApiMutationSetVerifiedStatusExecuted => {
                "admin_api.mutation.set_verified_status.executed"
            }
            ActivityType::AdminApiMutationUnscheduleAccountAnonymizationExecuted => {
                "admin_api.mutation.unschedule_account_anonymization.executed"
            }
            ActivityType::AdminApiMutationUnscheduleAccountDeletionExecuted => {
                "admin_api.mutation.unschedule_account_deletion.executed"
            }
            ActivityType::AdminApiMutationUpdateGroupExecuted => {
                "admin_api.mutation.update_group.executed"
            }
            ActivityType::AdminApiMutationUpdateIdentityExecuted => {
                "admin_api.mutation.update_identity.executed"
            }
            ActivityType::AdminApiMutationUpdateResourceExecuted => {
                "admin_api.mutation.update_resource.executed"
            }
            ActivityType::AdminApiMutationUpdateRoleExecuted => {
                "admin_api.mutation.update_role.executed"
            }
            ActivityType::AdminApiMutationUpdateScopeExecuted => {
                "admin_api.mutation.update_scope.executed"
            }
            ActivityType::AdminApiMutationUpdateUserExecuted => {
                "admin_api.mutation.update_user.executed"
            }
            ActivityType::AuthenticationBlocked => "authentication.blocked",
            ActivityType::AuthenticationIdentityAnonymousFailed => {
                "authentication.identity.anonymous.failed"
            }
            ActivityType::AuthenticationIdentityBiometricFailed => {
                "authentication.identity.biometric.failed"
            }
            ActivityType::AuthenticationIdentityLoginIdFailed => {
                "authentication.identity.login_id.failed"
            }
            ActivityType::AuthenticationPrimaryOobOtpEmailFailed => {
                "authentication.primary.oob_otp_email.failed"
            }
            ActivityType::AuthenticationPrimaryOobOtpSmsFailed => {
                "authentication.primary.oob_otp_sms.failed"
            }
            ActivityType::AuthenticationPrimaryPasswordFailed => {
                "authentication.primary.password.failed"
            }
            ActivityType::AuthenticationSecondaryOobOtpEmailFailed => {
                "authentication.secondary.oob_otp_email.failed"
            }
            ActivityType::AuthenticationSecondaryOobOtpSmsFailed => {
                "authentication.secondary.oob_otp_sms.failed"
            }
            ActivityType::AuthenticationSecondaryPasswordFailed => {
                "authentication.secondary.password.failed"
            }
            ActivityType::AuthenticationSecondaryRecoveryCodeFailed => {
                "authentication.secondary.recovery_code.failed"
            }
            ActivityType::AuthenticationSecondaryTotpFailed => {
                "authentication.secondary.totp.failed"
            }
            ActivityType::BotProtectionVerificationFailed => "bot_protection.verification.failed",
            ActivityType::EmailError => "email.error",
            ActivityType::EmailSent => "email.sent",
            ActivityType::EmailSuppressed => "email.suppressed",
            ActivityType::FraudProtectionDecisionRecorded => "fraud_protection.decision_recorded",
            ActivityType::IdentityBiometricDisabled => "identity.biometric.disabled",
            ActivityType::IdentityBiometricEnabled => "identity.biometric.enabled",
            ActivityType::IdentityEmailAdded => "identity.email.added",
            ActivityType::IdentityEmailRemoved => "identity.email.removed",
            ActivityType::IdentityEmailUnverified => "identity.email.unverified",
            ActivityType::IdentityEmailUpdated => "identity.email.updated",
            ActivityType::IdentityEmailVerified => "identity.email.verified",
            ActivityType::IdentityOauthConnected => "identity.oauth.connected",
            ActivityType::IdentityOauthDisconnected => "identity.oauth.disconnected",
            ActivityType::IdentityPhoneAdded => "identity.phone.added",
            ActivityType::IdentityPhoneRemoved => "identity.phone.removed",
            ActivityType::IdentityPhoneUnverified => "identity.phone.unverified",
            ActivityType::IdentityPhoneUpdated => "identity.phone.updated",
            ActivityType::IdentityPhoneVerified => "identity.phone.verified",
            ActivityType::IdentityUsernameAdded => "identity.username.added",
            ActivityType::IdentityUsernameRemoved => "identity.username.removed",
            ActivityType::IdentityUsernameUpdated => "identity.username.updated",
            ActivityType::M2mTokenCreated => "m2m.token.created",
            ActivityType::ProjectAppCreated => "project.app.created",
            ActivityType::ProjectAppSecretViewed => "project.app.secret.viewed",
            ActivityType::ProjectAppUpdated => "project.app.updated",
            ActivityType::ProjectBillingCheckoutCreated => "project.billing.checkout.created",
            ActivityType::ProjectBillingSubscriptionCancelled => {
                "project.billing.subscription.cancelled"
            }
            ActivityType::ProjectBillingSubscriptionStatusUpdated => {
                "project.billing.subscription.status.updated"
            }
            ActivityType::ProjectBillingSubscriptionUpdated => {
                "project.billing.subscription.updated"
            }
            ActivityType::ProjectCollaboratorDeleted => "project.collaborator.deleted",
            ActivityType::ProjectCollaboratorInvitationAccepted => {
                "project.collaborator.invitation.accepted"
            }
            ActivityType::ProjectCollaboratorInvitationCreated => {
                "project.collaborator.invitation.created"
            }
            ActivityType::ProjectCollaboratorInvitationDeleted => {
                "project.collaborator.invitation.deleted"
            }
            ActivityType::ProjectDomainCreated => "project.domain.created",
            ActivityType::ProjectDomainDeleted => "project.domain.deleted",
            ActivityType::ProjectDomainVerified => "project.domain.verified",
            ActivityType::RateLimitBlocked => "rate_limit.blocked",
            ActivityType::SmsError => "sms.error",
            ActivityType::SmsSent => "sms.sent",
            ActivityType::SmsSuppressed => "sms.suppressed",
            ActivityType::UsageAlertTriggered => "usage.alert.triggered",
            ActivityType::UserAnonymizationScheduled => "user.anonymization_scheduled",
            ActivityType::UserAnonymizationUnscheduled => "user.anonymization_unscheduled",
            ActivityType::UserAnonymized => "user.anonymized",
            ActivityType::UserAnonymousPromoted => "user.anonymous.promoted",
            ActivityType::UserAuthenticated => "user.authenticated",
            ActivityType::UserCreated => "user.created",
            ActivityType::UserDeleted => "user.deleted",
            ActivityType::UserDeletionScheduled => "user.deletion_scheduled",
            ActivityType::UserDeletionUnscheduled => "user.deletion_unscheduled",
            ActivityType::UserDisabled => "user.disabled",
            ActivityType::UserProfileUpdated => "user.profile.updated",
            ActivityType::UserReauthenticated => "user.reauthenticated",
            ActivityType::UserReenabled => "user.reenabled",
            ActivityType::UserSessionTerminated => "user.session.terminated",
            ActivityType::UserSignedOut => "user.signed_out",
            ActivityType::WhatsappError => "whatsapp.error",
            ActivityType::WhatsappOtpVerified => "whatsapp.otp.verified",
            ActivityType::WhatsappSent => "whatsapp.sent",
            ActivityType::WhatsappSuppressed => "whatsapp.suppressed",
        }
    }

    /// The value for a stored event type.
    pub fn from_event(event: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.event() == event)
    }
}
