//! Identities (login IDs): adding, changing and removing them. A login ID
//! keeps its type, a user keeps at least one, and the identity-backed
//! standard attributes follow every change.

use keyward_store::{Identity, Tx, User};

use crate::audit::{self, Actor, AuditEvent};
use crate::error::{AccountsError, Result};
use crate::ids;
use crate::loginid::LoginId;
use crate::records::{add_identity, insert_password, load, sync_and_save};

/// `createIdentity`: a new login ID for the user; `password_hash` becomes
/// the user's password only when they have none yet (as in Authgear).
pub async fn create(
    tx: &mut Tx,
    actor: &Actor,
    user_id: &str,
    login: &LoginId,
    password_hash: Option<String>,
) -> Result<(Identity, User)> {
    let mut user = load(tx, &actor.project, user_id).await?;
    if user.is_anonymized {
        return Err(AccountsError::UserIsAnonymized);
    }
    let identity = add_identity(tx, actor, &user.id, login).await?;
    if let Some(hash) = password_hash
        && tx.passwords_of(&actor.project, &user.id).await?.is_empty()
    {
        insert_password(tx, actor, &user.id, hash, false).await?;
    }
    sync_and_save(tx, actor, &mut user).await?;
    let event = AuditEvent::CreateIdentity {
        id: ids::encode("Identity", &identity.id),
        login_type: identity.login_type.clone(),
        value: identity.login_id.clone(),
    };
    audit::record(tx, actor, Some(&user.id), event).await?;
    Ok((identity, user))
}

/// `updateIdentity`: a new value for one of the user's login IDs.
pub async fn update(
    tx: &mut Tx,
    actor: &Actor,
    user_id: &str,
    identity_id: &str,
    login: &LoginId,
) -> Result<(Identity, User)> {
    let mut user = load(tx, &actor.project, user_id).await?;
    let mut identity = match tx.identity(&actor.project, identity_id).await? {
        Some(i) if i.user_id == user.id => i,
        _ => return Err(AccountsError::IdentityNotFound),
    };
    // A login ID keeps its type: an email cannot become a username.
    if identity.login_type != login.kind.as_str() {
        return Err(AccountsError::BadIdentityType);
    }
    let before = identity.login_id.clone();
    identity.key = login.kind.as_str().to_owned();
    identity.login_id = login.normalized.clone();
    identity.unique_key = login.unique_key.clone();
    identity.original_value = login.original.clone();
    identity.updated_at = actor.now;
    tx.update_identity(&actor.project, &identity).await?;
    sync_and_save(tx, actor, &mut user).await?;
    let event = AuditEvent::UpdateIdentity {
        id: ids::encode("Identity", &identity.id),
        login_type: identity.login_type.clone(),
        old_value: before,
        new_value: identity.login_id.clone(),
    };
    audit::record(tx, actor, Some(&user.id), event).await?;
    Ok((identity, user))
}

/// `deleteIdentity`: remove a login ID; the last one cannot go.
pub async fn delete(tx: &mut Tx, actor: &Actor, identity_id: &str) -> Result<User> {
    let project = actor.project.as_str();
    let Some(identity) = tx.identity(project, identity_id).await? else {
        return Err(AccountsError::IdentityNotFound);
    };
    if tx.identities_of(project, &identity.user_id).await?.len() <= 1 {
        return Err(AccountsError::InvariantViolated {
            kind: "RemoveLastIdentity",
            message: "cannot remove last identity",
        });
    }
    tx.delete_identity(project, &identity).await?;
    let mut user = tx.existing_user(project, &identity.user_id).await?;
    sync_and_save(tx, actor, &mut user).await?;
    let event = AuditEvent::DeleteIdentity {
        id: ids::encode("Identity", &identity.id),
        login_type: identity.login_type.clone(),
        value: identity.login_id.clone(),
    };
    audit::record(tx, actor, Some(&user.id), event).await?;
    Ok(user)
}
