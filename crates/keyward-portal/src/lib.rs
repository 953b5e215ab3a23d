//! # keyward-portal: the operator portal door
//!
//! The seed's "Settings → Admin API" in a browser: projects, Admin API
//! keys, limits, applications (OAuth clients), a query explorer and the
//! audit log. Server-rendered pages
//! with their CSS and JS embedded in the binary (no build step, nothing
//! fetched from the internet). Every page carries a strict
//! Content-Security-Policy; every POST must come from this origin and carry
//! the session's CSRF token.
//!
//! It owns its routes and pages and nothing else: it must not know the
//! Admin API's schema, its authentication or its limits. It reaches the
//! server only through [`PortalState`] (the store, its settings, and the
//! [`KeySetCache`] hook), and records operator events through the accounts
//! core's typed audit events.

mod accounts;
mod applications;
mod audit;
mod error;
mod explorer;
mod html;
mod keys;
mod limits;
mod projects;
pub mod session;
mod state;

pub use state::{KeySetCache, PortalSettings, PortalState};

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use keyward_accounts::shared_counts::SharedCounts;
use keyward_store::MasterKey;

pub use accounts::{MIN_OPERATOR_PASSWORD, check_operator_password};

use session::PortalError;

/// What the portal needs beyond the store.
#[derive(Default)]
pub struct PortalOptions {
    /// Seals and opens stored private keys; without it the portal cannot
    /// generate keys or hand them out.
    pub master_key: Option<Arc<MasterKey>>,
    /// The one-time setup token, when no operator exists yet.
    pub setup_token: Option<String>,
}

/// The portal's shared state.
pub struct Portal {
    master_key: Option<Arc<MasterKey>>,
    setup_token: Mutex<Option<String>>,
    failures: moka::sync::Cache<String, u32>,
    /// The same counts where every replica sees them (Redis), if any.
    shared: Option<Arc<dyn SharedCounts>>,
}

/// How long failed sign-ins count against an address or an email.
const FAILURE_WINDOW: Duration = Duration::from_secs(15 * 60);

impl Portal {
    /// Portal state from its options.
    pub fn new(options: PortalOptions) -> Self {
        Portal {
            master_key: options.master_key,
            setup_token: Mutex::new(options.setup_token),
            failures: moka::sync::Cache::builder()
                .max_capacity(100_000)
                .time_to_live(FAILURE_WINDOW)
                .build(),
            shared: None,
        }
    }

    /// Count failed sign-ins in `shared` too, so that every replica sees
    /// them (the memory counts stay, and decide when it does not answer).
    pub fn with_shared_counts(mut self, shared: Option<Arc<dyn SharedCounts>>) -> Self {
        self.shared = shared;
        self
    }

    fn master_key(&self) -> Option<&MasterKey> {
        self.master_key.as_deref()
    }

    fn setup_token_matches(&self, token: &str) -> bool {
        let guard = self.setup_token.lock().unwrap_or_else(|p| p.into_inner());
        guard
            .as_deref()
            .is_some_and(|t| session::secrets_equal(t, token))
    }

    fn consume_setup_token(&self) {
        *self.setup_token.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    /// Failed sign-ins under `key`: the shared count when it answers, and
    /// never less than this replica saw.
    async fn failures(&self, key: &str) -> u32 {
        let here = self.failures.get(key).unwrap_or(0);
        let Some(shared) = &self.shared else {
            return here;
        };
        match shared.get(&format!("keyward:portal:{key}")).await {
            Ok(n) => n.max(here),
            Err(e) => {
                tracing::debug!(error = %e, "portal sign-in failures from memory");
                here
            }
        }
    }

    /// Count one failure, atomically: parallel guesses cannot undercount.
    async fn record_failure(&self, key: String) {
        if let Some(shared) = &self.shared
            && let Err(e) = shared
                .add(&format!("keyward:portal:{key}"), FAILURE_WINDOW)
                .await
        {
            tracing::debug!(error = %e, "portal sign-in failure counted in memory only");
        }
        self.failures
            .entry(key)
            .and_upsert_with(|entry| entry.map_or(1, |e| e.into_value().saturating_add(1)));
    }
}

/// The peer address the server's accept loop attached to a request, if any
/// (a router driven in process has none).
fn peer_ip(parts: &axum::http::request::Parts) -> Option<std::net::IpAddr> {
    parts
        .extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip())
}

/// `/portal/...`.
pub fn router() -> Router<PortalState> {
    Router::new()
        .route("/", get(home))
        .route("/favicon.ico", get(favicon))
        .route("/portal/assets/favicon.svg", get(favicon))
        .route("/portal", get(projects::list))
        .route("/portal/", get(|| async { Redirect::to("/portal") }))
        .route("/portal/assets/portal.css", get(css))
        .route("/portal/assets/portal.js", get(js))
        .route(
            "/portal/setup",
            get(accounts::setup_form).post(accounts::setup),
        )
        .route(
            "/portal/login",
            get(accounts::login_form).post(accounts::login),
        )
        .route("/portal/logout", post(accounts::logout))
        .route("/portal/projects", post(projects::create))
        .route("/portal/projects/{project}", get(keys::admin_api))
        .route(
            "/portal/projects/{project}/keys/generate",
            post(keys::generate),
        )
        .route("/portal/projects/{project}/keys/upload", post(keys::upload))
        .route(
            "/portal/projects/{project}/keys/{kid}/download",
            post(keys::download),
        )
        .route(
            "/portal/projects/{project}/keys/{kid}/status",
            post(keys::set_status),
        )
        .route(
            "/portal/projects/{project}/keys/{kid}/delete",
            get(keys::delete_form).post(keys::delete),
        )
        .route("/portal/projects/{project}/limits", post(limits::update))
        .route("/portal/projects/{project}/token", post(keys::token_page))
        .route(
            "/portal/projects/{project}/token.json",
            post(keys::token_json),
        )
        .route(
            "/portal/projects/{project}/explorer",
            get(explorer::explorer),
        )
        .route("/portal/projects/{project}/audit", get(audit::audit_log))
        .route(
            "/portal/projects/{project}/applications",
            get(applications::applications).post(applications::create),
        )
        .route(
            "/portal/projects/{project}/applications/{client_id}/rotate-secret",
            post(applications::rotate_secret),
        )
        .route(
            "/portal/projects/{project}/applications/{client_id}/delete",
            post(applications::delete),
        )
        .layer(middleware::from_fn(same_origin_posts))
        .layer(middleware::from_fn(security_headers))
}

const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Headers on every portal response: no framing, no inline script, no
/// caching of pages that hold tokens or keys, no referrer to other sites
/// (the setup link carries a secret). `no-referrer` would also make browsers
/// send `Origin: null` on our own forms.
async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    response
}

/// A POST whose `Origin` names another site is refused before any handler
/// runs (the CSRF token is the second line; `SameSite=Strict` the third).
async fn same_origin_posts(request: Request, next: Next) -> Response {
    if request.method() == Method::POST
        && let Some(origin) = request.headers().get(header::ORIGIN)
    {
        let host = request
            .headers()
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or_default();
        let origin = origin.to_str().unwrap_or_default();
        let same = origin
            .strip_prefix("http://")
            .or_else(|| origin.strip_prefix("https://"))
            .is_some_and(|rest| rest == host);
        if !same {
            tracing::warn!(%origin, "portal POST from another origin refused");
            return PortalError::Csrf.into_response();
        }
    }
    next.run(request).await
}

/// `GET /`: what this server is, for whoever types its address.
async fn home() -> Response {
    html::page(
        "Identity server",
        None,
        maud::html! {
            section.card.narrow {
                h1 { "keyward" }
                p { "An identity server: each project's users, their sign-in (OpenID Connect) and an Admin API to manage them." }
                ul {
                    li { a href="/portal" { "Portal" } " — for operators: projects, Admin API keys, applications, audit log." }
                    li { "Admin API: " code { "POST /_api/admin/graphql" } " on a project's host, or "
                        code { "/projects/<project>/_api/admin/graphql" } "." }
                    li { "Sign-in: " code { "/.well-known/openid-configuration" } " on a project's host." }
                    li { "Health: " a href="/healthz" { "/healthz" } ", " a href="/readyz" { "/readyz" } "." }
                }
            }
        },
    )
    .into_response()
}

async fn favicon() -> Response {
    asset("image/svg+xml", include_str!("assets/favicon.svg"))
}

async fn css() -> Response {
    asset("text/css; charset=utf-8", include_str!("assets/portal.css"))
}

async fn js() -> Response {
    asset(
        "text/javascript; charset=utf-8",
        include_str!("assets/portal.js"),
    )
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        body,
    )
        .into_response()
}
