//! One user's rows, read and written the same way by every operation:
//! loading a user, their login IDs, saving with the identity-backed claims
//! in step, and adding a password or a login ID row.

use keyward_store::{Identity, PasswordAuthenticator, Tx, User};

use crate::audit::Actor;
use crate::error::{AccountsError, Result};
use crate::loginid::{LoginId, LoginIdType};
use crate::stdattrs;

/// A new ID for a user, login ID or password row: a UUID, version 7, so
/// that rows created one after the other sit next to each other in the
/// ID-keyed indexes (an import of a million users then appends to those
/// B-trees instead of writing a random page of each per user). Its
/// first 48 bits are the creation time in milliseconds, which the row
/// shows anyway (`createdAt`).
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// The user with raw ID `id`, or `UserNotFound`.
pub async fn load(tx: &mut Tx, project: &str, id: &str) -> Result<User> {
    tx.user(project, id)
        .await?
        .ok_or(AccountsError::UserNotFound)
}

/// A user's login IDs as `(type, normalized value)`.
pub async fn login_values(
    tx: &mut Tx,
    project: &str,
    user_id: &str,
) -> Result<Vec<(LoginIdType, String)>> {
    let identities = tx.identities_of(project, user_id).await?;
    Ok(identities
        .into_iter()
        .filter_map(|i| LoginIdType::parse(&i.login_type).map(|k| (k, i.login_id)))
        .collect())
}

/// Re-point the identity-backed standard attributes at the user's current
/// login IDs and save the user.
pub async fn sync_and_save(tx: &mut Tx, actor: &Actor, user: &mut User) -> Result<()> {
    let logins = login_values(tx, &actor.project, &user.id).await?;
    stdattrs::sync_identity_claims(&mut user.standard_attributes, &logins);
    user.updated_at = actor.now;
    Ok(tx.save_user(&actor.project, user).await?)
}

/// Store a new primary password.
pub async fn insert_password(
    tx: &mut Tx,
    actor: &Actor,
    user_id: &str,
    password_hash: String,
    expired: bool,
) -> Result<()> {
    store_password(
        tx,
        actor,
        user_id,
        password_hash,
        expired.then_some(actor.now),
    )
    .await
}

/// Store a new primary password that must be changed after `expire_after`.
pub async fn store_password(
    tx: &mut Tx,
    actor: &Actor,
    user_id: &str,
    password_hash: String,
    expire_after: Option<i64>,
) -> Result<()> {
    let password = new_password(actor, user_id, password_hash, expire_after);
    Ok(tx.insert_password(&actor.project, &password).await?)
}

/// A new primary password row (not yet stored).
pub fn new_password(
    actor: &Actor,
    user_id: &str,
    password_hash: String,
    expire_after: Option<i64>,
) -> PasswordAuthenticator {
    PasswordAuthenticator {
        id: new_id(),
        user_id: user_id.to_owned(),
        password_hash,
        expire_after,
        created_at: actor.now,
        updated_at: actor.now,
    }
}

/// Store a new login ID for a user (a taken value is `DuplicatedIdentity`).
pub async fn add_identity(
    tx: &mut Tx,
    actor: &Actor,
    user_id: &str,
    login: &LoginId,
) -> Result<Identity> {
    let identity = new_identity(actor, user_id, login);
    tx.insert_identity(&actor.project, &identity).await?;
    Ok(identity)
}

/// A new login ID row (not yet stored).
pub fn new_identity(actor: &Actor, user_id: &str, login: &LoginId) -> Identity {
    Identity {
        id: new_id(),
        user_id: user_id.to_owned(),
        key: login.kind.as_str().to_owned(),
        login_type: login.kind.as_str().to_owned(),
        login_id: login.normalized.clone(),
        unique_key: login.unique_key.clone(),
        original_value: login.original.clone(),
        created_at: actor.now,
        updated_at: actor.now,
    }
}
