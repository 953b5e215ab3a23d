//! `AdminClient` against a scripted HTTP server on loopback: what it retries,
//! what it never retries, how it waits, and what errors it returns.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use keyward_client::{AdminClient, AdminError, RetryPolicy, TokenSigner};
use keyward_token::{GeneratedKeyPair, SigningKey};
use serde_json::{Value, json};

/// One scripted reply: status, optional Retry-After, body, delay.
#[derive(Clone)]
struct Reply {
    status: u16,
    retry_after: Option<&'static str>,
    body: Value,
    delay: Duration,
}

fn reply(status: u16, body: Value) -> Reply {
    Reply {
        status,
        retry_after: None,
        body,
        delay: Duration::ZERO,
    }
}

#[derive(Default)]
struct Script {
    replies: Mutex<VecDeque<Reply>>,
    seen: Mutex<Vec<(Option<String>, Value)>>,
}

async fn handle(State(script): State<Arc<Script>>, headers: HeaderMap, body: String) -> Response {
    let auth = headers
        .get("authorization")
        .map(|v| v.to_str().unwrap().to_owned());
    script
        .seen
        .lock()
        .unwrap()
        .push((auth, serde_json::from_str(&body).unwrap()));
    let next = script.replies.lock().unwrap().pop_front();
    let Some(r) = next else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "script exhausted").into_response();
    };
    tokio::time::sleep(r.delay).await;
    let mut response =
        (StatusCode::from_u16(r.status).unwrap(), axum::Json(r.body)).into_response();
    if let Some(v) = r.retry_after {
        response
            .headers_mut()
            .insert("retry-after", v.parse().unwrap());
    }
    response
}

async fn serve(replies: Vec<Reply>) -> (String, Arc<Script>) {
    let script = Arc::new(Script {
        replies: Mutex::new(replies.into()),
        ..Default::default()
    });
    let app = axum::Router::new()
        .route("/_api/admin/graphql", axum::routing::post(handle))
        .with_state(script.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), script)
}

fn signer() -> TokenSigner {
    static PEM: OnceLock<String> = OnceLock::new();
    let pem = PEM.get_or_init(|| {
        GeneratedKeyPair::generate(2048)
            .unwrap()
            .private_key_pem()
            .to_string()
    });
    TokenSigner::new(
        "myapp",
        "kid-1",
        SigningKey::parse(pem.as_bytes()).unwrap(),
        300,
    )
    .unwrap()
}

fn fast() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
        max_retry_after: Duration::from_secs(5),
    }
}

fn client(endpoint: &str) -> AdminClient {
    AdminClient::builder(endpoint, signer())
        .retry(fast())
        .timeout(Duration::from_millis(500))
        .build()
        .unwrap()
}

const QUERY: &str = "{ users(first: 1) { totalCount } }";
const MUTATION: &str = "mutation { deleteUser(input: {userID: \"x\"}) { deletedUserID } }";

fn unavailable() -> Reply {
    reply(
        503,
        json!({"error": {"reason": "unavailable", "message": "try again"}}),
    )
}

#[tokio::test]
async fn query_is_retried_through_503_with_one_token() {
    let (url, script) = serve(vec![
        unavailable(),
        reply(502, json!({})),
        reply(200, json!({"data": {"users": {"totalCount": 7}}})),
    ])
    .await;
    let c = client(&url);
    let data = c.query(QUERY, json!({"n": 1})).await.unwrap();
    assert_eq!(data["users"]["totalCount"], 7);
    let seen = script.seen.lock().unwrap();
    assert_eq!(seen.len(), 3);
    // The same cached token on every try, sent as a bearer token.
    assert!(seen[0].0.as_deref().unwrap().starts_with("Bearer eyJ"));
    assert!(seen.iter().all(|s| s.0 == seen[0].0));
    assert_eq!(c.signer().signatures(), 1);
    assert_eq!(
        seen[0].1,
        json!({"query": QUERY, "variables": {"n": 1}, "operationName": null})
    );
}

#[tokio::test]
async fn query_gives_up_after_max_attempts() {
    let (url, script) = serve(vec![
        unavailable(),
        unavailable(),
        unavailable(),
        unavailable(),
    ])
    .await;
    let e = client(&url).query(QUERY, Value::Null).await.unwrap_err();
    assert!(matches!(e, AdminError::Refused { status: 503, .. }), "{e}");
    assert_eq!(e.reason(), Some("unavailable"));
    assert_eq!(script.seen.lock().unwrap().len(), 3);
}

#[tokio::test]
async fn mutation_is_not_retried_after_503() {
    let (url, script) = serve(vec![unavailable(), reply(200, json!({"data": {}}))]).await;
    let e = client(&url).query(MUTATION, Value::Null).await.unwrap_err();
    assert!(matches!(e, AdminError::Refused { status: 503, .. }), "{e}");
    assert_eq!(script.seen.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn mutation_that_timed_out_is_not_retried_and_says_so() {
    let slow = Reply {
        delay: Duration::from_secs(2),
        ..reply(200, json!({"data": {}}))
    };
    let (url, script) = serve(vec![slow.clone(), slow]).await;
    let e = client(&url).query(MUTATION, Value::Null).await.unwrap_err();
    match &e {
        AdminError::Transport {
            attempts,
            may_have_applied,
            ..
        } => {
            assert_eq!(*attempts, 1);
            assert!(*may_have_applied);
        }
        other => panic!("expected a transport error, got {other}"),
    }
    assert!(e.to_string().contains("may have been applied"));
    assert_eq!(script.seen.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn query_that_timed_out_is_retried() {
    let slow = Reply {
        delay: Duration::from_secs(2),
        ..reply(200, json!({"data": {}}))
    };
    let (url, script) = serve(vec![slow, reply(200, json!({"data": {"ok": true}}))]).await;
    let data = client(&url).query(QUERY, Value::Null).await.unwrap();
    assert_eq!(data["ok"], true);
    assert_eq!(script.seen.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn rate_limited_mutation_waits_for_retry_after() {
    let limited = Reply {
        retry_after: Some("1"),
        ..reply(
            429,
            json!({"error": {"reason": "rate_limited", "message": "slow down"}}),
        )
    };
    let (url, script) = serve(vec![
        limited,
        reply(200, json!({"data": {"deleteUser": {"deletedUserID": "x"}}})),
    ])
    .await;
    let started = Instant::now();
    let data = client(&url).query(MUTATION, Value::Null).await.unwrap();
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_eq!(data["deleteUser"]["deletedUserID"], "x");
    assert_eq!(script.seen.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn long_retry_after_is_returned_not_waited() {
    let limited = Reply {
        retry_after: Some("3600"),
        ..reply(
            429,
            json!({"error": {"reason": "rate_limited", "message": "slow down"}}),
        )
    };
    let (url, script) = serve(vec![limited]).await;
    let started = Instant::now();
    let e = client(&url).query(QUERY, Value::Null).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(e.code(), "client.rate_limited");
    assert!(matches!(
        e,
        AdminError::Refused { retry_after: Some(d), .. } if d == Duration::from_secs(3600)
    ));
    assert_eq!(script.seen.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn refused_connections_are_retried_even_for_mutations() {
    // A port that was just free: nothing listens on it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let e = client(&format!("http://127.0.0.1:{port}"))
        .query(MUTATION, Value::Null)
        .await
        .unwrap_err();
    match e {
        AdminError::Transport {
            attempts,
            may_have_applied,
            ..
        } => {
            assert_eq!(attempts, 3);
            assert!(!may_have_applied);
        }
        other => panic!("expected a transport error, got {other}"),
    }
}

#[tokio::test]
async fn graphql_errors_keep_extensions_and_partial_data() {
    let (url, _) = serve(vec![reply(
        200,
        json!({"data": {"a": 1, "b": null}, "errors": [{"message": "user not found", "path": ["b"],
            "extensions": {"errorName": "NotFound", "reason": "UserNotFound", "info": {"id": "x"}}}]}),
    )])
    .await;
    match client(&url).query(QUERY, Value::Null).await.unwrap_err() {
        AdminError::GraphQL { errors, data } => {
            assert_eq!(data.unwrap()["a"], 1);
            assert_eq!(errors[0].reason(), Some("UserNotFound"));
            assert_eq!(errors[0].extensions.as_ref().unwrap()["info"]["id"], "x");
            assert_eq!(errors[0].path, Some(vec![json!("b")]));
        }
        other => panic!("expected GraphQL errors, got {other}"),
    }
}

#[tokio::test]
async fn non_object_variables_are_refused_before_sending() {
    let (url, script) = serve(vec![]).await;
    let e = client(&url).query(QUERY, json!([1])).await.unwrap_err();
    assert_eq!(e.code(), "client.config");
    assert!(script.seen.lock().unwrap().is_empty());
}
