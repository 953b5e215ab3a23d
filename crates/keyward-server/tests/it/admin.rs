//! Request-wide rules of the Admin API: one request is one transaction, the
//! mutation-field limit, read-only keys, concurrent duplicates, the audit
//! log, and the transport details Authgear clients rely on.

use serde_json::{Value, json};

use crate::api::{assert_error, create_user};
use keyward_test_support::{Backend, PROJECT, TestServer, forge, master, now, signer_for};

on_each_backend!(
    failed_request_rolls_back_every_write,
    concurrent_duplicates_yield_one_user,
    audit_log_records_mutations_and_keys,
);

on_sqlite!(
    mutation_field_limit,
    read_only_keys_cannot_write,
    transport_compatibility,
);

async fn count_users(server: &TestServer) -> i64 {
    server.run("{ users { totalCount } }", json!({})).await["data"]["users"]["totalCount"]
        .as_i64()
        .unwrap()
}

async fn failed_request_rolls_back_every_write(backend: Backend) {
    let Some(server) = TestServer::spawn(backend).await else {
        return;
    };
    create_user(&server, "email", "taken@example.com", None).await;
    let body = server
        .run(
            "mutation {
               a: createUser(input: {definition: {loginID: {key: \"email\", value: \"fresh@example.com\"}}}) { user { id } }
               r: createRole(input: {key: \"temp\"}) { role { id } }
               b: createUser(input: {definition: {loginID: {key: \"email\", value: \"taken@example.com\"}}}) { user { id } }
             }",
            json!({}),
        )
        .await;
    assert_error(&body, "Invalid", "InvariantViolated");
    assert_eq!(body["data"], Value::Null);
    // Neither the first user nor the role survived, nor their audit entries.
    assert_eq!(count_users(&server).await, 1);
    let body = server
        .run(
            "{ roles { totalCount } auditLogs { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(body["data"]["roles"]["totalCount"], 0, "{body}");
    assert_eq!(body["data"]["auditLogs"]["totalCount"], 1);
    let body = server.run("{ getUserByLoginID(loginIDKey: \"email\", loginIDValue: \"fresh@example.com\") { id } }", json!({})).await;
    assert_eq!(body["data"]["getUserByLoginID"], Value::Null);

    // The refusal first: the later mutations still run on a usable
    // transaction (PostgreSQL aborts one on a failed statement unless it is
    // guarded) and report their own results; nothing is kept.
    let (status, body) = server
        .graphql(
            &server.token(),
            json!({"query": "mutation {
               a: createUser(input: {definition: {loginID: {key: \"email\", value: \"taken@example.com\"}}}) { user { id } }
               r: createRole(input: {key: \"later\"}) { role { id } }
               d: createRole(input: {key: \"later\"}) { role { id } }
             }"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let reasons: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["extensions"]["reason"].as_str().unwrap())
        .collect();
    assert_eq!(reasons, ["InvariantViolated", "RoleDuplicateKey"], "{body}");
    let body = server.run("{ roles { totalCount } }", json!({})).await;
    assert_eq!(body["data"]["roles"]["totalCount"], 0);
}

async fn mutation_field_limit(backend: Backend) {
    let Some(server) = TestServer::spawn(backend).await else {
        return;
    };
    let field =
        |i: usize| format!("r{i}: createRole(input: {{key: \"role{i}\"}}) {{ role {{ id }} }}");
    let five: String = (0..5).map(field).collect::<Vec<_>>().join("\n");
    let body = server
        .run(&format!("mutation {{ {five} }}"), json!({}))
        .await;
    assert!(body.get("errors").is_none(), "{body}");

    // Six, two of them through fragments: 400 with Authgear's body.
    let query = format!(
        "mutation {{ {} ...F ... on Mutation {{ {} }} }} fragment F on Mutation {{ {} }}",
        (5..9).map(field).collect::<Vec<_>>().join("\n"),
        field(9),
        field(10)
    );
    let (status, body) = server
        .graphql(&server.token(), json!({"query": query}))
        .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["reason"], "BadRequest");
    assert_eq!(body["error"]["name"], "BadRequest");
    assert_eq!(
        body["error"]["message"],
        "too many mutation fields in one request: got 6, limit is 5"
    );
    let body = server.run("{ roles { totalCount } }", json!({})).await;
    assert_eq!(body["data"]["roles"]["totalCount"], 5);
}

async fn read_only_keys_cannot_write(backend: Backend) {
    let Some(server) = TestServer::spawn(backend).await else {
        return;
    };
    create_user(&server, "email", "seen@example.com", None).await;
    let (key, pem) = server
        .store
        .add_generated_key(
            PROJECT,
            &keyward_test_support::fixture_pair(1),
            "reporting",
            keyward_store::KeyRole::ReadOnly,
            &master(),
        )
        .await
        .unwrap();
    let token = signer_for(&key.kid, &pem).token().unwrap();
    let body = server
        .run_as(
            &token,
            "{ users { totalCount } project { keyId } }",
            json!({}),
        )
        .await;
    assert_eq!(body["data"]["users"]["totalCount"], 1, "{body}");
    assert_eq!(body["data"]["project"]["keyId"], key.kid);
    for mutation in [
        "mutation { createRole(input: {key: \"sneaky\"}) { role { id } } }",
        "mutation M { createUser(input: {definition: {loginID: {key: \"email\", value: \"x@example.com\"}}}) { user { id } } }",
    ] {
        let body = server.run_as(&token, mutation, json!({})).await;
        assert_error(&body, "Forbidden", "ReadOnlyKey");
        assert_eq!(body["data"], Value::Null);
    }
    let body = server
        .run("{ roles { totalCount } users { totalCount } }", json!({}))
        .await;
    assert_eq!(
        (
            body["data"]["roles"]["totalCount"].clone(),
            body["data"]["users"]["totalCount"].clone()
        ),
        (json!(0), json!(1))
    );
}

async fn concurrent_duplicates_yield_one_user(backend: Backend) {
    let Some(server) = TestServer::spawn(backend).await else {
        return;
    };
    let server = std::sync::Arc::new(server);
    let token = server.token();
    let mut tasks = Vec::new();
    for i in 0..12 {
        let (server, token) = (server.clone(), token.clone());
        // Differently written, the same login ID.
        let value = if i % 2 == 0 {
            "Race@Example.com"
        } else {
            "race@EXAMPLE.com"
        };
        tasks.push(tokio::spawn(async move {
            server
                .run_as(&token, "mutation($v: String!) { createUser(input: {definition: {loginID: {key: \"email\", value: $v}}}) { user { id } } }", json!({"v": value}))
                .await
        }));
    }
    let mut created = 0;
    for task in tasks {
        let body = task.await.unwrap();
        if body.get("errors").is_none() {
            created += 1;
        } else {
            let ext = &body["errors"][0]["extensions"];
            assert_eq!(ext["info"]["cause"]["kind"], "DuplicatedIdentity", "{body}");
        }
    }
    assert_eq!(created, 1);
    assert_eq!(count_users(&server).await, 1);
}

async fn audit_log_records_mutations_and_keys(backend: Backend) {
    let Some(server) = TestServer::spawn(backend).await else {
        return;
    };
    let claims = json!({"aud": [PROJECT], "iat": now(), "exp": now() + 300, "audit_context": {"operator": "ops@example.com"}});
    let header = json!({"alg": "RS256", "typ": "JWT", "kid": server.kid});
    let token = forge(&server.pem, &header.to_string(), &claims.to_string());
    let body = server
        .run_as(&token, "mutation { createUser(input: {definition: {loginID: {key: \"email\", value: \"audited@example.com\"}}, password: \"secret-password\"}) { user { id } } }", json!({}))
        .await;
    let user_id = body["data"]["createUser"]["user"]["id"].clone();
    server
        .run(
            "mutation { createRole(input: {key: \"auditor\"}) { role { id } } }",
            json!({}),
        )
        .await;

    let body = server
        .run("{ auditLogs(sortDirection: ASC) { totalCount edges { node { id activityType createdAt data user { id } } } } }", json!({}))
        .await;
    let logs = &body["data"]["auditLogs"];
    assert_eq!(logs["totalCount"], 2, "{body}");
    let first = &logs["edges"][0]["node"];
    assert_eq!(
        first["activityType"],
        "ADMIN_API_MUTATION_CREATE_USER_EXECUTED"
    );
    assert_eq!(first["user"]["id"], user_id);
    assert_eq!(
        first["data"]["type"],
        "admin_api.mutation.create_user.executed"
    );
    assert_eq!(first["data"]["context"]["key_id"], server.kid);
    assert_eq!(
        first["data"]["context"]["audit_context"],
        json!({"operator": "ops@example.com"})
    );
    // Never the password.
    assert!(!first["data"].to_string().contains("secret-password"));
    assert_eq!(
        logs["edges"][1]["node"]["activityType"],
        "ADMIN_API_MUTATION_CREATE_ROLE_EXECUTED"
    );
    assert_eq!(
        logs["edges"][1]["node"]["data"]["context"]["audit_context"],
        Value::Null
    );

    // Filters, and the node.
    let body = server
        .run("query($u: [ID!]) { byType: auditLogs(activityTypes: [ADMIN_API_MUTATION_CREATE_ROLE_EXECUTED]) { totalCount } byUser: auditLogs(userIDs: $u) { totalCount edges { node { id } } } byEmail: auditLogs(emailAddresses: [\"AUDITED@example.com\"]) { totalCount } future: auditLogs(rangeFrom: \"2999-01-01T00:00:00Z\") { totalCount } }", json!({"u": [user_id]}))
        .await;
    let d = &body["data"];
    assert_eq!(
        (
            d["byType"]["totalCount"].clone(),
            d["byUser"]["totalCount"].clone(),
            d["byEmail"]["totalCount"].clone(),
            d["future"]["totalCount"].clone()
        ),
        (json!(1), json!(1), json!(1), json!(0)),
        "{body}"
    );
    let log_id = d["byUser"]["edges"][0]["node"]["id"].clone();
    let body = server
        .run(
            "query($id: ID!) { node(id: $id) { __typename ... on AuditLog { activityType } } }",
            json!({"id": log_id}),
        )
        .await;
    assert_eq!(body["data"]["node"]["__typename"], "AuditLog");
    let body = server
        .run(
            "{ auditLogs(userIDs: [\"bad\"]) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(body["errors"][0]["message"], "invalid user IDs");

    // A token whose audit_context is not an object is refused.
    let claims =
        json!({"aud": [PROJECT], "iat": now(), "exp": now() + 300, "audit_context": "text"});
    let bad = forge(&server.pem, &header.to_string(), &claims.to_string());
    assert_eq!(server.outcome(&bad).await, "malformed_token");
}

async fn transport_compatibility(backend: Backend) {
    let Some(server) = TestServer::spawn(backend).await else {
        return;
    };
    create_user(&server, "email", "t@example.com", None).await;
    // `variables` as a JSON string, as Authgear accepts.
    let (status, body) = server
        .graphql(&server.token(), json!({"query": "query($k: String!) { getUserByLoginID(loginIDKey: \"email\", loginIDValue: $k) { id } }", "variables": "{\"k\": \"t@example.com\"}"}))
        .await;
    assert_eq!(status, 200);
    assert!(body["data"]["getUserByLoginID"]["id"].is_string(), "{body}");
    // No `errors` key on success.
    assert!(body.get("errors").is_none());

    // /graphql is the same handler (project from the Host header).
    let response = server
        .http
        .post(format!("{}/graphql", server.url))
        .header("host", format!("{PROJECT}.localhost"))
        .bearer_auth(server.token())
        .json(&json!({"query": "{ users { totalCount } }"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["data"]["users"]["totalCount"], 1, "{body}");
}
