//! # keyward-signin: the end-user sign-in door
//!
//! Every project is an OpenID Connect provider at the origin it is reached
//! at (its issuer): discovery and JWKS, `/oauth2/authorize` with the sign-in
//! page, `/oauth2/token`, `/oauth2/userinfo`, `/oauth2/revoke`,
//! `/oauth2/end_session`, and the account page `/settings`. The interface
//! follows Authgear's (`shared/spec/oidc.md`); where keyward is stricter the
//! module says so and `docs/signin.md` lists it.
//!
//! It owns the protocol: parsing requests, choosing between an error page
//! and an error redirect, minting tokens, rendering pages, cookies, CSRF and
//! CORS. It must not decide who may sign in, how a password is checked, how
//! sessions expire or when an account locks: it asks the accounts core
//! (`keyward_accounts::{signin, sessions, clients, lockout}`) and renders
//! the answer. It never reads the Host header itself: the server resolves
//! the project and hands it over as a [`Tenant`] request extension.

mod account_mfa;
mod authorize;
mod consent;
mod cors;
mod csrf;
mod discovery;
mod error;
mod keys;
mod logout;
mod pages;
mod qr;
mod request;
mod reset;
mod second_factor;
mod settings;
mod signup;
mod throttle;

pub use keyward_accounts::shared_counts::SharedCounts;
mod token;
mod userinfo;

use std::sync::Arc;

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use keyward_accounts::messages::Transports;
use keyward_accounts::{HashCost, SharedClock};
use keyward_store::{MasterKey, Store};

pub use error::DoorError;
pub use keys::SigningKeys;
pub use token::access_token_for_grant;

/// The project a request is for and the issuer it reached it at, resolved
/// by the server from the Host header before the request gets here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tenant {
    /// The project ID.
    pub project: String,
    /// `scheme://host[:port]`: the issuer and the base of every endpoint.
    pub issuer: String,
}

impl Tenant {
    /// Whether the issuer is https (cookies get `Secure`).
    pub fn is_https(&self) -> bool {
        self.issuer.starts_with("https://")
    }
}

/// Settings of the sign-in door.
#[derive(Debug, Clone, Copy)]
pub struct SigninSettings {
    /// argon2id cost of rehashed and changed passwords.
    pub hash_cost: HashCost,
    /// Failed sign-ins per client address per window before further
    /// attempts are refused without checking the password.
    pub failures_per_ip: u32,
    /// Failed sign-ins per login ID per window.
    pub failures_per_login: u32,
    /// The window, in seconds.
    pub failure_window_secs: u64,
    /// Seconds between publishing a new signing key and signing with it,
    /// when a project gets its first key (0: at once).
    pub first_key_delay_secs: i64,
    /// What the server can send (email over SMTP, SMS through a webhook);
    /// a project's own SMS webhook adds to it.
    pub transports: Transports,
}

impl Default for SigninSettings {
    /// Failures only are counted, so that an office of users sharing one
    /// address signs in freely: 100 failures a minute per address, 10 a
    /// minute per login ID.
    fn default() -> Self {
        SigninSettings {
            hash_cost: HashCost::default(),
            failures_per_ip: 100,
            failures_per_login: 10,
            failure_window_secs: 60,
            first_key_delay_secs: 0,
            transports: Transports::default(),
        }
    }
}

/// Everything the door needs; cheap to clone.
#[derive(Clone)]
pub struct SigninState {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    master: Option<Arc<MasterKey>>,
    clock: SharedClock,
    settings: SigninSettings,
    keys: SigningKeys,
    throttle: throttle::Throttle,
}

impl SigninState {
    /// The door's state over `store`. Without a master key, projects can
    /// neither get nor use signing keys: sign-in answers 503.
    pub fn new(
        store: Store,
        master_key: Option<Arc<MasterKey>>,
        clock: SharedClock,
        settings: SigninSettings,
        shared_counts: Option<Arc<dyn SharedCounts>>,
    ) -> Self {
        SigninState {
            inner: Arc::new(Inner {
                keys: SigningKeys::new(
                    store.clone(),
                    master_key.clone(),
                    settings.first_key_delay_secs,
                ),
                master: master_key,
                throttle: throttle::Throttle::new(&settings, shared_counts),
                store,
                clock,
                settings,
            }),
        }
    }

    pub(crate) fn store(&self) -> &Store {
        &self.inner.store
    }

    /// The master key (TOTP secrets are sealed under it).
    pub(crate) fn master(&self) -> Result<&MasterKey, DoorError> {
        self.inner.master.as_deref().ok_or(DoorError::NoMasterKey)
    }

    /// Now, Unix microseconds.
    pub(crate) fn now_micros(&self) -> i64 {
        self.inner.clock.now_micros()
    }

    /// Now, Unix seconds.
    pub(crate) fn now(&self) -> i64 {
        self.now_micros().div_euclid(1_000_000)
    }

    pub(crate) fn settings(&self) -> &SigninSettings {
        &self.inner.settings
    }

    /// What can reach the users of `project`.
    pub(crate) async fn transports(&self, project: &str) -> Result<Transports, DoorError> {
        Ok(self
            .inner
            .settings
            .transports
            .of_project_in(&self.inner.store, project)
            .await?)
    }

    /// The projects' signing keys.
    pub fn keys(&self) -> &SigningKeys {
        &self.inner.keys
    }

    pub(crate) fn throttle(&self) -> &throttle::Throttle {
        &self.inner.throttle
    }
}

/// The paths this door answers, for the server's routing.
pub fn router() -> Router<SigninState> {
    Router::new()
        .route(
            "/.well-known/openid-configuration",
            get(discovery::configuration).options(cors::preflight_any),
        )
        .route(
            "/.well-known/oauth-authorization-server",
            get(discovery::configuration).options(cors::preflight_any),
        )
        .route(
            "/oauth2/jwks",
            get(discovery::jwks).options(cors::preflight_any),
        )
        .route(
            "/oauth2/authorize",
            get(authorize::authorize).post(authorize::authorize),
        )
        .route("/login", get(authorize::login_page).post(authorize::login))
        .route("/login/mfa", post(second_factor::answer))
        .route("/login/mfa/send", post(second_factor::send))
        .route("/login/mfa/enrol", post(second_factor::enrol))
        .route("/login/mfa/continue", post(second_factor::proceed))
        .route("/signup", get(signup::page).post(signup::start))
        .route("/signup/verify", post(signup::verify))
        .route("/consent", post(consent::answer))
        .route(
            "/forgot_password",
            get(reset::forgot_page).post(reset::forgot),
        )
        .route("/reset_password", get(reset::reset_page).post(reset::reset))
        .route(
            "/oauth2/token",
            post(token::token).options(cors::preflight_clients),
        )
        .route(
            "/oauth2/userinfo",
            get(userinfo::userinfo)
                .post(userinfo::userinfo)
                .options(cors::preflight_clients),
        )
        .route(
            "/oauth2/revoke",
            post(logout::revoke).options(cors::preflight_clients),
        )
        .route(
            "/oauth2/end_session",
            get(logout::end_session).post(logout::end_session),
        )
        .route("/logout", post(logout::confirm))
        .route("/settings", get(settings::page))
        .route("/settings/password", post(settings::change_password))
        .route(
            "/settings/mfa/totp",
            get(account_mfa::totp_page).post(account_mfa::totp_confirm),
        )
        .route(
            "/settings/mfa/recovery",
            post(account_mfa::new_recovery_codes),
        )
        .route("/settings/mfa/remove", post(account_mfa::remove))
        .route("/settings/sessions/revoke", post(settings::revoke_session))
        .route(
            "/settings/sessions/revoke-others",
            post(settings::revoke_others),
        )
        .route("/signin/assets/signin.css", get(pages::css))
        .route("/signin/assets/form_post.js", get(pages::form_post_js))
        .layer(middleware::from_fn(security_headers))
}

/// Headers on every answer of this door: pages must not be framed, sniffed
/// or cached (they carry codes, CSRF tokens and personal data), nor leak
/// their URL to other sites (`same-origin`: `no-referrer` would make
/// browsers send `Origin: null` on our own forms). A page's
/// own Content-Security-Policy, when it set one, is kept (the sign-in form
/// must be allowed to post and then be redirected to the client).
async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    h.entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(pages::CSP_DEFAULT));
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

/// The answer for a request whose Host names no project.
pub fn unknown_host() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::ACCESS_CONTROL_ALLOW_ORIGIN, "*")],
        axum::Json(serde_json::json!({
            "error": "unknown_host",
            "error_description": "no project is served at this host name",
        })),
    )
        .into_response()
}
