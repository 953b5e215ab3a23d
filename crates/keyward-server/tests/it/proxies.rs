//! Behind proxies: the client address comes from forwarding headers only
//! when the peer is a trusted proxy, and is then used by the failed-auth
//! limit and the audit log (the test client on 127.0.0.1 plays the proxy).
use keyward_server::Config;
use keyward_server::forwarded::TrustedProxies;
use keyward_server::limits::FailureLimit;
use serde_json::json;

use keyward_test_support::*;

fn config(trusted: &str) -> Config {
    Config {
        auth_failure_limit: Some(FailureLimit {
            per_second: 1,
            burst: 5,
        }),
        trusted_proxies: TrustedProxies::parse(trusted).unwrap(),
        ..Config::for_test()
    }
}

/// The status and reason of a query with `token` from `X-Forwarded-For: xff`.
async fn attempt(server: &TestServer, token: &str, xff: &str) -> (u16, String) {
    run_from(server, token, xff, "{ project { id } }").await
}

/// The status and reason of `query` with `token` from `X-Forwarded-For: xff`.
async fn run_from(server: &TestServer, token: &str, xff: &str, query: &str) -> (u16, String) {
    let response = server
        .http
        .post(server.endpoint())
        .bearer_auth(token)
        .header("x-forwarded-for", xff)
        .json(&json!({ "query": query }))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let body: serde_json::Value = response.json().await.unwrap();
    let reason = body["error"]["reason"].as_str().unwrap_or("ok").to_owned();
    (status, reason)
}

fn forged(server: &TestServer) -> String {
    forge(
        &server.pem,
        &format!(r#"{{"alg":"RS256","kid":"{}"}}"#, server.kid),
        r#"{"aud":["someone-else"],"exp":9999999999}"#,
    )
}

async fn flood(server: &TestServer, token: &str, xff: &str) {
    let mut limited = false;
    for _ in 0..20 {
        let (status, reason) = attempt(server, token, xff).await;
        if status == 429 {
            assert_eq!(reason, "too_many_failed_authentications");
            limited = true;
            break;
        }
        assert_eq!((status, reason.as_str()), (401, "invalid_audience"));
    }
    assert!(limited, "20 bad tokens from {xff} were never limited");
}

async fn a_trusted_proxy_names_the_client(backend: Backend) {
    let Some(server) = TestServer::spawn_with(backend, config("127.0.0.1/32")).await else {
        return;
    };
    let bad = forged(&server);
    // The client may prepend anything; the proxy appended the real address.
    flood(&server, &bad, "6.6.6.6, 198.51.100.1").await;
    // That address only is locked out: another client behind the same
    // proxy still gets its tokens checked.
    assert_eq!(
        attempt(&server, &bad, "198.51.100.2").await,
        (401, "invalid_audience".into())
    );
    assert_eq!(
        attempt(&server, &server.token(), "198.51.100.3").await,
        (200, "ok".into())
    );

    // The audit log records the client, not the proxy.
    let created = run_from(
        &server,
        &server.token(),
        "203.0.113.77",
        "mutation { createRole(input: {key: \"proxied\"}) { role { id } } }",
    )
    .await;
    assert_eq!(created, (200, "ok".into()));
    let body = server
        .run(
            "{ auditLogs(activityTypes: [ADMIN_API_MUTATION_CREATE_ROLE_EXECUTED]) { edges { node { ipAddress } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        body["data"]["auditLogs"]["edges"][0]["node"]["ipAddress"], "203.0.113.77",
        "{body}"
    );
}

async fn spoofed_forwarding_changes_nothing(backend: Backend) {
    // 10.0.0.0/8 is trusted, but the test client is 127.0.0.1: untrusted.
    let Some(server) = TestServer::spawn_with(backend, config("10.0.0.0/8")).await else {
        return;
    };
    let bad = forged(&server);
    flood(&server, &bad, "198.51.100.1").await;
    // A different forwarded address is the same client: still limited.
    assert_eq!(
        attempt(&server, &bad, "198.51.100.2").await,
        (429, "too_many_failed_authentications".into())
    );
}

/// The issuer of a project's sign-in follows the scheme and host a trusted
/// proxy forwards, and only those.
async fn the_issuer_follows_a_trusted_proxys_scheme_and_host(backend: Backend) {
    let discovery = |server: &TestServer| {
        server
            .http
            .get(format!("{}/.well-known/openid-configuration", server.url))
            .header("x-forwarded-host", "myapp.localhost:8443")
            .header("x-forwarded-proto", "https")
            .send()
    };
    let Some(behind) = TestServer::spawn_with(backend, config("127.0.0.1")).await else {
        return;
    };
    let response = discovery(&behind).await.unwrap();
    assert_eq!(response.status(), 200);
    let doc: serde_json::Value = response.json().await.unwrap();
    assert_eq!(doc["issuer"], "https://myapp.localhost:8443");
    assert_eq!(
        doc["token_endpoint"],
        "https://myapp.localhost:8443/oauth2/token"
    );
    // From an untrusted peer the same headers name no project: the request
    // is for 127.0.0.1, which is none.
    let Some(direct) = TestServer::spawn_with(backend, config("10.0.0.0/8")).await else {
        return;
    };
    let response = discovery(&direct).await.unwrap();
    assert_eq!(response.status(), 404);
}

on_sqlite!(
    a_trusted_proxy_names_the_client,
    spoofed_forwarding_changes_nothing,
    the_issuer_follows_a_trusted_proxys_scheme_and_host
);
