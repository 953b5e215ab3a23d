//! Several stateless replicas behind one PostgreSQL database: two real
//! `keyward serve` processes, key changes through the CLI, and a bounded load
//! spread over both replicas during a full key rotation. Runs when
//! KEYWARD_TEST_DATABASE_URL is set (`.ci/run` sets it).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::common::*;
use keyward_test_support::{Backend, TestDatabase};

/// Requests the load sends at most, and for how long at most.
const MAX_REQUESTS: usize = 50_000;
const MAX_LOAD_TIME: Duration = Duration::from_secs(60);

#[test]
fn two_replicas_rotate_keys_without_a_failed_request() {
    let rt = multi_thread_runtime();
    let Some(db) = rt.block_on(TestDatabase::new(Backend::Postgres)) else {
        return;
    };
    let env = Env::with_database(&db.url);
    env.ok(&["project", "create", "myapp"]);
    let kid1 = env.ok(&["key", "create", "--project", "myapp", "--out", "k1.pem"]);
    let a = env.serve();
    let b = env.serve();
    let token1 = env.ok(&[
        "token",
        "--project",
        "myapp",
        "--kid",
        &kid1,
        "--key",
        "k1.pem",
        "--ttl",
        "600",
    ]);
    for replica in [&a, &b] {
        assert_eq!(rt.block_on(replica.outcome(&token1)), "ok");
    }

    // A bounded load over both replicas, always with the client's current token.
    let current = Arc::new(std::sync::RwLock::new(token1.clone()));
    let stop = Arc::new(AtomicBool::new(false));
    let (sent, failed) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let endpoints = [a.endpoint(), b.endpoint()];
    let started = Instant::now();
    let workers: Vec<_> = (0..4)
        .map(|w| {
            let (current, stop, sent, failed) =
                (current.clone(), stop.clone(), sent.clone(), failed.clone());
            let endpoints = endpoints.clone();
            rt.spawn(async move {
                let http = reqwest::Client::new();
                let mut i = w;
                while !stop.load(Ordering::Relaxed)
                    && sent.fetch_add(1, Ordering::Relaxed) < MAX_REQUESTS
                    && started.elapsed() < MAX_LOAD_TIME
                {
                    let token = current.read().unwrap().clone();
                    let response = http
                        .post(&endpoints[i % 2])
                        .bearer_auth(token)
                        .json(&serde_json::json!({ "query": "{ project { id } }" }))
                        .send()
                        .await;
                    match response {
                        Ok(r) if r.status() == 200 => {}
                        Ok(r) => {
                            failed.fetch_add(1, Ordering::Relaxed);
                            eprintln!(
                                "failed: {} {}",
                                r.status(),
                                r.text().await.unwrap_or_default()
                            );
                        }
                        Err(e) => {
                            failed.fetch_add(1, Ordering::Relaxed);
                            eprintln!("failed: {e}");
                        }
                    }
                    i += 1;
                }
            })
        })
        .collect();

    // Load flows for a while between the steps: counted in requests, not
    // in time, with a bound.
    let load_runs = |more: usize| {
        let target = sent.load(Ordering::Relaxed) + more;
        let deadline = Instant::now() + Duration::from_secs(10);
        while sent.load(Ordering::Relaxed) < target && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
    };

    // The seed's rotation, while the load runs.
    load_runs(200);
    let sent_before_rotation = sent.load(Ordering::Relaxed);
    let (_kid2, token2) = env.new_key_and_token("k2.pem", "600");
    // A new key works on both replicas at once.
    for replica in [&a, &b] {
        assert_eq!(rt.block_on(replica.outcome(&token2)), "ok");
    }
    *current.write().unwrap() = token2.clone();
    // Requests already sent with the old token finish before it goes away.
    load_runs(200);
    env.ok(&["key", "delete", "--project", "myapp", "--kid", &kid1]);
    let deleted_at = Instant::now();
    let sent_at_deletion = sent.load(Ordering::Relaxed);
    for replica in [&b, &a] {
        replica.wait_until_refused(&rt, &token1, deleted_at, Duration::from_secs(1));
    }
    eprintln!(
        "both replicas refused the deleted key {:?} after deletion",
        deleted_at.elapsed()
    );

    // Let the load run on the new key for a moment, then stop it.
    load_runs(200);
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        rt.block_on(w).unwrap();
    }
    let total = sent.load(Ordering::Relaxed).min(MAX_REQUESTS);
    eprintln!(
        "load: {total} requests over two replicas in {:?} ({sent_before_rotation} before the rotation, {} after the deletion)",
        started.elapsed(),
        total.saturating_sub(sent_at_deletion)
    );
    assert_eq!(
        failed.load(Ordering::Relaxed),
        0,
        "requests failed during the rotation"
    );
    // The load really spanned the rotation: before it, through it and after.
    assert!(sent_before_rotation > 0 && total > sent_at_deletion && total < MAX_REQUESTS);
    assert!(total >= 1000, "only {total} requests were sent");

    // last_used_at was recorded once per key despite two writers.
    let keys: serde_json::Value =
        serde_json::from_str(&env.ok(&["key", "list", "--project", "myapp", "--json"])).unwrap();
    assert_eq!(keys.as_array().unwrap().len(), 1);
    assert!(keys[0]["last_used_at"].is_string(), "{keys}");

    a.stop_gracefully();
    b.stop_gracefully();
}

#[test]
fn replicas_starting_together_migrate_once() {
    let rt = runtime();
    let Some(db) = rt.block_on(TestDatabase::new(Backend::Postgres)) else {
        return;
    };
    let env = Env::with_database(&db.url);
    // Three servers race to apply migrations to an empty schema.
    let servers: Vec<Server> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..3).map(|_| s.spawn(|| env.serve())).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    env.ok(&["project", "create", "myapp"]);
    let body = rt.block_on(async {
        reqwest::get(format!("http://{}/readyz", servers[0].addr))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    });
    assert!(body.contains(r#""backend":"postgres""#), "{body}");
    for server in servers {
        server.stop_gracefully();
    }
}
