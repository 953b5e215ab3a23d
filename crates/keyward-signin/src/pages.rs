//! The sign-in door's pages, server-rendered with maud (every interpolated
//! value escaped). They work without JavaScript; none carries inline
//! script or style (the Content-Security-Policy forbids both), and the
//! first submit button of each form is its main action.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use keyward_accounts::status::SignInRefusal;
use maud::{DOCTYPE, Markup, html};

/// The policy of pages that post only to this origin.
pub const CSP_DEFAULT: &str = "default-src 'none'; style-src 'self'; script-src 'self'; \
    img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// A policy whose forms may also lead to `target` (the sign-in form ends in
/// a redirect to the client, which `form-action` governs in browsers).
fn csp_with_target(target: &str) -> String {
    let source = match url::Url::parse(target) {
        Ok(u) if matches!(u.scheme(), "http" | "https") => u.origin().ascii_serialization(),
        Ok(u) => format!("{}:", u.scheme()),
        Err(_) => String::new(),
    };
    format!(
        "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; \
         form-action 'self' {source}; frame-ancestors 'none'; base-uri 'none'"
    )
}

fn with_csp(mut response: Response, csp: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(csp) {
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, v);
    }
    response
}

fn frame(project: &str, title: &str, body: Markup) -> Html<String> {
    Html(
        html! {
            (DOCTYPE)
            html lang="en" {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    title { (title) " · " (project) }
                    link rel="stylesheet" href="/signin/assets/signin.css";
                }
                body {
                    main.card {
                        p.project { (project) }
                        h1 { (title) }
                        (body)
                    }
                }
            }
        }
        .into_string(),
    )
}

/// What the sign-in form shows.
pub struct LoginPage<'a> {
    pub project: &'a str,
    pub client_name: Option<&'a str>,
    pub csrf: &'a str,
    pub login: &'a str,
    pub error: Option<&'a str>,
    pub forwarded: &'a [(String, String)],
    pub redirect_uri: Option<&'a str>,
    /// Offer "Forgot your password?" (the server can send email).
    pub forgot_password: bool,
    /// Offer "Create an account" (the project allows sign-up).
    pub signup: bool,
}

/// The sign-in form.
/// `/signup`, carrying the authorize request along.
fn signup_link(forwarded: &[(String, String)]) -> String {
    if forwarded.is_empty() {
        return "/signup".into();
    }
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(forwarded.iter())
        .finish();
    format!("/signup?{query}")
}

pub fn login(p: LoginPage<'_>) -> Response {
    let body = html! {
        @if let Some(name) = p.client_name {
            p.lead { "to continue to " strong { (name) } }
        }
        @if let Some(error) = p.error {
            p.error role="alert" id="login-error" { (error) }
        }
        form method="post" action="/login" {
            input type="hidden" name="csrf" value=(p.csrf);
            @for (k, v) in p.forwarded {
                input type="hidden" name=(k) value=(v);
            }
            label for="login" { "Email, phone number or username" }
            input id="login" name="login" type="text" autocomplete="username" required
                autofocus[p.login.is_empty()] value=(p.login) aria-describedby=[p.error.map(|_| "login-error")]
                autocapitalize="none" spellcheck="false";
            label for="password" { "Password" }
            input id="password" name="password" type="password" autocomplete="current-password" required
                autofocus[!p.login.is_empty()];
            button type="submit" { "Sign in" }
        }
        @if p.forgot_password {
            p { a href="/forgot_password" { "Forgot your password?" } }
        }
        @if p.signup {
            p { a href=(signup_link(p.forwarded)) { "Create an account" } }
        }
    };
    let response = frame(p.project, "Sign in", body).into_response();
    match p.redirect_uri {
        Some(target) => with_csp(response, &csp_with_target(target)),
        None => response,
    }
}

/// What the consent page shows.
pub struct ConsentPage<'a> {
    pub project: &'a str,
    pub client_name: &'a str,
    /// Each requested scope with what it allows.
    pub scopes: &'a [(&'a str, &'a str)],
    pub csrf: &'a str,
    pub forwarded: &'a [(String, String)],
    pub redirect_uri: &'a str,
}

/// A third-party app asks for the user's consent.
pub fn consent(p: ConsentPage<'_>) -> Response {
    let body = html! {
        p.lead { strong { (p.client_name) } " wants to:" }
        ul.scopes {
            @for (scope, text) in p.scopes {
                li { (text) " " code { (scope) } }
            }
        }
        p { "It is not run by " (p.project) ". Allow only if you trust it." }
        form method="post" action="/consent" {
            input type="hidden" name="csrf" value=(p.csrf);
            @for (k, v) in p.forwarded {
                input type="hidden" name=(k) value=(v);
            }
            button type="submit" name="decision" value="allow" { "Allow" }
            button type="submit" name="decision" value="deny" class="secondary" { "Deny" }
        }
    };
    with_csp(
        frame(p.project, "Allow access?", body).into_response(),
        &csp_with_target(p.redirect_uri),
    )
}

/// A page of the door with `body` under `title`.
pub fn page(project: &str, title: &str, body: Markup) -> Response {
    frame(project, title, body).into_response()
}

/// A page of the sign-in flow whose forms may end in a redirect to the
/// client at `redirect_uri` (when there is one).
pub fn flow_page(
    status: StatusCode,
    project: &str,
    title: &str,
    body: Markup,
    redirect_uri: Option<&str>,
) -> Response {
    let response = (status, frame(project, title, body)).into_response();
    match redirect_uri {
        Some(target) => with_csp(response, &csp_with_target(target)),
        None => response,
    }
}

/// The answer when the form's rate limits are reached (429).
pub fn too_many_attempts(project: &str) -> Response {
    message(
        StatusCode::TOO_MANY_REQUESTS,
        project,
        "Too many attempts",
        "There have been too many attempts. Wait a minute, then try again.",
    )
}

/// A page with one message.
pub fn message(status: StatusCode, project: &str, title: &str, text: &str) -> Response {
    (status, frame(project, title, html! { p { (text) } })).into_response()
}

/// The end_session confirmation: signing out is a POST (with CSRF), so a
/// link or an image on another site cannot sign the user out.
pub fn logout_confirm(project: &str, csrf: &str, forwarded: &[(String, String)]) -> Response {
    frame(
        project,
        "Sign out?",
        html! {
            p { "Do you want to sign out of " (project) " on this device?" }
            form method="post" action="/logout" {
                input type="hidden" name="csrf" value=(csrf);
                @for (k, v) in forwarded {
                    input type="hidden" name=(k) value=(v);
                }
                button type="submit" { "Sign out" }
            }
        },
    )
    .into_response()
}

/// The body of a 303 (for clients that show it instead of following).
pub fn redirect_body(location: &str) -> String {
    html! {
        (DOCTYPE)
        html lang="en" {
            head { meta charset="utf-8"; title { "Redirecting" } }
            body { p { "Continue to " a href=(location) { (location) } "." } }
        }
    }
    .into_string()
}

/// `response_mode=form_post`: a form that an external script submits, with
/// a button for browsers without JavaScript.
pub fn form_post(target: &str, pairs: &[(String, String)]) -> Response {
    let body = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                title { "Continue" }
                script src="/signin/assets/form_post.js" defer {}
            }
            body {
                form id="form_post" method="post" action=(target) {
                    @for (k, v) in pairs {
                        input type="hidden" name=(k) value=(v);
                    }
                    button type="submit" { "Continue" }
                }
            }
        }
    };
    with_csp(
        Html(body.into_string()).into_response(),
        &csp_with_target(target),
    )
}

/// How long, in words.
pub fn duration(secs: i64) -> String {
    match secs {
        s if s < 60 => format!("{s} second{}", if s == 1 { "" } else { "s" }),
        s if s < 3600 => {
            let m = (s + 59) / 60;
            format!("{m} minute{}", if m == 1 { "" } else { "s" })
        }
        s => {
            let h = (s + 3599) / 3600;
            format!("{h} hour{}", if h == 1 { "" } else { "s" })
        }
    }
}

/// Unix seconds as `2026-12-02 13:00:00`.
pub fn timestamp(secs: i64) -> String {
    jiff::Timestamp::from_second(secs)
        .map(|t| t.strftime("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_default()
}

fn micros(t: i64) -> String {
    timestamp(t.div_euclid(1_000_000))
}

/// What a user whose account may not sign in is told.
pub fn refusal_text(refusal: &SignInRefusal) -> String {
    match refusal {
        SignInRefusal::Disabled { reason, until } => {
            let mut text = "An administrator has disabled your account".to_owned();
            if let Some(until) = until {
                text.push_str(&format!(" until {} UTC", micros(*until)));
            }
            text.push('.');
            if let Some(reason) = reason.as_deref().filter(|r| !r.is_empty()) {
                text.push_str(&format!(" Reason: {reason}"));
            }
            text
        }
        SignInRefusal::Deactivated => "You have deactivated this account.".into(),
        SignInRefusal::Anonymized => "This account no longer exists.".into(),
        SignInRefusal::ScheduledAnonymization { anonymize_at } => format!(
            "This account is scheduled to be anonymized on {} UTC and cannot be used.",
            micros(*anonymize_at)
        ),
        SignInRefusal::ScheduledDeletion { delete_at } => format!(
            "This account is scheduled for deletion on {} UTC and cannot be used.",
            micros(*delete_at)
        ),
        SignInRefusal::NotYetValid { from } => {
            format!("This account cannot be used before {} UTC.", micros(*from))
        }
        SignInRefusal::Expired { until } => {
            format!(
                "This account could be used only until {} UTC.",
                micros(*until)
            )
        }
    }
}

/// `GET /signin/assets/signin.css`.
pub async fn css() -> Response {
    asset("text/css; charset=utf-8", include_str!("assets/signin.css"))
}

/// `GET /signin/assets/form_post.js`.
pub async fn form_post_js() -> Response {
    asset(
        "text/javascript; charset=utf-8",
        include_str!("assets/form_post.js"),
    )
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_action_allows_the_redirect_target_only() {
        assert!(
            csp_with_target("https://app.example/cb?x=1")
                .contains("form-action 'self' https://app.example;")
        );
        assert!(
            csp_with_target("com.example.app:/cb").contains("form-action 'self' com.example.app:;")
        );
        assert!(!CSP_DEFAULT.contains("unsafe-inline"));
    }

    #[test]
    fn durations_read_well() {
        assert_eq!(duration(1), "1 second");
        assert_eq!(duration(61), "2 minutes");
        assert_eq!(duration(3600), "1 hour");
    }
}
