//! The Admin API endpoint. Order: project (404) → credentials (401) → body
//! (413/415/400) → GraphQL. A declared oversized body is refused before the
//! token is even looked at, so nobody can make keyward buffer it.

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use tracing::Instrument;

use crate::AppState;
use crate::error::ApiError;
use crate::project;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/_api/admin/graphql", post(by_host))
        .route("/projects/{project}/_api/admin/graphql", post(by_path))
}

async fn by_host(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| uri.authority().map(|a| a.as_str()))
        .unwrap_or_default();
    match project::from_host(host, &state.config().base_domain) {
        Some(project) => serve(state, project, headers, body).await,
        None => ApiError::ProjectNotFound(String::new()).into_response(),
    }
}

async fn by_path(
    State(state): State<AppState>,
    Path(project): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    if keyward_store::validate_project_id(&project).is_err() {
        return ApiError::ProjectNotFound(project.chars().take(63).collect()).into_response();
    }
    serve(state, project, headers, body).await
}

async fn serve(state: AppState, project: String, headers: HeaderMap, body: Body) -> Response {
    let span = tracing::info_span!("admin_api", project = %project, kid = tracing::field::Empty);
    handle(state, project, headers, body)
        .instrument(span)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

async fn handle(
    state: AppState,
    project: String,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let limit = state.config().max_body_bytes;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(ApiError::PayloadTooLarge(limit));
    }

    let authorization: Vec<&[u8]> = headers
        .get_all(header::AUTHORIZATION)
        .iter()
        .map(|v| v.as_bytes())
        .collect();
    let caller = state.auth().authenticate(&project, &authorization).await?;
    tracing::Span::current().record("kid", caller.kid.as_str());

    let bytes = axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| ApiError::PayloadTooLarge(limit))?;
    let request = parse_request(&headers, &bytes)?;
    let operation = request.operation_name.clone().unwrap_or_default();
    tracing::debug!(operation, "admin API request");
    let response = state.schema().execute(request.data(caller)).await;
    Ok(axum::Json(response).into_response())
}

fn parse_request(headers: &HeaderMap, body: &[u8]) -> Result<async_graphql::Request, ApiError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let mut parts = content_type.split(';').map(str::trim);
    let media_type = parts.next().unwrap_or_default();
    // As Authgear: only UTF-8 bodies; a missing Content-Type is refused too.
    let utf8 = parts
        .filter_map(|p| p.strip_prefix("charset="))
        .all(|c| c.trim_matches('"') == "utf-8");
    match media_type {
        "application/json" if utf8 => serde_json::from_slice::<async_graphql::Request>(body).map_err(|e| {
            ApiError::BadRequest(format!(
                "the body must be a JSON object with `query` (and optional `variables`, `operationName`): {e}"
            ))
        }),
        "application/graphql" if utf8 => std::str::from_utf8(body)
            .map(async_graphql::Request::new)
            .map_err(|_| ApiError::BadRequest("the GraphQL document is not UTF-8".into())),
        _ => Err(ApiError::UnsupportedMediaType),
    }
}
