//! Project → Admin API → Limits: the per-key and per-project rate limits
//! and the replay guard, the same settings as `keyward project update`.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use keyward_store::{LimitsChange, MAX_RATE_LIMIT, ProjectLimits, parse_rate_limit};
use maud::{Markup, html};
use serde::Deserialize;

use crate::PortalState;
use crate::audit::record;
use crate::html::csrf;
use crate::session::{Operator, PortalError};
use keyward_accounts::AuditEvent;

/// The Limits card of the Admin API page.
pub fn card(op: &Operator, project: &str, limits: &ProjectLimits) -> Markup {
    let rate = |r: Option<u32>| r.map(|n| n.to_string()).unwrap_or_default();
    html! {
        section.card {
            h2 { "Limits" }
            p { "Off unless set. Over a limit, requests get 429 with Retry-After. Each server replica counts on its own." }
            form method="post" action={ "/portal/projects/" (project) "/limits" } {
                (csrf(&op.session))
                div.grid2 {
                    div {
                        label for="key-rate" { "Requests per second per key (empty: no limit)" }
                        input id="key-rate" name="key_rate" inputmode="numeric" pattern="[0-9]*" value=(rate(limits.key_rate));
                    }
                    div {
                        label for="project-rate" { "Requests per second for the project (empty: no limit)" }
                        input id="project-rate" name="project_rate" inputmode="numeric" pattern="[0-9]*" value=(rate(limits.project_rate));
                    }
                }
                label.check {
                    input type="checkbox" name="replay_guard" value="on" checked[limits.replay_guard];
                    " Replay guard: accept each token's " code { "jti" } " once, refuse tokens without one"
                }
                button.secondary type="submit" { "Save limits" }
            }
        }
    }
}

#[derive(Deserialize)]
pub struct LimitsForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    key_rate: String,
    #[serde(default)]
    project_rate: String,
    replay_guard: Option<String>,
}

fn parse_rate(field: &str, text: &str) -> Result<Option<u32>, PortalError> {
    parse_rate_limit(text).map_err(|_| {
        PortalError::Invalid(format!(
            "{field}: enter a whole number of requests per second from 1 to {MAX_RATE_LIMIT}, or leave it empty for no limit."
        ))
    })
}

pub async fn update(
    State(state): State<PortalState>,
    Path(project): Path<String>,
    op: Operator,
    Form(form): Form<LimitsForm>,
) -> Result<Response, PortalError> {
    op.check_csrf(&form.csrf)?;
    let project = crate::projects::require(&state, &project).await?;
    let change = LimitsChange {
        key_rate: Some(parse_rate("Per key", &form.key_rate)?),
        project_rate: Some(parse_rate("Per project", &form.project_rate)?),
        replay_guard: Some(form.replay_guard.is_some()),
    };
    let updated = state.store().set_limits(&project.id, change).await?;
    state.invalidate_project(&project.id).await;
    record(&state, &op, &project.id, AuditEvent::PortalLimitsUpdated).await?;
    tracing::info!(project = %updated.id, limits = ?updated.limits, "limits changed in the portal");
    Ok(Redirect::to(&format!("/portal/projects/{}?notice=limits", project.id)).into_response())
}
