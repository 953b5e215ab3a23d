//! Every refusal reason, over HTTP: status, challenge header and JSON body.
use keyward_test_support::*;

fn header(kid: &str) -> String {
    format!(r#"{{"alg":"RS256","kid":"{kid}","typ":"JWT"}}"#)
}

fn claims(aud: &str, iat: u64, exp: u64) -> String {
    format!(r#"{{"aud":["{aud}"],"iat":{iat},"exp":{exp}}}"#)
}

async fn every_reason_is_a_401_with_challenge(backend: Backend) {
    let Some(server) = TestServer::spawn(backend).await else {
        return;
    };
    let now = now();
    let pem = &server.pem;
    let kid = server.kid.as_str();
    let other = keyward_test_support::fixture_pair(1);
    let other_pem = other.private_key_pem().to_string();

    let cases: Vec<(&str, String)> = vec![
        ("malformed_token", "not-a-token".into()),
        ("malformed_token", forge(pem, &header(kid), "[]")),
        (
            "unsupported_algorithm",
            forge(
                pem,
                &format!(r#"{{"alg":"RS512","kid":"{kid}"}}"#),
                &claims(PROJECT, now, now + 60),
            ),
        ),
        (
            "forbidden_header",
            forge(
                pem,
                &format!(r#"{{"alg":"RS256","kid":"{kid}","jku":"http://127.0.0.1:1/"}}"#),
                &claims(PROJECT, now, now + 60),
            ),
        ),
        (
            "unknown_key",
            forge(pem, &header("nope"), &claims(PROJECT, now, now + 60)),
        ),
        (
            "invalid_signature",
            forge(&other_pem, &header(kid), &claims(PROJECT, now, now + 60)),
        ),
        (
            "invalid_audience",
            forge(pem, &header(kid), &claims("otherapp", now, now + 60)),
        ),
        (
            "token_expired",
            forge(pem, &header(kid), &claims(PROJECT, now - 600, now - 300)),
        ),
        (
            "token_not_yet_valid",
            forge(
                pem,
                &header(kid),
                &format!(
                    r#"{{"aud":"{PROJECT}","exp":{},"nbf":{}}}"#,
                    now + 600,
                    now + 300
                ),
            ),
        ),
        (
            "issued_in_future",
            forge(pem, &header(kid), &claims(PROJECT, now + 300, now + 600)),
        ),
        (
            "lifetime_too_long",
            forge(pem, &header(kid), &claims(PROJECT, now, now + 7200)),
        ),
    ];
    for (expected, token) in cases {
        let response = server.query(&token).await;
        assert_eq!(response.status(), 401, "{expected}");
        let challenge = response.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            challenge.starts_with(
                r#"Bearer realm="keyward", error="invalid_token", error_description=""#
            ),
            "{challenge}"
        );
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error"]["reason"], expected, "{body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );
    }
    let metrics = server.metrics().await;
    assert!(
        metrics.contains(r#"keyward_auth_failures_total{reason="token_expired"} 1"#),
        "{metrics}"
    );
    assert!(
        metrics.contains(r#"keyward_auth_failures_total{reason="malformed_token"} 2"#),
        "{metrics}"
    );
}

/// POST `{ project { id } }` with these `Authorization` header values.
async fn with_authorization(
    server: &TestServer,
    values: &[&str],
) -> reqwest::Result<reqwest::Response> {
    let mut request = server
        .http
        .post(server.endpoint())
        .json(&serde_json::json!({ "query": "{ project { id } }" }));
    for value in values {
        request = request.header("authorization", *value);
    }
    request.send().await
}

async fn missing_or_non_bearer_credentials(backend: Backend) {
    let Some(server) = TestServer::spawn(backend).await else {
        return;
    };
    let response = with_authorization(&server, &[]).await.unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(
        response.headers()["www-authenticate"],
        r#"Bearer realm="keyward""#
    );
    let json: serde_json::Value = response.json().await.unwrap();
    assert_eq!(json["error"]["reason"], "missing_credentials");

    let bearer = format!("Bearer {}", server.token());
    let lowercase = format!("bearer {}", server.token());
    for (values, expected) in [
        (vec!["Basic dXNlcjpwYXNz"], "missing_credentials"),
        // The scheme is case-insensitive.
        (vec![lowercase.as_str()], "ok"),
        // Two Authorization headers are refused.
        (vec![bearer.as_str(), bearer.as_str()], "malformed_token"),
    ] {
        let response = with_authorization(&server, &values).await.unwrap();
        assert_eq!(outcome_of(response).await, expected, "{values:?}");
    }
}

async fn token_for_one_project_is_refused_by_another(backend: Backend) {
    let Some(server) = TestServer::spawn(backend).await else {
        return;
    };
    server.store.create_project("otherapp").await.unwrap();
    let token = server.token();
    let response = server
        .http
        .post(format!(
            "{}/projects/otherapp/_api/admin/graphql",
            server.url
        ))
        .bearer_auth(&token)
        .json(&serde_json::json!({ "query": "{ project { id } }" }))
        .send()
        .await
        .unwrap();
    // otherapp has no key with this kid, and the audience is wrong anyway.
    assert_eq!(response.status(), 401);
}

async fn hostile_tokens_never_500(backend: Backend) {
    let Some(server) = TestServer::spawn(backend).await else {
        return;
    };
    let long = "a".repeat(9000);
    let inputs = [
        "",
        ".",
        "..",
        "...",
        "a.b.c",
        "e30.e30.",
        "e30.e30.e30",
        &long,
        "eyJhbGciOiJub25lIn0.e30.",
        "\u{7f}",
        "Bearer x",
    ];
    for token in inputs {
        let value = format!("Bearer {token}");
        // reqwest refuses some header bytes itself; those never reach the server.
        let Ok(response) = with_authorization(&server, &[&value]).await else {
            continue;
        };
        assert_eq!(response.status(), 401, "{token:?}");
    }
}

on_sqlite!(
    every_reason_is_a_401_with_challenge,
    missing_or_non_bearer_credentials,
    token_for_one_project_is_refused_by_another,
    hostile_tokens_never_500,
);
