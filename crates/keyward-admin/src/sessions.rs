//! Sessions and lockout in the Admin API: `User.sessions`,
//! `User.accountLockout`, `revokeSession`, `revokeAllSessions` and
//! `resetAccountLockout`, over the accounts core's sessions and lockout.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use keyward_accounts::sessions::{self, SessionRef, SessionView};
use keyward_accounts::{authorizations, ids, lockout};

use crate::context::{RequestCtx, req};
use crate::errors::{AdminError, AdminResult};
use crate::nodes::{AccountLockout, LockedIp, SessionNode, SessionType, UserNode, user_raw};
use crate::scalars::DateTime;

/// The node of a live session.
pub fn node(s: SessionView) -> SessionNode {
    let created = DateTime(s.created_at * 1_000_000);
    let accessed = DateTime(s.last_access_at * 1_000_000);
    let display_name = if s.user_agent.is_empty() {
        s.client_name.clone().unwrap_or_default()
    } else {
        s.user_agent.clone()
    };
    SessionNode {
        acr: None,
        amr: s.amr,
        application_name: Some(s.client_name.unwrap_or_default()),
        client_id: s.client_id,
        created_at: created,
        created_by_ip: s.ip.clone(),
        display_name,
        id: ID(ids::encode("Session", s.session.id())),
        last_accessed_at: accessed,
        last_accessed_by_ip: s.ip,
        last_accessed_by_ip_country_code: String::new(),
        last_accessed_by_ip_english_country_name: String::new(),
        kind: match s.session {
            SessionRef::Idp(_) => SessionType::Idp,
            SessionRef::Grant(_) => SessionType::OfflineGrant,
        },
        updated_at: accessed,
        user_agent: Some(s.user_agent).filter(|u| !u.is_empty()),
    }
}

/// A user's live sessions, most recently used first (as Authgear lists them).
pub async fn of_user(r: &RequestCtx, user_id: &str) -> AdminResult<Vec<SessionNode>> {
    let now = r.actor.now.div_euclid(1_000_000);
    let mut list = sessions::list(&mut *r.tx().await?, r.project(), user_id, now).await?;
    // Third-party apps' grants are shown as authorizations (Authgear).
    list.retain(|s| !s.third_party);
    list.sort_by_key(|s| std::cmp::Reverse(s.last_access_at));
    Ok(list.into_iter().map(node).collect())
}

/// The live session a `Session` node's raw ID names.
pub async fn by_raw_id(r: &RequestCtx, raw: &str) -> AdminResult<Option<SessionNode>> {
    let owner = {
        let mut tx = r.tx().await?;
        match SessionRef::find(&mut tx, r.project(), raw).await? {
            Some(SessionRef::Idp(id)) => tx.idp_session(r.project(), &id).await?.map(|s| s.user_id),
            Some(SessionRef::Grant(id)) => tx.grant(r.project(), &id).await?.map(|g| g.user_id),
            None => None,
        }
    };
    let Some(owner) = owner else { return Ok(None) };
    let now = r.actor.now.div_euclid(1_000_000);
    let list = sessions::list(&mut *r.tx().await?, r.project(), &owner, now).await?;
    Ok(list.into_iter().find(|s| s.session.id() == raw).map(node))
}

/// A user's lockout status.
pub async fn lockout_of(r: &RequestCtx, user_id: &str) -> AdminResult<AccountLockout> {
    let now = r.actor.now.div_euclid(1_000_000);
    let mut tx = r.tx().await?;
    let settings = tx.lockout_settings(r.project()).await?;
    let status = lockout::status(&mut tx, r.project(), user_id, now).await?;
    let configured = settings.max_attempts > 0;
    let mut locked_ips: Vec<LockedIp> = status
        .locked_ips
        .iter()
        .map(|(ip, until)| LockedIp {
            ip_address: ip.clone(),
            locked_until: DateTime(until * 1_000_000),
        })
        .collect();
    locked_ips.sort_by_key(|l| std::cmp::Reverse(l.locked_until.0));
    Ok(AccountLockout {
        is_locked: status.is_locked,
        locked_ips: if settings.per_ip {
            locked_ips
        } else {
            Vec::new()
        },
        locked_until: (!settings.per_ip)
            .then_some(status.locked_until)
            .flatten()
            .map(|u| DateTime(u * 1_000_000)),
        lockout_type: match (configured, settings.per_ip) {
            (false, _) => String::new(),
            (true, false) => "per_user".into(),
            (true, true) => "per_user_per_ip".into(),
        },
    })
}

/// `RevokeSessionInput`.
#[derive(InputObject)]
pub struct RevokeSessionInput {
    /// Target session ID.
    #[graphql(name = "sessionID")]
    session_id: ID,
}

/// `RevokeAllSessionsInput`.
#[derive(InputObject)]
pub struct RevokeAllSessionsInput {
    /// Target user ID.
    #[graphql(name = "userID")]
    user_id: ID,
}

/// `ResetAccountLockoutInput`.
#[derive(InputObject)]
pub struct ResetAccountLockoutInput {
    /// Target user ID.
    #[graphql(name = "userID")]
    user_id: ID,
}

/// `RevokeSessionPayload`.
#[derive(SimpleObject)]
pub struct RevokeSessionPayload {
    user: UserNode,
}

/// `RevokeAllSessionsPayload`.
#[derive(SimpleObject)]
pub struct RevokeAllSessionsPayload {
    user: UserNode,
}

/// `ResetAccountLockoutPayload`.
#[derive(SimpleObject)]
pub struct ResetAccountLockoutPayload {
    user: UserNode,
}

/// `DeleteAuthorizationInput`.
#[derive(InputObject)]
pub struct DeleteAuthorizationInput {
    /// Target authorization ID.
    #[graphql(name = "authorizationID")]
    authorization_id: ID,
}

/// `DeleteAuthorizationPayload`.
#[derive(SimpleObject)]
pub struct DeleteAuthorizationPayload {
    user: UserNode,
}

/// `CreateSessionInput`.
#[derive(InputObject)]
pub struct CreateSessionInput {
    /// The first-party client the session is for.
    #[graphql(name = "clientID")]
    client_id: String,
    /// Device info: base64url (no padding) of a JSON object, as Authgear's
    /// SDKs send it.
    device_info: Option<String>,
    /// Target user ID.
    #[graphql(name = "userID")]
    user_id: ID,
}

/// `CreateSessionPayload`.
#[derive(SimpleObject)]
pub struct CreateSessionPayload {
    access_token: String,
    expires_in: i32,
    refresh_token: String,
    token_type: String,
}

/// The device name in `createSession`'s `deviceInfo`, or `invalid device info`.
fn device_name(info: Option<&str>) -> AdminResult<Option<String>> {
    let Some(info) = info else { return Ok(None) };
    let invalid = || AdminError::invalid("Invalid", "invalid device info");
    let bytes = URL_SAFE_NO_PAD.decode(info).map_err(|_| invalid())?;
    let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
    if !value.is_object() {
        return Err(invalid());
    }
    Ok(authorizations::device_name(&value))
}

/// The session and lockout mutations.
#[derive(Default)]
pub struct SessionMutation;

#[Object]
impl SessionMutation {
    /// Revoke a session (and the sessions of its single sign-on group).
    async fn revoke_session(
        &self,
        ctx: &Context<'_>,
        input: RevokeSessionInput,
    ) -> AdminResult<RevokeSessionPayload> {
        let r = req(ctx)?;
        let raw = ids::require("Session", "session", &input.session_id)?;
        let user_id = {
            let mut tx = r.tx().await?;
            let session = SessionRef::find(&mut tx, r.project(), &raw)
                .await?
                .ok_or(keyward_accounts::AccountsError::SessionNotFound)?;
            sessions::revoke_as_admin(&mut tx, &r.actor, &session).await?
        };
        Ok(RevokeSessionPayload {
            user: UserNode::load(r, &user_id).await?,
        })
    }

    /// Revoke every session and refresh token of a user.
    async fn revoke_all_sessions(
        &self,
        ctx: &Context<'_>,
        input: RevokeAllSessionsInput,
    ) -> AdminResult<RevokeAllSessionsPayload> {
        let r = req(ctx)?;
        let id = user_raw(&input.user_id)?;
        let user = UserNode::load(r, &id).await?;
        sessions::revoke_all_as_admin(&mut *r.tx().await?, &r.actor, &id).await?;
        Ok(RevokeAllSessionsPayload { user })
    }

    /// Delete a user's authorization of a client; its refresh tokens end.
    async fn delete_authorization(
        &self,
        ctx: &Context<'_>,
        input: DeleteAuthorizationInput,
    ) -> AdminResult<DeleteAuthorizationPayload> {
        let r = req(ctx)?;
        let raw = ids::require("Authorization", "authorization", &input.authorization_id)?;
        let owner = authorizations::delete(&mut *r.tx().await?, &r.actor, &raw).await?;
        Ok(DeleteAuthorizationPayload {
            user: UserNode::load(r, &owner).await?,
        })
    }

    /// Issue a session (refresh and access token) for a user and a
    /// first-party client, when the project allows it.
    async fn create_session(
        &self,
        ctx: &Context<'_>,
        input: CreateSessionInput,
    ) -> AdminResult<CreateSessionPayload> {
        let r = req(ctx)?;
        let issuer = r.session_issuer.clone().ok_or_else(|| {
            tracing::error!("createSession: no session issuer is configured");
            AdminError::unexpected()
        })?;
        if let Err(e) = issuer.prepare(r.project()).await {
            tracing::error!(error = %e, "createSession: no signing key");
            return Err(AdminError::unexpected());
        }
        authorizations::ensure_create_session_enabled(&mut *r.tx().await?, r.project()).await?;
        let user_id = user_raw(&input.user_id)?;
        let device = device_name(input.device_info.as_deref())?;
        let ip = match &r.actor.by {
            keyward_accounts::Initiator::AdminApi { ip, .. } => ip.clone(),
            _ => String::new(),
        };
        let made = authorizations::create_session(
            &mut *r.tx().await?,
            &r.actor,
            &user_id,
            &input.client_id,
            device,
            &ip,
        )
        .await?;
        let access_token = issuer
            .access_token(r.project(), &made.client, &made.user, &made.grant)
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "createSession could not sign the access token");
                AdminError::unexpected()
            })?;
        Ok(CreateSessionPayload {
            access_token,
            expires_in: i32::try_from(made.client.access_token_lifetime_secs).unwrap_or(i32::MAX),
            refresh_token: made.refresh_token,
            token_type: "Bearer".into(),
        })
    }

    /// Clear a user's failed sign-in attempts and locks.
    async fn reset_account_lockout(
        &self,
        ctx: &Context<'_>,
        input: ResetAccountLockoutInput,
    ) -> AdminResult<ResetAccountLockoutPayload> {
        let r = req(ctx)?;
        let id = user_raw(&input.user_id)?;
        let user = UserNode::load(r, &id).await?;
        lockout::reset(&mut *r.tx().await?, &r.actor, &id).await?;
        Ok(ResetAccountLockoutPayload { user })
    }
}
