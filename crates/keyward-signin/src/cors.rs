//! CORS. Discovery and JWKS are public: `*`, no credentials (the web SDK
//! fetches discovery cookieless from the app's origin, error answers
//! included). The token, userinfo and revoke endpoints answer with
//! credentials to the origins of the project's registered redirect URIs
//! (the web SDK sends `credentials: "include"`), and to nobody else.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::SigninState;
use crate::request::Ctx;

/// `OPTIONS` on a public endpoint.
pub async fn preflight_any(headers: HeaderMap) -> Response {
    let mut response = StatusCode::NO_CONTENT.into_response();
    let h = response.headers_mut();
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, OPTIONS"),
    );
    echo_request_headers(&headers, &mut response);
    response
}

/// Add `Access-Control-Allow-Origin: *` (discovery, JWKS, their errors).
pub fn any_origin(mut response: Response) -> Response {
    response.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    response
}

/// `OPTIONS` on a client endpoint.
pub async fn preflight_clients(State(state): State<SigninState>, ctx: Ctx) -> Response {
    let response = StatusCode::NO_CONTENT.into_response();
    let mut response = for_clients(&state, &ctx, response).await;
    if response
        .headers()
        .contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN)
    {
        response.headers_mut().insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET, POST, OPTIONS"),
        );
        response.headers_mut().insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static("900"),
        );
        echo_request_headers(&ctx.headers, &mut response);
    }
    response
}

fn echo_request_headers(request: &HeaderMap, response: &mut Response) {
    if let Some(asked) = request.get(header::ACCESS_CONTROL_REQUEST_HEADERS) {
        response
            .headers_mut()
            .insert(header::ACCESS_CONTROL_ALLOW_HEADERS, asked.clone());
    }
}

/// Allow the request's origin, with credentials, when it is the origin of
/// one of the project's redirect URIs.
pub async fn for_clients(state: &SigninState, ctx: &Ctx, mut response: Response) -> Response {
    response
        .headers_mut()
        .append(header::VARY, HeaderValue::from_static("Origin"));
    let Some(origin) = ctx.origin() else {
        return response;
    };
    let allowed = match state.store().redirect_uris_of(&ctx.tenant.project).await {
        Ok(uris) => uris
            .iter()
            .any(|uri| origin_of(uri).is_some_and(|o| o == origin)),
        Err(e) => {
            tracing::warn!(error = %e, "CORS: cannot read the project's clients");
            false
        }
    };
    if allowed && let Ok(value) = HeaderValue::from_str(origin) {
        let h = response.headers_mut();
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
        h.insert(
            header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
            HeaderValue::from_static("true"),
        );
    }
    response
}

/// `scheme://host[:port]` of an http(s) URI.
pub fn origin_of(uri: &str) -> Option<String> {
    let u = url::Url::parse(uri).ok()?;
    matches!(u.scheme(), "http" | "https").then(|| u.origin().ascii_serialization())
}
