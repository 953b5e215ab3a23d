//! Roles and groups: key rules, creating, changing and deleting entries,
//! and membership (users in roles and groups, groups in roles). Each
//! change writes its audit event in the same transaction.

use keyward_store::{Catalog, Entry, Tx};
use serde_json::json;

use crate::audit::{self, Actor, AuditEvent, entry_snapshot};
use crate::error::{AccountsError, Result};
use crate::ids;

/// The global-ID type name of a catalog's entries.
pub fn type_name(catalog: Catalog) -> &'static str {
    match catalog {
        Catalog::Roles => "Role",
        Catalog::Groups => "Group",
    }
}

/// The noun for an entry of a catalog (`role`, `group`).
pub fn noun(catalog: Catalog) -> &'static str {
    match catalog {
        Catalog::Roles => "role",
        Catalog::Groups => "group",
    }
}

/// `RoleNotFound` or `GroupNotFound`.
pub fn not_found(catalog: Catalog) -> AccountsError {
    match catalog {
        Catalog::Roles => AccountsError::RoleNotFound,
        Catalog::Groups => AccountsError::GroupNotFound,
    }
}

/// `^[a-zA-Z_][a-zA-Z0-9:_]*$`, 1–40 characters, not `authgear:…`.
pub fn check_key(key: &str) -> Result<()> {
    let cause = |kind: &str, details: serde_json::Value| {
        AccountsError::validation(
            "invalid value",
            vec![json!({"location": "/key", "kind": kind, "details": details})],
        )
    };
    if key.is_empty() {
        return Err(cause("minLength", json!({"expected": 1, "actual": 0})));
    }
    if key.len() > 40 {
        return Err(cause(
            "maxLength",
            json!({"expected": 40, "actual": key.len()}),
        ));
    }
    let mut chars = key.chars();
    let head_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    if !head_ok
        || !chars.all(|c| c.is_ascii_alphanumeric() || c == ':' || c == '_')
        || key.starts_with("authgear:")
    {
        return Err(cause("format", json!({"format": "x_role_group_key"})));
    }
    Ok(())
}

/// `""` is absent.
fn text(value: Option<String>) -> Option<String> {
    value.filter(|s| !s.is_empty())
}

/// What a new entry is made of.
pub struct NewEntry {
    /// The key.
    pub key: String,
    /// The display name (`""`: none).
    pub name: Option<String>,
    /// The description (`""`: none).
    pub description: Option<String>,
}

/// The key is checked before anything is read (a door can call it before
/// taking a transaction); [`create`] checks it again.
pub async fn create(tx: &mut Tx, actor: &Actor, catalog: Catalog, new: NewEntry) -> Result<Entry> {
    check_key(&new.key)?;
    let entry = Entry {
        id: uuid::Uuid::new_v4().to_string(),
        key: new.key,
        name: text(new.name),
        description: text(new.description),
        created_at: actor.now,
        updated_at: actor.now,
    };
    tx.insert_entry(&actor.project, catalog, &entry).await?;
    let event = AuditEvent::CreateEntry {
        catalog,
        entry: entry_snapshot(catalog, &entry),
    };
    audit::record(tx, actor, None, event).await?;
    Ok(entry)
}

/// A change to an entry: `None` leaves a field as it is; `""` clears the
/// name or description.
pub struct EntryChange {
    /// The new key.
    pub key: Option<String>,
    /// The new name.
    pub name: Option<String>,
    /// The new description.
    pub description: Option<String>,
}

/// The entry with raw ID `id`, or `RoleNotFound` / `GroupNotFound`.
async fn by_id(tx: &mut Tx, project: &str, catalog: Catalog, id: &str) -> Result<Entry> {
    tx.entry(project, catalog, id)
        .await?
        .ok_or_else(|| not_found(catalog))
}

/// Change the entry with raw ID `id`.
pub async fn update(
    tx: &mut Tx,
    actor: &Actor,
    catalog: Catalog,
    id: &str,
    change: EntryChange,
) -> Result<Entry> {
    if let Some(key) = &change.key {
        check_key(key)?;
    }
    let mut entry = by_id(tx, &actor.project, catalog, id).await?;
    let original = entry_snapshot(catalog, &entry);
    if let Some(key) = change.key {
        entry.key = key;
    }
    if let Some(name) = change.name {
        entry.name = text(Some(name));
    }
    if let Some(description) = change.description {
        entry.description = text(Some(description));
    }
    entry.updated_at = actor.now;
    tx.save_entry(&actor.project, catalog, &entry).await?;
    let event = AuditEvent::UpdateEntry {
        catalog,
        original,
        new: entry_snapshot(catalog, &entry),
    };
    audit::record(tx, actor, None, event).await?;
    Ok(entry)
}

/// Delete the entry with raw ID `id` (its memberships go with it).
pub async fn delete(tx: &mut Tx, actor: &Actor, catalog: Catalog, id: &str) -> Result<()> {
    let entry = by_id(tx, &actor.project, catalog, id).await?;
    tx.delete_entry(&actor.project, catalog, id).await?;
    let event = AuditEvent::DeleteEntry {
        catalog,
        entry: entry_snapshot(catalog, &entry),
    };
    audit::record(tx, actor, None, event).await
}

/// The entry with `key`, or `RoleNotFound` / `GroupNotFound`.
pub async fn by_key(tx: &mut Tx, project: &str, catalog: Catalog, key: &str) -> Result<Entry> {
    tx.entry_by_key(project, catalog, key)
        .await?
        .ok_or_else(|| not_found(catalog))
}

/// Raw user IDs that all exist, or `UserUnknownKeys` naming the missing.
async fn existing_users(tx: &mut Tx, project: &str, user_ids: Vec<String>) -> Result<Vec<String>> {
    let mut missing = Vec::new();
    for raw in &user_ids {
        if tx.user(project, raw).await?.is_none() {
            missing.push(raw.clone());
        }
    }
    if !missing.is_empty() {
        return Err(AccountsError::UnknownUsers(missing));
    }
    Ok(user_ids)
}

/// Add (or remove) the users with raw IDs `user_ids` to the entry `key`.
/// Every user must exist; the change is all or nothing.
pub async fn change_users(
    tx: &mut Tx,
    actor: &Actor,
    catalog: Catalog,
    key: &str,
    user_ids: Vec<String>,
    add: bool,
) -> Result<Entry> {
    let project = actor.project.as_str();
    let entry = by_key(tx, project, catalog, key).await?;
    let users = existing_users(tx, project, user_ids).await?;
    if add {
        tx.link_users(project, catalog, &entry.id, &users, actor.now)
            .await?;
    } else {
        tx.unlink_users(project, catalog, &entry.id, &users).await?;
    }
    let event = AuditEvent::EntryUsers {
        catalog,
        add,
        key: entry.key.clone(),
        user_ids: users.iter().map(|u| ids::encode("User", u)).collect(),
    };
    audit::record(tx, actor, None, event).await?;
    Ok(entry)
}

/// Add (or remove) the role `role_key` to the groups `group_keys`; every
/// group must exist.
pub async fn change_groups_of_role(
    tx: &mut Tx,
    actor: &Actor,
    role_key: &str,
    group_keys: Vec<String>,
    add: bool,
) -> Result<Entry> {
    let project = actor.project.as_str();
    let role = by_key(tx, project, Catalog::Roles, role_key).await?;
    let (groups, missing) = tx
        .entries_by_keys(project, Catalog::Groups, &group_keys)
        .await?;
    if !missing.is_empty() {
        return Err(AccountsError::UnknownGroups(missing));
    }
    let group_ids: Vec<String> = groups.iter().map(|g| g.id.clone()).collect();
    tx.set_group_roles(project, &role.id, &group_ids, add, actor.now)
        .await?;
    let event = AuditEvent::RoleGroups {
        add,
        role_key: role.key.clone(),
        group_keys,
    };
    audit::record(tx, actor, None, event).await?;
    Ok(role)
}

/// Add (or remove) the user with raw ID `user_id` to the entries `keys`
/// (`addUserToRoles`, `removeUserFromGroups`, …). The user is checked
/// first (`UserNotFound`); any unknown key fails the whole change with
/// `RoleUnknownKeys` / `GroupUnknownKeys` naming them, as Authgear's
/// rollback does. Adding is idempotent; removing an absent membership is no
/// error.
pub async fn change_entries_of_user(
    tx: &mut Tx,
    actor: &Actor,
    catalog: Catalog,
    user_id: &str,
    keys: Vec<String>,
    add: bool,
) -> Result<()> {
    let project = actor.project.as_str();
    if tx.user(project, user_id).await?.is_none() {
        return Err(AccountsError::UserNotFound);
    }
    let (entries, missing) = tx.entries_by_keys(project, catalog, &keys).await?;
    if !missing.is_empty() {
        return Err(unknown_keys(catalog, missing));
    }
    let user = [user_id.to_owned()];
    for entry in &entries {
        if add {
            tx.link_users(project, catalog, &entry.id, &user, actor.now)
                .await?;
        } else {
            tx.unlink_users(project, catalog, &entry.id, &user).await?;
        }
    }
    let event = AuditEvent::UserEntries {
        catalog,
        add,
        user_id: ids::encode("User", user_id),
        entry_ids: entries
            .iter()
            .map(|e| ids::encode(type_name(catalog), &e.id))
            .collect(),
    };
    audit::record(tx, actor, Some(user_id), event).await
}

/// Add (or remove) the group `group_key` to the roles `role_keys`
/// (`addGroupToRoles`). Unknown roles fail the change with Authgear's
/// reason for it, `GroupUnknownKeys` (message `unknown role keys`).
pub async fn change_roles_of_group(
    tx: &mut Tx,
    actor: &Actor,
    group_key: &str,
    role_keys: Vec<String>,
    add: bool,
) -> Result<Entry> {
    let project = actor.project.as_str();
    let group = by_key(tx, project, Catalog::Groups, group_key).await?;
    let (roles, missing) = tx
        .entries_by_keys(project, Catalog::Roles, &role_keys)
        .await?;
    if !missing.is_empty() {
        return Err(AccountsError::UnknownRolesOfGroup(missing));
    }
    let group_ids = [group.id.clone()];
    for role in &roles {
        tx.set_group_roles(project, &role.id, &group_ids, add, actor.now)
            .await?;
    }
    let event = AuditEvent::GroupRoles {
        add,
        group_id: ids::encode("Group", &group.id),
        role_ids: roles.iter().map(|r| ids::encode("Role", &r.id)).collect(),
    };
    audit::record(tx, actor, None, event).await?;
    Ok(group)
}

/// `RoleUnknownKeys` or `GroupUnknownKeys`.
pub(crate) fn unknown_keys(catalog: Catalog, keys: Vec<String>) -> AccountsError {
    match catalog {
        Catalog::Roles => AccountsError::UnknownRoles(keys),
        Catalog::Groups => AccountsError::UnknownGroups(keys),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_rules() {
        for ok in ["admin", "_x", "a:b_c1", &"k".repeat(40)] {
            assert!(check_key(ok).is_ok(), "{ok}");
        }
        for bad in ["", "1abc", "a-b", "authgear:x", &"k".repeat(41)] {
            assert_eq!(check_key(bad).unwrap_err().reason(), "ValidationFailed");
        }
    }
}
