//! Second factors: which a sign-in needs after the password (the project's
//! [`MfaPolicy`], the user's factors, an MFA grace period), proving one
//! (TOTP, a recovery code, a one-time code by email or SMS), enrolling TOTP
//! with a fresh set of recovery codes, and the Admin API's rules for
//! creating and deleting authenticators and setting grace periods.
//!
//! Rules a careful reader should know:
//! - A TOTP code is accepted once: the step it matched is stored and only
//!   later steps are accepted afterwards (a replayed code fails).
//! - A recovery code is spent by one conditional write, so two concurrent
//!   uses cannot both succeed.
//! - Wrong second factors count toward the account's lockout, like wrong
//!   passwords, and are audited (`authentication.secondary.*.failed`).
//! - Under a `required` policy a user without a factor signs in only during
//!   an MFA grace period the Admin API set (and is sent to enrol); outside
//!   it the sign-in is refused. keyward does not let a password alone enrol
//!   a factor on an account that requires one: whoever stole the password
//!   would enrol theirs.

use keyward_store::{Authenticator, LockoutSettings, MasterKey, MfaPolicy, Tx, User};
use serde_json::{Value, json};

use crate::activity::ActivityType;
use crate::audit::{self, Actor, AuditEvent, user_snapshot};
use crate::error::{AccountsError, Result};
use crate::loginid::{self, LoginIdType};
use crate::messages::{self, Channel, Message, Queued, Transports};
use crate::otp::{self, Purpose};
use crate::records::insert_password;
use crate::records::load as load_user;
use crate::signin::PASSWORD_AMR;
use crate::{clock, lockout, secret, totp};

/// Recovery codes in a set (Authgear's count).
pub const RECOVERY_CODES: usize = 16;
/// How long a sign-in may wait for its second factor, microseconds.
pub const CHALLENGE_LIFETIME_MICROS: i64 = 10 * 60 * 1_000_000;
/// How long a shown TOTP secret may wait for its first code, microseconds.
pub const ENROLMENT_LIFETIME_MICROS: i64 = 15 * 60 * 1_000_000;
/// The longest MFA grace period the Admin API may set, microseconds.
pub const MAX_GRACE_MICROS: i64 = 90 * crate::status::DAY_MICROS;

/// A kind of second factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// An authenticator app's code.
    Totp,
    /// One of the user's recovery codes.
    RecoveryCode,
    /// A code sent by email.
    OobEmail,
    /// A code sent by SMS.
    OobSms,
}

impl Method {
    /// The audit activity of a wrong one.
    pub fn failed_activity(self) -> ActivityType {
        match self {
            Method::Totp => ActivityType::AuthenticationSecondaryTotpFailed,
            Method::RecoveryCode => ActivityType::AuthenticationSecondaryRecoveryCodeFailed,
            Method::OobEmail => ActivityType::AuthenticationSecondaryOobOtpEmailFailed,
            Method::OobSms => ActivityType::AuthenticationSecondaryOobOtpSmsFailed,
        }
    }

    /// Its `amr` values (RFC 8176, with Authgear's `x_` ones).
    fn amr(self) -> &'static [&'static str] {
        match self {
            Method::Totp => &["otp", "x_secondary_totp"],
            Method::RecoveryCode => &["x_recovery_code"],
            Method::OobEmail => &["otp", "x_secondary_oob_otp_email"],
            Method::OobSms => &["otp", "sms", "x_secondary_oob_otp_sms"],
        }
    }

    fn of(a: &Authenticator) -> Option<Method> {
        match a.kind_of.as_str() {
            "totp" => Some(Method::Totp),
            "oob_otp_email" => Some(Method::OobEmail),
            "oob_otp_sms" => Some(Method::OobSms),
            _ => None,
        }
    }
}

/// The `amr` of a password sign-in completed with `method`: sorted,
/// unique, with `mfa`.
pub fn amr_with(method: Method) -> Vec<&'static str> {
    let mut amr: Vec<&str> = PASSWORD_AMR.to_vec();
    amr.extend_from_slice(method.amr());
    amr.push("mfa");
    amr.sort_unstable();
    amr.dedup();
    amr
}

/// A second factor a user can answer with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Factor {
    /// The authenticator's ID.
    pub id: String,
    /// Which kind.
    pub method: Method,
    /// Where a code goes (email, phone), for "send a code to …".
    pub target: Option<String>,
}

/// What a sign-in needs after a right password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecondStep {
    /// Nothing: sign in.
    None,
    /// One of these factors (or a recovery code, when some are left).
    Verify {
        /// The user's second factors, oldest first.
        factors: Vec<Factor>,
        /// Whether unused recovery codes are left.
        recovery: bool,
    },
    /// The policy requires a factor, the user has none and is in a grace
    /// period: enrol TOTP to finish signing in.
    Enrol,
    /// The policy requires a factor the user does not have, and no grace
    /// period allows signing in without one.
    Refused,
}

fn is_second_factor(a: &Authenticator) -> bool {
    a.kind == "secondary" && Method::of(a).is_some()
}

/// What a sign-in of `user_id` needs after the password.
pub async fn second_step(
    tx: &mut Tx,
    project: &str,
    user_id: &str,
    now: i64,
) -> Result<SecondStep> {
    let policy = tx.account_settings(project).await?.mfa_policy;
    if policy == MfaPolicy::Off {
        return Ok(SecondStep::None);
    }
    let factors: Vec<Factor> = tx
        .authenticators_of(project, user_id)
        .await?
        .into_iter()
        .filter(is_second_factor)
        .filter_map(|a| {
            Some(Factor {
                method: Method::of(&a)?,
                id: a.id,
                target: a.target,
            })
        })
        .collect();
    if !factors.is_empty() {
        let recovery = tx.recovery_codes_left(project, user_id).await? > 0;
        return Ok(SecondStep::Verify { factors, recovery });
    }
    if policy == MfaPolicy::Optional {
        return Ok(SecondStep::None);
    }
    let grace = tx.mfa_grace_period_end(project, user_id).await?;
    Ok(if grace.is_some_and(|end| end > now) {
        SecondStep::Enrol
    } else {
        SecondStep::Refused
    })
}

/// Open a challenge for `user_id`'s second factor; the token goes to the
/// browser (its digest is stored).
pub async fn open_challenge(tx: &mut Tx, project: &str, user_id: &str, now: i64) -> Result<String> {
    let token = secret::random_token()?;
    tx.insert_challenge(
        project,
        &secret::digest_hex(&token),
        user_id,
        now,
        now + CHALLENGE_LIFETIME_MICROS,
    )
    .await?;
    Ok(token)
}

/// The live challenge a token names.
pub async fn challenge(
    tx: &mut Tx,
    project: &str,
    token: &str,
    now: i64,
) -> Result<Option<keyward_store::Challenge>> {
    Ok(tx
        .challenge(project, &secret::digest_hex(token))
        .await?
        .filter(|c| c.expires_at > now))
}

/// Record that the challenge's second factor was proven.
pub async fn pass_challenge(tx: &mut Tx, project: &str, token: &str, amr: &[&str]) -> Result<()> {
    Ok(tx
        .pass_challenge(project, &secret::digest_hex(token), &amr.join(" "))
        .await?)
}

/// Use a challenge up (when the sign-in completes): `false` if it was
/// already used.
pub async fn close_challenge(tx: &mut Tx, project: &str, token: &str) -> Result<bool> {
    Ok(tx
        .take_challenge(project, &secret::digest_hex(token))
        .await?)
}

/// A second factor as typed.
#[derive(Debug, Clone, Copy)]
pub enum Answer<'a> {
    /// An authenticator app's code.
    Totp(&'a str),
    /// A recovery code.
    Recovery(&'a str),
    /// A one-time code sent to this authenticator.
    Oob {
        /// The authenticator's ID.
        authenticator: &'a str,
        /// The code.
        code: &'a str,
    },
}

impl Answer<'_> {
    fn method(&self) -> Method {
        match self {
            Answer::Totp(_) => Method::Totp,
            Answer::Recovery(_) => Method::RecoveryCode,
            // Refined once the authenticator is read.
            Answer::Oob { .. } => Method::OobEmail,
        }
    }
}

/// What checking a second factor came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Checked {
    /// Right: the sign-in may complete with this `amr`.
    Right(Vec<&'static str>),
    /// Wrong, replayed, used or expired (counted toward lockout).
    Wrong,
    /// The account is locked until then (Unix seconds).
    Locked {
        /// End of the lock.
        until: i64,
    },
}

/// Check `answer` for `user_id`. `actor.by` is the end user (its address
/// feeds per-address lockout). The caller commits whatever the outcome.
pub async fn check(
    tx: &mut Tx,
    actor: &Actor,
    master: &MasterKey,
    user_id: &str,
    answer: Answer<'_>,
) -> Result<Checked> {
    let project = actor.project.as_str();
    let now_secs = actor.now.div_euclid(1_000_000);
    let settings = tx.lockout_settings(project).await?;
    let ip = crate::signin::address_of(actor);
    if let Some(until) =
        lockout::locked_until(tx, project, &settings, user_id, &ip, now_secs).await?
    {
        return Ok(Checked::Locked { until });
    }
    let mut method = answer.method();
    let right = match answer {
        Answer::Totp(code) => {
            let mut right = false;
            for a in tx.authenticators_of(project, user_id).await? {
                if a.kind_of != "totp" || a.kind != "secondary" {
                    continue;
                }
                let Some((secret, _)) = tx.totp_secret(project, &a, master).await? else {
                    continue;
                };
                if let Some(step) = totp::verify(&secret, code, now_secs)
                    && tx.use_totp_step(project, &a.id, step).await?
                {
                    right = true;
                    break;
                }
            }
            right
        }
        Answer::Recovery(code) => {
            let hash = secret::digest_hex(&normalize_recovery_code(code));
            tx.use_recovery_code(project, user_id, &hash, actor.now)
                .await?
        }
        Answer::Oob {
            authenticator,
            code,
        } => match tx.authenticator(project, authenticator).await? {
            Some(a) if a.user_id == user_id && is_second_factor(&a) && a.kind_of != "totp" => {
                method = Method::of(&a).unwrap_or(Method::OobEmail);
                let target = a.target.unwrap_or_default();
                otp::check(tx, project, Purpose::Login, &target, code, now_secs).await?
            }
            _ => false,
        },
    };
    if right {
        lockout::record_success(tx, project, &settings, user_id, &ip).await?;
        return Ok(Checked::Right(amr_with(method)));
    }
    failed(tx, actor, &settings, user_id, &ip, method).await
}

async fn failed(
    tx: &mut Tx,
    actor: &Actor,
    settings: &LockoutSettings,
    user_id: &str,
    ip: &str,
    method: Method,
) -> Result<Checked> {
    audit::record(
        tx,
        actor,
        Some(user_id),
        AuditEvent::SecondFactorFailed { method },
    )
    .await?;
    let now_secs = actor.now.div_euclid(1_000_000);
    Ok(
        match lockout::record_failure(tx, &actor.project, settings, user_id, ip, now_secs).await? {
            Some(until) => Checked::Locked { until },
            None => Checked::Wrong,
        },
    )
}

/// What sending a sign-in code came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sent {
    /// Queued.
    Queued,
    /// Not the user's code authenticator, or keyward cannot reach it.
    Unavailable,
    /// A rate limit was reached.
    RateLimited,
}

/// Send a sign-in code to one of `user_id`'s code authenticators.
pub async fn send_code(
    tx: &mut Tx,
    project: &str,
    user_id: &str,
    authenticator: &str,
    transports: Transports,
    now_secs: i64,
) -> Result<Sent> {
    let Some(a) = tx.authenticator(project, authenticator).await? else {
        return Ok(Sent::Unavailable);
    };
    let channel = match Method::of(&a) {
        Some(Method::OobEmail) if transports.email => Channel::Email,
        Some(Method::OobSms) if transports.sms => Channel::Sms,
        _ => return Ok(Sent::Unavailable),
    };
    let (true, Some(target)) = (a.user_id == user_id && is_second_factor(&a), a.target) else {
        return Ok(Sent::Unavailable);
    };
    let code = otp::issue(tx, project, Purpose::Login, &target, now_secs).await?;
    let message = Message::LoginCode {
        code: &code,
        minutes: otp::LIFETIME_SECS / 60,
    };
    Ok(
        match messages::queue(tx, project, channel, &target, message, now_secs).await? {
            Queued::Yes(_) => Sent::Queued,
            Queued::RateLimited => Sent::RateLimited,
        },
    )
}

/// Recovery codes as typed: case, spaces and dashes do not matter.
fn normalize_recovery_code(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// A new set of [`RECOVERY_CODES`] codes for `user_id`, replacing any
/// earlier set; the codes are returned once (only digests are stored).
pub async fn new_recovery_codes(
    tx: &mut Tx,
    project: &str,
    user_id: &str,
    now: i64,
) -> Result<Vec<String>> {
    let mut codes = Vec::with_capacity(RECOVERY_CODES);
    for _ in 0..RECOVERY_CODES {
        // 10 characters of Crockford-like base32: 50 bits each.
        let mut bytes = [0u8; 10];
        aws_lc_rs::rand::fill(&mut bytes)
            .map_err(|_| AccountsError::Internal("no randomness".into()))?;
        const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
        codes.push(
            bytes
                .iter()
                .map(|b| char::from(ALPHABET[usize::from(b & 31)]))
                .collect::<String>(),
        );
    }
    let hashes: Vec<String> = codes.iter().map(|c| secret::digest_hex(c)).collect();
    tx.replace_recovery_codes(project, user_id, &hashes, now)
        .await?;
    Ok(codes)
}

/// Start enrolling TOTP: a fresh secret, remembered (sealed) until
/// confirmed, returned to be shown as a QR code and as text.
pub async fn begin_totp(
    tx: &mut Tx,
    project: &str,
    user_id: &str,
    master: &MasterKey,
    now: i64,
) -> Result<Vec<u8>> {
    let secret =
        totp::new_secret().ok_or_else(|| AccountsError::Internal("no randomness".into()))?;
    tx.put_totp_enrolment(project, user_id, master, &secret, now)
        .await?;
    Ok(secret.to_vec())
}

/// The secret of a live enrolment, to show it again.
pub async fn pending_totp(
    tx: &mut Tx,
    project: &str,
    user_id: &str,
    master: &MasterKey,
    now: i64,
) -> Result<Option<Vec<u8>>> {
    Ok(tx
        .totp_enrolment(project, user_id, master)
        .await?
        .filter(|(_, at)| now - at < ENROLMENT_LIFETIME_MICROS)
        .map(|(secret, _)| secret.to_vec()))
}

/// What confirming a TOTP enrolment came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Enrolled {
    /// Enrolled; recovery codes to show once when this is the user's
    /// first second factor (`None`: the existing set still holds).
    Done(Option<Vec<String>>),
    /// The code was not the secret's (or the enrolment expired).
    WrongCode,
}

/// Confirm the pending TOTP secret of `user_id` with a code from the app.
pub async fn confirm_totp(
    tx: &mut Tx,
    actor: &Actor,
    master: &MasterKey,
    user_id: &str,
    code: &str,
    display_name: &str,
) -> Result<Enrolled> {
    let project = actor.project.as_str();
    let Some(secret) = pending_totp(tx, project, user_id, master, actor.now).await? else {
        return Ok(Enrolled::WrongCode);
    };
    let Some(step) = totp::verify(&secret, code, actor.now.div_euclid(1_000_000)) else {
        return Ok(Enrolled::WrongCode);
    };
    let had_factor = tx
        .authenticators_of(project, user_id)
        .await?
        .iter()
        .any(is_second_factor);
    let name: String = display_name.trim().chars().take(64).collect();
    let a = Authenticator {
        id: uuid::Uuid::new_v4().to_string(),
        user_id: user_id.to_owned(),
        kind_of: "totp".into(),
        kind: "secondary".into(),
        target: None,
        display_name: Some(if name.is_empty() {
            "Authenticator app".into()
        } else {
            name
        }),
        password_hash: None,
        is_default: !had_factor,
        created_at: actor.now,
        updated_at: actor.now,
    };
    tx.insert_authenticator(project, &a, Some((master, &secret)))
        .await?;
    // The code that confirmed the secret is spent like any other.
    tx.use_totp_step(project, &a.id, step).await?;
    tx.delete_totp_enrolment(project, user_id).await?;
    let codes = if had_factor && tx.recovery_codes_left(project, user_id).await? > 0 {
        None
    } else {
        Some(new_recovery_codes(tx, project, user_id, actor.now).await?)
    };
    Ok(Enrolled::Done(codes))
}

/// A user's second factors (TOTP and code authenticators), oldest first.
pub async fn factors_of(tx: &mut Tx, project: &str, user_id: &str) -> Result<Vec<Authenticator>> {
    let mut all = tx.authenticators_of(project, user_id).await?;
    all.retain(is_second_factor);
    Ok(all)
}

/// A user removes one of their own second factors (the account page).
/// The last one cannot go while the policy requires one.
pub async fn remove_own(tx: &mut Tx, project: &str, user_id: &str, id: &str) -> Result<()> {
    let Some(a) = tx.authenticator(project, id).await? else {
        return Err(AccountsError::AuthenticatorNotFound);
    };
    if a.user_id != user_id || !is_second_factor(&a) {
        return Err(AccountsError::AuthenticatorNotFound);
    }
    let others = tx
        .authenticators_of(project, user_id)
        .await?
        .into_iter()
        .filter(|o| o.id != a.id && is_second_factor(o))
        .count();
    if others == 0 && tx.account_settings(project).await?.mfa_policy == MfaPolicy::Required {
        return Err(AccountsError::InvariantViolated {
            kind: "RemoveLastSecondaryAuthenticator",
            message: "cannot remove last secondary authenticator",
        });
    }
    tx.delete_authenticator(project, id).await?;
    forget_recovery_codes_if_no_factor(tx, project, user_id).await
}

async fn forget_recovery_codes_if_no_factor(
    tx: &mut Tx,
    project: &str,
    user_id: &str,
) -> Result<()> {
    let left = tx
        .authenticators_of(project, user_id)
        .await?
        .iter()
        .any(is_second_factor);
    if !left {
        tx.delete_recovery_codes(project, user_id).await?;
    }
    Ok(())
}

/// The Admin API's view of an authenticator, for the audit log.
pub fn authenticator_json(a: &Authenticator) -> Value {
    json!({
        "id": a.id,
        "created_at": clock::rfc3339(a.created_at),
        "updated_at": clock::rfc3339(a.updated_at),
        "user_id": a.user_id,
        "type": a.kind_of,
        "is_default": a.is_default,
        "kind": a.kind,
    })
}

/// What `createAuthenticator` creates.
#[derive(Debug, Clone)]
pub enum Definition {
    /// A password (already policy-checked and hashed by the caller).
    Password {
        /// argon2id PHC string.
        hash: String,
    },
    /// One-time codes by email to this address.
    OobEmail(String),
    /// One-time codes by SMS to this number.
    OobSms(String),
}

fn invalid_target(format: &str) -> AccountsError {
    AccountsError::validation(
        "invalid target",
        vec![json!({"location": "", "kind": "format", "details": {"format": format}})],
    )
}

fn duplicated(kind_of: &'static str) -> AccountsError {
    AccountsError::DuplicatedAuthenticator { kind_of }
}

/// `createAuthenticator`: a password or a code authenticator of either
/// kind, checked for duplicates. Returns the authenticator (a primary
/// password is reported with its own ID).
pub async fn create_by_admin(
    tx: &mut Tx,
    actor: &Actor,
    user_id: &str,
    primary: bool,
    definition: Definition,
) -> Result<Authenticator> {
    let project = actor.project.as_str();
    let user = load_user(tx, project, user_id).await?;
    if user.is_anonymized {
        return Err(AccountsError::UserIsAnonymized);
    }
    let kind = if primary { "primary" } else { "secondary" };
    let existing = tx.authenticators_of(project, user_id).await?;
    let (kind_of, target, hash) = match definition {
        Definition::Password { hash } => {
            let taken = if primary {
                !tx.passwords_of(project, user_id).await?.is_empty()
            } else {
                existing
                    .iter()
                    .any(|a| a.kind_of == "password" && a.kind == kind)
            };
            if taken {
                return Err(duplicated("password"));
            }
            ("password", None, Some(hash))
        }
        Definition::OobEmail(email) => {
            let checked =
                loginid::check(LoginIdType::Email, &email).map_err(|_| invalid_target("email"))?;
            ("oob_otp_email", Some(checked.normalized), None)
        }
        Definition::OobSms(phone) => {
            let checked =
                loginid::check(LoginIdType::Phone, &phone).map_err(|_| invalid_target("phone"))?;
            ("oob_otp_sms", Some(checked.normalized), None)
        }
    };
    if target.is_some()
        && existing
            .iter()
            .any(|a| a.kind_of == kind_of && a.kind == kind && a.target == target)
    {
        return Err(duplicated(kind_of));
    }
    let a = if primary && kind_of == "password" {
        insert_password(tx, actor, user_id, hash.unwrap_or_default(), false).await?;
        let stored = tx
            .passwords_of(project, user_id)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| AccountsError::Internal("password not stored".into()))?;
        Authenticator::primary_password(&stored)
    } else {
        let a = Authenticator {
            id: uuid::Uuid::new_v4().to_string(),
            user_id: user_id.to_owned(),
            kind_of: kind_of.into(),
            kind: kind.into(),
            target,
            display_name: None,
            password_hash: hash,
            is_default: false,
            created_at: actor.now,
            updated_at: actor.now,
        };
        tx.insert_authenticator(project, &a, None).await?;
        a
    };
    let event = AuditEvent::CreateAuthenticator {
        user: user_snapshot(&user),
        authenticator: authenticator_json(&a),
    };
    audit::record(tx, actor, Some(user_id), event).await?;
    Ok(a)
}

/// `deleteAuthenticator`: any authenticator, even a user's last (the Admin
/// API skips the end-user checks); with no second factor left, the user's
/// recovery codes go too. Returns the owner.
pub async fn delete_by_admin(tx: &mut Tx, actor: &Actor, id: &str) -> Result<User> {
    let project = actor.project.as_str();
    let a = match tx.authenticator(project, id).await? {
        Some(a) => {
            tx.delete_authenticator(project, id).await?;
            a
        }
        None => {
            let p = tx
                .password(project, id)
                .await?
                .ok_or(AccountsError::AuthenticatorNotFound)?;
            tx.delete_password(project, id).await?;
            Authenticator::primary_password(&p)
        }
    };
    forget_recovery_codes_if_no_factor(tx, project, &a.user_id).await?;
    let user = load_user(tx, project, &a.user_id).await?;
    let event = AuditEvent::DeleteAuthenticator {
        user: user_snapshot(&user),
        authenticator: authenticator_json(&a),
    };
    audit::record(tx, actor, Some(&a.user_id), event).await?;
    Ok(user)
}

/// `setMFAGracePeriod` (`Some`) / `removeMFAGracePeriod` (`None`): no audit
/// entry and `updatedAt` untouched, as in Authgear.
pub async fn set_grace_period(
    tx: &mut Tx,
    actor: &Actor,
    user_id: &str,
    end: Option<i64>,
) -> Result<User> {
    let project = actor.project.as_str();
    let user = load_user(tx, project, user_id).await?;
    if user.is_anonymized {
        return Err(AccountsError::UserIsAnonymized);
    }
    if let Some(end) = end
        && (end < actor.now || end > actor.now + MAX_GRACE_MICROS)
    {
        return Err(AccountsError::MfaGracePeriodInvalid);
    }
    tx.set_mfa_grace_period_end(project, user_id, end).await?;
    Ok(user)
}

/// `generateOOBOTPCode`: a code for `target` that the user can enter at
/// sign-in (`Login`) or to verify an address (`Verification`). Nothing is
/// sent and the code is not audited.
pub async fn code_for_support(
    tx: &mut Tx,
    actor: &Actor,
    target: &str,
    purpose: Purpose,
) -> Result<String> {
    let code = otp::issue(
        tx,
        &actor.project,
        purpose,
        target,
        actor.now.div_euclid(1_000_000),
    )
    .await?;
    let event = AuditEvent::GenerateOobOtpCode {
        target: target.to_owned(),
        purpose: purpose.as_str(),
    };
    audit::record(tx, actor, None, event).await?;
    Ok(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amr_is_sorted_unique_and_says_mfa() {
        assert_eq!(
            amr_with(Method::Totp),
            [
                "mfa",
                "otp",
                "pwd",
                "x_primary_password",
                "x_secondary_totp"
            ]
        );
        assert_eq!(
            amr_with(Method::RecoveryCode),
            ["mfa", "pwd", "x_primary_password", "x_recovery_code"]
        );
    }

    #[test]
    fn recovery_codes_are_typed_loosely() {
        assert_eq!(normalize_recovery_code(" ab12-cd34 ef "), "AB12CD34EF");
    }
}
