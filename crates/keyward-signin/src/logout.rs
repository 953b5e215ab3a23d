//! Signing out: `POST /oauth2/revoke` (RFC 7009; revoking a refresh token
//! ends its grant), `/oauth2/end_session` (RP-initiated logout) and its
//! confirmation `POST /logout`.
//!
//! end_session signs the browser out at once when the `id_token_hint` names
//! the user of its IdP session; otherwise it asks first (a POST with a CSRF
//! token, so another site cannot sign users out with a link). It redirects
//! only to a registered `post_logout_redirect_uri` (of the hint's client
//! when there is a hint), with `state`; anything else ends on keyward's
//! "signed out" page.

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use keyward_accounts::audit::{self, Actor, AuditEvent};
use keyward_accounts::secret;
use keyward_accounts::sessions::{self, SessionRef};
use keyward_store::Tx;
use keyward_token::oidc::read_id_token_hint;
use serde_json::Value;

use crate::authorize::{ResponseMode, respond};
use crate::error::DoorError;
use crate::request::{Ctx, Params, SESSION_COOKIE, cookie, with_cookies};
use crate::{SigninState, cors, csrf, pages};

/// `POST /oauth2/revoke`: always 200 with an empty body.
pub async fn revoke(State(state): State<SigninState>, ctx: Ctx, body: Bytes) -> Response {
    let params = Params::parse(std::str::from_utf8(&body).unwrap_or_default());
    let response = match params.get("token") {
        Some(token) => match revoke_refresh_token(&state, &ctx, token).await {
            Ok(()) => StatusCode::OK.into_response(),
            Err(e) => e.into_response(),
        },
        None => StatusCode::OK.into_response(),
    };
    cors::for_clients(&state, &ctx, crate::error::no_store(response)).await
}

/// A refresh token (`<grant>.<secret>`) that is its grant's current one
/// ends the grant; anything else (an access token, which is a JWT and
/// expires by itself; an unknown or stale token) changes nothing.
async fn revoke_refresh_token(
    state: &SigninState,
    ctx: &Ctx,
    token: &str,
) -> Result<(), DoorError> {
    let project = ctx.tenant.project.as_str();
    let Some((grant_id, secret_part)) = secret::split_token(token) else {
        return Ok(());
    };
    let mut tx = state.store().begin().await?;
    let Some(grant) = tx.grant(project, grant_id).await? else {
        return Ok(());
    };
    if !secret::matches(secret_part, &grant.refresh_hash) {
        return Ok(());
    }
    let session = SessionRef::Grant(grant.id.clone());
    sessions::revoke(&mut tx, project, &session).await?;
    signed_out(
        &mut tx,
        state,
        ctx,
        Some(&grant.client_id),
        &grant.user_id,
        &session,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

async fn signed_out(
    tx: &mut Tx,
    state: &SigninState,
    ctx: &Ctx,
    client_id: Option<&str>,
    user_id: &str,
    session: &SessionRef,
) -> Result<(), DoorError> {
    let actor = Actor {
        project: ctx.tenant.project.clone(),
        now: state.now_micros(),
        by: ctx.initiator(client_id),
    };
    let event = AuditEvent::SignedOut {
        session: session.raw(),
    };
    audit::record(tx, &actor, Some(user_id), event).await?;
    Ok(())
}

/// What an end_session request asked for, checked.
struct EndSession {
    /// `sub`, `sid` and client of a valid hint.
    hint: Option<(String, Option<String>, String)>,
    /// A registered post-logout URI, and the state to echo.
    target: Option<(String, Option<String>)>,
}

async fn read(state: &SigninState, ctx: &Ctx, params: &Params) -> Result<EndSession, DoorError> {
    let project = ctx.tenant.project.as_str();
    let mut hint = None;
    if let Some(token) = params.get("id_token_hint") {
        let keys = state.keys().get(project, state.now()).await?;
        if let Ok(claims) = read_id_token_hint(token, &keys.set) {
            let text = |k: &str| claims.get(k).and_then(Value::as_str).map(str::to_owned);
            let aud = match claims.get("aud") {
                Some(Value::Array(a)) if a.len() == 1 => a[0].as_str().map(str::to_owned),
                Some(Value::String(s)) => Some(s.clone()),
                _ => None,
            };
            if let (Some(sub), Some(aud)) = (text("sub"), aud) {
                hint = Some((sub, text("sid"), aud));
            }
        }
    }
    let clients = state.store().clients_of(project).await?;
    let target = params.get("post_logout_redirect_uri").and_then(|uri| {
        let registered = clients
            .iter()
            .filter(|c| hint.as_ref().is_none_or(|(_, _, aud)| &c.client_id == aud))
            .any(|c| c.post_logout_redirect_uris.iter().any(|u| u == uri));
        registered.then(|| (uri.to_owned(), params.get("state").map(str::to_owned)))
    });
    Ok(EndSession { hint, target })
}

/// `GET|POST /oauth2/end_session`.
pub async fn end_session(
    State(state): State<SigninState>,
    ctx: Ctx,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let params = Params::from_query_and_body(query.as_deref(), &body);
    match end_session_inner(&state, &ctx, &params).await {
        Ok(r) => crate::error::no_store(r),
        Err(e) => e.into_response(),
    }
}

async fn end_session_inner(
    state: &SigninState,
    ctx: &Ctx,
    params: &Params,
) -> Result<Response, DoorError> {
    let project = ctx.tenant.project.as_str();
    let now = state.now();
    let request = read(state, ctx, params).await?;
    let mut tx = state.store().begin().await?;
    let session = match ctx.cookie(SESSION_COOKIE) {
        Some(c) => sessions::resolve_idp_session(&mut tx, project, &c, now).await?,
        None => None,
    };
    let hinted_user = request.hint.as_ref().map(|(sub, _, _)| sub.as_str());
    if let Some((_, user)) = &session
        && hinted_user != Some(user.id.as_str())
    {
        tx.commit().await?;
        // Not proven to come from the user's app: ask.
        let (token, set) = csrf::token(ctx)?;
        let mut forwarded = Vec::new();
        if let Some((uri, st)) = &request.target {
            forwarded.push(("post_logout_redirect_uri".to_owned(), uri.clone()));
            if let Some(st) = st {
                forwarded.push(("state".to_owned(), st.clone()));
            }
        }
        return Ok(with_cookies(
            pages::logout_confirm(project, &token, &forwarded),
            set.into_iter().collect(),
        ));
    }
    if let Some((session, user)) = &session {
        let r = SessionRef::Idp(session.id.clone());
        sessions::revoke(&mut tx, project, &r).await?;
        signed_out(&mut tx, state, ctx, None, &user.id, &r).await?;
    }
    // The hint's own grant ends too (an app that signed in without SSO has
    // no IdP session, only its grant).
    if let Some((sub, Some(sid), aud)) = &request.hint
        && let Some(SessionRef::Grant(id)) = SessionRef::parse_sid(sid)
        && tx
            .grant(project, &id)
            .await?
            .is_some_and(|g| &g.user_id == sub)
    {
        let r = SessionRef::Grant(id);
        sessions::revoke(&mut tx, project, &r).await?;
        signed_out(&mut tx, state, ctx, Some(aud), sub, &r).await?;
    }
    tx.commit().await?;
    Ok(finish(ctx, request.target))
}

/// Clear the session cookie and go to the post-logout URI or the
/// signed-out page.
fn finish(ctx: &Ctx, target: Option<(String, Option<String>)>) -> Response {
    let clear = cookie(SESSION_COOKIE, "", Some(0), "Lax", ctx.tenant.is_https());
    let response = match target {
        Some((uri, state)) => {
            let pairs: Vec<(String, String)> =
                state.into_iter().map(|s| ("state".to_owned(), s)).collect();
            respond(&uri, ResponseMode::Query, &pairs)
        }
        None => pages::message(
            StatusCode::OK,
            &ctx.tenant.project,
            "Signed out",
            "You have signed out. You can close this page.",
        ),
    };
    with_cookies(response, vec![clear])
}

/// `POST /logout`: the confirmed sign-out.
pub async fn confirm(State(state): State<SigninState>, ctx: Ctx, body: Bytes) -> Response {
    let params = Params::parse(std::str::from_utf8(&body).unwrap_or_default());
    if !csrf::check(&ctx, params.get("csrf")) {
        return pages::message(
            StatusCode::FORBIDDEN,
            &ctx.tenant.project,
            "This page has expired",
            "Reload the page and try again.",
        );
    }
    match confirm_inner(&state, &ctx, &params).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

async fn confirm_inner(
    state: &SigninState,
    ctx: &Ctx,
    params: &Params,
) -> Result<Response, DoorError> {
    let project = ctx.tenant.project.as_str();
    let request = read(state, ctx, params).await?;
    let mut tx = state.store().begin().await?;
    if let Some(c) = ctx.cookie(SESSION_COOKIE)
        && let Some((session, user)) =
            sessions::resolve_idp_session(&mut tx, project, &c, state.now()).await?
    {
        let r = SessionRef::Idp(session.id.clone());
        sessions::revoke(&mut tx, project, &r).await?;
        signed_out(&mut tx, state, ctx, None, &user.id, &r).await?;
    }
    tx.commit().await?;
    Ok(finish(ctx, request.target))
}
