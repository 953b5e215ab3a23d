//! Two-step verification on the account page (`/settings/mfa/…`): set up
//! an authenticator app (QR code and key, confirmed by a first code),
//! see how many recovery codes are left and get a new set, remove a
//! factor (not the last one while the project requires one). The IdP
//! session cookie is the credential and every form carries the CSRF token.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use keyward_accounts::AccountsError;
use keyward_accounts::mfa::{self, Enrolled};
use keyward_accounts::signin;
use keyward_store::{Authenticator, User};
use maud::{Markup, html};

use crate::error::DoorError;
use crate::request::{Ctx, with_cookies};
use crate::settings::{actor, form_of, render, signed_in};
use crate::{SigninState, csrf, pages, second_factor};

/// The section of `/settings` about second factors.
pub(crate) fn section(csrf: &str, factors: &[Authenticator], recovery_left: i64) -> Markup {
    html! {
        h2 { "Two-step verification" }
        @if factors.is_empty() {
            p { "Off. Add an authenticator app so that a stolen password is not enough to sign in as you." }
        } @else {
            ul.factors {
                @for f in factors {
                    li {
                        (describe(f))
                        form.inline method="post" action="/settings/mfa/remove" {
                            input type="hidden" name="csrf" value=(csrf);
                            input type="hidden" name="authenticator" value=(f.id);
                            button.secondary type="submit" { "Remove" }
                        }
                    }
                }
            }
            p id="recovery-left" { (recovery_left) " recovery codes left." }
            form method="post" action="/settings/mfa/recovery" {
                input type="hidden" name="csrf" value=(csrf);
                button.secondary type="submit" { "Get new recovery codes" }
            }
        }
        p { a href="/settings/mfa/totp" { "Set up an authenticator app" } }
    }
}

fn describe(f: &Authenticator) -> String {
    match f.kind_of.as_str() {
        "totp" => format!(
            "Authenticator app: {}",
            f.display_name.as_deref().unwrap_or("unnamed")
        ),
        "oob_otp_email" => format!("Codes by email to {}", f.target.as_deref().unwrap_or("")),
        _ => format!(
            "Codes by text message to {}",
            f.target.as_deref().unwrap_or("")
        ),
    }
}

fn enrol_page(ctx: &Ctx, secret: &[u8], account: &str, error: Option<&str>) -> Response {
    let (csrf, set_cookie) = match csrf::token(ctx) {
        Ok(t) => t,
        Err(e) => return e.into_response(),
    };
    let body = html! {
        p { (second_factor::SCAN) }
        @if let Some(e) = error { p.error role="alert" id="totp-error" { (e) } }
        (second_factor::totp_key(ctx, secret, account))
        form method="post" action="/settings/mfa/totp" {
            input type="hidden" name="csrf" value=(csrf);
            label for="name" { "Name (to tell your devices apart)" }
            input id="name" name="name" type="text" maxlength="64" placeholder="My phone";
            label for="code" { "Code from the app" }
            input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code"
                pattern="[0-9]{6}" maxlength="6" required aria-describedby=[error.map(|_| "totp-error")];
            button type="submit" { "Turn on" }
        }
        p { a href="/settings" { "Cancel" } }
    };
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let page = (
        status,
        pages::page(&ctx.tenant.project, "Set up an authenticator app", body),
    )
        .into_response();
    with_cookies(page, set_cookie.into_iter().collect())
}

fn codes_page(ctx: &Ctx, codes: &[String]) -> Response {
    pages::page(
        &ctx.tenant.project,
        "Save your recovery codes",
        html! {
            (second_factor::recovery_codes(codes))
            p { a href="/settings" { "Back to your account" } }
        },
    )
}

/// The live enrolment's secret, or a new one.
async fn secret_for(
    state: &SigninState,
    ctx: &Ctx,
    user: &User,
) -> Result<(Vec<u8>, String), DoorError> {
    let project = ctx.tenant.project.as_str();
    let master = state.master()?;
    let now = state.now_micros();
    let mut tx = state.store().begin().await?;
    let secret = match mfa::pending_totp(&mut tx, project, &user.id, master, now).await? {
        Some(s) => s,
        None => mfa::begin_totp(&mut tx, project, &user.id, master, now).await?,
    };
    let account = second_factor::account_name(&mut tx, project, &user.id).await?;
    tx.commit().await?;
    Ok((secret, account))
}

/// `GET /settings/mfa/totp`.
pub async fn totp_page(State(state): State<SigninState>, ctx: Ctx) -> Response {
    let user = match signed_in(&state, &ctx).await {
        Ok(Some((_, user))) => user,
        Ok(None) => return Redirect::to("/login").into_response(),
        Err(e) => return e.into_response(),
    };
    match secret_for(&state, &ctx, &user).await {
        Ok((secret, account)) => enrol_page(&ctx, &secret, &account, None),
        Err(e) => e.into_response(),
    }
}

/// `POST /settings/mfa/totp`: confirm the app with its first code.
pub async fn totp_confirm(State(state): State<SigninState>, ctx: Ctx, body: Bytes) -> Response {
    let form = match form_of(&ctx, &body).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let user = match signed_in(&state, &ctx).await {
        Ok(Some((_, user))) => user,
        Ok(None) => return Redirect::to("/login").into_response(),
        Err(e) => return e.into_response(),
    };
    let project = ctx.tenant.project.clone();
    if !state
        .throttle()
        .allows(&project, &ctx.device.ip, &user.id)
        .await
    {
        return pages::too_many_attempts(&project);
    }
    let confirmed = async {
        let mut tx = state.store().begin().await?;
        let enrolled = mfa::confirm_totp(
            &mut tx,
            &actor(&state, &ctx),
            state.master()?,
            &user.id,
            form.get("code").unwrap_or_default().trim(),
            form.get("name").unwrap_or_default(),
        )
        .await?;
        tx.commit().await?;
        Ok::<_, DoorError>(enrolled)
    };
    match confirmed.await {
        Ok(Enrolled::Done(Some(codes))) => codes_page(&ctx, &codes),
        Ok(Enrolled::Done(None)) => {
            render(
                &state,
                &ctx,
                Some((true, "Your authenticator app is set up.")),
            )
            .await
        }
        Ok(Enrolled::WrongCode) => {
            state
                .throttle()
                .fail(&project, &ctx.device.ip, &user.id)
                .await;
            match secret_for(&state, &ctx, &user).await {
                Ok((secret, account)) => enrol_page(
                    &ctx,
                    &secret,
                    &account,
                    Some("That code is not right. Check the time on your phone and try again."),
                ),
                Err(e) => e.into_response(),
            }
        }
        Err(e) => e.into_response(),
    }
}

/// `POST /settings/mfa/recovery`: a new set of recovery codes (the old
/// ones stop working).
pub async fn new_recovery_codes(
    State(state): State<SigninState>,
    ctx: Ctx,
    body: Bytes,
) -> Response {
    if let Err(r) = form_of(&ctx, &body).await {
        return r;
    }
    let result = async {
        let Some((_, user)) = signed_in(&state, &ctx).await? else {
            return Ok(None);
        };
        let project = ctx.tenant.project.as_str();
        let mut tx = state.store().begin().await?;
        if mfa::factors_of(&mut tx, project, &user.id)
            .await?
            .is_empty()
        {
            tx.commit().await?;
            return Ok(Some(None));
        }
        let codes = mfa::new_recovery_codes(&mut tx, project, &user.id, state.now_micros()).await?;
        tx.commit().await?;
        Ok::<_, DoorError>(Some(Some(codes)))
    };
    match result.await {
        Ok(None) => Redirect::to("/login").into_response(),
        Ok(Some(Some(codes))) => codes_page(&ctx, &codes),
        Ok(Some(None)) => {
            render(
                &state,
                &ctx,
                Some((
                    false,
                    "Recovery codes come with a second factor: set one up first.",
                )),
            )
            .await
        }
        Err(e) => e.into_response(),
    }
}

fn confirm_removal(ctx: &Ctx, authenticator: &str, error: Option<&str>) -> Response {
    let (csrf, set_cookie) = match csrf::token(ctx) {
        Ok(t) => t,
        Err(e) => return e.into_response(),
    };
    let body = html! {
        p { "A second factor keeps your account safe if your password is stolen. Enter your password to remove it." }
        @if let Some(e) = error { p.error role="alert" id="current-error" { (e) } }
        form method="post" action="/settings/mfa/remove" {
            input type="hidden" name="csrf" value=(csrf);
            input type="hidden" name="authenticator" value=(authenticator);
            label for="current" { "Current password" }
            input id="current" name="current" type="password" autocomplete="current-password" required autofocus
                aria-describedby=[error.map(|_| "current-error")];
            button type="submit" { "Remove" }
        }
        p { a href="/settings" { "Cancel" } }
    };
    let status = if error.is_some() {
        StatusCode::UNAUTHORIZED
    } else {
        StatusCode::OK
    };
    let page = (
        status,
        pages::page(&ctx.tenant.project, "Remove this second factor?", body),
    )
        .into_response();
    with_cookies(page, set_cookie.into_iter().collect())
}

/// What a removal request came to.
enum Removal {
    SignedOut,
    WrongPassword,
    Tried(Result<(), AccountsError>),
}

/// `POST /settings/mfa/remove`: first a page asking for the current
/// password (a stolen session alone cannot weaken the account), then the
/// removal.
pub async fn remove(State(state): State<SigninState>, ctx: Ctx, body: Bytes) -> Response {
    let form = match form_of(&ctx, &body).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let authenticator = form.get("authenticator").unwrap_or_default();
    let Some(current) = form.get("current") else {
        return confirm_removal(&ctx, authenticator, None);
    };
    let result = async {
        let Some((_, user)) = signed_in(&state, &ctx).await? else {
            return Ok(Removal::SignedOut);
        };
        let proven = signin::prove_password(
            state.store(),
            &actor(&state, &ctx),
            &user.id,
            current.to_owned(),
        )
        .await?;
        if proven.is_none() {
            return Ok(Removal::WrongPassword);
        }
        let mut tx = state.store().begin().await?;
        let removed = mfa::remove_own(&mut tx, &ctx.tenant.project, &user.id, authenticator).await;
        tx.commit().await?;
        Ok::<_, DoorError>(Removal::Tried(removed))
    };
    let notice = match result.await {
        Ok(Removal::SignedOut) => return Redirect::to("/login").into_response(),
        Ok(Removal::WrongPassword) => {
            return confirm_removal(&ctx, authenticator, Some("The password is incorrect."));
        }
        Ok(Removal::Tried(Ok(()))) => (true, "The second factor has been removed."),
        Ok(Removal::Tried(Err(AccountsError::InvariantViolated { .. }))) => (
            false,
            "This app requires two-step verification: add another second factor before removing this one.",
        ),
        Ok(Removal::Tried(Err(AccountsError::AuthenticatorNotFound))) => {
            (false, "That second factor no longer exists.")
        }
        Ok(Removal::Tried(Err(e))) => return DoorError::from(e).into_response(),
        Err(e) => return e.into_response(),
    };
    render(&state, &ctx, Some(notice)).await
}
