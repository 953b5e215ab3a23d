//! Signing in with a login ID and a password: the one place that decides
//! whether a credential is accepted. It finds the login ID, checks the lock,
//! verifies the password (argon2id, or bcrypt for imported users, then
//! rehashed), asks [`status::may_sign_in`], counts failures for lockout,
//! sets `lastLoginAt` and writes the audit entries. The door renders the
//! [`Outcome`]; it has no rules of its own.
//!
//! An unknown login ID and a wrong password give the same outcome and the
//! same work (a password verification against a dummy hash), so the answer
//! does not tell whether an account exists.

use keyward_store::{LockoutSettings, Tx, User};

use crate::audit::{self, Actor, AuditEvent, Initiator, user_snapshot};
use crate::error::AccountsError;
use crate::lockout;
use crate::loginid::{self, LoginIdType};
use crate::password::{self, HashCost};
use crate::sessions::Device;
use crate::status::{self, SignInRefusal};

/// The `amr` of a password sign-in.
pub const PASSWORD_AMR: [&str; 2] = ["pwd", "x_primary_password"];

/// What a sign-in attempt came to.
#[derive(Debug)]
pub enum Outcome {
    /// The credential is right and the account may sign in.
    SignedIn(Box<User>),
    /// Unknown login ID or wrong password (indistinguishable on purpose).
    InvalidCredentials,
    /// Too many failures: every attempt fails until then (Unix seconds).
    Locked {
        /// End of the lock.
        until: i64,
    },
    /// The credential is right but the account may not sign in.
    Blocked(SignInRefusal),
}

/// The user a login ID (email, phone or username, as typed) names.
pub async fn find_login(
    tx: &mut Tx,
    project: &str,
    login_id: &str,
) -> Result<Option<User>, AccountsError> {
    for kind in [
        LoginIdType::Email,
        LoginIdType::Phone,
        LoginIdType::Username,
    ] {
        let Some(key) = loginid::lookup_key(kind, login_id) else {
            continue;
        };
        if let Some(identity) = tx.identity_by_unique_key(project, &key).await? {
            return Ok(tx.user(project, &identity.user_id).await?);
        }
    }
    Ok(None)
}

/// Try `password` for `login_id`. `actor.by` must be
/// [`Initiator::EndUser`] (its address feeds per-address lockout). The
/// caller commits the transaction whatever the outcome: failures are
/// counted and audited.
pub async fn with_password(
    tx: &mut Tx,
    actor: &Actor,
    login_id: &str,
    password: String,
    cost: HashCost,
) -> Result<Outcome, AccountsError> {
    let project = actor.project.as_str();
    let now_secs = actor.now.div_euclid(1_000_000);
    let device = device_of(actor);
    let user = find_login(tx, project, login_id).await?;
    let settings = tx.lockout_settings(project).await?;
    let stored = match &user {
        Some(u) => tx.passwords_of(project, &u.id).await?.into_iter().next(),
        None => None,
    };
    if let Some(u) = &user
        && let Some(until) =
            lockout::locked_until(tx, project, &settings, &u.id, &device.ip, now_secs).await?
    {
        return Ok(Outcome::Locked { until });
    }
    let ok = password::verify(
        stored.as_ref().map(|p| p.password_hash.clone()),
        password.clone(),
    )
    .await;
    let (Some(mut user), Some(mut stored), true) = (user.clone(), stored, ok) else {
        return failed(
            tx,
            actor,
            &settings,
            login_id,
            user.as_ref(),
            &device,
            now_secs,
        )
        .await;
    };
    lockout::record_success(tx, project, &settings, &user.id, &device.ip).await?;
    if password::needs_rehash(&stored.password_hash, cost) {
        stored.password_hash = password::hash(password, cost).await?;
        stored.updated_at = actor.now;
        tx.save_password(project, &stored).await?;
    }
    if let Err(refusal) = status::may_sign_in(&user, actor.now) {
        let event = AuditEvent::AuthenticationBlocked {
            reason: refusal.reason(),
        };
        audit::record(tx, actor, Some(&user.id), event).await?;
        return Ok(Outcome::Blocked(refusal));
    }
    user.last_login_at = Some(actor.now);
    tx.save_user(project, &user).await?;
    Ok(Outcome::SignedIn(Box::new(user)))
}

/// Record the `user.authenticated` event once the session or grant the
/// sign-in created is known (`idp:<id>` or `offline_grant:<id>`).
pub async fn record_authenticated(
    tx: &mut Tx,
    actor: &Actor,
    user: &User,
    session: String,
) -> Result<(), AccountsError> {
    let event = AuditEvent::UserAuthenticated {
        user: user_snapshot(user),
        session,
    };
    audit::record(tx, actor, Some(&user.id), event).await
}

async fn failed(
    tx: &mut Tx,
    actor: &Actor,
    settings: &LockoutSettings,
    login_id: &str,
    user: Option<&User>,
    device: &Device,
    now_secs: i64,
) -> Result<Outcome, AccountsError> {
    let Some(user) = user else {
        // Recorded like a wrong password is, so that both answers cost the
        // same writes as well as the same hashing.
        let event = AuditEvent::LoginIdFailed {
            login_id: login_id.chars().take(320).collect(),
        };
        audit::record(tx, actor, None, event).await?;
        return Ok(Outcome::InvalidCredentials);
    };
    audit::record(tx, actor, Some(&user.id), AuditEvent::PasswordFailed).await?;
    let locked =
        lockout::record_failure(tx, &actor.project, settings, &user.id, &device.ip, now_secs)
            .await?;
    Ok(match locked {
        Some(until) => Outcome::Locked { until },
        None => Outcome::InvalidCredentials,
    })
}

fn device_of(actor: &Actor) -> Device {
    match &actor.by {
        Initiator::EndUser { ip, user_agent, .. } => Device {
            ip: ip.clone(),
            user_agent: user_agent.clone(),
        },
        _ => Device::default(),
    }
}

/// What a password change on the account page came to.
#[derive(Debug)]
pub enum PasswordChange {
    /// Changed.
    Changed,
    /// The current password was wrong.
    WrongCurrent,
    /// The new password breaks the policy.
    Rejected(AccountsError),
}

/// Change a signed-in user's password, proving the current one first.
pub async fn change_password(
    tx: &mut Tx,
    actor: &Actor,
    user_id: &str,
    current: String,
    new: String,
    cost: HashCost,
) -> Result<PasswordChange, AccountsError> {
    let project = actor.project.as_str();
    let stored = tx.passwords_of(project, user_id).await?.into_iter().next();
    if !password::verify(stored.as_ref().map(|p| p.password_hash.clone()), current).await {
        audit::record(tx, actor, Some(user_id), AuditEvent::PasswordFailed).await?;
        return Ok(PasswordChange::WrongCurrent);
    }
    if let Err(e) = password::check(&new) {
        return Ok(PasswordChange::Rejected(e));
    }
    let Some(mut stored) = stored else {
        return Ok(PasswordChange::WrongCurrent);
    };
    stored.password_hash = password::hash(new, cost).await?;
    stored.updated_at = actor.now;
    stored.expire_after = None;
    tx.save_password(project, &stored).await?;
    Ok(PasswordChange::Changed)
}
