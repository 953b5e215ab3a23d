use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
}

/// Alive: the process answers.
async fn healthz() -> impl IntoResponse {
    axum::Json(serde_json::json!({ "status": "ok" }))
}

/// Ready: the store answers.
async fn readyz(State(state): State<AppState>) -> Response {
    match state.store().ping().await {
        Ok(()) => axum::Json(serde_json::json!({
            "status": "ready",
            "database": "ok",
            "backend": state.store().backend_name(),
        }))
        .into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            // Why, in words an operator can act on; the details (hosts,
            // driver messages) stay in the log.
            let (database, message) = if e.is_unreachable() {
                (
                    "unreachable",
                    "the database did not answer; keyward retries on every request and recovers by itself when it returns",
                )
            } else {
                (
                    "error",
                    "the database answered with an error; see the server log",
                )
            };
            let mut response = (
                StatusCode::SERVICE_UNAVAILABLE,
                axum::Json(serde_json::json!({
                    "status": "unavailable",
                    "database": database,
                    "backend": state.store().backend_name(),
                    "error": { "reason": format!("database_{database}"), "message": message },
                })),
            )
                .into_response();
            response.headers_mut().insert(
                header::RETRY_AFTER,
                axum::http::HeaderValue::from_static("1"),
            );
            response
        }
    }
}

async fn metrics(State(state): State<AppState>) -> Response {
    (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics().render(),
    )
        .into_response()
}
