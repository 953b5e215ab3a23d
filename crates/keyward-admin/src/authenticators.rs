//! Authenticators and second factors: `createAuthenticator`,
//! `deleteAuthenticator`, `generateOOBOTPCode`, `setMFAGracePeriod` and
//! `removeMFAGracePeriod` (`shared/spec/admin-api-gaps.md` §3.5, §4, §5.2).
//! The rules are the accounts core's (`keyward_accounts::mfa`); this module
//! parses the input and shapes the payloads.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use keyward_accounts::mfa::{self, Definition};
use keyward_accounts::otp::Purpose;
use keyward_accounts::{ids, password};

use crate::context::req;
use crate::errors::{AdminError, AdminResult};
use crate::nodes::{AuthenticatorKind, AuthenticatorNode, AuthenticatorType, UserNode, user_raw};
use crate::scalars::DateTime;

/// `AuthenticatorDefinitionOOBOTPEmail`.
#[derive(InputObject)]
#[graphql(name = "AuthenticatorDefinitionOOBOTPEmail")]
pub struct OobOtpEmailDefinition {
    /// The email address.
    email: String,
}

/// `AuthenticatorDefinitionOOBOTPSMS`.
#[derive(InputObject)]
#[graphql(name = "AuthenticatorDefinitionOOBOTPSMS")]
pub struct OobOtpSmsDefinition {
    /// The phone number.
    phone: String,
}

/// `AuthenticatorDefinitionPassword`.
#[derive(InputObject)]
pub struct AuthenticatorDefinitionPassword {
    /// The password.
    password: String,
}

/// `AuthenticatorDefinition`.
#[derive(InputObject)]
pub struct AuthenticatorDefinition {
    /// PRIMARY or SECONDARY.
    kind: AuthenticatorKind,
    /// For OOB_OTP_EMAIL.
    oob_otp_email: Option<OobOtpEmailDefinition>,
    /// For OOB_OTP_SMS.
    #[graphql(name = "oobOtpSMS")]
    oob_otp_sms: Option<OobOtpSmsDefinition>,
    /// For PASSWORD.
    password: Option<AuthenticatorDefinitionPassword>,
    /// Which branch applies.
    #[graphql(name = "type")]
    kind_of: AuthenticatorType,
}

/// `CreateAuthenticatorInput`.
#[derive(InputObject)]
pub struct CreateAuthenticatorInput {
    /// What to create.
    definition: AuthenticatorDefinition,
    /// Target user ID.
    #[graphql(name = "userID")]
    user_id: ID,
}

/// `CreateAuthenticatorPayload`.
#[derive(SimpleObject)]
pub struct CreateAuthenticatorPayload {
    authenticator: AuthenticatorNode,
}

/// `DeleteAuthenticatorInput`.
#[derive(InputObject)]
pub struct DeleteAuthenticatorInput {
    /// Target authenticator ID.
    #[graphql(name = "authenticatorID")]
    authenticator_id: ID,
}

/// `DeleteAuthenticatorPayload`.
#[derive(SimpleObject)]
pub struct DeleteAuthenticatorPayload {
    user: UserNode,
}

/// `OTPPurpose`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(name = "OTPPurpose")]
pub enum OtpPurpose {
    /// login
    Login,
    /// verification
    Verification,
}

/// `GenerateOOBOTPCodeInput`.
#[derive(InputObject)]
#[graphql(name = "GenerateOOBOTPCodeInput")]
pub struct GenerateOobOtpCodeInput {
    /// What the code is for (LOGIN when omitted).
    purpose: Option<OtpPurpose>,
    /// The email address or phone number.
    target: String,
}

/// `GenerateOOBOTPCodePayload`.
#[derive(SimpleObject)]
#[graphql(name = "GenerateOOBOTPCodePayload")]
pub struct GenerateOobOtpCodePayload {
    code: String,
}

/// `SetMFAGracePeriodInput`.
#[derive(InputObject)]
#[graphql(name = "SetMFAGracePeriodInput")]
pub struct SetMfaGracePeriodInput {
    /// When the grace period ends (now to 90 days from now).
    end_at: DateTime,
    /// Target user ID.
    #[graphql(name = "userID")]
    user_id: ID,
}

/// `SetMFAGracePeriodPayload`.
#[derive(SimpleObject)]
#[graphql(name = "SetMFAGracePeriodPayload")]
pub struct SetMfaGracePeriodPayload {
    user: UserNode,
}

/// `removeMFAGracePeriodInput` (lower-case `r`, as in Authgear's SDL).
#[derive(InputObject)]
#[graphql(name = "removeMFAGracePeriodInput")]
pub struct RemoveMfaGracePeriodInput {
    /// Target user ID.
    #[graphql(name = "userID")]
    user_id: ID,
}

/// `removeMFAGracePeriodPayload`.
#[derive(SimpleObject)]
#[graphql(name = "removeMFAGracePeriodPayload")]
pub struct RemoveMfaGracePeriodPayload {
    user: UserNode,
}

fn required(branch: &str) -> AdminError {
    AdminError::invalid("Invalid", format!("definition/{branch} is required"))
}

/// Authenticator mutations.
#[derive(Default)]
pub struct AuthenticatorMutation;

#[Object]
impl AuthenticatorMutation {
    /// Create authenticator of user
    async fn create_authenticator(
        &self,
        ctx: &Context<'_>,
        input: CreateAuthenticatorInput,
    ) -> AdminResult<CreateAuthenticatorPayload> {
        let r = req(ctx)?;
        let user_id = user_raw(&input.user_id)?;
        let d = input.definition;
        let definition = match d.kind_of {
            AuthenticatorType::Password => {
                let given = d.password.ok_or_else(|| required("password"))?.password;
                // Checked and hashed before the write transaction.
                password::check(&given)?;
                Definition::Password {
                    hash: password::hash(given, r.hash_cost).await?,
                }
            }
            AuthenticatorType::OobOtpEmail => Definition::OobEmail(
                d.oob_otp_email
                    .ok_or_else(|| required("oobOtpEmail"))?
                    .email,
            ),
            AuthenticatorType::OobOtpSms => {
                Definition::OobSms(d.oob_otp_sms.ok_or_else(|| required("oobOtpSMS"))?.phone)
            }
            AuthenticatorType::Totp | AuthenticatorType::Passkey => {
                return Err(AdminError::invalid(
                    "Invalid",
                    "unsupported authenticator type",
                ));
            }
        };
        let primary = d.kind == AuthenticatorKind::Primary;
        let a = mfa::create_by_admin(&mut *r.tx().await?, &r.actor, &user_id, primary, definition)
            .await?;
        // New authenticators never expire (passwords made here included).
        Ok(CreateAuthenticatorPayload {
            authenticator: AuthenticatorNode::other(a),
        })
    }

    /// Delete authenticator of user
    async fn delete_authenticator(
        &self,
        ctx: &Context<'_>,
        input: DeleteAuthenticatorInput,
    ) -> AdminResult<DeleteAuthenticatorPayload> {
        let r = req(ctx)?;
        let id = ids::require("Authenticator", "authenticator", &input.authenticator_id)?;
        let user = mfa::delete_by_admin(&mut *r.tx().await?, &r.actor, &id).await?;
        Ok(DeleteAuthenticatorPayload {
            user: UserNode(user),
        })
    }

    /// Generate OOB OTP code for user
    #[graphql(name = "generateOOBOTPCode")]
    async fn generate_oob_otp_code(
        &self,
        ctx: &Context<'_>,
        input: GenerateOobOtpCodeInput,
    ) -> AdminResult<GenerateOobOtpCodePayload> {
        let r = req(ctx)?;
        let purpose = match input.purpose {
            Some(OtpPurpose::Verification) => Purpose::Verification,
            _ => Purpose::Login,
        };
        let target = input.target.trim();
        if target.is_empty() || target.len() > 320 {
            return Err(AdminError::invalid(
                "Invalid",
                "target must be an email address or phone number",
            ));
        }
        let code = mfa::code_for_support(&mut *r.tx().await?, &r.actor, target, purpose).await?;
        Ok(GenerateOobOtpCodePayload { code })
    }

    /// Set MFA grace period of user
    #[graphql(name = "setMFAGracePeriod")]
    async fn set_mfa_grace_period(
        &self,
        ctx: &Context<'_>,
        input: SetMfaGracePeriodInput,
    ) -> AdminResult<SetMfaGracePeriodPayload> {
        let r = req(ctx)?;
        let id = user_raw(&input.user_id)?;
        let user =
            mfa::set_grace_period(&mut *r.tx().await?, &r.actor, &id, Some(input.end_at.0)).await?;
        Ok(SetMfaGracePeriodPayload {
            user: UserNode(user),
        })
    }

    /// Remove MFA grace period of user
    #[graphql(name = "removeMFAGracePeriod")]
    async fn remove_mfa_grace_period(
        &self,
        ctx: &Context<'_>,
        input: RemoveMfaGracePeriodInput,
    ) -> AdminResult<RemoveMfaGracePeriodPayload> {
        let r = req(ctx)?;
        let id = user_raw(&input.user_id)?;
        let user = mfa::set_grace_period(&mut *r.tx().await?, &r.actor, &id, None).await?;
        Ok(RemoveMfaGracePeriodPayload {
            user: UserNode(user),
        })
    }
}
