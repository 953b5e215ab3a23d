//! End users signing themselves up (a project setting, off by default):
//! an email address or phone number and a password, checked by the same
//! login-ID rules and password policy as `createUser`; nothing exists
//! until the address is proven with a 6-digit code sent to it, and the
//! proven address is then marked verified.
//!
//! Whoever asks gets the same answer whether or not the address is taken:
//! a taken address gets a message saying so (no code), so the account's
//! owner learns of the attempt and the asker learns nothing.

use keyward_store::{Signup, Tx, User};

use crate::audit::{self, Actor, AuditEvent, user_snapshot};
use crate::error::Result;
use crate::loginid::{self, LoginId, LoginIdType};
use crate::messages::{self, Message, Queued, Transports};
use crate::otp::{self, Purpose};
use crate::secret;
use crate::users::{self, NewUser};

/// What starting a sign-up came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Started {
    /// A code (or, for a taken address, a notice) is on its way; the token
    /// names the pending sign-up.
    Pending {
        /// For the browser; its digest is stored.
        token: String,
    },
    /// keyward cannot send to this kind of address.
    Unreachable,
    /// A rate limit was reached: nothing sent.
    RateLimited,
}

/// Start signing up `login` (email or phone) with the password `hash`.
pub async fn start(
    tx: &mut Tx,
    actor: &Actor,
    login: &LoginId,
    password_hash: String,
    transports: Transports,
) -> Result<Started> {
    let project = actor.project.as_str();
    let Some(channel) = transports.channel_for(login.kind) else {
        return Ok(Started::Unreachable);
    };
    let now = actor.now.div_euclid(1_000_000);
    let taken = users::find_by_login(tx, project, login.kind, &login.normalized)
        .await?
        .is_some();
    let code;
    let message = if taken {
        Message::AlreadySignedUp
    } else {
        code = otp::issue(tx, project, Purpose::Verification, &login.normalized, now).await?;
        Message::VerificationCode {
            code: &code,
            minutes: otp::LIFETIME_SECS / 60,
        }
    };
    if messages::queue(tx, project, channel, &login.normalized, message, now).await?
        == Queued::RateLimited
    {
        return Ok(Started::RateLimited);
    }
    let token = secret::random_token()?;
    let pending = Signup {
        login_id_type: login.kind.as_str().to_owned(),
        login_id: login.normalized.clone(),
        password_hash,
        expires_at: now + otp::LIFETIME_SECS,
    };
    tx.insert_signup(project, &secret::digest_hex(&token), &pending, now)
        .await?;
    Ok(Started::Pending { token })
}

/// What entering the code came to.
#[derive(Debug)]
pub enum Completed {
    /// The account exists, its address verified.
    Created(Box<User>),
    /// Wrong code (five wrong codes end the sign-up).
    WrongCode,
    /// The sign-up is unknown, used or expired; or the address was taken
    /// meanwhile.
    Expired,
}

/// Finish the sign-up `token` with `code`.
pub async fn complete(tx: &mut Tx, actor: &Actor, token: &str, code: &str) -> Result<Completed> {
    let project = actor.project.as_str();
    let now = actor.now.div_euclid(1_000_000);
    let hash = secret::digest_hex(token);
    let Some(pending) = tx
        .signup(project, &hash)
        .await?
        .filter(|s| s.expires_at > now)
    else {
        return Ok(Completed::Expired);
    };
    let Some(kind) = LoginIdType::parse(&pending.login_id_type) else {
        return Ok(Completed::Expired);
    };
    if !otp::check(
        tx,
        project,
        Purpose::Verification,
        &pending.login_id,
        code,
        now,
    )
    .await?
    {
        return Ok(Completed::WrongCode);
    }
    let login = loginid::check(kind, &pending.login_id)?;
    if !tx.take_signup(project, &hash).await?
        || users::find_by_login(tx, project, kind, &login.normalized)
            .await?
            .is_some()
    {
        return Ok(Completed::Expired);
    }
    let new = NewUser {
        login,
        password_hash: Some(pending.password_hash),
        password_expired: false,
        valid_from: None,
        valid_until: None,
    };
    let user = users::insert_new(tx, actor, new).await?;
    tx.set_claim_verified(
        project,
        &user.id,
        (kind.claim(), &pending.login_id),
        true,
        actor.now,
    )
    .await?;
    let event = AuditEvent::SignedUp {
        user: user_snapshot(&user),
    };
    audit::record(tx, actor, Some(&user.id), event).await?;
    Ok(Completed::Created(Box::new(user)))
}
