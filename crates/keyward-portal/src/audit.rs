//! The project's audit log: Admin API mutations and portal key actions,
//! newest first, filterable by activity and key ID; and [`record`], which
//! writes an operator's action as one of the core's typed audit events.

use axum::extract::{Path, Query, State};
use axum::response::Html;
use keyward_accounts::{Actor, AuditEvent, Initiator};
use keyward_store::{AuditFilter, PageRequest};
use maud::html;
use serde::Deserialize;

use crate::PortalState;
use crate::html::{Tab, page, project_header};
use crate::session::{Operator, PortalError};

/// Record `event` by the operator `op` on `project`, in its own
/// transaction (the change it records is already committed by the store).
pub async fn record(
    state: &PortalState,
    op: &Operator,
    project: &str,
    event: AuditEvent,
) -> Result<(), PortalError> {
    let actor = Actor {
        project: project.to_owned(),
        now: keyward_store::now_micros(),
        by: Initiator::Operator {
            email: op.session.email.clone(),
            ip: op.ip.clone(),
            user_agent: op.user_agent.clone(),
        },
    };
    let mut tx = state.store().begin().await?;
    keyward_accounts::audit::record(&mut tx, &actor, None, event)
        .await
        .map_err(|e| PortalError::Unexpected(e.to_string()))?;
    tx.commit().await?;
    Ok(())
}

/// Entries shown at once.
const SHOWN: u32 = 100;

#[derive(Deserialize, Default)]
pub struct Filter {
    #[serde(default)]
    activity: String,
    #[serde(default)]
    kid: String,
}

pub async fn audit_log(
    State(state): State<PortalState>,
    Path(project): Path<String>,
    Query(filter): Query<Filter>,
    op: Operator,
) -> Result<Html<String>, PortalError> {
    crate::projects::require(&state, &project).await?;
    let activity = filter.activity.trim();
    let kid = filter.kid.trim();
    let store_filter = AuditFilter {
        activity_types: if activity.is_empty() {
            vec![]
        } else {
            vec![activity.to_owned()]
        },
        kid: (!kid.is_empty()).then(|| kid.to_owned()),
        ..AuditFilter::default()
    };
    let request = PageRequest {
        after: None,
        before: None,
        limit: SHOWN,
        from_end: false,
        descending: true,
    };
    let mut tx = state.store().begin_read().await?;
    let entries = tx.list_audit(&project, &store_filter, &request).await?;
    tx.commit().await?;
    Ok(page(
        &format!("{project} · Audit log"),
        Some(&op.session),
        html! {
            (project_header(&project, Tab::Audit))
            section.card {
                form method="get" class="filters" {
                    div {
                        label for="activity" { "Activity" }
                        input id="activity" name="activity" value=(activity) placeholder="portal.admin_api_key.downloaded";
                    }
                    div {
                        label for="kid" { "Key ID" }
                        input id="kid" name="kid" value=(kid);
                    }
                    button.secondary type="submit" { "Filter" }
                    a href={ "/portal/projects/" (project) "/audit" } { "Clear" }
                }
                @if entries.items.is_empty() {
                    p { "No entries match." }
                } @else {
                    div.scroll {
                        table {
                            thead { tr {
                                th scope="col" { "When" } th scope="col" { "Activity" } th scope="col" { "Key ID" }
                                th scope="col" { "By" } th scope="col" { "From" } th scope="col" { "User" }
                            } }
                            tbody {
                                @for e in &entries.items {
                                    tr {
                                        td { (crate::html::time(e.created_at / 1_000_000)) }
                                        td { code { (e.activity_type) } }
                                        td { @if let Some(k) = &e.kid { code { (k) } } }
                                        td { (e.data["operator"].as_str().unwrap_or("Admin API")) }
                                        td { (e.data["ip"].as_str().unwrap_or("")) }
                                        td { @if let Some(u) = &e.user_id { code { (u) } } }
                                    }
                                }
                            }
                        }
                    }
                    @if entries.more { p.hint { "Showing the newest " (SHOWN) ". Narrow the filter to see older entries." } }
                }
            }
        },
    ))
}
