//! `Resource` and `Scope`: a project's API resources and their scopes.

use async_graphql::{Context, ID, Object};
use keyward_accounts::ids;
use keyward_store::{Resource, Scope};

use crate::connection::{Connection, Named, PageArgs};
use crate::context::req;
use crate::errors::AdminResult;
use crate::scalars::DateTime;

/// Most scopes on one page of `Resource.scopes` (Authgear's).
pub const MAX_SCOPES_PAGE: i32 = 1000;

/// An API resource.
#[derive(Clone)]
pub struct ResourceNode(pub Resource);

impl Named for ResourceNode {
    const NAME: &'static str = "Resource";
}

#[Object(name = "Resource")]
impl ResourceNode {
    /// The ID of entity
    pub async fn id(&self) -> ID {
        ID(ids::encode("Resource", &self.0.id))
    }
    /// The creation time of entity
    pub async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
    /// The update time of entity
    pub async fn updated_at(&self) -> DateTime {
        DateTime(self.0.updated_at)
    }
    /// The resource URI (the `aud` of its access tokens).
    #[graphql(name = "resourceURI")]
    async fn resource_uri(&self) -> &str {
        &self.0.uri
    }
    /// The display name.
    async fn name(&self) -> Option<&str> {
        self.0.name.as_deref()
    }
    /// The client IDs associated with the resource.
    #[graphql(name = "clientIDs")]
    async fn client_ids(&self, ctx: &Context<'_>) -> AdminResult<Vec<String>> {
        let r = req(ctx)?;
        let ids = r
            .tx()
            .await?
            .clients_of_resource(r.project(), &self.0.id)
            .await?;
        Ok(ids)
    }
    /// The resource's scopes, in scope order (at most 1000 a page).
    #[allow(clippy::too_many_arguments)]
    async fn scopes(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        #[graphql(name = "clientID")] client_id: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
        search_keyword: Option<String>,
    ) -> AdminResult<Option<Connection<ScopeNode>>> {
        let r = req(ctx)?;
        let list = r
            .tx()
            .await?
            .scopes_of_resource(
                r.project(),
                &self.0.id,
                search_keyword.as_deref(),
                client_id.as_deref(),
                None,
            )
            .await?;
        let clamp = |n: Option<i32>| n.map(|n| n.min(MAX_SCOPES_PAGE));
        let first = match (first, last) {
            (None, None) => Some(MAX_SCOPES_PAGE),
            (f, _) => clamp(f),
        };
        let args = PageArgs::new(after, before, first, clamp(last));
        let nodes = list.into_iter().map(ScopeNode).collect();
        Ok(Some(Connection::from_list(nodes, &args)?))
    }
}

/// A scope of a resource.
#[derive(Clone)]
pub struct ScopeNode(pub Scope);

impl Named for ScopeNode {
    const NAME: &'static str = "Scope";
}

#[Object(name = "Scope")]
impl ScopeNode {
    /// The ID of entity
    pub async fn id(&self) -> ID {
        ID(ids::encode("Scope", &self.0.id))
    }
    /// The creation time of entity
    pub async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
    /// The update time of entity
    pub async fn updated_at(&self) -> DateTime {
        DateTime(self.0.updated_at)
    }
    /// The scope token.
    async fn scope(&self) -> &str {
        &self.0.scope
    }
    /// The description.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// The resource's node ID.
    #[graphql(name = "resourceID")]
    async fn resource_id(&self) -> ID {
        ID(ids::encode("Resource", &self.0.resource_id))
    }
}
