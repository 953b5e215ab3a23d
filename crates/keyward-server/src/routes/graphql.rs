//! The Admin API endpoint. Order: project (404) → credentials (401) → body
//! (413/415/400) → operation checks (too many mutation fields: 400;
//! read-only key and a mutation: `Forbidden`) → GraphQL in one transaction,
//! committed only when the response has no error. A declared oversized body
//! is refused before the token is even looked at, so nobody can make
//! keyward buffer it.

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use tracing::Instrument;

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use keyward_store::KeyRole;

use keyward_admin::errors::is_store_failure;
use keyward_admin::{AdminError, MAX_MUTATION_FIELDS, RequestCtx};

use crate::AppState;
use crate::error::ApiError;
use crate::project;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/_api/admin/graphql", post(by_host))
        // Authgear serves the same handler at /graphql.
        .route("/graphql", post(by_host))
        .route("/projects/{project}/_api/admin/graphql", post(by_path))
}

async fn by_host(
    State(state): State<AppState>,
    client: Client,
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
        Some(project) => serve(state, project, client, headers, body).await,
        None => ApiError::ProjectNotFound(String::new()).into_response(),
    }
}

async fn by_path(
    State(state): State<AppState>,
    client: Client,
    Path(project): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    if keyward_store::validate_project_id(&project).is_err() {
        return ApiError::ProjectNotFound(project.chars().take(63).collect()).into_response();
    }
    serve(state, project, client, headers, body).await
}

/// The peer's address (unspecified when the server runs without connect
/// info, as in-process tests do).
pub(crate) struct Client(pub(crate) IpAddr);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Client {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(Client(
            crate::serve::peer_ip(parts).unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
        ))
    }
}

async fn serve(
    state: AppState,
    project: String,
    Client(client): Client,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let span = tracing::info_span!("admin_api", project = %project, kid = tracing::field::Empty);
    let limit = state.config().request_timeout;
    // Past the limit the handler is dropped, and with it its transaction,
    // which rolls back.
    match tokio::time::timeout(
        limit,
        handle(state, project, client, headers, body).instrument(span),
    )
    .await
    {
        Ok(result) => result.unwrap_or_else(IntoResponse::into_response),
        Err(_) => {
            tracing::warn!(timeout = ?limit, "request stopped: it ran past the request timeout");
            ApiError::RequestTimeout(limit).into_response()
        }
    }
}

async fn handle(
    state: AppState,
    project: String,
    client: IpAddr,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let limit = state.config().max_body_bytes;
    refuse_declared_over(&headers, limit)?;
    let caller = state
        .auth()
        .authenticate(&project, &authorization(&headers), client)
        .await?;
    tracing::Span::current().record("kid", caller.kid.as_str());

    let bytes = read_body(body, limit, state.config().body_read_timeout).await?;
    let mut request = parse_request(&headers, &bytes)?;
    let operation = request.operation_name.clone().unwrap_or_default();
    tracing::debug!(operation, "admin API request");

    // Aliases multiply work that depth and complexity limits do not see
    // (`a1: users … a500: users`); count them before anything runs.
    let max_aliases = state.config().graphql_max_aliases;
    if let Ok(document) = request.parsed_query() {
        let found = count_aliases(document);
        if found > max_aliases {
            return Err(ApiError::TooManyAliases {
                found,
                limit: max_aliases,
            });
        }
    }

    // Syntax errors and unknown operations: the executor reports them.
    let (write, roots) = operation_kind(&mut request).unwrap_or_default();
    if let Some(fields) = write {
        if fields > MAX_MUTATION_FIELDS {
            return Err(ApiError::TooManyMutationFields(fields));
        }
        if caller.role == KeyRole::ReadOnly {
            let error: async_graphql::Error = AdminError::forbidden(
                "ReadOnlyKey",
                "this key is read-only: it may run queries but no mutation",
            )
            .into();
            let response = async_graphql::Response::from_errors(vec![
                error.into_server_error(Default::default()),
            ]);
            return Ok(axum::Json(response).into_response());
        }
    }

    let text = |name: header::HeaderName| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.chars().take(512).collect::<String>())
    };
    let issuer =
        crate::issuer::AdminSessionIssuer::new(state.clone(), text(header::HOST).as_deref());
    let ctx = Arc::new(
        RequestCtx::new(
            caller,
            state.store().clone(),
            write.is_some(),
            state.clock().now_micros(),
            state.config().password_hash_cost,
            (
                client.to_string(),
                text(header::USER_AGENT).unwrap_or_default(),
            ),
        )
        .with_session_issuer(Arc::new(issuer))
        .with_transports(state.config().transports()),
    );
    let mut response = state.schema().execute(request.data(ctx.clone())).await;
    let Some(ctx) = Arc::into_inner(ctx) else {
        tracing::error!("request state still shared after execution");
        return Err(ApiError::Unavailable);
    };
    let failed = response.errors.iter().any(is_store_failure);
    if let Some(tx) = ctx.into_tx() {
        if failed || !response.errors.is_empty() {
            // One request is one transaction: any error undoes every write.
            if let Err(e) = tx.rollback().await {
                tracing::warn!(error = %e, "rollback failed (the transaction is abandoned)");
            }
        } else if let Err(e) = tx.commit().await {
            tracing::error!(error = %e, "commit failed; the request's writes were not applied");
            return Err(ApiError::Unavailable);
        }
    }
    if failed {
        return Err(ApiError::Unavailable);
    }
    if !response.errors.is_empty() {
        if write.is_some() {
            // Rolled back: no data may name what no longer exists (and every
            // mutation payload is non-null, so GraphQL says null anyway).
            response.data = async_graphql::Value::Null;
        } else {
            null_failed_roots(&mut response, &roots);
        }
    }
    Ok(axum::Json(response).into_response())
}

/// Query roots whose type is non-null: an error there nulls all of `data`.
const NON_NULL_QUERY_ROOTS: [&str; 2] = ["nodes", "getUsersByStandardAttribute"];

/// GraphQL null propagation for failed root fields, which async-graphql
/// leaves out of `data` instead: a nullable root becomes `null`, a
/// non-null one makes `data` null.
fn null_failed_roots(response: &mut async_graphql::Response, roots: &[(String, String)]) {
    use async_graphql::{Name, PathSegment, Value};
    let failed: Vec<&str> = response
        .errors
        .iter()
        .filter_map(|e| match e.path.as_slice() {
            [PathSegment::Field(key)] => Some(key.as_str()),
            _ => None,
        })
        .collect();
    for key in failed {
        let name = roots
            .iter()
            .find(|(alias, _)| alias == key)
            .map(|(_, n)| n.as_str());
        if name.is_some_and(|n| NON_NULL_QUERY_ROOTS.contains(&n)) {
            response.data = Value::Null;
            return;
        }
        if let Value::Null = response.data {
            response.data = Value::Object(Default::default());
        }
        if let Value::Object(map) = &mut response.data {
            map.entry(Name::new(key)).or_insert(Value::Null);
        }
    }
}

/// `Some(top-level field count)` when the selected operation is a mutation,
/// `None` for a query, with the root fields as `(response key, name)`;
/// `Err` when the document does not parse or names no operation (the
/// executor then answers with the GraphQL error).
type Operation = (Option<usize>, Vec<(String, String)>);

fn operation_kind(request: &mut async_graphql::Request) -> Result<Operation, ()> {
    use async_graphql::parser::types::{DocumentOperations, OperationType};
    let name = request.operation_name.clone();
    let document = request.parsed_query().map_err(|_| ())?;
    let operation = match (&document.operations, name) {
        (DocumentOperations::Single(op), _) => op,
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name.as_str()).ok_or(())?,
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => {
            ops.values().next().ok_or(())?
        }
        _ => return Err(()),
    };
    let mut roots = Vec::new();
    root_fields(&operation.node.selection_set.node, document, 0, &mut roots);
    let write = (operation.node.ty == OperationType::Mutation).then_some(roots.len());
    Ok((write, roots))
}

/// Fields with an alias, in every operation and fragment of `document`
/// (iteratively: the parser bounds nesting, but this need not rely on it).
fn count_aliases(document: &async_graphql::parser::types::ExecutableDocument) -> usize {
    use async_graphql::parser::types::Selection;
    let mut stack: Vec<&async_graphql::parser::types::SelectionSet> = document
        .operations
        .iter()
        .map(|(_, op)| &op.node.selection_set.node)
        .chain(
            document
                .fragments
                .values()
                .map(|f| &f.node.selection_set.node),
        )
        .collect();
    let mut found = 0;
    while let Some(set) = stack.pop() {
        for item in &set.items {
            match &item.node {
                Selection::Field(f) => {
                    found += usize::from(f.node.alias.is_some());
                    stack.push(&f.node.selection_set.node);
                }
                Selection::InlineFragment(f) => stack.push(&f.node.selection_set.node),
                Selection::FragmentSpread(_) => {}
            }
        }
    }
    found
}

/// Top-level fields as `(response key, name)`, through fragments (bounded
/// depth: a cyclic fragment is a validation error anyway).
fn root_fields(
    set: &async_graphql::parser::types::SelectionSet,
    document: &async_graphql::parser::types::ExecutableDocument,
    depth: usize,
    out: &mut Vec<(String, String)>,
) {
    use async_graphql::parser::types::Selection;
    if depth > 16 {
        return;
    }
    for item in &set.items {
        match &item.node {
            Selection::Field(f) => out.push((
                f.node.response_key().node.to_string(),
                f.node.name.node.to_string(),
            )),
            Selection::InlineFragment(f) => {
                root_fields(&f.node.selection_set.node, document, depth + 1, out)
            }
            Selection::FragmentSpread(s) => {
                if let Some(f) = document.fragments.get(&s.node.fragment_name.node) {
                    root_fields(&f.node.selection_set.node, document, depth + 1, out);
                }
            }
        }
    }
}

/// A body declared larger than `limit` is refused before anything else
/// (it is never read).
pub(crate) fn refuse_declared_over(headers: &HeaderMap, limit: usize) -> Result<(), ApiError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(ApiError::PayloadTooLarge(limit));
    }
    Ok(())
}

/// Every `Authorization` header's value.
pub(crate) fn authorization(headers: &HeaderMap) -> Vec<&[u8]> {
    headers
        .get_all(header::AUTHORIZATION)
        .iter()
        .map(|v| v.as_bytes())
        .collect()
}

/// The whole body, within `limit` bytes and `timeout`.
pub(crate) async fn read_body(
    body: Body,
    limit: usize,
    timeout: std::time::Duration,
) -> Result<axum::body::Bytes, ApiError> {
    match tokio::time::timeout(timeout, axum::body::to_bytes(body, limit)).await {
        Err(_) => Err(ApiError::BodyTimeout(timeout)),
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(e)) => {
            let over_limit =
                std::iter::successors(Some(&e as &(dyn std::error::Error + 'static)), |e| {
                    e.source()
                })
                .any(|e| e.is::<http_body_util::LengthLimitError>());
            if over_limit {
                Err(ApiError::PayloadTooLarge(limit))
            } else {
                // The client went away or sent a broken chunked body.
                Err(ApiError::BadRequest(
                    "the request body could not be read".into(),
                ))
            }
        }
    }
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
    let bad = |e: serde_json::Error| {
        ApiError::BadRequest(format!(
            "the body must be a JSON object with `query` (and optional `variables`, `operationName`): {e}"
        ))
    };
    match media_type {
        "application/json" if utf8 => {
            let mut value: serde_json::Value = serde_json::from_slice(body).map_err(bad)?;
            // serde would read a struct from an array too (`[]` became an
            // empty query), and a missing `query` defaults to ""; only an
            // object with a `query` string is a GraphQL request.
            if !value.get("query").is_some_and(serde_json::Value::is_string) {
                return Err(ApiError::BadRequest(
                    "the body must be a JSON object with `query` (and optional `variables`, `operationName`)".into(),
                ));
            }
            // As Authgear: `variables` may also be a JSON string holding the object.
            if let Some(vars) = value.get_mut("variables")
                && let serde_json::Value::String(text) = vars
            {
                *vars = serde_json::from_str(text).map_err(bad)?;
            }
            serde_json::from_value::<async_graphql::Request>(value).map_err(bad)
        }
        "application/graphql" if utf8 => std::str::from_utf8(body)
            .map(async_graphql::Request::new)
            .map_err(|_| ApiError::BadRequest("the GraphQL document is not UTF-8".into())),
        _ => Err(ApiError::UnsupportedMediaType),
    }
}
