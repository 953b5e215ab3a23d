//! `/settings`: the signed-in user's account page (the IdP session cookie
//! is the credential): profile, change password, and sessions with "sign
//! out" for one or for all others. Every form posts with the CSRF token.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use keyward_accounts::audit::{self, Actor, AuditEvent};
use keyward_accounts::mfa;
use keyward_accounts::sessions::{self, SessionRef, SessionView};
use keyward_accounts::signin::{self, PasswordChange};
use keyward_store::{IdpSession, MfaPolicy, User};
use maud::html;

use crate::error::DoorError;
use crate::request::{Ctx, Params, SESSION_COOKIE, with_cookies};
use crate::{SigninState, account_mfa, csrf, pages};

pub(crate) async fn signed_in(
    state: &SigninState,
    ctx: &Ctx,
) -> Result<Option<(IdpSession, User)>, DoorError> {
    let Some(cookie) = ctx.cookie(SESSION_COOKIE) else {
        return Ok(None);
    };
    let mut tx = state.store().begin().await?;
    let found =
        sessions::resolve_idp_session(&mut tx, &ctx.tenant.project, &cookie, state.now()).await?;
    tx.commit().await?;
    Ok(found)
}

/// `GET /settings`.
pub async fn page(State(state): State<SigninState>, ctx: Ctx) -> Response {
    render(&state, &ctx, None).await
}

pub(crate) async fn render(
    state: &SigninState,
    ctx: &Ctx,
    notice: Option<(bool, &str)>,
) -> Response {
    let (session, user) = match signed_in(state, ctx).await {
        Ok(Some(found)) => found,
        Ok(None) => return Redirect::to("/login").into_response(),
        Err(e) => return e.into_response(),
    };
    let list = {
        let result = async {
            let mut tx = state.store().begin_read().await?;
            let list = sessions::list(&mut tx, &ctx.tenant.project, &user.id, state.now()).await?;
            let identities = tx.identities_of(&ctx.tenant.project, &user.id).await?;
            let factors = mfa::factors_of(&mut tx, &ctx.tenant.project, &user.id).await?;
            let policy = tx.account_settings(&ctx.tenant.project).await?.mfa_policy;
            let left = tx
                .recovery_codes_left(&ctx.tenant.project, &user.id)
                .await?;
            tx.commit().await?;
            Ok::<_, DoorError>((list, identities, factors, left, policy))
        };
        match result.await {
            Ok(l) => l,
            Err(e) => return e.into_response(),
        }
    };
    let (token, set) = match csrf::token(ctx) {
        Ok(t) => t,
        Err(e) => return e.into_response(),
    };
    let current = SessionRef::Idp(session.id.clone());
    let (sessions_list, identities, factors, recovery_left, policy) = list;
    let name = user
        .standard_attributes
        .get("name")
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_owned();
    let body = html! {
        @if let Some((ok, text)) = notice {
            p class=(if ok { "ok" } else { "error" }) role="status" { (text) }
        }
        h2 { "Profile" }
        dl {
            @if !name.is_empty() { dt { "Name" } dd { (name) } }
            @for i in &identities {
                dt { (label(&i.login_type)) } dd { (i.original_value) }
            }
        }
        h2 { "Change password" }
        form method="post" action="/settings/password" {
            input type="hidden" name="csrf" value=(token);
            input type="text" name="username" autocomplete="username" value=(identities.first().map(|i| i.login_id.as_str()).unwrap_or_default()) hidden;
            label for="current" { "Current password" }
            input id="current" name="current" type="password" autocomplete="current-password" required;
            label for="new" { "New password" }
            input id="new" name="new" type="password" autocomplete="new-password" required minlength="8";
            button type="submit" { "Change password" }
        }
        @if policy != MfaPolicy::Off {
            (account_mfa::section(&token, &factors, recovery_left))
        }
        h2 { "Signed-in devices" }
        table {
            thead { tr { th scope="col" { "Device" } th scope="col" { "Last used" } th scope="col" { span.visually-hidden { "Action" } } } }
            tbody {
                @for s in &sessions_list {
                    tr {
                        td { (describe(s)) @if s.session == current { " (this device)" } }
                        td { (pages::timestamp(s.last_access_at)) " UTC" }
                        td {
                            @if s.session != current {
                                form method="post" action="/settings/sessions/revoke" {
                                    input type="hidden" name="csrf" value=(token);
                                    input type="hidden" name="session" value=(s.session.raw());
                                    button.secondary type="submit" { "Sign out" }
                                }
                            }
                        }
                    }
                }
            }
        }
        form method="post" action="/settings/sessions/revoke-others" {
            input type="hidden" name="csrf" value=(token);
            button.secondary type="submit" { "Sign out of all other devices" }
        }
        form method="post" action="/logout" {
            input type="hidden" name="csrf" value=(token);
            button.secondary type="submit" { "Sign out of this device" }
        }
    };
    let page = pages::page(&ctx.tenant.project, "Your account", body);
    with_cookies(page, set.into_iter().collect())
}

fn label(login_type: &str) -> &'static str {
    match login_type {
        "email" => "Email",
        "phone" => "Phone",
        _ => "Username",
    }
}

fn describe(s: &SessionView) -> String {
    let agent = if s.user_agent.is_empty() {
        "Unknown device"
    } else {
        s.user_agent.as_str()
    };
    match &s.client_name {
        Some(client) => format!("{client} · {agent} · {}", s.ip),
        None => format!("Browser · {agent} · {}", s.ip),
    }
}

pub(crate) async fn form_of(ctx: &Ctx, body: &Bytes) -> Result<Params, Response> {
    let params = Params::parse(std::str::from_utf8(body).unwrap_or_default());
    if csrf::check(ctx, params.get("csrf")) {
        Ok(params)
    } else {
        Err(pages::message(
            StatusCode::FORBIDDEN,
            &ctx.tenant.project,
            "This page has expired",
            "Reload the page and try again.",
        ))
    }
}

pub(crate) fn actor(state: &SigninState, ctx: &Ctx) -> Actor {
    Actor {
        project: ctx.tenant.project.clone(),
        now: state.now_micros(),
        by: ctx.initiator(None),
    }
}

/// `POST /settings/password`.
pub async fn change_password(State(state): State<SigninState>, ctx: Ctx, body: Bytes) -> Response {
    let form = match form_of(&ctx, &body).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let result = async {
        let Some((_, user)) = signed_in(&state, &ctx).await? else {
            return Ok(None);
        };
        let outcome = signin::change_password(
            state.store(),
            &actor(&state, &ctx),
            &user.id,
            form.get("current").unwrap_or_default().to_owned(),
            form.get("new").unwrap_or_default().to_owned(),
            state.settings().hash_cost,
        )
        .await?;
        Ok::<_, DoorError>(Some(outcome))
    };
    match result.await {
        Ok(None) => Redirect::to("/login").into_response(),
        Ok(Some(PasswordChange::Changed)) => {
            render(
                &state,
                &ctx,
                Some((true, "Your password has been changed.")),
            )
            .await
        }
        Ok(Some(PasswordChange::WrongCurrent)) => {
            render(
                &state,
                &ctx,
                Some((false, "The current password is incorrect.")),
            )
            .await
        }
        Ok(Some(PasswordChange::Rejected(_))) => {
            render(
                &state,
                &ctx,
                Some((
                    false,
                    "The new password must be at least 8 characters long.",
                )),
            )
            .await
        }
        Err(e) => e.into_response(),
    }
}

/// `POST /settings/sessions/revoke`: sign one of the user's other sessions out.
pub async fn revoke_session(State(state): State<SigninState>, ctx: Ctx, body: Bytes) -> Response {
    let form = match form_of(&ctx, &body).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let target = form.get("session").and_then(SessionRef::parse_raw);
    match end_sessions(
        &state,
        &ctx,
        |s, current| Some(&s.session) == target.as_ref() && s.session != *current,
        "individual",
    )
    .await
    {
        Ok(true) => {
            render(
                &state,
                &ctx,
                Some((true, "That device has been signed out.")),
            )
            .await
        }
        Ok(false) => Redirect::to("/login").into_response(),
        Err(e) => e.into_response(),
    }
}

/// `POST /settings/sessions/revoke-others`.
pub async fn revoke_others(State(state): State<SigninState>, ctx: Ctx, body: Bytes) -> Response {
    if let Err(r) = form_of(&ctx, &body).await {
        return r;
    }
    match end_sessions(&state, &ctx, |s, current| s.session != *current, "all").await {
        Ok(true) => {
            render(
                &state,
                &ctx,
                Some((true, "All other devices have been signed out.")),
            )
            .await
        }
        Ok(false) => Redirect::to("/login").into_response(),
        Err(e) => e.into_response(),
    }
}

/// End the signed-in user's sessions that `which` picks (never the current
/// one). `false` when nobody is signed in.
async fn end_sessions(
    state: &SigninState,
    ctx: &Ctx,
    which: impl Fn(&SessionView, &SessionRef) -> bool,
    termination_type: &'static str,
) -> Result<bool, DoorError> {
    let Some((session, user)) = signed_in(state, ctx).await? else {
        return Ok(false);
    };
    let project = ctx.tenant.project.as_str();
    let current = SessionRef::Idp(session.id);
    let mut tx = state.store().begin().await?;
    let mut ended = Vec::new();
    for s in sessions::list(&mut tx, project, &user.id, state.now()).await? {
        if which(&s, &current) {
            sessions::revoke(&mut tx, project, &s.session).await?;
            ended.push(s.session.raw());
        }
    }
    if !ended.is_empty() {
        let event = AuditEvent::SessionTerminated {
            termination_type,
            sessions: ended,
        };
        audit::record(&mut tx, &actor(state, ctx), Some(&user.id), event).await?;
    }
    tx.commit().await?;
    Ok(true)
}
