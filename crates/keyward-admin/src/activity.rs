//! `AuditLogActivityType`: the GraphQL face of the core's
//! [`keyward_accounts::ActivityType`], expanded from the same one list
//! ([`keyward_accounts::for_each_activity_type!`]) so the two cannot drift.

use async_graphql::Enum;

macro_rules! graphql_activity_type {
    ($($variant:ident = $event:literal $(as $graphql:literal)?,)*) => {
        /// The kind of an audit entry.
        #[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
        #[graphql(
            name = "AuditLogActivityType",
            remote = "keyward_accounts::ActivityType"
        )]
        pub enum ActivityType {
            $(
                #[doc = concat!("`", $event, "`")]
                $(#[graphql(name = $graphql)])?
                $variant,
            )*
        }
    };
}

keyward_accounts::for_each_activity_type!(graphql_activity_type);
