//! `/.well-known/openid-configuration` (also served as
//! `/.well-known/oauth-authorization-server`) and `/oauth2/jwks`.

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::SigninState;
use crate::cors::any_origin;
use crate::request::Ctx;

/// The scopes keyward grants.
pub const SCOPES: [&str; 7] = [
    "openid",
    "offline_access",
    "profile",
    "email",
    "phone",
    "address",
    "https://authgear.com/scopes/full-access",
];

/// The discovery document of the issuer the request reached.
pub fn document(issuer: &str) -> Value {
    json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/oauth2/authorize"),
        "token_endpoint": format!("{issuer}/oauth2/token"),
        "userinfo_endpoint": format!("{issuer}/oauth2/userinfo"),
        "revocation_endpoint": format!("{issuer}/oauth2/revoke"),
        "end_session_endpoint": format!("{issuer}/oauth2/end_session"),
        "jwks_uri": format!("{issuer}/oauth2/jwks"),
        "scopes_supported": SCOPES,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query", "fragment", "form_post"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["none", "client_secret_post", "client_secret_basic"],
        "revocation_endpoint_auth_methods_supported": ["none"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "prompt_values_supported": ["none", "login"],
        "claims_supported": [
            "iss", "aud", "iat", "exp", "sub", "auth_time", "sid", "nonce", "amr", "email",
            "email_verified", "phone_number", "phone_number_verified", "preferred_username",
            "family_name", "given_name", "middle_name", "name", "nickname", "picture", "profile",
            "website", "gender", "birthdate", "zoneinfo", "locale", "address", "updated_at"
        ],
    })
}

/// `GET /.well-known/openid-configuration`. Errors reach the caller with
/// CORS headers too (the Host check answers before this runs).
pub async fn configuration(ctx: Ctx) -> Response {
    any_origin(Json(document(&ctx.tenant.issuer)).into_response())
}

/// `GET /oauth2/jwks`: the public keys only.
pub async fn jwks(State(state): State<SigninState>, ctx: Ctx) -> Response {
    match state.keys().get(&ctx.tenant.project, state.now()).await {
        Ok(keys) => any_origin(Json(keys.jwks.clone()).into_response()),
        Err(e) => any_origin(e.into_response()),
    }
}
