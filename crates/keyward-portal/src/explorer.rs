//! The API explorer: runs GraphQL against the project's real Admin API from
//! the browser, with a temporary token the page fetches for itself.

use axum::extract::{Path, State};
use axum::response::Html;
use maud::html;

use crate::PortalState;
use crate::html::{Tab, page, project_header};
use crate::session::{Operator, PortalError};

const SAMPLE: &str = "query {\n  users(first: 10) {\n    totalCount\n    edges { node { id standardAttributes } }\n  }\n}";

pub async fn explorer(
    State(state): State<PortalState>,
    Path(project): Path<String>,
    op: Operator,
) -> Result<Html<String>, PortalError> {
    crate::projects::require(&state, &project).await?;
    Ok(page(
        &format!("{project} · API explorer"),
        Some(&op.session),
        html! {
            (project_header(&project, Tab::Explorer))
            div.warning role="note" {
                strong { "Real data. " }
                "Queries and mutations here run against this project's live Admin API, with a 5-minute token signed by its newest generated key. A mutation changes or deletes real users."
            }
            section.card {
                form id="explorer"
                    data-endpoint={ "/projects/" (project) "/_api/admin/graphql" }
                    data-token-url={ "/portal/projects/" (project) "/token.json" }
                    data-csrf=(op.session.csrf_token) {
                    label for="query" { "GraphQL query or mutation" }
                    textarea id="query" name="query" rows="10" spellcheck="false" { (SAMPLE) }
                    label for="variables" { "Variables (JSON object, optional)" }
                    textarea id="variables" name="variables" rows="3" spellcheck="false" placeholder="{}" {}
                    button type="submit" { "Run" }
                }
            }
            section.card {
                h2 { "Result" }
                p id="explorer-status" role="status" { "Press Run (or Ctrl+Enter in the query box)." }
                pre id="explorer-result" tabindex="0" {}
            }
        },
    ))
}
