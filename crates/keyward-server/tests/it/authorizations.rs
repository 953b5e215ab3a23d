//! Users' authorizations of clients: a third-party app's consent page,
//! `User.authorizations`, `deleteAuthorization` ending its refresh tokens,
//! and `createSession` (off by default) issuing tokens the sign-in door
//! accepts.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use keyward_store::{AccountSettings, ClientType};
use keyward_test_support::{App, Backend, Browser, PROJECT, Pkce, TestServer, query_of};
use serde_json::{Value, json};

use crate::api::assert_error;
use crate::signin::{PASSWORD, SPA_CALLBACK, refresh};

on_sqlite!(
    third_party_consent_and_deleting_its_authorization,
    create_session_is_off_by_default_and_issues_working_tokens,
);

const CALLBACK: &str = "https://partner.example.com/callback";

fn authorize(b: &Browser, app: &App, pkce: &Pkce, scope: &str, extra: &[(&str, &str)]) -> String {
    let mut url = reqwest::Url::parse(&format!("{}/oauth2/authorize", b.issuer)).unwrap();
    url.query_pairs_mut()
        .append_pair("client_id", &app.client_id)
        .append_pair("redirect_uri", &app.redirect_uri)
        .append_pair("response_type", "code")
        .append_pair("scope", scope)
        .append_pair("code_challenge", &pkce.challenge)
        .append_pair("code_challenge_method", "S256");
    for (k, v) in extra {
        url.query_pairs_mut().append_pair(k, v);
    }
    url.to_string()
}

async fn answer(
    b: &mut Browser,
    consent: &keyward_test_support::Page,
    decision: &str,
) -> keyward_test_support::Page {
    let mut fields = consent.inputs();
    fields.push(("decision".into(), decision.into()));
    b.post("/consent", &fields).await
}

async fn exchange(b: &Browser, app: &App, pkce: &Pkce, location: &str) -> (u16, Value) {
    let code = query_of(location)["code"].clone();
    let r = b
        .http
        .post(format!("{}/oauth2/token", b.issuer))
        .basic_auth(&app.client_id, app.secret.as_deref())
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", &app.redirect_uri),
            ("code_verifier", &pkce.verifier),
        ])
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

async fn third_party_consent_and_deleting_its_authorization(backend: Backend) {
    let Some(server) = TestServer::spawn(backend).await else {
        return;
    };
    let partner = server
        .oauth_client(ClientType::ThirdPartyApp, CALLBACK)
        .await;
    let raw = server.end_user("tp@example.com", PASSWORD).await;
    let user = json!(keyward_accounts::ids::encode("User", &raw));
    let mut b = server.browser();
    let scope = "openid email offline_access";

    // Signed in, the app's request stops at the consent page.
    let pkce = Pkce::new();
    let consent = b
        .sign_in(
            &authorize(&b, &partner, &pkce, scope, &[]),
            "tp@example.com",
            PASSWORD,
        )
        .await;
    assert_eq!(consent.status, 200, "{}", consent.body);
    assert!(consent.body.contains("Test app"), "{}", consent.body);
    assert!(
        consent.body.contains("See your email address"),
        "{}",
        consent.body
    );
    assert!(consent.input("csrf").is_some());
    // Deny: the app hears access_denied.
    let denied = answer(&mut b, &consent, "deny").await;
    assert_eq!(denied.status, 303, "{}", denied.body);
    let q = query_of(&denied.location().unwrap());
    assert_eq!(q["error"], "access_denied");
    // A forged answer without the CSRF token is refused.
    let mut forged: Vec<(String, String)> = consent
        .inputs()
        .into_iter()
        .filter(|(k, _)| k != "csrf")
        .collect();
    forged.push(("decision".into(), "allow".into()));
    assert_eq!(b.post("/consent", &forged).await.status, 403);

    // Asked again (single sign-on: no password), allowed this time.
    let pkce = Pkce::new();
    let consent = b.get(&authorize(&b, &partner, &pkce, scope, &[])).await;
    assert_eq!(
        consent.status, 200,
        "consent again after a denial: {}",
        consent.body
    );
    let allowed = answer(&mut b, &consent, "allow").await;
    assert_eq!(allowed.status, 303, "{}", allowed.body);
    let (status, tokens) = exchange(&b, &partner, &pkce, &allowed.location().unwrap()).await;
    assert_eq!(status, 200, "{tokens}");
    let refresh_token = tokens["refresh_token"].as_str().unwrap().to_owned();

    // Within what was granted: no page. prompt=consent: the page. A new
    // scope under prompt=none: consent_required.
    let pkce = Pkce::new();
    let direct = b
        .get(&authorize(&b, &partner, &pkce, "openid email", &[]))
        .await;
    assert_eq!(direct.status, 303, "{}", direct.body);
    assert!(query_of(&direct.location().unwrap()).contains_key("code"));
    let again = b
        .get(&authorize(
            &b,
            &partner,
            &Pkce::new(),
            "openid",
            &[("prompt", "consent")],
        ))
        .await;
    assert_eq!(again.status, 200, "{}", again.body);
    let none = b
        .get(&authorize(
            &b,
            &partner,
            &Pkce::new(),
            "openid phone",
            &[("prompt", "none")],
        ))
        .await;
    assert_eq!(
        query_of(&none.location().unwrap())["error"],
        "consent_required"
    );

    // The Admin API: the authorization is listed; the app's grant is not a
    // session (the browser's IdP session is).
    let body = server
        .run(
            "query($id: ID!) { node(id: $id) { ... on User { authorizations { totalCount edges { node { id clientID scopes } } } sessions { edges { node { type } } } } } }",
            json!({"id": user}),
        )
        .await;
    let u = &body["data"]["node"];
    assert_eq!(u["authorizations"]["totalCount"], 1, "{body}");
    let authz = u["authorizations"]["edges"][0]["node"].clone();
    assert_eq!(authz["clientID"], partner.client_id);
    assert_eq!(
        authz["scopes"],
        json!(["openid", "email", "offline_access"])
    );
    assert_eq!(
        u["sessions"]["edges"],
        json!([{"node": {"type": "IDP"}}]),
        "{body}"
    );
    let body = server
        .run(
            "query($id: ID!) { node(id: $id) { ... on Authorization { clientID } } }",
            json!({"id": authz["id"]}),
        )
        .await;
    assert_eq!(
        body["data"]["node"]["clientID"], partner.client_id,
        "{body}"
    );

    // Deleting it ends the app's refresh tokens, and the next request asks
    // for consent again.
    let body = server
        .run(
            "mutation { deleteAuthorization(input: {authorizationID: \"bad\"}) { user { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        body["errors"][0]["message"], "invalid authorization ID",
        "{body}"
    );
    let body = server
        .run("mutation($id: ID!) { deleteAuthorization(input: {authorizationID: $id}) { user { id authorizations { totalCount } } } }", json!({"id": authz["id"]}))
        .await;
    let u = &body["data"]["deleteAuthorization"]["user"];
    assert_eq!(
        (u["id"].clone(), u["authorizations"]["totalCount"].clone()),
        (user.clone(), json!(0)),
        "{body}"
    );
    let body = server
        .run("mutation($id: ID!) { deleteAuthorization(input: {authorizationID: $id}) { user { id } } }", json!({"id": authz["id"]}))
        .await;
    assert_error(&body, "NotFound", "AuthorizationNotFound");
    let r = b
        .http
        .post(format!("{}/oauth2/token", b.issuer))
        .basic_auth(&partner.client_id, partner.secret.as_deref())
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh_token),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let page = b
        .get(&authorize(&b, &partner, &Pkce::new(), "openid", &[]))
        .await;
    assert_eq!(page.status, 200, "consent again: {}", page.body);

    // Audited without a user, with the calling backend's address.
    let body = server
        .run("{ auditLogs(first: 5, activityTypes: [ADMIN_API_MUTATION_DELETE_AUTHORIZATION_EXECUTED]) { edges { node { user { id } ipAddress data } } } }", json!({}))
        .await;
    let entries = body["data"]["auditLogs"]["edges"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{body}");
    assert!(entries[0]["node"]["user"].is_null());
    assert_eq!(entries[0]["node"]["ipAddress"], "127.0.0.1");
    assert_eq!(
        entries[0]["node"]["data"]["payload"]["authorization"]["clientID"],
        partner.client_id
    );
}

async fn create_session_is_off_by_default_and_issues_working_tokens(backend: Backend) {
    let Some(server) = TestServer::spawn(backend).await else {
        return;
    };
    let app = server.oauth_client(ClientType::Spa, SPA_CALLBACK).await;
    let partner = server
        .oauth_client(ClientType::ThirdPartyApp, CALLBACK)
        .await;
    let raw = server.end_user("cs@example.com", PASSWORD).await;
    let user = json!(keyward_accounts::ids::encode("User", &raw));
    let device = URL_SAFE_NO_PAD.encode(r#"{"ios":{"uname":{"machine":"iPhone13,2"}}}"#);
    let create = "mutation($input: CreateSessionInput!) { createSession(input: $input) { accessToken expiresIn refreshToken tokenType } }";

    // Off: refused before anything else is looked at.
    let body = server
        .run(
            create,
            json!({"input": {"userID": "bad", "clientID": app.client_id}}),
        )
        .await;
    assert_error(&body, "Forbidden", "Forbidden");
    assert_eq!(body["errors"][0]["message"], "CreateSession is disabled");
    server
        .store
        .set_account_settings(
            PROJECT,
            &AccountSettings {
                create_session_enabled: true,
                ..AccountSettings::default()
            },
        )
        .await
        .unwrap();

    for (input, message) in [
        (
            json!({"userID": "bad", "clientID": app.client_id}),
            "invalid user ID",
        ),
        (
            json!({"userID": user, "clientID": app.client_id, "deviceInfo": "not base64!"}),
            "invalid device info",
        ),
        (
            json!({"userID": user, "clientID": app.client_id, "deviceInfo": URL_SAFE_NO_PAD.encode("[1]")}),
            "invalid device info",
        ),
        (
            json!({"userID": user, "clientID": "ghost"}),
            "invalid client ID",
        ),
        (
            json!({"userID": user, "clientID": partner.client_id}),
            "cannot create session for non-first party client",
        ),
    ] {
        let body = server.run(create, json!({ "input": input })).await;
        assert_eq!(body["errors"][0]["message"], message, "{body}");
    }
    let ghost = keyward_accounts::ids::encode("User", &uuid::Uuid::new_v4().to_string());
    let body = server
        .run(
            create,
            json!({"input": {"userID": ghost, "clientID": app.client_id}}),
        )
        .await;
    assert_error(&body, "NotFound", "UserNotFound");

    let body = server
        .run(
            create,
            json!({"input": {"userID": user, "clientID": app.client_id, "deviceInfo": device}}),
        )
        .await;
    let s = &body["data"]["createSession"];
    assert_eq!(
        (s["tokenType"].clone(), s["expiresIn"].clone()),
        (json!("Bearer"), json!(1800)),
        "{body}"
    );
    let access = s["accessToken"].as_str().unwrap();
    let claims: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(access.split('.').nth(1).unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(claims["sub"], raw);
    assert_eq!(claims["iss"], server.issuer());
    assert_eq!(claims["client_id"], app.client_id);

    // It is one of the user's sessions, named after the device (until the
    // app's first refresh shows its own User-Agent).
    let body = server
        .run("query($id: ID!) { node(id: $id) { ... on User { sessions { edges { node { type clientID displayName } } } } } }", json!({"id": user}))
        .await;
    assert_eq!(
        body["data"]["node"]["sessions"]["edges"],
        json!([{"node": {"type": "OFFLINE_GRANT", "clientID": app.client_id, "displayName": "iPhone13,2"}}]),
        "{body}"
    );
    // The sign-in door takes both tokens.
    let b = server.browser();
    let r = b
        .http
        .get(format!("{}/oauth2/userinfo", b.issuer))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let (status, refreshed) = refresh(&b, &app, s["refreshToken"].as_str().unwrap()).await;
    assert_eq!(status, 200, "{refreshed}");

    // Audited.
    let body = server
        .run("{ auditLogs(first: 5, activityTypes: [ADMIN_API_MUTATION_CREATE_SESSION_EXECUTED]) { edges { node { user { id } data } } } }", json!({}))
        .await;
    let entries = body["data"]["auditLogs"]["edges"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{body}");
    assert_eq!(entries[0]["node"]["user"]["id"], user);
    assert!(
        !body.to_string().contains(access),
        "no token in the audit log"
    );
}
