//! `POST /oauth2/token`: `authorization_code` and `refresh_token` for
//! clients that sign users in, `client_credentials` (RFC 6749 §4.4) for
//! machine-to-machine clients: an access token for one API resource
//! (RFC 8707 `resource`, the token's `aud`) with the scopes the project
//! assigned to the client there (RFC 9068 claims: `sub` = `client_id`).
//! A parameter given twice is refused (RFC 6749 §3.2).
//!
//! Client authentication: `client_secret_post` (body) takes precedence,
//! then `client_secret_basic` (also when the body repeats the client ID, as
//! some libraries do), else `none`. A confidential client that
//! does not prove its secret gets **401 `invalid_client`** (RFC 6749 §5.2;
//! Authgear answers 400), on refresh too (Authgear checks no secret there).
//!
//! A code is single use: a second redemption revokes the grant the first
//! one created (RFC 6749 §4.1.2) and is refused. Refresh tokens rotate for
//! clients with rotation on; a rotated-out token presented again ends the
//! whole grant (RFC 9700 §4.14.2), which the accounts core decides.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use keyward_accounts::audit::{self, Actor, AuditEvent};
use keyward_accounts::profile::{self, Audience};
use keyward_accounts::resources::{self, ResourceRefusal};
use keyward_accounts::sessions::{self, NewGrant, Refresh, SessionRef};
use keyward_accounts::{clients, secret, signin, status};
use keyward_store::{OAuthClient, OfflineGrant, Tx, User};
use keyward_token::oidc::{ACCESS_TOKEN_TYP, pkce_s256_matches, sign_claims};
use serde_json::{Map, Value, json};

use crate::cors;
use crate::error::{DoorError, Failure, OAuthError, no_store};
use crate::keys::ProjectKeys;
use crate::request::{Ctx, Params};
use crate::{SigninState, Tenant};

/// ID tokens are short-lived on purpose (Authgear: 300 s); an expired one
/// still works as `id_token_hint`.
pub const ID_TOKEN_LIFETIME_SECS: i64 = 300;

/// `POST /oauth2/token`.
pub async fn token(State(state): State<SigninState>, ctx: Ctx, body: Bytes) -> Response {
    let text = std::str::from_utf8(&body).unwrap_or_default();
    let params = Params::parse(text);
    let result = match Params::repeated(text) {
        Some(name) => {
            let name: String = name.chars().take(64).collect();
            Err(OAuthError::invalid_request(format!("{name} is given more than once")).into())
        }
        None => match authenticate_client(&state, &ctx, &params).await {
            Ok(client) => grant(&state, &ctx, &client, &params).await,
            Err(e) => Err(e),
        },
    };
    let response = match result {
        Ok(body) => no_store(Json(body)),
        Err(e) => e.into_response(),
    };
    cors::for_clients(&state, &ctx, response).await
}

/// Run the requested grant, if this client may use it.
async fn grant(
    state: &SigninState,
    ctx: &Ctx,
    client: &OAuthClient,
    params: &Params,
) -> Result<Value, Failure> {
    let m2m = !client.client_type.signs_users_in();
    let unauthorized = || {
        Err(OAuthError::bad(
            "unauthorized_client",
            "grant type is not allowed for this client",
        )
        .into())
    };
    match params.get("grant_type") {
        Some("authorization_code") if !m2m => exchange_code(state, ctx, client, params).await,
        Some("refresh_token") if !m2m => refresh(state, ctx, client, params).await,
        Some("client_credentials") if m2m => client_credentials(state, ctx, client, params).await,
        Some("authorization_code" | "refresh_token" | "client_credentials") => unauthorized(),
        Some(_) => Err(OAuthError::bad("unsupported_grant_type", "unsupported grant type").into()),
        None => Err(OAuthError::invalid_request("grant_type is required").into()),
    }
}

/// `client_credentials`: an access token for the resource named by
/// `resource`, with the requested scopes (all the client's scopes there
/// when `scope` is absent), each of which the project assigned to it.
async fn client_credentials(
    state: &SigninState,
    ctx: &Ctx,
    client: &OAuthClient,
    params: &Params,
) -> Result<Value, Failure> {
    let project = ctx.tenant.project.as_str();
    let Some(uri) = params.get("resource") else {
        return Err(OAuthError::bad("invalid_target", "resource is required").into());
    };
    let requested: Option<Vec<String>> = params.get("scope").map(|s| {
        s.split(' ')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    });
    let now = state.now();
    let keys = state.keys().get(project, now).await?;
    let mut tx = state.store().begin().await?;
    let granted =
        resources::grantable_scopes(&mut tx, project, client, uri, requested.as_deref()).await?;
    let (resource, scopes) = match granted {
        Ok(found) => found,
        Err(ResourceRefusal::InvalidTarget) => {
            return Err(OAuthError::bad(
                "invalid_target",
                "the resource does not exist or is not associated with this client",
            )
            .into());
        }
        Err(ResourceRefusal::InvalidScope(s)) => {
            return Err(OAuthError::bad(
                "invalid_scope",
                format!("scope `{s}` is not granted to this client on this resource"),
            )
            .into());
        }
    };
    let (kid, key) = keys
        .signer
        .as_ref()
        .ok_or_else(|| DoorError::Internal("no signing key is active yet".into()))?;
    let lifetime = client.access_token_lifetime_secs;
    let scope = scopes.join(" ");
    let mut claims = Map::new();
    claims.insert("iss".into(), json!(ctx.tenant.issuer));
    claims.insert("aud".into(), json!(resource.uri));
    claims.insert("sub".into(), json!(client.client_id));
    claims.insert("client_id".into(), json!(client.client_id));
    claims.insert("iat".into(), json!(now));
    claims.insert("exp".into(), json!(now + lifetime));
    claims.insert("jti".into(), json!(secret::random_token()?));
    if !scope.is_empty() {
        claims.insert("scope".into(), json!(scope));
    }
    let access_token = sign_claims(&claims, kid, ACCESS_TOKEN_TYP, key)?;
    let actor = Actor {
        project: project.to_owned(),
        now: state.now_micros(),
        by: ctx.initiator(Some(&client.client_id)),
    };
    let event = AuditEvent::M2mTokenCreated {
        client_id: client.client_id.clone(),
        resource: resource.uri.clone(),
        scopes,
    };
    audit::record(&mut tx, &actor, None, event).await?;
    tx.commit().await?;
    let mut body = json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": lifetime,
    });
    if !scope.is_empty() {
        body["scope"] = json!(scope);
    }
    Ok(body)
}

async fn authenticate_client(
    state: &SigninState,
    ctx: &Ctx,
    params: &Params,
) -> Result<OAuthClient, Failure> {
    let basic = basic_credentials(ctx);
    let used_basic = basic.is_some() && params.get("client_secret").is_none();
    let (client_id, secret) = match (params.get("client_id"), params.get("client_secret")) {
        (Some(id), Some(secret)) => (id.to_owned(), Some(secret.to_owned())),
        // Some libraries repeat the client ID in the body next to HTTP Basic.
        (Some(id), None) => {
            let secret = basic.filter(|(basic_id, _)| basic_id == id).map(|(_, s)| s);
            (id.to_owned(), secret)
        }
        (None, _) => match basic {
            Some((id, secret)) => (id, Some(secret)),
            None => {
                return Err(
                    OAuthError::invalid_client("client authentication failed", false).into(),
                );
            }
        },
    };
    let Some(client) = state
        .store()
        .client(&ctx.tenant.project, &client_id)
        .await?
    else {
        return Err(OAuthError::invalid_client("client authentication failed", used_basic).into());
    };
    if !client.client_type.is_public() {
        let proven = secret.is_some_and(|s| clients::secret_matches(&client, &s));
        if !proven {
            return Err(
                OAuthError::invalid_client("client authentication failed", used_basic).into(),
            );
        }
    }
    Ok(client)
}

/// `Authorization: Basic` credentials, form-decoded (RFC 6749 §2.3.1).
fn basic_credentials(ctx: &Ctx) -> Option<(String, String)> {
    let value = ctx.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    let decode = |s: &str| {
        url::form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
    };
    Some((decode(id)?, decode(secret)?))
}

async fn exchange_code(
    state: &SigninState,
    ctx: &Ctx,
    client: &OAuthClient,
    params: &Params,
) -> Result<Value, Failure> {
    let project = ctx.tenant.project.as_str();
    let Some(code) = params.get("code") else {
        return Err(OAuthError::invalid_request("code is required").into());
    };
    if client.client_type.is_public() && params.get("code_verifier").is_none() {
        return Err(OAuthError::invalid_request("PKCE code verifier is required").into());
    }
    let invalid = || Failure::from(OAuthError::invalid_grant("invalid authorization code"));
    let now = state.now();
    // Before the transaction: a project's first key is written on first
    // use, which SQLite could not do while this transaction holds the lock.
    let keys = state.keys().get(project, now).await?;
    let code_hash = secret::digest_hex(code);
    let mut tx = state.store().begin().await?;
    let Some(stored) = tx.code(project, &code_hash).await? else {
        return Err(invalid());
    };
    if let Some(first) = &stored.redeemed_grant {
        // A replayed code: whoever holds it is not who redeemed it first
        // (or the client retried blindly). End what the first redemption
        // issued, and refuse.
        sessions::revoke(&mut tx, project, &SessionRef::Grant(first.clone())).await?;
        tx.commit().await?;
        tracing::warn!(client = %client.client_id, "authorization code redeemed twice; its grant was revoked");
        return Err(invalid());
    }
    if stored.expires_at <= now || stored.client_id != client.client_id {
        return Err(invalid());
    }
    let request: Value = serde_json::from_str(&stored.request)
        .map_err(|e| DoorError::Internal(format!("stored code request: {e}")))?;
    let text = |k: &str| request.get(k).and_then(Value::as_str).map(str::to_owned);
    if params.get("redirect_uri") != text("redirect_uri").as_deref() {
        return Err(OAuthError::invalid_request("invalid redirect URI").into());
    }
    if let Some(challenge) = text("code_challenge") {
        let verifier = params.get("code_verifier").unwrap_or_default();
        if !pkce_s256_matches(verifier, &challenge) {
            return Err(invalid());
        }
    } else if params.get("code_verifier").is_some() {
        return Err(invalid());
    }
    let Some(user) = tx.user(project, &stored.user_id).await? else {
        return Err(invalid());
    };
    if status::may_sign_in(&user, now * 1_000_000).is_err() {
        return Err(invalid());
    }
    let sso = request.get("sso").and_then(Value::as_bool).unwrap_or(false);
    if let Some(idp) = &stored.idp_session_id {
        // Signed out between the sign-in and the exchange.
        let alive = tx
            .idp_session(project, idp)
            .await?
            .is_some_and(|s| s.expires_at > now);
        if !alive {
            return Err(invalid());
        }
    }
    let scope = text("scope").unwrap_or_default();
    let auth_time = request
        .get("auth_time")
        .and_then(Value::as_i64)
        .unwrap_or(now);
    let amr = text("amr").unwrap_or_default();
    let (grant, refresh_token) = sessions::create_grant(
        &mut tx,
        project,
        NewGrant {
            user_id: &user.id,
            client_id: &client.client_id,
            idp_session_id: stored.idp_session_id.as_deref(),
            sso_enabled: sso && stored.idp_session_id.is_some(),
            scope: &scope,
            auth_time,
            amr: &amr,
        },
        now,
        &ctx.device,
    )
    .await?;
    if !tx.redeem_code(&code_hash, &grant.id).await? {
        return Err(invalid());
    }
    let sid = SessionRef::Grant(grant.id.clone());
    if stored.idp_session_id.is_none() {
        // No IdP session recorded the sign-in: the grant does (spec §10).
        let actor = Actor {
            project: project.to_owned(),
            now: state.now_micros(),
            by: ctx.initiator(Some(&client.client_id)),
        };
        signin::record_authenticated(&mut tx, &actor, &user, sid.raw()).await?;
    }
    let issued = Issue {
        client,
        user: &user,
        scope: &scope,
        sid: &sid.sid(),
        auth_time,
        amr: &amr,
        nonce: text("nonce"),
    };
    let body = tokens(
        state,
        &ctx.tenant,
        &mut tx,
        &keys,
        &issued,
        scope_has(&scope, "offline_access").then_some(refresh_token),
    )
    .await?;
    tx.commit().await?;
    Ok(body)
}

async fn refresh(
    state: &SigninState,
    ctx: &Ctx,
    client: &OAuthClient,
    params: &Params,
) -> Result<Value, Failure> {
    let project = ctx.tenant.project.as_str();
    let Some(token) = params.get("refresh_token") else {
        return Err(OAuthError::invalid_request("refresh_token is required").into());
    };
    let now = state.now();
    let keys = state.keys().get(project, now).await?;
    let mut tx = state.store().begin().await?;
    let outcome = sessions::refresh(&mut tx, project, client, token, now, &ctx.device).await?;
    let (grant, user, new_token) = match outcome {
        Refresh::Granted {
            grant,
            user,
            new_token,
        } => (grant, user, new_token),
        Refresh::Reused { grant_id, user_id } => {
            let actor = Actor {
                project: project.to_owned(),
                now: state.now_micros(),
                by: ctx.initiator(Some(&client.client_id)),
            };
            let event = AuditEvent::SessionTerminated {
                termination_type: "refresh_token_reuse",
                sessions: vec![SessionRef::Grant(grant_id).raw()],
            };
            audit::record(&mut tx, &actor, Some(&user_id), event).await?;
            tx.commit().await?;
            tracing::warn!(client = %client.client_id, "rotated refresh token presented again; grant revoked");
            return Err(OAuthError::invalid_grant("invalid refresh token").into());
        }
        Refresh::Invalid => {
            tx.commit().await?;
            return Err(OAuthError::invalid_grant("invalid refresh token").into());
        }
    };
    let sid = SessionRef::Grant(grant.id.clone()).sid();
    let issued = Issue {
        client,
        user: &user,
        scope: &grant.scope,
        sid: &sid,
        auth_time: grant.auth_time,
        amr: &grant.amr,
        nonce: None,
    };
    let body = tokens(state, &ctx.tenant, &mut tx, &keys, &issued, new_token).await?;
    tx.commit().await?;
    Ok(body)
}

/// The access token of a grant made outside the sign-in flow (the Admin
/// API's `createSession`), as a refresh of it would issue, for `tenant`'s
/// issuer. The refresh token is the caller's (it made the grant).
pub async fn access_token_for_grant(
    state: &SigninState,
    tenant: &Tenant,
    client: &OAuthClient,
    user: &User,
    grant: &OfflineGrant,
) -> Result<String, DoorError> {
    let now = state.now();
    let keys = state.keys().get(&tenant.project, now).await?;
    let sid = SessionRef::Grant(grant.id.clone()).sid();
    let issued = Issue {
        client,
        user,
        scope: &grant.scope,
        sid: &sid,
        auth_time: grant.auth_time,
        amr: &grant.amr,
        nonce: None,
    };
    let mut tx = state.store().begin_read().await?;
    let body = tokens(state, tenant, &mut tx, &keys, &issued, None).await?;
    tx.commit().await?;
    body["access_token"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| DoorError::Internal("no access token was signed".into()))
}

fn scope_has(scope: &str, wanted: &str) -> bool {
    scope.split(' ').any(|s| s == wanted)
}

/// What a token response is about.
struct Issue<'a> {
    client: &'a OAuthClient,
    user: &'a User,
    scope: &'a str,
    sid: &'a str,
    auth_time: i64,
    amr: &'a str,
    nonce: Option<String>,
}

/// The access token, the ID token (scope `openid`) and the refresh token
/// (when one is to be handed out), as the token response.
async fn tokens(
    state: &SigninState,
    tenant: &Tenant,
    tx: &mut Tx,
    keys: &ProjectKeys,
    issue: &Issue<'_>,
    refresh_token: Option<String>,
) -> Result<Value, DoorError> {
    let project = tenant.project.as_str();
    let issuer = tenant.issuer.as_str();
    let now = state.now();
    let (kid, key) = keys
        .signer
        .as_ref()
        .ok_or_else(|| DoorError::Internal("no signing key is active yet".into()))?;
    let scopes: Vec<&str> = issue.scope.split(' ').collect();
    let amr: Vec<&str> = issue.amr.split_whitespace().collect();
    let base = |extra: Map<String, Value>| {
        let mut c = extra;
        c.insert("iss".into(), json!(issuer));
        c.insert("iat".into(), json!(now));
        c.insert("auth_time".into(), json!(issue.auth_time));
        c.insert("sid".into(), json!(issue.sid));
        if !amr.is_empty() {
            c.insert("amr".into(), json!(amr));
        }
        c
    };
    let lifetime = issue.client.access_token_lifetime_secs;
    let mut at =
        base(profile::claims(tx, project, issue.user, &scopes, Audience::PublicIdToken).await?);
    at.insert("aud".into(), json!(issuer));
    at.insert("exp".into(), json!(now + lifetime));
    at.insert("client_id".into(), json!(issue.client.client_id));
    at.insert("scope".into(), json!(issue.scope));
    at.insert("jti".into(), json!(secret::random_token()?));
    let access_token = sign_claims(&at, kid, ACCESS_TOKEN_TYP, key)?;
    let mut body = json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": lifetime,
    });
    if scopes.contains(&"openid") {
        let audience = if issue.client.client_type.is_public() {
            Audience::PublicIdToken
        } else {
            Audience::Confidential
        };
        let mut id = base(profile::claims(tx, project, issue.user, &scopes, audience).await?);
        id.insert("aud".into(), json!([issue.client.client_id]));
        id.insert("exp".into(), json!(now + ID_TOKEN_LIFETIME_SECS));
        if let Some(nonce) = &issue.nonce {
            id.insert("nonce".into(), json!(nonce));
        }
        body["id_token"] = json!(sign_claims(&id, kid, "JWT", key)?);
    }
    if let Some(rt) = refresh_token {
        body["refresh_token"] = json!(rt);
    }
    Ok(body)
}
