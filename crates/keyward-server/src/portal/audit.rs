//! The project's audit log: Admin API mutations and portal key actions,
//! newest first, filterable by activity and key ID.

use axum::extract::{Path, Query, State};
use axum::response::Html;
use keyward_store::{AuditFilter, PageRequest};
use maud::html;
use serde::Deserialize;

use crate::AppState;
use crate::portal::html::{Tab, page, project_header};
use crate::portal::session::{Operator, PortalError};

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
    State(state): State<AppState>,
    Path(project): Path<String>,
    Query(filter): Query<Filter>,
    op: Operator,
) -> Result<Html<String>, PortalError> {
    crate::portal::projects::require(&state, &project).await?;
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
        Some(&op),
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
                                        td { (crate::portal::html::time(e.created_at / 1_000_000)) }
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
