//! `GET|POST /oauth2/userinfo` with a Bearer access token. The token must
//! verify under the project's keys, be unexpired and issued by this issuer,
//! and the session it came from must still be alive with an account that
//! may sign in: revoking a session or disabling a user shuts userinfo at
//! once, not when the token expires.

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use keyward_accounts::profile::{self, Audience};
use keyward_accounts::sessions;
use keyward_token::oidc::verify_access_token;

use crate::SigninState;
use crate::cors;
use crate::error::{Failure, OAuthError, no_store};
use crate::request::Ctx;

/// The Bearer token of a request (scheme case-insensitive).
pub fn bearer(ctx: &Ctx) -> Option<String> {
    let value = ctx.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
        .filter(|t| !t.is_empty())
}

/// `GET|POST /oauth2/userinfo`.
pub async fn userinfo(State(state): State<SigninState>, ctx: Ctx) -> Response {
    let response = match claims(&state, &ctx).await {
        Ok(body) => no_store(Json(body)),
        Err(e) => e.into_response(),
    };
    cors::for_clients(&state, &ctx, response).await
}

async fn claims(state: &SigninState, ctx: &Ctx) -> Result<serde_json::Value, Failure> {
    let project = ctx.tenant.project.as_str();
    let Some(token) = bearer(ctx) else {
        return Err(OAuthError::invalid_session().into());
    };
    let now = state.now();
    let keys = state.keys().get(project, now).await?;
    let Ok(at) = verify_access_token(&token, &keys.set, &ctx.tenant.issuer, now as u64) else {
        return Err(OAuthError::invalid_session().into());
    };
    let mut tx = state.store().begin_read().await?;
    let Some(user) = sessions::resolve_sid(&mut tx, project, &at.sid, now).await? else {
        return Err(OAuthError::invalid_session().into());
    };
    if user.id != at.sub {
        return Err(OAuthError::invalid_session().into());
    }
    let audience = match tx.client(project, &at.client_id).await? {
        Some(c) if !c.client_type.is_public() => Audience::Confidential,
        Some(_) => Audience::PublicUserinfo,
        None => return Err(OAuthError::invalid_session().into()),
    };
    let scopes: Vec<&str> = at.scope.split(' ').collect();
    let claims = profile::claims(&mut tx, project, &user, &scopes, audience).await?;
    tx.commit().await?;
    Ok(serde_json::Value::Object(claims))
}
