//! [`AdminClient`]: runs GraphQL operations against one project's Admin API
//! with a fresh-enough token on every request.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{StatusCode, Url};
use serde::Deserialize;
use serde_json::Value;

use crate::error::{AdminError, GraphQLError};
use crate::operation::may_write;
use crate::retry::{RetryPolicy, parse_retry_after};
use crate::signer::TokenSigner;

/// The Admin API's path, appended when an endpoint is given as a bare origin.
pub const ADMIN_API_PATH: &str = "/_api/admin/graphql";

/// A GraphQL operation: the document, its variables and, for documents with
/// several operations, which one to run.
#[derive(Debug, Clone, Copy)]
pub struct Operation<'a> {
    /// The GraphQL document.
    pub query: &'a str,
    /// The variables: a JSON object, or `null` for none.
    pub variables: &'a Value,
    /// The operation to run, when the document holds several.
    pub operation_name: Option<&'a str>,
}

/// Calls one project's Admin API. Cheap to clone; share one per process.
///
/// ```no_run
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// use keyward_client::{AdminClient, TokenSigner};
/// let signer = TokenSigner::from_key_file("myapp", "KID", "private-key.pem".as_ref(), 300)?;
/// let client = AdminClient::new("https://myapp.example.com", signer)?;
/// let data = client
///     .query("query($n: Int!) { users(first: $n) { totalCount } }", serde_json::json!({"n": 1}))
///     .await?;
/// println!("{}", data["users"]["totalCount"]);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct AdminClient {
    http: reqwest::Client,
    endpoint: Url,
    signer: Arc<TokenSigner>,
    retry: RetryPolicy,
}

/// Options for an [`AdminClient`].
#[derive(Debug)]
pub struct AdminClientBuilder {
    endpoint: String,
    signer: Arc<TokenSigner>,
    retry: RetryPolicy,
    timeout: Duration,
    connect_timeout: Duration,
    allow_plain_http: bool,
}

impl AdminClientBuilder {
    /// How failed requests are retried (default: [`RetryPolicy::default`]).
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Limit for one request, connecting included (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Limit for opening a connection (default 5 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Allow `http://` to a host other than loopback. Off by default: the
    /// bearer token would cross the network in clear text.
    pub fn allow_plain_http(mut self, allow: bool) -> Self {
        self.allow_plain_http = allow;
        self
    }

    /// The client.
    pub fn build(self) -> Result<AdminClient, AdminError> {
        let endpoint = resolve_endpoint(&self.endpoint, self.allow_plain_http)?;
        if self.retry.max_attempts == 0 {
            return Err(AdminError::Config("max_attempts must be at least 1".into()));
        }
        let http = reqwest::Client::builder()
            .timeout(self.timeout)
            .connect_timeout(self.connect_timeout)
            .user_agent(concat!("keyward-client/", env!("CARGO_PKG_VERSION")))
            // The token must not follow a redirect to another origin.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| AdminError::Config(format!("cannot build the HTTP client: {e}")))?;
        Ok(AdminClient {
            http,
            endpoint,
            signer: self.signer,
            retry: self.retry,
        })
    }
}

impl AdminClient {
    /// A client with default options for `endpoint`: the Admin API URL, or
    /// the project's origin (`https://myapp.example.com`), to which
    /// [`ADMIN_API_PATH`] is appended.
    pub fn new(endpoint: &str, signer: impl Into<Arc<TokenSigner>>) -> Result<Self, AdminError> {
        Self::builder(endpoint, signer).build()
    }

    /// A builder for a client with non-default options.
    pub fn builder(endpoint: &str, signer: impl Into<Arc<TokenSigner>>) -> AdminClientBuilder {
        AdminClientBuilder {
            endpoint: endpoint.to_owned(),
            signer: signer.into(),
            retry: RetryPolicy::default(),
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(5),
            allow_plain_http: false,
        }
    }

    /// The Admin API URL requests go to.
    pub fn endpoint(&self) -> &Url {
        &self.endpoint
    }

    /// The signer whose tokens authenticate the requests.
    pub fn signer(&self) -> &TokenSigner {
        &self.signer
    }

    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.http
    }

    pub(crate) fn retry(&self) -> &RetryPolicy {
        &self.retry
    }

    /// Run `query` with `variables` (an object, or `null`) and return the
    /// response's `data`. GraphQL errors become [`AdminError::GraphQL`] with
    /// their extensions and any partial data.
    pub async fn query(&self, query: &str, variables: Value) -> Result<Value, AdminError> {
        self.execute(Operation {
            query,
            variables: &variables,
            operation_name: None,
        })
        .await
    }

    /// Run an [`Operation`] and return the response's `data`.
    pub async fn execute(&self, op: Operation<'_>) -> Result<Value, AdminError> {
        if !(op.variables.is_object() || op.variables.is_null()) {
            return Err(AdminError::Config(
                "variables must be a JSON object (or null)".into(),
            ));
        }
        let body = serde_json::json!({
            "query": op.query,
            "variables": op.variables,
            "operationName": op.operation_name,
        });
        let write = may_write(op.query, op.operation_name);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let last = attempt >= self.retry.max_attempts;
            let token = self.signer.token()?;
            let sent = self
                .http
                .post(self.endpoint.clone())
                .bearer_auth(token)
                .json(&body)
                .send()
                .await;
            let response = match sent {
                Ok(response) => response,
                Err(source) => {
                    // A refused connection sent nothing; anything later may
                    // have reached the server.
                    let unsent = source.is_connect();
                    if !last && (unsent || !write) {
                        tokio::time::sleep(self.retry.backoff(attempt)).await;
                        continue;
                    }
                    return Err(AdminError::Transport {
                        source,
                        attempts: attempt,
                        may_have_applied: write && !unsent,
                    });
                }
            };
            let status = response.status();
            let retry_after = retry_after(response.headers());
            let retryable = status == StatusCode::TOO_MANY_REQUESTS
                || (!write
                    && matches!(
                        status,
                        StatusCode::BAD_GATEWAY
                            | StatusCode::SERVICE_UNAVAILABLE
                            | StatusCode::GATEWAY_TIMEOUT
                    ));
            if retryable && !last {
                let wait = match retry_after {
                    Some(wait) if wait > self.retry.max_retry_after => None,
                    Some(wait) => Some(wait.max(self.retry.backoff(attempt))),
                    None => Some(self.retry.backoff(attempt)),
                };
                if let Some(wait) = wait {
                    // Let the connection go back to the pool before waiting.
                    drop(response);
                    tokio::time::sleep(wait).await;
                    continue;
                }
            }
            let headers = response.headers().clone();
            let bytes = response
                .bytes()
                .await
                .map_err(|source| AdminError::Transport {
                    source,
                    attempts: attempt,
                    may_have_applied: write,
                })?;
            return interpret(status, &headers, retry_after, &bytes);
        }
    }
}

/// The Admin API URL for `endpoint`.
/// The wait a response's `Retry-After` asks for, if any.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    headers
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| parse_retry_after(v, SystemTime::now()))
}

fn resolve_endpoint(endpoint: &str, allow_plain_http: bool) -> Result<Url, AdminError> {
    let mut url = Url::parse(endpoint.trim())
        .map_err(|e| AdminError::Config(format!("invalid endpoint URL `{endpoint}`: {e}")))?;
    match url.scheme() {
        "https" => {}
        "http" if allow_plain_http || is_loopback(&url) => {}
        "http" => {
            return Err(AdminError::Config(format!(
                "refusing to send the Admin API token over plain http to `{}`: use https, \
                 or allow plain http explicitly for a trusted network",
                url.host_str().unwrap_or_default()
            )));
        }
        other => {
            return Err(AdminError::Config(format!(
                "the endpoint must be an http(s) URL, not `{other}:`"
            )));
        }
    }
    if url.path() == "/" || url.path().is_empty() {
        url.set_path(ADMIN_API_PATH);
    }
    Ok(url)
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

#[derive(Deserialize)]
struct GraphQLBody {
    #[serde(default)]
    data: Option<Value>,
    #[serde(default)]
    errors: Option<Vec<GraphQLError>>,
}

#[derive(Deserialize)]
struct RefusalBody {
    error: Refusal,
}

#[derive(Deserialize)]
struct Refusal {
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    message: Option<String>,
}

/// Turn a final response into data or an error.
fn interpret(
    status: StatusCode,
    headers: &HeaderMap,
    retry_after: Option<Duration>,
    body: &[u8],
) -> Result<Value, AdminError> {
    if let Ok(refusal) = serde_json::from_slice::<RefusalBody>(body) {
        return Err(AdminError::Refused {
            status: status.as_u16(),
            reason: refusal.error.reason.unwrap_or_else(|| "unknown".into()),
            message: refusal.error.message.unwrap_or_default(),
            retry_after,
        });
    }
    match serde_json::from_slice::<GraphQLBody>(body) {
        Ok(GraphQLBody {
            errors: Some(errors),
            data,
        }) if !errors.is_empty() => Err(AdminError::GraphQL {
            errors,
            data: data.filter(|d| !d.is_null()),
        }),
        Ok(GraphQLBody {
            data: Some(data), ..
        }) if status.is_success() => Ok(data),
        _ if !status.is_success() => Err(AdminError::Refused {
            status: status.as_u16(),
            reason: status
                .canonical_reason()
                .unwrap_or("error")
                .to_ascii_lowercase()
                .replace(' ', "_"),
            message: excerpt(headers, body),
            retry_after,
        }),
        _ => Err(AdminError::UnexpectedResponse {
            status: status.as_u16(),
            detail: format!("no GraphQL data or errors in: {}", excerpt(headers, body)),
        }),
    }
}

/// The start of a body, for error messages.
fn excerpt(headers: &HeaderMap, body: &[u8]) -> String {
    let kind = headers
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("no content type");
    let text = String::from_utf8_lossy(&body[..body.len().min(200)]);
    format!("[{kind}] {}", text.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_resolve_to_the_admin_api() {
        let url = |s| resolve_endpoint(s, false).map(|u| u.to_string());
        assert_eq!(
            url("https://myapp.example.com").unwrap(),
            "https://myapp.example.com/_api/admin/graphql"
        );
        assert_eq!(
            url("http://127.0.0.1:8080/projects/p/_api/admin/graphql").unwrap(),
            "http://127.0.0.1:8080/projects/p/_api/admin/graphql"
        );
        assert!(url("http://localhost:1").is_ok());
        assert!(url("http://[::1]:1").is_ok());
        let plain = url("http://keyward.internal").unwrap_err();
        assert_eq!(plain.code(), "client.config");
        assert!(plain.to_string().contains("plain http"));
        assert!(resolve_endpoint("http://keyward.internal", true).is_ok());
        assert!(url("ftp://x").is_err());
        assert!(url("not a url").is_err());
    }

    fn outcome(status: u16, body: &str) -> Result<Value, AdminError> {
        interpret(
            StatusCode::from_u16(status).unwrap(),
            &HeaderMap::new(),
            None,
            body.as_bytes(),
        )
    }

    #[test]
    fn responses_become_data_or_typed_errors() {
        assert_eq!(
            outcome(200, r#"{"data":{"a":1}}"#).unwrap(),
            serde_json::json!({"a": 1})
        );
        let e = outcome(
            200,
            r#"{"data":null,"errors":[{"message":"user not found","path":["node"],
                "extensions":{"errorName":"NotFound","reason":"UserNotFound"}}]}"#,
        )
        .unwrap_err();
        assert_eq!(e.code(), "client.graphql");
        assert_eq!(e.reason(), Some("UserNotFound"));
        assert!(
            matches!(&e, AdminError::GraphQL { data: None, errors } if errors[0].error_name() == Some("NotFound"))
        );
        assert_eq!(
            e.to_string(),
            "Admin API error (UserNotFound): user not found"
        );

        let e = outcome(
            401,
            r#"{"error":{"reason":"token_expired","message":"the token has expired"}}"#,
        )
        .unwrap_err();
        assert_eq!(e.code(), "client.refused");
        assert_eq!(e.reason(), Some("token_expired"));
        assert!(e.to_string().contains("HTTP 401"));

        let e = outcome(
            429,
            r#"{"error":{"reason":"rate_limited","message":"slow down"}}"#,
        )
        .unwrap_err();
        assert_eq!(e.code(), "client.rate_limited");

        let e = outcome(502, "<html>bad gateway</html>").unwrap_err();
        assert_eq!(e.reason(), Some("bad_gateway"));
        assert!(e.to_string().contains("bad gateway"));

        let e = outcome(200, "[]").unwrap_err();
        assert_eq!(e.code(), "client.unexpected_response");
    }
}
