//! Slow and greedy clients: slow headers (slowloris), slow bodies, the
//! connection cap, the request timeout and the alias limit.
use std::time::{Duration, Instant};

use keyward_server::Config;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use keyward_test_support::*;

fn quick_timeouts() -> Config {
    Config {
        header_read_timeout: Duration::from_secs(1),
        body_read_timeout: Duration::from_secs(1),
        ..Config::for_test()
    }
}

/// Open a connection that sends the start of a request, then one header
/// byte every 200 ms, never finishing.
async fn slow_client(addr: std::net::SocketAddr) -> tokio::task::JoinHandle<Duration> {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    tokio::spawn(async move {
        let started = Instant::now();
        let _ = stream
            .write_all(b"POST /projects/myapp/_api/admin/graphql HTTP/1.1\r\nHost: x\r\n")
            .await;
        let mut buf = [0u8; 256];
        // Bounded: the server must close long before 40 bytes × 200 ms.
        for _ in 0..40 {
            if stream.write_all(b"X").await.is_err() {
                return started.elapsed();
            }
            tokio::select! {
                read = stream.read(&mut buf) => {
                    // EOF or a 408: the server gave up on us.
                    if matches!(read, Ok(0) | Err(_)) || buf.starts_with(b"HTTP/1.1 408") {
                        return started.elapsed();
                    }
                }
                _ = tokio::time::sleep(Duration::from_millis(200)) => {}
            }
        }
        Duration::MAX
    })
}

async fn slowloris_cannot_starve_others(backend: Backend) {
    let Some(server) = TestServer::spawn_with(backend, quick_timeouts()).await else {
        return;
    };
    let addr = server.handle.as_ref().unwrap().addr;
    let mut slow = Vec::new();
    for _ in 0..200 {
        slow.push(slow_client(addr).await);
    }
    // While 200 slow clients trickle headers, others are served at once.
    let token = server.token();
    for _ in 0..20 {
        let started = Instant::now();
        assert_eq!(server.outcome(&token).await, "ok");
        assert!(
            started.elapsed() < Duration::from_millis(500),
            "{:?}",
            started.elapsed()
        );
    }
    // And every slow client is cut off after the header timeout.
    for handle in slow {
        let held = handle.await.unwrap();
        assert!(
            held < Duration::from_secs(3),
            "a slow client was held {held:?}"
        );
    }
}

async fn connection_cap_holds_and_frees_slots(backend: Backend) {
    let config = Config {
        max_connections: 8,
        ..quick_timeouts()
    };
    let Some(server) = TestServer::spawn_with(backend, config).await else {
        return;
    };
    let addr = server.handle.as_ref().unwrap().addr;
    let mut slow = Vec::new();
    for _ in 0..8 {
        slow.push(slow_client(addr).await);
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    // Every slot is taken: a new client waits in the backlog until the
    // header timeout frees one, then is served.
    let started = Instant::now();
    assert_eq!(server.outcome(&server.token()).await, "ok");
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(500),
        "{waited:?}: the cap did not hold"
    );
    assert!(waited < Duration::from_secs(3), "{waited:?}");
    for handle in slow {
        assert!(handle.await.unwrap() < Duration::from_secs(3));
    }
}

async fn slow_body_gets_408(backend: Backend) {
    let Some(server) = TestServer::spawn_with(backend, quick_timeouts()).await else {
        return;
    };
    let addr = server.handle.as_ref().unwrap().addr;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /projects/{PROJECT}/_api/admin/graphql HTTP/1.1\r\nHost: x\r\n\
         Authorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"query\":",
        server.token()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let started = Instant::now();
    let mut response = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut response))
        .await
        .expect("the server never answered a stalled body")
        .unwrap();
    let text = String::from_utf8_lossy(&response);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("body_timeout"), "{text}");
    assert!(started.elapsed() < Duration::from_secs(3));
}

async fn stalled_sign_in_body_gets_408(backend: Backend) {
    let Some(server) = TestServer::spawn_with(backend, quick_timeouts()).await else {
        return;
    };
    let addr = server.handle.as_ref().unwrap().addr;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /login HTTP/1.1\r\nHost: {PROJECT}.localhost\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nlogin="
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let started = Instant::now();
    let mut response = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut response))
        .await
        .expect("the server never answered a stalled sign-in body")
        .unwrap();
    let text = String::from_utf8_lossy(&response);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(started.elapsed() < Duration::from_secs(3));
}

async fn request_timeout_stops_and_rolls_back(backend: Backend) {
    // The production argon2id cost takes far longer than 5 ms: the request
    // is stopped while hashing.
    let config = Config {
        request_timeout: Duration::from_millis(5),
        password_hash_cost: keyward_accounts::HashCost::default(),
        ..Config::for_test()
    };
    let Some(server) = TestServer::spawn_with(backend, config).await else {
        return;
    };
    let (status, body) = server
        .graphql(
            &server.token(),
            serde_json::json!({
                "query": "mutation { createUser(input: {definition: {loginID: {key: \"email\", value: \"slow@example.com\"}}, password: \"correct horse battery staple\"}) { user { id } } }"
            }),
        )
        .await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"]["reason"], "request_timeout");
    // Nothing half-done remains.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let n = user_count(&server.store).await;
    assert_eq!(n, 0);
}

async fn alias_limit_is_a_clear_400(backend: Backend) {
    let Some(server) = TestServer::spawn(backend).await else {
        return;
    };
    let aliases = |n: usize| {
        let fields: Vec<String> = (0..n).map(|i| format!("a{i}: project {{ id }}")).collect();
        format!("{{ {} }}", fields.join(" "))
    };
    let (status, body) = server
        .graphql(&server.token(), serde_json::json!({ "query": aliases(50) }))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["a49"]["id"], PROJECT);
    // Also counted inside fragments.
    let query = format!(
        "{} fragment F on Query {{ b: project {{ id }} }}",
        aliases(50).replacen('{', "{ ...F ", 1)
    );
    let (status, body) = server
        .graphql(&server.token(), serde_json::json!({ "query": query }))
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["reason"], "too_many_aliases");
    assert!(
        body["error"]["message"].as_str().unwrap().contains("51"),
        "{body}"
    );
}

on_sqlite!(
    slowloris_cannot_starve_others,
    connection_cap_holds_and_frees_slots,
    slow_body_gets_408,
    stalled_sign_in_body_gets_408,
    request_timeout_stops_and_rolls_back,
    alias_limit_is_a_clear_400,
);
