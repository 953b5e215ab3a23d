//! API resources and scopes: the `resources` query and the eleven
//! resource, scope and client-association mutations, over the accounts
//! core's `resources`. Resources are addressed by URI, as in Authgear.

use async_graphql::{Context, InputObject, Object, SimpleObject};
use keyward_accounts::resources::{self as accounts, ScopeChange};
use keyward_store::Seek;

use crate::connection::{Connection, PageArgs, Total};
use crate::context::req;
use crate::errors::AdminResult;
use crate::nodes::{ResourceNode, ScopeNode};

/// The `resources` query.
#[derive(Default)]
pub struct ResourceQuery;

#[Object]
impl ResourceQuery {
    /// API resources, newest first
    #[allow(clippy::too_many_arguments)]
    async fn resources(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        #[graphql(name = "clientID")] client_id: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
        search_keyword: Option<String>,
    ) -> AdminResult<Option<Connection<ResourceNode>>> {
        let r = req(ctx)?;
        let page = PageArgs::new(after, before, first, last).keyset(true)?;
        let search = search_keyword.filter(|s| !s.is_empty());
        let result = r
            .tx()
            .await?
            .list_resources(r.project(), search.as_deref(), client_id.as_deref(), &page)
            .await?;
        let items = result
            .items
            .into_iter()
            .map(|res| {
                let seek = Seek {
                    sort: res.created_at,
                    id: res.id.clone(),
                };
                (ResourceNode(res), seek)
            })
            .collect();
        Ok(Some(Connection::from_page(
            items,
            result.more,
            &page,
            Total::Resources(search, client_id),
        )))
    }
}

/// `CreateResourceInput`.
#[derive(InputObject)]
pub struct CreateResourceInput {
    /// The display name.
    name: Option<String>,
    /// The resource URI.
    #[graphql(name = "resourceURI")]
    resource_uri: String,
}

/// `UpdateResourceInput`.
#[derive(InputObject)]
pub struct UpdateResourceInput {
    /// The new name (null: unchanged; "": cleared).
    name: Option<String>,
    /// The resource URI.
    #[graphql(name = "resourceURI")]
    resource_uri: String,
}

/// `DeleteResourceInput`.
#[derive(InputObject)]
pub struct DeleteResourceInput {
    /// The resource URI.
    #[graphql(name = "resourceURI")]
    resource_uri: String,
}

/// Declare a scope input (`createScope`, `updateScope`).
macro_rules! scope_input {
    ($name:ident) => {
        #[doc = concat!("`", stringify!($name), "`.")]
        #[derive(InputObject)]
        pub struct $name {
            /// The description (update: null unchanged, "" cleared).
            description: Option<String>,
            /// The resource URI.
            #[graphql(name = "resourceURI")]
            resource_uri: String,
            /// The scope.
            scope: String,
        }
    };
}

scope_input!(CreateScopeInput);
scope_input!(UpdateScopeInput);

/// `DeleteScopeInput`.
#[derive(InputObject)]
pub struct DeleteScopeInput {
    /// The resource URI.
    #[graphql(name = "resourceURI")]
    resource_uri: String,
    /// The scope.
    scope: String,
}

/// Declare a client–resource input.
macro_rules! client_resource_input {
    ($name:ident) => {
        #[doc = concat!("`", stringify!($name), "`.")]
        #[derive(InputObject)]
        pub struct $name {
            /// The OAuth client ID.
            #[graphql(name = "clientID")]
            client_id: String,
            /// The resource URI.
            #[graphql(name = "resourceURI")]
            resource_uri: String,
        }
    };
}

client_resource_input!(AddResourceToClientIDInput);
client_resource_input!(RemoveResourceFromClientIDInput);

/// Declare a client–scopes input.
macro_rules! client_scopes_input {
    ($name:ident) => {
        #[doc = concat!("`", stringify!($name), "`.")]
        #[derive(InputObject)]
        pub struct $name {
            /// The OAuth client ID.
            #[graphql(name = "clientID")]
            client_id: String,
            /// The resource URI.
            #[graphql(name = "resourceURI")]
            resource_uri: String,
            /// The scopes.
            scopes: Vec<String>,
        }
    };
}

client_scopes_input!(AddScopesToClientIDInput);
client_scopes_input!(RemoveScopesFromClientIDInput);
client_scopes_input!(ReplaceScopesOfClientIDInput);

macro_rules! payload {
    ($name:ident, $field:ident: $ty:ty) => {
        #[doc = concat!("`", stringify!($name), "`.")]
        #[derive(SimpleObject)]
        pub struct $name {
            $field: $ty,
        }
    };
}

payload!(CreateResourcePayload, resource: ResourceNode);
payload!(UpdateResourcePayload, resource: ResourceNode);
payload!(DeleteResourcePayload, ok: Option<bool>);
payload!(CreateScopePayload, scope: ScopeNode);
payload!(UpdateScopePayload, scope: ScopeNode);
payload!(DeleteScopePayload, ok: Option<bool>);
payload!(AddResourceToClientIDPayload, resource: ResourceNode);
payload!(RemoveResourceFromClientIDPayload, resource: ResourceNode);
payload!(AddScopesToClientIDPayload, scopes: Vec<ScopeNode>);
payload!(RemoveScopesFromClientIDPayload, scopes: Vec<ScopeNode>);
payload!(ReplaceScopesOfClientIDPayload, scopes: Vec<ScopeNode>);

async fn link(
    ctx: &Context<'_>,
    client_id: &str,
    uri: &str,
    linked: bool,
) -> AdminResult<ResourceNode> {
    let r = req(ctx)?;
    let res = accounts::link_client(&mut *r.tx().await?, &r.actor, client_id, uri, linked).await?;
    Ok(ResourceNode(res))
}

async fn client_scopes(
    ctx: &Context<'_>,
    client_id: &str,
    uri: &str,
    scopes: &[String],
    change: ScopeChange,
) -> AdminResult<Vec<ScopeNode>> {
    let r = req(ctx)?;
    let mut tx = r.tx().await?;
    let list =
        accounts::change_client_scopes(&mut tx, &r.actor, client_id, uri, scopes, change).await?;
    Ok(list.into_iter().map(ScopeNode).collect())
}

/// Resource and scope mutations.
#[derive(Default)]
pub struct ResourceMutation;

#[Object]
impl ResourceMutation {
    /// Create a resource.
    async fn create_resource(
        &self,
        ctx: &Context<'_>,
        input: CreateResourceInput,
    ) -> AdminResult<CreateResourcePayload> {
        let r = req(ctx)?;
        let res = accounts::create(
            &mut *r.tx().await?,
            &r.actor,
            &input.resource_uri,
            input.name,
        )
        .await?;
        Ok(CreateResourcePayload {
            resource: ResourceNode(res),
        })
    }
    /// Update a resource.
    async fn update_resource(
        &self,
        ctx: &Context<'_>,
        input: UpdateResourceInput,
    ) -> AdminResult<UpdateResourcePayload> {
        let r = req(ctx)?;
        let res = accounts::update(
            &mut *r.tx().await?,
            &r.actor,
            &input.resource_uri,
            input.name,
        )
        .await?;
        Ok(UpdateResourcePayload {
            resource: ResourceNode(res),
        })
    }
    /// Delete a resource.
    async fn delete_resource(
        &self,
        ctx: &Context<'_>,
        input: DeleteResourceInput,
    ) -> AdminResult<DeleteResourcePayload> {
        let r = req(ctx)?;
        accounts::delete(&mut *r.tx().await?, &r.actor, &input.resource_uri).await?;
        Ok(DeleteResourcePayload { ok: Some(true) })
    }
    /// Create a scope.
    async fn create_scope(
        &self,
        ctx: &Context<'_>,
        input: CreateScopeInput,
    ) -> AdminResult<CreateScopePayload> {
        let r = req(ctx)?;
        let mut tx = r.tx().await?;
        let s = accounts::create_scope(
            &mut tx,
            &r.actor,
            &input.resource_uri,
            &input.scope,
            input.description,
        )
        .await?;
        Ok(CreateScopePayload {
            scope: ScopeNode(s),
        })
    }
    /// Update a scope.
    async fn update_scope(
        &self,
        ctx: &Context<'_>,
        input: UpdateScopeInput,
    ) -> AdminResult<UpdateScopePayload> {
        let r = req(ctx)?;
        let mut tx = r.tx().await?;
        let s = accounts::update_scope(
            &mut tx,
            &r.actor,
            &input.resource_uri,
            &input.scope,
            input.description,
        )
        .await?;
        Ok(UpdateScopePayload {
            scope: ScopeNode(s),
        })
    }
    /// Delete a scope.
    async fn delete_scope(
        &self,
        ctx: &Context<'_>,
        input: DeleteScopeInput,
    ) -> AdminResult<DeleteScopePayload> {
        let r = req(ctx)?;
        accounts::delete_scope(
            &mut *r.tx().await?,
            &r.actor,
            &input.resource_uri,
            &input.scope,
        )
        .await?;
        Ok(DeleteScopePayload { ok: Some(true) })
    }
    /// Associate a resource with a client.
    #[graphql(name = "addResourceToClientID")]
    async fn add_resource_to_client_id(
        &self,
        ctx: &Context<'_>,
        input: AddResourceToClientIDInput,
    ) -> AdminResult<AddResourceToClientIDPayload> {
        Ok(AddResourceToClientIDPayload {
            resource: link(ctx, &input.client_id, &input.resource_uri, true).await?,
        })
    }
    /// Dissociate a resource from a client.
    #[graphql(name = "removeResourceFromClientID")]
    async fn remove_resource_from_client_id(
        &self,
        ctx: &Context<'_>,
        input: RemoveResourceFromClientIDInput,
    ) -> AdminResult<RemoveResourceFromClientIDPayload> {
        Ok(RemoveResourceFromClientIDPayload {
            resource: link(ctx, &input.client_id, &input.resource_uri, false).await?,
        })
    }
    /// Assign scopes of a resource to a client.
    #[graphql(name = "addScopesToClientID")]
    async fn add_scopes_to_client_id(
        &self,
        ctx: &Context<'_>,
        input: AddScopesToClientIDInput,
    ) -> AdminResult<AddScopesToClientIDPayload> {
        Ok(AddScopesToClientIDPayload {
            scopes: client_scopes(
                ctx,
                &input.client_id,
                &input.resource_uri,
                &input.scopes,
                ScopeChange::Add,
            )
            .await?,
        })
    }
    /// Unassign scopes of a resource from a client.
    #[graphql(name = "removeScopesFromClientID")]
    async fn remove_scopes_from_client_id(
        &self,
        ctx: &Context<'_>,
        input: RemoveScopesFromClientIDInput,
    ) -> AdminResult<RemoveScopesFromClientIDPayload> {
        Ok(RemoveScopesFromClientIDPayload {
            scopes: client_scopes(
                ctx,
                &input.client_id,
                &input.resource_uri,
                &input.scopes,
                ScopeChange::Remove,
            )
            .await?,
        })
    }
    /// Make a client's scopes on a resource exactly these.
    #[graphql(name = "replaceScopesOfClientID")]
    async fn replace_scopes_of_client_id(
        &self,
        ctx: &Context<'_>,
        input: ReplaceScopesOfClientIDInput,
    ) -> AdminResult<ReplaceScopesOfClientIDPayload> {
        Ok(ReplaceScopesOfClientIDPayload {
            scopes: client_scopes(
                ctx,
                &input.client_id,
                &input.resource_uri,
                &input.scopes,
                ScopeChange::Replace,
            )
            .await?,
        })
    }
}
