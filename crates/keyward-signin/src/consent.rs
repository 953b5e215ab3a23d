//! Consent for third-party apps: the page that lists what the app asks
//! for, and `POST /consent`, which answers it. Like the sign-in form, the
//! page carries the authorize request in hidden fields and it is validated
//! again on post; the user is whoever the IdP session cookie names (a
//! third-party sign-in always keeps one), and the form needs the CSRF
//! token. Allowing records the scopes as the user's authorization of the
//! app (`User.authorizations`); later requests within it skip the page.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use keyward_accounts::sessions;

use crate::SigninState;
use crate::authorize::{self, AuthzRequest, Refusal, SignedIn};
use crate::request::{Ctx, Params, SESSION_COOKIE, with_cookies};
use crate::{csrf, error, pages};

/// What a scope lets the app do, in the user's words.
pub fn describe(scope: &str) -> &'static str {
    match scope {
        "openid" => "Know who you are on this service",
        "email" => "See your email address",
        "profile" => "See your profile: name, picture and other details",
        "phone" => "See your phone number",
        "address" => "See your postal address",
        "offline_access" => "Stay connected when you are not using it",
        _ => "Access your account",
    }
}

/// The consent page for `authz` (the user is signed in).
pub fn page(ctx: &Ctx, authz: &AuthzRequest) -> Response {
    let (token, set_cookie) = match csrf::token(ctx) {
        Ok(t) => t,
        Err(e) => return e.into_response(),
    };
    let scopes: Vec<(&str, &str)> = authz.scope.split(' ').map(|s| (s, describe(s))).collect();
    let page = pages::consent(pages::ConsentPage {
        project: &ctx.tenant.project,
        client_name: &authz.client.name,
        scopes: &scopes,
        csrf: &token,
        forwarded: &authz.forwarded,
        redirect_uri: &authz.redirect_uri,
    });
    with_cookies(page, set_cookie.into_iter().collect())
}

/// `POST /consent`: `decision=allow` records the authorization and issues
/// the code; anything else sends `access_denied` to the app.
pub async fn answer(State(state): State<SigninState>, ctx: Ctx, body: Bytes) -> Response {
    let form = Params::parse(std::str::from_utf8(&body).unwrap_or_default());
    let authz = match authorize::validate(&state, &ctx.tenant.project, &form).await {
        Ok(a) => a,
        Err(r) => return r.into_response(),
    };
    if !authz.client.client_type.is_third_party() {
        return pages::message(
            StatusCode::BAD_REQUEST,
            &ctx.tenant.project,
            "Nothing to consent to",
            "This application does not ask for consent.",
        );
    }
    if !csrf::check(&ctx, form.get("csrf")) {
        return pages::message(
            StatusCode::FORBIDDEN,
            &ctx.tenant.project,
            "This page has expired",
            "For your security the form could not be accepted. Go back to the application and try again.",
        );
    }
    match decide(&state, &ctx, &authz, form.get("decision") == Some("allow")).await {
        Ok(r) => error::no_store(r),
        Err(e) => e.into_response(),
    }
}

async fn decide(
    state: &SigninState,
    ctx: &Ctx,
    authz: &AuthzRequest,
    allow: bool,
) -> Result<Response, crate::error::DoorError> {
    let project = ctx.tenant.project.as_str();
    let now = state.now();
    let mut tx = state.store().begin().await?;
    let live = match ctx.cookie(SESSION_COOKIE) {
        Some(cookie) => sessions::resolve_idp_session(&mut tx, project, &cookie, now).await?,
        None => None,
    };
    let Some((session, _user)) = live else {
        // Signed out meanwhile: sign in again, the request carried along.
        tx.commit().await?;
        let query = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(authz.forwarded.iter())
            .finish();
        return Ok(Redirect::to(&format!("/login?{query}")).into_response());
    };
    if !allow {
        tx.commit().await?;
        return Ok(Refusal::Redirect {
            target: Box::new((authz.redirect_uri.clone(), authz.mode, authz.state.clone())),
            error: "access_denied",
            description: "the user did not allow this client".into(),
        }
        .into_response());
    }
    let scopes: Vec<String> = authz.scope.split(' ').map(str::to_owned).collect();
    tx.grant_authorization(
        project,
        &session.user_id,
        &authz.client.client_id,
        &scopes,
        state.now_micros(),
    )
    .await?;
    let who = SignedIn {
        user_id: &session.user_id,
        session: Some(&session),
        auth_time: session.auth_time,
        amr: &session.amr,
    };
    let code = authorize::issue_code(&mut tx, state, ctx, authz, who).await?;
    tx.commit().await?;
    Ok(authorize::success(authz, &code))
}
