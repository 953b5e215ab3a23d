//! Password reset by email or SMS: a single-use code (256 random bits, stored as
//! its SHA-256) in a link that lives 20 minutes, queued in the outbox in
//! the same transaction that made it. Whoever asks gets the same answer
//! whether or not the address belongs to anyone; only the Admin API's
//! `sendResetPasswordMessage` is told (as in Authgear). Setting the new
//! password applies the policy, uses the code up, and ends every session
//! of the user.

use keyward_store::{Store, Tx};

use crate::audit::Actor;
use crate::error::{AccountsError, Result};
use crate::loginid::LoginIdType;
use crate::messages::{self, Message, Queued, Transports};
use crate::password::{self, HashCost};
use crate::records::insert_password;
use crate::{secret, sessions, status, users};

/// How long a reset link works (Authgear's default), seconds.
pub const LINK_LIFETIME_SECS: i64 = 20 * 60;
/// What a reset request came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Requested {
    /// A message is queued.
    Queued {
        /// Its outbox ID.
        message_id: String,
    },
    /// No user has this email or phone number (or may not sign in, or
    /// keyward cannot send to it): nothing queued.
    NoSuchUser,
    /// The login ID is a phone number and no SMS webhook is configured.
    SmsUnavailable,
    /// A rate limit was reached: nothing queued.
    RateLimited,
}

/// Queue a reset message for the user whose email or phone login ID is
/// `login`, by email or SMS. `link` makes the reset URL from the code.
pub async fn request(
    tx: &mut Tx,
    actor: &Actor,
    login: &str,
    transports: Transports,
    link: &(dyn Fn(&str) -> String + Sync),
) -> Result<Requested> {
    let project = actor.project.as_str();
    let mut found = None;
    for kind in [LoginIdType::Email, LoginIdType::Phone] {
        if let Some(user) = users::find_by_login(tx, project, kind, login).await? {
            found = Some((kind, user));
            break;
        }
    }
    let Some((kind, user)) = found else {
        return Ok(Requested::NoSuchUser);
    };
    let now_micros = actor.now;
    if status::may_sign_in(&user, now_micros).is_err() {
        return Ok(Requested::NoSuchUser);
    }
    let channel = match transports.channel_for(kind) {
        Some(channel) => channel,
        None if kind == LoginIdType::Phone => return Ok(Requested::SmsUnavailable),
        // Without SMTP the address cannot be reached: as if unknown.
        None => return Ok(Requested::NoSuchUser),
    };
    let Some(recipient) = users::login_values(tx, project, &user.id)
        .await?
        .into_iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, value)| value)
    else {
        return Ok(Requested::NoSuchUser);
    };
    let now = now_micros.div_euclid(1_000_000);
    let code = secret::random_token()?;
    let url = link(&code);
    let message = Message::ForgotPassword {
        link: &url,
        minutes: LINK_LIFETIME_SECS / 60,
    };
    let Queued::Yes(message_id) =
        messages::queue(tx, project, channel, &recipient, message, now).await?
    else {
        return Ok(Requested::RateLimited);
    };
    tx.insert_reset_code(
        project,
        &secret::digest_hex(&code),
        &user.id,
        now,
        now + LINK_LIFETIME_SECS,
    )
    .await?;
    Ok(Requested::Queued { message_id })
}

/// Whether `code` is a live reset code (for showing the form).
pub async fn code_is_live(store: &Store, project: &str, code: &str, now: i64) -> Result<bool> {
    let mut tx = store.begin_read().await?;
    let found = tx.reset_code(project, &secret::digest_hex(code)).await?;
    tx.commit().await?;
    Ok(found.is_some_and(|c| c.used_at.is_none() && c.expires_at > now))
}

/// What setting a new password with a code came to.
#[derive(Debug)]
pub enum Reset {
    /// Done: the user's sessions have ended.
    Done,
    /// The code is unknown, used or expired.
    InvalidCode,
    /// The new password breaks the policy (nothing changed; the code is
    /// still good).
    Rejected(AccountsError),
}

/// Set the password of the code's user to `new`. The hash is computed
/// before the write transaction, which then uses the code up (once, even
/// against a concurrent use) and replaces the password.
pub async fn reset(
    store: &Store,
    actor: &Actor,
    code: &str,
    new: String,
    cost: HashCost,
) -> Result<Reset> {
    if let Err(e) = password::check(&new) {
        return Ok(Reset::Rejected(e));
    }
    let project = actor.project.as_str();
    let now = actor.now.div_euclid(1_000_000);
    let code_hash = secret::digest_hex(code);
    if !code_is_live(store, project, code, now).await? {
        return Ok(Reset::InvalidCode);
    }
    let hash = password::hash(new, cost).await?;
    let mut tx = store.begin().await?;
    let Some(found) = tx.reset_code(project, &code_hash).await? else {
        return Ok(Reset::InvalidCode);
    };
    if !tx.use_reset_code(project, &code_hash, now).await? {
        return Ok(Reset::InvalidCode);
    }
    let Some(user) = tx.user(project, &found.user_id).await? else {
        return Ok(Reset::InvalidCode);
    };
    if user.is_anonymized {
        return Ok(Reset::InvalidCode);
    }
    let passwords = tx.passwords_of(project, &user.id).await?;
    match passwords.into_iter().next() {
        Some(mut p) => {
            p.password_hash = hash;
            p.expire_after = None;
            p.updated_at = actor.now;
            tx.save_password(project, &p).await?;
        }
        None => insert_password(&mut tx, actor, &user.id, hash, false).await?,
    }
    sessions::end_all(&mut tx, project, &user.id).await?;
    tx.commit().await?;
    Ok(Reset::Done)
}
