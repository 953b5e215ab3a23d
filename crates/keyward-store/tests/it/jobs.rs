//! What background jobs need from the store, on both backends: a lease
//! one holder at a time, due users found across projects, claims that
//! succeed once, reset codes used once before they expire, and the outbox.

use keyward_store::{OutgoingMessage, ScheduledKind, Store, StoreOptions, User};
use keyward_test_support::{Backend, TestDatabase};

on_each_backend!(
    leases_and_due_work_are_claimed_once,
    reset_codes_and_the_outbox
);

async fn leases_and_due_work_are_claimed_once(backend: Backend) {
    let Some(db) = TestDatabase::new(backend).await else {
        return;
    };
    let store = Store::open(&db.url, StoreOptions::default()).await.unwrap();

    // One holder at a time; renewals; a lapsed lease passes on.
    assert!(store.take_lease("job", "a", 100, 30).await.unwrap());
    assert!(!store.take_lease("job", "b", 110, 30).await.unwrap());
    assert!(store.take_lease("job", "a", 120, 30).await.unwrap());
    assert!(!store.take_lease("job", "b", 149, 30).await.unwrap());
    assert!(store.take_lease("job", "b", 150, 30).await.unwrap());
    assert_eq!(store.lease("job").await.unwrap(), Some(("b".into(), 180)));
    store.release_lease("job", "a").await.unwrap();
    assert!(
        store.lease("job").await.unwrap().is_some(),
        "only its holder releases it"
    );
    store.release_lease("job", "b").await.unwrap();
    assert_eq!(store.lease("job").await.unwrap(), None);

    // Due work across projects, soonest first.
    for p in ["p1", "p2"] {
        store.create_project(p).await.unwrap();
    }
    let mut tx = store.begin().await.unwrap();
    let user = |id: &str, delete_at: Option<i64>, anonymize_at: Option<i64>| {
        let mut u = User::new(id.into(), 0);
        u.delete_at = delete_at;
        u.anonymize_at = anonymize_at;
        u
    };
    tx.insert_user("p1", &user("d1", Some(50), None))
        .await
        .unwrap();
    tx.insert_user("p2", &user("a1", None, Some(40)))
        .await
        .unwrap();
    tx.insert_user("p1", &user("later", Some(500), None))
        .await
        .unwrap();
    tx.insert_user("p1", &user("none", None, None))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let due = store.scheduled_users(100, 10).await.unwrap();
    let seen: Vec<(&str, &str, ScheduledKind)> = due
        .iter()
        .map(|s| (s.project.as_str(), s.user_id.as_str(), s.kind))
        .collect();
    assert_eq!(
        seen,
        vec![
            ("p2", "a1", ScheduledKind::Anonymization),
            ("p1", "d1", ScheduledKind::Deletion),
        ]
    );
    assert_eq!(store.scheduled_users(i64::MAX, 10).await.unwrap().len(), 3);
    assert_eq!(store.scheduled_users(100, 1).await.unwrap().len(), 1);

    // Each claim succeeds once; work not yet due is not claimed.
    let mut tx = store.begin().await.unwrap();
    assert!(tx.claim_due_deletion("p1", "d1", 100).await.unwrap());
    assert!(!tx.claim_due_deletion("p1", "d1", 100).await.unwrap());
    assert!(!tx.claim_due_deletion("p1", "later", 100).await.unwrap());
    assert!(tx.claim_due_anonymization("p2", "a1", 100).await.unwrap());
    assert!(!tx.claim_due_anonymization("p2", "a1", 100).await.unwrap());
    tx.commit().await.unwrap();
    assert_eq!(store.scheduled_users(100, 10).await.unwrap(), vec![]);
}

async fn reset_codes_and_the_outbox(backend: Backend) {
    let Some(db) = TestDatabase::new(backend).await else {
        return;
    };
    let store = Store::open(&db.url, StoreOptions::default()).await.unwrap();
    store.create_project("p").await.unwrap();
    let mut tx = store.begin().await.unwrap();
    tx.insert_user("p", &User::new("u".into(), 0))
        .await
        .unwrap();
    tx.insert_reset_code("p", "live", "u", 100, 200)
        .await
        .unwrap();
    tx.insert_reset_code("p", "old", "u", 100, 150)
        .await
        .unwrap();
    // Expired at its expiry; once only before it.
    assert!(!tx.use_reset_code("p", "old", 150).await.unwrap());
    assert!(tx.use_reset_code("p", "live", 199).await.unwrap());
    assert!(!tx.use_reset_code("p", "live", 199).await.unwrap());
    assert_eq!(
        tx.reset_code("p", "live").await.unwrap().unwrap().used_at,
        Some(199)
    );
    assert!(!tx.use_reset_code("p", "nope", 0).await.unwrap());

    let message = OutgoingMessage {
        id: "m1".into(),
        project: "p".into(),
        channel: "email".into(),
        recipient: "a@example.com".into(),
        kind: "forgot_password".into(),
        subject: "s".into(),
        body: "secret link".into(),
        attempts: 0,
    };
    tx.enqueue_message(&message, 100).await.unwrap();
    assert_eq!(
        tx.messages_sent_to("p", "a@example.com", "forgot_password", 100)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        tx.messages_sent_to("p", "a@example.com", "forgot_password", 101)
            .await
            .unwrap(),
        0
    );
    tx.commit().await.unwrap();

    // Due, retried later, then sent: the body is dropped.
    assert_eq!(store.due_messages(100, 10).await.unwrap(), vec![message]);
    store
        .message_failed("m1", "connection refused", Some(130))
        .await
        .unwrap();
    assert!(store.due_messages(129, 10).await.unwrap().is_empty());
    let due = store.due_messages(130, 10).await.unwrap();
    assert_eq!(due[0].attempts, 1);
    // One runner claims it for an attempt; a second finds it taken.
    assert!(store.claim_message("m1", 130, 190).await.unwrap());
    assert!(!store.claim_message("m1", 130, 190).await.unwrap());
    assert!(store.due_messages(189, 10).await.unwrap().is_empty());
    store.message_sent("m1", 131).await.unwrap();
    assert!(store.due_messages(10_000, 10).await.unwrap().is_empty());
    assert_eq!(
        store.message_status("m1").await.unwrap(),
        Some(("sent".into(), 2, None))
    );
}
