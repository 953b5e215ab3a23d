//! `Role` and `Group`: one node type per catalog, declared by one macro,
//! with their linked entries and users.

use async_graphql::{Context, ID, Object};
use keyward_accounts::ids;
use keyward_store::{Catalog, Entry};

use super::UserNode;
use crate::connection::{Connection, Named, PageArgs, Total};
use crate::context::req;
use crate::errors::AdminResult;
use crate::scalars::DateTime;

async fn users_page(
    ctx: &Context<'_>,
    catalog: Catalog,
    id: &str,
    args: PageArgs,
) -> AdminResult<Connection<UserNode>> {
    let r = req(ctx)?;
    let page = args.keyset(true)?;
    let result = r
        .tx()
        .await?
        .users_of_entry(r.project(), catalog, id, &page)
        .await?;
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

async fn linked(ctx: &Context<'_>, of: Catalog, id: &str) -> AdminResult<Vec<Entry>> {
    let r = req(ctx)?;
    let list = r.tx().await?.linked_entries(r.project(), of, id).await;
    Ok(list?)
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
            ) -> AdminResult<Option<Connection<$other>>> {
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
            ) -> AdminResult<Option<Connection<UserNode>>> {
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
