//! The Admin API schema, compatible with Authgear's core (see
//! `../shared/spec/admin-api-compat.md`). Resolvers get the request's
//! [`RequestCtx`] (caller, one transaction, one clock) from the context data
//! and never read headers. One area per module: `users.rs`,
//! `identities.rs`, `roles.rs` (roles and groups), `audit.rs`; the rules
//! they apply live beside them (`loginid.rs`, `stdattrs.rs`, `password.rs`,
//! `status.rs`).

mod activity;
mod audit;
mod connection;
mod context;
mod errors;
mod identities;
mod ids;
mod loginid;
mod nodes;
pub(crate) mod password;
mod project;
mod roles;
mod scalars;
mod status;
mod stdattrs;
mod users;

use async_graphql::{EmptySubscription, MergedObject, Object, Schema};

use crate::config::Config;

pub use context::RequestCtx;
pub use errors::ApiErr;
pub use password::hash as hash_password;
pub use project::ProjectNode;

/// The Admin API schema type.
pub type AdminSchema = Schema<Query, Mutation, EmptySubscription>;

/// Build the schema with the configured depth and complexity limits.
pub fn schema(config: &Config) -> AdminSchema {
    Schema::build(Query::default(), Mutation::default(), EmptySubscription)
        .limit_depth(config.graphql_max_depth)
        .limit_complexity(config.graphql_max_complexity)
        .register_output_type::<nodes::Entity>()
        .finish()
}

/// Root query type.
#[derive(MergedObject, Default)]
pub struct Query(
    ProjectQuery,
    nodes::NodeQuery,
    users::UserQuery,
    roles::RoleQuery,
    audit::AuditQuery,
);

/// Root mutation type.
#[derive(MergedObject, Default)]
pub struct Mutation(
    users::UserMutation,
    identities::IdentityMutation,
    roles::RoleMutation,
);

/// keyward's own root field.
#[derive(Default)]
pub struct ProjectQuery;

#[Object]
impl ProjectQuery {
    /// The project this request is authenticated for (keyward only).
    async fn project(
        &self,
        ctx: &async_graphql::Context<'_>,
    ) -> async_graphql::Result<ProjectNode> {
        let r = context::req(ctx)?;
        Ok(ProjectNode::from_caller(&r.caller))
    }
}
