//! OAuth clients (a project's applications): the rules for creating and
//! changing them, redirect URI matching, and secret checks. The CLI and the
//! portal both call these functions; the sign-in door calls the matching
//! and secret checks.

use keyward_store::{ClientSecret, ClientType, OAuthClient, Tx};
use serde_json::json;

use crate::error::AccountsError;
use crate::secret;

type Result<T> = std::result::Result<T, AccountsError>;

/// Most redirect URIs one client may list.
pub const MAX_URIS: usize = 50;
/// Access token lifetime bounds, seconds (Authgear's minimum; a day at most,
/// which bounds how long a retired signing key must stay published).
pub const ACCESS_TOKEN_LIFETIME: std::ops::RangeInclusive<i64> = 300..=86_400;

/// A client to create.
#[derive(Debug, Clone)]
pub struct NewClient {
    /// Display name.
    pub name: String,
    /// Application type.
    pub client_type: ClientType,
    /// Redirect URIs (at least one; none for `m2m`).
    pub redirect_uris: Vec<String>,
    /// Post-logout redirect URIs.
    pub post_logout_redirect_uris: Vec<String>,
    /// Refresh token rotation; default: on for public clients.
    pub refresh_rotation: Option<bool>,
    /// Access token lifetime; default 1800 s.
    pub access_token_lifetime_secs: Option<i64>,
    /// Reuse leeway; default 0.
    pub refresh_reuse_leeway_secs: Option<i64>,
}

/// A change to a client; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct ClientChange {
    /// New name.
    pub name: Option<String>,
    /// New redirect URIs.
    pub redirect_uris: Option<Vec<String>>,
    /// New post-logout redirect URIs.
    pub post_logout_redirect_uris: Option<Vec<String>>,
    /// Rotation on or off.
    pub refresh_rotation: Option<bool>,
    /// New access token lifetime.
    pub access_token_lifetime_secs: Option<i64>,
    /// New reuse leeway.
    pub refresh_reuse_leeway_secs: Option<i64>,
}

fn invalid(message: String) -> AccountsError {
    AccountsError::validation(
        &message,
        vec![json!({"kind": "client", "details": message})],
    )
}

/// Check one redirect URI: absolute, no fragment (RFC 6749 §3.1.2), no
/// wildcard, no user info.
pub fn check_redirect_uri(uri: &str) -> Result<()> {
    let parsed =
        url::Url::parse(uri).map_err(|_| invalid(format!("`{uri}` is not an absolute URI")))?;
    if parsed.fragment().is_some() {
        return Err(invalid(format!(
            "`{uri}`: redirect URIs must not have a #fragment"
        )));
    }
    if uri.contains('*') {
        return Err(invalid(format!(
            "`{uri}`: wildcards are not allowed; list each URI"
        )));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(invalid(format!(
            "`{uri}`: redirect URIs must not carry user info"
        )));
    }
    if uri.len() > 2000 {
        return Err(invalid(
            "redirect URIs are limited to 2000 characters".into(),
        ));
    }
    Ok(())
}

fn check_uris(list: &[String], what: &str, required: bool) -> Result<()> {
    if required && list.is_empty() {
        return Err(invalid(format!("at least one {what} is required")));
    }
    if list.len() > MAX_URIS {
        return Err(invalid(format!("at most {MAX_URIS} {what}s")));
    }
    list.iter().try_for_each(|u| check_redirect_uri(u))
}

fn check_name(name: &str) -> Result<()> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(invalid(
            "the client name must be 1-100 printable characters".into(),
        ));
    }
    Ok(())
}

fn check_lifetimes(client: &OAuthClient) -> Result<()> {
    if !ACCESS_TOKEN_LIFETIME.contains(&client.access_token_lifetime_secs) {
        return Err(invalid(format!(
            "the access token lifetime must be between {} and {} seconds",
            ACCESS_TOKEN_LIFETIME.start(),
            ACCESS_TOKEN_LIFETIME.end()
        )));
    }
    if !(0..=300).contains(&client.refresh_reuse_leeway_secs) {
        return Err(invalid(
            "the refresh token reuse leeway must be 0-300 seconds".into(),
        ));
    }
    Ok(())
}

fn new_secret(now: i64) -> Result<(ClientSecret, String)> {
    let secret = secret::random_token()?;
    let mut id = [0u8; 8];
    aws_lc_rs::rand::fill(&mut id).map_err(|_| AccountsError::Internal("no randomness".into()))?;
    Ok((
        ClientSecret {
            id: id.iter().map(|b| format!("{b:02x}")).collect(),
            secret_hash: secret::digest_hex(&secret),
            created_at: now,
        },
        secret,
    ))
}

/// Create a client. Returns it and, for a confidential client, its secret
/// (shown this once; only its digest is stored).
pub async fn create(
    tx: &mut Tx,
    project: &str,
    new: NewClient,
    now: i64,
) -> Result<(OAuthClient, Option<String>)> {
    check_name(&new.name)?;
    // A machine-to-machine client signs nobody in: no redirects at all.
    let has_uris = !new.redirect_uris.is_empty() || !new.post_logout_redirect_uris.is_empty();
    if !new.client_type.signs_users_in() && has_uris {
        return Err(invalid(
            "an m2m client has no redirect URIs: it signs no user in".into(),
        ));
    }
    check_uris(
        &new.redirect_uris,
        "redirect URI",
        new.client_type.signs_users_in(),
    )?;
    check_uris(
        &new.post_logout_redirect_uris,
        "post-logout redirect URI",
        false,
    )?;
    let mut id = [0u8; 16];
    aws_lc_rs::rand::fill(&mut id).map_err(|_| AccountsError::Internal("no randomness".into()))?;
    let mut client = OAuthClient {
        client_id: id.iter().map(|b| format!("{b:02x}")).collect(),
        name: new.name.trim().to_owned(),
        client_type: new.client_type,
        redirect_uris: new.redirect_uris,
        post_logout_redirect_uris: new.post_logout_redirect_uris,
        access_token_lifetime_secs: new.access_token_lifetime_secs.unwrap_or(1800),
        refresh_token_lifetime_secs: 31_449_600,
        refresh_idle_timeout_secs: 2_592_000,
        refresh_rotation: new.refresh_rotation.unwrap_or(new.client_type.is_public()),
        refresh_reuse_leeway_secs: new.refresh_reuse_leeway_secs.unwrap_or(0),
        created_at: now,
        updated_at: now,
        secrets: Vec::new(),
    };
    check_lifetimes(&client)?;
    client.refresh_token_lifetime_secs = client
        .refresh_token_lifetime_secs
        .max(client.access_token_lifetime_secs);
    tx.insert_client(project, &client).await?;
    let secret = if client.client_type.is_public() {
        None
    } else {
        let (stored, secret) = new_secret(now)?;
        tx.add_client_secret(project, &client.client_id, &stored)
            .await?;
        client.secrets.push(stored);
        Some(secret)
    };
    Ok((client, secret))
}

/// One client.
pub async fn get(tx: &mut Tx, project: &str, client_id: &str) -> Result<OAuthClient> {
    tx.client(project, client_id)
        .await?
        .ok_or_else(|| AccountsError::ClientNotFound(client_id.to_owned()))
}

/// Change a client.
pub async fn update(
    tx: &mut Tx,
    project: &str,
    client_id: &str,
    change: ClientChange,
    now: i64,
) -> Result<OAuthClient> {
    let mut client = get(tx, project, client_id).await?;
    if let Some(name) = change.name {
        check_name(&name)?;
        client.name = name.trim().to_owned();
    }
    let m2m = !client.client_type.signs_users_in();
    let has_uris = |u: &Option<Vec<String>>| u.as_ref().is_some_and(|u| !u.is_empty());
    if m2m && (has_uris(&change.redirect_uris) || has_uris(&change.post_logout_redirect_uris)) {
        return Err(invalid(
            "an m2m client has no redirect URIs: it signs no user in".into(),
        ));
    }
    if let Some(uris) = change.redirect_uris {
        check_uris(&uris, "redirect URI", !m2m)?;
        client.redirect_uris = uris;
    }
    if let Some(uris) = change.post_logout_redirect_uris {
        check_uris(&uris, "post-logout redirect URI", false)?;
        client.post_logout_redirect_uris = uris;
    }
    if let Some(r) = change.refresh_rotation {
        client.refresh_rotation = r;
    }
    if let Some(l) = change.access_token_lifetime_secs {
        client.access_token_lifetime_secs = l;
    }
    if let Some(l) = change.refresh_reuse_leeway_secs {
        client.refresh_reuse_leeway_secs = l;
    }
    check_lifetimes(&client)?;
    client.updated_at = now;
    if !tx.save_client(project, &client).await? {
        return Err(AccountsError::ClientNotFound(client_id.to_owned()));
    }
    Ok(client)
}

/// Delete a client: its secrets, codes and refresh tokens end with it.
pub async fn delete(tx: &mut Tx, project: &str, client_id: &str) -> Result<()> {
    if tx.delete_client(project, client_id).await? {
        Ok(())
    } else {
        Err(AccountsError::ClientNotFound(client_id.to_owned()))
    }
}

/// Add a new secret to a confidential client; the old ones stay valid
/// until deleted ([`delete_secret`]), so deployments can switch without a
/// failed request. Returns the client and the new secret (shown once).
pub async fn rotate_secret(
    tx: &mut Tx,
    project: &str,
    client_id: &str,
    now: i64,
) -> Result<(OAuthClient, String)> {
    let mut client = get(tx, project, client_id).await?;
    if client.client_type.is_public() {
        return Err(invalid(format!(
            "`{client_id}` is a public ({}) client: public clients have no secret",
            client.client_type.as_str()
        )));
    }
    if client.secrets.len() >= 5 {
        return Err(invalid(
            "this client already has 5 secrets; delete one it no longer uses first".into(),
        ));
    }
    let (stored, secret) = new_secret(now)?;
    tx.add_client_secret(project, client_id, &stored).await?;
    client.secrets.push(stored);
    Ok((client, secret))
}

/// Delete one secret of a client (the last one cannot go: the client would
/// be locked out).
pub async fn delete_secret(
    tx: &mut Tx,
    project: &str,
    client_id: &str,
    secret_id: &str,
) -> Result<OAuthClient> {
    let mut client = get(tx, project, client_id).await?;
    if !client.secrets.iter().any(|s| s.id == secret_id) {
        return Err(invalid(format!(
            "client `{client_id}` has no secret `{secret_id}`"
        )));
    }
    if client.secrets.len() == 1 {
        return Err(invalid(
            "this is the client's only secret; rotate first, then delete the old one".into(),
        ));
    }
    tx.delete_client_secret(project, client_id, secret_id)
        .await?;
    client.secrets.retain(|s| s.id != secret_id);
    Ok(client)
}

/// Whether `secret` is one of the client's secrets (constant time per secret).
pub fn secret_matches(client: &OAuthClient, secret: &str) -> bool {
    client.secrets.iter().fold(false, |found, s| {
        secret::matches(secret, &s.secret_hash) | found
    })
}

/// Whether `uri` is one of the client's redirect URIs: an exact string
/// match, or for native apps a loopback URI that differs only in its port
/// (RFC 8252 §7.3).
pub fn redirect_uri_allowed(client: &OAuthClient, uri: &str) -> bool {
    if client.redirect_uris.iter().any(|r| r == uri) {
        return true;
    }
    if client.client_type != ClientType::Native {
        return false;
    }
    let Ok(requested) = url::Url::parse(uri) else {
        return false;
    };
    if !is_loopback(&requested) {
        return false;
    }
    client.redirect_uris.iter().any(|registered| {
        url::Url::parse(registered).is_ok_and(|mut r| {
            let mut q = requested.clone();
            is_loopback(&r) && r.set_port(None).is_ok() && q.set_port(None).is_ok() && r == q
        })
    })
}

fn is_loopback(u: &url::Url) -> bool {
    u.scheme() == "http"
        && match u.host() {
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            _ => false,
        }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(t: ClientType, uris: &[&str]) -> OAuthClient {
        OAuthClient {
            client_id: "c".into(),
            name: "n".into(),
            client_type: t,
            redirect_uris: uris.iter().map(|s| s.to_string()).collect(),
            post_logout_redirect_uris: vec![],
            access_token_lifetime_secs: 1800,
            refresh_token_lifetime_secs: 1,
            refresh_idle_timeout_secs: 1,
            refresh_rotation: true,
            refresh_reuse_leeway_secs: 0,
            created_at: 0,
            updated_at: 0,
            secrets: vec![],
        }
    }

    #[test]
    fn redirect_uris_match_exactly() {
        let c = client(ClientType::Spa, &["https://app.example/cb"]);
        assert!(redirect_uri_allowed(&c, "https://app.example/cb"));
        for bad in [
            "https://app.example/cb/",
            "https://app.example/cb?x=1",
            "https://APP.example/cb",
            "https://app.example/c",
            "https://evil.example/cb",
            "http://app.example/cb",
        ] {
            assert!(!redirect_uri_allowed(&c, bad), "{bad}");
        }
    }

    #[test]
    fn native_loopback_uris_match_on_any_port_only() {
        let c = client(
            ClientType::Native,
            &["http://127.0.0.1/cb", "http://[::1]:9/cb"],
        );
        assert!(redirect_uri_allowed(&c, "http://127.0.0.1:53124/cb"));
        assert!(redirect_uri_allowed(&c, "http://[::1]:1/cb"));
        assert!(!redirect_uri_allowed(&c, "http://127.0.0.1:53124/other"));
        assert!(!redirect_uri_allowed(&c, "http://localhost:53124/cb"));
        let spa = client(ClientType::Spa, &["http://127.0.0.1/cb"]);
        assert!(!redirect_uri_allowed(&spa, "http://127.0.0.1:5/cb"));
    }

    #[test]
    fn registration_refuses_fragments_wildcards_and_relative_uris() {
        assert!(check_redirect_uri("https://a.example/cb").is_ok());
        assert!(check_redirect_uri("com.example.app:/oauth").is_ok());
        for bad in [
            "/cb",
            "https://a.example/cb#x",
            "https://*.example/cb",
            "https://u:p@a.example/",
        ] {
            assert!(check_redirect_uri(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn any_active_secret_authenticates() {
        let mut c = client(ClientType::Confidential, &["https://a/cb"]);
        let (s1, t1) = new_secret(0).unwrap();
        let (s2, t2) = new_secret(0).unwrap();
        c.secrets = vec![s1, s2];
        assert!(secret_matches(&c, &t1));
        assert!(secret_matches(&c, &t2));
        assert!(!secret_matches(&c, "nope"));
    }
}
