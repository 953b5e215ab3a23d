//! What every handler reads from a request: the [`Tenant`] the server
//! resolved, the client's address and User-Agent, cookies, and parameters
//! (query or form, first value of each name, as Authgear reads them).

use std::collections::HashMap;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use keyward_accounts::Initiator;
use keyward_accounts::sessions::Device;

use crate::Tenant;

/// The IdP session cookie (Authgear's name).
pub const SESSION_COOKIE: &str = "session";
/// The CSRF cookie of the sign-in pages.
pub const CSRF_COOKIE: &str = "keyward_csrf";

/// A request's tenant, address and client software.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// The project and issuer.
    pub tenant: Tenant,
    /// Client address and User-Agent.
    pub device: Device,
    /// The request's headers (cookies, Origin, Authorization).
    pub headers: HeaderMap,
}

impl Ctx {
    /// The actor of an end-user action, for the accounts core.
    pub fn initiator(&self, client_id: Option<&str>) -> Initiator {
        Initiator::EndUser {
            ip: self.device.ip.clone(),
            user_agent: self.device.user_agent.clone(),
            client_id: client_id.map(str::to_owned),
        }
    }

    /// The value of cookie `name`, if sent (bounded in size).
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.to_owned())
            .filter(|v| !v.is_empty() && v.len() <= 256)
    }

    /// The request's `Origin`, if any.
    pub fn origin(&self) -> Option<&str> {
        self.headers
            .get(header::ORIGIN)
            .and_then(|v| v.to_str().ok())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let Some(tenant) = parts.extensions.get::<Tenant>().cloned() else {
            return Err(crate::unknown_host());
        };
        let ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip().to_string())
            .unwrap_or_default();
        let user_agent: String = parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .chars()
            .take(512)
            .collect();
        Ok(Ctx {
            tenant,
            device: Device { ip, user_agent },
            headers: parts.headers.clone(),
        })
    }
}

/// Request parameters: the first value of each name.
#[derive(Debug, Clone, Default)]
pub struct Params(pub HashMap<String, String>);

impl Params {
    /// Parse `application/x-www-form-urlencoded` text (a query or a body).
    pub fn parse(text: &str) -> Params {
        let mut map = HashMap::new();
        for (k, v) in url::form_urlencoded::parse(text.as_bytes()) {
            map.entry(k.into_owned()).or_insert_with(|| v.into_owned());
        }
        Params(map)
    }

    /// The query string and, for a form POST, the body, merged (the query
    /// wins for a name given in both, as the first value).
    pub fn from_query_and_body(query: Option<&str>, body: &[u8]) -> Params {
        let mut params = Params::parse(query.unwrap_or_default());
        for (k, v) in url::form_urlencoded::parse(body) {
            params
                .0
                .entry(k.into_owned())
                .or_insert_with(|| v.into_owned());
        }
        params
    }

    /// The first parameter name `text` gives more than once (RFC 6749 §3.2:
    /// a token request must not repeat one).
    pub fn repeated(text: &str) -> Option<String> {
        let mut seen = std::collections::HashSet::new();
        url::form_urlencoded::parse(text.as_bytes())
            .map(|(k, _)| k.into_owned())
            .find(|k| !seen.insert(k.clone()))
    }

    /// A non-empty parameter.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }
}

/// A `Set-Cookie` value. `HttpOnly` always; `Secure` on https.
pub fn cookie(
    name: &str,
    value: &str,
    max_age: Option<i64>,
    same_site: &str,
    secure: bool,
) -> HeaderValue {
    let max_age = max_age
        .map(|s| format!("; Max-Age={s}"))
        .unwrap_or_default();
    let secure = if secure { "; Secure" } else { "" };
    let text = format!("{name}={value}; Path=/; HttpOnly; SameSite={same_site}{max_age}{secure}");
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// Add `Set-Cookie` headers to a response.
pub fn with_cookies(response: impl IntoResponse, cookies: Vec<HeaderValue>) -> Response {
    let mut response = response.into_response();
    for c in cookies {
        response.headers_mut().append(header::SET_COOKIE, c);
    }
    response
}
