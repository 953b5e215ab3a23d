//! API resources and their scopes, and which OAuth clients may ask for
//! them (Authgear's resources & scopes): the format rules, every change
//! with its audit event, and the one question the token endpoint asks,
//! [`grantable_scopes`]. Resources are addressed by their URI.

use keyward_store::{OAuthClient, Resource, Scope, Tx};
use serde_json::{Value, json};

use crate::audit::{self, Actor, AuditEvent, ResourceActivity};
use crate::clock::rfc3339;
use crate::error::{AccountsError, Result};

/// Scopes reserved for sign-in; a resource may not define them.
pub const RESERVED_SCOPES: [&str; 10] = [
    "offline_access",
    "device_sso",
    "openid",
    "profile",
    "email",
    "address",
    "phone",
    "https://authgear.com/scopes/full-access",
    "https://authgear.com/scopes/full-userinfo",
    "https://authgear.com/scopes/pre-authenticated-url",
];

fn format_error(location: &str, format: &str) -> AccountsError {
    AccountsError::validation(
        "invalid value",
        vec![json!({"location": location, "kind": "format", "details": {"format": format}})],
    )
}

fn length_error(location: &str, actual: usize) -> AccountsError {
    let (kind, expected) = if actual == 0 {
        ("minLength", 1)
    } else {
        ("maxLength", 100)
    };
    AccountsError::validation(
        "invalid value",
        vec![
            json!({"location": location, "kind": kind, "details": {"expected": expected, "actual": actual}}),
        ],
    )
}

/// A resource URI: 1–100 characters, an absolute `https` URL with a host,
/// no user info, query or fragment (Authgear's `x_resource_uri`).
pub fn check_resource_uri(uri: &str) -> Result<()> {
    let len = uri.chars().count();
    if len == 0 || len > 100 {
        return Err(length_error("/resourceURI", len));
    }
    let ok = url::Url::parse(uri).is_ok_and(|u| {
        u.scheme() == "https"
            && u.host_str().is_some_and(|h| !h.is_empty())
            && u.username().is_empty()
            && u.password().is_none()
            && u.query().is_none()
            && u.fragment().is_none()
    });
    if !ok {
        return Err(format_error("/resourceURI", "x_resource_uri"));
    }
    Ok(())
}

/// A scope: 1–100 RFC 6749 scope-token characters (printable ASCII but
/// space, `"` and `\`), not Authgear's namespace, not a reserved scope.
pub fn check_scope(scope: &str) -> Result<()> {
    let len = scope.chars().count();
    if len == 0 || len > 100 {
        return Err(length_error("/scope", len));
    }
    let token = scope
        .bytes()
        .all(|b| b == 0x21 || (0x23..=0x5B).contains(&b) || (0x5D..=0x7E).contains(&b));
    if !token || scope.starts_with("https://authgear.com") || RESERVED_SCOPES.contains(&scope) {
        return Err(format_error("/scope", "x_custom_scope"));
    }
    Ok(())
}

/// `""` is absent.
fn text(value: Option<String>) -> Option<String> {
    value.filter(|s| !s.is_empty())
}

/// A resource as audit payloads show it.
pub fn resource_snapshot(r: &Resource) -> Value {
    let mut v = json!({
        "id": r.id,
        "created_at": rfc3339(r.created_at),
        "updated_at": rfc3339(r.updated_at),
        "resourceURI": r.uri,
    });
    if let Some(name) = &r.name {
        v["name"] = json!(name);
    }
    v
}

/// A scope as audit payloads show it.
pub fn scope_snapshot(s: &Scope) -> Value {
    let mut v = json!({
        "id": s.id,
        "created_at": rfc3339(s.created_at),
        "updated_at": rfc3339(s.updated_at),
        "resource_id": s.resource_id,
        "scope": s.scope,
    });
    if let Some(d) = &s.description {
        v["description"] = json!(d);
    }
    v
}

async fn record(
    tx: &mut Tx,
    actor: &Actor,
    activity: ResourceActivity,
    payload: Value,
) -> Result<()> {
    audit::record(tx, actor, None, AuditEvent::Resources { activity, payload }).await
}

/// The resource with `uri`, or `ResourceNotFound`.
pub async fn by_uri(tx: &mut Tx, project: &str, uri: &str) -> Result<Resource> {
    tx.resource_by_uri(project, uri)
        .await?
        .ok_or(AccountsError::ResourceNotFound)
}

/// `createResource`.
pub async fn create(
    tx: &mut Tx,
    actor: &Actor,
    uri: &str,
    name: Option<String>,
) -> Result<Resource> {
    check_resource_uri(uri)?;
    let r = Resource {
        id: uuid::Uuid::new_v4().to_string(),
        uri: uri.to_owned(),
        name: text(name),
        created_at: actor.now,
        updated_at: actor.now,
    };
    tx.insert_resource(&actor.project, &r).await?;
    let payload = json!({ "resource": resource_snapshot(&r) });
    record(tx, actor, ResourceActivity::CreateResource, payload).await?;
    Ok(r)
}

/// `updateResource`: `None` keeps the name, `""` clears it.
pub async fn update(
    tx: &mut Tx,
    actor: &Actor,
    uri: &str,
    name: Option<String>,
) -> Result<Resource> {
    let mut r = by_uri(tx, &actor.project, uri).await?;
    let original = resource_snapshot(&r);
    if let Some(name) = name {
        r.name = text(Some(name));
    }
    r.updated_at = actor.now;
    tx.save_resource(&actor.project, &r).await?;
    let payload = json!({"original_resource": original, "new_resource": resource_snapshot(&r)});
    record(tx, actor, ResourceActivity::UpdateResource, payload).await?;
    Ok(r)
}

/// `deleteResource`: its scopes and client links go with it.
pub async fn delete(tx: &mut Tx, actor: &Actor, uri: &str) -> Result<()> {
    let r = by_uri(tx, &actor.project, uri).await?;
    tx.delete_resource(&actor.project, &r.id).await?;
    let payload = json!({ "resource": resource_snapshot(&r) });
    record(tx, actor, ResourceActivity::DeleteResource, payload).await
}

async fn scope_of(tx: &mut Tx, project: &str, resource: &Resource, name: &str) -> Result<Scope> {
    let names = [name.to_owned()];
    tx.scopes_of_resource(project, &resource.id, None, None, Some(&names))
        .await?
        .into_iter()
        .next()
        .ok_or(AccountsError::ScopeNotFound)
}

/// `createScope`.
pub async fn create_scope(
    tx: &mut Tx,
    actor: &Actor,
    uri: &str,
    scope: &str,
    description: Option<String>,
) -> Result<Scope> {
    check_scope(scope)?;
    let r = by_uri(tx, &actor.project, uri).await?;
    let s = Scope {
        id: uuid::Uuid::new_v4().to_string(),
        resource_id: r.id,
        scope: scope.to_owned(),
        description: text(description),
        created_at: actor.now,
        updated_at: actor.now,
    };
    tx.insert_scope(&actor.project, &s).await?;
    let payload = json!({ "scope": scope_snapshot(&s) });
    record(tx, actor, ResourceActivity::CreateScope, payload).await?;
    Ok(s)
}

/// `updateScope`: `None` keeps the description, `""` clears it.
pub async fn update_scope(
    tx: &mut Tx,
    actor: &Actor,
    uri: &str,
    scope: &str,
    description: Option<String>,
) -> Result<Scope> {
    let r = by_uri(tx, &actor.project, uri).await?;
    let mut s = scope_of(tx, &actor.project, &r, scope).await?;
    let original = scope_snapshot(&s);
    if let Some(d) = description {
        s.description = text(Some(d));
    }
    s.updated_at = actor.now;
    tx.save_scope(&actor.project, &s).await?;
    let payload = json!({"original_scope": original, "new_scope": scope_snapshot(&s)});
    record(tx, actor, ResourceActivity::UpdateScope, payload).await?;
    Ok(s)
}

/// `deleteScope`: its client assignments go with it.
pub async fn delete_scope(tx: &mut Tx, actor: &Actor, uri: &str, scope: &str) -> Result<()> {
    let r = by_uri(tx, &actor.project, uri).await?;
    let s = scope_of(tx, &actor.project, &r, scope).await?;
    tx.delete_scope(&actor.project, &s.id).await?;
    let payload = json!({ "scope": scope_snapshot(&s) });
    record(tx, actor, ResourceActivity::DeleteScope, payload).await
}

/// The project's client `client_id` (`ClientNotFound`), then the resource
/// (`ResourceNotFound`): the check order of every client association.
async fn client_and_resource(
    tx: &mut Tx,
    project: &str,
    client_id: &str,
    uri: &str,
) -> Result<(OAuthClient, Resource)> {
    let client = tx
        .client(project, client_id)
        .await?
        .ok_or_else(|| AccountsError::ClientNotFound(client_id.to_owned()))?;
    let resource = by_uri(tx, project, uri).await?;
    Ok((client, resource))
}

/// `addResourceToClientID` / `removeResourceFromClientID` (idempotent).
/// Unlinking leaves the client's scope assignments in place, as Authgear
/// does; they grant nothing while the resource is unlinked.
pub async fn link_client(
    tx: &mut Tx,
    actor: &Actor,
    client_id: &str,
    uri: &str,
    linked: bool,
) -> Result<Resource> {
    let (client, r) = client_and_resource(tx, &actor.project, client_id, uri).await?;
    tx.set_client_resource(&actor.project, &client.client_id, &r.id, linked, actor.now)
        .await?;
    let activity = if linked {
        ResourceActivity::AddResourceToClient
    } else {
        ResourceActivity::RemoveResourceFromClient
    };
    let payload = json!({"resource": resource_snapshot(&r), "client_id": client.client_id});
    record(tx, actor, activity, payload).await?;
    Ok(r)
}

/// How a client's scopes on a resource change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeChange {
    /// `addScopesToClientID`.
    Add,
    /// `removeScopesFromClientID`.
    Remove,
    /// `replaceScopesOfClientID`: exactly the given set.
    Replace,
}

/// Change a client's scopes on a resource; returns the resulting scopes.
/// The resource must be linked to the client
/// (`ResourceNotAssociatedWithClient`) and every scope must exist on it
/// (`ScopeNotFound`, nothing applied).
pub async fn change_client_scopes(
    tx: &mut Tx,
    actor: &Actor,
    client_id: &str,
    uri: &str,
    scopes: &[String],
    change: ScopeChange,
) -> Result<Vec<Scope>> {
    let project = actor.project.as_str();
    let (client, r) = client_and_resource(tx, project, client_id, uri).await?;
    if !tx
        .client_has_resource(project, &client.client_id, &r.id)
        .await?
    {
        return Err(AccountsError::ResourceNotAssociatedWithClient);
    }
    let mut wanted: Vec<String> = scopes.to_vec();
    wanted.sort();
    wanted.dedup();
    let found = tx
        .scopes_of_resource(project, &r.id, None, None, Some(&wanted))
        .await?;
    if found.len() != wanted.len() {
        return Err(AccountsError::ScopeNotFound);
    }
    let ids = |list: &[Scope]| list.iter().map(|s| s.id.clone()).collect::<Vec<_>>();
    match change {
        ScopeChange::Add => {
            tx.set_client_scopes(project, &client.client_id, &ids(&found), true, actor.now)
                .await?
        }
        ScopeChange::Remove => {
            tx.set_client_scopes(project, &client.client_id, &ids(&found), false, actor.now)
                .await?
        }
        ScopeChange::Replace => {
            let current = tx
                .scopes_of_resource(project, &r.id, None, Some(&client.client_id), None)
                .await?;
            let extra: Vec<Scope> = current
                .into_iter()
                .filter(|c| !found.iter().any(|f| f.id == c.id))
                .collect();
            tx.set_client_scopes(project, &client.client_id, &ids(&extra), false, actor.now)
                .await?;
            tx.set_client_scopes(project, &client.client_id, &ids(&found), true, actor.now)
                .await?;
        }
    }
    let result = tx
        .scopes_of_resource(project, &r.id, None, Some(&client.client_id), None)
        .await?;
    let activity = match change {
        ScopeChange::Add => ResourceActivity::AddScopesToClient,
        ScopeChange::Remove => ResourceActivity::RemoveScopesFromClient,
        ScopeChange::Replace => ResourceActivity::ReplaceScopesOfClient,
    };
    let payload = json!({
        "resource_uri": r.uri,
        "client_id": client.client_id,
        "scopes": result.iter().map(scope_snapshot).collect::<Vec<_>>(),
    });
    record(tx, actor, activity, payload).await?;
    Ok(result)
}

/// Why a client may not have a token for a resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResourceRefusal {
    /// No such resource, or not linked to this client: RFC 8707's
    /// `invalid_target`.
    InvalidTarget,
    /// A requested scope is not the client's on this resource:
    /// `invalid_scope`, naming it.
    InvalidScope(String),
}

/// The scopes `client` gets on the resource `uri`: those requested (all
/// its assigned scopes when `requested` is `None`), each of which must be
/// assigned to the client. The resource must exist and be linked.
pub async fn grantable_scopes(
    tx: &mut Tx,
    project: &str,
    client: &OAuthClient,
    uri: &str,
    requested: Option<&[String]>,
) -> Result<std::result::Result<(Resource, Vec<String>), ResourceRefusal>> {
    let Some(r) = tx.resource_by_uri(project, uri).await? else {
        return Ok(Err(ResourceRefusal::InvalidTarget));
    };
    if !tx
        .client_has_resource(project, &client.client_id, &r.id)
        .await?
    {
        return Ok(Err(ResourceRefusal::InvalidTarget));
    }
    let assigned: Vec<String> = tx
        .scopes_of_resource(project, &r.id, None, Some(&client.client_id), None)
        .await?
        .into_iter()
        .map(|s| s.scope)
        .collect();
    let Some(requested) = requested else {
        return Ok(Ok((r, assigned)));
    };
    let mut granted = Vec::new();
    for s in requested {
        if !assigned.contains(s) {
            return Ok(Err(ResourceRefusal::InvalidScope(s.clone())));
        }
        if !granted.contains(s) {
            granted.push(s.clone());
        }
    }
    Ok(Ok((r, granted)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_uris_are_https_urls_without_extras() {
        for ok in [
            "https://api.example.com",
            "https://api.example.com/v1/orders",
        ] {
            assert!(check_resource_uri(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "http://api.example.com",
            "customscheme://host",
            "https://user:pw@api.example.com",
            "https://api.example.com/?q=1",
            "https://api.example.com/#f",
            "api.example.com",
            &format!("https://a.example/{}", "x".repeat(100)),
        ] {
            assert_eq!(
                check_resource_uri(bad).unwrap_err().reason(),
                "ValidationFailed",
                "{bad}"
            );
        }
    }

    #[test]
    fn scopes_are_scope_tokens_and_not_reserved() {
        for ok in ["read:orders", "orders.write", "a", "x!#[]~"] {
            assert!(check_scope(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "scope with space",
            "quote\"",
            "back\\slash",
            "openid",
            "offline_access",
            "https://authgear.com/somescope",
            "é",
            &"s".repeat(101),
        ] {
            assert_eq!(
                check_scope(bad).unwrap_err().reason(),
                "ValidationFailed",
                "{bad}"
            );
        }
    }
}
