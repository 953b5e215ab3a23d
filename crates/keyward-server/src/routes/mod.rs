//! The HTTP surface. Each module exposes `router()`; this one merges them and
//! adds the layers every route shares (metrics, tracing).

/// `POST /_api/admin/graphql` and `/projects/{project}/_api/admin/graphql`.
pub mod graphql;
/// `/healthz`, `/readyz`, `/metrics`.
pub mod health;
/// End-user sign-in (OIDC) on project hosts.
pub mod signin;
/// User import and export (Authgear's REST endpoints).
pub mod transfer;

use std::time::Instant;

use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use tower_http::trace::TraceLayer;

use crate::AppState;
use crate::error::ApiError;

/// The whole application.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(graphql::router())
        .merge(transfer::router())
        .merge(health::router())
        .merge(keyward_portal::router().with_state(state.portal().clone()))
        .merge(signin::router(&state))
        .fallback(|| async { ApiError::NotFound.into_response() })
        // A bug must cost one request a 500, not the connection (and the
        // panic's message, which might quote request data, is not sent).
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            |_: Box<dyn std::any::Any + Send>| ApiError::Internal.into_response(),
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            record_metrics,
        ))
        // The span holds the method and the path: never headers (tokens,
        // cookies) nor the query string (the portal's setup link carries a
        // secret there).
        .layer(
            TraceLayer::new_for_http().make_span_with(|request: &Request| {
                tracing::debug_span!(
                    "request",
                    method = %request.method(),
                    path = %request.uri().path(),
                    kid = tracing::field::Empty,
                    project = tracing::field::Empty,
                )
            }),
        )
        .with_state(state)
}

async fn record_metrics(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let response = next.run(request).await;
    state
        .metrics()
        .request(response.status().as_u16(), started.elapsed().as_secs_f64());
    response
}
