//! Password reset by email against a real SMTP server (the test sink, over
//! loopback): the forgot-password page gives the same answer for any
//! address, the emailed single-use link sets a new password and signs the
//! user out everywhere, `sendResetPasswordMessage` sends the same link,
//! and a message survives the mail server being down.

use std::time::Duration;

use keyward_server::config::Config;
use keyward_server::mailer::Mailer;
use keyward_store::ClientType;
use keyward_test_support::{
    Backend, Browser, PROJECT, Pkce, SmtpSink, TestServer, WebhookSink, authorize_url, link_param,
};
use serde_json::json;

use crate::api::assert_error;
use crate::signin::{PASSWORD, SPA_CALLBACK, refresh, signed_in};

on_sqlite!(
    forgot_password_by_email_end_to_end,
    admin_api_sends_reset_messages,
    a_message_survives_the_mail_server_being_down,
    send_password_emails_the_new_password,
    forgot_password_by_sms_through_a_signed_webhook,
    sign_up_by_email_with_a_verification_code,
);

async fn with_mail(backend: Backend, smtp_url: &str) -> Option<TestServer> {
    let config = Config {
        mailer: Some(Mailer::new(smtp_url, "keyward <no-reply@example.com>").unwrap()),
        ..Config::for_test()
    };
    TestServer::spawn_with(backend, config).await
}

async fn post_form(
    b: &mut Browser,
    path: &str,
    page: &keyward_test_support::Page,
    fields: &[(&str, &str)],
) -> keyward_test_support::Page {
    let mut form = page.inputs();
    for (k, v) in fields {
        form.push(((*k).into(), (*v).into()));
    }
    b.post(path, &form).await
}

async fn forgot_password_by_email_end_to_end(backend: Backend) {
    let sink = SmtpSink::start().await;
    let Some(server) = with_mail(backend, &sink.url()).await else {
        return;
    };
    let app = server.oauth_client(ClientType::Spa, SPA_CALLBACK).await;
    server.end_user("reset@example.com", PASSWORD).await;
    let (b_old, tokens) = signed_in(&server, &app, "reset@example.com", &[]).await;

    let mut b = server.browser();
    let login = b.get(&format!("/login?{}", "")).await;
    assert!(
        login.body.contains("href=\"/forgot_password\""),
        "{}",
        login.body
    );
    let page = b.get("/forgot_password").await;
    assert_eq!(page.status, 200, "{}", page.body);
    // The same answer for an address nobody has; nothing is sent for it.
    let unknown = post_form(
        &mut b,
        "/forgot_password",
        &page,
        &[("email", "nobody@example.com")],
    )
    .await;
    let known = post_form(
        &mut b,
        "/forgot_password",
        &page,
        &[("email", "Reset@Example.com")],
    )
    .await;
    assert_eq!((unknown.status, known.status), (200, 200));
    let strip = |body: &str| {
        body.replace("nobody@example.com", "")
            .replace("Reset@Example.com", "")
    };
    assert_eq!(
        strip(&unknown.body),
        strip(&known.body),
        "the answers must not differ"
    );
    let mail = sink.wait_for(1, Duration::from_secs(10)).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sink.messages().len(), 1, "only the known address got mail");
    assert!(mail[0].contains("To: reset@example.com"), "{}", mail[0]);
    assert!(
        mail[0].contains("Subject: Reset your myapp password"),
        "{}",
        mail[0]
    );
    let code = link_param(&mail[0], "code").unwrap();
    assert!(code.len() >= 43, "{code}");

    // The link: a form; mismatched and too-short passwords are refused.
    let form = b.get(&format!("/reset_password?code={code}")).await;
    assert_eq!(form.status, 200, "{}", form.body);
    let differ = post_form(
        &mut b,
        "/reset_password",
        &form,
        &[
            ("password", "new password 1"),
            ("confirm", "new password 2"),
        ],
    )
    .await;
    assert_eq!(differ.status, 400);
    let short = post_form(
        &mut b,
        "/reset_password",
        &form,
        &[("password", "short"), ("confirm", "short")],
    )
    .await;
    assert_eq!(short.status, 400);
    let done = post_form(
        &mut b,
        "/reset_password",
        &form,
        &[
            ("password", "a brand new password"),
            ("confirm", "a brand new password"),
        ],
    )
    .await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done.body.contains("password was changed"), "{}", done.body);

    // Used once; the user was signed out everywhere; the new password works.
    assert_eq!(
        b.get(&format!("/reset_password?code={code}")).await.status,
        410
    );
    let again = post_form(
        &mut b,
        "/reset_password",
        &form,
        &[
            ("password", "another password!"),
            ("confirm", "another password!"),
        ],
    )
    .await;
    assert_eq!(again.status, 410);
    let (status, _) = refresh(&b_old, &app, tokens["refresh_token"].as_str().unwrap()).await;
    assert_eq!(status, 400);
    let mut fresh = server.browser();
    let old = fresh
        .sign_in(
            &authorize_url(&fresh.issuer.clone(), &app, &Pkce::new(), &[]),
            "reset@example.com",
            PASSWORD,
        )
        .await;
    assert_eq!(old.status, 401);
    let new = fresh
        .sign_in(
            &authorize_url(&fresh.issuer.clone(), &app, &Pkce::new(), &[]),
            "reset@example.com",
            "a brand new password",
        )
        .await;
    assert_eq!(new.status, 303, "{}", new.body);

    // Delivery is audited, and the code is in no entry.
    let body = server
        .run(
            "{ auditLogs(first: 10, activityTypes: [EMAIL_SENT]) { edges { node { data } } } }",
            json!({}),
        )
        .await;
    let entries = body["data"]["auditLogs"]["edges"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{body}");
    assert_eq!(
        entries[0]["node"]["data"]["payload"]["recipient"],
        "reset@example.com"
    );
    assert!(!body.to_string().contains(&code));
}

async fn admin_api_sends_reset_messages(backend: Backend) {
    // Without email: refused as Authgear refuses a disabled feature.
    let Some(plain) = TestServer::spawn(backend).await else {
        return;
    };
    let send = "mutation($l: ID!) { sendResetPasswordMessage(input: {loginID: $l}) }";
    let body = plain.run(send, json!({"l": "x@example.com"})).await;
    assert_error(&body, "Invalid", "ForgotPasswordFailed");
    assert_eq!(
        body["errors"][0]["extensions"]["info"]["cause"]["kind"],
        "FeatureDisabled"
    );
    assert!(plain.browser().get("/forgot_password").await.status == 404);

    let sink = SmtpSink::start().await;
    let Some(server) = with_mail(backend, &sink.url()).await else {
        return;
    };
    server.end_user("admin-reset@example.com", PASSWORD).await;
    let body = server.run(send, json!({"l": "nobody@example.com"})).await;
    assert_error(&body, "Invalid", "ForgotPasswordFailed");
    assert_eq!(body["errors"][0]["message"], "specified user not found");
    let body = server
        .run(send, json!({"l": "admin-reset@example.com"}))
        .await;
    assert!(body["errors"].is_null(), "{body}");
    assert_eq!(
        body["data"]["sendResetPasswordMessage"],
        serde_json::Value::Null
    );
    let mail = sink.wait_for(1, Duration::from_secs(10)).await;
    assert_eq!(mail.len(), 1);
    assert!(
        mail[0].contains("From: keyward <no-reply@example.com>"),
        "{}",
        mail[0]
    );
    assert_eq!(
        link_param(&mail[0], "x_from_admin_api").as_deref(),
        Some("true")
    );
    let code = link_param(&mail[0], "code").unwrap();
    let mut b = server.browser();
    assert_eq!(
        b.get(&format!("/reset_password?code={code}")).await.status,
        200
    );

    // The project's own sender overrides the server's.
    let mut tx = server.store.begin().await.unwrap();
    tx.set_messaging_override(
        PROJECT,
        keyward_store::MessagingOverride::MailFrom,
        Some("My App <hello@myapp.example>"),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let body = server
        .run(send, json!({"l": "admin-reset@example.com"}))
        .await;
    assert!(body["errors"].is_null(), "{body}");
    let mail = sink.wait_for(2, Duration::from_secs(10)).await;
    assert!(
        mail[1].contains("From: \"My App\" <hello@myapp.example>"),
        "{}",
        mail[1]
    );

    // Five an hour per address, then RateLimited.
    for _ in 0..3 {
        let body = server
            .run(send, json!({"l": "admin-reset@example.com"}))
            .await;
        assert!(body["errors"].is_null(), "{body}");
    }
    let body = server
        .run(send, json!({"l": "admin-reset@example.com"}))
        .await;
    assert_error(&body, "TooManyRequest", "RateLimited");
    let body = server
        .run("{ auditLogs(first: 10, activityTypes: [ADMIN_API_MUTATION_SEND_RESET_PASSWORD_MESSAGE_EXECUTED]) { totalCount edges { node { user { id } data } } } }", json!({}))
        .await;
    assert_eq!(body["data"]["auditLogs"]["totalCount"], 5, "{body}");
    assert_eq!(
        body["data"]["auditLogs"]["edges"][0]["node"]["data"]["payload"]["login_id"],
        "admin-reset@example.com"
    );
}

async fn a_message_survives_the_mail_server_being_down(backend: Backend) {
    // A port with nothing listening: the mail server is down.
    let reserved = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = reserved.local_addr().unwrap();
    drop(reserved);
    let Some(server) = with_mail(backend, &format!("smtp://{addr}")).await else {
        return;
    };
    server.end_user("patient@example.com", PASSWORD).await;
    let body = server
        .run(
            "mutation { sendResetPasswordMessage(input: {loginID: \"patient@example.com\"}) }",
            json!({}),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    let retried = keyward_test_support::within(Duration::from_secs(10), || async {
        server
            .metrics()
            .await
            .contains("keyward_messages_total{outcome=\"retried\"} 1")
    })
    .await;
    assert!(retried.is_some(), "a failed delivery is retried");
    // The server comes up: the message arrives, once.
    let sink = SmtpSink::start_at(addr).await;
    let mail = sink.wait_for(1, Duration::from_secs(15)).await;
    assert_eq!(mail.len(), 1, "delivered after the outage");
    assert!(mail[0].contains("To: patient@example.com"));
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(sink.messages().len(), 1, "and only once");
    assert!(
        server
            .metrics()
            .await
            .contains("keyward_messages_total{outcome=\"sent\"} 1")
    );
}

/// `createUser` / `resetPassword` with `sendPassword: true` email the
/// password (generated when none is given) to the user's email login ID;
/// it signs in. A phone-only user cannot be reached yet.
async fn send_password_emails_the_new_password(backend: Backend) {
    let sink = SmtpSink::start().await;
    let Some(server) = with_mail(backend, &sink.url()).await else {
        return;
    };
    let app = server.oauth_client(ClientType::Spa, SPA_CALLBACK).await;
    let body = server
        .run(
            "mutation { createUser(input: {definition: {loginID: {key: \"email\", value: \"sent@example.com\"}}, sendPassword: true}) { user { id } } }",
            json!({}),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    let id = body["data"]["createUser"]["user"]["id"].clone();
    let mail = sink.wait_for(1, Duration::from_secs(10)).await;
    assert_eq!(mail.len(), 1);
    assert!(
        mail[0].contains("Subject: Your myapp password"),
        "{}",
        mail[0]
    );
    let password = mail[0]
        .lines()
        .find(|l| l.starts_with("    "))
        .map(str::trim)
        .unwrap()
        .to_owned();
    assert!(password.len() >= 8, "a generated password: {password}");
    let mut b = server.browser();
    let page = b
        .sign_in(
            &authorize_url(&b.issuer.clone(), &app, &Pkce::new(), &[]),
            "sent@example.com",
            &password,
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);

    // resetPassword with a chosen password, sent too.
    let body = server
        .run(
            "mutation($id: ID!) { resetPassword(input: {userID: $id, password: \"chosen by the admin\", sendPassword: true}) { user { id } } }",
            json!({"id": id}),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    let mail = sink.wait_for(2, Duration::from_secs(10)).await;
    assert!(mail[1].contains("    chosen by the admin"), "{}", mail[1]);

    let body = server
        .run(
            "mutation { createUser(input: {definition: {loginID: {key: \"phone\", value: \"+14155550100\"}}, sendPassword: true}) { user { id } } }",
            json!({}),
        )
        .await;
    assert_error(&body, "Invalid", "SendPasswordUnsupported");
    let body = server.run("{ users { totalCount } }", json!({})).await;
    assert_eq!(
        body["data"]["users"]["totalCount"], 1,
        "the refused user was not kept"
    );
}

/// The hex HMAC-SHA256 a receiver computes to check a webhook request.
fn hmac_hex(secret: &str, body: &[u8]) -> String {
    let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, secret.as_bytes());
    aws_lc_rs::hmac::sign(&key, body)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

async fn forgot_password_by_sms_through_a_signed_webhook(backend: Backend) {
    // The receiver is "down" for its first request: the message is retried.
    let hook = WebhookSink::start(1).await;
    let config = Config {
        sms_webhook_url: Some(hook.url.clone()),
        ..Config::for_test()
    };
    let Some(server) = TestServer::spawn_with(backend, config).await else {
        return;
    };
    let app = server.oauth_client(ClientType::Spa, SPA_CALLBACK).await;
    let body = server
        .run(
            "mutation { createUser(input: {definition: {loginID: {key: \"phone\", value: \"+447911123456\"}}, password: \"correct horse battery\"}) { user { id } } }",
            json!({}),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");

    let mut b = server.browser();
    let login = b.get("/login").await;
    assert!(
        login.body.contains("href=\"/forgot_password\""),
        "SMS alone offers reset"
    );
    let page = b.get("/forgot_password").await;
    let unknown = post_form(
        &mut b,
        "/forgot_password",
        &page,
        &[("email", "+447911000000")],
    )
    .await;
    let known = post_form(
        &mut b,
        "/forgot_password",
        &page,
        &[("email", "+447911123456")],
    )
    .await;
    assert_eq!((unknown.status, known.status), (200, 200));
    assert_eq!(
        unknown.body.replace("+447911000000", ""),
        known.body.replace("+447911123456", "")
    );

    let got = hook.wait_for(2, Duration::from_secs(15)).await;
    assert_eq!(got[0].body, got[1].body, "the same message, retried");
    let request = &got[1];
    let secret = server
        .store
        .sms_webhook_secret(PROJECT, "unused", &keyward_test_support::master())
        .await
        .unwrap();
    assert_ne!(secret.as_str(), "unused");
    assert_eq!(
        request.headers["x-authgear-body-signature"]
            .to_str()
            .unwrap(),
        hmac_hex(&secret, &request.body),
        "the receiver can verify the body"
    );
    assert_eq!(request.headers["content-type"], "application/json");
    let message: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(message["to"], "+447911123456");
    assert_eq!(message["app_id"], PROJECT);
    assert_eq!(message["message_type"], "forgot_password");
    let text = message["body"].as_str().unwrap();
    assert!(text.len() <= 320, "{text}");
    let code = link_param(text, "code").unwrap();

    let form = b.get(&format!("/reset_password?code={code}")).await;
    assert_eq!(form.status, 200, "{}", form.body);
    let done = post_form(
        &mut b,
        "/reset_password",
        &form,
        &[
            ("password", "a texted new password"),
            ("confirm", "a texted new password"),
        ],
    )
    .await;
    assert_eq!(done.status, 200, "{}", done.body);
    let mut fresh = server.browser();
    let signed = fresh
        .sign_in(
            &authorize_url(&fresh.issuer.clone(), &app, &Pkce::new(), &[]),
            "+447911123456",
            "a texted new password",
        )
        .await;
    assert_eq!(signed.status, 303, "{}", signed.body);
    let body = server
        .run("{ auditLogs(first: 10, activityTypes: [SMS_SENT]) { totalCount edges { node { data } } } }", json!({}))
        .await;
    assert_eq!(body["data"]["auditLogs"]["totalCount"], 1, "{body}");
    assert!(!body.to_string().contains(&code), "the code is in no entry");

    // A project's own webhook takes over from the server's; a rotated
    // secret signs from then on.
    let own = WebhookSink::start(0).await;
    server
        .store
        .set_sms_webhook_url(PROJECT, Some(&own.url))
        .await
        .unwrap();
    let mut tx = server.store.begin().await.unwrap();
    tx.set_sms_webhook_secret(PROJECT, "rotated secret", &keyward_test_support::master())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let body = server
        .run(
            "mutation { sendResetPasswordMessage(input: {loginID: \"+447911123456\"}) }",
            json!({}),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    let got = own.wait_for(1, Duration::from_secs(10)).await;
    assert_eq!(
        got[0].headers["x-authgear-body-signature"]
            .to_str()
            .unwrap(),
        hmac_hex("rotated secret", &got[0].body)
    );
    assert_eq!(
        hook.received().len(),
        2,
        "nothing more to the server's webhook"
    );
}

async fn sign_up_by_email_with_a_verification_code(backend: Backend) {
    let sink = SmtpSink::start().await;
    let Some(server) = with_mail(backend, &sink.url()).await else {
        return;
    };
    let app = server.oauth_client(ClientType::Spa, SPA_CALLBACK).await;
    let mut b = server.browser();
    // Off by default.
    assert_eq!(b.get("/signup").await.status, 404);
    let mut settings = server.store.account_settings(PROJECT).await.unwrap();
    settings.signup_enabled = true;
    server
        .store
        .set_account_settings(PROJECT, &settings)
        .await
        .unwrap();

    let pkce = Pkce::new();
    let first = b
        .get(&authorize_url(&b.issuer.clone(), &app, &pkce, &[]))
        .await;
    let login = b.get(&first.location().unwrap()).await;
    let link = login
        .body
        .split("href=\"")
        .find(|s| s.starts_with("/signup"))
        .and_then(|s| s.split('"').next())
        .unwrap()
        .replace("&amp;", "&");
    let form = b.get(&link).await;
    assert_eq!(form.status, 200, "{}", form.body);
    let bad = post_form(
        &mut b,
        "/signup",
        &form,
        &[
            ("login", "not-an-address"),
            ("password", "a fine password"),
            ("confirm", "a fine password"),
        ],
    )
    .await;
    assert_eq!(bad.status, 400);
    let code_page = post_form(
        &mut b,
        "/signup",
        &form,
        &[
            ("login", "New.User@Example.com"),
            ("password", "a fine password"),
            ("confirm", "a fine password"),
        ],
    )
    .await;
    assert_eq!(code_page.status, 200, "{}", code_page.body);
    let mail = sink.wait_for(1, Duration::from_secs(10)).await;
    assert!(mail[0].contains("To: new.user@example.com"), "{}", mail[0]);
    let code: String = mail[0]
        .split_whitespace()
        .find(|w| w.len() == 6 && w.bytes().all(|c| c.is_ascii_digit()))
        .unwrap()
        .to_owned();
    let wrong_code = if code == "000000" { "111111" } else { "000000" };
    let wrong = post_form(
        &mut b,
        "/signup/verify",
        &code_page,
        &[("code", wrong_code)],
    )
    .await;
    assert_eq!(wrong.status, 401, "{}", wrong.body);
    let done = post_form(&mut b, "/signup/verify", &code_page, &[("code", &code)]).await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert!(done.location().unwrap().starts_with(SPA_CALLBACK));
    // Used once.
    let again = post_form(&mut b, "/signup/verify", &code_page, &[("code", &code)]).await;
    assert_eq!(again.status, 410);

    let body = server
        .run(
            "{ users(first: 5) { edges { node { standardAttributes verifiedClaims { name value } } } } auditLogs(first: 5, activityTypes: [USER_CREATED]) { totalCount } }",
            json!({}),
        )
        .await;
    let user = &body["data"]["users"]["edges"][0]["node"];
    assert_eq!(
        user["standardAttributes"]["email"], "new.user@example.com",
        "{body}"
    );
    assert_eq!(user["standardAttributes"]["email_verified"], true, "{body}");
    assert_eq!(body["data"]["auditLogs"]["totalCount"], 1, "{body}");

    // The same address again: the same answer, a notice and no code.
    let mut other = server.browser();
    let form = other.get("/signup").await;
    let page = post_form(
        &mut other,
        "/signup",
        &form,
        &[
            ("login", "new.user@example.com"),
            ("password", "another password"),
            ("confirm", "another password"),
        ],
    )
    .await;
    assert_eq!(page.status, 200, "{}", page.body);
    let mail = sink.wait_for(2, Duration::from_secs(10)).await;
    assert!(mail[1].contains("already has"), "{}", mail[1]);
    let guess = post_form(&mut other, "/signup/verify", &page, &[("code", &code)]).await;
    assert_eq!(guess.status, 401, "no code was issued for a taken address");
    // The new account signs in with its password.
    let mut fresh = server.browser();
    let signed = fresh
        .sign_in(
            &authorize_url(&fresh.issuer.clone(), &app, &Pkce::new(), &[]),
            "new.user@example.com",
            "a fine password",
        )
        .await;
    assert_eq!(signed.status, 303, "{}", signed.body);
}
