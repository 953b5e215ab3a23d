//! Project → Applications: the project's OAuth clients for end-user
//! sign-in, with the same rules as `keyward oauth-client` (the accounts
//! core's `clients`): list, create (a confidential client's secret is shown
//! once), rotate a secret, delete. Each action is audited.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use keyward_accounts::AuditEvent;
use keyward_accounts::clients::{self, NewClient};
use keyward_store::{ClientType, OAuthClient};
use maud::{Markup, html};
use serde::Deserialize;

use crate::PortalState;
use crate::audit::record;
use crate::html::{Tab, copy_field, csrf, page, project_header, time};
use crate::session::{Operator, PortalError};

fn type_label(t: ClientType) -> &'static str {
    match t {
        ClientType::Spa => "Single-page app",
        ClientType::TraditionalWebapp => "Traditional web app",
        ClientType::Native => "Native app",
        ClientType::Confidential => "Confidential client",
        ClientType::M2m => "Machine-to-machine (no users)",
        ClientType::ThirdPartyApp => "Third-party app (asks users' consent)",
    }
}

fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

fn row(op: &Operator, project: &str, c: &OAuthClient) -> Markup {
    let base = format!("/portal/projects/{project}/applications/{}", c.client_id);
    html! {
        tr {
            td { (c.name) }
            td { code { (c.client_id) } }
            td { (type_label(c.client_type)) }
            td { @for u in &c.redirect_uris { div { code { (u) } } } }
            td { (time(c.created_at)) }
            td.actions {
                @if !c.client_type.is_public() {
                    form method="post" action={ (base) "/rotate-secret" } {
                        (csrf(&op.session))
                        button.secondary.small type="submit" { "New secret" }
                    }
                }
                form method="post" action={ (base) "/delete" } {
                    (csrf(&op.session))
                    button.danger.small type="submit" aria-label={ "Delete " (c.name) } { "Delete" }
                }
            }
        }
    }
}

fn body(op: &Operator, project: &str, list: &[OAuthClient], notice: Option<Markup>) -> Markup {
    html! {
        (project_header(project, Tab::Applications))
        @if let Some(n) = notice { (n) }
        section.card {
            h2 { "Applications" }
            p { "Apps that sign users in with OpenID Connect. The issuer is the project's host, e.g. "
                code { "http://" (project) ".localhost:3000" } "." }
            @if list.is_empty() {
                p { "No application yet." }
            } @else {
                table {
                    thead { tr { th { "Name" } th { "Client ID" } th { "Type" } th { "Redirect URIs" } th { "Created" } th { "Actions" } } }
                    tbody { @for c in list { (row(op, project, c)) } }
                }
            }
        }
        section.card {
            h2 { "Add an application" }
            form method="post" action={ "/portal/projects/" (project) "/applications" } {
                (csrf(&op.session))
                label for="app-name" { "Name" }
                input id="app-name" name="name" type="text" required maxlength="100";
                label for="app-type" { "Type" }
                select id="app-type" name="client_type" {
                    @for t in ClientType::ALL { option value=(t.as_str()) { (type_label(t)) } }
                }
                label for="app-redirect" { "Redirect URIs (one per line, exact match)" }
                textarea id="app-redirect" name="redirect_uris" rows="3" required {}
                label for="app-logout" { "Post-logout redirect URIs (optional, one per line)" }
                textarea id="app-logout" name="post_logout_redirect_uris" rows="2" {}
                button type="submit" { "Add application" }
            }
        }
    }
}

async fn list(state: &PortalState, project: &str) -> Result<Vec<OAuthClient>, PortalError> {
    crate::projects::require(state, project).await?;
    Ok(state.store().clients_of(project).await?)
}

pub async fn applications(
    State(state): State<PortalState>,
    Path(project): Path<String>,
    op: Operator,
) -> Result<Html<String>, PortalError> {
    let clients = list(&state, &project).await?;
    Ok(page(
        &project,
        Some(&op.session),
        body(&op, &project, &clients, None),
    ))
}

#[derive(Deserialize)]
pub struct NewAppForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    client_type: String,
    #[serde(default)]
    redirect_uris: String,
    #[serde(default)]
    post_logout_redirect_uris: String,
}

fn secret_notice(c: &OAuthClient, secret: &str) -> Markup {
    html! {
        section.card.notice role="status" {
            p { strong { "Copy the client secret of " (c.name) " now." }
                " keyward keeps only its hash and cannot show it again. Earlier secrets keep working until you delete them with "
                code { "keyward oauth-client delete-secret" } "." }
            (copy_field("Client secret", "client-secret", secret))
        }
    }
}

pub async fn create(
    State(state): State<PortalState>,
    Path(project): Path<String>,
    op: Operator,
    Form(form): Form<NewAppForm>,
) -> Result<Response, PortalError> {
    op.check_csrf(&form.csrf)?;
    let client_type = ClientType::parse(&form.client_type)
        .ok_or_else(|| PortalError::Invalid("Choose an application type.".into()))?;
    let new = NewClient {
        name: form.name,
        client_type,
        redirect_uris: lines(&form.redirect_uris),
        post_logout_redirect_uris: lines(&form.post_logout_redirect_uris),
        refresh_rotation: None,
        access_token_lifetime_secs: None,
        refresh_reuse_leeway_secs: None,
    };
    let mut tx = state.store().begin().await?;
    let (client, secret) =
        clients::create(&mut tx, &project, new, keyward_store::now_secs()).await?;
    tx.commit().await?;
    let event = AuditEvent::PortalOAuthClient {
        action: "created",
        client_id: client.client_id.clone(),
    };
    record(&state, &op, &project, event).await?;
    let Some(secret) = secret else {
        return Ok(
            Redirect::to(&format!("/portal/projects/{project}/applications")).into_response(),
        );
    };
    let clients = list(&state, &project).await?;
    Ok(page(
        &project,
        Some(&op.session),
        body(
            &op,
            &project,
            &clients,
            Some(secret_notice(&client, &secret)),
        ),
    )
    .into_response())
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

pub async fn rotate_secret(
    State(state): State<PortalState>,
    Path((project, client_id)): Path<(String, String)>,
    op: Operator,
    Form(form): Form<CsrfForm>,
) -> Result<Html<String>, PortalError> {
    op.check_csrf(&form.csrf)?;
    let mut tx = state.store().begin().await?;
    let (client, secret) =
        clients::rotate_secret(&mut tx, &project, &client_id, keyward_store::now_secs()).await?;
    tx.commit().await?;
    let event = AuditEvent::PortalOAuthClient {
        action: "secret_rotated",
        client_id,
    };
    record(&state, &op, &project, event).await?;
    let clients = list(&state, &project).await?;
    Ok(page(
        &project,
        Some(&op.session),
        body(
            &op,
            &project,
            &clients,
            Some(secret_notice(&client, &secret)),
        ),
    ))
}

pub async fn delete(
    State(state): State<PortalState>,
    Path((project, client_id)): Path<(String, String)>,
    op: Operator,
    Form(form): Form<CsrfForm>,
) -> Result<Response, PortalError> {
    op.check_csrf(&form.csrf)?;
    let mut tx = state.store().begin().await?;
    clients::delete(&mut tx, &project, &client_id).await?;
    tx.commit().await?;
    let event = AuditEvent::PortalOAuthClient {
        action: "deleted",
        client_id,
    };
    record(&state, &op, &project, event).await?;
    Ok(Redirect::to(&format!("/portal/projects/{project}/applications")).into_response())
}
