//! Users: creating, changing, deleting and anonymizing them, their status
//! and passwords. Each operation runs in the caller's transaction and
//! writes its audit event there. Passwords arrive already hashed
//! ([`crate::password::hash`]), so a door hashes before it takes the
//! transaction and SQLite's write lock is not held for tens of milliseconds.

use keyward_store::{Catalog, Tx, User};
use serde_json::{Map, Value, json};

use crate::audit::{self, Actor, AuditEvent, user_snapshot};
use crate::error::{AccountsError, Result};
use crate::loginid::{self, LoginId, LoginIdType};
use crate::messages::{self, Message, Queued, Transports};
use crate::records::{add_identity, insert_password, sync_and_save};
use crate::{ids, sessions, status, stdattrs};

pub use crate::records::{load, login_values};

/// Like [`load`], refusing an anonymized user.
async fn load_changeable(tx: &mut Tx, project: &str, id: &str) -> Result<User> {
    let user = load(tx, project, id).await?;
    if user.is_anonymized {
        return Err(AccountsError::UserIsAnonymized);
    }
    Ok(user)
}

async fn save(tx: &mut Tx, actor: &Actor, user: &mut User) -> Result<()> {
    user.updated_at = actor.now;
    Ok(tx.save_user(&actor.project, user).await?)
}

/// The user whose login ID of `kind` has the lookup key `key`.
pub async fn find_by_login(
    tx: &mut Tx,
    project: &str,
    kind: LoginIdType,
    value: &str,
) -> Result<Option<User>> {
    let Some(key) = loginid::lookup_key(kind, value) else {
        return Ok(None);
    };
    let Some(identity) = tx.identity_by_unique_key(project, &key).await? else {
        return Ok(None);
    };
    if identity.login_type != kind.as_str() {
        return Ok(None);
    }
    Ok(tx.user(project, &identity.user_id).await?)
}

/// keyward cannot reach the user (no transport for their email or phone):
/// say so instead of pretending.
/// `has_target`: whether the user has an email or phone to send to.
pub fn refuse_send_password(has_target: bool) -> AccountsError {
    if has_target {
        AccountsError::SendPasswordUnsupported
    } else {
        AccountsError::SendPasswordNoTarget
    }
}

/// Why sending the user a password is refused.
pub async fn refuse_send_password_to(tx: &mut Tx, project: &str, user_id: &str) -> AccountsError {
    let has_target = async {
        load(tx, project, user_id).await?;
        let logins = login_values(tx, project, user_id).await?;
        Ok::<_, AccountsError>(logins.iter().any(|(k, _)| *k != LoginIdType::Username))
    };
    match has_target.await {
        Ok(target) => refuse_send_password(target),
        Err(e) => e,
    }
}

/// `sendPassword: true`: queue `password` to the user's first email or
/// phone login ID that a configured transport reaches (sent by the outbox,
/// erased from it once sent). A user no transport reaches, or with only a
/// username, gets `SendPasswordUnsupported`.
pub async fn queue_password_message(
    tx: &mut Tx,
    actor: &Actor,
    user_id: &str,
    password: &str,
    transports: Transports,
) -> Result<()> {
    let project = actor.project.as_str();
    let logins = login_values(tx, project, user_id).await?;
    let target = logins.iter().find_map(|(kind, value)| {
        transports
            .channel_for(*kind)
            .map(|channel| (channel, value.clone()))
    });
    let Some((channel, recipient)) = target else {
        return Err(refuse_send_password(logins.iter().any(|(k, _)| {
            matches!(k, LoginIdType::Email | LoginIdType::Phone)
        })));
    };
    let message = Message::SendPassword { password };
    // Held to the same limits as every message: a script calling the Admin
    // API in a loop must not flood a mailbox or the operator's SMS bill.
    match messages::queue(
        tx,
        project,
        channel,
        &recipient,
        message,
        actor.now.div_euclid(1_000_000),
    )
    .await?
    {
        Queued::Yes(_) => Ok(()),
        Queued::RateLimited => Err(AccountsError::RateLimited),
    }
}

/// What `createUser` is given.
pub struct NewUser {
    /// The first login ID.
    pub login: LoginId,
    /// The argon2id hash of the password, if one is set.
    pub password_hash: Option<String>,
    /// Whether that password must be changed at next sign-in.
    pub password_expired: bool,
    /// Account valid from, Unix microseconds.
    pub valid_from: Option<i64>,
    /// Account valid until, Unix microseconds.
    pub valid_until: Option<i64>,
}

/// Check what [`create`] would refuse before any work (hashing) is done.
pub fn check_new(valid_from: Option<i64>, valid_until: Option<i64>) -> Result<()> {
    status::check_valid_period(valid_from, valid_until)
}

/// Create a user with one login ID and optionally a password
/// (`createUser`, audited as the Admin API's).
pub async fn create(tx: &mut Tx, actor: &Actor, new: NewUser) -> Result<User> {
    let (login_key, login_value) = (new.login.kind.as_str(), new.login.normalized.clone());
    let user = insert_new(tx, actor, new).await?;
    let event = AuditEvent::CreateUser {
        user: user_snapshot(&user),
        login_key,
        login_value,
    };
    audit::record(tx, actor, Some(&user.id), event).await?;
    Ok(user)
}

/// Store a new user (no audit entry: the caller writes the one that says
/// who created it).
pub(crate) async fn insert_new(tx: &mut Tx, actor: &Actor, new: NewUser) -> Result<User> {
    let mut user = User::new(crate::records::new_id(), actor.now);
    // Checks from < until, as check_new does for doors before they hash.
    status::set_valid_period(&mut user, new.valid_from, new.valid_until)?;
    tx.insert_user(&actor.project, &user).await?;
    add_identity(tx, actor, &user.id, &new.login).await?;
    if let Some(hash) = new.password_hash {
        insert_password(tx, actor, &user.id, hash, new.password_expired).await?;
    }
    sync_and_save(tx, actor, &mut user).await?;
    Ok(user)
}

/// Replace a user's standard and/or custom attributes.
pub async fn update(
    tx: &mut Tx,
    actor: &Actor,
    user_id: &str,
    standard: Option<&Value>,
    custom: Option<&Value>,
) -> Result<User> {
    let mut user = load_changeable(tx, &actor.project, user_id).await?;
    if let Some(std) = standard {
        let attrs = stdattrs::check(std)?;
        let logins = login_values(tx, &actor.project, &user.id).await?;
        if let Some(e) = stdattrs::unowned_claim(&attrs, &logins) {
            return Err(e);
        }
        user.standard_attributes = attrs;
    }
    if let Some(custom) = custom {
        let Value::Object(map) = custom else {
            return Err(AccountsError::validation(
                "invalid value",
                vec![json!({"location": "", "kind": "type", "details": {"expected": ["object"]}})],
            ));
        };
        user.custom_attributes = map.clone();
    }
    sync_and_save(tx, actor, &mut user).await?;
    let event = AuditEvent::UpdateUser {
        user: user_snapshot(&user),
    };
    audit::record(tx, actor, Some(&user.id), event).await?;
    Ok(user)
}

/// Delete a user and everything that is theirs.
pub async fn delete(
    tx: &mut Tx,
    actor: &Actor,
    user_id: &str,
    reason: Option<String>,
) -> Result<()> {
    let user = load(tx, &actor.project, user_id).await?;
    tx.delete_user(&actor.project, &user.id).await?;
    let event = AuditEvent::DeleteUser {
        user: user_snapshot(&user),
        reason,
    };
    audit::record(tx, actor, Some(&user.id), event).await
}

/// Anonymize a user: identities, passwords, verified claims, attributes and
/// memberships are removed; the row stays, marked anonymized and disabled.
pub async fn anonymize(tx: &mut Tx, actor: &Actor, user_id: &str) -> Result<User> {
    let mut user = load(tx, &actor.project, user_id).await?;
    wipe(tx, actor, &mut user).await?;
    let event = AuditEvent::AnonymizeUser {
        user_id: ids::encode("User", &user.id),
    };
    audit::record(tx, actor, Some(&user.id), event).await?;
    Ok(user)
}

/// Remove everything personal of `user` and its sessions, and save it
/// anonymized and disabled.
async fn wipe(tx: &mut Tx, actor: &Actor, user: &mut User) -> Result<()> {
    let project = actor.project.as_str();
    tx.delete_identities_of(project, &user.id).await?;
    tx.delete_passwords_of(project, &user.id).await?;
    tx.delete_verified_claims_of(project, &user.id).await?;
    for catalog in [Catalog::Roles, Catalog::Groups] {
        for entry in tx.entries_of_user(project, catalog, &user.id).await? {
            tx.unlink_users(project, catalog, &entry.id, std::slice::from_ref(&user.id))
                .await?;
        }
    }
    sessions::end_all(tx, project, &user.id).await?;
    user.is_anonymized = true;
    user.is_disabled = true;
    user.disable_reason = None;
    user.temporarily_disabled_from = None;
    user.temporarily_disabled_until = None;
    user.delete_at = None;
    user.delete_reason = None;
    user.anonymize_at = None;
    user.standard_attributes = Map::new();
    user.custom_attributes = Map::new();
    sync_and_save(tx, actor, user).await
}

/// Schedule the account's anonymization after the grace period; it is
/// disabled and signed out now.
pub async fn schedule_anonymization(tx: &mut Tx, actor: &Actor, user_id: &str) -> Result<User> {
    let mut user = load(tx, &actor.project, user_id).await?;
    let grace = tx
        .account_settings(&actor.project)
        .await?
        .anonymization_grace_days;
    status::schedule_anonymization(&mut user, actor.now, grace)?;
    save(tx, actor, &mut user).await?;
    sessions::end_all(tx, &actor.project, &user.id).await?;
    let snapshot = user_snapshot(&user);
    let scheduled = AuditEvent::AnonymizationScheduled {
        user: snapshot.clone(),
    };
    audit::record(tx, actor, Some(&user.id), scheduled).await?;
    let event = AuditEvent::ScheduleAccountAnonymization { user: snapshot };
    audit::record(tx, actor, Some(&user.id), event).await?;
    Ok(user)
}

/// Cancel a scheduled anonymization: the account is enabled again.
pub async fn unschedule_anonymization(tx: &mut Tx, actor: &Actor, user_id: &str) -> Result<User> {
    let mut user = load(tx, &actor.project, user_id).await?;
    status::unschedule_anonymization(&mut user)?;
    save(tx, actor, &mut user).await?;
    let snapshot = user_snapshot(&user);
    let unscheduled = AuditEvent::AnonymizationUnscheduled {
        user: snapshot.clone(),
    };
    audit::record(tx, actor, Some(&user.id), unscheduled).await?;
    let event = AuditEvent::UnscheduleAccountAnonymization { user: snapshot };
    audit::record(tx, actor, Some(&user.id), event).await?;
    Ok(user)
}

/// Which bounds of the account valid period a change sets; an absent
/// value clears that bound.
#[derive(Debug, Clone, Copy)]
pub enum ValidPeriodChange {
    /// `setAccountValidFrom`: the start; the end is kept.
    From(Option<i64>),
    /// `setAccountValidUntil`: the end; the start is kept.
    Until(Option<i64>),
    /// `setAccountValidPeriod`: both.
    Period(Option<i64>, Option<i64>),
}

/// Set (or clear) the account valid period. If the account is disabled
/// afterwards, for any reason, its sessions end now.
pub async fn set_valid_period(
    tx: &mut Tx,
    actor: &Actor,
    user_id: &str,
    change: ValidPeriodChange,
) -> Result<User> {
    let mut user = load(tx, &actor.project, user_id).await?;
    let (from, until) = match change {
        ValidPeriodChange::From(from) => (from, user.account_valid_until),
        ValidPeriodChange::Until(until) => (user.account_valid_from, until),
        ValidPeriodChange::Period(from, until) => (from, until),
    };
    status::set_valid_period(&mut user, from, until)?;
    save(tx, actor, &mut user).await?;
    if status::is_disabled(&user, actor.now) {
        sessions::end_all(tx, &actor.project, &user.id).await?;
    }
    let event = AuditEvent::SetAccountValidPeriod {
        user: user_snapshot(&user),
        change,
    };
    audit::record(tx, actor, Some(&user.id), event).await?;
    Ok(user)
}

/// What [`carry_out`] did to a user whose scheduled time had come.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Carried {
    /// The user was deleted.
    Deleted,
    /// The user was anonymized.
    Anonymized,
    /// Nothing: the schedule was cancelled, or another replica was first.
    Nothing,
}

/// Carry out a user's scheduled deletion or anonymization if it is due at
/// `actor.now`. The store's claim is conditional on the schedule still
/// being due, so two runners racing for one user do it once.
pub async fn carry_out(tx: &mut Tx, actor: &Actor, user_id: &str) -> Result<Carried> {
    let project = actor.project.as_str();
    let Some(mut user) = tx.user(project, user_id).await? else {
        return Ok(Carried::Nothing);
    };
    if user.anonymize_at.is_some_and(|at| at <= actor.now) && !user.is_anonymized {
        if !tx
            .claim_due_anonymization(project, user_id, actor.now)
            .await?
        {
            return Ok(Carried::Nothing);
        }
        wipe(tx, actor, &mut user).await?;
        let event = AuditEvent::UserAnonymized {
            user: user_snapshot(&user),
        };
        audit::record(tx, actor, Some(&user.id), event).await?;
        return Ok(Carried::Anonymized);
    }
    if user.delete_at.is_some_and(|at| at <= actor.now) {
        if !tx.claim_due_deletion(project, user_id, actor.now).await? {
            return Ok(Carried::Nothing);
        }
        let event = AuditEvent::UserDeleted {
            user: user_snapshot(&user),
        };
        audit::record(tx, actor, Some(&user.id), event).await?;
        return Ok(Carried::Deleted);
    }
    Ok(Carried::Nothing)
}

/// `setDisabledStatus`: disable (indefinitely or for a window) or enable.
pub async fn set_disabled(
    tx: &mut Tx,
    actor: &Actor,
    user_id: &str,
    disabled: bool,
    reason: Option<String>,
    window: (Option<i64>, Option<i64>),
) -> Result<User> {
    let mut user = load(tx, &actor.project, user_id).await?;
    status::set_disabled(&mut user, disabled, reason.clone(), window)?;
    save(tx, actor, &mut user).await?;
    if disabled {
        // Sessions and refresh tokens end now, not at their next check.
        sessions::end_all(tx, &actor.project, &user.id).await?;
    }
    let event = AuditEvent::SetDisabledStatus {
        is_disabled: disabled,
        reason,
    };
    audit::record(tx, actor, Some(&user.id), event).await?;
    Ok(user)
}

/// `setVerifiedStatus` of one claim.
pub async fn set_verified(
    tx: &mut Tx,
    actor: &Actor,
    user_id: &str,
    claim: (String, String),
    verified: bool,
) -> Result<User> {
    let mut user = load(tx, &actor.project, user_id).await?;
    tx.set_claim_verified(
        &actor.project,
        &user.id,
        (&claim.0, &claim.1),
        verified,
        actor.now,
    )
    .await?;
    save(tx, actor, &mut user).await?;
    let event = AuditEvent::SetVerifiedStatus {
        claim_name: claim.0,
        claim_value: claim.1,
        is_verified: verified,
    };
    audit::record(tx, actor, Some(&user.id), event).await?;
    Ok(user)
}

/// Replace the user's password with `hash` (one password remains).
pub async fn reset_password(
    tx: &mut Tx,
    actor: &Actor,
    user_id: &str,
    hash: String,
    expired: bool,
) -> Result<User> {
    let mut user = load_changeable(tx, &actor.project, user_id).await?;
    let passwords = tx.passwords_of(&actor.project, &user.id).await?;
    match passwords.as_slice() {
        [one] => {
            let mut one = one.clone();
            one.password_hash = hash;
            one.expire_after = expired.then_some(actor.now);
            one.updated_at = actor.now;
            tx.save_password(&actor.project, &one).await?;
        }
        _ => {
            tx.delete_passwords_of(&actor.project, &user.id).await?;
            insert_password(tx, actor, &user.id, hash, expired).await?;
        }
    }
    save(tx, actor, &mut user).await?;
    let event = AuditEvent::ResetPassword {
        set_password_expired: expired,
    };
    audit::record(tx, actor, Some(&user.id), event).await?;
    Ok(user)
}

/// Mark the user's password expired (or not).
pub async fn set_password_expired(
    tx: &mut Tx,
    actor: &Actor,
    user_id: &str,
    expired: bool,
) -> Result<User> {
    let user = load(tx, &actor.project, user_id).await?;
    let passwords = tx.passwords_of(&actor.project, &user.id).await?;
    let Some(mut password) = passwords.into_iter().next() else {
        return Err(AccountsError::AuthenticatorNotFound);
    };
    password.expire_after = expired.then_some(actor.now);
    password.updated_at = actor.now;
    tx.save_password(&actor.project, &password).await?;
    let event = AuditEvent::SetPasswordExpired { expired };
    audit::record(tx, actor, Some(&user.id), event).await?;
    Ok(user)
}

/// Schedule the account's deletion after the grace period.
pub async fn schedule_deletion(
    tx: &mut Tx,
    actor: &Actor,
    user_id: &str,
    reason: Option<String>,
) -> Result<User> {
    let mut user = load(tx, &actor.project, user_id).await?;
    let grace = tx
        .account_settings(&actor.project)
        .await?
        .deletion_grace_days;
    status::schedule_deletion(&mut user, reason.clone(), actor.now, grace)?;
    save(tx, actor, &mut user).await?;
    sessions::end_all(tx, &actor.project, &user.id).await?;
    let event = AuditEvent::ScheduleAccountDeletion {
        reason,
        delete_at: user.delete_at,
    };
    audit::record(tx, actor, Some(&user.id), event).await?;
    Ok(user)
}

/// Cancel a scheduled deletion.
pub async fn unschedule_deletion(tx: &mut Tx, actor: &Actor, user_id: &str) -> Result<User> {
    let mut user = load(tx, &actor.project, user_id).await?;
    status::unschedule_deletion(&mut user)?;
    save(tx, actor, &mut user).await?;
    audit::record(
        tx,
        actor,
        Some(&user.id),
        AuditEvent::UnscheduleAccountDeletion,
    )
    .await?;
    Ok(user)
}
