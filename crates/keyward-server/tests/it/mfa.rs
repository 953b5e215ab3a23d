//! Second factors at sign-in, over HTTP against the real server: an
//! authenticator app set up on the account page (QR key, first code,
//! recovery codes), then asked for after the password; the previous and
//! next 30-second windows accepted, a replayed code refused; recovery
//! codes single-use; wrong codes locking the account; a `required`
//! policy with and without a grace period; codes by email; the `amr` of
//! the ID token. TOTP codes are computed here with a separate RFC 6238
//! implementation (aws-lc-rs HMAC directly), not keyward's.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use keyward_server::config::Config;
use keyward_server::mailer::Mailer;
use keyward_store::{AccountSettings, ClientType, LockoutSettings, MfaPolicy};
use keyward_test_support::{
    App, Backend, Browser, PROJECT, Page, Pkce, SmtpSink, TestServer, authorize_url, query_of,
};
use serde_json::{Value, json};

use crate::signin::{PASSWORD, SPA_CALLBACK, claims_of, token_request};

on_each_backend!(totp_enrolment_sign_in_windows_replay_and_recovery_codes);
on_sqlite!(
    required_policy_with_and_without_grace,
    wrong_second_factors_lock_the_account,
    codes_by_email_and_from_support,
);

fn node_id(raw: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("User:{raw}"))
}

/// RFC 6238 code of `secret` for `step` (SHA-1, 6 digits).
fn totp(secret: &[u8], step: i64) -> String {
    let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, secret);
    let mac = aws_lc_rs::hmac::sign(&key, &(step as u64).to_be_bytes());
    let h = mac.as_ref();
    let offset = usize::from(h[19] & 0x0f);
    let n = u32::from_be_bytes([
        h[offset] & 0x7f,
        h[offset + 1],
        h[offset + 2],
        h[offset + 3],
    ]);
    format!("{:06}", n % 1_000_000)
}

/// The current 30-second step, waiting first when a boundary is less than
/// 4 s away, so that the first code used after it is the server's current
/// one (later codes of the tests hold whichever window the server is in).
async fn steady_step() -> i64 {
    loop {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
        if now.as_secs() % 30 < 26 {
            return (now.as_secs() / 30) as i64;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

fn text_of(page: &Page, id: &str) -> String {
    let marker = format!("id=\"{id}\">");
    let start = page
        .body
        .find(&marker)
        .unwrap_or_else(|| panic!("{}", page.body))
        + marker.len();
    page.body[start..].split('<').next().unwrap().to_owned()
}

fn recovery_codes(page: &Page) -> Vec<String> {
    let list = page
        .body
        .split("id=\"recovery-codes\"")
        .nth(1)
        .unwrap_or_else(|| panic!("{}", page.body));
    let list = list.split("</ul>").next().unwrap();
    list.split("<code>")
        .skip(1)
        .map(|c| c.split('<').next().unwrap().to_owned())
        .collect()
}

/// Sign in to the account page (no app): the IdP session cookie.
async fn account_session(server: &TestServer, email: &str) -> Browser {
    let mut b = server.browser();
    let form = b.get("/login").await;
    let done = b.submit_login(&form, email, PASSWORD).await;
    assert_eq!(
        done.location().as_deref(),
        Some("/settings"),
        "{}",
        done.body
    );
    b
}

/// Set up an authenticator app on the account page; returns its secret
/// and the recovery codes shown.
/// The code confirming it is the one of `step`.
async fn enrol_totp(b: &mut Browser, step: i64) -> (Vec<u8>, Vec<String>) {
    let page = b.get("/settings/mfa/totp").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("<svg"), "a QR code: {}", page.body);
    let secret = data_encoding::BASE32_NOPAD
        .decode(text_of(&page, "totp-secret").as_bytes())
        .unwrap();
    assert_eq!(
        secret.len(),
        20,
        "160-bit secrets (RFC 4226's recommendation)"
    );
    let mut form = page.form("/settings/mfa/totp");
    form.push(("name".into(), "My phone".into()));
    let mut wrong = form.clone();
    wrong.push(("code".into(), "000000".into()));
    if totp(&secret, step) != "000000" {
        let refused = b.post("/settings/mfa/totp", &wrong).await;
        assert_eq!(refused.status, 400, "{}", refused.body);
    }
    form.push(("code".into(), totp(&secret, step)));
    let done = b.post("/settings/mfa/totp", &form).await;
    assert_eq!(done.status, 200, "{}", done.body);
    let codes = recovery_codes(&done);
    assert_eq!(codes.len(), 16, "{}", done.body);
    (secret, codes)
}

/// Remove the first factor listed on the account page: the password is
/// asked for first, and a wrong one changes nothing.
async fn remove_factor(account: &mut Browser, settings: &Page) -> Page {
    let confirm = account
        .post(
            "/settings/mfa/remove",
            &settings.form("/settings/mfa/remove"),
        )
        .await;
    assert_eq!(confirm.status, 200, "{}", confirm.body);
    assert!(
        confirm.body.contains("Enter your password"),
        "{}",
        confirm.body
    );
    let mut wrong = confirm.form("/settings/mfa/remove");
    wrong.push(("current".into(), "not my password".into()));
    let refused = account.post("/settings/mfa/remove", &wrong).await;
    assert_eq!(refused.status, 401, "{}", refused.body);
    let mut form = refused.form("/settings/mfa/remove");
    form.push(("current".into(), PASSWORD.into()));
    account.post("/settings/mfa/remove", &form).await
}

/// Start signing in at `app`: the page after the password.
async fn password_step(server: &TestServer, app: &App, email: &str) -> (Browser, Pkce, Page) {
    let mut b = server.browser();
    let pkce = Pkce::new();
    let page = b
        .sign_in(&authorize_url(&b.issuer, app, &pkce, &[]), email, PASSWORD)
        .await;
    (b, pkce, page)
}

/// Answer the second-factor page with `method` and `code`.
async fn answer(b: &mut Browser, page: &Page, method: &str, code: &str) -> Page {
    let mut form: Vec<(String, String)> = page
        .form("/login/mfa")
        .into_iter()
        .filter(|(k, _)| k != "method")
        .collect();
    form.push(("method".into(), method.into()));
    form.push(("code".into(), code.into()));
    b.post("/login/mfa", &form).await
}

/// Exchange the code of a finished sign-in; the ID token's claims.
async fn id_token_of(b: &Browser, app: &App, pkce: &Pkce, done: &Page) -> Value {
    assert_eq!(done.status, 303, "{}", done.body);
    let q = query_of(&done.location().unwrap());
    let (status, body) = token_request(
        b,
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
    claims_of(body["id_token"].as_str().unwrap())
}

async fn totp_enrolment_sign_in_windows_replay_and_recovery_codes(backend: Backend) {
    let Some(server) = TestServer::spawn(backend).await else {
        return;
    };
    let app = server.oauth_client(ClientType::Spa, SPA_CALLBACK).await;
    server.end_user("ana@example.com", PASSWORD).await;

    // Without a factor, the password is enough; amr says so.
    let (mut b, pkce, done) = password_step(&server, &app, "ana@example.com").await;
    assert_eq!(
        id_token_of(&b, &app, &pkce, &done).await["amr"],
        json!(["pwd", "x_primary_password"])
    );

    let mut account = account_session(&server, "ana@example.com").await;
    // Set up with the previous window's code: accepted.
    let step = steady_step().await;
    let (secret, codes) = enrol_totp(&mut account, step - 1).await;
    let settings = account.get("/settings").await;
    assert!(
        settings.body.contains("Authenticator app: My phone"),
        "{}",
        settings.body
    );
    assert_eq!(
        text_of(&settings, "recovery-left"),
        "16 recovery codes left."
    );

    // Now the password leads to the second step. The code that set the
    // app up is spent (a replay); the current one works.
    let (b2, pkce, page) = password_step(&server, &app, "ana@example.com").await;
    b = b2;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Two-step verification"), "{}", page.body);
    let replay = answer(&mut b, &page, "totp", &totp(&secret, step - 1)).await;
    assert_eq!(replay.status, 401, "{}", replay.body);
    assert!(replay.body.contains("not right"), "{}", replay.body);
    let done = answer(&mut b, &replay, "totp", &totp(&secret, step)).await;
    let claims = id_token_of(&b, &app, &pkce, &done).await;
    assert_eq!(
        claims["amr"],
        json!([
            "mfa",
            "otp",
            "pwd",
            "x_primary_password",
            "x_secondary_totp"
        ]),
        "{claims}"
    );

    // Another sign-in: the same code is refused; the next window's works;
    // three windows ahead does not.
    let (mut b, pkce, page) = password_step(&server, &app, "ana@example.com").await;
    let replay = answer(&mut b, &page, "totp", &totp(&secret, step)).await;
    assert_eq!(replay.status, 401, "{}", replay.body);
    let far = answer(&mut b, &replay, "totp", &totp(&secret, step + 3)).await;
    assert_eq!(far.status, 401, "{}", far.body);
    let done = answer(&mut b, &far, "totp", &totp(&secret, step + 1)).await;
    id_token_of(&b, &app, &pkce, &done).await;

    // The phone is lost: a recovery code, typed loosely, works once.
    let (mut b, pkce, page) = password_step(&server, &app, "ana@example.com").await;
    let loose = codes[3].to_lowercase().replace('-', " ");
    let done = answer(&mut b, &page, "recovery", &loose).await;
    let claims = id_token_of(&b, &app, &pkce, &done).await;
    assert_eq!(
        claims["amr"],
        json!(["mfa", "pwd", "x_primary_password", "x_recovery_code"]),
        "{claims}"
    );
    let (mut b, _, page) = password_step(&server, &app, "ana@example.com").await;
    let again = answer(&mut b, &page, "recovery", &codes[3]).await;
    assert_eq!(
        again.status, 401,
        "a recovery code is single-use: {}",
        again.body
    );
    let settings = account.get("/settings").await;
    assert_eq!(
        text_of(&settings, "recovery-left"),
        "15 recovery codes left."
    );

    // A challenge is used once: replaying the finished form fails.
    let (mut b, _, page) = password_step(&server, &app, "ana@example.com").await;
    let done = answer(&mut b, &page, "recovery", &codes[4]).await;
    assert_eq!(done.status, 303);
    let replayed = answer(&mut b, &page, "recovery", &codes[5]).await;
    assert_eq!(replayed.status, 410, "{}", replayed.body);

    // New recovery codes replace the old set.
    let settings = account.get("/settings").await;
    let fresh = account
        .post(
            "/settings/mfa/recovery",
            &settings.form("/settings/mfa/recovery"),
        )
        .await;
    let new_codes = recovery_codes(&fresh);
    assert_eq!(new_codes.len(), 16);
    let (mut b, _, page) = password_step(&server, &app, "ana@example.com").await;
    assert_eq!(
        answer(&mut b, &page, "recovery", &codes[6]).await.status,
        401
    );

    // Removing the factor (optional policy): the password is enough again.
    let settings = account.get("/settings").await;
    let removed = remove_factor(&mut account, &settings).await;
    assert!(
        removed.body.contains("has been removed"),
        "{}",
        removed.body
    );
    let (b, pkce, done) = password_step(&server, &app, "ana@example.com").await;
    assert_eq!(
        id_token_of(&b, &app, &pkce, &done).await["amr"],
        json!(["pwd", "x_primary_password"])
    );
}

async fn set_policy(server: &TestServer, policy: MfaPolicy) {
    let mut settings = server.store.account_settings(PROJECT).await.unwrap();
    settings.mfa_policy = policy;
    server
        .store
        .set_account_settings(PROJECT, &AccountSettings { ..settings })
        .await
        .unwrap();
}

async fn required_policy_with_and_without_grace(backend: Backend) {
    let Some(server) = TestServer::spawn(backend).await else {
        return;
    };
    let app = server.oauth_client(ClientType::Spa, SPA_CALLBACK).await;
    let user_id = server.end_user("bo@example.com", PASSWORD).await;
    set_policy(&server, MfaPolicy::Required).await;

    // No factor, no grace: refused after the right password.
    let (_, _, page) = password_step(&server, &app, "bo@example.com").await;
    assert_eq!(page.status, 403, "{}", page.body);
    assert!(
        page.body.contains("must use two-step verification"),
        "{}",
        page.body
    );

    // A grace period: sent to set up an authenticator app first.
    let end_at = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24);
    let body = server
        .run(
            "mutation($id: ID!, $at: DateTime!) { setMFAGracePeriod(input: {userID: $id, endAt: $at}) { user { id } } }",
            json!({"id": node_id(&user_id), "at": end_at.to_string()}),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    let (mut b, pkce, page) = password_step(&server, &app, "bo@example.com").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains("Set up two-step verification"),
        "{}",
        page.body
    );
    assert!(page.body.contains("<svg"), "{}", page.body);
    let secret = data_encoding::BASE32_NOPAD
        .decode(text_of(&page, "totp-secret").as_bytes())
        .unwrap();
    let mut form = page.form("/login/mfa/enrol");
    let mut wrong = form.clone();
    wrong.push(("code".into(), "12345".into()));
    let refused = b.post("/login/mfa/enrol", &wrong).await;
    assert_eq!(refused.status, 401, "{}", refused.body);
    // The same secret is shown again.
    assert_eq!(
        data_encoding::BASE32_NOPAD
            .decode(text_of(&refused, "totp-secret").as_bytes())
            .unwrap(),
        secret
    );
    // "Continue" before the code is refused.
    let early = b
        .post("/login/mfa/continue", &page.form("/login/mfa/enrol"))
        .await;
    assert_eq!(early.status, 403, "{}", early.body);
    form.push(("code".into(), totp(&secret, steady_step().await)));
    let codes_page = b.post("/login/mfa/enrol", &form).await;
    assert_eq!(codes_page.status, 200, "{}", codes_page.body);
    assert_eq!(recovery_codes(&codes_page).len(), 16);
    let done = b
        .post(
            "/login/mfa/continue",
            &codes_page.form("/login/mfa/continue"),
        )
        .await;
    let claims = id_token_of(&b, &app, &pkce, &done).await;
    assert_eq!(
        claims["amr"],
        json!([
            "mfa",
            "otp",
            "pwd",
            "x_primary_password",
            "x_secondary_totp"
        ])
    );

    // Now asked for the code; the account page refuses to remove the last
    // factor under this policy.
    let (_, _, page) = password_step(&server, &app, "bo@example.com").await;
    assert!(page.body.contains("action=\"/login/mfa\""), "{}", page.body);
    let mut account = server.browser();
    let login = account.get("/login").await;
    let verify = account
        .submit_login(&login, "bo@example.com", PASSWORD)
        .await;
    let done = answer(
        &mut account,
        &verify,
        "totp",
        &totp(&secret, steady_step().await + 1),
    )
    .await;
    assert_eq!(
        done.location().as_deref(),
        Some("/settings"),
        "{}",
        done.body
    );
    let settings = account.get("/settings").await;
    let kept = remove_factor(&mut account, &settings).await;
    assert!(
        kept.body.contains("add another second factor"),
        "{}",
        kept.body
    );

    // The Admin API may remove it; the recovery codes go with it, so the
    // next sign-in (still in grace) enrols again rather than verifying.
    let body = server
        .run(
            "query($id: ID!) { node(id: $id) { ... on User { secondaryTOTPAuthenticators { id } } } }",
            json!({"id": node_id(&user_id)}),
        )
        .await;
    let totp_id = body["data"]["node"]["secondaryTOTPAuthenticators"][0]["id"].clone();
    let body = server
        .run(
            "mutation($id: ID!) { deleteAuthenticator(input: {authenticatorID: $id}) { user { secondaryTOTPAuthenticators { id } } } }",
            json!({"id": totp_id}),
        )
        .await;
    assert_eq!(
        body["data"]["deleteAuthenticator"]["user"]["secondaryTOTPAuthenticators"],
        json!([]),
        "{body}"
    );
    let (_, _, page) = password_step(&server, &app, "bo@example.com").await;
    assert!(
        page.body.contains("Set up two-step verification"),
        "{}",
        page.body
    );
    let left: i64 = server
        .store
        .begin()
        .await
        .unwrap()
        .recovery_codes_left(PROJECT, &user_id)
        .await
        .unwrap();
    assert_eq!(left, 0, "recovery codes went with the last factor");
}

async fn wrong_second_factors_lock_the_account(backend: Backend) {
    let Some(server) = TestServer::spawn(backend).await else {
        return;
    };
    let app = server.oauth_client(ClientType::Spa, SPA_CALLBACK).await;
    server.end_user("cy@example.com", PASSWORD).await;
    server
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
    let mut account = account_session(&server, "cy@example.com").await;
    enrol_totp(&mut account, steady_step().await).await;
    let (mut b, _, mut page) = password_step(&server, &app, "cy@example.com").await;
    for n in 0..2 {
        page = answer(
            &mut b,
            &page,
            if n == 0 { "totp" } else { "recovery" },
            "999999",
        )
        .await;
        assert_eq!(page.status, 401, "{}", page.body);
    }
    let locked = answer(&mut b, &page, "totp", "999998").await;
    assert_eq!(locked.status, 429, "{}", locked.body);
    assert!(locked.body.contains("Account locked"), "{}", locked.body);
    // Locked: the right password is refused too.
    let (_, _, page) = password_step(&server, &app, "cy@example.com").await;
    assert_eq!(page.status, 429, "{}", page.body);
    let body = server
        .run(
            "{ auditLogs(first: 20, activityTypes: [AUTHENTICATION_SECONDARY_TOTP_FAILED, AUTHENTICATION_SECONDARY_RECOVERY_CODE_FAILED]) { edges { node { activityType } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        body["data"]["auditLogs"]["edges"].as_array().unwrap().len(),
        3,
        "{body}"
    );
}

async fn codes_by_email_and_from_support(backend: Backend) {
    let sink = SmtpSink::start().await;
    let config = Config {
        mailer: Some(Mailer::new(&sink.url(), "keyward <no-reply@example.com>").unwrap()),
        ..Config::for_test()
    };
    let Some(server) = TestServer::spawn_with(backend, config).await else {
        return;
    };
    let app = server.oauth_client(ClientType::Spa, SPA_CALLBACK).await;
    let user_id = server.end_user("di@example.com", PASSWORD).await;
    let body = server
        .run(
            "mutation($id: ID!) { createAuthenticator(input: {userID: $id, definition: {kind: SECONDARY, type: OOB_OTP_EMAIL, oobOtpEmail: {email: \"di.codes@example.com\"}}}) { authenticator { id } } }",
            json!({"id": node_id(&user_id)}),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");

    let (mut b, pkce, page) = password_step(&server, &app, "di@example.com").await;
    assert!(
        page.body.contains("Email a code to d•••@example.com"),
        "{}",
        page.body
    );
    let sent = b
        .post("/login/mfa/send", &page.form("/login/mfa/send"))
        .await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    let mail = sink.wait_for(1, Duration::from_secs(10)).await;
    assert!(mail[0].contains("To: di.codes@example.com"), "{}", mail[0]);
    let code: String = mail[0]
        .split_whitespace()
        .find(|w| w.len() == 6 && w.bytes().all(|c| c.is_ascii_digit()))
        .unwrap()
        .to_owned();
    let mut form = sent.form("/login/mfa");
    form.push(("code".into(), code.clone()));
    let done = b.post("/login/mfa", &form).await;
    let claims = id_token_of(&b, &app, &pkce, &done).await;
    assert_eq!(
        claims["amr"],
        json!([
            "mfa",
            "otp",
            "pwd",
            "x_primary_password",
            "x_secondary_oob_otp_email"
        ]),
        "{claims}"
    );
    // Used once.
    let (mut b, _, _) = password_step(&server, &app, "di@example.com").await;
    let reused = b.post("/login/mfa", &form).await;
    assert_ne!(reused.status, 303, "{}", reused.body);

    // Support reads a code out (generateOOBOTPCode): nothing is sent, and
    // the code signs the user in.
    let body = server
        .run(
            "mutation { generateOOBOTPCode(input: {target: \"di.codes@example.com\"}) { code } }",
            json!({}),
        )
        .await;
    let support = body["data"]["generateOOBOTPCode"]["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let (mut b, pkce, page) = password_step(&server, &app, "di@example.com").await;
    let authenticator = page
        .form("/login/mfa/send")
        .into_iter()
        .find(|(k, _)| k == "authenticator")
        .unwrap()
        .1;
    let mut form: Vec<(String, String)> = page
        .form("/login/mfa/send")
        .into_iter()
        .filter(|(k, _)| k != "authenticator")
        .collect();
    form.extend([
        ("method".into(), "oob".into()),
        ("authenticator".into(), authenticator),
        ("code".into(), support),
    ]);
    let done = b.post("/login/mfa", &form).await;
    id_token_of(&b, &app, &pkce, &done).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sink.messages().len(), 1, "the support code was not sent");
}
