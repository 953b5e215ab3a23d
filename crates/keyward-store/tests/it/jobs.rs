//! What background jobs need from the store, on both backends: a lease
//! one holder at a time, due users found across projects, and claims that
//! succeed once.

use keyward_store::{ScheduledKind, Store, StoreOptions, User};
use keyward_test_support::{Backend, TestDatabase};

on_each_backend!(leases_and_due_work_are_claimed_once);

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
