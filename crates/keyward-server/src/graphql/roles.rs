//! `Role` and `Group`, the `roles`/`groups` queries and their mutations.
//! Keys follow Authgear's `x_role_group_key` format.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use keyward_store::{Catalog, Entry, Tx};
use serde_json::json;

use super::audit::record;
use super::connection::{Connection, Named, PageArgs, Total};
use super::context::{RequestCtx, req};
use super::errors::ApiErr;
use super::ids;
use super::scalars::DateTime;
use super::users::UserNode;

fn type_name(catalog: Catalog) -> &'static str {
    match catalog {
        Catalog::Roles => "Role",
        Catalog::Groups => "Group",
    }
}

fn noun(catalog: Catalog) -> &'static str {
    match catalog {
        Catalog::Roles => "role",
        Catalog::Groups => "group",
    }
}

fn not_found(catalog: Catalog) -> ApiErr {
    match catalog {
        Catalog::Roles => ApiErr::role_not_found(),
        Catalog::Groups => ApiErr::group_not_found(),
    }
}

/// `^[a-zA-Z_][a-zA-Z0-9:_]*$`, 1–40 characters, not `authgear:…`.
fn check_key(key: &str) -> Result<(), ApiErr> {
    let cause = |kind: &str, details: serde_json::Value| {
        ApiErr::validation(
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

async fn entries_page(
    ctx: &Context<'_>,
    catalog: Catalog,
    args: PageArgs,
    excluded_ids: Option<Vec<ID>>,
    search_keyword: Option<String>,
) -> async_graphql::Result<Connection<Entry>> {
    let r = req(ctx)?;
    let page = args.keyset(false)?;
    let excluded = excluded_ids
        .unwrap_or_default()
        .iter()
        .map(|id| ids::require(type_name(catalog), noun(catalog), id))
        .collect::<Result<Vec<_>, _>>()?;
    let search = search_keyword.filter(|s| !s.is_empty());
    let result = r
        .tx()
        .await?
        .list_entries(r.project(), catalog, search.as_deref(), &excluded, &page)
        .await
        .map_err(|e| r.fail(e))?;
    let items = result
        .items
        .into_iter()
        .map(|e| {
            let seek = keyward_store::Seek {
                sort: e.created_at,
                id: e.id.clone(),
            };
            (e, seek)
        })
        .collect();
    Ok(Connection::from_page(
        items,
        result.more,
        &page,
        Total::Entries(catalog, search, excluded),
    ))
}

async fn users_page(
    ctx: &Context<'_>,
    catalog: Catalog,
    id: &str,
    args: PageArgs,
) -> async_graphql::Result<Connection<UserNode>> {
    let r = req(ctx)?;
    let page = args.keyset(true)?;
    let result = r
        .tx()
        .await?
        .users_of_entry(r.project(), catalog, id, &page)
        .await
        .map_err(|e| r.fail(e))?;
    r.prefetch_claims(result.items.iter().map(|u| u.id.clone()).collect())
        .await?;
    let items = result
        .items
        .into_iter()
        .map(|u| {
            let seek = u.seek(keyward_store::UserSort::CreatedAt, true);
            (UserNode(u), seek)
        })
        .collect();
    Ok(Connection::from_page(
        items,
        result.more,
        &page,
        Total::UsersOf(catalog, id.to_owned()),
    ))
}

async fn linked(ctx: &Context<'_>, of: Catalog, id: &str) -> async_graphql::Result<Vec<Entry>> {
    let r = req(ctx)?;
    let list = r.tx().await?.linked_entries(r.project(), of, id).await;
    list.map_err(|e| r.fail(e))
}

/// Declare the GraphQL object for one catalog.
macro_rules! entry_node {
    ($node:ident, $name:literal, $catalog:expr, $other:ident, $other_field:ident) => {
        #[doc = concat!("A ", $name, ".")]
        #[derive(Clone)]
        pub struct $node(pub Entry);

        impl Named for $node {
            const NAME: &'static str = $name;
        }

        #[Object(name = $name)]
        impl $node {
            /// The ID of an object
            pub async fn id(&self) -> ID {
                ID(ids::encode($name, &self.0.id))
            }
            /// The creation time of entity
            pub async fn created_at(&self) -> DateTime {
                DateTime(self.0.created_at)
            }
            /// The update time of entity
            pub async fn updated_at(&self) -> DateTime {
                DateTime(self.0.updated_at)
            }
            /// The key
            async fn key(&self) -> &str {
                &self.0.key
            }
            /// The optional name
            async fn name(&self) -> Option<&str> {
                self.0.name.as_deref()
            }
            /// The optional description
            async fn description(&self) -> Option<&str> {
                self.0.description.as_deref()
            }
            /// The linked entries of the other catalog
            async fn $other_field(
                &self,
                ctx: &Context<'_>,
                after: Option<String>,
                before: Option<String>,
                first: Option<i32>,
                last: Option<i32>,
            ) -> async_graphql::Result<Option<Connection<$other>>> {
                let list = linked(ctx, $catalog, &self.0.id)
                    .await?
                    .into_iter()
                    .map($other)
                    .collect();
                Ok(Some(Connection::from_list(
                    list,
                    &PageArgs::new(after, before, first, last),
                )?))
            }
            /// The users directly linked
            async fn users(
                &self,
                ctx: &Context<'_>,
                after: Option<String>,
                before: Option<String>,
                first: Option<i32>,
                last: Option<i32>,
            ) -> async_graphql::Result<Option<Connection<UserNode>>> {
                Ok(Some(
                    users_page(
                        ctx,
                        $catalog,
                        &self.0.id,
                        PageArgs::new(after, before, first, last),
                    )
                    .await?,
                ))
            }
        }
    };
}

entry_node!(RoleNode, "Role", Catalog::Roles, GroupNode, groups);
entry_node!(GroupNode, "Group", Catalog::Groups, RoleNode, roles);

/// Role and group queries.
#[derive(Default)]
pub struct RoleQuery;

#[Object]
impl RoleQuery {
    /// All roles
    #[allow(clippy::too_many_arguments)]
    async fn roles(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        #[graphql(name = "excludedIDs")] excluded_ids: Option<Vec<ID>>,
        first: Option<i32>,
        last: Option<i32>,
        search_keyword: Option<String>,
    ) -> async_graphql::Result<Option<Connection<RoleNode>>> {
        let page = entries_page(
            ctx,
            Catalog::Roles,
            PageArgs::new(after, before, first, last),
            excluded_ids,
            search_keyword,
        )
        .await?;
        Ok(Some(page.map(RoleNode)))
    }

    /// All groups
    #[allow(clippy::too_many_arguments)]
    async fn groups(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        #[graphql(name = "excludedIDs")] excluded_ids: Option<Vec<ID>>,
        first: Option<i32>,
        last: Option<i32>,
        search_keyword: Option<String>,
    ) -> async_graphql::Result<Option<Connection<GroupNode>>> {
        let page = entries_page(
            ctx,
            Catalog::Groups,
            PageArgs::new(after, before, first, last),
            excluded_ids,
            search_keyword,
        )
        .await?;
        Ok(Some(page.map(GroupNode)))
    }
}

/// Declare the input types of one catalog (Authgear names each).
macro_rules! entry_inputs {
    ($create:ident, $update:ident, $delete:ident) => {
        #[doc = concat!("`", stringify!($create), "`.")]
        #[derive(InputObject)]
        pub struct $create {
            /// The optional description.
            description: Option<String>,
            /// The key.
            key: String,
            /// The optional name.
            name: Option<String>,
        }

        #[doc = concat!("`", stringify!($update), "`.")]
        #[derive(InputObject)]
        pub struct $update {
            /// The new description (null: unchanged; "": cleared).
            description: Option<String>,
            /// The ID.
            id: ID,
            /// The new key (null: unchanged).
            key: Option<String>,
            /// The new name (null: unchanged; "": cleared).
            name: Option<String>,
        }

        #[doc = concat!("`", stringify!($delete), "`.")]
        #[derive(InputObject)]
        pub struct $delete {
            /// The ID.
            id: ID,
        }
    };
}

entry_inputs!(CreateRoleInput, UpdateRoleInput, DeleteRoleInput);
entry_inputs!(CreateGroupInput, UpdateGroupInput, DeleteGroupInput);

/// Declare an input that names an entry by key and some users.
macro_rules! users_input {
    ($name:ident, $key:ident) => {
        #[doc = concat!("`", stringify!($name), "`.")]
        #[derive(InputObject)]
        pub struct $name {
            /// The key.
            $key: String,
            /// User node IDs.
            #[graphql(name = "userIDs")]
            user_ids: Option<Vec<ID>>,
        }
    };
}

users_input!(AddRoleToUsersInput, role_key);
users_input!(RemoveRoleFromUsersInput, role_key);
users_input!(AddGroupToUsersInput, group_key);
users_input!(RemoveGroupFromUsersInput, group_key);

/// Declare an input that names a role and some groups.
macro_rules! groups_input {
    ($name:ident) => {
        #[doc = concat!("`", stringify!($name), "`.")]
        #[derive(InputObject)]
        pub struct $name {
            /// The group keys.
            group_keys: Vec<String>,
            /// The role key.
            role_key: String,
        }
    };
}

groups_input!(AddRoleToGroupsInput);
groups_input!(RemoveRoleFromGroupsInput);

async fn create_entry(
    ctx: &Context<'_>,
    catalog: Catalog,
    key: String,
    name: Option<String>,
    description: Option<String>,
) -> async_graphql::Result<Entry> {
    let r = req(ctx)?;
    check_key(&key)?;
    let entry = Entry {
        id: uuid::Uuid::new_v4().to_string(),
        key,
        name: text(name),
        description: text(description),
        created_at: r.now,
        updated_at: r.now,
    };
    let mut tx = r.tx().await?;
    tx.insert_entry(r.project(), catalog, &entry)
        .await
        .map_err(|e| r.fail(e))?;
    record(
        &mut tx,
        r,
        &format!("create_{}", noun(catalog)),
        None,
        json!({ noun(catalog): entry_json(catalog, &entry) }),
    )
    .await?;
    Ok(entry)
}

async fn update_entry(
    ctx: &Context<'_>,
    catalog: Catalog,
    id: &ID,
    key: Option<String>,
    name: Option<String>,
    description: Option<String>,
) -> async_graphql::Result<Entry> {
    let r = req(ctx)?;
    let raw = ids::require(type_name(catalog), noun(catalog), id)?;
    if let Some(key) = &key {
        check_key(key)?;
    }
    let mut tx = r.tx().await?;
    let Some(mut entry) = tx
        .entry(r.project(), catalog, &raw)
        .await
        .map_err(|e| r.fail(e))?
    else {
        return Err(not_found(catalog).into());
    };
    let before = entry_json(catalog, &entry);
    if let Some(key) = key {
        entry.key = key;
    }
    if let Some(name) = name {
        entry.name = text(Some(name));
    }
    if let Some(description) = description {
        entry.description = text(Some(description));
    }
    entry.updated_at = r.now;
    tx.save_entry(r.project(), catalog, &entry)
        .await
        .map_err(|e| r.fail(e))?;
    record(
        &mut tx,
        r,
        &format!("update_{}", noun(catalog)),
        None,
        json!({"original": before, "new": entry_json(catalog, &entry)}),
    )
    .await?;
    Ok(entry)
}

async fn delete_entry(ctx: &Context<'_>, catalog: Catalog, id: &ID) -> async_graphql::Result<()> {
    let r = req(ctx)?;
    let raw = ids::require(type_name(catalog), noun(catalog), id)?;
    let mut tx = r.tx().await?;
    let Some(entry) = tx
        .entry(r.project(), catalog, &raw)
        .await
        .map_err(|e| r.fail(e))?
    else {
        return Err(not_found(catalog).into());
    };
    tx.delete_entry(r.project(), catalog, &raw)
        .await
        .map_err(|e| r.fail(e))?;
    record(
        &mut tx,
        r,
        &format!("delete_{}", noun(catalog)),
        None,
        json!({ noun(catalog): entry_json(catalog, &entry) }),
    )
    .await?;
    Ok(())
}

fn entry_json(catalog: Catalog, e: &Entry) -> serde_json::Value {
    json!({"id": ids::encode(type_name(catalog), &e.id), "key": e.key, "name": e.name, "description": e.description})
}

/// The entry with `key`, or `RoleNotFound` / `GroupNotFound`.
async fn by_key(
    tx: &mut Tx,
    r: &RequestCtx,
    catalog: Catalog,
    key: &str,
) -> async_graphql::Result<Entry> {
    match tx
        .entry_by_key(r.project(), catalog, key)
        .await
        .map_err(|e| r.fail(e))?
    {
        Some(e) => Ok(e),
        None => Err(not_found(catalog).into()),
    }
}

/// Raw user IDs that all exist, or `UserUnknownKeys` naming the missing.
async fn existing_users(
    tx: &mut Tx,
    r: &RequestCtx,
    user_ids: Option<Vec<ID>>,
) -> async_graphql::Result<Vec<String>> {
    // Authgear panics ("unexpected error") when userIDs is omitted; keyward
    // treats it as an empty list.
    let raws = user_ids
        .unwrap_or_default()
        .iter()
        .map(|id| ids::require("User", "user", id))
        .collect::<Result<Vec<_>, _>>()?;
    let mut missing = Vec::new();
    for raw in &raws {
        if tx
            .user(r.project(), raw)
            .await
            .map_err(|e| r.fail(e))?
            .is_none()
        {
            missing.push(raw.clone());
        }
    }
    if !missing.is_empty() {
        return Err(ApiErr::not_found("UserUnknownKeys", "unknown user ids")
            .info(json!({"ids": missing}))
            .into());
    }
    Ok(raws)
}

async fn change_users(
    ctx: &Context<'_>,
    catalog: Catalog,
    key: &str,
    user_ids: Option<Vec<ID>>,
    add: bool,
) -> async_graphql::Result<Entry> {
    let r = req(ctx)?;
    let mut tx = r.tx().await?;
    let entry = by_key(&mut tx, r, catalog, key).await?;
    let users = existing_users(&mut tx, r, user_ids).await?;
    let project = r.project();
    if add {
        tx.link_users(project, catalog, &entry.id, &users, r.now)
            .await
    } else {
        tx.unlink_users(project, catalog, &entry.id, &users).await
    }
    .map_err(|e| r.fail(e))?;
    let verb = if add { "add" } else { "remove" };
    let prep = if add { "to" } else { "from" };
    let user_ids: Vec<String> = users.iter().map(|u| ids::encode("User", u)).collect();
    record(
        &mut tx,
        r,
        &format!("{verb}_{}_{prep}_users", noun(catalog)),
        None,
        json!({ "key": entry.key, "user_ids": user_ids }),
    )
    .await?;
    Ok(entry)
}

async fn change_groups_of_role(
    ctx: &Context<'_>,
    role_key: &str,
    group_keys: Vec<String>,
    add: bool,
) -> async_graphql::Result<Entry> {
    let r = req(ctx)?;
    let mut tx = r.tx().await?;
    let role = by_key(&mut tx, r, Catalog::Roles, role_key).await?;
    let (groups, missing) = tx
        .entries_by_keys(r.project(), Catalog::Groups, &group_keys)
        .await
        .map_err(|e| r.fail(e))?;
    if !missing.is_empty() {
        return Err(ApiErr::not_found("GroupUnknownKeys", "unknown group keys")
            .info(json!({"keys": missing}))
            .into());
    }
    let group_ids: Vec<String> = groups.iter().map(|g| g.id.clone()).collect();
    tx.set_group_roles(r.project(), &role.id, &group_ids, add, r.now)
        .await
        .map_err(|e| r.fail(e))?;
    let verb = if add {
        "add_role_to_groups"
    } else {
        "remove_role_from_groups"
    };
    record(
        &mut tx,
        r,
        verb,
        None,
        json!({"role_key": role.key, "group_keys": group_keys}),
    )
    .await?;
    Ok(role)
}

macro_rules! payload {
    ($name:ident, $field:ident: $ty:ty) => {
        #[doc = concat!("`", stringify!($name), "`.")]
        #[derive(SimpleObject)]
        pub struct $name {
            $field: $ty,
        }
    };
}

payload!(CreateRolePayload, role: RoleNode);
payload!(UpdateRolePayload, role: RoleNode);
payload!(DeleteRolePayload, ok: Option<bool>);
payload!(CreateGroupPayload, group: GroupNode);
payload!(UpdateGroupPayload, group: GroupNode);
payload!(DeleteGroupPayload, ok: Option<bool>);
payload!(AddRoleToUsersPayload, role: RoleNode);
payload!(RemoveRoleFromUsersPayload, role: RoleNode);
payload!(AddGroupToUsersPayload, group: GroupNode);
payload!(RemoveGroupToUsersPayload, group: GroupNode);
payload!(AddRoleToGroupsPayload, role: RoleNode);
payload!(RemoveRoleFromGroupsPayload, role: RoleNode);

/// Role and group mutations.
#[derive(Default)]
pub struct RoleMutation;

#[Object]
impl RoleMutation {
    /// Create a new role.
    async fn create_role(
        &self,
        ctx: &Context<'_>,
        input: CreateRoleInput,
    ) -> async_graphql::Result<CreateRolePayload> {
        let e = create_entry(
            ctx,
            Catalog::Roles,
            input.key,
            input.name,
            input.description,
        )
        .await?;
        Ok(CreateRolePayload { role: RoleNode(e) })
    }
    /// Update an existing role.
    async fn update_role(
        &self,
        ctx: &Context<'_>,
        input: UpdateRoleInput,
    ) -> async_graphql::Result<UpdateRolePayload> {
        let e = update_entry(
            ctx,
            Catalog::Roles,
            &input.id,
            input.key,
            input.name,
            input.description,
        )
        .await?;
        Ok(UpdateRolePayload { role: RoleNode(e) })
    }
    /// Delete an existing role.
    async fn delete_role(
        &self,
        ctx: &Context<'_>,
        input: DeleteRoleInput,
    ) -> async_graphql::Result<DeleteRolePayload> {
        delete_entry(ctx, Catalog::Roles, &input.id).await?;
        Ok(DeleteRolePayload { ok: Some(true) })
    }
    /// Create a new group.
    async fn create_group(
        &self,
        ctx: &Context<'_>,
        input: CreateGroupInput,
    ) -> async_graphql::Result<CreateGroupPayload> {
        let e = create_entry(
            ctx,
            Catalog::Groups,
            input.key,
            input.name,
            input.description,
        )
        .await?;
        Ok(CreateGroupPayload {
            group: GroupNode(e),
        })
    }
    /// Update an existing group.
    async fn update_group(
        &self,
        ctx: &Context<'_>,
        input: UpdateGroupInput,
    ) -> async_graphql::Result<UpdateGroupPayload> {
        let e = update_entry(
            ctx,
            Catalog::Groups,
            &input.id,
            input.key,
            input.name,
            input.description,
        )
        .await?;
        Ok(UpdateGroupPayload {
            group: GroupNode(e),
        })
    }
    /// Delete an existing group.
    async fn delete_group(
        &self,
        ctx: &Context<'_>,
        input: DeleteGroupInput,
    ) -> async_graphql::Result<DeleteGroupPayload> {
        delete_entry(ctx, Catalog::Groups, &input.id).await?;
        Ok(DeleteGroupPayload { ok: Some(true) })
    }
    /// Add role to users.
    async fn add_role_to_users(
        &self,
        ctx: &Context<'_>,
        input: AddRoleToUsersInput,
    ) -> async_graphql::Result<AddRoleToUsersPayload> {
        let e = change_users(ctx, Catalog::Roles, &input.role_key, input.user_ids, true).await?;
        Ok(AddRoleToUsersPayload { role: RoleNode(e) })
    }
    /// Remove role from users.
    async fn remove_role_from_users(
        &self,
        ctx: &Context<'_>,
        input: RemoveRoleFromUsersInput,
    ) -> async_graphql::Result<RemoveRoleFromUsersPayload> {
        let e = change_users(ctx, Catalog::Roles, &input.role_key, input.user_ids, false).await?;
        Ok(RemoveRoleFromUsersPayload { role: RoleNode(e) })
    }
    /// Add group to users.
    async fn add_group_to_users(
        &self,
        ctx: &Context<'_>,
        input: AddGroupToUsersInput,
    ) -> async_graphql::Result<AddGroupToUsersPayload> {
        let e = change_users(ctx, Catalog::Groups, &input.group_key, input.user_ids, true).await?;
        Ok(AddGroupToUsersPayload {
            group: GroupNode(e),
        })
    }
    /// Remove group from users.
    async fn remove_group_from_users(
        &self,
        ctx: &Context<'_>,
        input: RemoveGroupFromUsersInput,
    ) -> async_graphql::Result<RemoveGroupToUsersPayload> {
        let e = change_users(
            ctx,
            Catalog::Groups,
            &input.group_key,
            input.user_ids,
            false,
        )
        .await?;
        Ok(RemoveGroupToUsersPayload {
            group: GroupNode(e),
        })
    }
    /// Add role to groups.
    async fn add_role_to_groups(
        &self,
        ctx: &Context<'_>,
        input: AddRoleToGroupsInput,
    ) -> async_graphql::Result<AddRoleToGroupsPayload> {
        let e = change_groups_of_role(ctx, &input.role_key, input.group_keys, true).await?;
        Ok(AddRoleToGroupsPayload { role: RoleNode(e) })
    }
    /// Remove role from groups.
    async fn remove_role_from_groups(
        &self,
        ctx: &Context<'_>,
        input: RemoveRoleFromGroupsInput,
    ) -> async_graphql::Result<RemoveRoleFromGroupsPayload> {
        let e = change_groups_of_role(ctx, &input.role_key, input.group_keys, false).await?;
        Ok(RemoveRoleFromGroupsPayload { role: RoleNode(e) })
    }
}
