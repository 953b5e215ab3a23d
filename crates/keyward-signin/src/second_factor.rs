//! The second step of a sign-in (`/login/mfa…`): after a right password,
//! when the project's policy and the user's factors call for it, the user
//! answers with an authenticator app's code, a code sent by email or SMS,
//! or a recovery code; or, under a `required` policy during the user's
//! grace period, enrols an authenticator app first.
//!
//! Between the steps the browser holds a challenge token (a hidden field;
//! only its digest is stored), which names the user whose password was
//! right and lives ten minutes. The authorize request travels in hidden
//! fields as on the sign-in form and is validated again at every post.
//! Wrong codes count toward the throttle and the account lockout like
//! wrong passwords.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use keyward_accounts::audit::Actor;
use keyward_accounts::mfa::{self, Answer, Checked, Enrolled, Factor, Method, SecondStep, Sent};
use keyward_accounts::totp;
use keyward_store::{Tx, User};
use maud::{Markup, html};

use crate::SigninState;
use crate::authorize::{AuthzRequest, complete, validate};
use crate::error::{self, DoorError};
use crate::request::{Ctx, Params, with_cookies};
use crate::{csrf, pages, qr};

/// What a second-step page shows.
enum View<'a> {
    /// Choose a factor and answer.
    Verify {
        factors: &'a [Factor],
        recovery: bool,
        /// A code was just sent to this authenticator: its code field.
        sent_to: Option<&'a Factor>,
    },
    /// Set up an authenticator app (grace period of a `required` policy).
    Enrol { secret: &'a [u8], account: &'a str },
    /// The new recovery codes, once; then continue.
    RecoveryCodes { codes: &'a [String] },
}

/// Open the second step for `user` (whose password was right): the
/// challenge, and for [`SecondStep::Enrol`] a fresh TOTP secret. Returns
/// the page (or the refusal under a policy the user cannot meet).
pub(crate) async fn begin(
    tx: &mut Tx,
    state: &SigninState,
    ctx: &Ctx,
    authz: Option<&AuthzRequest>,
    user: &User,
    step: SecondStep,
) -> Result<Response, DoorError> {
    let project = ctx.tenant.project.as_str();
    let now = state.now_micros();
    match step {
        SecondStep::None => Err(DoorError::Internal("no second step to begin".into())),
        SecondStep::Refused => Ok(pages::message(
            StatusCode::FORBIDDEN,
            project,
            "Two-step verification required",
            "This account must use two-step verification but has no second factor set up. \
             Ask the administrator of this app to set one up, or to give you time to enrol one.",
        )),
        SecondStep::Verify { factors, recovery } => {
            let token = mfa::open_challenge(tx, project, &user.id, now).await?;
            let view = View::Verify {
                factors: &factors,
                recovery,
                sent_to: None,
            };
            Ok(render(ctx, authz, &token, view, None, StatusCode::OK))
        }
        SecondStep::Enrol => {
            let token = mfa::open_challenge(tx, project, &user.id, now).await?;
            let secret = mfa::begin_totp(tx, project, &user.id, state.master()?, now).await?;
            let account = account_name(tx, project, &user.id).await?;
            let view = View::Enrol {
                secret: &secret,
                account: &account,
            };
            Ok(render(ctx, authz, &token, view, None, StatusCode::OK))
        }
    }
}

/// The name an authenticator app shows under the project's: the user's
/// first login ID.
pub(crate) async fn account_name(
    tx: &mut Tx,
    project: &str,
    user_id: &str,
) -> Result<String, DoorError> {
    Ok(tx
        .identities_of(project, user_id)
        .await?
        .into_iter()
        .next()
        .map(|i| i.original_value)
        .unwrap_or_else(|| user_id.to_owned()))
}

/// `a•••@example.com`, `+44•••••••56`: enough to recognise, not to learn.
fn mask(target: &str) -> String {
    if let Some((local, domain)) = target.split_once('@') {
        let first: String = local.chars().take(1).collect();
        return format!("{first}•••@{domain}");
    }
    let chars: Vec<char> = target.chars().collect();
    if chars.len() <= 5 {
        return "•••".into();
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 2..].iter().collect();
    format!("{head}•••{tail}")
}

fn factor_label(f: &Factor) -> String {
    let target = f.target.as_deref().map(mask).unwrap_or_default();
    match f.method {
        Method::OobEmail => format!("Email a code to {target}"),
        Method::OobSms => format!("Text a code to {target}"),
        Method::Totp | Method::RecoveryCode => String::new(),
    }
}

fn render(
    ctx: &Ctx,
    authz: Option<&AuthzRequest>,
    challenge: &str,
    view: View<'_>,
    error: Option<&str>,
    status: StatusCode,
) -> Response {
    let (csrf, set_cookie) = match csrf::token(ctx) {
        Ok(t) => t,
        Err(e) => return e.into_response(),
    };
    let forwarded = authz.map(|a| a.forwarded.as_slice()).unwrap_or_default();
    let hidden = |extra: Markup| {
        html! {
            input type="hidden" name="csrf" value=(csrf);
            input type="hidden" name="challenge" value=(challenge);
            @for (k, v) in forwarded { input type="hidden" name=(k) value=(v); }
            (extra)
        }
    };
    let code_input = |id: &str, label: &str, numeric: bool| {
        html! {
            label for=(id) { (label) }
            @if numeric {
                input id=(id) name="code" type="text" inputmode="numeric" autocomplete="one-time-code"
                    pattern="[0-9]{6}" maxlength="6" required autofocus
                    aria-describedby=[error.map(|_| "mfa-error")];
            } @else {
                input id=(id) name="code" type="text" autocomplete="off" autocapitalize="characters"
                    spellcheck="false" required aria-describedby=[error.map(|_| "mfa-error")];
            }
        }
    };
    let (title, body) = match view {
        View::Verify {
            factors,
            recovery,
            sent_to,
        } => {
            let totp = factors.iter().any(|f| f.method == Method::Totp);
            let body = html! {
                @if let Some(e) = error { p.error role="alert" id="mfa-error" { (e) } }
                @if let Some(f) = sent_to {
                    p { "We sent a 6-digit code to " (f.target.as_deref().map(mask).unwrap_or_default()) ". It works for 5 minutes." }
                    form method="post" action="/login/mfa" {
                        (hidden(html! {
                            input type="hidden" name="method" value="oob";
                            input type="hidden" name="authenticator" value=(f.id);
                        }))
                        (code_input("oob-code", "Code", true))
                        button type="submit" { "Continue" }
                    }
                } @else if totp {
                    form method="post" action="/login/mfa" {
                        (hidden(html! { input type="hidden" name="method" value="totp"; }))
                        (code_input("totp-code", "Code from your authenticator app", true))
                        button type="submit" { "Continue" }
                    }
                }
                @for f in factors.iter().filter(|f| matches!(f.method, Method::OobEmail | Method::OobSms)) {
                    @if sent_to.is_none_or(|s| s.id != f.id) {
                        form method="post" action="/login/mfa/send" {
                            (hidden(html! { input type="hidden" name="authenticator" value=(f.id); }))
                            button.secondary type="submit" { (factor_label(f)) }
                        }
                    }
                }
                @if recovery {
                    details {
                        summary { "Use a recovery code" }
                        form method="post" action="/login/mfa" {
                            (hidden(html! { input type="hidden" name="method" value="recovery"; }))
                            (code_input("recovery-code", "Recovery code", false))
                            button.secondary type="submit" { "Use this recovery code" }
                        }
                    }
                }
            };
            ("Two-step verification", body)
        }
        View::Enrol { secret, account } => {
            let body = html! {
                p { "This account must use two-step verification. " (SCAN) }
                @if let Some(e) = error { p.error role="alert" id="mfa-error" { (e) } }
                (totp_key(ctx, secret, account))
                form method="post" action="/login/mfa/enrol" {
                    (hidden(html! {}))
                    (code_input("totp-code", "Code from your authenticator app", true))
                    button type="submit" { "Turn on two-step verification" }
                }
            };
            ("Set up two-step verification", body)
        }
        View::RecoveryCodes { codes } => {
            let body = html! {
                (recovery_codes(codes))
                form method="post" action="/login/mfa/continue" {
                    (hidden(html! {}))
                    button type="submit" { "I have saved my recovery codes" }
                }
            };
            ("Save your recovery codes", body)
        }
    };
    let response = pages::flow_page(
        status,
        &ctx.tenant.project,
        title,
        body,
        authz.map(|a| a.redirect_uri.as_str()),
    );
    with_cookies(response, set_cookie.into_iter().collect())
}

/// How to set up an authenticator app.
pub(crate) const SCAN: &str = "Scan this code with an authenticator app (such as Google \
    Authenticator, 1Password or Authy), then enter the 6-digit code it shows.";

/// The key of an authenticator app being set up: a QR code of its
/// `otpauth://` URI, and the key as text.
pub(crate) fn totp_key(ctx: &Ctx, secret: &[u8], account: &str) -> Markup {
    let uri = totp::uri(secret, &ctx.tenant.project, account);
    html! {
        (qr::svg(&uri))
        p { "Or enter this key: " code id="totp-secret" { (totp::secret_text(secret)) } }
    }
}

/// The list of recovery codes with what they are for.
pub(crate) fn recovery_codes(codes: &[String]) -> Markup {
    html! {
        p { "If you lose your phone, each of these codes lets you sign in once. Keep them somewhere safe: they are shown only now." }
        ul.codes id="recovery-codes" {
            @for c in codes { li { code { (c[..5]) "-" (c[5..]) } } }
        }
    }
}

/// A posted second-step form: its fields, the authorize request and the
/// live challenge.
struct Posted {
    form: Params,
    authz: Option<AuthzRequest>,
    token: String,
    user: User,
    /// Set once the challenge's factor was proven (enrolment done).
    passed_amr: Option<String>,
}

async fn posted(state: &SigninState, ctx: &Ctx, body: &Bytes) -> Result<Posted, Response> {
    let form = Params::parse(std::str::from_utf8(body).unwrap_or_default());
    let project = ctx.tenant.project.as_str();
    let authz = if form.get("client_id").is_some() {
        Some(
            validate(state, project, &form)
                .await
                .map_err(IntoResponse::into_response)?,
        )
    } else {
        None
    };
    if !csrf::check(ctx, form.get("csrf")) {
        return Err(pages::message(
            StatusCode::FORBIDDEN,
            project,
            "This page has expired",
            "For your security the form could not be accepted. Go back, reload the page and try again.",
        ));
    }
    let token = form.get("challenge").unwrap_or_default().to_owned();
    let found = async {
        let mut tx = state.store().begin_read().await?;
        let challenge = mfa::challenge(&mut tx, project, &token, state.now_micros()).await?;
        let user = match &challenge {
            Some(c) => tx.user(project, &c.user_id).await?,
            None => None,
        };
        tx.commit().await?;
        Ok::<_, DoorError>(challenge.zip(user))
    };
    match found.await {
        Ok(Some((challenge, user))) => Ok(Posted {
            form,
            authz,
            token,
            user,
            passed_amr: challenge.amr,
        }),
        Ok(None) => Err(pages::message(
            StatusCode::GONE,
            project,
            "Sign in again",
            "This sign-in took too long or was already completed. Sign in again.",
        )),
        Err(e) => Err(e.into_response()),
    }
}

/// Finish the sign-in of a proven challenge: used up once, then the
/// session and the client's code.
/// The caller commits (whatever the answer: a closed challenge stays
/// closed).
async fn finish(
    tx: &mut Tx,
    state: &SigninState,
    ctx: &Ctx,
    p: &Posted,
    amr: &[&str],
) -> Result<Response, DoorError> {
    let project = ctx.tenant.project.as_str();
    if !mfa::close_challenge(tx, project, &p.token).await? {
        return Ok(pages::message(
            StatusCode::GONE,
            project,
            "Sign in again",
            "This sign-in was already completed. Sign in again.",
        ));
    }
    // The account may have been disabled while the user typed the code.
    if let Err(refusal) = keyward_accounts::status::may_sign_in(&p.user, state.now_micros()) {
        return Ok(pages::message(
            StatusCode::FORBIDDEN,
            project,
            "Account unavailable",
            &pages::refusal_text(&refusal),
        ));
    }
    let response = complete(tx, state, ctx, p.authz.as_ref(), &p.user, amr).await?;
    Ok(error::no_store(response))
}

/// [`finish`] in a transaction of its own.
async fn finish_alone(state: &SigninState, ctx: &Ctx, p: &Posted, amr: &[&str]) -> Response {
    let done = async {
        let mut tx = state.store().begin().await?;
        let response = finish(&mut tx, state, ctx, p, amr).await?;
        tx.commit().await?;
        Ok::<_, DoorError>(response)
    };
    done.await.unwrap_or_else(IntoResponse::into_response)
}

/// The Verify view again, with the user's factors as they are now.
async fn verify_again(
    state: &SigninState,
    ctx: &Ctx,
    p: &Posted,
    sent_to: Option<&str>,
    error: Option<&str>,
    status: StatusCode,
) -> Response {
    let step = async {
        let mut tx = state.store().begin_read().await?;
        let step =
            mfa::second_step(&mut tx, &ctx.tenant.project, &p.user.id, state.now_micros()).await?;
        tx.commit().await?;
        Ok::<_, DoorError>(step)
    };
    match step.await {
        Ok(SecondStep::Verify { factors, recovery }) => {
            let sent = sent_to.and_then(|id| factors.iter().find(|f| f.id == id));
            let view = View::Verify {
                factors: &factors,
                recovery,
                sent_to: sent,
            };
            render(ctx, p.authz.as_ref(), &p.token, view, error, status)
        }
        // The factors changed under the user (an administrator removed
        // them): start over.
        Ok(_) => pages::message(
            StatusCode::CONFLICT,
            &ctx.tenant.project,
            "Sign in again",
            "Your account's two-step verification changed. Sign in again.",
        ),
        Err(e) => e.into_response(),
    }
}

fn locked(state: &SigninState, project: &str, until: i64) -> Response {
    crate::authorize::locked_page(state, project, until)
}

/// `POST /login/mfa`: answer with a TOTP, emailed/texted or recovery code.
pub async fn answer(State(state): State<SigninState>, ctx: Ctx, body: Bytes) -> Response {
    let p = match posted(&state, &ctx, &body).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let project = ctx.tenant.project.clone();
    if !state
        .throttle()
        .allows(&project, &ctx.device.ip, &p.user.id)
        .await
    {
        return pages::too_many_attempts(&project);
    }
    let code = p.form.get("code").unwrap_or_default().trim();
    let authenticator = p.form.get("authenticator").unwrap_or_default();
    let answer = match p.form.get("method").unwrap_or_default() {
        "totp" => Answer::Totp(code),
        "recovery" => Answer::Recovery(code),
        _ => Answer::Oob {
            authenticator,
            code,
        },
    };
    let actor = Actor {
        project: project.clone(),
        now: state.now_micros(),
        by: ctx.initiator(p.authz.as_ref().map(|a| a.client.client_id.as_str())),
    };
    // One transaction: a right code is spent exactly when the sign-in
    // completes; a wrong one is counted and audited.
    let checked = async {
        let mut tx = state.store().begin().await?;
        let checked = match mfa::check(&mut tx, &actor, state.master()?, &p.user.id, answer).await?
        {
            Checked::Right(amr) => Ok(finish(&mut tx, &state, &ctx, &p, &amr).await?),
            wrong_or_locked => Err(wrong_or_locked),
        };
        tx.commit().await?;
        Ok::<_, DoorError>(checked)
    };
    match checked.await {
        Ok(Ok(done)) => done,
        Ok(Err(Checked::Locked { until })) => {
            state
                .throttle()
                .fail(&project, &ctx.device.ip, &p.user.id)
                .await;
            locked(&state, &project, until)
        }
        Ok(Err(_)) => {
            state
                .throttle()
                .fail(&project, &ctx.device.ip, &p.user.id)
                .await;
            let sent_to = matches!(answer, Answer::Oob { .. }).then_some(authenticator);
            verify_again(
                &state,
                &ctx,
                &p,
                sent_to,
                Some("That code is not right, or was already used. Try again."),
                StatusCode::UNAUTHORIZED,
            )
            .await
        }
        Err(e) => e.into_response(),
    }
}

/// `POST /login/mfa/send`: email or text a sign-in code.
pub async fn send(State(state): State<SigninState>, ctx: Ctx, body: Bytes) -> Response {
    let p = match posted(&state, &ctx, &body).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let project = ctx.tenant.project.clone();
    let authenticator = p.form.get("authenticator").unwrap_or_default().to_owned();
    let sent = async {
        let transports = state.transports(&project).await?;
        let mut tx = state.store().begin().await?;
        let sent = mfa::send_code(
            &mut tx,
            &project,
            &p.user.id,
            &authenticator,
            transports,
            state.now(),
        )
        .await?;
        tx.commit().await?;
        Ok::<_, DoorError>(sent)
    };
    match sent.await {
        Ok(Sent::Queued) => {
            verify_again(&state, &ctx, &p, Some(&authenticator), None, StatusCode::OK).await
        }
        Ok(Sent::RateLimited) => {
            verify_again(
                &state,
                &ctx,
                &p,
                None,
                Some("Too many codes were sent. Use another way, or try again in an hour."),
                StatusCode::TOO_MANY_REQUESTS,
            )
            .await
        }
        Ok(Sent::Unavailable) => {
            verify_again(
                &state,
                &ctx,
                &p,
                None,
                Some("A code cannot be sent there. Use another way."),
                StatusCode::BAD_REQUEST,
            )
            .await
        }
        Err(e) => e.into_response(),
    }
}

/// `POST /login/mfa/enrol`: confirm the authenticator app set up during
/// the grace period.
pub async fn enrol(State(state): State<SigninState>, ctx: Ctx, body: Bytes) -> Response {
    let p = match posted(&state, &ctx, &body).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let project = ctx.tenant.project.clone();
    if !state
        .throttle()
        .allows(&project, &ctx.device.ip, &p.user.id)
        .await
    {
        return pages::too_many_attempts(&project);
    }
    let actor = Actor {
        project: project.clone(),
        now: state.now_micros(),
        by: ctx.initiator(p.authz.as_ref().map(|a| a.client.client_id.as_str())),
    };
    let code = p.form.get("code").unwrap_or_default().trim().to_owned();
    let result = async {
        let master = state.master()?;
        let mut tx = state.store().begin().await?;
        let enrolled = mfa::confirm_totp(&mut tx, &actor, master, &p.user.id, &code, "").await?;
        let secret = match enrolled {
            Enrolled::Done(_) => {
                mfa::pass_challenge(&mut tx, &project, &p.token, &mfa::amr_with(Method::Totp))
                    .await?;
                None
            }
            Enrolled::WrongCode => {
                mfa::pending_totp(&mut tx, &project, &p.user.id, master, actor.now).await?
            }
        };
        let account = account_name(&mut tx, &project, &p.user.id).await?;
        tx.commit().await?;
        Ok::<_, DoorError>((enrolled, secret, account))
    };
    match result.await {
        Ok((Enrolled::Done(Some(codes)), _, _)) => render(
            &ctx,
            p.authz.as_ref(),
            &p.token,
            View::RecoveryCodes { codes: &codes },
            None,
            StatusCode::OK,
        ),
        Ok((Enrolled::Done(None), _, _)) => {
            finish_alone(&state, &ctx, &p, &mfa::amr_with(Method::Totp)).await
        }
        Ok((Enrolled::WrongCode, Some(secret), account)) => {
            state
                .throttle()
                .fail(&project, &ctx.device.ip, &p.user.id)
                .await;
            render(
                &ctx,
                p.authz.as_ref(),
                &p.token,
                View::Enrol {
                    secret: &secret,
                    account: &account,
                },
                Some("That code is not right. Check the time on your phone and try again."),
                StatusCode::UNAUTHORIZED,
            )
        }
        Ok((Enrolled::WrongCode, None, _)) => pages::message(
            StatusCode::GONE,
            &project,
            "Sign in again",
            "Setting up took too long. Sign in again to start over.",
        ),
        Err(e) => e.into_response(),
    }
}

/// `POST /login/mfa/continue`: after the recovery codes were shown.
pub async fn proceed(State(state): State<SigninState>, ctx: Ctx, body: Bytes) -> Response {
    let p = match posted(&state, &ctx, &body).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let Some(amr) = p.passed_amr.clone() else {
        return pages::message(
            StatusCode::FORBIDDEN,
            &ctx.tenant.project,
            "Sign in again",
            "Two-step verification was not completed. Sign in again.",
        );
    };
    let amr: Vec<&str> = amr.split(' ').collect();
    finish_alone(&state, &ctx, &p, &amr).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_show_little() {
        assert_eq!(mask("ana@example.com"), "a•••@example.com");
        assert_eq!(mask("+447911123456"), "+44•••56");
        assert_eq!(mask("+4479"), "•••");
    }
}
