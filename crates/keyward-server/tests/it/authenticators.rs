//! The Admin API's authenticator fields (admin-api-gaps §3.5, §4, §5.2):
//! `createAuthenticator` with its validation and duplicate rules,
//! `deleteAuthenticator` (even a user's last second factor, taking the
//! recovery codes with it), `generateOOBOTPCode` (a code, nothing sent),
//! and the MFA grace period (bounded, not audited, `updatedAt` untouched).

use keyward_test_support::{Backend, TestServer};
use serde_json::{Value, json};

use crate::api::{assert_error, create_user};

on_each_backend!(authenticators_created_listed_and_deleted);
on_sqlite!(
    create_authenticator_refuses_bad_definitions,
    generate_oob_otp_code_sends_nothing_and_records_no_code,
    mfa_grace_period_is_bounded_and_not_audited,
);

const AUTHENTICATOR: &str = "id type kind isDefault expireAfter claims";

async fn create(server: &TestServer, user: &Value, definition: Value) -> Value {
    server
        .run(
            &format!(
                "mutation($input: CreateAuthenticatorInput!) {{ createAuthenticator(input: $input) {{ authenticator {{ {AUTHENTICATOR} }} }} }}"
            ),
            json!({"input": {"userID": user, "definition": definition}}),
        )
        .await
}

async fn created(server: &TestServer, user: &Value, definition: Value) -> Value {
    let body = create(server, user, definition).await;
    assert!(body.get("errors").is_none(), "{body}");
    body["data"]["createAuthenticator"]["authenticator"].clone()
}

async fn factors_of(server: &TestServer, user: &Value) -> Value {
    let body = server
        .run(
            "query($id: ID!) { node(id: $id) { ... on User {
                secondaryPassword { id }
                secondaryOOBOTPEmailAuthenticators { id claims }
                secondaryOOBOTPSMSAuthenticators { id claims }
                authenticators { edges { node { type kind } } }
            } } }",
            json!({"id": user}),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    body["data"]["node"].clone()
}

async fn activity(server: &TestServer, types: &str) -> Vec<Value> {
    let body = server
        .run(
            &format!("{{ auditLogs(first: 100, activityTypes: [{types}]) {{ edges {{ node {{ activityType data }} }} }} }}"),
            json!({}),
        )
        .await;
    body["data"]["auditLogs"]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}

async fn authenticators_created_listed_and_deleted(backend: Backend) {
    let Some(server) = TestServer::spawn(backend).await else {
        return;
    };
    let user = create_user(&server, "email", "ana@example.com", Some("a fine password")).await;
    let id = user["id"].clone();

    let email = created(
        &server,
        &id,
        json!({"kind": "SECONDARY", "type": "OOB_OTP_EMAIL", "oobOtpEmail": {"email": "Ana.Two@Example.COM"}}),
    )
    .await;
    assert_eq!(
        (&email["type"], &email["kind"], &email["isDefault"]),
        (&json!("OOB_OTP_EMAIL"), &json!("SECONDARY"), &json!(false))
    );
    assert_eq!(
        email["claims"],
        json!({"https://authgear.com/claims/oob_otp/email": "ana.two@example.com"}),
        "stored normalized like a login ID"
    );
    assert_eq!(email["expireAfter"], Value::Null);
    let sms = created(
        &server,
        &id,
        json!({"kind": "SECONDARY", "type": "OOB_OTP_SMS", "oobOtpSMS": {"phone": "+44 7911 123456"}}),
    )
    .await;
    assert_eq!(
        sms["claims"],
        json!({"https://authgear.com/claims/oob_otp/phone": "+447911123456"})
    );
    let password = created(
        &server,
        &id,
        json!({"kind": "SECONDARY", "type": "PASSWORD", "password": {"password": "another fine password"}}),
    )
    .await;
    assert_eq!(password["claims"], json!({}));

    // Duplicates: the same target of the same type and kind; any second
    // password of a kind.
    let again = create(
        &server,
        &id,
        json!({"kind": "SECONDARY", "type": "OOB_OTP_EMAIL", "oobOtpEmail": {"email": "ana.two@example.com"}}),
    )
    .await;
    assert_error(&again, "Invalid", "InvariantViolated");
    assert_eq!(
        again["errors"][0]["extensions"]["info"]["cause"],
        json!({"kind": "DuplicatedAuthenticator", "AuthenticatorType": "oob_otp_email"}),
        "{again}"
    );
    let again = create(
        &server,
        &id,
        json!({"kind": "SECONDARY", "type": "PASSWORD", "password": {"password": "a third fine password"}}),
    )
    .await;
    assert_error(&again, "Invalid", "InvariantViolated");
    // The same address as a PRIMARY is another authenticator.
    created(
        &server,
        &id,
        json!({"kind": "PRIMARY", "type": "OOB_OTP_EMAIL", "oobOtpEmail": {"email": "ana.two@example.com"}}),
    )
    .await;

    let factors = factors_of(&server, &id).await;
    assert_eq!(factors["secondaryPassword"]["id"], password["id"]);
    assert_eq!(
        factors["secondaryOOBOTPEmailAuthenticators"][0]["id"],
        email["id"]
    );
    assert_eq!(
        factors["secondaryOOBOTPSMSAuthenticators"][0]["id"],
        sms["id"]
    );
    // The primary password of createUser, and the four created here.
    assert_eq!(
        factors["authenticators"]["edges"].as_array().unwrap().len(),
        5,
        "{factors}"
    );
    let created_entries =
        activity(&server, "ADMIN_API_MUTATION_CREATE_AUTHENTICATOR_EXECUTED").await;
    assert_eq!(created_entries.len(), 4);
    assert!(
        !created_entries
            .iter()
            .any(|e| e.to_string().contains("fine password")),
        "no password in the audit log"
    );

    // Deleting: the owner comes back; the node is gone.
    for a in [&email, &sms, &password] {
        let body = server
            .run(
                "mutation($id: ID!) { deleteAuthenticator(input: {authenticatorID: $id}) { user { id } } }",
                json!({"id": a["id"]}),
            )
            .await;
        assert_eq!(
            body["data"]["deleteAuthenticator"]["user"]["id"], id,
            "{body}"
        );
    }
    let factors = factors_of(&server, &id).await;
    assert_eq!(factors["secondaryPassword"], Value::Null);
    assert_eq!(factors["secondaryOOBOTPEmailAuthenticators"], json!([]));
    let node = server
        .run(
            "query($id: ID!) { node(id: $id) { id } }",
            json!({"id": email["id"]}),
        )
        .await;
    assert_eq!(node["data"]["node"], Value::Null, "{node}");
    assert_eq!(
        activity(&server, "ADMIN_API_MUTATION_DELETE_AUTHENTICATOR_EXECUTED")
            .await
            .len(),
        3
    );
    // Deleting it again: a clear error (Authgear: "unexpected error").
    let body = server
        .run(
            "mutation($id: ID!) { deleteAuthenticator(input: {authenticatorID: $id}) { user { id } } }",
            json!({"id": email["id"]}),
        )
        .await;
    assert_error(&body, "NotFound", "AuthenticatorNotFound");
}

async fn create_authenticator_refuses_bad_definitions(backend: Backend) {
    let Some(server) = TestServer::spawn(backend).await else {
        return;
    };
    let user = create_user(&server, "email", "bo@example.com", Some("a fine password")).await;
    let id = user["id"].clone();
    let cases = [
        (
            json!({"kind": "SECONDARY", "type": "OOB_OTP_EMAIL"}),
            ("Invalid", "Invalid"),
            "definition/oobOtpEmail is required",
        ),
        (
            json!({"kind": "SECONDARY", "type": "OOB_OTP_SMS", "oobOtpEmail": {"email": "x@example.com"}}),
            ("Invalid", "Invalid"),
            "definition/oobOtpSMS is required",
        ),
        (
            json!({"kind": "PRIMARY", "type": "PASSWORD"}),
            ("Invalid", "Invalid"),
            "definition/password is required",
        ),
        (
            json!({"kind": "SECONDARY", "type": "TOTP"}),
            ("Invalid", "Invalid"),
            "unsupported authenticator type",
        ),
        (
            json!({"kind": "SECONDARY", "type": "OOB_OTP_EMAIL", "oobOtpEmail": {"email": "not an email"}}),
            ("Invalid", "ValidationFailed"),
            "invalid target",
        ),
        (
            json!({"kind": "SECONDARY", "type": "OOB_OTP_SMS", "oobOtpSMS": {"phone": "12"}}),
            ("Invalid", "ValidationFailed"),
            "invalid target",
        ),
        (
            json!({"kind": "SECONDARY", "type": "PASSWORD", "password": {"password": "short"}}),
            ("Invalid", "PasswordPolicyViolated"),
            "",
        ),
        (
            json!({"kind": "SECONDARY", "type": "PASSWORD", "password": {"password": ""}}),
            ("Invalid", "PasswordPolicyViolated"),
            "",
        ),
    ];
    for (definition, (name, reason), message) in cases {
        let body = create(&server, &id, definition.clone()).await;
        assert_error(&body, name, reason);
        if !message.is_empty() {
            assert_eq!(
                body["errors"][0]["message"], message,
                "{definition}: {body}"
            );
        }
    }
    let bad_email = create(
        &server,
        &id,
        json!({"kind": "SECONDARY", "type": "OOB_OTP_EMAIL", "oobOtpEmail": {"email": "not an email"}}),
    )
    .await;
    assert_eq!(
        bad_email["errors"][0]["extensions"]["info"]["causes"][0]["details"],
        json!({"format": "email"}),
        "{bad_email}"
    );
    // An unknown user: a clear error (Authgear fails unexpectedly here).
    let body = create(
        &server,
        &json!("VXNlcjpub3QtYS11c2Vy"),
        json!({"kind": "SECONDARY", "type": "OOB_OTP_EMAIL", "oobOtpEmail": {"email": "x@example.com"}}),
    )
    .await;
    assert_error(&body, "NotFound", "UserNotFound");
    assert_eq!(
        factors_of(&server, &id).await["authenticators"]["edges"]
            .as_array()
            .unwrap()
            .len(),
        1,
        "nothing was created"
    );
}

async fn generate_oob_otp_code_sends_nothing_and_records_no_code(backend: Backend) {
    let Some(server) = TestServer::spawn(backend).await else {
        return;
    };
    for (input, purpose) in [
        (json!({"target": "someone@example.com"}), "login"),
        (
            json!({"target": "+447911123456", "purpose": "VERIFICATION"}),
            "verification",
        ),
    ] {
        let body = server
            .run(
                "mutation($input: GenerateOOBOTPCodeInput!) { generateOOBOTPCode(input: $input) { code } }",
                json!({ "input": input }),
            )
            .await;
        let code = body["data"]["generateOOBOTPCode"]["code"]
            .as_str()
            .unwrap_or_else(|| panic!("{body}"))
            .to_owned();
        assert!(
            code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()),
            "{code}"
        );
        let entries = activity(&server, "ADMIN_API_MUTATION_GENERATE_OOB_OTP_CODE_EXECUTED").await;
        let last = &entries[0]["data"]["payload"];
        assert_eq!(last["purpose"], purpose, "{last}");
        assert_eq!(last["target"], input["target"]);
        assert!(
            !last.to_string().contains(&code),
            "the code is not recorded"
        );
    }
    // Nothing was queued: no delivery entries.
    assert!(activity(&server, "EMAIL_SENT, SMS_SENT").await.is_empty());
}

async fn mfa_grace_period_is_bounded_and_not_audited(backend: Backend) {
    let Some(server) = TestServer::spawn(backend).await else {
        return;
    };
    let user = create_user(&server, "email", "cy@example.com", Some("a fine password")).await;
    let id = user["id"].clone();
    let set = |end_at: String| {
        let server = &server;
        let id = id.clone();
        async move {
            server
                .run(
                    "mutation($id: ID!, $at: DateTime!) { setMFAGracePeriod(input: {userID: $id, endAt: $at}) { user { mfaGracePeriodEndAt updatedAt } } }",
                    json!({"id": id, "at": end_at}),
                )
                .await
        }
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let rfc3339 = |secs: i64| jiff::Timestamp::from_second(secs).unwrap().to_string();
    for bad in [now - 3600, now + 91 * 86_400] {
        let body = set(rfc3339(bad)).await;
        assert_error(&body, "Invalid", "MFAGracePeriodInvalid");
        assert_eq!(body["errors"][0]["message"], "MFA grace period is invalid");
    }
    let body = set(rfc3339(now + 7 * 86_400)).await;
    let payload = &body["data"]["setMFAGracePeriod"]["user"];
    assert_eq!(
        payload["mfaGracePeriodEndAt"],
        rfc3339(now + 7 * 86_400),
        "{body}"
    );
    assert_eq!(
        payload["updatedAt"], user["updatedAt"],
        "updatedAt untouched"
    );
    let body = server
        .run(
            "mutation($id: ID!) { removeMFAGracePeriod(input: {userID: $id}) { user { mfaGracePeriodEndAt } } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(
        body["data"]["removeMFAGracePeriod"]["user"]["mfaGracePeriodEndAt"],
        Value::Null,
        "{body}"
    );
    // Unknown user.
    let body = server
        .run(
            "mutation { removeMFAGracePeriod(input: {userID: \"VXNlcjpub3QtYS11c2Vy\"}) { user { id } } }",
            json!({}),
        )
        .await;
    assert_error(&body, "NotFound", "UserNotFound");
    // No audit entries for either.
    let body = server
        .run(
            "{ auditLogs(first: 100) { edges { node { activityType } } } }",
            json!({}),
        )
        .await;
    assert!(
        !body.to_string().contains("GRACE"),
        "grace period changes are not audited: {body}"
    );
}
