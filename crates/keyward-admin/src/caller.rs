//! Who is calling: the server's authentication establishes an
//! [`AdminCaller`] once per request and hands it to the schema; resolvers
//! never read headers or tokens.

use std::sync::Arc;

use keyward_store::{KeyRole, Project};

/// Who is calling the Admin API.
#[derive(Debug, Clone)]
pub struct AdminCaller {
    /// The project the request is for (and the token's audience).
    pub project: Project,
    /// The key that signed the token.
    pub kid: String,
    /// What that key may do.
    pub role: KeyRole,
    /// The token's `audit_context` claim, recorded in audit entries.
    pub audit_context: Option<AuditContext>,
}

/// A token's `audit_context` claim (a JSON object).
pub type AuditContext = Arc<serde_json::Map<String, serde_json::Value>>;
