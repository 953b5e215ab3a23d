//! Rate limits, the failed-authentication limit and the replay guard,
//! through the real server on both backends.
use std::time::Duration;

use keyward_server::Config;
use keyward_server::limits::FailureLimit;
use keyward_store::{KeyRole, LimitsChange};

use keyward_test_support::*;

async fn status_reason(response: reqwest::Response) -> (u16, Option<String>, String) {
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    let body: serde_json::Value = response.json().await.unwrap();
    let reason = body["error"]["reason"].as_str().unwrap_or("ok").to_owned();
    (status, retry_after, reason)
}

async fn key_and_project_rate_limits(backend: Backend) {
    let Some(server) = TestServer::spawn(backend).await else {
        return;
    };
    let token = server.token();
    // Off by default: a burst far above any limit below goes through.
    for _ in 0..30 {
        assert_eq!(server.outcome(&token).await, "ok");
    }

    // The CLI (another process) sets a per-key limit; the server picks it up.
    let cli = server.other_process().await;
    cli.set_limits(
        PROJECT,
        LimitsChange {
            key_rate: Some(Some(5)),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let limited = within(Duration::from_secs(3), || async {
        let mut last = 200;
        for _ in 0..10 {
            last = server.query(&token).await.status().as_u16();
        }
        last == 429
    })
    .await;
    assert!(limited.is_some(), "the key limit never applied");

    let (status, retry_after, reason) = status_reason(server.query(&token).await).await;
    assert_eq!(status, 429);
    assert_eq!(reason, "key_rate_limited");
    let secs: u64 = retry_after.expect("Retry-After").parse().unwrap();
    assert!((1..=2).contains(&secs), "{secs}");

    // A second key of the project has its own budget.
    let (other, other_pem) = cli
        .add_generated_key(
            PROJECT,
            &keyward_test_support::fixture_pair(1),
            "second",
            KeyRole::Full,
            &master(),
        )
        .await
        .unwrap();
    let second = signer_for(&other.kid, &other_pem).token().unwrap();
    assert_eq!(server.outcome(&second).await, "ok");

    // After waiting as told, the first key works again.
    tokio::time::sleep(Duration::from_secs(secs)).await;
    assert_eq!(server.outcome(&token).await, "ok");

    // A project limit spans its keys.
    cli.set_limits(
        PROJECT,
        LimitsChange {
            key_rate: Some(None),
            project_rate: Some(Some(3)),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    // Until the change arrives the key limit may still answer; wait for
    // the project limit itself.
    let applied = within(Duration::from_secs(3), || async {
        let mut reasons = Vec::new();
        for t in [&token, &second, &token, &second] {
            reasons.push(status_reason(server.query(t).await).await.2);
        }
        reasons.iter().any(|r| r == "project_rate_limited")
    })
    .await;
    assert!(applied.is_some(), "the project limit never applied");
    // Both keys draw on the same budget.
    let (status, _, reason) = status_reason(server.query(&second).await).await;
    assert_eq!((status, reason.as_str()), (429, "project_rate_limited"));
    let (status, _, reason) = status_reason(server.query(&token).await).await;
    assert_eq!((status, reason.as_str()), (429, "project_rate_limited"));
}

async fn failed_authentications_are_limited_per_address(backend: Backend) {
    let config = Config {
        auth_failure_limit: Some(FailureLimit {
            per_second: 1,
            burst: 20,
        }),
        ..Config::for_test()
    };
    let Some(server) = TestServer::spawn_with(backend, config).await else {
        return;
    };
    // A valid token verified before the flood keeps working through it.
    let cached = server.token();
    assert_eq!(server.outcome(&cached).await, "ok");

    let forged = forge(
        &server.pem,
        &format!(r#"{{"alg":"RS256","kid":"{}"}}"#, server.kid),
        r#"{"aud":["someone-else"],"exp":9999999999}"#,
    );
    let mut refused_unverified = 0;
    for i in 0..40 {
        let (status, retry_after, reason) = status_reason(server.query(&forged).await).await;
        match status {
            401 => assert_eq!(reason, "invalid_audience", "attempt {i}"),
            429 => {
                assert_eq!(reason, "too_many_failed_authentications");
                assert!(retry_after.is_some());
                refused_unverified += 1;
            }
            other => panic!("unexpected {other}"),
        }
    }
    // 20 verified and refused (the burst, plus what the rate refills
    // during the loop), the rest refused before any RSA work.
    assert!(refused_unverified >= 15, "{refused_unverified}");
    assert_eq!(server.outcome(&cached).await, "ok");
    // A new valid token from the penalised address waits too.
    let fresh = signer_for(&server.kid, &server.pem)
        .single_use()
        .token()
        .unwrap();
    assert_eq!(server.query(&fresh).await.status(), 429);
    let metrics = server.metrics().await;
    assert!(metrics.contains("reason=\"invalid_audience\""), "{metrics}");
}

async fn unknown_project_floods_are_limited(backend: Backend) {
    let config = Config {
        auth_failure_limit: Some(FailureLimit {
            per_second: 1,
            burst: 10,
        }),
        ..Config::for_test()
    };
    let Some(server) = TestServer::spawn_with(backend, config).await else {
        return;
    };
    // Warm the cache for the real project: its callers are not held up.
    let token = server.token();
    assert_eq!(server.outcome(&token).await, "ok");
    let mut limited = 0;
    for i in 0..30 {
        let response = server
            .http
            .post(format!(
                "{}/projects/nope{i}/_api/admin/graphql",
                server.url
            ))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        let (status, _, reason) = status_reason(response).await;
        match status {
            404 => assert_eq!(reason, "project_not_found"),
            429 => {
                assert_eq!(reason, "too_many_failed_authentications");
                limited += 1;
            }
            other => panic!("unexpected {other}"),
        }
    }
    // Each unknown project costs a database read: after the burst, no more.
    assert!(limited >= 15, "{limited}");
    assert_eq!(server.outcome(&token).await, "ok");
}

async fn replay_guard_accepts_each_jti_once(backend: Backend) {
    let Some(server) = TestServer::spawn(backend).await else {
        return;
    };
    let cli = server.other_process().await;
    let reused = server.token();
    assert_eq!(server.outcome(&reused).await, "ok");
    cli.set_limits(
        PROJECT,
        LimitsChange {
            replay_guard: Some(true),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    // A token without jti is refused once the guard applies.
    let applied = within(Duration::from_secs(3), || async {
        server.outcome(&server.token()).await == "missing_jti"
    })
    .await;
    assert!(applied.is_some(), "the replay guard never applied");
    // Tokens verified before the change are dropped from the cache with it.
    assert_eq!(server.outcome(&reused).await, "missing_jti");

    let signer = server.signer().single_use();
    let once = signer.token().unwrap();
    assert_eq!(server.outcome(&once).await, "ok");
    // Same server: caught in the verified-token cache, no store round trip.
    assert_eq!(server.outcome(&once).await, "token_replayed");
    for _ in 0..5 {
        assert_eq!(server.outcome(&signer.token().unwrap()).await, "ok");
    }

    // Another replica on the same database: the replay is refused there too
    // (the record is in the store, not in one process's memory).
    let second = TestServer::spawn_replica(&server).await;
    let fresh = signer.token().unwrap();
    assert_eq!(second.outcome(&fresh).await, "ok");
    assert_eq!(server.outcome(&fresh).await, "token_replayed");
    assert_eq!(second.outcome(&once).await, "token_replayed");

    // Turning the guard off accepts tokens without jti again.
    cli.set_limits(
        PROJECT,
        LimitsChange {
            replay_guard: Some(false),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let off = within(Duration::from_secs(3), || async {
        server.outcome(&server.token()).await == "ok"
    })
    .await;
    assert!(off.is_some());
}

on_each_backend!(replay_guard_accepts_each_jti_once,);

on_sqlite!(
    key_and_project_rate_limits,
    failed_authentications_are_limited_per_address,
    unknown_project_floods_are_limited,
);
