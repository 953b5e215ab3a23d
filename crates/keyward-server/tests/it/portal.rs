//! The portal over HTTP on both backends: setup link, sessions, CSRF and
//! origin checks, sign-in limits, re-authentication before a key download,
//! and the audit entry every download leaves. (The browser flow is in
//! `crates/keyward/tests/portal.rs`.)

use std::time::Duration;

use keyward_server::Config;
use keyward_store::AuditFilter;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_DISPOSITION, COOKIE, LOCATION, ORIGIN, SET_COOKIE};

use keyward_test_support::*;

const EMAIL: &str = "ops@example.com";
const PASSWORD: &str = "correct-horse-battery";

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// A signed-in browser: its session cookie and CSRF token.
struct Browser {
    http: reqwest::Client,
    base: String,
    cookie: String,
}

impl Browser {
    async fn get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.base))
            .header(COOKIE, &self.cookie)
            .send()
            .await
            .unwrap()
    }

    async fn post(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.http
            .post(format!("{}{path}", self.base))
            .header(COOKIE, &self.cookie)
            .form(form)
            .send()
            .await
            .unwrap()
    }

    /// The CSRF token from a page's forms.
    async fn csrf(&self) -> String {
        let html = self.get("/portal").await.text().await.unwrap();
        let start = html
            .find(r#"name="csrf" value=""#)
            .expect("a form with a CSRF field")
            + 19;
        html[start..start + html[start..].find('"').unwrap()].to_owned()
    }
}

fn session_cookie(response: &reqwest::Response) -> String {
    let set = response.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    assert!(set.contains("HttpOnly"), "{set}");
    assert!(set.contains("SameSite=Strict"), "{set}");
    assert!(set.contains("Path=/portal"), "{set}");
    set.split(';').next().unwrap().to_owned()
}

/// Create the first operator through the setup link.
/// The project's audit entries of one activity type, newest first.
async fn audit_entries(server: &TestServer, activity: &str) -> Vec<keyward_store::AuditEntry> {
    let filter = AuditFilter {
        activity_types: vec![activity.into()],
        ..AuditFilter::default()
    };
    let page = keyward_store::PageRequest {
        after: None,
        before: None,
        limit: 10,
        from_end: false,
        descending: true,
    };
    let mut tx = server.store.begin_read().await.unwrap();
    let entries = tx.list_audit(PROJECT, &filter, &page).await.unwrap();
    tx.commit().await.unwrap();
    entries.items
}

async fn set_up(server: &TestServer) -> Browser {
    let http = client();
    let response = http
        .post(format!("{}/portal/setup", server.url))
        .form(&[
            ("token", SETUP_TOKEN),
            ("email", EMAIL),
            ("password", PASSWORD),
            ("confirm", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let cookie = session_cookie(&response);
    Browser {
        http,
        base: server.url.clone(),
        cookie,
    }
}

async fn sign_in(server: &TestServer, password: &str, cookie: Option<&str>) -> reqwest::Response {
    let mut request = client()
        .post(format!("{}/portal/login", server.url))
        .form(&[("email", EMAIL), ("password", password)]);
    if let Some(c) = cookie {
        request = request.header(COOKIE, c);
    }
    request.send().await.unwrap()
}

async fn setup_link_sessions_and_csrf(backend: Backend) {
    let Some(server) = TestServer::spawn(backend).await else {
        return;
    };
    let anonymous = client()
        .get(format!("{}/portal", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::SEE_OTHER);
    assert_eq!(anonymous.headers()[LOCATION], "/portal/login");

    let wrong = client()
        .get(format!("{}/portal/setup?token=guess", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::BAD_REQUEST);

    let browser = set_up(&server).await;
    // The link works once.
    let again = client()
        .post(format!("{}/portal/setup", server.url))
        .form(&[
            ("token", SETUP_TOKEN),
            ("email", "eve@example.com"),
            ("password", PASSWORD),
            ("confirm", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::BAD_REQUEST);
    assert!(
        server
            .store
            .portal_user_by_email("eve@example.com")
            .await
            .unwrap()
            .is_none()
    );

    let page = browser.get("/portal").await;
    assert_eq!(page.status(), StatusCode::OK);
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert!(!csp.contains("unsafe-inline"));
    assert_eq!(page.headers()["x-frame-options"], "DENY");
    assert!(page.text().await.unwrap().contains(EMAIL));

    // No CSRF token, a wrong one, or another site's Origin: refused, nothing created.
    let csrf = browser.csrf().await;
    for form in [
        vec![("id", "nocsrf")],
        vec![("id", "nocsrf"), ("csrf", "wrong")],
    ] {
        let r = browser.post("/portal/projects", &form).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
    }
    let cross = browser
        .http
        .post(format!("{}/portal/projects", server.url))
        .header(COOKIE, &browser.cookie)
        .header(ORIGIN, "http://evil.example")
        .form(&[("id", "nocsrf"), ("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), StatusCode::FORBIDDEN);
    assert!(server.store.project("nocsrf").await.unwrap().is_none());

    let made = browser
        .post("/portal/projects", &[("id", "portalapp"), ("csrf", &csrf)])
        .await;
    assert_eq!(made.status(), StatusCode::SEE_OTHER);
    assert!(server.store.project("portalapp").await.unwrap().is_some());

    // Signing in replaces whatever session cookie the browser brought
    // (no fixation); signing out ends the session for good.
    let planted = "keyward_session=planted-by-attacker";
    let fresh = sign_in(&server, PASSWORD, Some(planted)).await;
    let new_cookie = session_cookie(&fresh);
    assert_ne!(new_cookie, planted);
    let signed_in = Browser {
        cookie: new_cookie,
        ..browser
    };
    let csrf = signed_in.csrf().await;
    let out = signed_in.post("/portal/logout", &[("csrf", &csrf)]).await;
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    assert!(
        out.headers()[SET_COOKIE]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    let after = signed_in.get("/portal").await;
    assert_eq!(after.headers()[LOCATION], "/portal/login");
}

async fn sign_in_failures_are_limited(backend: Backend) {
    let Some(server) = TestServer::spawn(backend).await else {
        return;
    };
    set_up(&server).await;
    for _ in 0..5 {
        assert_eq!(
            sign_in(&server, "wrong-password", None).await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    // Even the right password is refused until the window passes.
    let limited = sign_in(&server, PASSWORD, None).await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.text().await.unwrap().contains("Wait 15 minutes"));
}

async fn key_download_needs_a_recent_password_and_is_audited(backend: Backend) {
    // A zero window: every download asks for the password again.
    let config = Config {
        portal_reauth_window: Duration::ZERO,
        ..Config::for_test()
    };
    let Some(server) = TestServer::spawn_with(backend, config).await else {
        return;
    };
    let browser = set_up(&server).await;
    let csrf = browser.csrf().await;
    let path = format!("/portal/projects/{PROJECT}/keys/{}/download", server.kid);

    let asked = browser.post(&path, &[("csrf", &csrf)]).await;
    assert_eq!(asked.status(), StatusCode::OK);
    let body = asked.text().await.unwrap();
    assert!(body.contains("Confirm your password") && !body.contains("PRIVATE KEY"));

    let wrong = browser
        .post(&path, &[("csrf", &csrf), ("password", "not-it")])
        .await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(!wrong.text().await.unwrap().contains("PRIVATE KEY"));

    let ok = browser
        .post(&path, &[("csrf", &csrf), ("password", PASSWORD)])
        .await;
    assert_eq!(ok.status(), StatusCode::OK);
    assert_eq!(
        ok.headers()[CONTENT_DISPOSITION],
        format!("attachment; filename=\"{}.pem\"", server.kid).as_str()
    );
    assert_eq!(ok.text().await.unwrap(), server.pem);

    let entries = audit_entries(&server, "portal.admin_api_key.downloaded").await;
    assert_eq!(entries.len(), 1, "one download, one entry");
    let entry = &entries[0];
    assert_eq!(entry.kid.as_deref(), Some(server.kid.as_str()));
    assert_eq!(entry.data["operator"], EMAIL);
    assert_eq!(entry.data["ip"], "127.0.0.1");

    // The Admin API's unfiltered audit log still answers: the operator's
    // event is not Admin API activity and is left out, never an error.
    server
        .run(
            "mutation { createUser(input: {definition: {loginID: {key: \"email\", value: \"a@example.com\"}}}) { user { id } } }",
            serde_json::json!({}),
        )
        .await;
    let listed = server
        .run(
            "{ auditLogs(first: 10) { totalCount edges { node { activityType } } } }",
            serde_json::json!({}),
        )
        .await;
    assert!(listed["errors"].is_null(), "{listed}");
    assert_eq!(listed["data"]["auditLogs"]["totalCount"], 1, "{listed}");
    assert_eq!(
        listed["data"]["auditLogs"]["edges"][0]["node"]["activityType"],
        "ADMIN_API_MUTATION_CREATE_USER_EXECUTED"
    );

    // Without a session: the sign-in page, never the key.
    let anonymous = client()
        .post(format!("{}{path}", server.url))
        .form(&[("csrf", csrf.as_str()), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::SEE_OTHER);
    assert_eq!(anonymous.headers()[LOCATION], "/portal/login");
}

async fn key_actions_upload_disable_enable_and_limit(backend: Backend) {
    let Some(server) = TestServer::spawn(backend).await else {
        return;
    };
    let browser = set_up(&server).await;
    let csrf = browser.csrf().await;
    let base = format!("/portal/projects/{PROJECT}/keys");

    // Upload a public key: registered as `uploaded`, with nothing to download.
    let pair = keyward_test_support::fixture_pair(1);
    let r = browser
        .post(
            &format!("{base}/upload"),
            &[
                ("csrf", &csrf),
                ("public_key", &pair.public_key().to_spki_pem()),
                ("label", "mine"),
                ("role", "read_only"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let keys = server.store.keys(PROJECT).await.unwrap();
    let uploaded = keys.iter().find(|k| k.label == "mine").unwrap();
    assert_eq!(uploaded.origin, keyward_store::KeyOrigin::Uploaded);
    assert_eq!(uploaded.role, keyward_store::KeyRole::ReadOnly);
    // A private key pasted as a public one is refused in words.
    let r = browser
        .post(
            &format!("{base}/upload"),
            &[("csrf", &csrf), ("public_key", &pair.private_key_pem())],
        )
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("register only the public key")
    );

    // Disable: the key's tokens are refused at once; enable: accepted again.
    let token = server.token();
    let status = format!("{base}/{}/status", server.kid);
    let r = browser
        .post(&status, &[("csrf", &csrf), ("status", "disabled")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(server.outcome(&token).await, "key_disabled");
    let r = browser
        .post(&status, &[("csrf", &csrf), ("status", "active")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(server.outcome(&token).await, "ok");

    // Up to the limit (5), then the page says so and offers no generate form.
    for _ in 0..3 {
        let r = browser
            .post(
                &format!("{base}/generate"),
                &[("csrf", &csrf), ("label", "more")],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
    }
    let page = browser
        .get(&format!("/portal/projects/{PROJECT}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Key limit reached (5)"), "{page}");
    assert!(!page.contains("Generate new key pair"));
    let r = browser
        .post(&format!("{base}/generate"), &[("csrf", &csrf)])
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(server.store.keys(PROJECT).await.unwrap().len(), 5);
}

async fn limits_form_sets_and_clears_limits(backend: Backend) {
    let Some(server) = TestServer::spawn(backend).await else {
        return;
    };
    let browser = set_up(&server).await;
    let csrf = browser.csrf().await;
    let path = format!("/portal/projects/{PROJECT}/limits");
    let page = browser
        .get(&format!("/portal/projects/{PROJECT}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Save limits"), "{page}");

    let r = browser
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("key_rate", "2"),
                ("project_rate", ""),
                ("replay_guard", "on"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let limits = server.store.project(PROJECT).await.unwrap().unwrap().limits;
    assert_eq!(limits.key_rate, Some(2));
    assert_eq!(limits.project_rate, None);
    assert!(limits.replay_guard);
    // This server applies it at once: a token without jti is refused.
    assert_eq!(server.outcome(&server.token()).await, "missing_jti");
    let page = browser
        .get(&format!("/portal/projects/{PROJECT}?notice=limits"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Limits saved"), "{page}");
    assert!(page.contains(r#"value="2""#), "{page}");

    // Bad input is refused in words and changes nothing.
    let r = browser
        .post(&path, &[("csrf", &csrf), ("key_rate", "-3")])
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("whole number"));
    assert!(
        server
            .store
            .project(PROJECT)
            .await
            .unwrap()
            .unwrap()
            .limits
            .replay_guard
    );
    // Without the CSRF token: refused.
    let r = browser.post(&path, &[("key_rate", "")]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    // An unchecked box and empty fields clear everything.
    browser.post(&path, &[("csrf", &csrf)]).await;
    let limits = server.store.project(PROJECT).await.unwrap().unwrap().limits;
    assert_eq!(limits, keyward_store::ProjectLimits::default());
    assert_eq!(server.outcome(&server.token()).await, "ok");
    let updates = audit_entries(&server, "portal.limits.updated").await.len();
    assert_eq!(updates, 2);
}

async fn applications_page_creates_rotates_and_deletes_clients(backend: Backend) {
    let Some(server) = TestServer::spawn(backend).await else {
        return;
    };
    let browser = set_up(&server).await;
    let csrf = browser.csrf().await;
    let path = format!("/portal/projects/{PROJECT}/applications");
    let page = browser.get(&path).await.text().await.unwrap();
    assert!(page.contains("No application yet"), "{page}");
    let r = browser
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("name", "Backend"),
                ("client_type", "confidential"),
                (
                    "redirect_uris",
                    "https://app.example/cb\n\n https://app.example/cb2 ",
                ),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let page = r.text().await.unwrap();
    assert!(page.contains("Copy the client secret"), "{page}");
    let clients = server.store.clients_of(PROJECT).await.unwrap();
    assert_eq!(clients.len(), 1);
    let c = &clients[0];
    assert_eq!(
        c.redirect_uris,
        ["https://app.example/cb", "https://app.example/cb2"]
    );
    // The secret shown is the one stored (by hash), and shown only once.
    let start = page.find(r#"id="client-secret""#).unwrap();
    let value = &page[start..];
    let value = &value[value.find("value=\"").unwrap() + 7..];
    let secret = &value[..value.find('"').unwrap()];
    assert!(keyward_accounts::clients::secret_matches(c, secret));
    assert!(
        !browser
            .get(&path)
            .await
            .text()
            .await
            .unwrap()
            .contains(secret)
    );
    // Bad input is refused in words; nothing is created.
    let r = browser
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("name", "X"),
                ("client_type", "spa"),
                ("redirect_uris", "https://*.example/cb"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("wildcards"));
    let base = format!("{path}/{}", c.client_id);
    let r = browser
        .post(&format!("{base}/rotate-secret"), &[("csrf", &csrf)])
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        server
            .store
            .client(PROJECT, &c.client_id)
            .await
            .unwrap()
            .unwrap()
            .secrets
            .len(),
        2
    );
    // Without the CSRF token: refused.
    let r = browser.post(&format!("{base}/delete"), &[]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = browser
        .post(&format!("{base}/delete"), &[("csrf", &csrf)])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(server.store.clients_of(PROJECT).await.unwrap().is_empty());
    for action in ["created", "secret_rotated", "deleted"] {
        let n = audit_entries(&server, &format!("portal.oauth_client.{action}"))
            .await
            .len();
        assert_eq!(n, 1, "{action}");
    }
}

on_sqlite!(
    applications_page_creates_rotates_and_deletes_clients,
    limits_form_sets_and_clears_limits,
    key_actions_upload_disable_enable_and_limit,
    setup_link_sessions_and_csrf,
    sign_in_failures_are_limited,
    key_download_needs_a_recent_password_and_is_audited,
);
