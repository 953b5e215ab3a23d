//! End-user sign-in against the real server: discovery, the sign-in form,
//! the code exchange, refresh with rotation, userinfo, revocation, logout,
//! and each security rule as a test. Requests reach `myapp.localhost`
//! through the client's resolver override, as a browser would.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use keyward_store::{ClientType, LockoutSettings};
use keyward_test_support::{
    App, Backend, Browser, PROJECT, Pkce, TestServer, authorize_url, query_of,
};
use serde_json::{Value, json};

pub const SPA_CALLBACK: &str = "http://app.example.test/callback";
pub const PASSWORD: &str = "correct horse battery";

on_each_backend!(
    full_flow_with_rotation_and_reuse_detection,
    a_redeemed_code_presented_again_revokes_its_grant,
    disabling_a_user_ends_refresh_and_userinfo_at_once,
    lockout_holds_across_two_replicas,
);
on_sqlite!(
    discovery_and_jwks_are_public_and_follow_the_host,
    authorize_refuses_without_redirecting_to_unregistered_uris,
    pkce_is_required_and_only_s256,
    token_endpoint_refuses_wrong_verifier_other_client_and_bad_secrets,
    sign_in_form_has_csrf_and_strict_headers,
    wrong_password_and_unknown_login_look_the_same,
    end_session_signs_out_and_redirects_only_to_registered_uris,
    sso_session_is_reused_unless_suppressed,
    confidential_client_with_basic_auth_and_scoped_claims,
    account_page_lists_sessions_and_signs_others_out,
    admin_api_lists_and_revokes_sessions_and_resets_lockout,
    response_modes_fragment_and_form_post,
    imported_bcrypt_password_signs_in_and_is_rehashed,
    signing_key_rotation_keeps_old_tokens_valid,
    failed_sign_ins_are_limited_and_successes_are_not,
    web_sdk_cors_and_logout_by_revoking_the_refresh_token,
);

pub fn claims_of(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

pub async fn token_request(b: &Browser, form: &[(&str, &str)]) -> (u16, Value) {
    let r = b
        .http
        .post(format!("{}/oauth2/token", b.issuer))
        .form(form)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    assert_eq!(
        r.headers()
            .get("cache-control")
            .map(|v| v.to_str().unwrap()),
        Some("no-store")
    );
    (status, r.json().await.unwrap())
}

/// Sign `email` in at `app` (public, PKCE) and exchange the code.
pub async fn signed_in(
    server: &TestServer,
    app: &App,
    email: &str,
    extra: &[(&str, &str)],
) -> (Browser, Value) {
    let mut b = server.browser();
    let pkce = Pkce::new();
    let done = b
        .sign_in(
            &authorize_url(&b.issuer, app, &pkce, extra),
            email,
            PASSWORD,
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    let q = query_of(&done.location().unwrap());
    let (status, body) = token_request(
        &b,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &app.client_id),
            ("code", &q["code"]),
            ("redirect_uri", &app.redirect_uri),
            ("code_verifier", &pkce.verifier),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    (b, body)
}

async fn userinfo(b: &Browser, access_token: &str) -> (u16, Value, Option<String>) {
    let r = b
        .http
        .get(format!("{}/oauth2/userinfo", b.issuer))
        .bearer_auth(access_token)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let www = r
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_owned());
    (status, r.json().await.unwrap_or(Value::Null), www)
}

pub async fn refresh(b: &Browser, app: &App, rt: &str) -> (u16, Value) {
    token_request(
        b,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", &app.client_id),
            ("refresh_token", rt),
        ],
    )
    .await
}

async fn discovery_and_jwks_are_public_and_follow_the_host(backend: Backend) {
    let Some(server) = TestServer::spawn(backend).await else {
        return;
    };
    let b = server.browser();
    let r = b
        .http
        .get(format!("{}/.well-known/openid-configuration", b.issuer))
        .header("origin", "http://elsewhere.test")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    let doc: Value = r.json().await.unwrap();
    assert_eq!(doc["issuer"], b.issuer);
    assert_eq!(doc["token_endpoint"], format!("{}/oauth2/token", b.issuer));
    assert_eq!(doc["code_challenge_methods_supported"], json!(["S256"]));
    let same: Value = b
        .http
        .get(format!(
            "{}/.well-known/oauth-authorization-server",
            b.issuer
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(same, doc);
    let jwks: Value = b
        .http
        .get(format!("{}/oauth2/jwks", b.issuer))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let keys = jwks["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0]["alg"], "RS256");
    assert!(keys[0]["kid"].is_string());
    for private in ["d", "p", "q", "dp", "dq", "qi"] {
        assert!(keys[0].get(private).is_none(), "{private} published");
    }
    // A host that names no project: refused, readable cross-origin.
    let port = server.url.rsplit(':').next().unwrap();
    let r = reqwest::Client::builder()
        .resolve("nosuch.localhost", server.handle.as_ref().unwrap().addr)
        .build()
        .unwrap()
        .get(format!(
            "http://nosuch.localhost:{port}/.well-known/openid-configuration"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    // The bare address serves no sign-in.
    let r = server
        .http
        .get(format!("{}/.well-known/openid-configuration", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

async fn full_flow_with_rotation_and_reuse_detection(backend: Backend) {
    let Some(server) = TestServer::spawn(backend).await else {
        return;
    };
    let user_id = server.end_user("ada@example.com", PASSWORD).await;
    let app = server.oauth_client(ClientType::Spa, SPA_CALLBACK).await;
    let (b, tokens) = signed_in(
        &server,
        &app,
        "ada@example.com",
        &[("nonce", "n-1"), ("state", "s-1")],
    )
    .await;
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 1800);
    let id = claims_of(tokens["id_token"].as_str().unwrap());
    assert_eq!(id["iss"], b.issuer);
    assert_eq!(id["aud"], json!([app.client_id]));
    assert_eq!(id["sub"], user_id);
    assert_eq!(id["nonce"], "n-1");
    assert_eq!(id["amr"], json!(["pwd", "x_primary_password"]));
    assert!(id["sid"].is_string() && id["auth_time"].is_i64());
    assert_eq!(id["https://authgear.com/claims/user/roles"], json!([]));
    // A public client's ID token carries no personal data.
    assert!(id.get("email").is_none());
    let at = tokens["access_token"].as_str().unwrap();
    let (status, info, _) = userinfo(&b, at).await;
    assert_eq!(status, 200, "{info}");
    assert_eq!(info["sub"], user_id);
    assert_eq!(info["email"], "ada@example.com");
    // Refresh rotates; the old token presented again ends the grant.
    let rt1 = tokens["refresh_token"].as_str().unwrap().to_owned();
    let (status, second) = refresh(&b, &app, &rt1).await;
    assert_eq!(status, 200, "{second}");
    let rt2 = second["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(rt1, rt2);
    assert!(second["id_token"].is_string());
    let (status, body) = refresh(&b, &app, &rt1).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    let (status, _) = refresh(&b, &app, &rt2).await;
    assert_eq!(status, 400, "the newest token died with the grant");
    let (status, _, _) = userinfo(&b, at).await;
    assert_eq!(
        status, 401,
        "access tokens of a revoked grant stop at userinfo"
    );
    // The Admin API sees the sign-in.
    let out = server
        .run(
            "query($id: ID!) { node(id: $id) { ... on User { lastLoginAt } } }",
            json!({"id": URL_SAFE_NO_PAD.encode(format!("User:{user_id}"))}),
        )
        .await;
    assert!(out["data"]["node"]["lastLoginAt"].is_string(), "{out}");
    let audit = server
        .run(
            "{ auditLogs(first: 50) { edges { node { activityType ipAddress userAgent clientID } } } }",
            json!({}),
        )
        .await;
    let types: Vec<&str> = audit["data"]["auditLogs"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["activityType"].as_str().unwrap())
        .collect();
    assert!(types.contains(&"USER_AUTHENTICATED"), "{types:?}");
    let signed_in_entry = audit["data"]["auditLogs"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["activityType"] == "USER_AUTHENTICATED")
        .unwrap();
    assert_eq!(signed_in_entry["node"]["ipAddress"], "127.0.0.1");
    assert_eq!(signed_in_entry["node"]["userAgent"], "keyward-tests/1.0");
    assert_eq!(signed_in_entry["node"]["clientID"], app.client_id);
    assert!(types.contains(&"USER_SESSION_TERMINATED"), "{types:?}");
}

async fn a_redeemed_code_presented_again_revokes_its_grant(backend: Backend) {
    let Some(server) = TestServer::spawn(backend).await else {
        return;
    };
    server.end_user("bo@example.com", PASSWORD).await;
    let app = server
        .oauth_client(ClientType::Native, "com.example.app:/cb")
        .await;
    let mut b = server.browser();
    let pkce = Pkce::new();
    let done = b
        .sign_in(
            &authorize_url(&b.issuer, &app, &pkce, &[]),
            "bo@example.com",
            PASSWORD,
        )
        .await;
    let code = query_of(&done.location().unwrap())["code"].clone();
    let form = [
        ("grant_type", "authorization_code"),
        ("client_id", app.client_id.as_str()),
        ("code", code.as_str()),
        ("redirect_uri", "com.example.app:/cb"),
        ("code_verifier", pkce.verifier.as_str()),
    ];
    let (status, first) = token_request(&b, &form).await;
    assert_eq!(status, 200, "{first}");
    let (status, again) = token_request(&b, &form).await;
    assert_eq!(
        (status, again["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    let (status, _) = refresh(&b, &app, first["refresh_token"].as_str().unwrap()).await;
    assert_eq!(
        status, 400,
        "the first redemption's refresh token was revoked"
    );
}

async fn disabling_a_user_ends_refresh_and_userinfo_at_once(backend: Backend) {
    let Some(server) = TestServer::spawn(backend).await else {
        return;
    };
    let user_id = server.end_user("cy@example.com", PASSWORD).await;
    let app = server
        .oauth_client_with(ClientType::Spa, SPA_CALLBACK, |c| {
            c.refresh_rotation = Some(false)
        })
        .await;
    let (b, tokens) = signed_in(&server, &app, "cy@example.com", &[]).await;
    let rt = tokens["refresh_token"].as_str().unwrap();
    let (status, body) = refresh(&b, &app, rt).await;
    assert_eq!(status, 200);
    assert!(
        body.get("refresh_token").is_none(),
        "rotation off: no new token"
    );
    let out = server
        .run(
            "mutation($id: ID!) { setDisabledStatus(input: {userID: $id, isDisabled: true, reason: \"fraud\"}) { user { isDisabled } } }",
            json!({"id": URL_SAFE_NO_PAD.encode(format!("User:{user_id}"))}),
        )
        .await;
    assert_eq!(
        out["data"]["setDisabledStatus"]["user"]["isDisabled"], true,
        "{out}"
    );
    let (status, body) = refresh(&b, &app, rt).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    let (status, _, www) = userinfo(&b, tokens["access_token"].as_str().unwrap()).await;
    assert_eq!(status, 401);
    assert!(www.unwrap().starts_with("Bearer error="));
    // And a new sign-in is refused with the reason, without a code.
    let mut b2 = server.browser();
    let page = b2
        .sign_in(
            &authorize_url(&b2.issuer, &app, &Pkce::new(), &[]),
            "cy@example.com",
            PASSWORD,
        )
        .await;
    assert_eq!(page.status, 403);
    assert!(
        page.body.contains("disabled") && page.body.contains("fraud"),
        "{}",
        page.body
    );
    assert!(page.location().is_none());
}

async fn lockout_holds_across_two_replicas(backend: Backend) {
    let Some(first) = TestServer::spawn(backend).await else {
        return;
    };
    first.end_user("di@example.com", PASSWORD).await;
    first
        .store
        .set_lockout_settings(
            PROJECT,
            &LockoutSettings {
                max_attempts: 3,
                history_secs: 300,
                min_secs: 300,
                max_secs: 600,
                backoff_factor: 2.0,
                per_ip: false,
            },
        )
        .await
        .unwrap();
    let second = TestServer::spawn_replica(&first).await;
    let app = first.oauth_client(ClientType::Spa, SPA_CALLBACK).await;
    let mut browsers = [first.browser(), second.browser()];
    for attempt in 0..3 {
        let b = &mut browsers[attempt % 2];
        let page = b
            .sign_in(
                &authorize_url(&b.issuer.clone(), &app, &Pkce::new(), &[]),
                "di@example.com",
                "wrong password!",
            )
            .await;
        let expected = if attempt < 2 { 401 } else { 429 };
        assert_eq!(page.status, expected, "attempt {attempt}: {}", page.body);
    }
    // Locked on both replicas, even with the right password.
    for b in browsers.iter_mut() {
        let page = b
            .sign_in(
                &authorize_url(&b.issuer.clone(), &app, &Pkce::new(), &[]),
                "di@example.com",
                PASSWORD,
            )
            .await;
        assert_eq!(page.status, 429, "{}", page.body);
        assert!(page.body.contains("locked"), "{}", page.body);
    }
    let locked = first
        .run(
            "{ users(first: 1) { edges { node { accountLockout { isLocked lockedUntil } } } } }",
            json!({}),
        )
        .await;
    let lock = &locked["data"]["users"]["edges"][0]["node"]["accountLockout"];
    assert_eq!(lock["isLocked"], true, "{locked}");
}

async fn authorize_refuses_without_redirecting_to_unregistered_uris(backend: Backend) {
    let Some(server) = TestServer::spawn(backend).await else {
        return;
    };
    let app = server.oauth_client(ClientType::Spa, SPA_CALLBACK).await;
    let mut b = server.browser();
    let pkce = Pkce::new();
    for bad in [
        "http://evil.example/callback",
        "http://app.example.test/callback/extra",
        "http://app.example.test/callback?x=1",
    ] {
        let mut other = app.clone();
        other.redirect_uri = bad.into();
        let page = b.get(&authorize_url(&b.issuer, &other, &pkce, &[])).await;
        assert_eq!(page.status, 400, "{bad}");
        assert!(page.location().is_none());
        assert!(
            page.body.contains("redirect URI is not allowed"),
            "{}",
            page.body
        );
    }
    let mut unknown = app.clone();
    unknown.client_id = "nope".into();
    let page = b.get(&authorize_url(&b.issuer, &unknown, &pkce, &[])).await;
    assert_eq!(page.status, 400);
    assert!(page.body.contains("unauthorized_client"));
    // Errors after the redirect URI is known go back to it, with state.
    let page = b
        .get(&authorize_url(
            &b.issuer,
            &app,
            &pkce,
            &[("state", "xyz"), ("prompt", "none")],
        ))
        .await;
    let q = query_of(&page.location().unwrap());
    assert_eq!(q["error"], "login_required");
    assert_eq!(q["state"], "xyz");
    // No state and no nonce are required.
    let page = b.get(&authorize_url(&b.issuer, &app, &pkce, &[])).await;
    assert!(page.location().unwrap().starts_with("/login?"));
}

async fn pkce_is_required_and_only_s256(backend: Backend) {
    let Some(server) = TestServer::spawn(backend).await else {
        return;
    };
    let app = server.oauth_client(ClientType::Spa, SPA_CALLBACK).await;
    let mut b = server.browser();
    let base = format!(
        "{}/oauth2/authorize?client_id={}&redirect_uri={}&response_type=code&scope=openid",
        b.issuer, app.client_id, SPA_CALLBACK
    );
    let page = b.get(&base).await;
    assert_eq!(
        query_of(&page.location().unwrap())["error_description"],
        "PKCE code challenge is required for public clients"
    );
    let pkce = Pkce::new();
    let plain = format!(
        "{base}&code_challenge={}&code_challenge_method=plain",
        pkce.verifier
    );
    let page = b.get(&plain).await;
    let q = query_of(&page.location().unwrap());
    assert_eq!(q["error"], "invalid_request");
    assert_eq!(
        q["error_description"],
        "only 'S256' PKCE transform is supported"
    );
    let page = b
        .get(&format!("{base}&code_challenge={}", pkce.challenge))
        .await;
    assert_eq!(
        query_of(&page.location().unwrap())["error"],
        "invalid_request"
    );
}

async fn token_endpoint_refuses_wrong_verifier_other_client_and_bad_secrets(backend: Backend) {
    let Some(server) = TestServer::spawn(backend).await else {
        return;
    };
    server.end_user("ed@example.com", PASSWORD).await;
    let app = server.oauth_client(ClientType::Spa, SPA_CALLBACK).await;
    let other = server.oauth_client(ClientType::Spa, SPA_CALLBACK).await;
    let mut b = server.browser();
    let pkce = Pkce::new();
    let done = b
        .sign_in(
            &authorize_url(&b.issuer, &app, &pkce, &[]),
            "ed@example.com",
            PASSWORD,
        )
        .await;
    let code = query_of(&done.location().unwrap())["code"].clone();
    let wrong = Pkce::new();
    for (client, verifier, redirect) in [
        (&app.client_id, &wrong.verifier, SPA_CALLBACK),
        (&other.client_id, &pkce.verifier, SPA_CALLBACK),
    ] {
        let (status, body) = token_request(
            &b,
            &[
                ("grant_type", "authorization_code"),
                ("client_id", client),
                ("code", &code),
                ("redirect_uri", redirect),
                ("code_verifier", verifier),
            ],
        )
        .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("invalid_grant"))
        );
    }
    // A failed check did not consume the code.
    let (status, body) = token_request(
        &b,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &app.client_id),
            ("code", &code),
            ("redirect_uri", SPA_CALLBACK),
            ("code_verifier", &pkce.verifier),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    // Confidential client: missing or wrong secret is 401 invalid_client.
    let backend_app = server
        .oauth_client(ClientType::Confidential, "http://backend.example.test/cb")
        .await;
    for secret in [None, Some("wrong")] {
        let mut form = vec![
            ("grant_type", "refresh_token"),
            ("client_id", backend_app.client_id.as_str()),
            ("refresh_token", "x.y"),
        ];
        if let Some(s) = secret {
            form.push(("client_secret", s));
        }
        let (status, body) = token_request(&b, &form).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (401, Some("invalid_client"))
        );
    }
    let r = b
        .http
        .post(format!("{}/oauth2/token", b.issuer))
        .basic_auth(&backend_app.client_id, Some("wrong"))
        .form(&[("grant_type", "refresh_token"), ("refresh_token", "x.y")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(
        r.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Basic")
    );
    // The right secret by Basic, with the client ID repeated in the body as
    // some libraries do: authenticated, so the (bogus) token is what fails.
    let r = b
        .http
        .post(format!("{}/oauth2/token", b.issuer))
        .basic_auth(&backend_app.client_id, backend_app.secret.as_deref())
        .form(&[
            ("grant_type", "refresh_token"),
            ("client_id", backend_app.client_id.as_str()),
            ("refresh_token", "x.y"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"], "invalid_grant");
}

async fn sign_in_form_has_csrf_and_strict_headers(backend: Backend) {
    let Some(server) = TestServer::spawn(backend).await else {
        return;
    };
    server.end_user("fa@example.com", PASSWORD).await;
    let app = server.oauth_client(ClientType::Spa, SPA_CALLBACK).await;
    let mut b = server.browser();
    let first = b
        .get(&authorize_url(&b.issuer, &app, &Pkce::new(), &[]))
        .await;
    let form = b.get(&first.location().unwrap()).await;
    assert_eq!(form.headers["x-frame-options"], "DENY");
    let csp = form.headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert!(
        csp.contains("form-action 'self' http://app.example.test"),
        "{csp}"
    );
    assert!(form.body.contains("autocomplete=\"username\""));
    assert!(form.body.contains("autocomplete=\"current-password\""));
    assert!(form.body.contains("<label for=\"password\""));
    assert!(form.input("csrf").is_some());
    // Without the token: refused, no code.
    let mut fields: Vec<(String, String)> = form
        .inputs()
        .into_iter()
        .filter(|(k, _)| k != "csrf")
        .collect();
    fields.push(("login".into(), "fa@example.com".into()));
    fields.push(("password".into(), PASSWORD.into()));
    let page = b.post("/login", &fields).await;
    assert_eq!(page.status, 403);
    assert!(page.location().is_none());
    // From another origin: refused even with the token.
    let mut fields = form.inputs();
    fields.push(("login".into(), "fa@example.com".into()));
    fields.push(("password".into(), PASSWORD.into()));
    let r = b
        .http
        .post(format!("{}/login", b.issuer))
        .header(
            "cookie",
            format!("keyward_csrf={}", b.cookies["keyward_csrf"]),
        )
        .header("origin", "http://evil.example")
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

async fn wrong_password_and_unknown_login_look_the_same(backend: Backend) {
    let Some(server) = TestServer::spawn(backend).await else {
        return;
    };
    server.end_user("gu@example.com", PASSWORD).await;
    let app = server.oauth_client(ClientType::Spa, SPA_CALLBACK).await;
    let mut pages = Vec::new();
    for login in ["gu@example.com", "nobody@example.com"] {
        let mut b = server.browser();
        let page = b
            .sign_in(
                &authorize_url(&b.issuer, &app, &Pkce::new(), &[]),
                login,
                "not the password",
            )
            .await;
        assert_eq!(page.status, 401);
        let start = page.body.find("role=\"alert\"").unwrap();
        pages.push(page.body[start..start + 120].to_owned());
    }
    assert_eq!(pages[0], pages[1]);
}

async fn end_session_signs_out_and_redirects_only_to_registered_uris(backend: Backend) {
    let Some(server) = TestServer::spawn(backend).await else {
        return;
    };
    server.end_user("ha@example.com", PASSWORD).await;
    let app = server
        .oauth_client(ClientType::TraditionalWebapp, SPA_CALLBACK)
        .await;
    let (mut b, tokens) = signed_in(&server, &app, "ha@example.com", &[]).await;
    assert!(b.cookies.contains_key("session"), "a plain client gets SSO");
    let id_token = tokens["id_token"].as_str().unwrap();
    let post_logout = format!("{SPA_CALLBACK}/signed-out");
    let mut url = reqwest::Url::parse(&format!("{}/oauth2/end_session", b.issuer)).unwrap();
    url.query_pairs_mut()
        .append_pair("id_token_hint", id_token)
        .append_pair("post_logout_redirect_uri", &post_logout)
        .append_pair("state", "bye");
    let page = b.get(url.as_str()).await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(page.location().unwrap(), format!("{post_logout}?state=bye"));
    assert!(!b.cookies.contains_key("session"));
    let (status, _) = refresh(&b, &app, tokens["refresh_token"].as_str().unwrap()).await;
    assert_eq!(status, 400, "the grant ended with the session");
    // After logout the form is shown again.
    let page = b
        .get(&authorize_url(&b.issuer, &app, &Pkce::new(), &[]))
        .await;
    assert!(page.location().unwrap().starts_with("/login"));
    // An unregistered post-logout URI is never redirected to.
    let page = b
        .get(&format!(
            "{}/oauth2/end_session?post_logout_redirect_uri=http://evil.example/",
            b.issuer
        ))
        .await;
    assert_eq!(page.status, 200);
    assert!(page.location().is_none());
}

async fn sso_session_is_reused_unless_suppressed(backend: Backend) {
    let Some(server) = TestServer::spawn(backend).await else {
        return;
    };
    server.end_user("io@example.com", PASSWORD).await;
    let app = server.oauth_client(ClientType::Spa, SPA_CALLBACK).await;
    // Authgear's web SDK: SSO off, no state, no nonce.
    let sdk = [
        ("x_sso_enabled", "false"),
        ("x_suppress_idp_session_cookie", "true"),
        (
            "scope",
            "openid https://authgear.com/scopes/full-access offline_access",
        ),
    ];
    let (mut b, _) = signed_in(&server, &app, "io@example.com", &sdk).await;
    assert!(!b.cookies.contains_key("session"));
    let page = b
        .get(&authorize_url(&b.issuer, &app, &Pkce::new(), &sdk))
        .await;
    assert!(
        page.location().unwrap().starts_with("/login"),
        "SSO off: the form again"
    );
    // With SSO, the second authorization needs no form; prompt=login forces it.
    let (mut b, _) = signed_in(&server, &app, "io@example.com", &[]).await;
    let page = b
        .get(&authorize_url(
            &b.issuer,
            &app,
            &Pkce::new(),
            &[("prompt", "none")],
        ))
        .await;
    assert_eq!(page.status, 303);
    assert!(query_of(&page.location().unwrap()).contains_key("code"));
    let page = b
        .get(&authorize_url(
            &b.issuer,
            &app,
            &Pkce::new(),
            &[("prompt", "login")],
        ))
        .await;
    assert!(page.location().unwrap().starts_with("/login"));
}

async fn confidential_client_with_basic_auth_and_scoped_claims(backend: Backend) {
    let Some(server) = TestServer::spawn(backend).await else {
        return;
    };
    server.end_user("jo@example.com", PASSWORD).await;
    let app = server
        .oauth_client(ClientType::Confidential, "http://backend.example.test/cb")
        .await;
    let secret = app.secret.clone().unwrap();
    let mut b = server.browser();
    let url = format!(
        "{}/oauth2/authorize?client_id={}&redirect_uri={}&response_type=code&scope=openid%20email",
        b.issuer, app.client_id, app.redirect_uri
    );
    let done = b.sign_in(&url, "jo@example.com", PASSWORD).await;
    let code = query_of(&done.location().unwrap())["code"].clone();
    let r = b
        .http
        .post(format!("{}/oauth2/token", b.issuer))
        .basic_auth(&app.client_id, Some(&secret))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", &app.redirect_uri),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let tokens: Value = r.json().await.unwrap();
    assert!(
        tokens.get("refresh_token").is_none(),
        "no offline_access, no refresh token"
    );
    let id = claims_of(tokens["id_token"].as_str().unwrap());
    assert_eq!(id["email"], "jo@example.com");
    assert_eq!(id["email_verified"], false);
}

async fn account_page_lists_sessions_and_signs_others_out(backend: Backend) {
    let Some(server) = TestServer::spawn(backend).await else {
        return;
    };
    server.end_user("ka@example.com", PASSWORD).await;
    let app = server.oauth_client(ClientType::Spa, SPA_CALLBACK).await;
    let sdk = [("x_sso_enabled", "false")];
    let (other, tokens) = signed_in(&server, &app, "ka@example.com", &sdk).await;
    let mut b = server.browser();
    assert_eq!(
        b.get("/settings").await.location().as_deref(),
        Some("/login")
    );
    let form = b.get("/login").await;
    let page = b.submit_login(&form, "ka@example.com", PASSWORD).await;
    assert_eq!(page.location().as_deref(), Some("/settings"));
    let settings = b.get("/settings").await;
    assert_eq!(settings.status, 200);
    assert!(settings.body.contains("ka@example.com"));
    assert!(
        settings.body.contains("Test app"),
        "the app's grant is listed"
    );
    let fields = vec![("csrf".to_owned(), settings.input("csrf").unwrap())];
    let page = b.post("/settings/sessions/revoke-others", &fields).await;
    assert_eq!(page.status, 200);
    let (status, _) = refresh(&other, &app, tokens["refresh_token"].as_str().unwrap()).await;
    assert_eq!(status, 400);
    tokio::time::sleep(Duration::from_millis(1)).await;
}

fn user_gid(raw: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("User:{raw}"))
}

async fn admin_api_lists_and_revokes_sessions_and_resets_lockout(backend: Backend) {
    let Some(server) = TestServer::spawn(backend).await else {
        return;
    };
    let user_id = server.end_user("la@example.com", PASSWORD).await;
    let app = server.oauth_client(ClientType::Spa, SPA_CALLBACK).await;
    let (b1, t1) = signed_in(&server, &app, "la@example.com", &[]).await;
    let (_b2, t2) = signed_in(
        &server,
        &app,
        "la@example.com",
        &[("x_sso_enabled", "false")],
    )
    .await;
    let list = server
        .run(
            "query($id: ID!) { node(id: $id) { ... on User { sessions { totalCount edges { node { id type clientID lastAccessedByIP userAgent amr } } } } } }",
            json!({"id": user_gid(&user_id)}),
        )
        .await;
    let sessions = &list["data"]["node"]["sessions"];
    // The SSO sign-in is one IdP session (its grant folded in); the other
    // sign-in is a grant of its own.
    assert_eq!(sessions["totalCount"], 2, "{list}");
    let edges = sessions["edges"].as_array().unwrap();
    let kinds: Vec<&str> = edges
        .iter()
        .map(|e| e["node"]["type"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"IDP") && kinds.contains(&"OFFLINE_GRANT"),
        "{kinds:?}"
    );
    let grant = edges
        .iter()
        .find(|e| e["node"]["type"] == "OFFLINE_GRANT")
        .unwrap();
    assert_eq!(grant["node"]["clientID"], app.client_id);
    assert_eq!(grant["node"]["lastAccessedByIP"], "127.0.0.1");
    assert_eq!(grant["node"]["userAgent"], "keyward-tests/1.0");
    assert_eq!(grant["node"]["amr"], json!(["pwd", "x_primary_password"]));
    let out = server
        .run(
            "mutation($id: ID!) { revokeSession(input: {sessionID: $id}) { user { sessions { totalCount } } } }",
            json!({"id": grant["node"]["id"]}),
        )
        .await;
    assert_eq!(
        out["data"]["revokeSession"]["user"]["sessions"]["totalCount"], 1,
        "{out}"
    );
    let (status, _) = refresh(&b1, &app, t2["refresh_token"].as_str().unwrap()).await;
    assert_eq!(
        status, 400,
        "a revoked session's refresh token is dead at once"
    );
    let (status, _) = refresh(&b1, &app, t1["refresh_token"].as_str().unwrap()).await;
    assert_eq!(status, 200, "the other session lives on");
    let out = server
        .run(
            "mutation($id: ID!) { revokeAllSessions(input: {userID: $id}) { user { sessions { totalCount } } } }",
            json!({"id": user_gid(&user_id)}),
        )
        .await;
    assert!(out.get("errors").is_none(), "{out}");
    let (status, _) = refresh(&b1, &app, t1["refresh_token"].as_str().unwrap()).await;
    assert_eq!(status, 400);
    let after = server
        .run(
            "query($id: ID!) { node(id: $id) { ... on User { sessions { totalCount } } } }",
            json!({"id": user_gid(&user_id)}),
        )
        .await;
    assert_eq!(after["data"]["node"]["sessions"]["totalCount"], 0);

    // Lockout, reset through the Admin API.
    server
        .store
        .set_lockout_settings(
            PROJECT,
            &LockoutSettings {
                max_attempts: 1,
                ..LockoutSettings::default()
            },
        )
        .await
        .unwrap();
    let mut b = server.browser();
    let page = b
        .sign_in(
            &authorize_url(&b.issuer, &app, &Pkce::new(), &[]),
            "la@example.com",
            "nope nope",
        )
        .await;
    assert_eq!(page.status, 429);
    let out = server
        .run(
            "mutation($id: ID!) { resetAccountLockout(input: {userID: $id}) { user { accountLockout { isLocked lockoutType } } } }",
            json!({"id": user_gid(&user_id)}),
        )
        .await;
    assert_eq!(
        out["data"]["resetAccountLockout"]["user"]["accountLockout"],
        json!({"isLocked": false, "lockoutType": "per_user"}),
        "{out}"
    );
    let page = b
        .sign_in(
            &authorize_url(&b.issuer, &app, &Pkce::new(), &[]),
            "la@example.com",
            PASSWORD,
        )
        .await;
    assert_eq!(page.status, 303);
}

async fn response_modes_fragment_and_form_post(backend: Backend) {
    let Some(server) = TestServer::spawn(backend).await else {
        return;
    };
    server.end_user("mo@example.com", PASSWORD).await;
    let app = server.oauth_client(ClientType::Spa, SPA_CALLBACK).await;
    let mut b = server.browser();
    let page = b
        .sign_in(
            &authorize_url(
                &b.issuer,
                &app,
                &Pkce::new(),
                &[("response_mode", "fragment"), ("state", "f")],
            ),
            "mo@example.com",
            PASSWORD,
        )
        .await;
    let location = page.location().unwrap();
    let (before, fragment) = location.split_once('#').unwrap();
    assert_eq!(before, SPA_CALLBACK);
    assert!(
        fragment.contains("code=") && fragment.contains("state=f"),
        "{location}"
    );
    // form_post: a page that posts code and state to the redirect URI.
    let page = b
        .get(&authorize_url(
            &b.issuer,
            &app,
            &Pkce::new(),
            &[("response_mode", "form_post"), ("state", "p")],
        ))
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains(&format!("action=\"{SPA_CALLBACK}\"")),
        "{}",
        page.body
    );
    assert!(page.input("code").is_some());
    assert_eq!(page.input("state").as_deref(), Some("p"));
    let csp = page.headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("form-action 'self' http://app.example.test")
            && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    // An unknown mode is an error sent back to the client.
    let page = b
        .get(&authorize_url(
            &b.issuer,
            &app,
            &Pkce::new(),
            &[("response_mode", "web_message")],
        ))
        .await;
    assert_eq!(
        query_of(&page.location().unwrap())["error"],
        "invalid_request"
    );
}

async fn imported_bcrypt_password_signs_in_and_is_rehashed(backend: Backend) {
    let Some(server) = TestServer::spawn(backend).await else {
        return;
    };
    let user_id = server
        .end_user("bc@example.com", "some other password")
        .await;
    // As an import would leave it: a bcrypt hash ($2y$, PHP's prefix).
    let bcrypt = "$2y$04$oAEiAy9FPU0xnx59HXi8YefiQH1NUn0LqYcWFqagYvsnkT0k/VEwe"; // Python bcrypt, "hunter2hunter2"
    let mut tx = server.store.begin().await.unwrap();
    let mut p = tx.passwords_of(PROJECT, &user_id).await.unwrap().remove(0);
    p.password_hash = bcrypt.into();
    tx.save_password(PROJECT, &p).await.unwrap();
    tx.commit().await.unwrap();
    let app = server.oauth_client(ClientType::Spa, SPA_CALLBACK).await;
    let mut b = server.browser();
    let page = b
        .sign_in(
            &authorize_url(&b.issuer, &app, &Pkce::new(), &[]),
            "bc@example.com",
            "hunter2hunter2",
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let mut tx = server.store.begin().await.unwrap();
    let stored = tx.passwords_of(PROJECT, &user_id).await.unwrap().remove(0);
    tx.commit().await.unwrap();
    assert!(
        stored.password_hash.starts_with("$argon2id$"),
        "rehashed: {}",
        stored.password_hash
    );
    let page = b
        .sign_in(
            &authorize_url(&b.issuer, &app, &Pkce::new(), &[("prompt", "login")]),
            "bc@example.com",
            "hunter2hunter2",
        )
        .await;
    assert_eq!(page.status, 303, "the new hash verifies the same password");
}

async fn signing_key_rotation_keeps_old_tokens_valid(backend: Backend) {
    let Some(server) = TestServer::spawn(backend).await else {
        return;
    };
    server.end_user("ro@example.com", PASSWORD).await;
    let app = server
        .oauth_client_with(ClientType::Spa, SPA_CALLBACK, |c| {
            c.refresh_rotation = Some(false)
        })
        .await;
    let (b, before) = signed_in(&server, &app, "ro@example.com", &[]).await;
    let kid = |jwt: &str| -> String {
        let header = jwt.split('.').next().unwrap();
        let h: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).unwrap()).unwrap();
        h["kid"].as_str().unwrap().to_owned()
    };
    let old_kid = kid(before["access_token"].as_str().unwrap());
    // A rotation by another process (the CLI): published at once, signing
    // after its delay (here none).
    let pair = keyward_token::GeneratedKeyPair::generate(2048).unwrap();
    let now = keyward_store::now_secs();
    let new_kid = server
        .store
        .add_signing_key(PROJECT, &pair, now, now, &keyward_test_support::master())
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await; // the 1 s key cache
    let (status, after) = refresh(&b, &app, before["refresh_token"].as_str().unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(kid(after["access_token"].as_str().unwrap()), new_kid);
    assert_ne!(old_kid, new_kid);
    let (status, _, _) = userinfo(&b, before["access_token"].as_str().unwrap()).await;
    assert_eq!(
        status, 200,
        "a token of the previous key verifies until it expires"
    );
    let jwks: Value = b
        .http
        .get(format!("{}/oauth2/jwks", b.issuer))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let kids: Vec<&str> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    assert!(
        kids.contains(&old_kid.as_str()) && kids.contains(&new_kid.as_str()),
        "{kids:?}"
    );
}

async fn failed_sign_ins_are_limited_and_successes_are_not(backend: Backend) {
    let config = keyward_server::Config {
        signin_failures_per_ip: 3,
        signin_failures_per_login: 2,
        ..keyward_server::Config::for_test()
    };
    let Some(server) = TestServer::spawn_with(backend, config).await else {
        return;
    };
    server.end_user("th@example.com", PASSWORD).await;
    server.end_user("ok@example.com", PASSWORD).await;
    let app = server.oauth_client(ClientType::Spa, SPA_CALLBACK).await;
    // Successes never count: far more sign-ins than the limits, one address.
    for _ in 0..12 {
        let mut b = server.browser();
        let page = b
            .sign_in(
                &authorize_url(&b.issuer, &app, &Pkce::new(), &[]),
                "ok@example.com",
                PASSWORD,
            )
            .await;
        assert_eq!(page.status, 303);
    }
    // Two failures for one login ID: the third attempt is refused unchecked,
    // even with the right password.
    let mut b = server.browser();
    for _ in 0..2 {
        let page = b
            .sign_in(
                &authorize_url(&b.issuer, &app, &Pkce::new(), &[]),
                "th@example.com",
                "wrong password",
            )
            .await;
        assert_eq!(page.status, 401);
    }
    let page = b
        .sign_in(
            &authorize_url(&b.issuer, &app, &Pkce::new(), &[]),
            "th@example.com",
            PASSWORD,
        )
        .await;
    assert_eq!(page.status, 429);
    assert!(page.body.contains("Too many attempts"), "{}", page.body);
    // A third failure from the same address (another login ID) fills the
    // address's budget: every login ID is refused from it.
    let page = b
        .sign_in(
            &authorize_url(&b.issuer, &app, &Pkce::new(), &[]),
            "nobody@example.com",
            "x-wrong-x",
        )
        .await;
    assert_eq!(page.status, 401);
    let page = b
        .sign_in(
            &authorize_url(&b.issuer, &app, &Pkce::new(), &[]),
            "ok@example.com",
            PASSWORD,
        )
        .await;
    assert_eq!(page.status, 429);
}

async fn web_sdk_cors_and_logout_by_revoking_the_refresh_token(backend: Backend) {
    let Some(server) = TestServer::spawn(backend).await else {
        return;
    };
    server.end_user("sd@example.com", PASSWORD).await;
    let app = server.oauth_client(ClientType::Spa, SPA_CALLBACK).await;
    let (b, tokens) = signed_in(
        &server,
        &app,
        "sd@example.com",
        &[("x_sso_enabled", "false")],
    )
    .await;
    let app_origin = "http://app.example.test";
    for path in ["/oauth2/token", "/oauth2/userinfo", "/oauth2/revoke"] {
        let r = b
            .http
            .request(reqwest::Method::OPTIONS, format!("{}{path}", b.issuer))
            .header("origin", app_origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization,content-type",
            )
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{path}");
        let h = r.headers();
        assert_eq!(h["access-control-allow-origin"], app_origin, "{path}");
        assert_eq!(h["access-control-allow-credentials"], "true", "{path}");
        assert_eq!(
            h["access-control-allow-headers"], "authorization,content-type",
            "{path}"
        );
        // Another site's origin gets no CORS grant.
        let r = b
            .http
            .request(reqwest::Method::OPTIONS, format!("{}{path}", b.issuer))
            .header("origin", "http://evil.example")
            .header("access-control-request-method", "POST")
            .send()
            .await
            .unwrap();
        assert!(
            r.headers().get("access-control-allow-origin").is_none(),
            "{path}"
        );
    }
    // userinfo from the app's origin, as the SDK calls it.
    let r = b
        .http
        .get(format!("{}/oauth2/userinfo", b.issuer))
        .header("origin", app_origin)
        .bearer_auth(tokens["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["access-control-allow-origin"], app_origin);
    // The SDK's logout: POST /oauth2/revoke with only the token.
    let rt = tokens["refresh_token"].as_str().unwrap();
    let r = b
        .http
        .post(format!("{}/oauth2/revoke", b.issuer))
        .header("origin", app_origin)
        .form(&[("token", rt)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().is_empty());
    let (status, body) = refresh(&b, &app, rt).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    // Unknown and malformed tokens are a no-op with the same answer.
    for token in ["nope", "a.b", ""] {
        let r = b
            .http
            .post(format!("{}/oauth2/revoke", b.issuer))
            .form(&[("token", token)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{token:?}");
    }
}
