//! End-user sessions: the IdP session behind the sign-in cookie, the
//! offline grants behind refresh tokens, their lifetimes, refresh-token
//! rotation with reuse detection, and ending them. Every use re-checks the
//! account ([`crate::status::may_sign_in`]), so a disabled user's session
//! and refresh token stop working at once even where a row survived.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use keyward_store::{IdpSession, OAuthClient, OfflineGrant, Tx, User};

use crate::error::AccountsError;
use crate::secret;
use crate::status;

type Result<T> = std::result::Result<T, AccountsError>;

/// IdP session lifetime (Authgear's default: 52 weeks).
pub const IDP_SESSION_LIFETIME_SECS: i64 = 31_449_600;
/// IdP session idle timeout (Authgear's default: 30 days).
pub const IDP_SESSION_IDLE_SECS: i64 = 2_592_000;

/// Which session a `sid` or an Admin API `Session` ID names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionRef {
    /// An IdP session.
    Idp(String),
    /// An offline grant.
    Grant(String),
}

impl SessionRef {
    /// `idp:<id>` or `offline_grant:<id>`.
    pub fn raw(&self) -> String {
        match self {
            SessionRef::Idp(id) => format!("idp:{id}"),
            SessionRef::Grant(id) => format!("offline_grant:{id}"),
        }
    }

    /// The session's own ID (a UUID; the Admin API's `Session` node ID
    /// encodes it, as Authgear's does).
    pub fn id(&self) -> &str {
        match self {
            SessionRef::Idp(id) | SessionRef::Grant(id) => id,
        }
    }

    /// Which session a bare ID names: IdP sessions first, then grants.
    pub async fn find(tx: &mut Tx, project: &str, id: &str) -> Result<Option<SessionRef>> {
        if tx.idp_session(project, id).await?.is_some() {
            return Ok(Some(SessionRef::Idp(id.to_owned())));
        }
        Ok(tx
            .grant(project, id)
            .await?
            .map(|_| SessionRef::Grant(id.to_owned())))
    }

    /// The ID token's `sid`: base64url of [`SessionRef::raw`], as Authgear.
    pub fn sid(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.raw())
    }

    /// Parse [`SessionRef::raw`].
    pub fn parse_raw(raw: &str) -> Option<Self> {
        if let Some(id) = raw.strip_prefix("idp:") {
            return Some(SessionRef::Idp(id.to_owned()));
        }
        raw.strip_prefix("offline_grant:")
            .map(|id| SessionRef::Grant(id.to_owned()))
    }

    /// Parse a `sid`.
    pub fn parse_sid(sid: &str) -> Option<Self> {
        let raw = URL_SAFE_NO_PAD.decode(sid).ok()?;
        Self::parse_raw(std::str::from_utf8(&raw).ok()?)
    }
}

/// Where a session is used from.
#[derive(Debug, Clone, Default)]
pub struct Device {
    /// Client address.
    pub ip: String,
    /// User-Agent.
    pub user_agent: String,
}

/// When an IdP session ends.
pub fn idp_expiry(created_at: i64, last_access_at: i64) -> i64 {
    (created_at + IDP_SESSION_LIFETIME_SECS).min(last_access_at + IDP_SESSION_IDLE_SECS)
}

/// When an offline grant ends under its client's current settings (changes
/// apply at once).
pub fn grant_expiry(client: &OAuthClient, grant: &OfflineGrant) -> i64 {
    (grant.created_at + client.refresh_token_lifetime_secs)
        .min(grant.last_access_at + client.refresh_idle_timeout_secs)
}

/// Create an IdP session for `user_id`; returns it and the cookie value.
pub async fn create_idp_session(
    tx: &mut Tx,
    project: &str,
    user_id: &str,
    amr: &[&str],
    now: i64,
    device: &Device,
) -> Result<(IdpSession, String)> {
    let id = uuid::Uuid::new_v4().to_string();
    let secret = secret::random_token()?;
    let session = IdpSession {
        id: id.clone(),
        user_id: user_id.to_owned(),
        secret_hash: secret::digest_hex(&secret),
        created_at: now,
        auth_time: now,
        amr: amr.join(" "),
        last_access_at: now,
        expires_at: idp_expiry(now, now),
        ip: device.ip.clone(),
        user_agent: device.user_agent.clone(),
    };
    tx.insert_idp_session(project, &session).await?;
    Ok((session, format!("{id}.{secret}")))
}

/// The live IdP session a cookie names, with its user, touched; `None` for
/// anything else (unknown, wrong secret, expired, account may not sign in).
pub async fn resolve_idp_session(
    tx: &mut Tx,
    project: &str,
    cookie: &str,
    now: i64,
) -> Result<Option<(IdpSession, User)>> {
    let Some((id, secret)) = secret::split_token(cookie) else {
        return Ok(None);
    };
    let Some(mut session) = tx.idp_session(project, id).await? else {
        return Ok(None);
    };
    if !secret::matches(secret, &session.secret_hash) || session.expires_at <= now {
        return Ok(None);
    }
    let Some(user) = tx.user(project, &session.user_id).await? else {
        return Ok(None);
    };
    if status::may_sign_in(&user, now * 1_000_000).is_err() {
        return Ok(None);
    }
    // Touch at most once a minute: a page view need not be a write.
    if now - session.last_access_at >= 60 {
        session.last_access_at = now;
        session.expires_at = idp_expiry(session.created_at, now);
        tx.touch_idp_session(project, &session.id, now, session.expires_at)
            .await?;
    }
    Ok(Some((session, user)))
}

/// What a new offline grant is for.
#[derive(Debug, Clone)]
pub struct NewGrant<'a> {
    /// Whose.
    pub user_id: &'a str,
    /// The client.
    pub client_id: &'a str,
    /// The IdP session of the sign-in, if any.
    pub idp_session_id: Option<&'a str>,
    /// Ends with that IdP session.
    pub sso_enabled: bool,
    /// Granted scopes, space-separated.
    pub scope: &'a str,
    /// When the user authenticated.
    pub auth_time: i64,
    /// How, space-separated.
    pub amr: &'a str,
}

/// Create an offline grant; returns it and its refresh token.
pub async fn create_grant(
    tx: &mut Tx,
    project: &str,
    new: NewGrant<'_>,
    now: i64,
    device: &Device,
) -> Result<(OfflineGrant, String)> {
    let id = uuid::Uuid::new_v4().to_string();
    let secret = secret::random_token()?;
    let grant = OfflineGrant {
        id: id.clone(),
        user_id: new.user_id.to_owned(),
        client_id: new.client_id.to_owned(),
        idp_session_id: new.idp_session_id.map(str::to_owned),
        sso_enabled: new.sso_enabled,
        scope: new.scope.to_owned(),
        auth_time: new.auth_time,
        amr: new.amr.to_owned(),
        refresh_hash: secret::digest_hex(&secret),
        created_at: now,
        last_access_at: now,
        ip: device.ip.clone(),
        user_agent: device.user_agent.clone(),
    };
    tx.insert_grant(project, &grant).await?;
    Ok((grant, format!("{id}.{secret}")))
}

/// What presenting a refresh token led to.
#[derive(Debug)]
pub enum Refresh {
    /// Valid: the grant (touched), its user, and the new refresh token when
    /// the client rotates.
    Granted {
        /// The grant after the refresh.
        grant: Box<OfflineGrant>,
        /// Its user.
        user: Box<User>,
        /// The next refresh token (rotation on).
        new_token: Option<String>,
    },
    /// Unknown, expired, another client's, or the account may not sign in.
    Invalid,
    /// A rotated-out token presented again: the grant has been revoked.
    Reused {
        /// The revoked grant.
        grant_id: String,
        /// Its user.
        user_id: String,
    },
}

/// Check and use a refresh token presented by `client`.
pub async fn refresh(
    tx: &mut Tx,
    project: &str,
    client: &OAuthClient,
    token: &str,
    now: i64,
    device: &Device,
) -> Result<Refresh> {
    let Some((grant_id, secret)) = secret::split_token(token) else {
        return Ok(Refresh::Invalid);
    };
    let Some(grant) = tx.grant(project, grant_id).await? else {
        return Ok(Refresh::Invalid);
    };
    let hash = secret::digest_hex(secret);
    let current = aws_lc_rs::constant_time::verify_slices_are_equal(
        hash.as_bytes(),
        grant.refresh_hash.as_bytes(),
    )
    .is_ok();
    if !current {
        return match tx.rotated_refresh_token(project, &hash).await? {
            // RFC 9700 §4.14.2: a rotated-out token presented again means
            // it leaked (or a client misbehaves); end the whole grant. A
            // presentation within the client's leeway is taken for two tabs
            // racing and only refused.
            Some((owner, rotated_at)) if owner == grant.id => {
                if now - rotated_at < client.refresh_reuse_leeway_secs {
                    Ok(Refresh::Invalid)
                } else {
                    revoke(tx, project, &SessionRef::Grant(grant.id.clone())).await?;
                    Ok(Refresh::Reused {
                        grant_id: grant.id,
                        user_id: grant.user_id,
                    })
                }
            }
            _ => Ok(Refresh::Invalid),
        };
    }
    if grant.client_id != client.client_id {
        return Ok(Refresh::Invalid);
    }
    if grant_expiry(client, &grant) <= now {
        tx.delete_grant(project, &grant.id).await?;
        return Ok(Refresh::Invalid);
    }
    if grant.sso_enabled {
        let idp = match &grant.idp_session_id {
            Some(id) => tx.idp_session(project, id).await?,
            None => None,
        };
        if idp.is_none_or(|s| s.expires_at <= now) {
            return Ok(Refresh::Invalid);
        }
    }
    let Some(user) = tx.user(project, &grant.user_id).await? else {
        return Ok(Refresh::Invalid);
    };
    if status::may_sign_in(&user, now * 1_000_000).is_err() {
        return Ok(Refresh::Invalid);
    }
    let (new_token, new_hash) = if client.refresh_rotation {
        let secret = secret::random_token()?;
        let hash = secret::digest_hex(&secret);
        (Some(format!("{}.{secret}", grant.id)), Some(hash))
    } else {
        (None, None)
    };
    let updated = tx
        .refresh_grant(
            project,
            &grant,
            new_hash.as_deref(),
            now,
            &device.ip,
            &device.user_agent,
        )
        .await?;
    if !updated {
        return Ok(Refresh::Invalid);
    }
    let mut grant = grant;
    if let Some(hash) = new_hash {
        grant.refresh_hash = hash;
    }
    grant.last_access_at = now;
    Ok(Refresh::Granted {
        grant: Box::new(grant),
        user: Box::new(user),
        new_token,
    })
}

/// The live session `sid` names, for a token's holder: the user, if the
/// session still exists, has not expired and the account may sign in.
pub async fn resolve_sid(tx: &mut Tx, project: &str, sid: &str, now: i64) -> Result<Option<User>> {
    let user_id = match SessionRef::parse_sid(sid) {
        Some(SessionRef::Idp(id)) => tx
            .idp_session(project, &id)
            .await?
            .filter(|s| s.expires_at > now)
            .map(|s| s.user_id),
        Some(SessionRef::Grant(id)) => {
            let Some(grant) = tx.grant(project, &id).await? else {
                return Ok(None);
            };
            let Some(client) = tx.client(project, &grant.client_id).await? else {
                return Ok(None);
            };
            (grant_expiry(&client, &grant) > now).then_some(grant.user_id)
        }
        None => None,
    };
    let Some(user_id) = user_id else {
        return Ok(None);
    };
    let user = tx.user(project, &user_id).await?;
    Ok(user.filter(|u| status::may_sign_in(u, now * 1_000_000).is_ok()))
}

/// End one session: an IdP session with the grants tied to it, or a grant
/// (and, for an SSO grant, its IdP session and that session's grants).
/// Returns the user whose session it was, if it existed.
pub async fn revoke(tx: &mut Tx, project: &str, session: &SessionRef) -> Result<Option<String>> {
    match session {
        SessionRef::Idp(id) => {
            let Some(s) = tx.idp_session(project, id).await? else {
                return Ok(None);
            };
            tx.delete_idp_session(project, id).await?;
            Ok(Some(s.user_id))
        }
        SessionRef::Grant(id) => {
            let Some(g) = tx.grant(project, id).await? else {
                return Ok(None);
            };
            tx.delete_grant(project, id).await?;
            if g.sso_enabled
                && let Some(idp) = &g.idp_session_id
            {
                tx.delete_idp_session(project, idp).await?;
            }
            Ok(Some(g.user_id))
        }
    }
}

/// End every session and grant of a user (disabled, deleted, scheduled
/// for deletion, anonymized, or "sign out everywhere").
pub async fn end_all(tx: &mut Tx, project: &str, user_id: &str) -> Result<u64> {
    Ok(tx.delete_sessions_of(project, user_id).await?)
}

/// One of a user's live sessions, as the Admin API and the account page list them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionView {
    /// Which.
    pub session: SessionRef,
    /// The client (grants only).
    pub client_id: Option<String>,
    /// The client's name (grants only).
    pub client_name: Option<String>,
    /// A grant of a third-party app (the Admin API lists those as
    /// authorizations, not sessions).
    pub third_party: bool,
    /// Authentication methods.
    pub amr: Vec<String>,
    /// Created, Unix seconds.
    pub created_at: i64,
    /// Last used, Unix seconds.
    pub last_access_at: i64,
    /// Last address.
    pub ip: String,
    /// Last User-Agent.
    pub user_agent: String,
}

/// A user's live sessions: IdP sessions, and grants not folded into their
/// IdP session (SSO grants are shown as that session, as Authgear does).
pub async fn list(tx: &mut Tx, project: &str, user_id: &str, now: i64) -> Result<Vec<SessionView>> {
    let (idp, grants) = tx.sessions_of(project, user_id).await?;
    let live_idp: Vec<IdpSession> = idp.into_iter().filter(|s| s.expires_at > now).collect();
    let mut out: Vec<SessionView> = live_idp
        .iter()
        .map(|s| SessionView {
            session: SessionRef::Idp(s.id.clone()),
            client_id: None,
            client_name: None,
            third_party: false,
            amr: s.amr.split_whitespace().map(str::to_owned).collect(),
            created_at: s.created_at,
            last_access_at: s.last_access_at,
            ip: s.ip.clone(),
            user_agent: s.user_agent.clone(),
        })
        .collect();
    for g in grants {
        let folded = g.sso_enabled
            && g.idp_session_id
                .as_ref()
                .is_some_and(|id| live_idp.iter().any(|s| &s.id == id));
        if folded {
            continue;
        }
        let Some(client) = tx.client(project, &g.client_id).await? else {
            continue;
        };
        if grant_expiry(&client, &g) <= now {
            continue;
        }
        out.push(SessionView {
            session: SessionRef::Grant(g.id.clone()),
            client_id: Some(g.client_id.clone()),
            client_name: Some(client.name.clone()),
            third_party: client.client_type.is_third_party(),
            amr: g.amr.split_whitespace().map(str::to_owned).collect(),
            created_at: g.created_at,
            last_access_at: g.last_access_at,
            ip: g.ip,
            user_agent: g.user_agent,
        });
    }
    out.sort_by_key(|s| (s.created_at, s.session.raw()));
    Ok(out)
}

/// `revokeSession`: end one session (with its SSO group) on behalf of
/// `actor`; returns the owner's ID.
pub async fn revoke_as_admin(
    tx: &mut Tx,
    actor: &crate::audit::Actor,
    session: &SessionRef,
) -> Result<String> {
    use crate::audit::{AuditEvent, record};
    let Some(user_id) = revoke(tx, &actor.project, session).await? else {
        return Err(AccountsError::SessionNotFound);
    };
    let event = AuditEvent::SessionTerminated {
        termination_type: "individual",
        sessions: vec![session.raw()],
    };
    record(tx, actor, Some(&user_id), event).await?;
    let event = AuditEvent::RevokeSession {
        session_id: crate::ids::encode("Session", session.id()),
    };
    record(tx, actor, Some(&user_id), event).await?;
    Ok(user_id)
}

/// `revokeAllSessions`: end every session and grant of a user.
pub async fn revoke_all_as_admin(
    tx: &mut Tx,
    actor: &crate::audit::Actor,
    user_id: &str,
) -> Result<()> {
    use crate::audit::{AuditEvent, record};
    let (idp, grants) = tx.sessions_of(&actor.project, user_id).await?;
    let ended: Vec<String> = idp
        .iter()
        .map(|s| SessionRef::Idp(s.id.clone()).raw())
        .chain(grants.iter().map(|g| SessionRef::Grant(g.id.clone()).raw()))
        .collect();
    end_all(tx, &actor.project, user_id).await?;
    if !ended.is_empty() {
        let event = AuditEvent::SessionTerminated {
            termination_type: "all",
            sessions: ended,
        };
        record(tx, actor, Some(user_id), event).await?;
    }
    record(tx, actor, Some(user_id), AuditEvent::RevokeAllSessions).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sid_round_trips_and_matches_authgear() {
        let s = SessionRef::Grant("0a1b".into());
        assert_eq!(s.raw(), "offline_grant:0a1b");
        assert_eq!(s.sid(), "b2ZmbGluZV9ncmFudDowYTFi");
        assert_eq!(SessionRef::parse_sid(&s.sid()), Some(s));
        let i = SessionRef::Idp("x".into());
        assert_eq!(SessionRef::parse_sid(&i.sid()), Some(i));
        assert_eq!(SessionRef::parse_sid("!!"), None);
        assert_eq!(SessionRef::parse_raw("user:x"), None);
    }

    #[test]
    fn idp_sessions_end_at_the_lifetime_or_the_idle_timeout() {
        assert_eq!(idp_expiry(0, 0), IDP_SESSION_IDLE_SECS);
        let late = IDP_SESSION_LIFETIME_SECS - 10;
        assert_eq!(idp_expiry(0, late), IDP_SESSION_LIFETIME_SECS);
    }
}
