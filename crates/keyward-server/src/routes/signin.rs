//! End-user sign-in at the origin root of each project's host: the server
//! resolves which project the Host names (`<project>.<base-domain>` or a
//! custom domain), builds the issuer from it and hands the request to
//! `keyward-signin` as a [`Tenant`]. A host that names no project is
//! refused before the door runs.

use axum::Router;
use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};

use crate::AppState;
use crate::Tenant;
use crate::error::ApiError;

/// Largest body a sign-in request may have: its forms are a few hundred
/// bytes.
const BODY_LIMIT: usize = 64 * 1024;

pub(crate) fn router(state: &AppState) -> Router<AppState> {
    keyward_signin::router()
        .with_state(state.signin().clone())
        .layer(middleware::from_fn_with_state(state.clone(), buffer_body))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            resolve_tenant,
        ))
}

/// Read the whole body first, within the size limit and the body read
/// timeout, so a client that stalls mid-body gets 408 instead of holding
/// its connection, as on the Admin API.
async fn buffer_body(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    match super::graphql::read_body(body, BODY_LIMIT, state.config().body_read_timeout).await {
        Ok(bytes) => {
            next.run(Request::from_parts(parts, axum::body::Body::from(bytes)))
                .await
        }
        Err(e) => e.into_response(),
    }
}

/// The Host of a request (HTTP/1 header, or the HTTP/2 authority),
/// lowercased, if it is a plain `name[:port]`.
fn host_of(request: &Request) -> Option<String> {
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| request.uri().authority().map(|a| a.as_str()))?
        .trim_end_matches('.')
        .to_ascii_lowercase();
    let (name, port) = match host.rsplit_once(':') {
        Some((name, port)) => (name, Some(port)),
        None => (host.as_str(), None),
    };
    let name_ok = !name.is_empty()
        && name.len() <= 253
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
    let port_ok =
        port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()));
    (name_ok && port_ok).then_some(host)
}

async fn resolve_tenant(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let Some(host) = host_of(&request) else {
        return keyward_signin::unknown_host();
    };
    let name = host.split(':').next().unwrap_or_default().to_owned();
    let project = match state.project_at(&name).await {
        Ok(Some(p)) => p,
        Ok(None) => return keyward_signin::unknown_host(),
        Err(e) => {
            tracing::warn!(error = %e, "cannot resolve the project of a host");
            let mut response = ApiError::Unavailable.into_response();
            // Discovery's errors must be readable cross-origin too.
            response.headers_mut().insert(
                header::ACCESS_CONTROL_ALLOW_ORIGIN,
                axum::http::HeaderValue::from_static("*"),
            );
            return response;
        }
    };
    // https when the operator says browsers always use it, or when this
    // request came over it (the accept loop vouches for the header).
    let https = state.config().public_scheme == "https"
        || request
            .headers()
            .get("x-forwarded-proto")
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"https"));
    let issuer = format!("{}://{host}", if https { "https" } else { "http" });
    tracing::Span::current().record("project", project.as_str());
    request.extensions_mut().insert(Tenant { project, issuer });
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(host: &str) -> Request {
        Request::builder()
            .header(header::HOST, host)
            .body(axum::body::Body::empty())
            .unwrap()
    }

    #[test]
    fn hosts_are_plain_names_with_an_optional_port() {
        assert_eq!(
            host_of(&req("MyApp.localhost:3000")).as_deref(),
            Some("myapp.localhost:3000")
        );
        assert_eq!(
            host_of(&req("auth.example.com")).as_deref(),
            Some("auth.example.com")
        );
        for bad in [
            "a b",
            "x.localhost:",
            "x.localhost:99999999",
            "evil.com/path",
            "[::1]:3000",
            "a@b",
        ] {
            assert_eq!(host_of(&req(bad)), None, "{bad}");
        }
    }
}
