//! Project → Admin API: the endpoint, the keys table and every key action
//! (generate, upload, download with re-authentication, disable, enable,
//! delete), and temporary access tokens. Each action writes an audit entry
//! saying who did it, from where.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use keyward_store::{ApiKey, KeyOrigin, KeyRole, MasterKey};
use keyward_token::KeyStatus;
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::json;

use keyward_accounts::audit::KeyChange;
use keyward_accounts::{AuditEvent, password};

use crate::PortalState;
use crate::audit::record;
use crate::html::{Tab, copy_field, csrf, page, project_header, time};
use crate::session::{Operator, PortalError};

/// Lifetime of a temporary access token, as in Authgear's portal.
pub const TEMP_TOKEN_SECS: u64 = 300;

#[derive(Deserialize, Default)]
pub struct Notice {
    notice: Option<String>,
    kid: Option<String>,
}

/// The Admin API URL as the browser reached this server.
pub fn endpoint_url(headers: &HeaderMap, project: &str) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("localhost");
    let scheme = if crate::session::is_https(headers) {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}/projects/{project}/_api/admin/graphql")
}

fn master(state: &PortalState) -> Result<&MasterKey, PortalError> {
    state.portal().master_key().ok_or_else(|| {
        PortalError::Invalid("This server was started without a master key, so it cannot generate or hand out private keys.".into())
    })
}

/// After a key change: this server forgets the project's key set at once
/// (other replicas within their poll interval), the change is audited as
/// `portal.admin_api_key.<what>`, and the page says what happened.
async fn key_changed(
    state: &PortalState,
    op: &Operator,
    project: &str,
    change: KeyChange,
    kid: &str,
) -> Result<Response, PortalError> {
    state.invalidate_project(project).await;
    let event = AuditEvent::PortalKey {
        change,
        kid: kid.to_owned(),
    };
    record(state, op, project, event).await?;
    let what = match change {
        KeyChange::Generated => "generated",
        KeyChange::Uploaded => "uploaded",
        KeyChange::Enabled => "enabled",
        KeyChange::Disabled => "disabled",
        KeyChange::Deleted => "deleted",
        KeyChange::Downloaded => "downloaded",
    };
    Ok(Redirect::to(&format!(
        "/portal/projects/{project}?notice={what}&kid={kid}"
    ))
    .into_response())
}

fn role_name(role: KeyRole) -> &'static str {
    match role {
        KeyRole::Full => "Full access",
        KeyRole::ReadOnly => "Read-only",
    }
}

fn notice_text(code: &str) -> Option<&'static str> {
    Some(match code {
        "generated" => {
            "New key pair generated. Its private key is downloading; store it safely, then move your systems to the new key ID."
        }
        "uploaded" => "Public key registered. Sign tokens with its private key and this key ID.",
        "disabled" => "Key disabled. Tokens signed with it are refused until you enable it again.",
        "enabled" => "Key enabled.",
        "deleted" => "Key deleted. Tokens signed with it are refused from now on.",
        "limits" => "Limits saved. Every server applies them within about a second.",
        _ => return None,
    })
}

fn key_row(op: &Operator, project: &str, k: &ApiKey) -> Markup {
    let base = format!("/portal/projects/{project}/keys/{}", k.kid);
    html! {
        tr {
            td { code { (k.kid) } button.secondary.small type="button" data-copy-text=(k.kid) aria-label={ "Copy key ID " (k.kid) } { "Copy" } }
            td { (k.label) }
            td { (k.origin.as_str()) }
            td { (role_name(k.role)) }
            td { span class={ "status " (k.status.as_str()) } { (k.status.as_str()) } }
            td { (time(k.created_at)) }
            td { @match k.last_used_at { Some(t) => (time(t)), None => "never" } }
            td.actions {
                @if k.origin == KeyOrigin::Generated {
                    form method="post" action={ (base) "/download" } {
                        (csrf(&op.session))
                        button.secondary.small type="submit" { "Download" }
                    }
                }
                form method="post" action={ (base) "/status" } {
                    (csrf(&op.session))
                    @if k.status == KeyStatus::Active {
                        input type="hidden" name="status" value="disabled";
                        button.secondary.small type="submit" { "Disable" }
                    } @else {
                        input type="hidden" name="status" value="active";
                        button.secondary.small type="submit" { "Enable" }
                    }
                }
                a.button.danger.small href={ (base) "/delete" } { "Delete" }
            }
        }
    }
}

pub async fn admin_api(
    State(state): State<PortalState>,
    Path(project): Path<String>,
    Query(notice): Query<Notice>,
    headers: HeaderMap,
    op: Operator,
) -> Result<Html<String>, PortalError> {
    let project = crate::projects::require(&state, &project).await?;
    let p = project.id.as_str();
    let keys = state.store().keys(p).await?;
    let limit = state.store().options().max_keys_per_project as usize;
    let full = keys.len() >= limit;
    let message = notice.notice.as_deref().and_then(notice_text);
    let new_kid = notice.kid.filter(|k| keys.iter().any(|key| &key.kid == k));
    Ok(page(
        &format!("{p} · Admin API"),
        Some(&op.session),
        html! {
            (project_header(p, Tab::AdminApi))
            @if let Some(m) = message {
                div.notice role="status" {
                    p { (m) }
                    @if let (Some("generated"), Some(kid)) = (notice.notice.as_deref(), new_kid.as_deref()) {
                        (copy_field("New key ID", "new-kid", kid))
                        form method="post" action={ "/portal/projects/" (p) "/keys/" (kid) "/download" } data-autosubmit {
                            (csrf(&op.session))
                            button type="submit" { "Download the private key again" }
                        }
                    }
                }
            }
            section.card {
                h2 { "Endpoint" }
                p { "Your backend sends GraphQL requests here, with " code { "Authorization: Bearer <JWT>" } " signed by one of the keys below." }
                (copy_field("Admin API endpoint", "endpoint", &endpoint_url(&headers, p)))
                (copy_field("Project ID (the token's aud)", "project-id", p))
            }
            section.card {
                h2 { "Keys" }
                @if keys.is_empty() {
                    p { "This project has no keys yet. Generate a key pair to start calling the Admin API." }
                } @else {
                    div.scroll {
                        table {
                            thead { tr {
                                th scope="col" { "Key ID" } th scope="col" { "Label" } th scope="col" { "Origin" }
                                th scope="col" { "Access" } th scope="col" { "Status" } th scope="col" { "Created" }
                                th scope="col" { "Last used" } th scope="col" { span.visually-hidden { "Actions" } }
                            } }
                            tbody { @for k in &keys { (key_row(&op, p, k)) } }
                        }
                    }
                }
                p.hint { (keys.len()) " of " (limit) " keys. To rotate: generate a new pair, move every system to it, then delete the old key." }
                @if full {
                    p.error role="alert" { "Key limit reached (" (limit) "). Delete a key you no longer use before adding another." }
                } @else {
                    div.grid2 {
                        form method="post" action={ "/portal/projects/" (p) "/keys/generate" } {
                            h3 { "Generate new key pair" }
                            (csrf(&op.session))
                            label for="gen-label" { "Label (optional)" }
                            input id="gen-label" name="label" maxlength="100" placeholder="billing-service";
                            label for="gen-role" { "Access" }
                            select id="gen-role" name="role" {
                                option value="full" { "Full access" }
                                option value="read_only" { "Read-only (queries only)" }
                            }
                            button type="submit" { "Generate new key pair" }
                        }
                        form method="post" action={ "/portal/projects/" (p) "/keys/upload" } {
                            h3 { "Upload public key" }
                            (csrf(&op.session))
                            label for="up-key" { "Public key (PEM or JWK); the private key stays with you" }
                            textarea id="up-key" name="public_key" rows="4" required placeholder="-----BEGIN PUBLIC KEY-----" {}
                            label for="up-label" { "Label (optional)" }
                            input id="up-label" name="label" maxlength="100";
                            label for="up-role" { "Access" }
                            select id="up-role" name="role" {
                                option value="full" { "Full access" }
                                option value="read_only" { "Read-only (queries only)" }
                            }
                            button.secondary type="submit" { "Upload public key" }
                        }
                    }
                }
            }
            (crate::limits::card(&op, p, &project.limits))
            section.card {
                h2 { "Temporary access token" }
                p { "A token valid for 5 minutes, signed with this project's newest generated key: for trying the API by hand. It is shown once." }
                form method="post" action={ "/portal/projects/" (p) "/token" } {
                    (csrf(&op.session))
                    button.secondary type="submit" { "Generate temporary token" }
                }
            }
        },
    ))
}

#[derive(Deserialize)]
pub struct NewKeyForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    label: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    public_key: String,
}

fn parse_role(role: &str) -> Result<KeyRole, PortalError> {
    match role {
        "" | "full" => Ok(KeyRole::Full),
        "read_only" => Ok(KeyRole::ReadOnly),
        _ => Err(PortalError::Invalid(
            "Choose full or read-only access.".into(),
        )),
    }
}

pub async fn generate(
    State(state): State<PortalState>,
    Path(project): Path<String>,
    op: Operator,
    Form(form): Form<NewKeyForm>,
) -> Result<Response, PortalError> {
    op.check_csrf(&form.csrf)?;
    let role = parse_role(&form.role)?;
    let (key, _pem) = state
        .store()
        .generate_key(&project, 2048, form.label.trim(), role, master(&state)?)
        .await?;
    key_changed(&state, &op, &project, KeyChange::Generated, &key.kid).await
}

pub async fn upload(
    State(state): State<PortalState>,
    Path(project): Path<String>,
    op: Operator,
    Form(form): Form<NewKeyForm>,
) -> Result<Response, PortalError> {
    op.check_csrf(&form.csrf)?;
    let role = parse_role(&form.role)?;
    let key = state
        .store()
        .register_public_key(
            &project,
            form.public_key.as_bytes(),
            form.label.trim(),
            role,
        )
        .await?;
    key_changed(&state, &op, &project, KeyChange::Uploaded, &key.kid).await
}

#[derive(Deserialize)]
pub struct DownloadForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    password: String,
}

fn reauth_page(op: &Operator, project: &str, kid: &str, error: Option<&str>) -> Html<String> {
    page(
        "Confirm your password",
        Some(&op.session),
        html! {
            section.card.narrow {
                h1 { "Confirm your password" }
                p { "Downloading a private key needs your password if you have not entered it in the last 5 minutes." }
                p { "Key: " code { (kid) } }
                @if let Some(e) = error { p.error role="alert" { (e) } }
                form method="post" action={ "/portal/projects/" (project) "/keys/" (kid) "/download" } {
                    (csrf(&op.session))
                    label for="password" { "Password" }
                    input id="password" name="password" type="password" autocomplete="current-password" required autofocus;
                    button type="submit" { "Confirm and download" }
                }
                p { a href={ "/portal/projects/" (project) } { "Cancel" } }
            }
        },
    )
}

pub async fn download(
    State(state): State<PortalState>,
    Path((project, kid)): Path<(String, String)>,
    op: Operator,
    Form(form): Form<DownloadForm>,
) -> Result<Response, PortalError> {
    op.check_csrf(&form.csrf)?;
    if !form.password.is_empty() {
        let user = state
            .store()
            .portal_user_by_email(&op.session.email)
            .await?;
        let hash = user.map(|u| u.password_hash);
        if !password::verify(hash, form.password).await {
            tracing::warn!(operator = %op.session.email, ip = %op.ip, "wrong password on key download");
            return Ok((
                axum::http::StatusCode::UNAUTHORIZED,
                reauth_page(&op, &project, &kid, Some("That password is not right.")),
            )
                .into_response());
        }
        state.store().confirm_portal_password(&op.id_hash).await?;
    } else if !op.recently_authenticated(state.settings().reauth_window) {
        return Ok(reauth_page(&op, &project, &kid, None).into_response());
    }
    let pem = state
        .store()
        .private_key_pem(&project, &kid, master(&state)?)
        .await?;
    // No record, no key: the audit entry is written first.
    let event = AuditEvent::PortalKey {
        change: KeyChange::Downloaded,
        kid: kid.clone(),
    };
    record(&state, &op, &project, event).await?;
    let mut response = pem.to_string().into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-pem-file"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{kid}.pem\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}

#[derive(Deserialize)]
pub struct StatusForm {
    #[serde(default)]
    csrf: String,
    status: String,
    #[serde(default)]
    force: Option<String>,
}

fn confirm_last_key_page(op: &Operator, project: &str, key: &ApiKey, action: &str) -> Html<String> {
    let deleting = action == "delete";
    page(
        if deleting {
            "Delete key"
        } else {
            "Disable key"
        },
        Some(&op.session),
        html! {
            section.card.narrow {
                h1 { @if deleting { "Delete key?" } @else { "Disable the last active key?" } }
                p { "Key " code { (key.kid) } @if !key.label.is_empty() { " (" (key.label) ")" } "." }
                @if deleting {
                    p.error { "This cannot be undone. Every system that signs tokens with this key is refused from the moment you delete it." }
                }
                form method={ "post" } action={ "/portal/projects/" (project) "/keys/" (key.kid) "/" (action) } {
                    (csrf(&op.session))
                    @if !deleting { input type="hidden" name="status" value="disabled"; }
                    p { "If this is the project's last active key, nothing can call the Admin API afterwards." }
                    label.check {
                        input type="checkbox" name="force" value="on";
                        " I understand: lock out every integration if this is the last active key"
                    }
                    div.buttons {
                        button.danger type="submit" { @if deleting { "Delete key" } @else { "Disable key" } }
                        a.button.secondary href={ "/portal/projects/" (project) } { "Cancel" }
                    }
                }
            }
        },
    )
}

pub async fn set_status(
    State(state): State<PortalState>,
    Path((project, kid)): Path<(String, String)>,
    op: Operator,
    Form(form): Form<StatusForm>,
) -> Result<Response, PortalError> {
    op.check_csrf(&form.csrf)?;
    let status = match form.status.as_str() {
        "active" => KeyStatus::Active,
        "disabled" => KeyStatus::Disabled,
        _ => return Err(PortalError::Invalid("Unknown key status.".into())),
    };
    let force = form.force.as_deref() == Some("on");
    match state
        .store()
        .set_key_status(&project, &kid, status, force)
        .await
    {
        Ok(_) => {}
        Err(keyward_store::StoreError::LastActiveKey { .. }) => {
            let key = state.store().key(&project, &kid).await?;
            return Ok(confirm_last_key_page(&op, &project, &key, "status").into_response());
        }
        Err(e) => return Err(e.into()),
    }
    let change = if status == KeyStatus::Active {
        KeyChange::Enabled
    } else {
        KeyChange::Disabled
    };
    key_changed(&state, &op, &project, change, &kid).await
}

pub async fn delete_form(
    State(state): State<PortalState>,
    Path((project, kid)): Path<(String, String)>,
    op: Operator,
) -> Result<Html<String>, PortalError> {
    let key = state.store().key(&project, &kid).await?;
    Ok(confirm_last_key_page(&op, &project, &key, "delete"))
}

#[derive(Deserialize)]
pub struct DeleteForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    force: Option<String>,
}

pub async fn delete(
    State(state): State<PortalState>,
    Path((project, kid)): Path<(String, String)>,
    op: Operator,
    Form(form): Form<DeleteForm>,
) -> Result<Response, PortalError> {
    op.check_csrf(&form.csrf)?;
    let force = form.force.as_deref() == Some("on");
    match state.store().delete_key(&project, &kid, force).await {
        Ok(()) => {}
        Err(keyward_store::StoreError::LastActiveKey { .. }) => {
            return Err(PortalError::Invalid(
                "This is the project's last active key. Tick “I understand” to delete it anyway, or generate a new key first.".into(),
            ));
        }
        Err(e) => return Err(e.into()),
    }
    key_changed(&state, &op, &project, KeyChange::Deleted, &kid).await
}

/// A 5-minute token signed with the project's newest active generated key
/// with full access.
pub async fn temporary_token(
    state: &PortalState,
    op: &Operator,
    project: &str,
) -> Result<(String, String), PortalError> {
    let keys = state.store().keys(project).await?;
    let key = keys
        .iter()
        .filter(|k| k.origin == KeyOrigin::Generated && k.status == KeyStatus::Active && k.role == KeyRole::Full)
        .max_by_key(|k| k.created_at)
        .ok_or_else(|| PortalError::Invalid("A temporary token is signed with one of this project's keys generated in keyward. Generate a key pair first (uploaded keys cannot be used: keyward does not hold their private keys).".into()))?;
    let pem = state
        .store()
        .private_key_pem(project, &key.kid, master(state)?)
        .await?;
    let signing = keyward_token::SigningKey::from_pem(pem.as_bytes())
        .map_err(|e| PortalError::Unexpected(e.to_string()))?;
    let now = keyward_store::now_secs().max(0) as u64;
    let claims = keyward_token::AdminClaims::new(project, now, TEMP_TOKEN_SECS);
    let token = keyward_token::sign(&claims, &key.kid, &signing)
        .map_err(|e| PortalError::Unexpected(e.to_string()))?;
    let event = AuditEvent::PortalAccessTokenCreated {
        kid: key.kid.clone(),
    };
    record(state, op, project, event).await?;
    Ok((key.kid.clone(), token))
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

pub async fn token_page(
    State(state): State<PortalState>,
    Path(project): Path<String>,
    op: Operator,
    Form(form): Form<CsrfOnly>,
) -> Result<Html<String>, PortalError> {
    op.check_csrf(&form.csrf)?;
    let (kid, token) = temporary_token(&state, &op, &project).await?;
    Ok(page(
        "Temporary token",
        Some(&op.session),
        html! {
            (project_header(&project, Tab::AdminApi))
            section.card {
                h2 { "Temporary access token" }
                p { "Valid for 5 minutes, signed with key " code { (kid) } ". It is shown only now: copy it." }
                (copy_field("Token", "temp-token", &token))
                p { a href={ "/portal/projects/" (project) } { "Back to Admin API" } }
            }
        },
    ))
}

/// The explorer's token: `X-CSRF-Token` instead of a form field; JSON out.
pub async fn token_json(
    State(state): State<PortalState>,
    Path(project): Path<String>,
    headers: HeaderMap,
    op: Operator,
) -> Result<Response, PortalError> {
    let sent = headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    op.check_csrf(sent)?;
    let (kid, token) = temporary_token(&state, &op, &project).await?;
    Ok(
        axum::Json(json!({ "token": token, "kid": kid, "expires_in": TEMP_TOKEN_SECS }))
            .into_response(),
    )
}
