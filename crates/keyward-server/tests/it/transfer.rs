//! User import and export over HTTP (user-import-export.md): the spec's
//! worked examples end to end (import, then sign-in with the imported
//! bcrypt password, then NDJSON and CSV exports downloaded from their
//! signed links), every refusal of the endpoints, and an import whose run
//! died half-way resumed by the next server.

use std::time::Duration;

use keyward_test_support::{Backend, PROJECT, TestServer};
use serde_json::{Value, json};

use crate::api::create_user;

on_each_backend!(
    worked_examples_import_sign_in_and_export,
    import_killed_mid_way_resumes,
    batched_records_end_as_one_by_one,
    a_stopped_server_hands_its_job_leases_over,
    an_export_of_many_pages_keeps_every_user_once_in_order
);
on_sqlite!(
    endpoints_refuse_bad_requests_as_authgear_does,
    records_fail_one_by_one_with_their_reasons,
    download_links_are_signed_and_expire,
);

/// The spec's bcrypt test vector: the password is `password`.
const HASH: &str = "$2y$10$/wLavnCmYGP/zzpw/mR1iOK5y5hGyrEFJtmaIbvFf9VA6l2O4NMKO";

fn url(server: &TestServer, path: &str) -> String {
    format!("{}/projects/{PROJECT}/_api/admin/users/{path}", server.url)
}

async fn post(server: &TestServer, path: &str, body: &Value) -> (u16, Value) {
    let response = server
        .http
        .post(url(server, path))
        .bearer_auth(server.token())
        .json(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

async fn get(server: &TestServer, path: &str) -> (u16, Value) {
    let response = server
        .http
        .get(url(server, path))
        .bearer_auth(server.token())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

/// Poll a job until it is `completed` (at most 60 s).
async fn finished(server: &TestServer, kind: &str, id: &str) -> Value {
    for _ in 0..1200 {
        let (status, body) = get(server, &format!("{kind}/{id}")).await;
        assert_eq!(status, 200, "{body}");
        if body["result"]["status"] == "completed" {
            return body["result"].clone();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{kind} {id} did not finish");
}

async fn import(server: &TestServer, request: Value) -> Value {
    let (status, body) = post(server, "import", &request).await;
    assert_eq!(status, 200, "{body}");
    let id = body["result"]["id"].as_str().unwrap().to_owned();
    finished(server, "import", &id).await
}

async fn user_by_email(server: &TestServer, email: &str) -> Value {
    let body = server
        .run(
            "query($e: String!) { getUsersByStandardAttribute(attributeName: \"email\", attributeValue: $e) {
                id isDisabled standardAttributes customAttributes
                roles { edges { node { key } } }
                identities { edges { node { claims } } }
            } }",
            json!({"e": email}),
        )
        .await;
    body["data"]["getUsersByStandardAttribute"][0].clone()
}

async fn worked_examples_import_sign_in_and_export(backend: Backend) {
    let Some(server) = TestServer::spawn(backend).await else {
        return;
    };
    let role = server
        .run(
            "mutation { createRole(input: {key: \"staff\"}) { role { id } } }",
            json!({}),
        )
        .await;
    assert!(role.get("errors").is_none(), "{role}");
    let bob = create_user(&server, "email", "bob@example.com", None).await;
    let updated = server
        .run(
            "mutation($id: ID!) { updateUser(input: {userID: $id, standardAttributes: {email: \"bob@example.com\", given_name: \"Robert\"}}) { user { id } } }",
            json!({"id": bob["id"]}),
        )
        .await;
    assert!(updated.get("errors").is_none(), "{updated}");

    let done = import(
        &server,
        json!({"upsert": true, "identifier": "email", "records": [
            {"email": "alice@example.com", "email_verified": true, "name": "Alice Wong", "disabled": false,
             "custom_attributes": {"member_id": "M-0001"}, "roles": ["staff"],
             "password": {"type": "bcrypt", "password_hash": HASH}},
            {"email": "bob@example.com", "phone_number": "+85291234567", "phone_number_verified": true,
             "given_name": null, "disabled": true,
             "password": {"type": "bcrypt", "password_hash": HASH}}
        ]}),
    )
    .await;
    assert_eq!(
        done["summary"],
        json!({"total": 2, "inserted": 1, "updated": 1, "skipped": 0, "failed": 0})
    );
    let alice_detail = &done["details"][0];
    assert_eq!(alice_detail["index"], 0);
    assert_eq!(alice_detail["outcome"], "inserted");
    assert_eq!(
        alice_detail["record"]["password"],
        json!({"password_hash": "REDACTED", "type": "bcrypt"})
    );
    assert_eq!(
        alice_detail["warnings"],
        json!([{"message": "disabled = false has no effect in insert."}])
    );
    let bob_detail = &done["details"][1];
    assert_eq!(bob_detail["outcome"], "updated");
    assert!(bob_detail.get("warnings").is_none(), "{bob_detail}");
    assert!(done["completed_at"].is_string() && done.get("error").is_none());

    let alice = user_by_email(&server, "alice@example.com").await;
    assert_eq!(alice["standardAttributes"]["name"], "Alice Wong");
    assert_eq!(alice["standardAttributes"]["email_verified"], true);
    assert_eq!(alice["customAttributes"]["member_id"], "M-0001");
    assert_eq!(alice["roles"]["edges"][0]["node"]["key"], "staff");
    assert_eq!(alice["isDisabled"], false);
    let bob = user_by_email(&server, "bob@example.com").await;
    assert_eq!(bob["isDisabled"], true);
    assert!(
        bob["standardAttributes"].get("given_name").is_none(),
        "{bob}"
    );
    assert_eq!(bob["standardAttributes"]["phone_number"], "+85291234567");
    assert_eq!(bob["standardAttributes"]["phone_number_verified"], true);

    // The imported bcrypt hash signs Alice in (and Bob's was ignored).
    let app = server
        .oauth_client(keyward_store::ClientType::Spa, "http://localhost:3000/cb")
        .await;
    let pkce = keyward_test_support::signin::Pkce::new();
    let authorize = keyward_test_support::signin::authorize_url(&server.issuer(), &app, &pkce, &[]);
    let mut browser = server.browser();
    let page = browser
        .sign_in(&authorize, "alice@example.com", "password")
        .await;
    let location = page.location().unwrap_or_default();
    assert!(
        location.starts_with("http://localhost:3000/cb?code="),
        "{}",
        page.body
    );
    let lastlogin = user_by_email(&server, "alice@example.com").await;
    assert!(lastlogin["id"].is_string());

    // NDJSON export: Alice's line as the spec's example shows it.
    let (status, created) = post(&server, "export", &json!({"format": "ndjson"})).await;
    assert_eq!(status, 200, "{created}");
    assert_eq!(created["result"]["status"], "pending");
    assert_eq!(created["result"]["request"], json!({"format": "ndjson"}));
    assert!(created["result"].get("download_url").is_none());
    let id = created["result"]["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("userexport_") && id.len() == 43, "{id}");
    let done = finished(&server, "export", &id).await;
    let file = server
        .http
        .get(done["download_url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(file.status(), 200);
    assert_eq!(file.headers()["content-type"], "application/x-ndjson");
    let disposition = file.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        disposition.starts_with(&format!("attachment; filename={PROJECT}-{id}-")),
        "{disposition}"
    );
    let text = file.text().await.unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(text.ends_with('\n'));
    let alice_line = lines
        .iter()
        .find(|l| l.contains("alice@example.com"))
        .unwrap();
    let sub = alice_line.split('"').nth(3).unwrap();
    let created_at: Value =
        serde_json::from_str::<Value>(alice_line).unwrap()["created_at"].clone();
    let expected = format!(
        r#"{{"sub":"{sub}","email":"alice@example.com","email_verified":true,"phone_number_verified":false,"name":"Alice Wong","address":{{}},"custom_attributes":{{"member_id":"M-0001"}},"roles":["staff"],"created_at":{created_at},"disabled":false,"last_login_at":LAST,"is_anonymized":false,"identities":[{{"type":"login_id","login_id":{{"key":"email","type":"email","value":"alice@example.com","original_value":"alice@example.com"}},"claims":{{"email":"alice@example.com"}}}}],"mfa":{{}},"biometric_count":0,"passkey_count":0}}"#
    );
    let last = serde_json::from_str::<Value>(alice_line).unwrap()["last_login_at"].clone();
    assert!(
        last.is_string(),
        "the sign-in shows in the export: {alice_line}"
    );
    assert_eq!(*alice_line, expected.replace("LAST", &last.to_string()));

    // CSV export with the spec's fields.
    let fields = json!([{"pointer": "/sub", "field_name": "user_id"}, {"pointer": "/email"},
        {"pointer": "/email_verified"}, {"pointer": "/name"}, {"pointer": "/address/formatted"},
        {"pointer": "/roles"}, {"pointer": "/custom_attributes/member_id"}, {"pointer": "/identities"},
        {"pointer": "/mfa/emails"}, {"pointer": "/disabled"}, {"pointer": "/created_at"},
        {"pointer": "/biometric_count"}]);
    let (status, created) = post(
        &server,
        "export",
        &json!({"format": "csv", "csv": {"fields": fields}}),
    )
    .await;
    assert_eq!(status, 200, "{created}");
    assert_eq!(
        created["result"]["request"]["csv"]["fields"][0],
        json!({"pointer": "/sub", "field_name": "user_id"})
    );
    let done = finished(&server, "export", created["result"]["id"].as_str().unwrap()).await;
    let file = server
        .http
        .get(done["download_url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(file.headers()["content-type"], "text/csv");
    let text = file.text().await.unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "user_id,email,email_verified,name,address.formatted,roles,custom_attributes.member_id,identities,mfa.emails,disabled,created_at,biometric_count"
    );
    let row = lines.find(|l| l.contains("alice@example.com")).unwrap();
    let created_at = created_at.as_str().unwrap();
    assert_eq!(
        row,
        format!(
            r#"{sub},alice@example.com,true,Alice Wong,,"[""staff""]",M-0001,"[{{""claims"":{{""email"":""alice@example.com""}},""login_id"":{{""key"":""email"",""original_value"":""alice@example.com"",""type"":""email"",""value"":""alice@example.com""}},""type"":""login_id""}}]",,false,{created_at},0"#
        )
    );
}

async fn records_fail_one_by_one_with_their_reasons(backend: Backend) {
    let Some(server) = TestServer::spawn(backend).await else {
        return;
    };
    create_user(&server, "email", "taken@example.com", None).await;
    let done = import(
        &server,
        json!({"identifier": "email", "records": [
            {"email": "ok@example.com", "mfa": {"email": "ok@example.com", "totp": {"secret": "JBSWY3DPEHPK3PXP"}}},
            {"email": "nope"},
            {"email": "bad-hash@example.com", "password": {"type": "bcrypt", "password_hash": "$2a$99$/wLavnCmYGP/zzpw/mR1iOK5y5hGyrEFJtmaIbvFf9VA6l2O4NMKO"}},
            {"email": "bad-totp@example.com", "mfa": {"totp": {"secret": "not base32!"}}},
            {"email": "roles@example.com", "roles": ["ghost"]},
            {"email": "window@example.com", "account_valid_from": "2030-01-01T00:00:00Z", "account_valid_until": "2020-01-01T00:00:00Z"},
            {"email": "dup@example.com", "preferred_username": "ok-user", "phone_number": null},
            {"email": "dup2@example.com", "preferred_username": "OK-USER"},
            {"email": "taken@example.com", "name": "Skipped"},
            {"email": "secondpw@example.com", "mfa": {"password": {"type": "bcrypt", "password_hash": HASH}}}
        ]}),
    )
    .await;
    let details = done["details"].as_array().unwrap();
    let outcome = |i: usize| details[i]["outcome"].as_str().unwrap().to_owned();
    let reason = |i: usize| {
        details[i]["errors"][0]["reason"]
            .as_str()
            .unwrap_or("")
            .to_owned()
    };
    assert_eq!(outcome(0), "inserted", "{}", details[0]);
    assert_eq!(details[0]["record"]["mfa"]["totp"]["secret"], "REDACTED");
    assert_eq!(
        (outcome(1), reason(1)),
        ("failed".into(), "ValidationFailed".into())
    );
    assert_eq!(details[1]["errors"][0]["message"], "invalid value");
    assert_eq!(
        details[1]["errors"][0]["info"]["causes"][0]["location"],
        "/email"
    );
    assert!(details[1].get("user_id").is_none());
    assert_eq!(reason(2), "InvalidBcryptHash");
    assert_eq!(
        details[2]["errors"][0]["message"],
        "crypto/bcrypt: cost 99 is outside allowed inclusive range 4..31"
    );
    assert_eq!(details[2]["errors"][0]["code"], 400);
    assert_eq!(reason(3), "InvalidTOTPSecret");
    assert_eq!(reason(4), "RoleUnknownKeys");
    assert_eq!(details[4]["errors"][0]["info"]["keys"], json!(["ghost"]));
    assert_eq!(details[4]["errors"][0]["name"], "NotFound");
    assert_eq!(reason(5), "InvalidAccountStatusTransition");
    assert_eq!(outcome(6), "inserted");
    assert_eq!(
        details[6]["warnings"],
        json!([{"message": "phone_number = null has no effect in insert."}])
    );
    assert_eq!(reason(7), "InvariantViolated");
    assert_eq!(
        details[7]["errors"][0]["info"]["cause"]["kind"],
        "DuplicatedIdentity"
    );
    assert_eq!(outcome(8), "skipped");
    assert!(details[8]["user_id"].is_string());
    assert_eq!(
        details[8]["warnings"],
        json!([{"message": "skipping because upsert = false and user exists"}])
    );
    assert_eq!(outcome(9), "failed", "no secondary passwords in keyward");
    assert_eq!(
        done["summary"],
        json!({"total": 10, "inserted": 2, "updated": 0, "skipped": 1, "failed": 7})
    );
    // A failed record left nothing behind; the skipped user is untouched.
    for email in [
        "bad-hash@example.com",
        "roles@example.com",
        "dup2@example.com",
    ] {
        assert!(user_by_email(&server, email).await.is_null(), "{email}");
    }
    assert!(
        user_by_email(&server, "taken@example.com").await["standardAttributes"]
            .get("name")
            .is_none()
    );
    // The imported factors are there for the second step.
    let ok = user_by_email(&server, "ok@example.com").await;
    let factors = server
        .run(
            "query($id: ID!) { node(id: $id) { ... on User { secondaryTOTPAuthenticators { id } secondaryOOBOTPEmailAuthenticators { claims } } } }",
            json!({"id": ok["id"]}),
        )
        .await;
    assert_eq!(
        factors["data"]["node"]["secondaryTOTPAuthenticators"]
            .as_array()
            .unwrap()
            .len(),
        1,
        "{factors}"
    );
}

async fn endpoints_refuse_bad_requests_as_authgear_does(backend: Backend) {
    let Some(server) = TestServer::spawn(backend).await else {
        return;
    };
    let schema = |body: &Value| body["error"]["info"]["causes"].clone();
    let (status, body) = post(
        &server,
        "import",
        &json!({"identifier": "foo", "records": [{}]}),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["name"], "Invalid");
    assert_eq!(body["error"]["reason"], "ValidationFailed");
    assert_eq!(body["error"]["message"], "invalid request body");
    assert_eq!(
        schema(&body)[0],
        json!({"location": "/identifier", "kind": "enum", "details": {"actual": "foo", "expected": ["preferred_username", "email", "phone_number"]}})
    );
    let (status, body) = post(
        &server,
        "import",
        &json!({"users": [], "identifier": "email", "records": [{}]}),
    )
    .await;
    assert_eq!(
        (status, schema(&body)[0]["location"].clone()),
        (400, json!("/users"))
    );

    // Malformed JSON and the wrong content type.
    let response = server
        .http
        .post(url(&server, "import"))
        .bearer_auth(server.token())
        .header("content-type", "application/json")
        .body("{\"identifier\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["reason"], "InvalidJSON");
    // The input ends at byte 14 where a value should start.
    assert_eq!(body["error"]["info"]["byte_offset"], 14);
    let response = server
        .http
        .post(url(&server, "export"))
        .bearer_auth(server.token())
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);

    // Over 500,000 bytes: 413 with the limit, before the token is read.
    let big = json!({"identifier": "email", "records": [{"email": "a@example.com", "name": "x".repeat(500_000)}]});
    let response = server
        .http
        .post(url(&server, "import"))
        .json(&big)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["error"],
        json!({"name": "RequestEntityTooLarge", "reason": "JSONTooLarge", "message": "request body too large", "code": 413, "info": {"limit": 500000}})
    );

    // Unknown jobs.
    for kind in ["import", "export"] {
        let (status, body) = get(
            &server,
            &format!("{kind}/user{kind}_0000000000000000000000000000ZZZZ"),
        )
        .await;
        assert_eq!(status, 404);
        assert_eq!(
            body["error"],
            json!({"name": "NotFound", "reason": "TaskNotFound", "message": "task not found", "code": 404})
        );
    }

    // A bad token: the GraphQL endpoint's refusal, on every route.
    let graphql = server.query("not-a-token").await;
    let graphql_status = graphql.status();
    let graphql_body: Value = graphql.json().await.unwrap();
    for (method, path) in [
        ("POST", "import"),
        ("GET", "import/x"),
        ("POST", "export"),
        ("GET", "export/x"),
    ] {
        let request = match method {
            "POST" => server
                .http
                .post(url(&server, path))
                .json(&json!({"format": "csv"})),
            _ => server.http.get(url(&server, path)),
        };
        let response = request.bearer_auth("not-a-token").send().await.unwrap();
        assert_eq!(response.status(), graphql_status, "{path}");
        assert!(response.headers().contains_key("www-authenticate"));
        let body: Value = response.json().await.unwrap();
        assert_eq!(
            body["error"]["reason"], graphql_body["error"]["reason"],
            "{path}"
        );
    }

    // A read-only key may export but not import.
    let (key, pem) = server
        .store
        .add_generated_key(
            PROJECT,
            &keyward_test_support::keys::fixture_pair(1),
            "reader",
            keyward_store::KeyRole::ReadOnly,
            &keyward_test_support::master(),
        )
        .await
        .unwrap();
    let reader = keyward_test_support::signer_for(&key.kid, &pem)
        .token()
        .unwrap();
    let refused = server
        .http
        .post(url(&server, "import"))
        .bearer_auth(&reader)
        .json(&json!({"identifier": "email", "records": [{"email": "r@example.com"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["reason"], "ReadOnlyKey");
    let allowed = server
        .http
        .post(url(&server, "export"))
        .bearer_auth(&reader)
        .json(&json!({"format": "ndjson"}))
        .send()
        .await
        .unwrap();
    assert_eq!(allowed.status(), 200);

    // Export requests: format, pointers and unique names.
    let (status, body) = post(&server, "export", &json!({"format": "xml"})).await;
    assert_eq!(
        (status, schema(&body)[0]["location"].clone()),
        (400, json!("/format"))
    );
    let (status, body) = post(
        &server,
        "export",
        &json!({"format": "csv", "csv": {"fields": [{"pointer": "/email"}, {"pointer": "/sub", "field_name": "email"}]}}),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["reason"], "UserExportNonUniqueFieldNames");
    assert_eq!(
        body["error"]["info"]["field_names"],
        json!(["email", "email"])
    );

    // The host form answers too.
    let response = server
        .http
        .get(format!(
            "{}/_api/admin/users/import/userimport_X",
            server.url
        ))
        .header("host", format!("{PROJECT}.localhost"))
        .bearer_auth(server.token())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
}

async fn download_links_are_signed_and_expire(backend: Backend) {
    let Some(server) = TestServer::spawn(backend).await else {
        return;
    };
    create_user(&server, "email", "one@example.com", None).await;
    let (_, created) = post(&server, "export", &json!({"format": "ndjson"})).await;
    let done = finished(&server, "export", created["result"]["id"].as_str().unwrap()).await;
    let link = done["download_url"].as_str().unwrap().to_owned();
    assert!(
        server
            .http
            .get(&link)
            .send()
            .await
            .unwrap()
            .status()
            .is_success()
    );
    let tampered = link.replace("expires=", "expires=1");
    assert_eq!(
        server.http.get(&tampered).send().await.unwrap().status(),
        403
    );
    let unsigned = link.split('?').next().unwrap().to_owned();
    assert_eq!(
        server.http.get(&unsigned).send().await.unwrap().status(),
        403
    );
    let (status, again) = get(&server, &format!("export/{}", done["id"].as_str().unwrap())).await;
    assert_eq!(status, 200);
    assert!(again["result"]["download_url"].is_string());
}

/// A run that died half-way through a task (its transaction never
/// committed) leaves the task to the next server, which applies every
/// record exactly once.
async fn import_killed_mid_way_resumes(backend: Backend) {
    let Some(first) = TestServer::spawn(backend).await else {
        return;
    };
    let records: Vec<Value> = (0..250)
        .map(|i| json!({"email": format!("user{i}@example.com"), "name": format!("User {i}")}))
        .collect();
    // Stop the first server's workers: the job stays queued.
    let store = first.other_process().await;
    let mut first = first;
    if let Some(handle) = first.handle.take() {
        handle.shutdown().await.unwrap();
    }
    let job = keyward_store::ImportJob {
        id: "userimport_KILLEDMIDWAY000000000000000000000".into(),
        created_at: keyward_store::now_micros(),
        upsert: false,
        identifier: "email".into(),
        total: 250,
    };
    let tasks: Vec<String> = records
        .chunks(100)
        .map(|c| Value::Array(c.to_vec()).to_string())
        .collect();
    let queued = store
        .create_import(PROJECT, &job, &tasks, job.created_at + 3_600_000_000, 8)
        .await
        .unwrap();
    assert_eq!(queued, keyward_store::Enqueued::Yes);
    // The per-project limit counts unfinished imports: this one is.
    let other = keyward_store::ImportJob {
        id: "userimport_OVERTHELIMIT00000000000000000000".into(),
        ..job.clone()
    };
    assert_eq!(
        store
            .create_import(PROJECT, &other, &tasks, job.created_at + 1, 1)
            .await
            .unwrap(),
        keyward_store::Enqueued::TooMany(1)
    );
    // A run takes the first task, writes half of it, and dies.
    let task = store.claim_import_task().await.unwrap().unwrap();
    assert_eq!((task.seq, task.attempts), (0, 1));
    let mut tx = store.begin().await.unwrap();
    assert!(tx.lock_import_task(PROJECT, &job.id, 0).await.unwrap());
    let actor = keyward_accounts::Actor {
        project: PROJECT.into(),
        now: keyward_store::now_micros(),
        by: keyward_accounts::Initiator::System,
    };
    let options = keyward_accounts::import::Options {
        upsert: false,
        identifier: keyward_accounts::import::Identifier::Email,
        master: None,
    };
    for record in &records[..50] {
        let r = keyward_accounts::import::apply(&mut tx, &actor, options, record)
            .await
            .unwrap();
        assert_eq!(r.outcome, keyward_accounts::import::Outcome::Inserted);
    }
    drop(tx);

    let second = TestServer::spawn_replica(&first).await;
    let done = finished(&second, "import", &job.id).await;
    assert_eq!(
        done["summary"],
        json!({"total": 250, "inserted": 250, "updated": 0, "skipped": 0, "failed": 0})
    );
    let indexes: Vec<u64> = done["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["index"].as_u64().unwrap())
        .collect();
    assert_eq!(indexes, (0..250).collect::<Vec<u64>>());
    assert_eq!(keyward_test_support::user_count(&second.store).await, 250);

    // Kept 24 h: past its expiry a job is gone from the API and the store.
    let expired = keyward_store::ImportJob {
        id: "userimport_EXPIRED0000000000000000000000000".into(),
        ..job.clone()
    };
    let now = keyward_store::now_micros();
    let queued = second
        .store
        .create_import(PROJECT, &expired, &tasks[..1], now - 1, 8)
        .await
        .unwrap();
    assert_eq!(queued, keyward_store::Enqueued::Yes);
    let (status, body) = get(&second, &format!("import/{}", expired.id)).await;
    assert_eq!(
        (status, body["error"]["reason"].clone()),
        (404, json!("TaskNotFound"))
    );
    // (The server's own worker may purge it first.)
    assert!(second.store.purge_transfers(now).await.unwrap() <= 1);
    assert!(
        second
            .store
            .import_status(PROJECT, &expired.id, 0)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        second
            .store
            .import_status(PROJECT, &job.id, 0)
            .await
            .unwrap()
            .is_some()
    );
}

/// A task's records applied in bulk (`apply_batch`) give each record the
/// outcome, warnings and error that applying them one by one in order
/// gives, and leave the same users (login IDs, verified claims, attributes,
/// status, second factors, passwords, search terms): records drawn at
/// random from small pools of emails and phone numbers, so that records
/// repeat each other's login IDs, collide with existing users, fail, and
/// sometimes need the one-by-one path (second factors).
async fn batched_records_end_as_one_by_one(backend: Backend) {
    use keyward_accounts::import::{self, Identifier, Options};
    let Some(db) = keyward_test_support::TestDatabase::new(backend).await else {
        return;
    };
    let store = keyward_store::Store::open(&db.url, keyward_store::StoreOptions::default())
        .await
        .unwrap();
    // A small deterministic generator (xorshift): the same records on
    // every run, so a failure can be replayed.
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move |n: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % n
    };
    let mut records = Vec::new();
    for i in 0..400 {
        let mut r = serde_json::Map::new();
        let email = match next(12) {
            0 => json!("not an email"),
            k => json!(format!("user{}@Batch.example", k % 8 + i / 100 * 8)),
        };
        r.insert("email".into(), email);
        match next(4) {
            0 => {
                r.insert(
                    "phone_number".into(),
                    json!(format!("+1415555{:04}", next(6))),
                );
            }
            1 => {
                r.insert("phone_number".into(), Value::Null);
            }
            _ => {}
        }
        if next(3) == 0 {
            r.insert("email_verified".into(), json!(next(2) == 0));
        }
        if next(2) == 0 {
            r.insert("name".into(), json!(format!("Ädä {}", next(100))));
        }
        if next(5) == 0 {
            r.insert("disabled".into(), json!(next(2) == 0));
        }
        if next(6) == 0 {
            r.insert(
                "password".into(),
                json!({"type": "bcrypt", "password_hash": HASH}),
            );
        }
        if next(8) == 0 {
            r.insert("mfa".into(), json!({"email": "second@batch.example"}));
        }
        if next(10) == 0 {
            r.insert("account_valid_from".into(), json!("2030-01-01T00:00:00Z"));
            r.insert("account_valid_until".into(), json!("2020-01-01T00:00:00Z"));
        }
        records.push(Value::Object(r));
    }
    // Fresh records only: every one goes through the bulk path.
    let fresh: Vec<Value> = (0..100)
        .map(|i| json!({"email": format!("fresh{i}@batch.example"), "name": format!("Fresh {i}")}))
        .collect();
    for upsert in [false, true] {
        let (one, bulk) = (format!("one{upsert}"), format!("bulk{upsert}"));
        let mut outcomes: Vec<Vec<String>> = Vec::new();
        for (project, batched) in [(&one, false), (&bulk, true)] {
            store.create_project(project).await.unwrap();
            let actor = keyward_accounts::Actor {
                project: project.clone(),
                now: keyward_store::now_micros(),
                by: keyward_accounts::Initiator::System,
            };
            let options = Options {
                upsert,
                identifier: Identifier::Email,
                master: None,
            };
            let mut seen = Vec::new();
            for task in std::iter::once(&fresh[..]).chain(records.chunks(100)) {
                let mut tx = store.begin().await.unwrap();
                let results = if batched {
                    import::apply_batch(&mut tx, &actor, options, task)
                        .await
                        .unwrap()
                } else {
                    let mut results = Vec::new();
                    for record in task {
                        results.push(
                            import::apply(&mut tx, &actor, options, record)
                                .await
                                .unwrap(),
                        );
                    }
                    results
                };
                tx.commit().await.unwrap();
                for r in results {
                    seen.push(format!(
                        "{} {} {:?} {:?}",
                        r.outcome.as_str(),
                        r.user_id.is_some(),
                        r.warnings,
                        r.error.as_ref().map(|e| (e.reason(), e.to_string()))
                    ));
                }
            }
            outcomes.push(seen);
        }
        for (i, (a, b)) in outcomes[0].iter().zip(&outcomes[1]).enumerate() {
            assert_eq!(a, b, "upsert = {upsert}, record {i}");
        }
        let existing = if upsert { "updated" } else { "skipped" };
        for kind in ["inserted", existing, "failed"] {
            assert!(
                outcomes[0].iter().any(|o| o.starts_with(kind)),
                "upsert = {upsert}: no record was {kind}"
            );
        }
        // A phone number an earlier task's user holds: the store refused
        // the bulk write and the task went record by record.
        assert!(
            outcomes[0].iter().any(|o| o.contains("InvariantViolated")),
            "upsert = {upsert}: no record met a taken login ID"
        );
        let (a, b) = (state_of(&store, &one).await, state_of(&store, &bulk).await);
        assert_eq!(a.len(), b.len());
        for (a, b) in a.iter().zip(&b) {
            assert_eq!(a, b, "upsert = {upsert}");
        }
    }
}

/// An export spans pages that are read and rendered at once (several in
/// flight) and chunks of the file: every user comes out once, in creation
/// order, with its login ID, and the CSV says the same.
async fn an_export_of_many_pages_keeps_every_user_once_in_order(backend: Backend) {
    let Some(server) = TestServer::spawn(backend).await else {
        return;
    };
    // Over three pages of 1,000, and over one 1 MiB chunk of NDJSON.
    let count = 3_456u64;
    server.store.seed_users(PROJECT, 0, count).await.unwrap();
    let expected: Vec<(String, String)> = {
        let mut tx = server.store.begin_read().await.unwrap();
        let users = tx.export_page(PROJECT, None, 10_000, None).await.unwrap();
        users
            .into_iter()
            .map(|u| (u.user.id.clone(), u.identities[0].login_id.clone()))
            .collect()
    };
    assert_eq!(expected.len() as u64, count);
    let file = exported(&server, json!({"format": "ndjson"})).await;
    assert!(file.len() > 1 << 20, "one chunk only: {} bytes", file.len());
    let got: Vec<(String, String)> = std::str::from_utf8(&file)
        .unwrap()
        .lines()
        .map(|line| {
            let record: Value = serde_json::from_str(line).unwrap();
            (
                record["sub"].as_str().unwrap().to_owned(),
                record["email"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(
        got == expected,
        "the export is not every user once, in order"
    );

    let file = exported(
        &server,
        json!({"format": "csv", "csv": {"fields": [{"pointer": "/sub"}, {"pointer": "/email"}]}}),
    )
    .await;
    let text = String::from_utf8(file).unwrap();
    let rows: Vec<(String, String)> = text
        .lines()
        .skip(1)
        .map(|l| {
            let (sub, email) = l.split_once(',').unwrap();
            (sub.to_owned(), email.to_owned())
        })
        .collect();
    assert!(
        rows == expected,
        "the CSV export is not every user once, in order"
    );
}

/// Export with `request`, wait until it is written, download the file.
async fn exported(server: &TestServer, request: Value) -> Vec<u8> {
    let (_, created) = post(server, "export", &request).await;
    let done = finished(server, "export", created["result"]["id"].as_str().unwrap()).await;
    server
        .http
        .get(done["download_url"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .to_vec()
}

/// A project's users as comparable text (no IDs or times), sorted, with
/// what a prefix search finds.
async fn state_of(store: &keyward_store::Store, project: &str) -> Vec<String> {
    let mut tx = store.begin().await.unwrap();
    let users = tx.export_page(project, None, 10_000, None).await.unwrap();
    let mut out = Vec::new();
    for u in users {
        let mut logins: Vec<_> = u
            .identities
            .iter()
            .map(|i| {
                (
                    i.login_type.clone(),
                    i.login_id.clone(),
                    i.original_value.clone(),
                )
            })
            .collect();
        logins.sort();
        let mut verified = u.verified.clone();
        verified.sort();
        let factors: Vec<_> = u
            .authenticators
            .iter()
            .map(|(a, _)| (a.kind_of.clone(), a.target.clone()))
            .collect();
        let passwords: Vec<_> = tx
            .passwords_of(project, &u.user.id)
            .await
            .unwrap()
            .into_iter()
            .map(|p| p.password_hash)
            .collect();
        out.push(format!(
            "{logins:?} {verified:?} {:?} {:?} {} {:?} {:?} {factors:?} {passwords:?}",
            u.user.standard_attributes,
            u.user.custom_attributes,
            u.user.is_disabled,
            u.user.account_valid_from,
            u.user.account_valid_until,
        ));
    }
    for prefix in [
        "user1",
        "+1415555",
        "14155550003",
        "ädä 1",
        "fresh9",
        "fresh 1",
    ] {
        let filter = keyward_store::UserFilter {
            search: Some(prefix.into()),
            ..keyward_store::UserFilter::all(keyward_store::UserSort::CreatedAt)
        };
        let page = tx
            .list_users(
                project,
                &filter,
                &keyward_store::PageRequest {
                    after: None,
                    before: None,
                    limit: 1000,
                    from_end: false,
                    descending: false,
                },
            )
            .await
            .unwrap();
        out.push(format!("search {prefix}: {}", page.items.len()));
    }
    out.sort();
    out
}

/// A server that stops hands its job leases over: the next one (a replica,
/// or the same restarted) runs an export at once instead of waiting for
/// the old lease to expire (10 s).
async fn a_stopped_server_hands_its_job_leases_over(backend: Backend) {
    let Some(mut first) = TestServer::spawn(backend).await else {
        return;
    };
    // The first server takes the export lease on its first tick.
    let store = first.other_process().await;
    let held = keyward_test_support::within(Duration::from_secs(5), || {
        let store = store.clone();
        async move { store.lease("user_export").await.unwrap().is_some() }
    })
    .await;
    assert!(
        held.is_some(),
        "the first server never took the export lease"
    );
    first.handle.take().unwrap().shutdown().await.unwrap();

    let second = TestServer::spawn_replica(&first).await;
    let started = std::time::Instant::now();
    let (status, body) = post(&second, "export", &json!({"format": "ndjson"})).await;
    assert_eq!(status, 200, "{body}");
    let id = body["result"]["id"].as_str().unwrap().to_owned();
    finished(&second, "export", &id).await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "the export waited {:?} for the stopped server's lease",
        started.elapsed()
    );
}
