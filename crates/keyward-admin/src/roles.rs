//! `Role` and `Group`, the `roles`/`groups` queries and their mutations.
//! Keys follow Authgear's `x_role_group_key` format.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use keyward_accounts::ids;
use keyward_accounts::roles::{self as accounts, EntryChange, NewEntry, noun, type_name};
use keyward_store::{Catalog, Entry};

use crate::connection::{Connection, PageArgs, Total};
use crate::context::req;
use crate::errors::AdminResult;
use crate::nodes::{GroupNode, RoleNode, UserNode};

async fn entries_page(
    ctx: &Context<'_>,
    catalog: Catalog,
    args: PageArgs,
    excluded_ids: Option<Vec<ID>>,
    search_keyword: Option<String>,
) -> AdminResult<Connection<Entry>> {
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
        .await?;
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
    ) -> AdminResult<Option<Connection<RoleNode>>> {
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
    ) -> AdminResult<Option<Connection<GroupNode>>> {
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

fn entry_raw(catalog: Catalog, id: &ID) -> AdminResult<String> {
    Ok(ids::require(type_name(catalog), noun(catalog), id)?)
}

async fn create_entry(
    ctx: &Context<'_>,
    catalog: Catalog,
    key: String,
    name: Option<String>,
    description: Option<String>,
) -> AdminResult<Entry> {
    let r = req(ctx)?;
    accounts::check_key(&key)?;
    let new = NewEntry {
        key,
        name,
        description,
    };
    Ok(accounts::create(&mut *r.tx().await?, &r.actor, catalog, new).await?)
}

async fn update_entry(
    ctx: &Context<'_>,
    catalog: Catalog,
    id: &ID,
    key: Option<String>,
    name: Option<String>,
    description: Option<String>,
) -> AdminResult<Entry> {
    let r = req(ctx)?;
    let raw = entry_raw(catalog, id)?;
    let change = EntryChange {
        key,
        name,
        description,
    };
    Ok(accounts::update(&mut *r.tx().await?, &r.actor, catalog, &raw, change).await?)
}

async fn delete_entry(ctx: &Context<'_>, catalog: Catalog, id: &ID) -> AdminResult<()> {
    let r = req(ctx)?;
    let raw = entry_raw(catalog, id)?;
    Ok(accounts::delete(&mut *r.tx().await?, &r.actor, catalog, &raw).await?)
}

async fn change_users(
    ctx: &Context<'_>,
    catalog: Catalog,
    key: &str,
    user_ids: Option<Vec<ID>>,
    add: bool,
) -> AdminResult<Entry> {
    let r = req(ctx)?;
    // Authgear panics ("unexpected error") when userIDs is omitted; keyward
    // treats it as an empty list.
    let users = user_ids
        .unwrap_or_default()
        .iter()
        .map(|id| crate::nodes::user_raw(id))
        .collect::<AdminResult<Vec<_>>>()?;
    Ok(accounts::change_users(&mut *r.tx().await?, &r.actor, catalog, key, users, add).await?)
}

async fn change_groups_of_role(
    ctx: &Context<'_>,
    role_key: &str,
    group_keys: Vec<String>,
    add: bool,
) -> AdminResult<Entry> {
    let r = req(ctx)?;
    let mut tx = r.tx().await?;
    Ok(accounts::change_groups_of_role(&mut tx, &r.actor, role_key, group_keys, add).await?)
}

/// Declare an input that names a user and some roles or groups.
macro_rules! user_entries_input {
    ($name:ident, $keys:ident, $gql:literal) => {
        #[doc = concat!("`", stringify!($name), "`.")]
        #[derive(InputObject)]
        pub struct $name {
            /// The keys.
            #[graphql(name = $gql)]
            $keys: Option<Vec<String>>,
            /// The user's node ID.
            #[graphql(name = "userID")]
            user_id: ID,
        }
    };
}

user_entries_input!(AddUserToRolesInput, role_keys, "roleKeys");
user_entries_input!(RemoveUserFromRolesInput, role_keys, "roleKeys");
user_entries_input!(AddUserToGroupsInput, group_keys, "groupKeys");
user_entries_input!(RemoveUserFromGroupsInput, group_keys, "groupKeys");

/// Declare an input that names a group and some roles.
macro_rules! group_roles_input {
    ($name:ident) => {
        #[doc = concat!("`", stringify!($name), "`.")]
        #[derive(InputObject)]
        pub struct $name {
            /// The group key.
            group_key: String,
            /// The role keys.
            role_keys: Vec<String>,
        }
    };
}

group_roles_input!(AddGroupToRolesInput);
group_roles_input!(RemoveGroupFromRolesInput);

async fn change_entries_of_user(
    ctx: &Context<'_>,
    catalog: Catalog,
    user_id: &ID,
    keys: Option<Vec<String>>,
    add: bool,
) -> AdminResult<UserNode> {
    let r = req(ctx)?;
    let user = crate::nodes::user_raw(user_id)?;
    // Authgear panics ("unexpected error") when the keys are omitted;
    // keyward treats that as an empty list, as for `userIDs`.
    let keys = keys.unwrap_or_default();
    accounts::change_entries_of_user(&mut *r.tx().await?, &r.actor, catalog, &user, keys, add)
        .await?;
    UserNode::load(r, &user).await
}

async fn change_roles_of_group(
    ctx: &Context<'_>,
    group_key: &str,
    role_keys: Vec<String>,
    add: bool,
) -> AdminResult<GroupNode> {
    let r = req(ctx)?;
    let mut tx = r.tx().await?;
    let group =
        accounts::change_roles_of_group(&mut tx, &r.actor, group_key, role_keys, add).await?;
    Ok(GroupNode(group))
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
payload!(AddUserToRolesPayload, user: UserNode);
payload!(RemoveUserFromRolesPayload, user: UserNode);
payload!(AddUserToGroupsPayload, user: UserNode);
payload!(RemoveUserFromGroupsPayload, user: UserNode);
payload!(AddGroupToRolesPayload, group: GroupNode);
payload!(RemoveGroupFromRolesPayload, group: GroupNode);

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
    ) -> AdminResult<CreateRolePayload> {
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
    ) -> AdminResult<UpdateRolePayload> {
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
    ) -> AdminResult<DeleteRolePayload> {
        delete_entry(ctx, Catalog::Roles, &input.id).await?;
        Ok(DeleteRolePayload { ok: Some(true) })
    }
    /// Create a new group.
    async fn create_group(
        &self,
        ctx: &Context<'_>,
        input: CreateGroupInput,
    ) -> AdminResult<CreateGroupPayload> {
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
    ) -> AdminResult<UpdateGroupPayload> {
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
    ) -> AdminResult<DeleteGroupPayload> {
        delete_entry(ctx, Catalog::Groups, &input.id).await?;
        Ok(DeleteGroupPayload { ok: Some(true) })
    }
    /// Add role to users.
    async fn add_role_to_users(
        &self,
        ctx: &Context<'_>,
        input: AddRoleToUsersInput,
    ) -> AdminResult<AddRoleToUsersPayload> {
        let e = change_users(ctx, Catalog::Roles, &input.role_key, input.user_ids, true).await?;
        Ok(AddRoleToUsersPayload { role: RoleNode(e) })
    }
    /// Remove role from users.
    async fn remove_role_from_users(
        &self,
        ctx: &Context<'_>,
        input: RemoveRoleFromUsersInput,
    ) -> AdminResult<RemoveRoleFromUsersPayload> {
        let e = change_users(ctx, Catalog::Roles, &input.role_key, input.user_ids, false).await?;
        Ok(RemoveRoleFromUsersPayload { role: RoleNode(e) })
    }
    /// Add group to users.
    async fn add_group_to_users(
        &self,
        ctx: &Context<'_>,
        input: AddGroupToUsersInput,
    ) -> AdminResult<AddGroupToUsersPayload> {
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
    ) -> AdminResult<RemoveGroupToUsersPayload> {
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
    ) -> AdminResult<AddRoleToGroupsPayload> {
        let e = change_groups_of_role(ctx, &input.role_key, input.group_keys, true).await?;
        Ok(AddRoleToGroupsPayload { role: RoleNode(e) })
    }
    /// Remove role from groups.
    async fn remove_role_from_groups(
        &self,
        ctx: &Context<'_>,
        input: RemoveRoleFromGroupsInput,
    ) -> AdminResult<RemoveRoleFromGroupsPayload> {
        let e = change_groups_of_role(ctx, &input.role_key, input.group_keys, false).await?;
        Ok(RemoveRoleFromGroupsPayload { role: RoleNode(e) })
    }
    /// Add the user to roles.
    async fn add_user_to_roles(
        &self,
        ctx: &Context<'_>,
        input: AddUserToRolesInput,
    ) -> AdminResult<AddUserToRolesPayload> {
        let user =
            change_entries_of_user(ctx, Catalog::Roles, &input.user_id, input.role_keys, true)
                .await?;
        Ok(AddUserToRolesPayload { user })
    }
    /// Remove the user from roles.
    async fn remove_user_from_roles(
        &self,
        ctx: &Context<'_>,
        input: RemoveUserFromRolesInput,
    ) -> AdminResult<RemoveUserFromRolesPayload> {
        let user =
            change_entries_of_user(ctx, Catalog::Roles, &input.user_id, input.role_keys, false)
                .await?;
        Ok(RemoveUserFromRolesPayload { user })
    }
    /// Add the user to groups.
    async fn add_user_to_groups(
        &self,
        ctx: &Context<'_>,
        input: AddUserToGroupsInput,
    ) -> AdminResult<AddUserToGroupsPayload> {
        let user =
            change_entries_of_user(ctx, Catalog::Groups, &input.user_id, input.group_keys, true)
                .await?;
        Ok(AddUserToGroupsPayload { user })
    }
    /// Remove the user from groups.
    async fn remove_user_from_groups(
        &self,
        ctx: &Context<'_>,
        input: RemoveUserFromGroupsInput,
    ) -> AdminResult<RemoveUserFromGroupsPayload> {
        let user = change_entries_of_user(
            ctx,
            Catalog::Groups,
            &input.user_id,
            input.group_keys,
            false,
        )
        .await?;
        Ok(RemoveUserFromGroupsPayload { user })
    }
    /// Add the group to roles.
    async fn add_group_to_roles(
        &self,
        ctx: &Context<'_>,
        input: AddGroupToRolesInput,
    ) -> AdminResult<AddGroupToRolesPayload> {
        let group = change_roles_of_group(ctx, &input.group_key, input.role_keys, true).await?;
        Ok(AddGroupToRolesPayload { group })
    }
    /// Remove the group from roles.
    async fn remove_group_from_roles(
        &self,
        ctx: &Context<'_>,
        input: RemoveGroupFromRolesInput,
    ) -> AdminResult<RemoveGroupFromRolesPayload> {
        let group = change_roles_of_group(ctx, &input.group_key, input.role_keys, false).await?;
        Ok(RemoveGroupFromRolesPayload { group })
    }
}
