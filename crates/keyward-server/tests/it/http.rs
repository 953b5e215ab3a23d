//! Routing, body handling, health and metrics.
use crate::helpers::*;

#[tokio::test]
async fn host_header_routes_to_project() {
    let server = TestServer::spawn().await;
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

#[tokio::test]
async fn body_limits_and_content_types() {
    let server = TestServer::spawn().await;
    let token = server.token();

    // Over 1 MiB: 413, with or without a token.
    let big = format!(
        r#"{{"query":"{{ project {{ id }} }}","x":"{}"}}"#,
        "a".repeat(1024 * 1024)
    );
    for auth in [Some(token.as_str()), None] {
        let mut request = server
            .http
            .post(server.endpoint())
            .header("content-type", "application/json")
            .body(big.clone());
        if let Some(t) = auth {
            request = request.bearer_auth(t);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 413);
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error"]["reason"], "payload_too_large");
    }

    // application/graphql
    let response = server
        .http
        .post(server.endpoint())
        .bearer_auth(&token)
        .header("content-type", "application/graphql")
        .body("{ project { id } }")
        .send()
        .await
        .unwrap();
    assert_eq!(outcome_of(response).await, "ok");

    // Variables and operationName
    let response = server
        .http
        .post(server.endpoint())
        .bearer_auth(&token)
        .json(&serde_json::json!({
            "query": "query A { __typename } query B { project { id } }",
            "operationName": "B",
            "variables": {}
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(outcome_of(response).await, "ok");

    // Wrong media type, broken JSON.
    let response = server
        .http
        .post(server.endpoint())
        .bearer_auth(&token)
        .header("content-type", "text/plain")
        .body("{ project { id } }")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 415);
    let response = server
        .http
        .post(server.endpoint())
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["reason"], "bad_request");

    // GET is not the API.
    let response = server.http.get(server.endpoint()).send().await.unwrap();
    assert_eq!(response.status(), 405);
}

#[tokio::test]
async fn graphql_limits_and_errors_are_not_500() {
    let server = TestServer::spawn().await;
    let token = server.token();
    let response = server
        .http
        .post(server.endpoint())
        .bearer_auth(&token)
        .json(&serde_json::json!({ "query": "{ __typename project { __typename id } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["data"]["project"]["__typename"], "Project", "{body}");

    // Nested deeper than the limit via introspection.
    let mut q = String::from("__typename");
    for _ in 0..20 {
        q = format!("ofType {{ {q} }}");
    }
    let query = format!("{{ __type(name: \"Project\") {{ fields {{ type {{ {q} }} }} }} }}");
    let response = server
        .http
        .post(server.endpoint())
        .bearer_auth(&token)
        .json(&serde_json::json!({ "query": query }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    let message = body["errors"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(message.contains("nested too deep"), "{body}");

    let response = server
        .http
        .post(server.endpoint())
        .bearer_auth(&token)
        .json(&serde_json::json!({ "query": "{ nope }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(body["errors"][0]["message"].is_string(), "{body}");
}

#[tokio::test]
async fn health_ready_metrics() {
    let server = TestServer::spawn().await;
    let get = |path: &str| server.http.get(format!("{}{path}", server.url)).send();
    let r = get("/healthz").await.unwrap();
    assert_eq!(r.status(), 200);
    let r = get("/readyz").await.unwrap();
    assert_eq!(r.status(), 200);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["database"], "ok");
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

    // Readiness follows the store.
    server.store.close().await;
    let r = get("/readyz").await.unwrap();
    assert_eq!(r.status(), 503);
}

#[tokio::test]
async fn shutdown_is_graceful() {
    let mut server = TestServer::spawn().await;
    assert_eq!(server.outcome(&server.token()).await, "ok");
    let handle = server.handle.take().unwrap();
    let addr = handle.addr;
    handle.shutdown().await.unwrap();
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}

#[test]
fn committed_schema_matches_code() {
    let sdl = keyward_server::graphql::schema(&keyward_server::Config::default()).sdl();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql");
    if std::env::var_os("KEYWARD_UPDATE_SCHEMA").is_some() {
        std::fs::write(path, &sdl).unwrap();
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert_eq!(
        committed, sdl,
        "schema.graphql is stale: run KEYWARD_UPDATE_SCHEMA=1 cargo test -p keyward-server"
    );
}
