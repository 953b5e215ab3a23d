//! `auditLogs` and the `AuditLog` node. Entries are written by the
//! accounts core (`keyward_accounts::audit`) in the transaction of the
//! change they record; this module only lists them. Beyond Authgear, every
//! entry names the key ID that signed the request, next to the token's
//! `audit_context`. keyward's own operator events (`portal.*`) are not
//! Admin API activity and are left out of the listing.

use async_graphql::{Context, ID, Object};
use keyward_accounts::audit::OPERATOR_EVENT_PREFIX;
use keyward_accounts::ids;
use keyward_accounts::loginid::{self, LoginIdType};
use keyward_store::{AuditFilter, Seek};

use crate::activity::ActivityType;
use crate::connection::SortDirection;
use crate::connection::{Connection, PageArgs, Total};
use crate::context::req;
use crate::errors::{AdminError, AdminResult};
use crate::nodes::AuditLogNode;
use crate::scalars::DateTime;

/// The audit log query.
#[derive(Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// Audit logs
    #[allow(clippy::too_many_arguments)]
    async fn audit_logs(
        &self,
        ctx: &Context<'_>,
        activity_types: Option<Vec<ActivityType>>,
        after: Option<String>,
        before: Option<String>,
        email_addresses: Option<Vec<String>>,
        first: Option<i32>,
        last: Option<i32>,
        phone_numbers: Option<Vec<String>>,
        range_from: Option<DateTime>,
        range_to: Option<DateTime>,
        sort_direction: Option<SortDirection>,
        #[graphql(name = "userIDs")] user_ids: Option<Vec<ID>>,
    ) -> AdminResult<Option<Connection<AuditLogNode>>> {
        let r = req(ctx)?;
        let descending = SortDirection::descending(sort_direction);
        let page = PageArgs::new(after, before, first, last).keyset(descending)?;
        let user_ids = user_ids
            .unwrap_or_default()
            .iter()
            .map(|id| ids::raw_of("User", id))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| AdminError::invalid("Invalid", "invalid user IDs"))?;
        // Emails and phone numbers select the entries of the users who hold
        // them now (unparseable ones match nobody).
        let mut login_ids = Vec::new();
        for (kind, values) in [
            (LoginIdType::Email, email_addresses),
            (LoginIdType::Phone, phone_numbers),
        ] {
            for value in values.unwrap_or_default() {
                login_ids.push(loginid::lookup_key(kind, &value).unwrap_or_default());
            }
        }
        let filter = AuditFilter {
            activity_types: activity_types
                .unwrap_or_default()
                .into_iter()
                .map(|a| keyward_accounts::ActivityType::from(a).event().to_owned())
                .collect(),
            exclude_type_prefix: Some(OPERATOR_EVENT_PREFIX.to_owned()),
            user_ids,
            login_ids,
            kid: None,
            from: range_from.map(|d| d.0),
            to: range_to.map(|d| d.0),
        };
        let result = r
            .tx()
            .await?
            .list_audit(r.project(), &filter, &page)
            .await?;
        let items = result
            .items
            .into_iter()
            .map(|a| {
                let seek = Seek {
                    sort: a.seq,
                    id: String::new(),
                };
                (AuditLogNode(a), seek)
            })
            .collect();
        Ok(Some(Connection::from_page(
            items,
            result.more,
            &page,
            Total::Audit(filter),
        )))
    }
}
