//! The account lifecycle beyond disabling: scheduled anonymization, the
//! account valid period, and the background job that carries out scheduled
//! deletions and anonymizations (once, even across replicas).

use std::time::Duration;

use keyward_store::{AccountSettings, ClientType};
use keyward_test_support::{Backend, PROJECT, TestServer, within};
use serde_json::{Value, json};

use crate::api::{assert_error, create_user};
use crate::signin::{PASSWORD, SPA_CALLBACK, refresh, signed_in};

on_each_backend!(
    scheduled_work_runs_once_across_two_replicas,
    anonymization_scheduled_then_carried_out,
);
on_sqlite!(
    anonymization_schedule_and_its_errors,
    valid_period_mutations,
);

const USER: &str =
    "isDisabled anonymizeAt deleteAt accountValidFrom accountValidUntil isAnonymized";

async fn user_of(server: &TestServer, id: &Value) -> Value {
    let body = server
        .run(
            &format!("query($id: ID!) {{ node(id: $id) {{ ... on User {{ {USER} }} }} }}"),
            json!({"id": id}),
        )
        .await;
    body["data"]["node"].clone()
}

async fn mutate(server: &TestServer, field: &str, input: Value) -> Value {
    server
        .run(
            &format!(
                "mutation($input: {}Input!) {{ {field}(input: $input) {{ user {{ id {USER} }} }} }}",
                upper_first(field)
            ),
            json!({ "input": input }),
        )
        .await
}

fn upper_first(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
        .unwrap_or_default()
}

async fn activity(server: &TestServer, types: &str) -> Vec<Value> {
    let body = server
        .run(
            &format!("{{ auditLogs(first: 100, activityTypes: [{types}]) {{ edges {{ node {{ activityType user {{ id }} data }} }} }} }}"),
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

async fn anonymization_schedule_and_its_errors(backend: Backend) {
    let Some(server) = TestServer::spawn(backend).await else {
        return;
    };
    let ada = create_user(&server, "email", "ada@example.com", None).await["id"].clone();
    let body = mutate(&server, "scheduleAccountDeletion", json!({"userID": ada})).await;
    assert!(body["errors"].is_null(), "{body}");

    // From a scheduled deletion: the deletion gives way.
    let body = mutate(
        &server,
        "scheduleAccountAnonymization",
        json!({"userID": ada}),
    )
    .await;
    let user = &body["data"]["scheduleAccountAnonymization"]["user"];
    assert_eq!(user["isDisabled"], true, "{body}");
    assert!(user["anonymizeAt"].is_string(), "{body}");
    assert!(user["deleteAt"].is_null(), "{body}");
    let at: jiff::Timestamp = user["anonymizeAt"].as_str().unwrap().parse().unwrap();
    let days = (at.as_second() - jiff::Timestamp::now().as_second()) as f64 / 86_400.0;
    assert!((29.9..=30.0).contains(&days), "default grace: {days} days");

    let body = mutate(
        &server,
        "scheduleAccountAnonymization",
        json!({"userID": ada}),
    )
    .await;
    assert_error(&body, "Invalid", "InvalidAccountStatusTransition");
    assert_eq!(
        body["errors"][0]["message"],
        "invalid account status transition: scheduled_anonymization_disabled -> scheduled_anonymization_disabled"
    );
    let body = mutate(&server, "scheduleAccountDeletion", json!({"userID": ada})).await;
    assert_error(&body, "Invalid", "InvalidAccountStatusTransition");

    let body = mutate(
        &server,
        "unscheduleAccountAnonymization",
        json!({"userID": ada}),
    )
    .await;
    let user = &body["data"]["unscheduleAccountAnonymization"]["user"];
    assert_eq!(
        (user["isDisabled"].clone(), user["anonymizeAt"].clone()),
        (json!(false), Value::Null),
        "{body}"
    );
    let body = mutate(
        &server,
        "unscheduleAccountAnonymization",
        json!({"userID": ada}),
    )
    .await;
    assert_error(&body, "Invalid", "InvalidAccountStatusTransition");
    assert_eq!(
        body["errors"][0]["extensions"]["info"],
        json!({"from": "normal", "to": "normal"})
    );

    let ghost = keyward_accounts::ids::encode("User", &uuid::Uuid::new_v4().to_string());
    let body = mutate(
        &server,
        "scheduleAccountAnonymization",
        json!({"userID": ghost}),
    )
    .await;
    assert_error(&body, "NotFound", "UserNotFound");
    let body = mutate(
        &server,
        "scheduleAccountAnonymization",
        json!({"userID": "nope"}),
    )
    .await;
    assert_eq!(body["errors"][0]["message"], "invalid user ID", "{body}");

    let body = server
        .run(
            "mutation($id: ID!) { anonymizeUser(input: {userID: $id}) { anonymizedUserID } }",
            json!({"id": ada}),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    for field in [
        "scheduleAccountAnonymization",
        "unscheduleAccountAnonymization",
    ] {
        let body = mutate(&server, field, json!({"userID": ada})).await;
        assert_error(&body, "Invalid", "UserIsAnonymized");
    }

    // The audit trail: Authgear's two entries per change, in order, the
    // failed requests none.
    let entries = activity(
        &server,
        "USER_ANONYMIZATION_SCHEDULED, ADMIN_API_MUTATION_SCHEDULE_ACCOUNT_ANONYMIZATION_EXECUTED, USER_ANONYMIZATION_UNSCHEDULED, ADMIN_API_MUTATION_UNSCHEDULE_ACCOUNT_ANONYMIZATION_EXECUTED",
    )
    .await;
    assert_eq!(entries.len(), 4, "{entries:?}");
    for e in &entries {
        assert_eq!(e["user"]["id"], ada);
        assert_eq!(e["data"]["payload"]["user"]["id"], ada);
    }
}

async fn valid_period_mutations(backend: Backend) {
    let Some(server) = TestServer::spawn(backend).await else {
        return;
    };
    let app = server.oauth_client(ClientType::Spa, SPA_CALLBACK).await;
    let raw = server.end_user("val@example.com", PASSWORD).await;
    let id = json!(keyward_accounts::ids::encode("User", &raw));
    let (b, tokens) = signed_in(&server, &app, "val@example.com", &[]).await;

    let body = mutate(
        &server,
        "setAccountValidPeriod",
        json!({"userID": id, "accountValidFrom": "2020-01-01T00:00:00Z", "accountValidUntil": "2099-01-01T00:00:00Z"}),
    )
    .await;
    let user = &body["data"]["setAccountValidPeriod"]["user"];
    assert_eq!(user["accountValidFrom"], "2020-01-01T00:00:00Z", "{body}");
    assert_eq!(user["isDisabled"], false);
    // Still valid: the session lives.
    let (status, _) = refresh(&b, &app, tokens["refresh_token"].as_str().unwrap()).await;
    assert_eq!(status, 200);

    // From keeps until; null clears.
    let body = mutate(
        &server,
        "setAccountValidFrom",
        json!({"userID": id, "accountValidFrom": null}),
    )
    .await;
    let user = &body["data"]["setAccountValidFrom"]["user"];
    assert_eq!(
        (
            user["accountValidFrom"].clone(),
            user["accountValidUntil"].clone()
        ),
        (Value::Null, json!("2099-01-01T00:00:00Z")),
        "{body}"
    );
    // from >= until is refused, nothing changes.
    let body = mutate(
        &server,
        "setAccountValidFrom",
        json!({"userID": id, "accountValidFrom": "2099-01-01T00:00:00Z"}),
    )
    .await;
    assert_error(&body, "Invalid", "InvalidAccountStatusTransition");
    assert_eq!(
        body["errors"][0]["extensions"]["info"]["cause"]["kind"],
        "AccountValidFromShouldBeBeforeAccountValidUntil"
    );
    assert!(user_of(&server, &id).await["accountValidFrom"].is_null());

    // Until in the past: disabled, and its sessions end at once.
    let body = mutate(
        &server,
        "setAccountValidUntil",
        json!({"userID": id, "accountValidUntil": "2021-01-01T00:00:00+02:00"}),
    )
    .await;
    let user = &body["data"]["setAccountValidUntil"]["user"];
    assert_eq!(user["accountValidUntil"], "2020-12-31T22:00:00Z", "{body}");
    assert_eq!(user["isDisabled"], true);
    let (status, err) = refresh(&b, &app, tokens["refresh_token"].as_str().unwrap()).await;
    assert_eq!(
        (status, err["error"].clone()),
        (400, json!("invalid_grant")),
        "{err}"
    );

    let entries = activity(
        &server,
        "ADMIN_API_MUTATION_SET_ACCOUNT_VALID_FROM_EXECUTED, ADMIN_API_MUTATION_SET_ACCOUNT_VALID_UNTIL_EXECUTED, ADMIN_API_MUTATION_SET_ACCOUNT_VALID_PERIOD_EXECUTED",
    )
    .await;
    assert_eq!(entries.len(), 3, "{entries:?}");
    let until = entries
        .iter()
        .find(|e| e["activityType"] == "ADMIN_API_MUTATION_SET_ACCOUNT_VALID_UNTIL_EXECUTED")
        .unwrap();
    assert_eq!(
        until["data"]["payload"]["account_valid_until"],
        "2020-12-31T22:00:00Z"
    );
    let from = entries
        .iter()
        .find(|e| e["activityType"] == "ADMIN_API_MUTATION_SET_ACCOUNT_VALID_FROM_EXECUTED")
        .unwrap();
    assert!(from["data"]["payload"]["account_valid_from"].is_null());
    assert_eq!(from["user"]["id"], id);

    // Anonymized: the bounds are checked first, then the state.
    let body = server
        .run(
            "mutation($id: ID!) { anonymizeUser(input: {userID: $id}) { anonymizedUserID } }",
            json!({"id": id}),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    let body = mutate(&server, "setAccountValidPeriod", json!({"userID": id})).await;
    assert_eq!(
        body["errors"][0]["message"], "invalid account status transition: anonymized -> anonymized",
        "{body}"
    );
}

/// A project whose schedules fall due at once.
async fn without_grace(server: &TestServer) {
    server
        .store
        .set_account_settings(
            PROJECT,
            &AccountSettings {
                deletion_grace_days: 0,
                anonymization_grace_days: 0,
                create_session_enabled: false,
                ..AccountSettings::default()
            },
        )
        .await
        .unwrap();
}

async fn anonymization_scheduled_then_carried_out(backend: Backend) {
    let Some(server) = TestServer::spawn(backend).await else {
        return;
    };
    without_grace(&server).await;
    let app = server.oauth_client(ClientType::Spa, SPA_CALLBACK).await;
    let raw = server.end_user("gone@example.com", PASSWORD).await;
    let id = json!(keyward_accounts::ids::encode("User", &raw));
    let body = server
        .run(
            "mutation($id: ID!) { updateUser(input: {userID: $id, standardAttributes: {email: \"gone@example.com\", name: \"Gone Person\"}, customAttributes: {}}) { user { id } } }",
            json!({"id": id}),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    let (b, tokens) = signed_in(&server, &app, "gone@example.com", &[]).await;

    let body = mutate(
        &server,
        "scheduleAccountAnonymization",
        json!({"userID": id}),
    )
    .await;
    assert!(body["errors"].is_null(), "{body}");
    // Signed out at once.
    let (status, _) = refresh(&b, &app, tokens["refresh_token"].as_str().unwrap()).await;
    assert_eq!(status, 400);

    // The job carries it out within a few rounds.
    let done = within(Duration::from_secs(10), || async {
        user_of(&server, &id).await["isAnonymized"] == true
    })
    .await;
    assert!(
        done.is_some(),
        "not anonymized: {}",
        user_of(&server, &id).await
    );
    let body = server
        .run(
            "query($id: ID!) { node(id: $id) { ... on User { anonymizeAt isDisabled standardAttributes identities { totalCount } } } }",
            json!({"id": id}),
        )
        .await;
    let user = &body["data"]["node"];
    assert_eq!(user["anonymizeAt"], Value::Null, "{body}");
    assert_eq!(user["isDisabled"], true);
    assert_eq!(user["identities"]["totalCount"], 0, "no login ID is kept");
    assert!(!body.to_string().contains("Gone Person"), "{body}");
    assert!(!body.to_string().contains("gone@example.com"), "{body}");
    // Nobody can sign in with the old login ID.
    let mut b = server.browser();
    let page = b
        .sign_in(
            &keyward_test_support::authorize_url(
                &b.issuer.clone(),
                &app,
                &keyward_test_support::Pkce::new(),
                &[],
            ),
            "gone@example.com",
            PASSWORD,
        )
        .await;
    assert_eq!(page.status, 401, "{}", page.body);

    let entries = activity(&server, "USER_ANONYMIZED").await;
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0]["user"]["id"], id);
    assert_eq!(entries[0]["data"]["context"]["triggered_by"], "system");
    assert!(
        server
            .metrics()
            .await
            .contains("keyward_scheduled_account_work_total{outcome=\"anonymized\"} 1")
    );
}

/// Twenty deletions fall due while two replicas (one database) run the
/// job: every user is deleted, and each exactly once.
async fn scheduled_work_runs_once_across_two_replicas(backend: Backend) {
    let Some(first) = TestServer::spawn(backend).await else {
        return;
    };
    let second = TestServer::spawn_replica(&first).await;
    let mut ids = Vec::new();
    for i in 0..20 {
        ids.push(
            create_user(&first, "email", &format!("u{i}@example.com"), None).await["id"].clone(),
        );
    }
    // With no grace period each deletion is due as soon as it is scheduled;
    // half are scheduled through each replica.
    without_grace(&first).await;
    for (i, id) in ids.iter().enumerate() {
        let server = if i % 2 == 0 { &first } else { &second };
        let body = mutate(
            server,
            "scheduleAccountDeletion",
            json!({"userID": id, "reason": "asked"}),
        )
        .await;
        assert!(body["errors"].is_null(), "{body}");
    }
    let gone = within(Duration::from_secs(15), || async {
        keyward_test_support::user_count(&first.store).await == 0
    })
    .await;
    assert!(
        gone.is_some(),
        "{} users left",
        keyward_test_support::user_count(&first.store).await
    );
    let entries = activity(&first, "USER_DELETED").await;
    assert_eq!(entries.len(), 20, "each deletion once: {entries:?}");
    let mut seen: Vec<String> = entries
        .iter()
        .map(|e| {
            e["data"]["payload"]["user"]["id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 20);
    // One replica held the lease: together they counted 20.
    let count = |m: String| -> u64 {
        m.lines()
            .find(|l| l.starts_with("keyward_scheduled_account_work_total{outcome=\"deleted\"}"))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    assert_eq!(
        count(first.metrics().await) + count(second.metrics().await),
        20
    );
}
