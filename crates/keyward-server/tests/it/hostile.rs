//! Hostile input on the request path, one case per row of the table in
//! docs/reliability.md: each gets a 4xx (or a GraphQL error in a 200) with a
//! JSON reason, never a 5xx, a crash or a hang.
use keyward_test_support::*;

async fn raw(
    server: &TestServer,
    content_type: &str,
    body: impl Into<reqwest::Body>,
) -> (u16, serde_json::Value) {
    let response = server
        .post(Some(&server.token()), Some(content_type), body)
        .await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

async fn hostile_bodies_get_clear_answers(backend: Backend) {
    let Some(server) = TestServer::spawn(backend).await else {
        return;
    };
    let json = "application/json";

    // Invalid UTF-8 inside a JSON string, and as a GraphQL document.
    let mut bad = br#"{"query":"{ project { id } }","operationName":""#.to_vec();
    bad.extend_from_slice(&[0xff, 0xfe, b'"', b'}']);
    let (status, body) = raw(&server, json, bad).await;
    assert_eq!(
        (status, body["error"]["reason"].as_str()),
        (400, Some("bad_request")),
        "{body}"
    );
    let (status, body) = raw(&server, "application/graphql", vec![b'{', 0xc3, 0x28, b'}']).await;
    assert_eq!(status, 400, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("UTF-8"));

    // JSON nested 100 000 deep: the parser's recursion limit, not the stack.
    let deep = format!(
        r#"{{"query":"{{ project {{ id }} }}","variables":{{"x":{}{}}}}}"#,
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let (status, body) = raw(&server, json, deep).await;
    assert_eq!(
        (status, body["error"]["reason"].as_str()),
        (400, Some("bad_request")),
        "{body}"
    );

    // Huge variables within the body limit: 50 000 entries, unused.
    let vars: serde_json::Map<String, serde_json::Value> = (0..50_000)
        .map(|i| (format!("v{i}"), serde_json::json!(i)))
        .collect();
    let (status, body) = raw(
        &server,
        json,
        serde_json::json!({ "query": "{ project { id } }", "variables": vars }).to_string(),
    )
    .await;
    assert_eq!(
        (status, &body["data"]["project"]["id"]),
        (200, &serde_json::json!(PROJECT)),
        "{body}"
    );

    // A variable of the wrong type: a GraphQL error.
    let (status, body) = raw(
        &server,
        json,
        serde_json::json!({
            "query": "query($n: Int) { users(first: $n) { totalCount } }",
            "variables": { "n": "x".repeat(10_000) }
        })
        .to_string(),
    )
    .await;
    assert_eq!(status, 200);
    assert!(body["errors"][0]["message"].is_string(), "{body}");

    // Wrong JSON shapes.
    for shape in [
        "[]",
        "null",
        "42",
        r#"{"query":42}"#,
        r#"{"variables":{}}"#,
        r#"{"query":"{ project { id } }","variables":"{oops"}"#,
    ] {
        let (status, body) = raw(&server, json, shape).await;
        assert_eq!(status, 400, "{shape}: {body}");
    }

    // Too complex: 1200 fields in one selection.
    let fields = "id ".repeat(1200);
    let (status, body) = raw(
        &server,
        json,
        serde_json::json!({ "query": format!("{{ project {{ {fields} }} }}") }).to_string(),
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("too complex"),
        "{body}"
    );

    // Fragments that spread each other: a validation error, no recursion.
    let (status, body) = raw(
        &server,
        json,
        serde_json::json!({ "query": "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }" })
            .to_string(),
    )
    .await;
    assert_eq!(status, 200);
    assert!(body["errors"][0]["message"].is_string(), "{body}");

    // A document of 200 000 opening braces: a parse error, not a stack overflow.
    let (status, body) = raw(&server, "application/graphql", "{".repeat(200_000)).await;
    assert!(matches!(status, 200 | 400), "{status}: {body}");
    assert!(
        body["errors"].is_array() || body["error"].is_object(),
        "{body}"
    );
}

async fn hostile_headers_get_clear_answers(backend: Backend) {
    let Some(server) = TestServer::spawn(backend).await else {
        return;
    };
    // A 100 KiB bearer token: over the 8 KiB token rule.
    let response = server
        .http
        .post(server.endpoint())
        .header(
            "authorization",
            format!("Bearer {}", "a".repeat(100 * 1024)),
        )
        .header("content-type", "application/json")
        .body(r#"{"query":"{ project { id } }"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["reason"], "malformed_token");

    // 1 MiB of headers: hyper refuses before any handler runs.
    let response = server
        .http
        .post(server.endpoint())
        .header("x-filler", "a".repeat(1024 * 1024))
        .body("{}")
        .send()
        .await;
    if let Ok(response) = response {
        assert_eq!(response.status(), 431);
    } // else: the connection was closed while the client was still sending.

    // A project ID that is not a DNS label never reaches the store.
    let response = server
        .http
        .post(format!(
            "{}/projects/..%2F..%2Fetc/_api/admin/graphql",
            server.url
        ))
        .bearer_auth(server.token())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
}

on_sqlite!(
    hostile_bodies_get_clear_answers,
    hostile_headers_get_clear_answers,
);
