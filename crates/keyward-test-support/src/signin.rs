//! End-user sign-in from a test's side: OAuth clients, end users, and a
//! small cookie-keeping browser that follows the sign-in form the way a
//! user would (load the page, read its hidden fields, submit).

use std::collections::BTreeMap;

use aws_lc_rs::digest;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use keyward_store::ClientType;
use reqwest::header;

use crate::server::{PROJECT, TestServer};

/// A registered OAuth client.
#[derive(Debug, Clone)]
pub struct App {
    pub client_id: String,
    pub secret: Option<String>,
    pub redirect_uri: String,
}

/// A PKCE pair.
pub struct Pkce {
    pub verifier: String,
    pub challenge: String,
}

impl Pkce {
    pub fn new() -> Pkce {
        let mut bytes = [0u8; 32];
        aws_lc_rs::rand::fill(&mut bytes).unwrap();
        let verifier = URL_SAFE_NO_PAD.encode(bytes);
        let challenge =
            URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, verifier.as_bytes()).as_ref());
        Pkce {
            verifier,
            challenge,
        }
    }
}

impl Default for Pkce {
    fn default() -> Self {
        Self::new()
    }
}

impl TestServer {
    /// The project's issuer (`http://myapp.localhost:<port>`).
    pub fn issuer(&self) -> String {
        let port = self.url.rsplit(':').next().unwrap();
        format!("http://{PROJECT}.localhost:{port}")
    }

    /// Register a client of `kind` with one redirect URI.
    pub async fn oauth_client(&self, kind: ClientType, redirect_uri: &str) -> App {
        self.oauth_client_with(kind, redirect_uri, |_| {}).await
    }

    /// [`TestServer::oauth_client`], with the new client's settings changed
    /// by `edit` first.
    pub async fn oauth_client_with(
        &self,
        kind: ClientType,
        redirect_uri: &str,
        edit: impl FnOnce(&mut keyward_accounts::clients::NewClient),
    ) -> App {
        let mut new = keyward_accounts::clients::NewClient {
            name: "Test app".into(),
            client_type: kind,
            redirect_uris: vec![redirect_uri.into()],
            post_logout_redirect_uris: vec![format!("{redirect_uri}/signed-out")],
            refresh_rotation: None,
            access_token_lifetime_secs: None,
            refresh_reuse_leeway_secs: None,
        };
        edit(&mut new);
        let mut tx = self.store.begin().await.unwrap();
        let (client, secret) =
            keyward_accounts::clients::create(&mut tx, PROJECT, new, keyward_store::now_secs())
                .await
                .unwrap();
        tx.commit().await.unwrap();
        App {
            client_id: client.client_id,
            secret,
            redirect_uri: redirect_uri.into(),
        }
    }

    /// Create an end user with an email login ID and a password through the
    /// Admin API; returns the user's raw ID.
    pub async fn end_user(&self, email: &str, password: &str) -> String {
        let out = self
            .run(
                "mutation($e: String!, $p: String!) { createUser(input: {definition: {loginID: {key: \"email\", value: $e}}, password: $p}) { user { id } } }",
                serde_json::json!({"e": email, "p": password}),
            )
            .await;
        let id = out["data"]["createUser"]["user"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("createUser failed: {out}"));
        let decoded = String::from_utf8(URL_SAFE_NO_PAD.decode(id).unwrap()).unwrap();
        decoded.trim_start_matches("User:").to_owned()
    }

    /// A browser that reaches `<project>.localhost` on this server.
    pub fn browser(&self) -> Browser {
        Browser::new(self)
    }
}

/// A client with a cookie jar that does not follow redirects (tests look
/// at every hop).
pub struct Browser {
    pub http: reqwest::Client,
    pub cookies: BTreeMap<String, String>,
    pub issuer: String,
}

/// A response as the browser saw it.
pub struct Page {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Page {
    pub fn location(&self) -> Option<String> {
        self.headers
            .get(header::LOCATION)
            .map(|v| v.to_str().unwrap().to_owned())
    }

    /// The value of the first `<input name=NAME value=…>`.
    pub fn input(&self, name: &str) -> Option<String> {
        self.inputs()
            .into_iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }

    /// The hidden inputs of the page's first form posting to `action`
    /// (pages with several forms: each has its own hidden fields).
    pub fn form(&self, action: &str) -> Vec<(String, String)> {
        let marker = format!("action=\"{action}\"");
        let Some(start) = self.body.find(&marker) else {
            panic!("no form posting to {action}: {}", self.body);
        };
        let end = self.body[start..]
            .find("</form>")
            .map_or(self.body.len(), |e| start + e);
        hidden_inputs(&self.body[start..end])
    }

    /// Every `<input type="hidden">` of the page, in order.
    pub fn inputs(&self) -> Vec<(String, String)> {
        hidden_inputs(&self.body)
    }
}

fn hidden_inputs(body: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for tag in body.split("<input").skip(1) {
        let tag = tag.split('>').next().unwrap_or_default();
        if !tag.contains("type=\"hidden\"") {
            continue;
        }
        let attr = |a: &str| {
            tag.split(&format!("{a}=\""))
                .nth(1)
                .map(|rest| unescape(rest.split('"').next().unwrap_or_default()))
        };
        if let (Some(n), Some(v)) = (attr("name"), attr("value")) {
            out.push((n, v));
        }
    }
    out
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

impl Browser {
    pub fn new(server: &TestServer) -> Browser {
        let addr: std::net::SocketAddr = server.url.trim_start_matches("http://").parse().unwrap();
        Browser::at(addr)
    }

    /// A browser for the project `myapp` of a server listening on `addr`
    /// (for instance a `keyward serve` child process).
    pub fn at(addr: std::net::SocketAddr) -> Browser {
        let http = reqwest::Client::builder()
            .resolve(&format!("{PROJECT}.localhost"), addr)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent("keyward-tests/1.0")
            .build()
            .unwrap();
        Browser {
            http,
            cookies: BTreeMap::new(),
            issuer: format!("http://{PROJECT}.localhost:{}", addr.port()),
        }
    }

    fn absolute(&self, url: &str) -> String {
        if url.starts_with('/') {
            format!("{}{url}", self.issuer)
        } else {
            url.to_owned()
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn finish(&mut self, response: reqwest::Response) -> Page {
        for c in response.headers().get_all(header::SET_COOKIE) {
            let c = c.to_str().unwrap();
            let pair = c.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            if value.is_empty() || c.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.into(), value.into());
            }
        }
        Page {
            status: response.status().as_u16(),
            headers: response.headers().clone(),
            body: response.text().await.unwrap(),
        }
    }

    pub async fn get(&mut self, url: &str) -> Page {
        let response = self
            .http
            .get(self.absolute(url))
            .header(header::COOKIE, self.cookie_header())
            .send()
            .await
            .unwrap();
        self.finish(response).await
    }

    pub async fn post(&mut self, url: &str, form: &[(String, String)]) -> Page {
        let response = self
            .http
            .post(self.absolute(url))
            .header(header::COOKIE, self.cookie_header())
            .header(header::ORIGIN, self.issuer.clone())
            .form(form)
            .send()
            .await
            .unwrap();
        self.finish(response).await
    }

    /// Follow an authorize URL through the sign-in form with `login` and
    /// `password`; returns the last answer (the redirect to the client, or
    /// the page that refused).
    pub async fn sign_in(&mut self, authorize_url: &str, login: &str, password: &str) -> Page {
        let first = self.get(authorize_url).await;
        let Some(next) = first.location().filter(|l| l.starts_with("/login")) else {
            return first;
        };
        let form = self.get(&next).await;
        assert_eq!(form.status, 200, "{}", form.body);
        self.submit_login(&form, login, password).await
    }

    /// Submit a sign-in form page.
    pub async fn submit_login(&mut self, form: &Page, login: &str, password: &str) -> Page {
        let mut fields = form.inputs();
        fields.push(("login".into(), login.into()));
        fields.push(("password".into(), password.into()));
        self.post("/login", &fields).await
    }
}

/// The query parameters of a redirect's `Location`.
pub fn query_of(location: &str) -> BTreeMap<String, String> {
    let url = reqwest::Url::parse(location).unwrap();
    url.query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// An authorize URL for `app` with PKCE `pkce` and extra parameters.
pub fn authorize_url(issuer: &str, app: &App, pkce: &Pkce, extra: &[(&str, &str)]) -> String {
    let mut url = reqwest::Url::parse(&format!("{issuer}/oauth2/authorize")).unwrap();
    url.query_pairs_mut()
        .append_pair("client_id", &app.client_id)
        .append_pair("redirect_uri", &app.redirect_uri)
        .append_pair("response_type", "code")
        .append_pair("scope", "openid offline_access")
        .append_pair("code_challenge", &pkce.challenge)
        .append_pair("code_challenge_method", "S256");
    for (k, v) in extra {
        url.query_pairs_mut().append_pair(k, v);
    }
    url.to_string()
}
