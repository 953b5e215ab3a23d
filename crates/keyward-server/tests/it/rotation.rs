//! The seed's key rotation, with key changes made by another process.
use keyward_store::KeyRole;
use std::time::Duration;

use keyward_token::KeyStatus;

use keyward_test_support::*;

async fn rotation_with_no_failed_request(backend: Backend) {
    let Some(server) = TestServer::spawn(backend).await else {
        return;
    };
    let cli = server.other_process().await;

    // 1. The first key works.
    let old = server.signer();
    assert_eq!(server.outcome(&old.token().unwrap()).await, "ok");

    // 2. Generate a second key pair (as the CLI would, in another process).
    let (new_key, new_pem) = cli
        .add_generated_key(
            PROJECT,
            &keyward_test_support::fixture_pair(1),
            "new",
            KeyRole::Full,
            &master(),
        )
        .await
        .unwrap();
    let new = signer_for(&new_key.kid, &new_pem);

    // 3. Both keys are accepted, the new one at once (unknown kid → reload).
    assert_eq!(server.outcome(&new.token().unwrap()).await, "ok");
    assert_eq!(server.outcome(&old.token().unwrap()).await, "ok");
    let body: serde_json::Value = server
        .query(&new.token().unwrap())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["data"]["project"]["keyId"], new_key.kid.as_str());

    // 4–5. Move to the new key, delete the old one through the other process.
    let old_token = old.token().unwrap();
    cli.delete_key(PROJECT, &server.kid, false).await.unwrap();
    let took = within(Duration::from_secs(2), || async {
        server.outcome(&old_token).await == "unknown_key"
    })
    .await
    .expect("the deleted key was still accepted after 2 s");
    eprintln!("deleted key refused after {took:?}");
    assert_eq!(server.outcome(&new.token().unwrap()).await, "ok");
}

async fn disabled_key_refused_even_for_cached_token_then_reenabled(backend: Backend) {
    let Some(server) = TestServer::spawn(backend).await else {
        return;
    };
    let cli = server.other_process().await;
    let (second, second_pem) = cli
        .add_generated_key(
            PROJECT,
            &keyward_test_support::fixture_pair(2),
            "",
            KeyRole::Full,
            &master(),
        )
        .await
        .unwrap();
    let token = server.token();
    // Until an answer comes from the verified-token cache. (The second
    // key's change notification may still arrive and empty the cache once.)
    let cached = within(Duration::from_secs(3), || async {
        assert_eq!(server.outcome(&token).await, "ok");
        !server
            .metrics()
            .await
            .contains("keyward_token_cache_hits_total 0")
    })
    .await;
    assert!(cached.is_some(), "the token never came from the cache");

    cli.set_key_status(PROJECT, &server.kid, KeyStatus::Disabled, false)
        .await
        .unwrap();
    within(Duration::from_secs(2), || async {
        server.outcome(&token).await == "key_disabled"
    })
    .await
    .expect("disabled key still accepted after 2 s");
    assert_eq!(
        server
            .outcome(&signer_for(&second.kid, &second_pem).token().unwrap())
            .await,
        "ok"
    );

    cli.set_key_status(PROJECT, &server.kid, KeyStatus::Active, false)
        .await
        .unwrap();
    within(Duration::from_secs(2), || async {
        server.outcome(&token).await == "ok"
    })
    .await
    .expect("re-enabled key still refused after 2 s");
}

async fn last_used_is_recorded_but_not_on_every_request(backend: Backend) {
    let Some(server) = TestServer::spawn(backend).await else {
        return;
    };
    assert_eq!(
        server
            .store
            .key(PROJECT, &server.kid)
            .await
            .unwrap()
            .last_used_at,
        None
    );
    let before = now() as i64;
    for _ in 0..5 {
        assert_eq!(server.outcome(&server.token()).await, "ok");
    }
    within(Duration::from_secs(2), || async {
        server
            .store
            .key(PROJECT, &server.kid)
            .await
            .unwrap()
            .last_used_at
            .is_some_and(|t| t >= before)
    })
    .await
    .expect("last_used_at not written");
    let first = server
        .store
        .key(PROJECT, &server.kid)
        .await
        .unwrap()
        .last_used_at;

    // More use a second later, inside the one-minute window: no new write.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    for _ in 0..5 {
        assert_eq!(server.outcome(&server.token()).await, "ok");
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        server
            .store
            .key(PROJECT, &server.kid)
            .await
            .unwrap()
            .last_used_at,
        first
    );
}

on_each_backend!(
    rotation_with_no_failed_request,
    disabled_key_refused_even_for_cached_token_then_reenabled,
    last_used_is_recorded_but_not_on_every_request,
);
