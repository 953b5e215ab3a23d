//! The object types of the graph: the `Node` and `Entity` interfaces,
//! `node`/`nodes`, the small object types (Identity, Authenticator, Claim,
//! AccountLockout, Session, Authorization), and in submodules `User`,
//! `Role`/`Group`, `Resource`/`Scope` and `AuditLog`.
//!
//! These types point at each other (a user's roles, a role's users) because
//! the graph does; they live together here so that no module outside
//! `nodes` is part of a cycle. Queries and mutations (`users`, `roles`,
//! `identities`, `audit`) depend on `nodes`, never the other way.

mod audit_log;
mod resource;
mod role;
mod user;

pub use audit_log::AuditLogNode;
pub use resource::{ResourceNode, ScopeNode};
pub use role::{GroupNode, RoleNode};
pub use user::{UserNode, UserSortBy, user_raw};

use async_graphql::{Context, Enum, ID, Interface, Object, SimpleObject};
use keyward_store::{Authenticator, Identity, PasswordAuthenticator};
use serde_json::{Map, Value};

use crate::connection::Named;
use crate::context::{RequestCtx, req};
use crate::errors::AdminResult;
use crate::scalars::{AuthenticatorClaims, DateTime, IdentityClaims, at};
use keyward_accounts::ids;

/// An object with an ID.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "The ID of an object"))]
pub enum Node {
    /// A user.
    User(UserNode),
    /// A login ID.
    Identity(IdentityNode),
    /// A password.
    Authenticator(AuthenticatorNode),
    /// A role.
    Role(RoleNode),
    /// A group.
    Group(GroupNode),
    /// An audit entry.
    AuditLog(AuditLogNode),
    /// A session.
    Session(SessionNode),
    /// A user's authorization of a third-party client.
    Authorization(AuthorizationNode),
    /// An API resource.
    Resource(ResourceNode),
    /// A scope of a resource.
    Scope(ScopeNode),
}

/// An object with an ID and creation and update times.
// The interface's fields repeat `ty = "DateTime"`, which is not a mistake.
#[allow(clippy::duplicated_attributes)]
#[derive(Interface)]
#[graphql(
    field(
        name = "created_at",
        ty = "DateTime",
        desc = "The creation time of entity"
    ),
    field(name = "id", ty = "ID", desc = "The ID of entity"),
    field(
        name = "updated_at",
        ty = "DateTime",
        desc = "The update time of entity"
    )
)]
pub enum Entity {
    /// A user.
    User(UserNode),
    /// A login ID.
    Identity(IdentityNode),
    /// A password.
    Authenticator(AuthenticatorNode),
    /// A role.
    Role(RoleNode),
    /// A group.
    Group(GroupNode),
    /// A session.
    Session(SessionNode),
    /// A user's authorization of a third-party client.
    Authorization(AuthorizationNode),
    /// An API resource.
    Resource(ResourceNode),
    /// A scope of a resource.
    Scope(ScopeNode),
}

/// Resolve one global ID; anything undecodable, of an unknown type or
/// missing is `None`.
pub async fn resolve(r: &RequestCtx, id: &str) -> AdminResult<Option<Node>> {
    let Some((kind, raw)) = ids::decode(id) else {
        return Ok(None);
    };
    let project = r.project();
    let mut tx = r.tx().await?;
    let found = match kind.as_str() {
        "User" => tx
            .user(project, &raw)
            .await
            .map(|u| u.map(|u| Node::User(UserNode(u)))),
        "Identity" => tx
            .identity(project, &raw)
            .await
            .map(|i| i.map(|i| Node::Identity(IdentityNode(i)))),
        "Authenticator" => match tx.password(project, &raw).await {
            Ok(Some(p)) => Ok(Some(Node::Authenticator(AuthenticatorNode::password(p)))),
            Ok(None) => tx
                .authenticator(project, &raw)
                .await
                .map(|a| a.map(|a| Node::Authenticator(AuthenticatorNode::other(a)))),
            Err(e) => Err(e),
        },
        "Role" => tx
            .entry(project, keyward_store::Catalog::Roles, &raw)
            .await
            .map(|e| e.map(|e| Node::Role(RoleNode(e)))),
        "Group" => tx
            .entry(project, keyward_store::Catalog::Groups, &raw)
            .await
            .map(|e| e.map(|e| Node::Group(GroupNode(e)))),
        "AuditLog" => match i64::from_str_radix(&raw, 16) {
            Ok(seq) => tx
                .audit_entry(project, seq)
                .await
                .map(|a| a.map(|a| Node::AuditLog(AuditLogNode(a)))),
            Err(_) => Ok(None),
        },
        "Resource" => tx
            .resource(project, &raw)
            .await
            .map(|x| x.map(|x| Node::Resource(ResourceNode(x)))),
        "Scope" => tx
            .scope(project, &raw)
            .await
            .map(|x| x.map(|x| Node::Scope(ScopeNode(x)))),
        "Authorization" => tx
            .authorization(project, &raw)
            .await
            .map(|x| x.map(|x| Node::Authorization(AuthorizationNode::from(x)))),
        "Session" => {
            drop(tx);
            return crate::sessions::by_raw_id(r, &raw)
                .await
                .map(|s| s.map(Node::Session));
        }
        _ => Ok(None),
    };
    Ok(found?)
}

/// The root `node` and `nodes` fields.
#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// Fetches an object given its ID
    async fn node(&self, ctx: &Context<'_>, id: ID) -> AdminResult<Option<Node>> {
        resolve(req(ctx)?, &id).await
    }

    /// Lookup nodes by a list of IDs.
    async fn nodes(&self, ctx: &Context<'_>, ids: Vec<ID>) -> AdminResult<Vec<Option<Node>>> {
        let r = req(ctx)?;
        let mut out = Vec::with_capacity(ids.len());
        for id in &ids {
            out.push(resolve(r, id).await?);
        }
        Ok(out)
    }
}

/// `IdentityType`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum IdentityType {
    /// anonymous
    Anonymous,
    /// biometric
    Biometric,
    /// ldap
    Ldap,
    /// login_id
    LoginId,
    /// oauth
    Oauth,
    /// passkey
    Passkey,
    /// siwe
    Siwe,
}

/// `AuthenticatorType`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum AuthenticatorType {
    /// oob_otp_email
    #[graphql(name = "OOB_OTP_EMAIL")]
    OobOtpEmail,
    /// oob_otp_sms
    #[graphql(name = "OOB_OTP_SMS")]
    OobOtpSms,
    /// passkey
    Passkey,
    /// password
    Password,
    /// totp
    Totp,
}

/// `AuthenticatorKind`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum AuthenticatorKind {
    /// primary
    Primary,
    /// secondary
    Secondary,
}

/// `SessionType`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum SessionType {
    /// idp
    Idp,
    /// offline_grant
    OfflineGrant,
}

/// A login ID.
#[derive(Clone)]
pub struct IdentityNode(pub Identity);

impl Named for IdentityNode {
    const NAME: &'static str = "Identity";
}

impl IdentityNode {
    /// Its claims, as Authgear shows a login ID.
    pub fn all_claims(&self) -> Map<String, Value> {
        let i = &self.0;
        let claim = keyward_accounts::loginid::LoginIdType::parse(&i.login_type)
            .map(|k| k.claim())
            .unwrap_or("preferred_username");
        let mut m = Map::new();
        m.insert(claim.into(), Value::String(i.login_id.clone()));
        m.insert(
            "https://authgear.com/claims/login_id/key".into(),
            Value::String(i.key.clone()),
        );
        m.insert(
            "https://authgear.com/claims/login_id/original_value".into(),
            Value::String(i.original_value.clone()),
        );
        m.insert(
            "https://authgear.com/claims/login_id/type".into(),
            Value::String(i.login_type.clone()),
        );
        m.insert(
            "https://authgear.com/claims/login_id/value".into(),
            Value::String(i.login_id.clone()),
        );
        m
    }
}

#[Object(name = "Identity")]
impl IdentityNode {
    /// The ID of an object
    pub async fn id(&self) -> ID {
        ID(ids::encode("Identity", &self.0.id))
    }
    /// The creation time of entity
    pub async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
    /// The update time of entity
    pub async fn updated_at(&self) -> DateTime {
        DateTime(self.0.updated_at)
    }
    /// The identity type (keyward has login IDs).
    #[graphql(name = "type")]
    async fn kind(&self) -> IdentityType {
        IdentityType::LoginId
    }
    /// The identity's claims, optionally only those named.
    async fn claims(&self, names: Option<Vec<String>>) -> IdentityClaims {
        let mut all = self.all_claims();
        if let Some(names) = names {
            all.retain(|k, _| names.contains(k));
        }
        IdentityClaims(Value::Object(all))
    }
}

/// An authenticator: a primary password (its own table) or any other.
#[derive(Clone)]
pub struct AuthenticatorNode {
    /// The authenticator.
    pub a: Authenticator,
    /// When a password must be changed (primary passwords).
    pub expire_after: Option<i64>,
}

impl AuthenticatorNode {
    /// A primary password.
    pub fn password(p: PasswordAuthenticator) -> Self {
        AuthenticatorNode {
            expire_after: p.expire_after,
            a: Authenticator::primary_password(&p),
        }
    }

    /// Any other authenticator.
    pub fn other(a: Authenticator) -> Self {
        AuthenticatorNode {
            a,
            expire_after: None,
        }
    }

    /// Its type.
    pub fn type_(&self) -> AuthenticatorType {
        match self.a.kind_of.as_str() {
            "totp" => AuthenticatorType::Totp,
            "oob_otp_email" => AuthenticatorType::OobOtpEmail,
            "oob_otp_sms" => AuthenticatorType::OobOtpSms,
            _ => AuthenticatorType::Password,
        }
    }

    /// Its kind.
    pub fn kind_(&self) -> AuthenticatorKind {
        if self.a.kind == "secondary" {
            AuthenticatorKind::Secondary
        } else {
            AuthenticatorKind::Primary
        }
    }
}

impl Named for AuthenticatorNode {
    const NAME: &'static str = "Authenticator";
}

#[Object(name = "Authenticator")]
impl AuthenticatorNode {
    /// The ID of an object
    pub async fn id(&self) -> ID {
        ID(ids::encode("Authenticator", &self.a.id))
    }
    /// The creation time of entity
    pub async fn created_at(&self) -> DateTime {
        DateTime(self.a.created_at)
    }
    /// The update time of entity
    pub async fn updated_at(&self) -> DateTime {
        DateTime(self.a.updated_at)
    }
    /// PASSWORD, TOTP, OOB_OTP_EMAIL or OOB_OTP_SMS.
    #[graphql(name = "type")]
    async fn kind_of(&self) -> AuthenticatorType {
        self.type_()
    }
    /// PRIMARY or SECONDARY.
    async fn kind(&self) -> AuthenticatorKind {
        self.kind_()
    }
    /// Whether this is the user's default second factor.
    async fn is_default(&self) -> bool {
        self.a.is_default
    }
    /// When the password must be changed.
    async fn expire_after(&self) -> Option<DateTime> {
        at(self.expire_after)
    }
    /// Authgear's claims of the authenticator (a password has none),
    /// optionally only those named.
    async fn claims(&self, names: Option<Vec<String>>) -> AuthenticatorClaims {
        let mut all = Map::new();
        let claim = match self.a.kind_of.as_str() {
            "oob_otp_email" => Some(("https://authgear.com/claims/oob_otp/email", &self.a.target)),
            "oob_otp_sms" => Some(("https://authgear.com/claims/oob_otp/phone", &self.a.target)),
            "totp" => Some((
                "https://authgear.com/claims/totp/display_name",
                &self.a.display_name,
            )),
            _ => None,
        };
        if let Some((name, Some(value))) = claim {
            all.insert(name.into(), Value::String(value.clone()));
        }
        if let Some(names) = names {
            all.retain(|k, _| names.contains(k));
        }
        AuthenticatorClaims(Value::Object(all))
    }
}

/// `Claim`.
#[derive(SimpleObject, Clone)]
pub struct Claim {
    /// Claim name.
    pub name: String,
    /// Claim value.
    pub value: String,
}

/// `LockedIP`.
#[derive(SimpleObject, Clone)]
#[graphql(name = "LockedIP")]
pub struct LockedIp {
    /// The address.
    pub ip_address: String,
    /// Until when.
    pub locked_until: DateTime,
}

/// `AccountLockout`.
#[derive(SimpleObject, Clone)]
pub struct AccountLockout {
    /// Whether the account is locked.
    pub is_locked: bool,
    /// Locked addresses.
    #[graphql(name = "lockedIPs")]
    pub locked_ips: Vec<LockedIp>,
    /// Until when.
    pub locked_until: Option<DateTime>,
    /// `per_user` or `per_user_per_ip`.
    pub lockout_type: String,
}

/// A session: an IdP session (browser) or an offline grant (refresh token).
#[derive(SimpleObject, Clone)]
#[graphql(name = "Session")]
pub struct SessionNode {
    /// Always null (kept for compatibility).
    pub acr: Option<String>,
    /// Authentication methods.
    pub amr: Vec<String>,
    /// The application.
    pub application_name: Option<String>,
    /// The OAuth client.
    #[graphql(name = "clientID")]
    pub client_id: Option<String>,
    /// The creation time of entity
    #[graphql(owned)]
    pub created_at: DateTime,
    /// Created from.
    #[graphql(name = "createdByIP")]
    pub created_by_ip: String,
    /// Display name.
    pub display_name: String,
    /// The ID of entity
    #[graphql(owned)]
    pub id: ID,
    /// Last access.
    pub last_accessed_at: DateTime,
    /// Last access from.
    #[graphql(name = "lastAccessedByIP")]
    pub last_accessed_by_ip: String,
    /// Country code of that address.
    #[graphql(name = "lastAccessedByIPCountryCode")]
    pub last_accessed_by_ip_country_code: String,
    /// Country name of that address.
    #[graphql(name = "lastAccessedByIPEnglishCountryName")]
    pub last_accessed_by_ip_english_country_name: String,
    /// The session type.
    #[graphql(name = "type")]
    pub kind: SessionType,
    /// The update time of entity
    #[graphql(owned)]
    pub updated_at: DateTime,
    /// The user agent.
    pub user_agent: Option<String>,
}

impl Named for SessionNode {
    const NAME: &'static str = "Session";
}

/// A user's authorization of a client: the scopes granted.
#[derive(SimpleObject, Clone)]
#[graphql(name = "Authorization")]
pub struct AuthorizationNode {
    /// The OAuth client.
    #[graphql(name = "clientID")]
    pub client_id: String,
    /// The creation time of entity
    #[graphql(owned)]
    pub created_at: DateTime,
    /// The ID of entity
    #[graphql(owned)]
    pub id: ID,
    /// Granted scopes.
    pub scopes: Vec<String>,
    /// The update time of entity
    #[graphql(owned)]
    pub updated_at: DateTime,
}

impl Named for AuthorizationNode {
    const NAME: &'static str = "Authorization";
}

impl From<keyward_store::Authorization> for AuthorizationNode {
    fn from(a: keyward_store::Authorization) -> Self {
        AuthorizationNode {
            client_id: a.client_id,
            created_at: DateTime(a.created_at),
            id: ID(ids::encode("Authorization", &a.id)),
            scopes: a.scopes,
            updated_at: DateTime(a.updated_at),
        }
    }
}
