//! Signing in and out: the one-time setup link, the login form with its
//! rate limit, and logout.

use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;

use crate::PortalState;
use crate::html::page;
use crate::session::{
    self, ClientIp, Operator, PortalError, SESSION_LIFETIME, clear_cookie, is_https, session_cookie,
};
use keyward_accounts::password;

/// Failed sign-ins allowed per client address, then per email, in 15 minutes.
pub const MAX_FAILURES_PER_IP: u32 = 20;
/// Failed sign-ins allowed per account in 15 minutes.
pub const MAX_FAILURES_PER_EMAIL: u32 = 5;

/// Fewer characters than this is refused for an operator password.
pub const MIN_OPERATOR_PASSWORD: usize = 12;

/// Check an operator password against the policy.
pub fn check_operator_password(password: &str) -> Result<(), String> {
    if password.chars().count() < MIN_OPERATOR_PASSWORD {
        return Err(format!(
            "Choose a password of at least {MIN_OPERATOR_PASSWORD} characters."
        ));
    }
    Ok(())
}

#[derive(Deserialize)]
pub struct SetupQuery {
    token: Option<String>,
}

#[derive(Deserialize)]
pub struct SetupForm {
    token: String,
    email: String,
    password: String,
    confirm: String,
}

fn setup_page(token: &str, error: Option<&str>) -> Html<String> {
    page(
        "Set up keyward",
        None,
        html! {
            section.card.narrow {
                h1 { "Create the first operator account" }
                p { "This link works once. The account you create here can manage every project." }
                @if let Some(e) = error { p.error role="alert" { (e) } }
                form method="post" action="/portal/setup" {
                    input type="hidden" name="token" value=(token);
                    label for="email" { "Email" }
                    input id="email" name="email" type="email" autocomplete="username" required autofocus;
                    label for="password" { "Password (at least " (MIN_OPERATOR_PASSWORD) " characters)" }
                    input id="password" name="password" type="password" autocomplete="new-password" required minlength=(MIN_OPERATOR_PASSWORD);
                    label for="confirm" { "Repeat the password" }
                    input id="confirm" name="confirm" type="password" autocomplete="new-password" required;
                    button type="submit" { "Create account" }
                }
            }
        },
    )
}

pub async fn setup_form(State(state): State<PortalState>, Query(q): Query<SetupQuery>) -> Response {
    match q.token {
        Some(token) if state.portal().setup_token_matches(&token) => {
            setup_page(&token, None).into_response()
        }
        _ => PortalError::Invalid(
            "This setup link is not valid or was already used. Sign in, or ask an operator \
             to create your account with `keyward portal-user create`."
                .into(),
        )
        .into_response(),
    }
}

pub async fn setup(
    State(state): State<PortalState>,
    headers: HeaderMap,
    Form(form): Form<SetupForm>,
) -> Result<Response, PortalError> {
    if !state.portal().setup_token_matches(&form.token) {
        return Err(PortalError::Invalid(
            "This setup link is not valid or was already used.".into(),
        ));
    }
    if form.password != form.confirm {
        return Ok(setup_page(&form.token, Some("The two passwords differ.")).into_response());
    }
    if let Err(e) = check_operator_password(&form.password) {
        return Ok(setup_page(&form.token, Some(&e)).into_response());
    }
    let hash = password::hash(form.password, state.settings().hash_cost)
        .await
        .map_err(|e| PortalError::Unexpected(e.to_string()))?;
    let user = match state
        .store()
        .create_portal_user(&form.email, &hash, true)
        .await
    {
        Ok(user) => user,
        Err(keyward_store::StoreError::InvalidEmail) => {
            return Ok(setup_page(
                &form.token,
                Some("Enter an email address such as ada@example.com."),
            )
            .into_response());
        }
        Err(e) => return Err(e.into()),
    };
    state.portal().consume_setup_token();
    tracing::info!(operator = %user.email, "first portal operator created");
    start_session(&state, &user.id, &headers, "/portal").await
}

#[derive(Deserialize)]
pub struct LoginForm {
    email: String,
    password: String,
}

fn login_page(error: Option<&str>) -> Html<String> {
    page(
        "Sign in",
        None,
        html! {
            section.card.narrow {
                h1 { "Sign in to keyward" }
                @if let Some(e) = error { p.error role="alert" { (e) } }
                form method="post" action="/portal/login" {
                    label for="email" { "Email" }
                    input id="email" name="email" type="email" autocomplete="username" required autofocus;
                    label for="password" { "Password" }
                    input id="password" name="password" type="password" autocomplete="current-password" required;
                    button type="submit" { "Sign in" }
                }
            }
        },
    )
}

pub async fn login_form() -> Html<String> {
    login_page(None)
}

pub async fn login(
    State(state): State<PortalState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, PortalError> {
    let email_key = form.email.trim().to_lowercase();
    let portal = state.portal();
    if portal.failures(&format!("ip:{ip}")).await >= MAX_FAILURES_PER_IP
        || portal.failures(&format!("email:{email_key}")).await >= MAX_FAILURES_PER_EMAIL
    {
        return Err(PortalError::TooManyAttempts);
    }
    let user = state.store().portal_user_by_email(&form.email).await?;
    // Unknown emails cost a hash check too, so timing does not tell which exist.
    let hash = user.as_ref().map(|u| u.password_hash.clone());
    let valid = password::verify(hash, form.password).await;
    match user {
        Some(user) if valid => {
            tracing::info!(operator = %user.email, "portal sign-in");
            start_session(&state, &user.id, &headers, "/portal").await
        }
        _ => {
            portal.record_failure(format!("ip:{ip}")).await;
            portal.record_failure(format!("email:{email_key}")).await;
            tracing::warn!(%ip, "failed portal sign-in");
            Ok((
                axum::http::StatusCode::UNAUTHORIZED,
                login_page(Some("That email and password do not match an account.")),
            )
                .into_response())
        }
    }
}

/// A fresh session (never one the browser brought: no fixation), then a
/// redirect to `to`.
async fn start_session(
    state: &PortalState,
    user_id: &str,
    headers: &HeaderMap,
    to: &str,
) -> Result<Response, PortalError> {
    if let Some(old) = session::session_id(headers) {
        state
            .store()
            .delete_portal_session(&session::hash_session_id(&old))
            .await?;
    }
    let id = session::random_token()?;
    let csrf = session::random_token()?;
    let expires = keyward_store::now_secs() + SESSION_LIFETIME.as_secs() as i64;
    state
        .store()
        .create_portal_session(&session::hash_session_id(&id), user_id, &csrf, expires)
        .await?;
    let mut response = Redirect::to(to).into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, session_cookie(&id, is_https(headers)));
    Ok(response)
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

pub async fn logout(
    State(state): State<PortalState>,
    headers: HeaderMap,
    op: Operator,
    Form(form): Form<CsrfForm>,
) -> Result<Response, PortalError> {
    op.check_csrf(&form.csrf)?;
    state.store().delete_portal_session(&op.id_hash).await?;
    let mut response = Redirect::to("/portal/login").into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, clear_cookie(is_https(&headers)));
    Ok(response)
}
