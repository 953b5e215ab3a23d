//! Routing, body handling, health and metrics.
use keyward_test_support::*;

async fn host_header_routes_to_project(backend: Backend) {
    let Some(server) = TestServer::spawn(backend).await else {
        return;
    };
    let port = server.handle.as_ref().unwrap().addr.port();
    let query = serde_json::json!({ "query": "{ project { id } }" });
    let response = server
        .http
        .post(format!("{}/_api/admin/graphql", server.url))
        .header("host", format!("{PROJECT}.localhost:{port}"))
        .bearer_auth(server.token())
        .json(&query)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(
        body,
        serde_json::json!({ "data": { "project": { "id": PROJECT } } })
    );

    // Unknown project by host or path: 404 before any token check.
    for (url, host) in [
        (
            format!("{}/_api/admin/graphql", server.url),
            format!("ghost.localhost:{port}"),
        ),
        (
            format!("{}/_api/admin/graphql", server.url),
            format!("localhost:{port}"),
        ),
        (
            format!("{}/projects/ghost/_api/admin/graphql", server.url),
            format!("localhost:{port}"),
        ),
        (
            format!("{}/projects/Bad_Id/_api/admin/graphql", server.url),
            format!("localhost:{port}"),
        ),
    ] {
        let response = server
            .http
            .post(&url)
            .header("host", host)
            .json(&query)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 404, "{url}");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error"]["reason"], "project_not_found");
    }
}

async fn body_limits_and_content_types(backend: Backend) {
    let Some(server) = TestServer::spawn(backend).await else {
        return;
    };
    let token = server.token();

    // Over 1 MiB: 413, with or without a token.
    let big = format!(
        r#"{{"query":"{{ project {{ id }} }}","x":"{}"}}"#,
        "a".repeat(1024 * 1024)
    );
    for auth in [Some(token.as_str()), None] {
        let response = server
            .post(auth, Some("application/json"), big.clone())
            .await;
        assert_eq!(response.status(), 413);
        // The unread rest of the body makes the connection unusable.
        assert_eq!(response.headers()["connection"], "close");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error"]["reason"], "payload_too_large");
    }

    // application/graphql, and JSON with any letter case and charset=utf-8.
    let query = r#"{"query":"{ project { id } }"}"#;
    for (content_type, body) in [
        ("application/graphql", "{ project { id } }"),
        ("Application/JSON; charset=UTF-8", query),
    ] {
        let response = server.post(Some(&token), Some(content_type), body).await;
        assert_eq!(outcome_of(response).await, "ok", "{content_type}");
    }

    // Variables and operationName.
    let (status, body) = server
        .graphql(
            &token,
            serde_json::json!({
                "query": "query A { __typename } query B($x: Boolean) { project @include(if: $x) { id } }",
                "operationName": "B",
                "variables": { "x": true }
            }),
        )
        .await;
    assert_eq!(
        (status, &body["data"]["project"]["id"]),
        (200, &serde_json::json!(PROJECT))
    );

    // Missing or other media types and charsets: 415, after auth (as Authgear).
    for content_type in [
        None,
        Some("text/plain"),
        Some("application/json; charset=latin1"),
    ] {
        let response = server.post(Some(&token), content_type, query).await;
        assert_eq!(response.status(), 415, "{content_type:?}");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error"]["reason"], "unsupported_media_type");
    }
    let response = server.post(None, Some("text/plain"), query).await;
    assert_eq!(response.status(), 401);

    // Broken JSON: 400.
    let response = server
        .post(Some(&token), Some("application/json"), "{not json")
        .await;
    assert_eq!(response.status(), 400);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["reason"], "bad_request");

    // GET is not the API.
    let response = server.http.get(server.endpoint()).send().await.unwrap();
    assert_eq!(response.status(), 405);
}

async fn graphql_limits_and_errors_are_not_500(backend: Backend) {
    let Some(server) = TestServer::spawn(backend).await else {
        return;
    };
    let token = server.token();
    let (status, body) = server
        .graphql(
            &token,
            serde_json::json!({ "query": "{ __typename project { __typename id } }" }),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["data"]["project"]["__typename"], "Project", "{body}");

    // Nested deeper than the limit via introspection.
    let mut q = String::from("__typename");
    for _ in 0..20 {
        q = format!("ofType {{ {q} }}");
    }
    let query = format!("{{ __type(name: \"Project\") {{ fields {{ type {{ {q} }} }} }} }}");
    let (status, body) = server
        .graphql(&token, serde_json::json!({ "query": query }))
        .await;
    assert_eq!(status, 200);
    let message = body["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("nested too deep"), "{body}");

    // An unknown field is a GraphQL error, not an HTTP failure.
    let (status, body) = server
        .graphql(&token, serde_json::json!({ "query": "{ nope }" }))
        .await;
    assert_eq!(status, 200);
    assert!(body["errors"][0]["message"].is_string(), "{body}");
}

async fn health_ready_metrics(backend: Backend) {
    let Some(server) = TestServer::spawn(backend).await else {
        return;
    };
    let get = |path: &str| server.http.get(format!("{}{path}", server.url)).send();
    let r = get("/healthz").await.unwrap();
    assert_eq!(r.status(), 200);
    let r = get("/readyz").await.unwrap();
    assert_eq!(r.status(), 200);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["database"], "ok");
    assert_eq!(body["backend"], server.store.backend_name());
    assert_eq!(server.outcome(&server.token()).await, "ok");
    let metrics = server.metrics().await;
    for needle in [
        r#"keyward_http_requests_total{status="200"}"#,
        "keyward_token_cache_misses_total 1",
        "keyward_http_request_duration_seconds_bucket",
        r#"keyward_auth_failures_total{reason="lifetime_too_long"} 0"#,
    ] {
        assert!(metrics.contains(needle), "missing {needle} in\n{metrics}");
    }
    let r = get("/nope").await.unwrap();
    assert_eq!(r.status(), 404);

    // Readiness follows the store, and a store outage is a 503, not a 500.
    server.store.create_project("otherapp").await.unwrap();
    server.store.close().await;
    let r = get("/readyz").await.unwrap();
    assert_eq!(r.status(), 503);
    let r = server
        .http
        .post(format!(
            "{}/projects/otherapp/_api/admin/graphql",
            server.url
        ))
        .bearer_auth(server.token())
        .json(&serde_json::json!({ "query": "{ project { id } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 503);
    assert_eq!(r.headers()["retry-after"], "1");
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["reason"], "unavailable");
}

async fn shutdown_finishes_requests_in_flight(backend: Backend) {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    let Some(mut server) = TestServer::spawn(backend).await else {
        return;
    };
    let handle = server.handle.take().unwrap();
    let addr = handle.addr;
    let body = br#"{"query":"{ project { id } }"}"#;
    let head = format!(
        "POST /projects/{PROJECT}/_api/admin/graphql HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        server.token(),
        body.len()
    );
    // Start a request and send only half of its body.
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&body[..10]).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;

    // Ask the server to stop while that request is in flight.
    let stopping = tokio::spawn(handle.shutdown());
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert!(
        !stopping.is_finished(),
        "shutdown did not wait for the request in flight"
    );
    // New connections are no longer accepted.
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());

    // The request completes normally, then the server is gone.
    stream.write_all(&body[10..]).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(
        response.contains(r#"{"data":{"project":{"id":"myapp"}}}"#),
        "{response}"
    );
    tokio::time::timeout(std::time::Duration::from_secs(5), stopping)
        .await
        .expect("shutdown finished")
        .unwrap()
        .unwrap();
}

on_each_backend!(health_ready_metrics,);

on_sqlite!(
    host_header_routes_to_project,
    body_limits_and_content_types,
    graphql_limits_and_errors_are_not_500,
    shutdown_finishes_requests_in_flight,
);
