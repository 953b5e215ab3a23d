//! The user mutations, each a thin adapter: parse the input, call the
//! accounts core, return the node.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use keyward_accounts::loginid::LoginIdType;
use keyward_accounts::password;
use keyward_accounts::users::{self as accounts, NewUser};

use crate::context::req;
use crate::errors::{AdminError, AdminResult};
use crate::identities::IdentityDefinition;
use crate::nodes::{UserNode, user_raw};
use crate::scalars::{DateTime, UserCustomAttributes, UserStandardAttributes};

/// `CreateUserInput`.
#[derive(InputObject)]
pub struct CreateUserInput {
    /// Account valid from.
    account_valid_from: Option<DateTime>,
    /// Account valid until.
    account_valid_until: Option<DateTime>,
    /// Definition of the identity of new user.
    definition: IdentityDefinition,
    /// Password for the user if required.
    password: Option<String>,
    /// Indicate whether to send the new password to the user.
    send_password: Option<bool>,
    /// Indicate whether the user is required to change password on next login.
    set_password_expired: Option<bool>,
}

/// `CreateUserPayload`.
#[derive(SimpleObject)]
pub struct CreateUserPayload {
    user: UserNode,
}

/// `UpdateUserInput`.
#[derive(InputObject)]
pub struct UpdateUserInput {
    /// Whole custom attributes to be set on the user.
    custom_attributes: Option<UserCustomAttributes>,
    /// Whole standard attributes to be set on the user.
    standard_attributes: Option<UserStandardAttributes>,
    /// Target user ID.
    #[graphql(name = "userID")]
    user_id: ID,
}

/// `UpdateUserPayload`.
#[derive(SimpleObject)]
pub struct UpdateUserPayload {
    user: UserNode,
}

/// `DeleteUserInput`.
#[derive(InputObject)]
pub struct DeleteUserInput {
    /// Reason for the deletion.
    reason: Option<String>,
    /// Target user ID.
    #[graphql(name = "userID")]
    user_id: ID,
}

/// `DeleteUserPayload`.
#[derive(SimpleObject)]
pub struct DeleteUserPayload {
    #[graphql(name = "deletedUserID")]
    deleted_user_id: ID,
}

/// `AnonymizeUserInput`.
#[derive(InputObject)]
pub struct AnonymizeUserInput {
    /// Target user ID.
    #[graphql(name = "userID")]
    user_id: ID,
}

/// `AnonymizeUserPayload`.
#[derive(SimpleObject)]
pub struct AnonymizeUserPayload {
    #[graphql(name = "anonymizedUserID")]
    anonymized_user_id: ID,
}

/// `SetDisabledStatusInput`.
#[derive(InputObject)]
pub struct SetDisabledStatusInput {
    /// Indicate whether the target user is disabled.
    is_disabled: bool,
    /// Indicate the disable reason; if not provided, the user will be disabled with no reason.
    reason: Option<String>,
    /// Start of the temporary disable window.
    temporarily_disabled_from: Option<DateTime>,
    /// End of the temporary disable window.
    temporarily_disabled_until: Option<DateTime>,
    /// Target user ID.
    #[graphql(name = "userID")]
    user_id: ID,
}

/// `SetDisabledStatusPayload`.
#[derive(SimpleObject)]
pub struct SetDisabledStatusPayload {
    user: UserNode,
}

/// `SetVerifiedStatusInput`.
#[derive(InputObject)]
pub struct SetVerifiedStatusInput {
    /// Name of the claim to set verified status.
    claim_name: String,
    /// Value of the claim.
    claim_value: String,
    /// Indicate whether the target claim is verified.
    is_verified: bool,
    /// Target user ID.
    #[graphql(name = "userID")]
    user_id: ID,
}

/// `SetVerifiedStatusPayload`.
#[derive(SimpleObject)]
pub struct SetVerifiedStatusPayload {
    user: UserNode,
}

/// `ResetPasswordInput`.
#[derive(InputObject)]
pub struct ResetPasswordInput {
    /// New password (empty or omitted: generated).
    password: Option<String>,
    /// Indicate whether to send the new password to the user.
    send_password: Option<bool>,
    /// Indicate whether the user is required to change password on next login.
    set_password_expired: Option<bool>,
    /// Target user ID.
    #[graphql(name = "userID")]
    user_id: ID,
}

/// `ResetPasswordPayload`.
#[derive(SimpleObject)]
pub struct ResetPasswordPayload {
    user: UserNode,
}

/// `SetPasswordExpiredInput`.
#[derive(InputObject)]
pub struct SetPasswordExpiredInput {
    /// Indicate whether the user's password is expired.
    expired: bool,
    /// Target user ID.
    #[graphql(name = "userID")]
    user_id: ID,
}

/// `SetPasswordExpiredPayload`.
#[derive(SimpleObject)]
pub struct SetPasswordExpiredPayload {
    user: UserNode,
}

/// `ScheduleAccountDeletionInput`.
#[derive(InputObject)]
pub struct ScheduleAccountDeletionInput {
    /// Reason for the deletion.
    reason: Option<String>,
    /// Target user ID.
    #[graphql(name = "userID")]
    user_id: ID,
}

/// `ScheduleAccountDeletionPayload`.
#[derive(SimpleObject)]
pub struct ScheduleAccountDeletionPayload {
    user: UserNode,
}

/// `UnscheduleAccountDeletionInput`.
#[derive(InputObject)]
pub struct UnscheduleAccountDeletionInput {
    /// Target user ID.
    #[graphql(name = "userID")]
    user_id: ID,
}

/// `UnscheduleAccountDeletionPayload`.
#[derive(SimpleObject)]
pub struct UnscheduleAccountDeletionPayload {
    user: UserNode,
}

/// `SendResetPasswordMessageInput`.
#[derive(InputObject)]
pub struct SendResetPasswordMessageInput {
    /// The email address (typed `ID!` in Authgear's schema, not a node ID).
    #[graphql(name = "loginID")]
    login_id: ID,
}

/// User mutations.
#[derive(Default)]
pub struct UserMutation;

#[Object]
impl UserMutation {
    /// Create new user
    async fn create_user(
        &self,
        ctx: &Context<'_>,
        input: CreateUserInput,
    ) -> AdminResult<CreateUserPayload> {
        let r = req(ctx)?;
        let login = input.definition.login_id()?;
        let send = input.send_password == Some(true);
        let transports = r.project_transports().await?;
        if send && transports.channel_for(login.kind).is_none() {
            return Err(accounts::refuse_send_password(login.kind != LoginIdType::Username).into());
        }
        let (valid_from, valid_until) = (
            input.account_valid_from.map(|d| d.0),
            input.account_valid_until.map(|d| d.0),
        );
        accounts::check_new(valid_from, valid_until)?;
        // `null`: no password (generated when it is to be sent); `""`:
        // generated; else checked. Hashed before the transaction begins:
        // tens of ms that should not hold SQLite's write lock.
        let plain = match (input.password.as_deref(), send) {
            (None, false) => None,
            (given, _) => Some(password::new_or_generated(given)?),
        };
        let password_hash = match &plain {
            Some(p) => Some(password::hash(p.clone(), r.hash_cost).await?),
            None => None,
        };
        let new = NewUser {
            login,
            password_hash,
            password_expired: input.set_password_expired == Some(true),
            valid_from,
            valid_until,
        };
        let user = accounts::create(&mut *r.tx().await?, &r.actor, new).await?;
        if let (true, Some(plain)) = (send, &plain) {
            let mut tx = r.tx().await?;
            accounts::queue_password_message(&mut tx, &r.actor, &user.id, plain, transports)
                .await?;
        }
        Ok(CreateUserPayload {
            user: UserNode(user),
        })
    }

    /// Update user
    async fn update_user(
        &self,
        ctx: &Context<'_>,
        input: UpdateUserInput,
    ) -> AdminResult<UpdateUserPayload> {
        let r = req(ctx)?;
        let id = user_raw(&input.user_id)?;
        let user = accounts::update(
            &mut *r.tx().await?,
            &r.actor,
            &id,
            input.standard_attributes.as_ref().map(|a| &a.0),
            input.custom_attributes.as_ref().map(|a| &a.0),
        )
        .await?;
        Ok(UpdateUserPayload {
            user: UserNode(user),
        })
    }

    /// Delete specified user
    async fn delete_user(
        &self,
        ctx: &Context<'_>,
        input: DeleteUserInput,
    ) -> AdminResult<DeleteUserPayload> {
        let r = req(ctx)?;
        let id = user_raw(&input.user_id)?;
        accounts::delete(&mut *r.tx().await?, &r.actor, &id, input.reason).await?;
        Ok(DeleteUserPayload {
            deleted_user_id: input.user_id,
        })
    }

    /// Anonymize specified user: identities, passwords, attributes and
    /// memberships are removed; the user row stays, marked anonymized.
    async fn anonymize_user(
        &self,
        ctx: &Context<'_>,
        input: AnonymizeUserInput,
    ) -> AdminResult<AnonymizeUserPayload> {
        let r = req(ctx)?;
        let id = user_raw(&input.user_id)?;
        accounts::anonymize(&mut *r.tx().await?, &r.actor, &id).await?;
        r.forget_claims(&id);
        Ok(AnonymizeUserPayload {
            anonymized_user_id: input.user_id,
        })
    }

    /// Set disabled status of user
    async fn set_disabled_status(
        &self,
        ctx: &Context<'_>,
        input: SetDisabledStatusInput,
    ) -> AdminResult<SetDisabledStatusPayload> {
        let r = req(ctx)?;
        let id = user_raw(&input.user_id)?;
        let window = (
            input.temporarily_disabled_from.map(|d| d.0),
            input.temporarily_disabled_until.map(|d| d.0),
        );
        let user = accounts::set_disabled(
            &mut *r.tx().await?,
            &r.actor,
            &id,
            input.is_disabled,
            input.reason,
            window,
        )
        .await?;
        Ok(SetDisabledStatusPayload {
            user: UserNode(user),
        })
    }

    /// Set verified status of a claim of user
    async fn set_verified_status(
        &self,
        ctx: &Context<'_>,
        input: SetVerifiedStatusInput,
    ) -> AdminResult<SetVerifiedStatusPayload> {
        let r = req(ctx)?;
        let id = user_raw(&input.user_id)?;
        let user = accounts::set_verified(
            &mut *r.tx().await?,
            &r.actor,
            &id,
            (input.claim_name, input.claim_value),
            input.is_verified,
        )
        .await?;
        r.forget_claims(&id);
        Ok(SetVerifiedStatusPayload {
            user: UserNode(user),
        })
    }

    /// Send a reset password message to user
    async fn send_reset_password_message(
        &self,
        ctx: &Context<'_>,
        input: SendResetPasswordMessageInput,
    ) -> AdminResult<Option<bool>> {
        use keyward_accounts::reset::{self, Requested};
        let r = req(ctx)?;
        let failed = |message: &'static str, cause: &'static str| {
            AdminError::invalid("ForgotPasswordFailed", message)
                .info(serde_json::json!({"cause": {"kind": cause}}))
        };
        let issuer = r.session_issuer.as_ref().map(|i| i.issuer(r.project()));
        let transports = r.project_transports().await?;
        let (true, Some(issuer)) = (transports.email || transports.sms, issuer) else {
            return Err(failed("forgot password is disabled", "FeatureDisabled"));
        };
        let link =
            move |code: &str| format!("{issuer}/reset_password?code={code}&x_from_admin_api=true");
        let login_id = input.login_id.0.clone();
        let outcome =
            reset::request(&mut *r.tx().await?, &r.actor, &login_id, transports, &link).await?;
        match outcome {
            Requested::Queued { .. } => {}
            Requested::NoSuchUser => {
                return Err(failed("specified user not found", "UserNotFound"));
            }
            Requested::SmsUnavailable => {
                return Err(AdminError::forbidden(
                    "SMSNotSupported",
                    "no SMS webhook is configured for this project",
                ));
            }
            Requested::RateLimited => {
                return Err(AdminError::too_many_requests(
                    "RateLimited",
                    "request rate limited",
                ));
            }
        }
        keyward_accounts::audit::record(
            &mut *r.tx().await?,
            &r.actor,
            None,
            keyward_accounts::audit::AuditEvent::SendResetPasswordMessage { login_id },
        )
        .await?;
        Ok(None)
    }

    /// Reset password of user
    async fn reset_password(
        &self,
        ctx: &Context<'_>,
        input: ResetPasswordInput,
    ) -> AdminResult<ResetPasswordPayload> {
        let r = req(ctx)?;
        let id = user_raw(&input.user_id)?;
        let send = input.send_password == Some(true);
        let transports = r.project_transports().await?;
        if send && !transports.email && !transports.sms {
            let mut tx = r.tx().await?;
            return Err(accounts::refuse_send_password_to(&mut tx, r.project(), &id)
                .await
                .into());
        }
        let plain = password::new_or_generated(input.password.as_deref())?;
        let hash = password::hash(plain.clone(), r.hash_cost).await?;
        let expired = input.set_password_expired == Some(true);
        let user =
            accounts::reset_password(&mut *r.tx().await?, &r.actor, &id, hash, expired).await?;
        if send {
            let mut tx = r.tx().await?;
            accounts::queue_password_message(&mut tx, &r.actor, &id, &plain, transports).await?;
        }
        Ok(ResetPasswordPayload {
            user: UserNode(user),
        })
    }

    /// Force user to change password on next login
    async fn set_password_expired(
        &self,
        ctx: &Context<'_>,
        input: SetPasswordExpiredInput,
    ) -> AdminResult<SetPasswordExpiredPayload> {
        let r = req(ctx)?;
        let id = user_raw(&input.user_id)?;
        let user =
            accounts::set_password_expired(&mut *r.tx().await?, &r.actor, &id, input.expired)
                .await?;
        Ok(SetPasswordExpiredPayload {
            user: UserNode(user),
        })
    }

    /// Schedule account deletion
    async fn schedule_account_deletion(
        &self,
        ctx: &Context<'_>,
        input: ScheduleAccountDeletionInput,
    ) -> AdminResult<ScheduleAccountDeletionPayload> {
        let r = req(ctx)?;
        let id = user_raw(&input.user_id)?;
        let user =
            accounts::schedule_deletion(&mut *r.tx().await?, &r.actor, &id, input.reason).await?;
        Ok(ScheduleAccountDeletionPayload {
            user: UserNode(user),
        })
    }

    /// Unschedule account deletion
    async fn unschedule_account_deletion(
        &self,
        ctx: &Context<'_>,
        input: UnscheduleAccountDeletionInput,
    ) -> AdminResult<UnscheduleAccountDeletionPayload> {
        let r = req(ctx)?;
        let id = user_raw(&input.user_id)?;
        let user = accounts::unschedule_deletion(&mut *r.tx().await?, &r.actor, &id).await?;
        Ok(UnscheduleAccountDeletionPayload {
            user: UserNode(user),
        })
    }
}
