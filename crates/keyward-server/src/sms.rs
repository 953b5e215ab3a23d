//! Delivering text messages through an HTTP webhook, the way Authgear's
//! custom SMS provider works: keyward POSTs
//! `{"to", "body", "app_id", "message_type", "message_id"}` as JSON to the
//! project's webhook URL (or the server's), with the header
//! `X-Authgear-Body-Signature: <hex HMAC-SHA256 of the body>` keyed by the
//! project's own secret, so a receiver can verify that keyward sent it.
//! A 2xx answer means sent; anything else is retried by the outbox.
//! Redirects are not followed (the URL the operator set is the one that
//! gets the codes), and the body is never logged.

use std::sync::Arc;
use std::time::Duration;

use keyward_store::{MasterKey, OutgoingMessage, Store};
use serde_json::json;

/// The header carrying the body's signature.
pub const SIGNATURE_HEADER: &str = "x-authgear-body-signature";
/// Longest one request may take.
const TIMEOUT: Duration = Duration::from_secs(30);

/// The webhook client and the server's default URL.
#[derive(Clone)]
pub struct SmsGateway {
    client: reqwest::Client,
    default_url: Option<String>,
    /// Opens the projects' sealed webhook secrets.
    master: Option<Arc<MasterKey>>,
}

/// An SMS webhook URL as an operator may set it: absolute http(s).
pub fn check_url(text: &str) -> Result<String, String> {
    match url::Url::parse(text) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Ok(u.to_string()),
        _ => Err(format!("`{text}` is not an http:// or https:// URL")),
    }
}

/// A fresh webhook secret: 256 random bits, hex.
pub fn new_secret() -> Result<String, String> {
    let mut bytes = [0u8; 32];
    aws_lc_rs::rand::fill(&mut bytes).map_err(|_| "no randomness".to_owned())?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// The signature of `body` under `secret`, as the header carries it.
pub fn signature(secret: &str, body: &[u8]) -> String {
    let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, secret.as_bytes());
    aws_lc_rs::hmac::sign(&key, body)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl SmsGateway {
    /// A gateway posting to `default_url` for projects without their own,
    /// signing with the projects' secrets sealed under `master`.
    pub fn new(
        default_url: Option<&str>,
        master: Option<Arc<MasterKey>>,
    ) -> Result<SmsGateway, String> {
        let default_url = default_url.map(check_url).transpose()?;
        let client = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("the HTTP client cannot start: {e}"))?;
        Ok(SmsGateway {
            client,
            default_url,
            master,
        })
    }

    /// Post `m` to its project's webhook.
    pub async fn send(&self, store: &Store, m: &OutgoingMessage) -> Result<(), String> {
        let url = match store
            .sms_webhook_url(&m.project)
            .await
            .map_err(|e| e.to_string())?
        {
            Some(url) => url,
            None => self
                .default_url
                .clone()
                .ok_or("no SMS webhook is configured")?,
        };
        let master = self
            .master
            .as_deref()
            .ok_or("no master key is configured, so SMS webhook requests cannot be signed")?;
        let secret = store
            .sms_webhook_secret(&m.project, &new_secret()?, master)
            .await
            .map_err(|e| e.to_string())?;
        let body = serde_json::to_vec(&json!({
            "to": m.recipient,
            "body": m.body,
            "app_id": m.project,
            "message_type": m.kind,
            "message_id": m.id,
        }))
        .map_err(|e| e.to_string())?;
        let response = self
            .client
            .post(&url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(SIGNATURE_HEADER, signature(&secret, &body))
            .body(body)
            .send()
            .await
            .map_err(|e| format!("the SMS webhook could not be reached: {e}"))?;
        let status = response.status();
        if status.is_success() {
            Ok(())
        } else {
            Err(format!("the SMS webhook answered {status}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_hex_hmac_sha256() {
        // RFC 4231 test case 2.
        assert_eq!(
            signature("Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn only_http_urls() {
        assert!(check_url("https://sms.example.com/hook").is_ok());
        assert!(check_url("http://127.0.0.1:9000/").is_ok());
        assert!(check_url("ftp://x/").is_err());
        assert!(check_url("/relative").is_err());
    }
}
