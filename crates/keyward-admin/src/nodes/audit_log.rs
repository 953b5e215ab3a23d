//! `AuditLog`: one entry of the project's audit log.

use async_graphql::{Context, ID, Object};
use keyward_accounts::ids;
use keyward_store::AuditEntry;

use super::UserNode;
use crate::activity::ActivityType;
use crate::connection::Named;
use crate::context::req;
use crate::errors::{AdminError, AdminResult};
use crate::scalars::{AuditLogData, DateTime};

/// An audit entry.
#[derive(Clone)]
pub struct AuditLogNode(pub AuditEntry);

impl Named for AuditLogNode {
    const NAME: &'static str = "AuditLog";
}

/// The raw ID of an entry: its sequence number in 16 hex digits.
pub fn raw_id(seq: i64) -> String {
    format!("{seq:016x}")
}

impl AuditLogNode {
    fn context(&self, field: &str) -> String {
        self.0.data["context"][field]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}

#[Object(name = "AuditLog")]
impl AuditLogNode {
    /// The ID of an object
    pub async fn id(&self) -> ID {
        ID(ids::encode("AuditLog", &raw_id(self.0.seq)))
    }
    /// When it happened
    pub async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
    /// What happened
    async fn activity_type(&self) -> AdminResult<ActivityType> {
        keyward_accounts::ActivityType::from_event(&self.0.activity_type)
            .map(ActivityType::from)
            .ok_or_else(|| {
                tracing::error!(event = %self.0.activity_type, "audit entry of an unknown type");
                AdminError::unexpected()
            })
    }
    /// The OAuth client of an end user's action (empty otherwise)
    #[graphql(name = "clientID")]
    async fn client_id(&self) -> Option<String> {
        Some(self.context("client_id"))
    }
    /// The end user's address (empty for Admin API calls)
    async fn ip_address(&self) -> Option<String> {
        Some(self.context("ip_address"))
    }
    /// The end user's user agent (empty for Admin API calls)
    async fn user_agent(&self) -> Option<String> {
        Some(self.context("user_agent"))
    }
    /// The full event document
    async fn data(&self) -> Option<AuditLogData> {
        Some(AuditLogData(self.0.data.clone()))
    }
    /// The user the entry is about, if it still exists
    async fn user(&self, ctx: &Context<'_>) -> AdminResult<Option<UserNode>> {
        let Some(user_id) = &self.0.user_id else {
            return Ok(None);
        };
        let r = req(ctx)?;
        let user = r.tx().await?.user(r.project(), user_id).await?;
        Ok(user.map(UserNode))
    }
}
