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

use keyward_store::{LockoutSettings, Store, Tx, User};

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

/// What checking a password found, before anything is written: the slow
/// part (argon2id, and a rehash when one is due) runs here, outside any
/// write transaction, so concurrent sign-ins do not queue behind one
/// another's hashing for the database's write lock (SQLite) or a pooled
/// connection (PostgreSQL).
#[derive(Debug)]
pub struct Checked {
    user: Option<User>,
    /// The stored hash that was verified, and whether the password matched.
    verified: Option<(String, bool)>,
    /// The account's lock, when it was locked (nothing was verified).
    locked_until: Option<i64>,
    /// A new argon2id hash to store, when the old one is due for one.
    rehash: Option<String>,
    settings: LockoutSettings,
}

/// Look `login_id` up and verify `password` (read-only; see [`Checked`]).
pub async fn check_password(
    store: &Store,
    actor: &Actor,
    login_id: &str,
    password: String,
    cost: HashCost,
) -> Result<Checked, AccountsError> {
    let project = actor.project.as_str();
    let now_secs = actor.now.div_euclid(1_000_000);
    let device = device_of(actor);
    let mut tx = store.begin_read().await?;
    let user = find_login(&mut tx, project, login_id).await?;
    let settings = tx.lockout_settings(project).await?;
    let stored = match &user {
        Some(u) => tx.passwords_of(project, &u.id).await?.into_iter().next(),
        None => None,
    };
    let locked_until = match &user {
        Some(u) => {
            lockout::locked_until(&mut tx, project, &settings, &u.id, &device.ip, now_secs).await?
        }
        None => None,
    };
    tx.commit().await?;
    if locked_until.is_some() {
        return Ok(Checked {
            user,
            verified: None,
            locked_until,
            rehash: None,
            settings,
        });
    }
    let hash = stored.map(|p| p.password_hash);
    let ok = password::verify(hash.clone(), password.clone()).await;
    let rehash = match &hash {
        Some(h) if ok && password::needs_rehash(h, cost) => {
            Some(password::hash(password, cost).await?)
        }
        _ => None,
    };
    Ok(Checked {
        user,
        verified: hash.map(|h| (h, ok)),
        locked_until: None,
        rehash,
        settings,
    })
}

/// Record what [`check_password`] found in `tx` and say what it comes to.
/// `actor.by` must be [`Initiator::EndUser`] (its address feeds
/// per-address lockout). The caller commits whatever the outcome: failures
/// are counted and audited. The account is read again here, so a change
/// made while the password was being verified (disabled, password
/// changed) is honoured.
pub async fn record_attempt(
    tx: &mut Tx,
    actor: &Actor,
    login_id: &str,
    checked: Checked,
) -> Result<Outcome, AccountsError> {
    let project = actor.project.as_str();
    let now_secs = actor.now.div_euclid(1_000_000);
    let device = device_of(actor);
    if let Some(until) = checked.locked_until {
        return Ok(Outcome::Locked { until });
    }
    let settings = checked.settings;
    let current = match &checked.user {
        Some(u) => tx.user(project, &u.id).await?,
        None => None,
    };
    let stored = match &current {
        Some(u) => tx.passwords_of(project, &u.id).await?.into_iter().next(),
        None => None,
    };
    let matched = match (&checked.verified, &stored) {
        (Some((verified_hash, true)), Some(s)) => &s.password_hash == verified_hash,
        _ => false,
    };
    let (Some(mut user), Some(mut stored), true) = (current.clone(), stored, matched) else {
        return failed(
            tx,
            actor,
            &settings,
            login_id,
            current.as_ref(),
            &device,
            now_secs,
        )
        .await;
    };
    lockout::record_success(tx, project, &settings, &user.id, &device.ip).await?;
    if let Some(hash) = checked.rehash {
        stored.password_hash = hash;
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

/// The client address of an end user's request ("" for other actors).
pub(crate) fn address_of(actor: &Actor) -> String {
    device_of(actor).ip
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

/// A signed-in user proves they know their password again (before a
/// change that weakens or replaces a credential). Returns the verified
/// hash, or `None` (audited as a failed password) when it is wrong.
pub async fn prove_password(
    store: &Store,
    actor: &Actor,
    user_id: &str,
    current: String,
) -> Result<Option<String>, AccountsError> {
    let mut tx = store.begin_read().await?;
    let stored = tx
        .passwords_of(&actor.project, user_id)
        .await?
        .into_iter()
        .next()
        .map(|p| p.password_hash);
    tx.commit().await?;
    if password::verify(stored.clone(), current).await {
        return Ok(stored);
    }
    let mut tx = store.begin().await?;
    audit::record(&mut tx, actor, Some(user_id), AuditEvent::PasswordFailed).await?;
    tx.commit().await?;
    Ok(None)
}

/// Change a signed-in user's password, proving the current one first.
/// Hashing runs before the write transaction (see [`Checked`]).
pub async fn change_password(
    store: &Store,
    actor: &Actor,
    user_id: &str,
    current: String,
    new: String,
    cost: HashCost,
) -> Result<PasswordChange, AccountsError> {
    let project = actor.project.as_str();
    let Some(verified) = prove_password(store, actor, user_id, current).await? else {
        return Ok(PasswordChange::WrongCurrent);
    };
    if let Err(e) = password::check(&new) {
        return Ok(PasswordChange::Rejected(e));
    }
    let hash = password::hash(new, cost).await?;
    let mut tx = store.begin().await?;
    let Some(mut stored) = tx.passwords_of(project, user_id).await?.into_iter().next() else {
        return Ok(PasswordChange::WrongCurrent);
    };
    if stored.password_hash != verified {
        // Changed meanwhile: the current password proven is no longer current.
        return Ok(PasswordChange::WrongCurrent);
    }
    stored.password_hash = hash;
    stored.updated_at = actor.now;
    stored.expire_after = None;
    tx.save_password(project, &stored).await?;
    tx.commit().await?;
    Ok(PasswordChange::Changed)
}
