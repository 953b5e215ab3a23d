//! Authgear's user import and export endpoints, next to the GraphQL one and
//! behind the same credentials (host form `/_api/admin/users/…` and path
//! form `/projects/<id>/_api/admin/users/…`):
//!
//! - `POST …/import` (500,000-byte body; full-access keys only) and
//!   `GET …/import/<id>`;
//! - `POST …/export` (1 MiB body) and `GET …/export/<id>`, whose answer
//!   carries a fresh `download_url` valid for 60 s;
//! - `GET …/export/<id>/download?expires=…&signature=…`: the file, streamed
//!   from the store. The link is the credential (as a presigned object URL
//!   is), so it needs no token.
//!
//! Order, as the GraphQL endpoint: project (404) → declared size (413) →
//! credentials (401, the same refusal as GraphQL) → body. Answers use
//! Authgear's envelope: `{"result": …}` or `{"error": APIError}`.

use std::collections::HashMap;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use keyward_accounts::export;
use keyward_accounts::import::{Identifier, TASK_SIZE};
use keyward_store::{Enqueued, ExportJob, ImportJob, ImportTaskState, KeyRole};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;

use super::graphql::{Client, authorization, read_body, refuse_declared_over};
use crate::AppState;
use crate::error::ApiError;
use crate::project;
use crate::transfer::{self, ApiErrorBody, RETENTION_MICROS};

/// The import body limit (Authgear's "500KB").
pub const IMPORT_BODY_LIMIT: usize = 500_000;
/// The export body limit.
pub const EXPORT_BODY_LIMIT: usize = 1 << 20;
/// Unfinished imports one project may have at once.
pub const MAX_UNFINISHED_IMPORTS: i64 = 8;
/// Pending exports one project may have at once.
pub const MAX_PENDING_EXPORTS: i64 = 2;
/// How long a download link works, seconds.
pub const DOWNLOAD_LINK_SECS: i64 = 60;

pub(crate) fn router() -> Router<AppState> {
    let mut router = Router::new();
    for prefix in ["", "/projects/{project}"] {
        router = router
            .route(
                &format!("{prefix}/_api/admin/users/import"),
                post(create_import),
            )
            .route(
                &format!("{prefix}/_api/admin/users/import/{{id}}"),
                get(import_status),
            )
            .route(
                &format!("{prefix}/_api/admin/users/export"),
                post(create_export),
            )
            .route(
                &format!("{prefix}/_api/admin/users/export/{{id}}"),
                get(export_status),
            )
            .route(
                &format!("{prefix}/_api/admin/users/export/{{id}}/download"),
                get(download),
            );
    }
    router
}

/// An answer or a refusal, as Authgear shapes them.
enum Answer {
    /// 200 `{"result": …}` (JSON text).
    Result(String),
    /// `{"error": …}` with its status.
    Error(ApiErrorBody),
    /// keyward's own refusal (credentials, project, limits), in the shape
    /// the GraphQL endpoint uses.
    Api(ApiError),
}

impl From<ApiError> for Answer {
    fn from(e: ApiError) -> Self {
        match e {
            ApiError::PayloadTooLarge(limit) => Answer::Error(
                ApiErrorBody::new(
                    "RequestEntityTooLarge",
                    "JSONTooLarge",
                    "request body too large",
                    413,
                )
                .info(serde_json::json!({ "limit": limit })),
            ),
            other => Answer::Api(other),
        }
    }
}

impl From<ApiErrorBody> for Answer {
    fn from(e: ApiErrorBody) -> Self {
        Answer::Error(e)
    }
}

impl From<keyward_store::StoreError> for Answer {
    fn from(e: keyward_store::StoreError) -> Self {
        tracing::error!(error = %e, "store failure in user import/export");
        Answer::Api(ApiError::Unavailable)
    }
}

impl IntoResponse for Answer {
    fn into_response(self) -> Response {
        let (status, body) = match self {
            Answer::Api(e) => return e.into_response(),
            Answer::Result(text) => (StatusCode::OK, format!(r#"{{"result":{text}}}"#)),
            Answer::Error(e) => (
                StatusCode::from_u16(e.code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                format!(r#"{{"error":{}}}"#, e.to_text()),
            ),
        };
        let mut response = (status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            // The rest of the body is never read.
            headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        response
    }
}

fn host_of(headers: &HeaderMap) -> &str {
    headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default()
}

/// The project a request is for: the path's, else the Host header's.
fn project_of(
    state: &AppState,
    params: &HashMap<String, String>,
    headers: &HeaderMap,
) -> Result<String, ApiError> {
    match params.get("project") {
        Some(p) if keyward_store::validate_project_id(p).is_ok() => Ok(p.clone()),
        Some(p) => Err(ApiError::ProjectNotFound(p.chars().take(63).collect())),
        None => project::from_host(host_of(headers), &state.config().base_domain)
            .ok_or_else(|| ApiError::ProjectNotFound(String::new())),
    }
}

/// The project, the size precheck and the credentials: the caller's role.
async fn admit(
    state: &AppState,
    params: &HashMap<String, String>,
    headers: &HeaderMap,
    client: Client,
    limit: Option<usize>,
) -> Result<(String, KeyRole), ApiError> {
    let project = project_of(state, params, headers)?;
    if let Some(limit) = limit {
        refuse_declared_over(headers, limit)?;
    }
    let caller = state
        .auth()
        .authenticate(&project, &authorization(headers), client.0)
        .await?;
    Ok((project, caller.role))
}

/// A JSON body: `application/json` (charset UTF-8 if any), within `limit`.
async fn json_body(
    state: &AppState,
    headers: &HeaderMap,
    body: Body,
    limit: usize,
) -> Result<Value, Answer> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let mut parts = content_type.split(';').map(str::trim);
    let media_type = parts.next().unwrap_or_default();
    let utf8 = parts
        .filter_map(|p| p.strip_prefix("charset="))
        .all(|c| matches!(c.trim_matches('"'), "utf-8" | "utf8"));
    if media_type != "application/json" || !utf8 {
        return Err(ApiErrorBody::new(
            "BadRequest",
            "BadRequest",
            "request content type is invalid: send Content-Type: application/json",
            400,
        )
        .into());
    }
    let bytes = read_body(body, limit, state.config().body_read_timeout).await?;
    serde_json::from_slice(&bytes).map_err(|e| {
        let offset = byte_offset(&bytes, e.line(), e.column());
        ApiErrorBody::new(
            "BadRequest",
            "InvalidJSON",
            format!("invalid JSON: {e}"),
            400,
        )
        .info(serde_json::json!({ "byte_offset": offset }))
        .into()
    })
}

/// The byte offset of serde_json's 1-based line and column.
fn byte_offset(bytes: &[u8], line: usize, column: usize) -> usize {
    let line_start: usize = bytes
        .split(|b| *b == b'\n')
        .take(line.saturating_sub(1))
        .map(|l| l.len() + 1)
        .sum();
    (line_start + column.saturating_sub(1)).min(bytes.len())
}

fn invalid_body(causes: Vec<Value>) -> ApiErrorBody {
    let mut causes = causes;
    causes.sort_by(|a, b| a["location"].as_str().cmp(&b["location"].as_str()));
    ApiErrorBody::new("Invalid", "ValidationFailed", "invalid request body", 400)
        .info(serde_json::json!({ "causes": causes }))
}

fn too_many(kind: &str, limit: i64) -> ApiErrorBody {
    ApiErrorBody::new(
        "TooManyRequest",
        "MaximumConcurrentJobLimitExceeded",
        format!("this project has {limit} unfinished {kind}s, the most it may have: wait for one to complete"),
        429,
    )
    .info(serde_json::json!({ "limit": limit }))
}

fn now(state: &AppState) -> i64 {
    state.clock().now_micros()
}

async fn create_import(
    State(state): State<AppState>,
    Path(params): Path<HashMap<String, String>>,
    client: Client,
    headers: HeaderMap,
    body: Body,
) -> Answer {
    handle_create_import(state, params, client, headers, body)
        .await
        .unwrap_or_else(|a| a)
}

async fn handle_create_import(
    state: AppState,
    params: HashMap<String, String>,
    client: Client,
    headers: HeaderMap,
    body: Body,
) -> Result<Answer, Answer> {
    let (project, role) = admit(&state, &params, &headers, client, Some(IMPORT_BODY_LIMIT)).await?;
    if role == KeyRole::ReadOnly {
        return Err(ApiErrorBody::new(
            "Forbidden",
            "ReadOnlyKey",
            "this key is read-only: it may export users but not import them",
            403,
        )
        .into());
    }
    let body = json_body(&state, &headers, body, IMPORT_BODY_LIMIT).await?;
    let (upsert, identifier, records) = check_import(&body).map_err(invalid_body)?;
    let tasks: Vec<String> = records
        .chunks(TASK_SIZE)
        .map(|chunk| Value::Array(chunk.to_vec()).to_string())
        .collect();
    let id = transfer::new_id("userimport_").ok_or(ApiError::Unavailable)?;
    let job = ImportJob {
        id,
        created_at: now(&state),
        upsert,
        identifier: identifier.as_str().to_owned(),
        total: records.len() as i64,
    };
    let expires = job.created_at + RETENTION_MICROS;
    match state
        .store()
        .create_import(&project, &job, &tasks, expires, MAX_UNFINISHED_IMPORTS)
        .await?
    {
        Enqueued::Yes => {}
        Enqueued::TooMany(_) => return Err(too_many("import", MAX_UNFINISHED_IMPORTS).into()),
    }
    state.import_wake().notify_one();
    tracing::info!(project, import = %job.id, records = job.total, "user import queued");
    Ok(Answer::Result(import_status_text(&job, &[])))
}

/// The top-level import schema: `upsert`, `identifier`, `records`.
fn check_import(body: &Value) -> Result<(bool, Identifier, &Vec<Value>), Vec<Value>> {
    use serde_json::json;
    let Value::Object(map) = body else {
        return Err(vec![
            json!({"location": "", "kind": "type", "details": {"actual": [kind_of(body)], "expected": ["object"]}}),
        ]);
    };
    let mut causes = Vec::new();
    let missing: Vec<&str> = ["identifier", "records"]
        .into_iter()
        .filter(|k| !map.contains_key(*k))
        .collect();
    if !missing.is_empty() {
        causes.push(json!({"location": "", "kind": "required", "details": {
            "actual": map.keys().collect::<Vec<_>>(), "expected": ["identifier", "records"], "missing": missing}}));
    }
    for key in map
        .keys()
        .filter(|k| !matches!(k.as_str(), "upsert" | "identifier" | "records"))
    {
        causes.push(json!({"location": format!("/{key}"), "kind": ""}));
    }
    let upsert = match map.get("upsert") {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(other) => {
            causes.push(json!({"location": "/upsert", "kind": "type", "details": {"actual": [kind_of(other)], "expected": ["boolean"]}}));
            false
        }
    };
    let identifier = match map.get("identifier") {
        None => None,
        Some(v) => {
            let found = v.as_str().and_then(Identifier::parse);
            if found.is_none() {
                causes.push(
                    json!({"location": "/identifier", "kind": "enum", "details": {
                    "actual": v, "expected": Identifier::NAMES}}),
                );
            }
            found
        }
    };
    let records = match map.get("records") {
        None => None,
        Some(Value::Array(items)) if items.is_empty() => {
            causes.push(json!({"location": "/records", "kind": "minItems", "details": {"actual": 0, "expected": 1}}));
            None
        }
        Some(Value::Array(items)) => {
            for (i, item) in items.iter().enumerate().filter(|(_, v)| !v.is_object()) {
                causes.push(
                    json!({"location": format!("/records/{i}"), "kind": "type", "details": {
                    "actual": [kind_of(item)], "expected": ["object"]}}),
                );
            }
            Some(items)
        }
        Some(other) => {
            causes.push(json!({"location": "/records", "kind": "type", "details": {"actual": [kind_of(other)], "expected": ["array"]}}));
            None
        }
    };
    match (identifier, records) {
        (Some(identifier), Some(records)) if causes.is_empty() => Ok((upsert, identifier, records)),
        _ => Err(causes),
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

async fn import_status(
    State(state): State<AppState>,
    Path(params): Path<HashMap<String, String>>,
    client: Client,
    headers: HeaderMap,
) -> Answer {
    let run = async {
        let (project, _) = admit(&state, &params, &headers, client, None).await?;
        let id = params.get("id").map(String::as_str).unwrap_or_default();
        match state
            .store()
            .import_status(&project, id, now(&state))
            .await?
        {
            Some((job, tasks)) => Ok::<_, Answer>(Answer::Result(import_status_text(&job, &tasks))),
            None => Err(not_found()),
        }
    };
    run.await.unwrap_or_else(|a| a)
}

fn not_found() -> Answer {
    ApiErrorBody::new("NotFound", "TaskNotFound", "task not found", 404).into()
}

#[derive(Serialize)]
struct ImportStatus<'a> {
    id: &'a str,
    created_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    completed_at: Option<String>,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a RawValue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    summary: Option<Summary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    details: Option<Box<RawValue>>,
}

#[derive(Serialize, Default)]
struct Summary {
    total: usize,
    inserted: usize,
    updated: usize,
    skipped: usize,
    failed: usize,
}

#[derive(Deserialize)]
struct OutcomeOnly<'a> {
    outcome: &'a str,
}

/// `ImportStatus` as JSON text: pending while any task is; then the
/// summary and every record's entry, in the request's order.
fn import_status_text(job: &ImportJob, tasks: &[ImportTaskState]) -> String {
    let done = !tasks.is_empty() && tasks.iter().all(|t| t.completed_at.is_some());
    let mut status = ImportStatus {
        id: &job.id,
        created_at: export::timestamp(job.created_at),
        completed_at: None,
        status: "pending",
        error: None,
        summary: None,
        details: None,
    };
    if !done {
        return serde_json::to_string(&status).unwrap_or_default();
    }
    let mut summary = Summary::default();
    let mut details: Vec<&str> = Vec::new();
    for task in tasks {
        let results = task.results.as_deref().unwrap_or("[]");
        if let Ok(outcomes) = serde_json::from_str::<Vec<OutcomeOnly>>(results) {
            for o in outcomes {
                summary.total += 1;
                match o.outcome {
                    "inserted" => summary.inserted += 1,
                    "updated" => summary.updated += 1,
                    "skipped" => summary.skipped += 1,
                    _ => summary.failed += 1,
                }
            }
        }
        let inner = results
            .trim()
            .trim_start_matches('[')
            .trim_end_matches(']')
            .trim();
        if !inner.is_empty() {
            details.push(inner);
        }
    }
    let error = tasks
        .iter()
        .find_map(|t| t.error.as_deref())
        .and_then(|e| serde_json::from_str::<&RawValue>(e).ok());
    status.completed_at = tasks
        .iter()
        .filter_map(|t| t.completed_at)
        .max()
        .map(export::timestamp);
    status.status = "completed";
    status.error = error;
    status.summary = Some(summary);
    status.details = RawValue::from_string(format!("[{}]", details.join(","))).ok();
    serde_json::to_string(&status).unwrap_or_default()
}

async fn create_export(
    State(state): State<AppState>,
    Path(params): Path<HashMap<String, String>>,
    client: Client,
    headers: HeaderMap,
    body: Body,
) -> Answer {
    let run = async {
        let (project, role) =
            admit(&state, &params, &headers, client, Some(EXPORT_BODY_LIMIT)).await?;
        let body = json_body(&state, &headers, body, EXPORT_BODY_LIMIT).await?;
        let request =
            export::Request::parse(&body).map_err(|e| Answer::Error(ApiErrorBody::of(&e)))?;
        let (Some(id), Ok(download_key)) = (
            transfer::new_id("userexport_"),
            keyward_accounts::secret::random_token(),
        ) else {
            return Err(ApiError::Unavailable.into());
        };
        let job = ExportJob {
            project: project.clone(),
            id,
            created_at: now(&state),
            request: request.to_json_text(),
            // TOTP secrets are credentials a read-only key cannot read
            // through GraphQL either: its files leave them out.
            with_secrets: role != KeyRole::ReadOnly,
            status: "pending".into(),
            completed_at: None,
            failed_at: None,
            error: None,
            file_name: None,
            size_bytes: None,
            download_key,
            attempts: 0,
        };
        let expires = job.created_at + RETENTION_MICROS;
        match state
            .store()
            .create_export(&job, expires, MAX_PENDING_EXPORTS)
            .await?
        {
            Enqueued::Yes => {}
            Enqueued::TooMany(_) => return Err(too_many("export", MAX_PENDING_EXPORTS).into()),
        }
        state.export_wake().notify_one();
        tracing::info!(project, export = %job.id, "user export queued");
        Ok::<_, Answer>(Answer::Result(export_status_text(&job, None)))
    };
    run.await.unwrap_or_else(|a| a)
}

#[derive(Serialize)]
struct ExportStatus<'a> {
    id: &'a str,
    created_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    completed_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    failed_at: Option<String>,
    status: &'static str,
    request: Option<&'a RawValue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    download_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a RawValue>,
}

fn export_status_text(job: &ExportJob, download_url: Option<String>) -> String {
    let status = ExportStatus {
        id: &job.id,
        created_at: export::timestamp(job.created_at),
        completed_at: job.completed_at.map(export::timestamp),
        failed_at: job.failed_at.map(export::timestamp),
        status: if job.status == "pending" {
            "pending"
        } else {
            "completed"
        },
        request: serde_json::from_str(&job.request).ok(),
        download_url,
        error: job
            .error
            .as_deref()
            .and_then(|e| serde_json::from_str(e).ok()),
    };
    serde_json::to_string(&status).unwrap_or_default()
}

async fn export_status(
    State(state): State<AppState>,
    Path(params): Path<HashMap<String, String>>,
    client: Client,
    headers: HeaderMap,
) -> Answer {
    let run = async {
        let (project, _) = admit(&state, &params, &headers, client, None).await?;
        let id = params.get("id").map(String::as_str).unwrap_or_default();
        let Some(job) = state.store().export(&project, id, now(&state)).await? else {
            return Err(not_found());
        };
        let url = (job.status == "completed")
            .then(|| download_url(&state, &params, &headers, &job))
            .flatten();
        Ok::<_, Answer>(Answer::Result(export_status_text(&job, url)))
    };
    run.await.unwrap_or_else(|a| a)
}

/// A fresh link to the file, on the host and path form the caller used.
fn download_url(
    state: &AppState,
    params: &HashMap<String, String>,
    headers: &HeaderMap,
    job: &ExportJob,
) -> Option<String> {
    let host = host_of(headers);
    // Only a well-formed authority goes into a URL we hand out.
    host.parse::<axum::http::uri::Authority>().ok()?;
    let expires = now(state).div_euclid(1_000_000) + DOWNLOAD_LINK_SECS;
    let signature = transfer::download_signature(&job.download_key, &job.project, &job.id, expires);
    let prefix = match params.get("project") {
        Some(p) => format!("/projects/{p}"),
        None => String::new(),
    };
    Some(format!(
        "{}://{host}{prefix}/_api/admin/users/export/{}/download?expires={expires}&signature={signature}",
        state.config().public_scheme,
        job.id
    ))
}

#[derive(Deserialize)]
struct DownloadQuery {
    expires: Option<i64>,
    signature: Option<String>,
}

async fn download(
    State(state): State<AppState>,
    Path(params): Path<HashMap<String, String>>,
    Query(query): Query<DownloadQuery>,
    headers: HeaderMap,
) -> Response {
    let run = async {
        let project = project_of(&state, &params, &headers)?;
        let id = params.get("id").map(String::as_str).unwrap_or_default();
        let refused = || {
            Answer::from(ApiErrorBody::new(
                "Forbidden",
                "DownloadLinkInvalid",
                "this download link is invalid or has expired: GET the export again for a fresh one",
                403,
            ))
        };
        let (Some(expires), Some(signature)) = (query.expires, query.signature.as_deref()) else {
            return Err(refused());
        };
        let job = match state.store().export(&project, id, now(&state)).await? {
            Some(job) if job.status == "completed" => job,
            _ => return Err(not_found()),
        };
        let now_secs = now(&state).div_euclid(1_000_000);
        let fresh = (now_secs..=now_secs + DOWNLOAD_LINK_SECS).contains(&expires);
        if !fresh
            || !transfer::download_signature_ok(&job.download_key, &project, id, expires, signature)
        {
            return Err(refused());
        }
        Ok::<_, Answer>(file_response(&state, job))
    };
    match run.await {
        Ok(response) => response,
        Err(answer) => answer.into_response(),
    }
}

/// The file, chunk by chunk from the store: memory stays flat whatever
/// its size.
fn file_response(state: &AppState, job: ExportJob) -> Response {
    let format = if job
        .file_name
        .as_deref()
        .is_some_and(|n| n.ends_with(".csv"))
    {
        export::Format::Csv
    } else {
        export::Format::Ndjson
    };
    let store = state.store().clone();
    let (project, id) = (job.project.clone(), job.id.clone());
    let chunks = futures_util::stream::unfold(Some(0i64), move |seq| {
        let (store, project, id) = (store.clone(), project.clone(), id.clone());
        async move {
            let seq = seq?;
            match store.export_chunk(&project, &id, seq).await {
                Ok(Some(data)) => Some((Ok(axum::body::Bytes::from(data)), Some(seq + 1))),
                Ok(None) => None,
                Err(e) => {
                    tracing::warn!(error = %e, "export download cut short: the store failed");
                    Some((Err(std::io::Error::other("store failure")), None))
                }
            }
        }
    });
    let mut response = Body::from_stream(chunks).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Some(size) = job.size_bytes {
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(size));
    }
    if let Some(name) = job.file_name.as_deref()
        && let Ok(value) = HeaderValue::from_str(&format!("attachment; filename={name}"))
    {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_import_envelope_is_checked_like_authgear() {
        let causes = |v: Value| check_import(&v).err().unwrap();
        let c = causes(json!({"records": [{}]}));
        assert_eq!(c[0]["details"]["missing"], json!(["identifier"]));
        let c = causes(json!({"identifier": "foo", "records": [{}]}));
        assert_eq!(c[0]["location"], "/identifier");
        assert_eq!(
            c[0]["details"]["expected"],
            json!(["preferred_username", "email", "phone_number"])
        );
        assert_eq!(
            causes(json!({"identifier": "email", "records": []}))[0]["kind"],
            "minItems"
        );
        assert_eq!(
            causes(json!({"identifier": "email", "records": [1]}))[0]["location"],
            "/records/0"
        );
        assert_eq!(
            causes(json!({"identifier": "email", "users": [], "records": [{}]}))[0]["location"],
            "/users"
        );
        assert_eq!(causes(json!([]))[0]["kind"], "type");
        let body = json!({"identifier": "email", "upsert": true, "records": [{}]});
        let (upsert, id, records) = check_import(&body).unwrap();
        assert!(upsert && id == Identifier::Email && records.len() == 1);
    }

    #[test]
    fn byte_offsets_count_lines() {
        assert_eq!(byte_offset(b"{\n  x", 2, 3), 4);
        assert_eq!(byte_offset(b"{", 1, 1), 0);
    }

    #[test]
    fn a_finished_import_sums_its_outcomes_in_order() {
        let job = ImportJob {
            id: "userimport_X".into(),
            created_at: 0,
            upsert: false,
            identifier: "email".into(),
            total: 3,
        };
        let task = |seq, results: &str| ImportTaskState {
            seq,
            completed_at: Some(seq * 1_000_000),
            results: Some(results.into()),
            error: None,
        };
        let pending = import_status_text(
            &job,
            &[
                task(0, "[]"),
                ImportTaskState {
                    completed_at: None,
                    ..task(1, "")
                },
            ],
        );
        assert_eq!(
            pending,
            r#"{"id":"userimport_X","created_at":"1970-01-01T00:00:00Z","status":"pending"}"#
        );
        let text = import_status_text(
            &job,
            &[
                task(
                    0,
                    r#"[{"index":0,"outcome":"inserted"},{"index":1,"outcome":"failed"}]"#,
                ),
                task(1, r#"[{"index":2,"outcome":"skipped"}]"#),
            ],
        );
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["completed_at"], "1970-01-01T00:00:01Z");
        assert_eq!(
            v["summary"],
            json!({"total": 3, "inserted": 1, "updated": 0, "skipped": 1, "failed": 1})
        );
        assert_eq!(v["details"][2]["index"], 2);
        assert!(text.find("\"status\"").unwrap() < text.find("\"summary\"").unwrap());
    }
}
