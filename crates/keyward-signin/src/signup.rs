//! `/signup`: end users create their own account when the project allows
//! it (`keyward project update --signup on`). The form takes an email
//! address or phone number and a password; a 6-digit code sent to the
//! address proves it (`/signup/verify`), and only then does the account
//! exist, signed in at once (under a `required` MFA policy, after setting
//! up an authenticator app). The authorize request travels in hidden
//! fields as on the sign-in form.

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use keyward_accounts::audit::Actor;
use keyward_accounts::loginid::{self, LoginIdType};
use keyward_accounts::signin::PASSWORD_AMR;
use keyward_accounts::signup::{self, Completed, Started};
use keyward_accounts::{AccountsError, password};
use keyward_store::MfaPolicy;
use maud::html;

use crate::SigninState;
use crate::authorize::{AuthzRequest, complete, validate};
use crate::error::{self, DoorError};
use crate::request::{Ctx, Params, with_cookies};
use crate::{csrf, pages, second_factor};

/// Whether the project lets end users sign up.
pub(crate) async fn enabled(state: &SigninState, project: &str) -> Result<bool, DoorError> {
    Ok(state
        .store()
        .account_settings(project)
        .await?
        .signup_enabled)
}

fn closed(ctx: &Ctx) -> Response {
    pages::message(
        StatusCode::NOT_FOUND,
        &ctx.tenant.project,
        "Sign-up is not available",
        "New accounts are not created here. Ask the administrator of this app for one.",
    )
}

enum View<'a> {
    Form { login: &'a str },
    Code { token: &'a str },
}

fn render(
    ctx: &Ctx,
    authz: Option<&AuthzRequest>,
    view: View<'_>,
    error: Option<&str>,
    status: StatusCode,
) -> Response {
    let (csrf, set_cookie) = match csrf::token(ctx) {
        Ok(t) => t,
        Err(e) => return e.into_response(),
    };
    let forwarded = authz.map(|a| a.forwarded.as_slice()).unwrap_or_default();
    let hidden = html! {
        input type="hidden" name="csrf" value=(csrf);
        @for (k, v) in forwarded { input type="hidden" name=(k) value=(v); }
    };
    let (title, body) = match view {
        View::Form { login } => (
            "Create an account",
            html! {
                @if let Some(e) = error { p.error role="alert" id="signup-error" { (e) } }
                form method="post" action="/signup" {
                    (hidden)
                    label for="login" { "Email or phone number" }
                    input id="login" name="login" type="text" autocomplete="username" required autofocus
                        value=(login) autocapitalize="none" spellcheck="false"
                        aria-describedby=[error.map(|_| "signup-error")];
                    label for="password" { "Password" }
                    input id="password" name="password" type="password" autocomplete="new-password" required minlength="8";
                    label for="confirm" { "Password, again" }
                    input id="confirm" name="confirm" type="password" autocomplete="new-password" required minlength="8";
                    button type="submit" { "Create the account" }
                }
                p { a href="/login" { "I have an account" } }
            },
        ),
        View::Code { token } => (
            "Check your messages",
            html! {
                p { "We sent a 6-digit code to the address you gave. It works for 5 minutes." }
                @if let Some(e) = error { p.error role="alert" id="signup-error" { (e) } }
                form method="post" action="/signup/verify" {
                    (hidden)
                    input type="hidden" name="signup" value=(token);
                    label for="code" { "Code" }
                    input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code"
                        pattern="[0-9]{6}" maxlength="6" required autofocus
                        aria-describedby=[error.map(|_| "signup-error")];
                    button type="submit" { "Verify" }
                }
            },
        ),
    };
    let response = pages::flow_page(
        status,
        &ctx.tenant.project,
        title,
        body,
        authz.map(|a| a.redirect_uri.as_str()),
    );
    with_cookies(response, set_cookie.into_iter().collect())
}

/// The authorize request of a form or query, validated.
async fn authz_of(
    state: &SigninState,
    ctx: &Ctx,
    params: &Params,
) -> Result<Option<AuthzRequest>, Response> {
    if params.get("client_id").is_none() {
        return Ok(None);
    }
    validate(state, &ctx.tenant.project, params)
        .await
        .map(Some)
        .map_err(IntoResponse::into_response)
}

/// `GET /signup`.
pub async fn page(
    State(state): State<SigninState>,
    ctx: Ctx,
    RawQuery(query): RawQuery,
) -> Response {
    match enabled(&state, &ctx.tenant.project).await {
        Ok(true) => {}
        Ok(false) => return closed(&ctx),
        Err(e) => return e.into_response(),
    }
    let params = Params::parse(query.as_deref().unwrap_or_default());
    match authz_of(&state, &ctx, &params).await {
        Ok(authz) => render(
            &ctx,
            authz.as_ref(),
            View::Form { login: "" },
            None,
            StatusCode::OK,
        ),
        Err(r) => r,
    }
}

async fn posted(
    state: &SigninState,
    ctx: &Ctx,
    body: &Bytes,
) -> Result<(Params, Option<AuthzRequest>), Response> {
    match enabled(state, &ctx.tenant.project).await {
        Ok(true) => {}
        Ok(false) => return Err(closed(ctx)),
        Err(e) => return Err(e.into_response()),
    }
    let form = Params::parse(std::str::from_utf8(body).unwrap_or_default());
    let authz = authz_of(state, ctx, &form).await?;
    if !csrf::check(ctx, form.get("csrf")) {
        return Err(pages::message(
            StatusCode::FORBIDDEN,
            &ctx.tenant.project,
            "This page has expired",
            "For your security the form could not be accepted. Go back, reload the page and try again.",
        ));
    }
    Ok((form, authz))
}

fn actor(state: &SigninState, ctx: &Ctx, authz: Option<&AuthzRequest>) -> Actor {
    Actor {
        project: ctx.tenant.project.clone(),
        now: state.now_micros(),
        by: ctx.initiator(authz.map(|a| a.client.client_id.as_str())),
    }
}

/// `POST /signup`.
pub async fn start(State(state): State<SigninState>, ctx: Ctx, body: Bytes) -> Response {
    let (form, authz) = match posted(&state, &ctx, &body).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let given = form.get("login").unwrap_or_default().trim().to_owned();
    let again = |error: &str, status| {
        render(
            &ctx,
            authz.as_ref(),
            View::Form { login: &given },
            Some(error),
            status,
        )
    };
    let kind = if given.contains('@') {
        LoginIdType::Email
    } else {
        LoginIdType::Phone
    };
    let Ok(login) = loginid::check(kind, &given) else {
        return again(
            "Enter an email address, or a phone number with its country code (+44…).",
            StatusCode::BAD_REQUEST,
        );
    };
    let plain = form.get("password").unwrap_or_default().to_owned();
    if form.get("confirm").unwrap_or_default() != plain {
        return again("The two passwords differ.", StatusCode::BAD_REQUEST);
    }
    if password::check(&plain).is_err() {
        return again(
            "The password must be at least 8 characters long.",
            StatusCode::BAD_REQUEST,
        );
    }
    let project = ctx.tenant.project.clone();
    if !state
        .throttle()
        .allows(&project, &ctx.device.ip, &login.normalized)
        .await
    {
        return pages::too_many_attempts(&project);
    }
    // Counted like a failure: bounds how fast addresses can be probed or
    // flooded with codes.
    state
        .throttle()
        .fail(&project, &ctx.device.ip, &login.normalized)
        .await;
    let started = async {
        let hash = password::hash(plain, state.settings().hash_cost).await?;
        let transports = state.transports(&project).await?;
        let mut tx = state.store().begin().await?;
        let started = signup::start(
            &mut tx,
            &actor(&state, &ctx, authz.as_ref()),
            &login,
            hash,
            transports,
        )
        .await?;
        tx.commit().await?;
        Ok::<_, DoorError>(started)
    };
    match started.await {
        Ok(Started::Pending { token }) => render(
            &ctx,
            authz.as_ref(),
            View::Code { token: &token },
            None,
            StatusCode::OK,
        ),
        Ok(Started::Unreachable) => again(
            match kind {
                LoginIdType::Phone => {
                    "Sign-up with a phone number is not available here: use an email address."
                }
                _ => "Sign-up with an email address is not available here: use a phone number.",
            },
            StatusCode::BAD_REQUEST,
        ),
        Ok(Started::RateLimited) => again(
            "Too many codes were sent to this address. Try again in an hour.",
            StatusCode::TOO_MANY_REQUESTS,
        ),
        Err(e) => e.into_response(),
    }
}

/// `POST /signup/verify`.
pub async fn verify(State(state): State<SigninState>, ctx: Ctx, body: Bytes) -> Response {
    let (form, authz) = match posted(&state, &ctx, &body).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let token = form.get("signup").unwrap_or_default().to_owned();
    let code = form.get("code").unwrap_or_default().trim().to_owned();
    let project = ctx.tenant.project.clone();
    if !state
        .throttle()
        .allows(&project, &ctx.device.ip, &token)
        .await
    {
        return pages::too_many_attempts(&project);
    }
    let done = async {
        let mut tx = state.store().begin().await?;
        let completed =
            signup::complete(&mut tx, &actor(&state, &ctx, authz.as_ref()), &token, &code).await;
        let response = match completed {
            Ok(Completed::Created(user)) => {
                let policy = tx.account_settings(&project).await?.mfa_policy;
                if policy == MfaPolicy::Required {
                    second_factor::begin(
                        &mut tx,
                        &state,
                        &ctx,
                        authz.as_ref(),
                        &user,
                        keyward_accounts::mfa::SecondStep::Enrol,
                    )
                    .await?
                } else {
                    error::no_store(
                        complete(&mut tx, &state, &ctx, authz.as_ref(), &user, &PASSWORD_AMR)
                            .await?,
                    )
                }
            }
            Ok(Completed::WrongCode) => {
                state
                    .throttle()
                    .fail(&project, &ctx.device.ip, &token)
                    .await;
                render(
                    &ctx,
                    authz.as_ref(),
                    View::Code { token: &token },
                    Some("That code is not right. Check the message and try again."),
                    StatusCode::UNAUTHORIZED,
                )
            }
            Ok(Completed::Expired) | Err(AccountsError::DuplicatedIdentity { .. }) => {
                pages::message(
                    StatusCode::GONE,
                    &project,
                    "Start again",
                    "This sign-up expired or was already used. Start again, or sign in if you have an account.",
                )
            }
            Err(e) => return Err(DoorError::from(e)),
        };
        tx.commit().await?;
        Ok::<_, DoorError>(response)
    };
    match done.await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}
