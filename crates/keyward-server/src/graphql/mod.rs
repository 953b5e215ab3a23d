//! The Admin API schema. Resolvers get the [`AdminCaller`] from the request
//! data (put there by the auth layer) and never read headers. User
//! management (users, identities, roles, groups) extends this schema next.

mod project;

use async_graphql::{EmptyMutation, EmptySubscription, Object, Schema};

use crate::auth::AdminCaller;
use crate::config::Config;

pub use project::ProjectNode;

/// The Admin API schema type.
pub type AdminSchema = Schema<Query, EmptyMutation, EmptySubscription>;

/// Build the schema with the configured depth and complexity limits.
pub fn schema(config: &Config) -> AdminSchema {
    Schema::build(Query, EmptyMutation, EmptySubscription)
        .limit_depth(config.graphql_max_depth)
        .limit_complexity(config.graphql_max_complexity)
        .finish()
}

/// Root query type.
pub struct Query;

#[Object]
impl Query {
    /// The project this request is authenticated for.
    async fn project(
        &self,
        ctx: &async_graphql::Context<'_>,
    ) -> async_graphql::Result<ProjectNode> {
        let caller = ctx.data::<AdminCaller>()?;
        Ok(ProjectNode::from_caller(caller))
    }
}
