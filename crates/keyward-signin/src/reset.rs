//! "Forgot your password?": `/forgot_password` asks for the email and
//! always gives the same answer (whether the address is anyone's is not
//! revealed; requests count against the same per-address and per-login
//! limits as failed sign-ins); `/reset_password?code=…` sets a new password
//! with the emailed single-use link (the accounts core's `reset`). Offered
//! only when the server can send email.

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use keyward_accounts::audit::Actor;
use keyward_accounts::messages::Transports;
use keyward_accounts::reset::{self, Reset};
use maud::html;

use crate::SigninState;
use crate::error::DoorError;
use crate::request::{Ctx, Params, with_cookies};
use crate::{csrf, pages};

fn unavailable(ctx: &Ctx) -> Response {
    pages::message(
        StatusCode::NOT_FOUND,
        &ctx.tenant.project,
        "Not available",
        "This server does not send email, so passwords cannot be reset here. Ask the administrator of this service.",
    )
}

fn expired_form(ctx: &Ctx) -> Response {
    pages::message(
        StatusCode::FORBIDDEN,
        &ctx.tenant.project,
        "This page has expired",
        "For your security the form could not be accepted. Go back, reload the page and try again.",
    )
}

fn form(
    ctx: &Ctx,
    title: &str,
    body: impl FnOnce(&str) -> maud::Markup,
    status: StatusCode,
) -> Response {
    let (token, set_cookie) = match csrf::token(ctx) {
        Ok(t) => t,
        Err(e) => return e.into_response(),
    };
    let page = (
        status,
        pages::page(&ctx.tenant.project, title, body(&token)),
    )
        .into_response();
    with_cookies(page, set_cookie.into_iter().collect())
}

/// `GET /forgot_password`.
pub async fn forgot_page(State(state): State<SigninState>, ctx: Ctx) -> Response {
    match state.transports(&ctx.tenant.project).await {
        Ok(t) if t.email || t.sms => forgot_form(&ctx, None, StatusCode::OK),
        Ok(_) => unavailable(&ctx),
        Err(e) => e.into_response(),
    }
}

fn forgot_form(ctx: &Ctx, error: Option<&str>, status: StatusCode) -> Response {
    form(
        ctx,
        "Reset your password",
        |csrf| {
            html! {
                p { "Enter the email address or phone number of your account. We will send it a link to choose a new password." }
                @if let Some(e) = error { p.error role="alert" id="email-error" { (e) } }
                form method="post" action="/forgot_password" {
                    input type="hidden" name="csrf" value=(csrf);
                    label for="email" { "Email or phone number" }
                    input id="email" name="email" type="text" autocomplete="username" required autofocus
                        aria-describedby=[error.map(|_| "email-error")];
                    button type="submit" { "Send the link" }
                }
                p { a href="/login" { "Back to sign in" } }
            }
        },
        status,
    )
}

/// `POST /forgot_password`.
pub async fn forgot(State(state): State<SigninState>, ctx: Ctx, body: Bytes) -> Response {
    let transports = match state.transports(&ctx.tenant.project).await {
        Ok(t) if t.email || t.sms => t,
        Ok(_) => return unavailable(&ctx),
        Err(e) => return e.into_response(),
    };
    let form = Params::parse(std::str::from_utf8(&body).unwrap_or_default());
    if !csrf::check(&ctx, form.get("csrf")) {
        return expired_form(&ctx);
    }
    let email = form.get("email").unwrap_or_default().trim().to_owned();
    if email.is_empty() || email.len() > 320 {
        return forgot_form(
            &ctx,
            Some("Enter your email address or phone number."),
            StatusCode::BAD_REQUEST,
        );
    }
    let project = ctx.tenant.project.clone();
    if !state
        .throttle()
        .allows(&project, &ctx.device.ip, &email)
        .await
    {
        return pages::too_many_attempts(&project);
    }
    // Counted like a failure: bounds how fast one address can be probed or
    // one mailbox flooded, whatever the answer.
    state
        .throttle()
        .fail(&project, &ctx.device.ip, &email)
        .await;
    match request(&state, &ctx, &email, transports).await {
        Ok(()) => pages::message(
            StatusCode::OK,
            &project,
            "Check your messages",
            "If an account uses this address or number, we have sent it a link to choose a new password. The link works for 20 minutes.",
        ),
        Err(e) => e.into_response(),
    }
}

async fn request(
    state: &SigninState,
    ctx: &Ctx,
    login: &str,
    transports: Transports,
) -> Result<(), DoorError> {
    let actor = Actor {
        project: ctx.tenant.project.clone(),
        now: state.now_micros(),
        by: ctx.initiator(None),
    };
    let issuer = ctx.tenant.issuer.clone();
    let link = move |code: &str| format!("{issuer}/reset_password?code={code}");
    let mut tx = state.store().begin().await?;
    // Whatever came of it, the answer is the same.
    let _ = reset::request(&mut tx, &actor, login, transports, &link).await?;
    tx.commit().await?;
    Ok(())
}

fn link_dead(ctx: &Ctx) -> Response {
    pages::message(
        StatusCode::GONE,
        &ctx.tenant.project,
        "This link no longer works",
        "Password reset links work once and for 20 minutes. Ask for a new one from the sign-in page.",
    )
}

fn reset_form(ctx: &Ctx, code: &str, error: Option<&str>, status: StatusCode) -> Response {
    form(
        ctx,
        "Choose a new password",
        |csrf| {
            html! {
                @if let Some(e) = error { p.error role="alert" id="password-error" { (e) } }
                form method="post" action="/reset_password" {
                    input type="hidden" name="csrf" value=(csrf);
                    input type="hidden" name="code" value=(code);
                    label for="password" { "New password" }
                    input id="password" name="password" type="password" autocomplete="new-password"
                        required autofocus minlength="8" aria-describedby=[error.map(|_| "password-error")];
                    label for="confirm" { "New password, again" }
                    input id="confirm" name="confirm" type="password" autocomplete="new-password" required minlength="8";
                    button type="submit" { "Set the password" }
                }
            }
        },
        status,
    )
}

/// `GET /reset_password?code=…`.
pub async fn reset_page(
    State(state): State<SigninState>,
    ctx: Ctx,
    RawQuery(query): RawQuery,
) -> Response {
    let params = Params::parse(query.as_deref().unwrap_or_default());
    let code = params.get("code").unwrap_or_default();
    match reset::code_is_live(state.store(), &ctx.tenant.project, code, state.now()).await {
        Ok(true) => reset_form(&ctx, code, None, StatusCode::OK),
        Ok(false) => link_dead(&ctx),
        Err(e) => DoorError::from(e).into_response(),
    }
}

/// `POST /reset_password`.
pub async fn reset(State(state): State<SigninState>, ctx: Ctx, body: Bytes) -> Response {
    let form = Params::parse(std::str::from_utf8(&body).unwrap_or_default());
    if !csrf::check(&ctx, form.get("csrf")) {
        return expired_form(&ctx);
    }
    let code = form.get("code").unwrap_or_default().to_owned();
    let password = form.get("password").unwrap_or_default().to_owned();
    if form.get("confirm").unwrap_or_default() != password {
        return reset_form(
            &ctx,
            &code,
            Some("The two passwords differ."),
            StatusCode::BAD_REQUEST,
        );
    }
    let actor = Actor {
        project: ctx.tenant.project.clone(),
        now: state.now_micros(),
        by: ctx.initiator(None),
    };
    match reset::reset(
        state.store(),
        &actor,
        &code,
        password,
        state.settings().hash_cost,
    )
    .await
    {
        Ok(Reset::Done) => pages::message(
            StatusCode::OK,
            &ctx.tenant.project,
            "Your password was changed",
            "Sign in with your new password. You were signed out everywhere else.",
        ),
        Ok(Reset::InvalidCode) => link_dead(&ctx),
        Ok(Reset::Rejected(e)) => {
            reset_form(&ctx, &code, Some(&e.to_string()), StatusCode::BAD_REQUEST)
        }
        Err(e) => DoorError::from(e).into_response(),
    }
}
