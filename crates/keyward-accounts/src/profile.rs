//! What a client may learn about a user: the claims of ID tokens and of
//! userinfo (spec §5–6). Authgear's defaults: the `authgear.com` claims
//! always; for first-party (public) clients every bearer-visible standard
//! attribute and the custom attributes; for confidential clients the
//! standard attributes the granted scopes allow; ID tokens of public
//! clients carry no personal data.

use keyward_store::{Tx, User};
use serde_json::{Map, Value, json};

use crate::error::AccountsError;

/// Standard attributes a bearer of the user's token may read (Authgear's
/// default access control: the others are hidden).
const BEARER_VISIBLE: [&str; 10] = [
    "email",
    "phone_number",
    "preferred_username",
    "family_name",
    "given_name",
    "picture",
    "gender",
    "birthdate",
    "zoneinfo",
    "locale",
];

/// Which attributes a scope allows (third-party style filtering).
fn allowed_by(scope: &str) -> &'static [&'static str] {
    match scope {
        "profile" => &[
            "preferred_username",
            "family_name",
            "given_name",
            "picture",
            "gender",
            "birthdate",
            "zoneinfo",
            "locale",
            "updated_at",
        ],
        "email" => &["email", "email_verified"],
        "phone" => &["phone_number", "phone_number_verified"],
        _ => &[],
    }
}

/// Where the claims go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// An ID token for a public (first-party) client: no personal data.
    PublicIdToken,
    /// An ID token or userinfo for a confidential client: scope-filtered.
    Confidential,
    /// Userinfo for a public (first-party) client: everything bearer-visible.
    PublicUserinfo,
}

/// The user claims (everything but the token's own `iss`/`aud`/`exp`/…).
pub async fn claims(
    tx: &mut Tx,
    project: &str,
    user: &User,
    scopes: &[&str],
    audience: Audience,
) -> Result<Map<String, Value>, AccountsError> {
    let verified = tx.verified_claims(project, &user.id).await?;
    let roles: Vec<String> = tx
        .effective_roles(project, &user.id)
        .await?
        .into_iter()
        .map(|r| r.key)
        .collect();
    let mut out = Map::new();
    out.insert("sub".into(), json!(user.id));
    out.insert(
        "https://authgear.com/claims/user/is_anonymous".into(),
        json!(false),
    );
    out.insert(
        "https://authgear.com/claims/user/is_verified".into(),
        json!(!verified.is_empty()),
    );
    out.insert(
        "https://authgear.com/claims/user/can_reauthenticate".into(),
        json!(true),
    );
    out.insert(
        "https://authgear.com/claims/user/roles".into(),
        json!(roles),
    );
    if audience == Audience::PublicIdToken {
        return Ok(out);
    }
    let mut attrs = Map::new();
    for key in BEARER_VISIBLE {
        if let Some(v) = user.standard_attributes.get(key) {
            attrs.insert(key.into(), v.clone());
        }
    }
    for (claim, flag) in [
        ("email", "email_verified"),
        ("phone_number", "phone_number_verified"),
    ] {
        if let Some(value) = attrs.get(claim).and_then(Value::as_str) {
            let is = verified.iter().any(|(n, v)| n == claim && v == value);
            attrs.insert(flag.into(), json!(is));
        }
    }
    attrs.insert(
        "updated_at".into(),
        json!(user.updated_at.div_euclid(1_000_000)),
    );
    match audience {
        Audience::PublicUserinfo => {
            out.extend(attrs);
            out.insert(
                "custom_attributes".into(),
                Value::Object(user.custom_attributes.clone()),
            );
        }
        _ => {
            let full = scopes.contains(&"https://authgear.com/scopes/full-access");
            for (k, v) in attrs {
                if full || scopes.iter().any(|s| allowed_by(s).contains(&k.as_str())) {
                    out.insert(k, v);
                }
            }
        }
    }
    Ok(out)
}
