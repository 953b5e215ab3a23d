//! Users' authorizations of OAuth clients (the scopes they granted) and
//! what the Admin API does with them: list a user's third-party apps,
//! delete an authorization (its refresh tokens end), and `createSession`
//! (a project setting, off by default) that grants a first-party client
//! and makes an offline grant for a user without a sign-in.

use keyward_store::{Authorization, OAuthClient, OfflineGrant, Tx, User};
use serde_json::{Value, json};

use crate::audit::{self, Actor, AuditEvent, user_snapshot};
use crate::clock::rfc3339;
use crate::error::{AccountsError, Result};
use crate::sessions::{self, Device, NewGrant};
use crate::{ids, records};

/// The scopes `createSession` grants (Authgear's).
pub const CREATE_SESSION_SCOPES: [&str; 3] = [
    "openid",
    "offline_access",
    "https://authgear.com/scopes/full-access",
];

/// An authorization as audit payloads show it.
pub fn snapshot(a: &Authorization) -> Value {
    json!({
        "id": ids::encode("Authorization", &a.id),
        "created_at": rfc3339(a.created_at),
        "updated_at": rfc3339(a.updated_at),
        "clientID": a.client_id,
        "scopes": a.scopes,
    })
}

/// A user's authorizations of third-party apps (what `User.authorizations`
/// lists; first-party grants are sessions).
pub async fn of_user(tx: &mut Tx, project: &str, user_id: &str) -> Result<Vec<Authorization>> {
    let mut out = Vec::new();
    for a in tx.authorizations_of_user(project, user_id).await? {
        let third_party = tx
            .client(project, &a.client_id)
            .await?
            .is_some_and(|c| c.client_type.is_third_party());
        if third_party {
            out.push(a);
        }
    }
    Ok(out)
}

/// `deleteAuthorization`: the user's refresh tokens of that client end with
/// it. Returns the owner's ID.
pub async fn delete(tx: &mut Tx, actor: &Actor, id: &str) -> Result<String> {
    let project = actor.project.as_str();
    let a = tx
        .authorization(project, id)
        .await?
        .ok_or(AccountsError::AuthorizationNotFound)?;
    tx.delete_grants_of_client(project, &a.user_id, &a.client_id)
        .await?;
    tx.delete_authorization(project, &a.id).await?;
    let event = AuditEvent::DeleteAuthorization {
        authorization: snapshot(&a),
    };
    audit::record(tx, actor, None, event).await?;
    Ok(a.user_id)
}

/// `CreateSession is disabled` unless the project turned it on.
pub async fn ensure_create_session_enabled(tx: &mut Tx, project: &str) -> Result<()> {
    if tx.account_settings(project).await?.create_session_enabled {
        Ok(())
    } else {
        Err(AccountsError::CreateSessionDisabled)
    }
}

/// What `createSession` made.
#[derive(Debug)]
pub struct CreatedSession {
    /// The first-party client.
    pub client: OAuthClient,
    /// The user.
    pub user: User,
    /// The offline grant.
    pub grant: OfflineGrant,
    /// Its refresh token (shown once).
    pub refresh_token: String,
}

/// `createSession` for `user_id` and `client_id` (the door checked
/// [`ensure_create_session_enabled`] and decoded the input first).
/// `device_name` is what the device info named, shown as the session's
/// display name.
pub async fn create_session(
    tx: &mut Tx,
    actor: &Actor,
    user_id: &str,
    client_id: &str,
    device_name: Option<String>,
    ip: &str,
) -> Result<CreatedSession> {
    let project = actor.project.as_str();
    let client = tx
        .client(project, client_id)
        .await?
        .ok_or(AccountsError::InvalidClientId)?;
    if !client.client_type.signs_users_in() || client.client_type.is_third_party() {
        return Err(AccountsError::NotFirstPartyClient);
    }
    let user = records::load(tx, project, user_id).await?;
    let scopes: Vec<String> = CREATE_SESSION_SCOPES
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    tx.grant_authorization(project, &user.id, &client.client_id, &scopes, actor.now)
        .await?;
    let now = actor.now.div_euclid(1_000_000);
    let device = Device {
        ip: ip.to_owned(),
        user_agent: device_name.unwrap_or_default(),
    };
    let scope = scopes.join(" ");
    let (grant, refresh_token) = sessions::create_grant(
        tx,
        project,
        NewGrant {
            user_id: &user.id,
            client_id: &client.client_id,
            idp_session_id: None,
            sso_enabled: false,
            scope: &scope,
            auth_time: now,
            amr: "",
        },
        now,
        &device,
    )
    .await?;
    let event = AuditEvent::CreateSession {
        user: user_snapshot(&user),
        session: json!({
            "id": ids::encode("Session", &grant.id),
            "type": "offline_grant",
            "clientID": client.client_id,
            "createdAt": rfc3339(grant.created_at * 1_000_000),
            "lastAccessedAt": rfc3339(grant.last_access_at * 1_000_000),
            "createdByIP": grant.ip,
            "displayName": grant.user_agent,
        }),
    };
    audit::record(tx, actor, Some(&user.id), event).await?;
    Ok(CreatedSession {
        client,
        user,
        grant,
        refresh_token,
    })
}

/// The device name in `createSession`'s device info (a JSON object as the
/// Authgear SDKs send it): the iOS machine or the Android model, if any.
pub fn device_name(info: &Value) -> Option<String> {
    let pick = |path: &[&str]| {
        path.iter()
            .try_fold(info, |v, k| v.get(k))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    pick(&["ios", "uname", "machine"])
        .or_else(|| pick(&["android", "Build", "MODEL"]))
        .filter(|s| !s.is_empty())
        .map(|s| s.chars().take(200).collect())
}
