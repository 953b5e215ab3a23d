//! Audit events: one typed enum, [`AuditEvent`], for everything keyward
//! records, each variant with its type name and its payload written once.
//! [`record`] writes an event in the caller's transaction, so a change and
//! its entry commit or roll back together.
//!
//! Two families share the log: Authgear's activity types (written by the
//! Admin API; listed by `auditLogs`) and keyward's own operator events
//! (`portal.*`, shown in the portal). Operator events carry no Authgear
//! activity type, and the Admin API's listing leaves them out
//! ([`OPERATOR_EVENT_PREFIX`]), so nothing keyward writes can make
//! `auditLogs` fail.

use keyward_store::{Catalog, Tx};
use serde_json::{Value, json};

use crate::error::AccountsError;
use crate::ids;

mod event;

pub use event::{AuditEvent, KeyChange, ResourceActivity};

/// The type prefix of keyward's own operator events.
pub const OPERATOR_EVENT_PREFIX: &str = "portal.";

/// Who caused a change; recorded in the entry's context.
#[derive(Debug, Clone)]
pub enum Initiator {
    /// A backend calling the Admin API.
    AdminApi {
        /// The key that signed the request's token.
        kid: String,
        /// The token's `audit_context` claim, shared with the caller (no copy
        /// per request); `null` in the entry when absent.
        audit_context: Option<std::sync::Arc<serde_json::Map<String, Value>>>,
        /// The calling backend's address.
        ip: String,
        /// Its User-Agent.
        user_agent: String,
    },
    /// An end user signing in, refreshing or signing out.
    EndUser {
        /// The client's address.
        ip: String,
        /// The browser's or app's User-Agent.
        user_agent: String,
        /// The OAuth client involved, if any.
        client_id: Option<String>,
    },
    /// keyward itself: scheduled work (deletions, anonymizations).
    System,
    /// An operator in the portal.
    Operator {
        /// The operator's email.
        email: String,
        /// The client's address.
        ip: String,
        /// The browser's User-Agent.
        user_agent: String,
    },
}

/// Which project, at which instant, on whose behalf: what every accounts
/// operation needs besides its input.
#[derive(Debug, Clone)]
pub struct Actor {
    /// The project.
    pub project: String,
    /// Now, Unix microseconds: one instant for the whole request.
    pub now: i64,
    /// Who acts.
    pub by: Initiator,
}

/// A user as audit payloads show it.
pub fn user_snapshot(user: &keyward_store::User) -> Value {
    json!({
        "id": ids::encode("User", &user.id),
        "is_disabled": user.is_disabled,
        "standard_attributes": user.standard_attributes,
        "custom_attributes": user.custom_attributes,
    })
}

/// A role or group as audit payloads show it.
pub fn entry_snapshot(catalog: Catalog, entry: &keyward_store::Entry) -> Value {
    let type_name = match catalog {
        Catalog::Roles => "Role",
        Catalog::Groups => "Group",
    };
    json!({
        "id": ids::encode(type_name, &entry.id),
        "key": entry.key,
        "name": entry.name,
        "description": entry.description,
    })
}

/// The stored document of `event`, about `user_id`, by `actor`.
pub fn document(actor: &Actor, user_id: Option<&str>, event: &AuditEvent) -> Value {
    let id = uuid::Uuid::new_v4().to_string();
    match &actor.by {
        Initiator::AdminApi {
            kid,
            audit_context,
            ip,
            user_agent,
        } => json!({
            "id": id,
            "type": event.type_name(),
            "payload": event.payload(),
            "context": {
                "timestamp": actor.now.div_euclid(1_000_000),
                "user_id": user_id,
                "triggered_by": "admin_api",
                "audit_context": audit_context.as_deref(),
                "app_id": actor.project,
                "key_id": kid,
                "ip_address": ip,
                "user_agent": user_agent,
            },
        }),
        Initiator::EndUser {
            ip,
            user_agent,
            client_id,
        } => json!({
            "id": id,
            "type": event.type_name(),
            "payload": event.payload(),
            "context": {
                "timestamp": actor.now.div_euclid(1_000_000),
                "user_id": user_id,
                "triggered_by": "user",
                "app_id": actor.project,
                "client_id": client_id,
                "ip_address": ip,
                "user_agent": user_agent,
            },
        }),
        Initiator::System => json!({
            "id": id,
            "type": event.type_name(),
            "payload": event.payload(),
            "context": {
                "timestamp": actor.now.div_euclid(1_000_000),
                "user_id": user_id,
                "triggered_by": "system",
                "app_id": actor.project,
            },
        }),
        Initiator::Operator {
            email,
            ip,
            user_agent,
        } => json!({
            "id": id,
            "type": event.type_name(),
            "operator": email,
            "kid": event.kid(),
            "ip": ip,
            "user_agent": user_agent,
            "created_at": actor.now,
            "payload": event.payload(),
        }),
    }
}

/// Append `event` (about `user_id`) to the project's log in `tx`.
pub async fn record(
    tx: &mut Tx,
    actor: &Actor,
    user_id: Option<&str>,
    event: AuditEvent,
) -> Result<(), AccountsError> {
    let data = document(actor, user_id, &event);
    let kid = match &actor.by {
        Initiator::AdminApi { kid, .. } => Some(kid.as_str()),
        Initiator::Operator { .. } | Initiator::EndUser { .. } | Initiator::System => event.kid(),
    };
    tx.insert_audit(
        &actor.project,
        event.type_name(),
        user_id,
        kid,
        actor.now,
        &data,
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authgear_events_have_their_activity_type_and_operator_events_none() {
        let e = AuditEvent::EntryUsers {
            catalog: Catalog::Groups,
            add: false,
            key: "g".into(),
            user_ids: vec![],
        };
        assert_eq!(
            e.type_name(),
            "admin_api.mutation.remove_group_from_users.executed"
        );
        let p = AuditEvent::PortalKey {
            change: KeyChange::Downloaded,
            kid: "k1".into(),
        };
        assert_eq!(p.activity_type(), None);
        assert!(p.type_name().starts_with(OPERATOR_EVENT_PREFIX));
        assert_eq!(
            AuditEvent::PortalLimitsUpdated.type_name(),
            "portal.limits.updated"
        );
        let actor = Actor {
            project: "p".into(),
            now: 5_000_000,
            by: Initiator::Operator {
                email: "o@x".into(),
                ip: "127.0.0.1".into(),
                user_agent: "ua".into(),
            },
        };
        let doc = document(&actor, None, &p);
        assert_eq!(doc["operator"], "o@x");
        assert_eq!(doc["kid"], "k1");
        assert_eq!(doc["type"], "portal.admin_api_key.downloaded");
    }

    #[test]
    fn admin_api_documents_carry_the_context() {
        let actor = Actor {
            project: "p".into(),
            now: 7_500_000,
            by: Initiator::AdminApi {
                kid: "k".into(),
                audit_context: json!({"by": "ops"})
                    .as_object()
                    .cloned()
                    .map(std::sync::Arc::new),
                ip: "10.0.0.7".into(),
                user_agent: "backend/1.0".into(),
            },
        };
        let doc = document(
            &actor,
            Some("u1"),
            &AuditEvent::SetPasswordExpired { expired: true },
        );
        assert_eq!(doc["context"]["timestamp"], 7);
        assert_eq!(doc["context"]["key_id"], "k");
        assert_eq!(doc["context"]["audit_context"]["by"], "ops");
        assert_eq!(doc["context"]["ip_address"], "10.0.0.7");
        assert_eq!(doc["context"]["user_agent"], "backend/1.0");
        assert_eq!(doc["payload"]["expired"], true);
    }
}
