//! Every non-GraphQL HTTP error keyward sends: one JSON shape,
//! `{"error":{"reason":"…","message":"…"}}`, and one place that decides the
//! status code. Internal details are logged, never sent.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use keyward_token::{Reason, TokenError};

use crate::auth::AuthError;
use crate::limits::{LimitReason, Limited};

/// An HTTP error response.
#[derive(Debug)]
pub enum ApiError {
    /// 401 with `WWW-Authenticate`.
    Unauthorized(TokenError),
    /// 404: no such project (or no project in the Host header).
    ProjectNotFound(String),
    /// 404: no such route.
    NotFound,
    /// 413: body over the limit.
    PayloadTooLarge(usize),
    /// 415: not JSON or GraphQL.
    UnsupportedMediaType,
    /// 400: the body is not a GraphQL request.
    BadRequest(String),
    /// 503: the store is unavailable.
    Unavailable,
    /// 400: more top-level mutation fields than allowed (Authgear's body).
    TooManyMutationFields(usize),
    /// 429 with `Retry-After`: over a rate limit.
    RateLimited(Limited),
    /// 500: a bug (a handler panicked). Nothing about it is sent.
    Internal,
    /// 408: the body did not arrive in time.
    BodyTimeout(std::time::Duration),
    /// 503: the request ran past the request timeout and was stopped.
    RequestTimeout(std::time::Duration),
    /// 400: the GraphQL document has more aliased fields than allowed.
    TooManyAliases {
        /// How many the document has.
        found: usize,
        /// The limit.
        limit: usize,
    },
}

impl ApiError {
    fn status_reason(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::Unauthorized(e) => (StatusCode::UNAUTHORIZED, e.reason.code()),
            ApiError::ProjectNotFound(_) => (StatusCode::NOT_FOUND, "project_not_found"),
            ApiError::NotFound => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::PayloadTooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            ApiError::UnsupportedMediaType => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
            }
            ApiError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            ApiError::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            ApiError::TooManyMutationFields(_) => (StatusCode::BAD_REQUEST, "BadRequest"),
            ApiError::RateLimited(l) => (StatusCode::TOO_MANY_REQUESTS, l.reason.code()),
            ApiError::TooManyAliases { .. } => (StatusCode::BAD_REQUEST, "too_many_aliases"),
            ApiError::BodyTimeout(_) => (StatusCode::REQUEST_TIMEOUT, "body_timeout"),
            ApiError::Internal => (StatusCode::INTERNAL_SERVER_ERROR, "internal_error"),
            ApiError::RequestTimeout(_) => (StatusCode::SERVICE_UNAVAILABLE, "request_timeout"),
        }
    }

    fn message(&self) -> String {
        match self {
            ApiError::Unauthorized(e) => e.message.to_string(),
            ApiError::ProjectNotFound(p) if p.is_empty() => {
                "no project in the Host header: use <project>.<base-domain> or /projects/<project>/_api/admin/graphql"
                    .into()
            }
            ApiError::ProjectNotFound(p) => format!("project `{p}` does not exist"),
            ApiError::NotFound => "no such route".into(),
            ApiError::PayloadTooLarge(limit) => format!("request body is larger than {limit} bytes"),
            ApiError::UnsupportedMediaType => {
                "send Content-Type: application/json (query, variables, operationName) or application/graphql".into()
            }
            ApiError::BadRequest(m) => m.clone(),
            ApiError::Unavailable => "the store is unavailable; try again shortly".into(),
            ApiError::TooManyMutationFields(n) => format!(
                "too many mutation fields in one request: got {n}, limit is {}",
                keyward_admin::MAX_MUTATION_FIELDS
            ),
            ApiError::RateLimited(l) => match l.reason {
                LimitReason::Key => format!(
                    "this key is over its project's per-key rate limit; retry after {} s",
                    retry_after_secs(l)
                ),
                LimitReason::Project => format!(
                    "this project is over its rate limit; retry after {} s",
                    retry_after_secs(l)
                ),
                LimitReason::AuthFailures => format!(
                    "too many failed authentications from this address; new tokens are refused unverified for {} s",
                    retry_after_secs(l)
                ),
            },
            ApiError::Internal => "keyward hit an internal error; the request was not completed".into(),
            ApiError::BodyTimeout(t) => format!(
                "the request body did not arrive within {} s",
                t.as_secs_f64()
            ),
            ApiError::RequestTimeout(t) => format!(
                "the request took longer than {} s and was stopped before it finished; check whether a mutation was applied before retrying it",
                t.as_secs_f64()
            ),
            ApiError::TooManyAliases { found, limit } => format!(
                "the query has {found} aliased fields; the limit is {limit}"
            ),
        }
    }
}

impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> Self {
        match e {
            AuthError::ProjectNotFound(p) => ApiError::ProjectNotFound(p),
            AuthError::Token(t) => ApiError::Unauthorized(t),
            AuthError::Limited(l) => ApiError::RateLimited(l),
            AuthError::Store(detail) => {
                tracing::error!(error = %detail, "store unavailable during authentication");
                ApiError::Unavailable
            }
        }
    }
}

/// Whole seconds to wait, rounded up and at least 1 (`Retry-After` has no
/// fractions, and 0 would invite an immediate retry).
fn retry_after_secs(l: &Limited) -> u64 {
    let d = l.retry_after;
    (d.as_secs() + u64::from(d.subsec_nanos() > 0)).max(1)
}

/// RFC 6750 §3: no error attributes when no credential was sent.
fn www_authenticate(e: &TokenError) -> HeaderValue {
    let value = if e.reason == Reason::MissingCredentials {
        r#"Bearer realm="keyward""#.to_owned()
    } else {
        // A quoted-string may not hold `"` or `\`; our messages have neither,
        // but make sure.
        let description: String = e
            .message
            .chars()
            .filter(|c| *c != '"' && *c != '\\' && (' '..='~').contains(c))
            .collect();
        format!(
            r#"Bearer realm="keyward", error="invalid_token", error_description="{description}""#
        )
    };
    HeaderValue::from_str(&value)
        .unwrap_or_else(|_| HeaderValue::from_static(r#"Bearer realm="keyward""#))
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, reason) = self.status_reason();
        let body = if let ApiError::TooManyMutationFields(_) = &self {
            // Authgear's exact shape for this one, so its clients parse it.
            serde_json::json!({ "error": {
                "name": "BadRequest", "reason": reason, "message": self.message(), "code": 400
            } })
        } else if let ApiError::RateLimited(l) = &self {
            serde_json::json!({ "error": {
                "reason": reason, "message": self.message(), "retry_after": retry_after_secs(l)
            } })
        } else {
            serde_json::json!({ "error": { "reason": reason, "message": self.message() } })
        };
        let mut response = (status, axum::Json(body)).into_response();
        if let ApiError::Unauthorized(e) = &self {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, www_authenticate(e));
        }
        if let ApiError::PayloadTooLarge(_) | ApiError::BodyTimeout(_) = &self {
            // The rest of the body is never read, so the connection cannot
            // carry another request: say so, or a client that pools it
            // writes its next request into a closed socket.
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        if let ApiError::RateLimited(l) = &self {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs(l)));
        }
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token_error(reason: Reason) -> TokenError {
        TokenError {
            reason,
            message: "the token has expired".into(),
        }
    }

    #[test]
    fn unauthorized_maps_to_401_with_challenge() {
        let r = ApiError::Unauthorized(token_error(Reason::TokenExpired)).into_response();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            r.headers()[header::WWW_AUTHENTICATE],
            r#"Bearer realm="keyward", error="invalid_token", error_description="the token has expired""#
        );
    }

    #[test]
    fn missing_credentials_challenge_has_no_error() {
        let r = ApiError::Unauthorized(token_error(Reason::MissingCredentials)).into_response();
        assert_eq!(
            r.headers()[header::WWW_AUTHENTICATE],
            r#"Bearer realm="keyward""#
        );
    }

    #[test]
    fn challenge_strips_quotes() {
        let e = TokenError {
            reason: Reason::MalformedToken,
            message: "a \"b\" \\ c\n".into(),
        };
        let v = www_authenticate(&e);
        assert!(
            v.to_str()
                .unwrap()
                .ends_with(r#"error_description="a b  c""#),
            "{v:?}"
        );
    }

    #[test]
    fn statuses() {
        assert_eq!(
            ApiError::ProjectNotFound("x".into())
                .into_response()
                .status(),
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            ApiError::PayloadTooLarge(1).into_response().status(),
            StatusCode::PAYLOAD_TOO_LARGE
        );
        assert_eq!(
            ApiError::UnsupportedMediaType.into_response().status(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE
        );
        assert_eq!(
            ApiError::BadRequest("x".into()).into_response().status(),
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            ApiError::Unavailable.into_response().status(),
            StatusCode::SERVICE_UNAVAILABLE
        );
    }
}
