//! The projects list and project creation.

use axum::Form;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;

use crate::PortalState;
use crate::html::{csrf, page, time};
use crate::session::{Operator, PortalError};

/// The project `id`, or a "not found" page.
pub async fn require(state: &PortalState, id: &str) -> Result<keyward_store::Project, PortalError> {
    state
        .store()
        .project(id)
        .await?
        .ok_or_else(|| PortalError::NotFound(format!("There is no project “{id}”.")))
}

pub async fn list(
    State(state): State<PortalState>,
    op: Operator,
) -> Result<Html<String>, PortalError> {
    let projects = state.store().projects().await?;
    Ok(page(
        "Projects",
        Some(&op.session),
        html! {
            h1 { "Projects" }
            section.card {
                @if projects.is_empty() {
                    p { "No projects yet. Create one below; its ID becomes part of its Admin API URL." }
                } @else {
                    table {
                        thead { tr { th scope="col" { "Project ID" } th scope="col" { "Created" } } }
                        tbody {
                            @for p in &projects {
                                tr {
                                    td { a href={ "/portal/projects/" (p.id) } { (p.id) } }
                                    td { (time(p.created_at)) }
                                }
                            }
                        }
                    }
                }
            }
            section.card {
                h2 { "Create a project" }
                form method="post" action="/portal/projects" class="inline" {
                    (csrf(&op.session))
                    label for="project-id" { "Project ID (lower-case letters, digits and hyphens)" }
                    input id="project-id" name="id" required pattern="[a-z0-9][a-z0-9\\-]*" maxlength="63" placeholder="myapp";
                    button type="submit" { "Create project" }
                }
            }
        },
    ))
}

#[derive(Deserialize)]
pub struct CreateForm {
    #[serde(default)]
    csrf: String,
    id: String,
}

pub async fn create(
    State(state): State<PortalState>,
    op: Operator,
    Form(form): Form<CreateForm>,
) -> Result<Response, PortalError> {
    op.check_csrf(&form.csrf)?;
    let project = state.store().create_project(form.id.trim()).await?;
    tracing::info!(operator = %op.session.email, project = %project.id, "project created in the portal");
    Ok(Redirect::to(&format!("/portal/projects/{}", project.id)).into_response())
}
