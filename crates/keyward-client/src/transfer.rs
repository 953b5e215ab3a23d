//! User import and export: the REST endpoints next to the GraphQL one
//! (`…/_api/admin/users/import`, `…/export`), with the same token. The
//! answers are Authgear's `ImportStatus` / `ExportStatus` objects, returned
//! as JSON; refusals are [`AdminError::Refused`] with the server's reason.

use std::time::Duration;

use reqwest::{Method, StatusCode, Url};
use serde_json::Value;

use crate::AdminClient;
use crate::error::AdminError;

/// The import endpoint's body limit (bytes).
pub const IMPORT_BODY_LIMIT: usize = 500_000;

impl AdminClient {
    fn users_url(&self, rest: &str) -> Result<Url, AdminError> {
        users_url(self.endpoint(), rest)
    }

    /// One request; a 429 (a full job queue, a rate limit) or a refused
    /// connection is waited out and tried again, as neither did anything.
    async fn call(
        &self,
        method: Method,
        url: Url,
        body: Option<&Value>,
    ) -> Result<Value, AdminError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let last = attempt >= self.retry().max_attempts;
            let mut request = self
                .http()
                .request(method.clone(), url.clone())
                .bearer_auth(self.signer().token()?);
            if let Some(body) = body {
                request = request.json(body);
            }
            let response = match request.send().await {
                Ok(r) => r,
                Err(source) if source.is_connect() && !last => {
                    tokio::time::sleep(self.retry().backoff(attempt)).await;
                    continue;
                }
                Err(source) => {
                    return Err(AdminError::Transport {
                        may_have_applied: method == Method::POST && !source.is_connect(),
                        source,
                        attempts: attempt,
                    });
                }
            };
            let status = response.status();
            let retry_after = crate::client::retry_after(response.headers());
            if status == StatusCode::TOO_MANY_REQUESTS && !last {
                let wait = retry_after
                    .unwrap_or_else(|| self.retry().backoff(attempt))
                    .min(self.retry().max_retry_after);
                drop(response);
                tokio::time::sleep(wait).await;
                continue;
            }
            let bytes = response
                .bytes()
                .await
                .map_err(|source| AdminError::Transport {
                    source,
                    attempts: attempt,
                    may_have_applied: method == Method::POST,
                })?;
            return answer(status, retry_after, &bytes);
        }
    }

    /// Queue an import (`{"upsert", "identifier", "records"}`, at most
    /// [`IMPORT_BODY_LIMIT`] bytes): its `ImportStatus`, normally pending.
    pub async fn start_import(&self, request: &Value) -> Result<Value, AdminError> {
        self.call(Method::POST, self.users_url("import")?, Some(request))
            .await
    }

    /// An import's `ImportStatus`.
    pub async fn import_status(&self, id: &str) -> Result<Value, AdminError> {
        self.call(Method::GET, self.users_url(&format!("import/{id}"))?, None)
            .await
    }

    /// Queue an export (`{"format": "ndjson"|"csv", "csv": {"fields": …}}`):
    /// its `ExportStatus`.
    pub async fn start_export(&self, request: &Value) -> Result<Value, AdminError> {
        self.call(Method::POST, self.users_url("export")?, Some(request))
            .await
    }

    /// An export's `ExportStatus`, with a fresh `download_url` once done.
    pub async fn export_status(&self, id: &str) -> Result<Value, AdminError> {
        self.call(Method::GET, self.users_url(&format!("export/{id}"))?, None)
            .await
    }

    /// Poll a job (`import` or `export`) every `every` until it completes.
    pub async fn wait_for(
        &self,
        kind: &str,
        id: &str,
        every: Duration,
    ) -> Result<Value, AdminError> {
        loop {
            let status = match kind {
                "import" => self.import_status(id).await?,
                _ => self.export_status(id).await?,
            };
            if status["status"] == "completed" {
                return Ok(status);
            }
            tokio::time::sleep(every).await;
        }
    }

    /// Start downloading an export file from its `download_url` (the link
    /// is the credential; no token is sent). Read the body as a stream.
    pub async fn download(&self, url: &str) -> Result<reqwest::Response, AdminError> {
        let url = Url::parse(url)
            .map_err(|e| AdminError::Config(format!("invalid download URL: {e}")))?;
        if url.origin() != self.endpoint().origin() {
            return Err(AdminError::Config(
                "the download URL is not on the Admin API's origin".into(),
            ));
        }
        let response = self
            .http()
            .get(url)
            .timeout(Duration::from_secs(24 * 3600))
            .send()
            .await
            .map_err(|source| AdminError::Transport {
                source,
                attempts: 1,
                may_have_applied: false,
            })?;
        if response.status().is_success() {
            return Ok(response);
        }
        let status = response.status();
        let bytes = response.bytes().await.unwrap_or_default();
        // A refusal keeps its reason; anything else is unexpected.
        Err(answer(status, None, &bytes)
            .err()
            .unwrap_or(AdminError::UnexpectedResponse {
                status: status.as_u16(),
                detail: "the download was refused".into(),
            }))
    }
}

/// The URL of `…/_api/admin/users/<rest>` beside a GraphQL endpoint (host
/// or path form alike).
fn users_url(endpoint: &Url, rest: &str) -> Result<Url, AdminError> {
    let path = endpoint.path();
    let base = path
        .strip_suffix("/graphql")
        .filter(|p| p.ends_with("/_api/admin"))
        .ok_or_else(|| {
            AdminError::Config(format!(
                "the endpoint path `{path}` does not end in /_api/admin/graphql, so the import and export routes are unknown"
            ))
        })?;
    let mut url = endpoint.clone();
    url.set_path(&format!("{base}/users/{rest}"));
    Ok(url)
}

/// `{"result": …}` → the result; `{"error": …}` → a refusal.
fn answer(
    status: StatusCode,
    retry_after: Option<Duration>,
    body: &[u8],
) -> Result<Value, AdminError> {
    let value: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    if let Some(error) = value.get("error") {
        let text = |k: &str| {
            error
                .get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        return Err(AdminError::Refused {
            status: status.as_u16(),
            reason: text("reason"),
            message: text("message"),
            retry_after,
        });
    }
    match value.get("result") {
        Some(result) if status.is_success() => Ok(result.clone()),
        _ => Err(AdminError::UnexpectedResponse {
            status: status.as_u16(),
            detail: String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_sit_beside_the_graphql_endpoint() {
        let url = |e: &str, rest| users_url(&Url::parse(e).unwrap(), rest).map(String::from);
        assert_eq!(
            url(
                "http://127.0.0.1:1/projects/p/_api/admin/graphql",
                "import/x"
            )
            .unwrap(),
            "http://127.0.0.1:1/projects/p/_api/admin/users/import/x"
        );
        assert_eq!(
            url("https://p.example.com/_api/admin/graphql", "export").unwrap(),
            "https://p.example.com/_api/admin/users/export"
        );
        assert!(url("https://p.example.com/graphql", "export").is_err());
    }

    #[test]
    fn answers_unwrap_results_and_keep_reasons() {
        assert_eq!(
            answer(StatusCode::OK, None, br#"{"result":{"id":"x"}}"#).unwrap()["id"],
            "x"
        );
        let e = answer(
            StatusCode::NOT_FOUND,
            None,
            br#"{"error":{"name":"NotFound","reason":"TaskNotFound","message":"task not found","code":404}}"#,
        )
        .unwrap_err();
        assert_eq!(e.reason(), Some("TaskNotFound"));
        assert!(answer(StatusCode::OK, None, b"nope").is_err());
    }
}
