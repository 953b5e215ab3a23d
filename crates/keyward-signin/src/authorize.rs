//! `/oauth2/authorize` and the sign-in page `/login`.
//!
//! Validation follows Authgear's order (spec §3.3): an unknown client or a
//! redirect URI that is not registered gets a 400 page and is never
//! redirected to; every later error is redirected to the (registered)
//! redirect URI with `error`, `error_description` and `state`. keyward is
//! stricter in one place: the redirect URI must be one of the client's
//! (exact match; loopback with any port for native apps, RFC 8252), never
//! "any page of the issuer's origin".
//!
//! The sign-in page carries the authorize request in hidden fields and
//! validates it again when the form is posted, so no server state is kept
//! between the two and a tampered form meets the same checks.

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use keyward_accounts::audit::Actor;
use keyward_accounts::mfa::{self, SecondStep};
use keyward_accounts::sessions::{self, SessionRef};
use keyward_accounts::signin::{self, Outcome, PASSWORD_AMR};
use keyward_accounts::{clients, secret};
use keyward_store::{AuthorizationCode, IdpSession, OAuthClient, Tx, User};
use serde_json::json;

use crate::SigninState;
use crate::discovery::SCOPES;
use crate::error::DoorError;
use crate::request::{Ctx, Params, SESSION_COOKIE, cookie, with_cookies};
use crate::{csrf, error};
use crate::{pages, second_factor};

/// Authorization codes live this long (seconds).
pub const CODE_LIFETIME_SECS: i64 = 300;

/// The authorize parameters the sign-in form carries along.
pub const FORWARDED: [&str; 20] = [
    "client_id",
    "redirect_uri",
    "response_type",
    "response_mode",
    "scope",
    "state",
    "nonce",
    "prompt",
    "max_age",
    "ui_locales",
    "login_hint",
    "id_token_hint",
    "code_challenge",
    "code_challenge_method",
    "x_sso_enabled",
    "x_suppress_idp_session_cookie",
    "x_page",
    "x_state",
    "x_color_scheme",
    "x_platform",
];

/// How the result reaches the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseMode {
    /// `?code=…`
    Query,
    /// `#code=…`
    Fragment,
    /// An auto-submitting form.
    FormPost,
}

/// A validated authorize request.
#[derive(Debug, Clone)]
pub struct AuthzRequest {
    pub client: OAuthClient,
    pub redirect_uri: String,
    pub mode: ResponseMode,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub scope: String,
    pub code_challenge: Option<String>,
    pub prompt_none: bool,
    pub prompt_login: bool,
    /// `prompt=consent`: a third-party app's consent page is shown even
    /// when the user granted these scopes before.
    pub prompt_consent: bool,
    pub max_age: Option<i64>,
    /// Use and create the IdP session (single sign-on).
    pub sso: bool,
    pub login_hint: Option<String>,
    /// An ID token naming who the client thinks is signed in.
    pub id_token_hint: Option<String>,
    /// The parameters to carry through the sign-in form.
    pub forwarded: Vec<(String, String)>,
}

/// Where an authorize request went wrong.
pub enum Refusal {
    /// Not to be redirected: a 400 page.
    Page(&'static str, &'static str),
    /// Redirected to the client with an error.
    Redirect {
        target: Box<(String, ResponseMode, Option<String>)>,
        error: &'static str,
        description: String,
    },
    /// keyward failed while checking.
    Failed(Box<DoorError>),
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::Failed(e) => e.into_response(),
            Refusal::Page(error, description) => (
                StatusCode::BAD_REQUEST,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                format!(
                    "Invalid OAuth authorization request:\nerror: {error}\nerror_description: {description}\n"
                ),
            )
                .into_response(),
            Refusal::Redirect {
                target,
                error,
                description,
            } => {
                let (uri, mode, state) = *target;
                let mut pairs = vec![
                    ("error".to_owned(), error.to_owned()),
                    ("error_description".to_owned(), description),
                ];
                if let Some(s) = state {
                    pairs.push(("state".into(), s));
                }
                respond(&uri, mode, &pairs)
            }
        }
    }
}

/// Validate an authorize request (spec §3.3, in order).
pub async fn validate(
    state: &SigninState,
    project: &str,
    params: &Params,
) -> Result<AuthzRequest, Refusal> {
    let page = Refusal::Page;
    let Some(client_id) = params.get("client_id") else {
        return Err(page("unauthorized_client", "invalid client ID"));
    };
    let client = match state.store().client(project, client_id).await {
        Ok(Some(c)) => c,
        Ok(None) => return Err(page("unauthorized_client", "invalid client ID")),
        Err(e) => return Err(Refusal::Failed(Box::new(e.into()))),
    };
    if !client.client_type.signs_users_in() {
        return Err(page(
            "unauthorized_client",
            "this client signs no user in (m2m: use the client_credentials grant)",
        ));
    }
    let redirect_uri = match params.get("redirect_uri") {
        Some(uri) => {
            if url::Url::parse(uri).is_err() {
                return Err(page("invalid_request", "invalid redirect URI"));
            }
            if !clients::redirect_uri_allowed(&client, uri) {
                return Err(page("invalid_request", "redirect URI is not allowed"));
            }
            uri.to_owned()
        }
        None if client.redirect_uris.len() == 1 => client.redirect_uris[0].clone(),
        None => return Err(page("invalid_request", "redirect URI is required")),
    };
    let state_param = params.get("state").map(str::to_owned);
    let (mode, mode_ok) = match params.get("response_mode") {
        None | Some("query") => (ResponseMode::Query, true),
        Some("fragment") => (ResponseMode::Fragment, true),
        Some("form_post") => (ResponseMode::FormPost, true),
        Some(_) => (ResponseMode::Query, false),
    };
    let refuse = |error: &'static str, description: &str| {
        Err(Refusal::Redirect {
            target: Box::new((redirect_uri.clone(), mode, state_param.clone())),
            error,
            description: description.to_owned(),
        })
    };
    if !mode_ok {
        return refuse("invalid_request", "unsupported response_mode");
    }
    if params.get("response_type") != Some("code") {
        return refuse(
            "unauthorized_client",
            "response type is not allowed for this client",
        );
    }
    if state_param.as_ref().is_some_and(|s| s.len() > 2048)
        || params.get("nonce").is_some_and(|n| n.len() > 512)
    {
        return refuse("invalid_request", "state or nonce is too long");
    }
    let prompts: Vec<&str> = params
        .get("prompt")
        .unwrap_or_default()
        .split(' ')
        .filter(|p| !p.is_empty())
        .collect();
    let prompt_none = prompts.contains(&"none");
    if prompt_none && prompts.len() > 1 {
        return refuse(
            "invalid_request",
            "prompt cannot have other values when none is set",
        );
    }
    if prompt_none && params.0.contains_key("max_age") {
        return refuse(
            "invalid_request",
            "max_age could imply prompt=login so max_age cannot be present when prompt=none",
        );
    }
    let max_age = params
        .get("max_age")
        .and_then(|v| v.parse::<i64>().ok())
        .filter(|v| *v >= 0);
    let Some(scope) = params.get("scope") else {
        return refuse("invalid_request", "scope is required");
    };
    let scopes: Vec<&str> = scope.split(' ').filter(|s| !s.is_empty()).collect();
    if let Some(unknown) = scopes.iter().find(|s| !SCOPES.contains(s)) {
        return refuse(
            "invalid_scope",
            &format!("specified scope is not allowed: {unknown}"),
        );
    }
    if !client.client_type.is_public()
        && scopes.contains(&"https://authgear.com/scopes/full-access")
    {
        return refuse(
            "invalid_scope",
            "full access is not allowed for this client",
        );
    }
    if !scopes.contains(&"openid") {
        return refuse("invalid_scope", "must request 'openid' scope");
    }
    let code_challenge = params.get("code_challenge").map(str::to_owned);
    match &code_challenge {
        None if client.client_type.is_public() => {
            return refuse(
                "invalid_request",
                "PKCE code challenge is required for public clients",
            );
        }
        Some(_) if params.get("code_challenge_method") != Some("S256") => {
            return refuse("invalid_request", "only 'S256' PKCE transform is supported");
        }
        Some(c) if !keyward_token::oidc::is_s256_challenge(c) => {
            return refuse("invalid_request", "invalid code_challenge");
        }
        _ => {}
    }
    let sso = match (
        params.get("x_sso_enabled"),
        params.get("x_suppress_idp_session_cookie"),
    ) {
        (Some(v), _) => v == "true",
        (None, Some(v)) => v != "true",
        (None, None) => true,
    };
    let forwarded = FORWARDED
        .iter()
        .filter_map(|k| params.get(k).map(|v| ((*k).to_owned(), v.to_owned())))
        .collect();
    Ok(AuthzRequest {
        client,
        redirect_uri,
        mode,
        state: state_param,
        nonce: params.get("nonce").map(str::to_owned),
        scope: scopes.join(" "),
        code_challenge,
        prompt_none,
        prompt_login: prompts.contains(&"login") || max_age == Some(0),
        prompt_consent: prompts.contains(&"consent"),
        max_age,
        sso,
        login_hint: params.get("login_hint").map(login_hint_value),
        id_token_hint: params.get("id_token_hint").map(str::to_owned),
        forwarded,
    })
}

/// The login ID a `login_hint` suggests: Authgear's
/// `https://authgear.com/login_hint?type=login_id&email=…` form, or (more
/// lenient than Authgear, which refuses it) a bare value, as generic OIDC
/// clients send it.
fn login_hint_value(hint: &str) -> String {
    if let Some(query) = hint.strip_prefix("https://authgear.com/login_hint?") {
        let p = Params::parse(query);
        return ["email", "phone", "username"]
            .iter()
            .find_map(|k| p.get(k))
            .unwrap_or_default()
            .to_owned();
    }
    hint.chars().take(320).collect()
}

/// `GET|POST /oauth2/authorize`.
pub async fn authorize(
    State(state): State<SigninState>,
    ctx: Ctx,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let params = Params::from_query_and_body(query.as_deref(), &body);
    let authz = match validate(&state, &ctx.tenant.project, &params).await {
        Ok(a) => a,
        Err(r) => return error::no_store(r),
    };
    match authorize_valid(&state, &ctx, authz).await {
        Ok(r) => error::no_store(r),
        Err(e) => e.into_response(),
    }
}

async fn authorize_valid(
    state: &SigninState,
    ctx: &Ctx,
    authz: AuthzRequest,
) -> Result<Response, DoorError> {
    let now = state.now();
    // Who the client believes is signed in: a session of anyone else does
    // not answer for them (spec §3.4). Read before the transaction, which
    // the first use of a project's keys would otherwise have to wait for.
    let hinted = match &authz.id_token_hint {
        Some(hint) => {
            let keys = state.keys().get(&ctx.tenant.project, now).await?;
            keyward_token::oidc::read_id_token_hint(hint, &keys.set)
                .ok()
                .and_then(|c| c.get("sub").and_then(|s| s.as_str()).map(str::to_owned))
                .or(Some(String::new()))
        }
        None => None,
    };
    if authz.sso
        && !authz.prompt_login
        && let Some(cookie) = ctx.cookie(SESSION_COOKIE)
    {
        let mut tx = state.store().begin().await?;
        let live =
            sessions::resolve_idp_session(&mut tx, &ctx.tenant.project, &cookie, now).await?;
        if let Some((session, _user)) = live
            && authz
                .max_age
                .is_none_or(|age| now - session.auth_time <= age)
            && hinted.as_ref().is_none_or(|sub| *sub == session.user_id)
        {
            let signed_in = SignedIn {
                user_id: &session.user_id,
                session: Some(&session),
                auth_time: session.auth_time,
                amr: &session.amr,
            };
            let response = deliver(&mut tx, state, ctx, &authz, signed_in).await?;
            tx.commit().await?;
            return Ok(response);
        }
        tx.commit().await?;
    }
    if authz.prompt_none {
        return Ok(Refusal::Redirect {
            target: Box::new((authz.redirect_uri.clone(), authz.mode, authz.state.clone())),
            error: "login_required",
            description: "authentication required".into(),
        }
        .into_response());
    }
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(authz.forwarded.iter())
        .finish();
    Ok(Redirect::to(&format!("/login?{query}")).into_response())
}

/// What a signed-in user's authorize request comes to: the code, or for a
/// third-party app whose requested scopes the user has not granted (or
/// `prompt=consent`), the consent page first (`consent_required` under
/// `prompt=none`). Third-party sign-ins always keep the IdP session, which
/// is what the consent form is answered with.
pub(crate) async fn deliver(
    tx: &mut Tx,
    state: &SigninState,
    ctx: &Ctx,
    authz: &AuthzRequest,
    who: SignedIn<'_>,
) -> Result<Response, DoorError> {
    if authz.client.client_type.is_third_party() && who.session.is_some() {
        let granted = tx
            .authorization_of(&ctx.tenant.project, who.user_id, &authz.client.client_id)
            .await?;
        let covered = granted.is_some_and(|g| {
            authz
                .scope
                .split(' ')
                .all(|s| g.scopes.iter().any(|have| have == s))
        });
        if authz.prompt_consent || !covered {
            if authz.prompt_none {
                return Ok(Refusal::Redirect {
                    target: Box::new((authz.redirect_uri.clone(), authz.mode, authz.state.clone())),
                    error: "consent_required",
                    description: "the user has not granted these scopes to this client".into(),
                }
                .into_response());
            }
            return Ok(crate::consent::page(ctx, authz));
        }
    }
    let code = issue_code(tx, state, ctx, authz, who).await?;
    Ok(success(authz, &code))
}

/// The redirect that carries a fresh code to the client.
pub(crate) fn success(authz: &AuthzRequest, code: &str) -> Response {
    let mut pairs = vec![("code".to_owned(), code.to_owned())];
    if let Some(s) = &authz.state {
        pairs.push(("state".into(), s.clone()));
    }
    respond(&authz.redirect_uri, authz.mode, &pairs)
}

/// Who a code is for: the user, the IdP session that proved it (if one
/// was kept), when and how they authenticated.
pub(crate) struct SignedIn<'a> {
    pub user_id: &'a str,
    pub session: Option<&'a IdpSession>,
    pub auth_time: i64,
    pub amr: &'a str,
}

/// Issue a code (stored hashed, single use, 300 s).
pub(crate) async fn issue_code(
    tx: &mut Tx,
    state: &SigninState,
    ctx: &Ctx,
    authz: &AuthzRequest,
    who: SignedIn<'_>,
) -> Result<String, DoorError> {
    let SignedIn {
        user_id,
        session,
        auth_time,
        amr,
    } = who;
    let code = secret::random_token()?;
    let now = state.now();
    let request = json!({
        "redirect_uri": authz.redirect_uri,
        "scope": authz.scope,
        "nonce": authz.nonce,
        "code_challenge": authz.code_challenge,
        "auth_time": auth_time,
        "amr": amr,
        "sso": authz.sso,
    });
    tx.insert_code(
        &ctx.tenant.project,
        &AuthorizationCode {
            code_hash: secret::digest_hex(&code),
            client_id: authz.client.client_id.clone(),
            user_id: user_id.to_owned(),
            request: request.to_string(),
            idp_session_id: session.map(|s| s.id.clone()),
            created_at: now,
            expires_at: now + CODE_LIFETIME_SECS,
            redeemed_grant: None,
        },
    )
    .await?;
    Ok(code)
}

/// Send `pairs` to `uri` by `mode`: 303 (query, fragment) or an
/// auto-submitting form (form_post).
pub fn respond(uri: &str, mode: ResponseMode, pairs: &[(String, String)]) -> Response {
    let Ok(mut target) = url::Url::parse(uri) else {
        return (StatusCode::BAD_REQUEST, "invalid redirect URI").into_response();
    };
    match mode {
        ResponseMode::Query => {
            target.query_pairs_mut().extend_pairs(pairs.iter());
        }
        ResponseMode::Fragment => {
            let fragment = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(pairs.iter())
                .finish();
            target.set_fragment(Some(&fragment));
        }
        ResponseMode::FormPost => return pages::form_post(uri, pairs),
    }
    let location = target.to_string();
    let mut response = (
        StatusCode::SEE_OTHER,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        pages::redirect_body(&location),
    )
        .into_response();
    if let Ok(v) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    response
}

/// `GET /login`: the sign-in form, for an authorize request or, without
/// one, for the account page.
pub async fn login_page(
    State(state): State<SigninState>,
    ctx: Ctx,
    RawQuery(query): RawQuery,
) -> Response {
    let params = Params::parse(query.as_deref().unwrap_or_default());
    let authz = if params.get("client_id").is_some() {
        match validate(&state, &ctx.tenant.project, &params).await {
            Ok(a) => Some(a),
            Err(r) => return r.into_response(),
        }
    } else {
        None
    };
    let hint = authz
        .as_ref()
        .and_then(|a| a.login_hint.clone())
        .unwrap_or_default();
    render_form(&state, &ctx, authz.as_ref(), &hint, None, StatusCode::OK).await
}

async fn render_form(
    state: &SigninState,
    ctx: &Ctx,
    authz: Option<&AuthzRequest>,
    login: &str,
    error: Option<&str>,
    status: StatusCode,
) -> Response {
    let (token, set_cookie) = match csrf::token(ctx) {
        Ok(t) => t,
        Err(e) => return e.into_response(),
    };
    // One read for both links of the page.
    let links = async {
        let project = ctx.tenant.project.as_str();
        let mut tx = state.store().begin_read().await?;
        let transports = state
            .settings()
            .transports
            .of_project(&mut tx, project)
            .await?;
        let signup = tx.account_settings(project).await?.signup_enabled;
        tx.commit().await?;
        Ok::<_, DoorError>((transports.email || transports.sms, signup))
    };
    let (forgot_password, signup) = match links.await {
        Ok(l) => l,
        Err(e) => return e.into_response(),
    };
    let page = pages::login(pages::LoginPage {
        project: &ctx.tenant.project,
        client_name: authz.map(|a| a.client.name.as_str()),
        csrf: &token,
        login,
        error,
        forwarded: authz.map(|a| a.forwarded.as_slice()).unwrap_or_default(),
        redirect_uri: authz.map(|a| a.redirect_uri.as_str()),
        forgot_password,
        signup,
    });
    with_cookies((status, page), set_cookie.into_iter().collect())
}

/// `POST /login`.
pub async fn login(State(state): State<SigninState>, ctx: Ctx, body: Bytes) -> Response {
    let form = Params::parse(std::str::from_utf8(&body).unwrap_or_default());
    let authz = if form.get("client_id").is_some() {
        match validate(&state, &ctx.tenant.project, &form).await {
            Ok(a) => Some(a),
            Err(r) => return r.into_response(),
        }
    } else {
        None
    };
    let login_id = form.get("login").unwrap_or_default().trim().to_owned();
    if !csrf::check(&ctx, form.get("csrf")) {
        return pages::message(
            StatusCode::FORBIDDEN,
            &ctx.tenant.project,
            "This page has expired",
            "For your security the sign-in form could not be accepted. Go back, reload the page and sign in again.",
        );
    }
    let password = form.get("password").unwrap_or_default().to_owned();
    if login_id.is_empty() || password.is_empty() {
        return render_form(
            &state,
            &ctx,
            authz.as_ref(),
            &login_id,
            Some("Enter your email, phone number or username, and your password."),
            StatusCode::BAD_REQUEST,
        )
        .await;
    }
    let project = ctx.tenant.project.clone();
    if !state
        .throttle()
        .allows(&project, &ctx.device.ip, &login_id)
        .await
    {
        return pages::too_many_attempts(&project);
    }
    match sign_in(&state, &ctx, authz.as_ref(), &login_id, password).await {
        Ok(SignInResult::Done(r)) => error::no_store(r),
        Ok(SignInResult::Refused(outcome)) => {
            refused(&state, &ctx, authz.as_ref(), &login_id, outcome).await
        }
        Err(e) => e.into_response(),
    }
}

enum SignInResult {
    Done(Response),
    Refused(Outcome),
}

async fn sign_in(
    state: &SigninState,
    ctx: &Ctx,
    authz: Option<&AuthzRequest>,
    login_id: &str,
    password: String,
) -> Result<SignInResult, DoorError> {
    let project = ctx.tenant.project.as_str();
    let actor = Actor {
        project: project.to_owned(),
        now: state.now_micros(),
        by: ctx.initiator(authz.map(|a| a.client.client_id.as_str())),
    };
    // The password is verified before the write transaction begins.
    let checked = signin::check_password(
        state.store(),
        &actor,
        login_id,
        password,
        state.settings().hash_cost,
    )
    .await?;
    let mut tx = state.store().begin().await?;
    let outcome = signin::record_attempt(&mut tx, &actor, login_id, checked).await?;
    let Outcome::SignedIn(user) = outcome else {
        // Failures are counted and audited: commit them.
        tx.commit().await?;
        return Ok(SignInResult::Refused(outcome));
    };
    let step = mfa::second_step(&mut tx, project, &user.id, actor.now).await?;
    if step != SecondStep::None {
        let page = second_factor::begin(&mut tx, state, ctx, authz, &user, step).await?;
        tx.commit().await?;
        return Ok(SignInResult::Done(page));
    }
    let response = complete(&mut tx, state, ctx, authz, &user, &PASSWORD_AMR).await?;
    tx.commit().await?;
    Ok(SignInResult::Done(response))
}

/// The end of a sign-in (after the password, and the second factor when
/// one was asked for): the IdP session when one is kept, the audit entry
/// and `lastLoginAt`, then the client's code or the account page.
pub(crate) async fn complete(
    tx: &mut Tx,
    state: &SigninState,
    ctx: &Ctx,
    authz: Option<&AuthzRequest>,
    user: &User,
    amr: &[&str],
) -> Result<Response, DoorError> {
    let project = ctx.tenant.project.as_str();
    let actor = Actor {
        project: project.to_owned(),
        now: state.now_micros(),
        by: ctx.initiator(authz.map(|a| a.client.client_id.as_str())),
    };
    let now = state.now();
    let amr_text = amr.join(" ");
    // The account page always needs the IdP session; an app only when it
    // asked for single sign-on, or a third-party app (its consent form is
    // answered with the session).
    let keep_session = authz.is_none_or(|a| a.sso || a.client.client_type.is_third_party());
    let mut cookies = Vec::new();
    let session = if keep_session {
        let (session, token) =
            sessions::create_idp_session(tx, project, &user.id, amr, now, &ctx.device).await?;
        signin::record_authenticated(tx, &actor, user, SessionRef::Idp(session.id.clone()).raw())
            .await?;
        cookies.push(cookie(
            SESSION_COOKIE,
            &token,
            Some(sessions::IDP_SESSION_LIFETIME_SECS),
            "Lax",
            ctx.tenant.is_https(),
        ));
        Some(session)
    } else {
        None
    };
    let response = match authz {
        Some(a) => {
            let who = SignedIn {
                user_id: &user.id,
                session: session.as_ref(),
                auth_time: now,
                amr: &amr_text,
            };
            deliver(tx, state, ctx, a, who).await?
        }
        None => Redirect::to("/settings").into_response(),
    };
    Ok(with_cookies(response, cookies))
}

async fn refused(
    state: &SigninState,
    ctx: &Ctx,
    authz: Option<&AuthzRequest>,
    login_id: &str,
    outcome: Outcome,
) -> Response {
    let project = &ctx.tenant.project;
    match outcome {
        Outcome::InvalidCredentials => {
            state
                .throttle()
                .fail(project, &ctx.device.ip, login_id)
                .await;
            render_form(
                state,
                ctx,
                authz,
                login_id,
                Some("Incorrect email, phone number, username or password."),
                StatusCode::UNAUTHORIZED,
            )
            .await
        }
        Outcome::Locked { until } => {
            state
                .throttle()
                .fail(project, &ctx.device.ip, login_id)
                .await;
            locked_page(state, project, until)
        }
        Outcome::Blocked(refusal) => pages::message(
            StatusCode::FORBIDDEN,
            project,
            "Account unavailable",
            &pages::refusal_text(&refusal),
        ),
        Outcome::SignedIn(_) => {
            DoorError::Internal("unreachable sign-in outcome".into()).into_response()
        }
    }
}

/// The answer while an account is locked (until `until`, Unix seconds).
pub(crate) fn locked_page(state: &SigninState, project: &str, until: i64) -> Response {
    let wait = (until - state.now()).max(1);
    pages::message(
        StatusCode::TOO_MANY_REQUESTS,
        project,
        "Account locked",
        &format!(
            "This account has been locked due to too many failed attempts. Try again in {} (at {} UTC).",
            pages::duration(wait),
            pages::timestamp(until)
        ),
    )
}
