//! Store behaviour on a real SQLite file (and, once the PostgreSQL backend
//! lands, on the database named by KEYWARD_TEST_DATABASE_URL).
//!
//! Over 600 lines on purpose: the store conformance suite for projects and
//! keys, run on both backends; splitting it would scatter one contract.

use keyward_store::KeyRole;
use keyward_store::{
    KeyOrigin, LimitsChange, MAX_RATE_LIMIT, MasterKey, ProjectLimits, Store, StoreError,
    StoreOptions,
};
use keyward_test_support::{Backend, TestDatabase};
use keyward_token::{KeyStatus, PublicKey, SigningKey};

struct Db {
    store: Store,
    url: String,
    keys_made: std::sync::atomic::AtomicUsize,
    _db: TestDatabase,
}

/// A fresh store on `backend`, or `None` when that backend is not
/// configured (PostgreSQL without KEYWARD_TEST_DATABASE_URL).
async fn open(backend: Backend, options: StoreOptions) -> Option<Db> {
    let db = TestDatabase::new(backend).await?;
    let store = Store::open(&db.url, options).await.unwrap();
    assert_eq!(
        store.backend_name(),
        match backend {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    );
    Some(Db {
        store,
        url: db.url.clone(),
        keys_made: Default::default(),
        _db: db,
    })
}

impl Db {
    /// A 2048-bit key for `myapp`, of a fixture pair not yet used here.
    async fn generate(&self, label: &str) -> (keyward_store::ApiKey, String) {
        let n = self
            .keys_made
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let (key, pem) = self
            .store
            .add_generated_key(
                "myapp",
                &keyward_test_support::fixture_pair(n),
                label,
                KeyRole::Full,
                &master(),
            )
            .await
            .unwrap();
        (key, pem.to_string())
    }
}

fn master() -> MasterKey {
    MasterKey::from_bytes(&[42u8; 32]).unwrap()
}

async fn projects_create_list_and_refuse_bad_ids(backend: Backend) {
    let Some(db) = open(backend, StoreOptions::default()).await else {
        return;
    };
    let p = db.store.create_project("myapp").await.unwrap();
    assert_eq!(p.id, "myapp");
    assert_eq!(p.max_token_lifetime_secs, 3600);
    assert!(matches!(
        db.store.create_project("myapp").await,
        Err(StoreError::ProjectExists(_))
    ));
    assert!(matches!(
        db.store.create_project("My_App").await,
        Err(StoreError::InvalidProjectId(_))
    ));
    db.store.create_project("another").await.unwrap();
    let ids: Vec<String> = db
        .store
        .projects()
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.id)
        .collect();
    assert_eq!(ids, ["another", "myapp"]);
    assert!(db.store.project("nope").await.unwrap().is_none());
}

async fn generated_key_roundtrip_and_download(backend: Backend) {
    let Some(db) = open(backend, StoreOptions::default()).await else {
        return;
    };
    db.store.create_project("myapp").await.unwrap();
    let (key, pem) = db.generate("backend").await;
    assert_eq!(key.origin, KeyOrigin::Generated);
    assert_eq!(key.status, KeyStatus::Active);
    assert_eq!(key.bits, 2048);
    assert_eq!(key.label, "backend");
    assert!(uuid::Uuid::parse_str(&key.kid).is_ok());
    assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"));

    let again = db
        .store
        .private_key_pem("myapp", &key.kid, &master())
        .await
        .unwrap();
    assert_eq!(*again, pem);
    SigningKey::from_pem(again.as_bytes()).unwrap();

    let wrong = MasterKey::from_bytes(&[1u8; 32]).unwrap();
    assert!(matches!(
        db.store.private_key_pem("myapp", &key.kid, &wrong).await,
        Err(StoreError::MasterKeyMismatch)
    ));
    assert!(matches!(
        db.store.private_key_pem("myapp", "nope", &master()).await,
        Err(StoreError::KeyNotFound { .. })
    ));
}

async fn uploaded_key_cannot_be_downloaded(backend: Backend) {
    let Some(db) = open(backend, StoreOptions::default()).await else {
        return;
    };
    db.store.create_project("myapp").await.unwrap();
    let pair = keyward_token::GeneratedKeyPair::generate(2048).unwrap();
    let spki = pair.public_key().to_spki_pem();
    let key = db
        .store
        .register_public_key("myapp", spki.as_bytes(), "", KeyRole::Full)
        .await
        .unwrap();
    assert_eq!(key.origin, KeyOrigin::Uploaded);
    assert!(matches!(
        db.store.private_key_pem("myapp", &key.kid, &master()).await,
        Err(StoreError::NoPrivateKey(_))
    ));
    // The JWK form registers too; a private key is refused.
    let jwk = pair.public_key().to_jwk("x").to_string();
    db.store
        .register_public_key("myapp", jwk.as_bytes(), "jwk", KeyRole::Full)
        .await
        .unwrap();
    let private = pair.private_key_pem();
    assert!(matches!(
        db.store
            .register_public_key("myapp", private.as_bytes(), "", KeyRole::Full)
            .await,
        Err(StoreError::Key(keyward_token::KeyError::PrivateKeyGiven))
    ));
    let keys = db.store.project_keys("myapp").await.unwrap().unwrap();
    assert_eq!(keys.keys.len(), 2);
    assert_eq!(
        keys.keys.get(&key.kid).unwrap().0.spki_der(),
        PublicKey::parse(spki.as_bytes()).unwrap().spki_der()
    );
}

async fn key_limit_holds_and_says_how_to_free_a_slot(backend: Backend) {
    let Some(db) = open(
        backend,
        StoreOptions {
            max_keys_per_project: 2,
            ..StoreOptions::default()
        },
    )
    .await
    else {
        return;
    };
    db.store.create_project("myapp").await.unwrap();
    let (k1, _) = db.generate("").await;
    db.generate("").await;
    let err = db
        .store
        .generate_key("myapp", 2048, "", KeyRole::Full, &master())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::KeyLimitReached { limit: 2, .. }));
    assert!(err.to_string().contains("keyward key delete"));
    db.store.delete_key("myapp", &k1.kid, false).await.unwrap();
    db.generate("").await;
}

async fn key_limit_holds_under_concurrency(backend: Backend) {
    let Some(db) = open(backend, StoreOptions::default()).await else {
        return;
    };
    db.store.create_project("myapp").await.unwrap();
    let pair = keyward_token::GeneratedKeyPair::generate(2048).unwrap();
    let spki = pair.public_key().to_spki_pem();
    let mut tasks = Vec::new();
    for _ in 0..12 {
        let store = db.store.clone();
        let spki = spki.clone();
        tasks.push(tokio::spawn(async move {
            store
                .register_public_key("myapp", spki.as_bytes(), "", KeyRole::Full)
                .await
        }));
    }
    let mut ok = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(StoreError::KeyLimitReached { .. }) => {}
            Err(e) => panic!("unexpected {e}"),
        }
    }
    assert_eq!(ok, 5);
    assert_eq!(db.store.keys("myapp").await.unwrap().len(), 5);
}

async fn last_active_key_needs_force(backend: Backend) {
    let Some(db) = open(backend, StoreOptions::default()).await else {
        return;
    };
    db.store.create_project("myapp").await.unwrap();
    let (k1, _) = db.generate("").await;
    assert!(matches!(
        db.store
            .set_key_status("myapp", &k1.kid, KeyStatus::Disabled, false)
            .await,
        Err(StoreError::LastActiveKey { .. })
    ));
    assert!(matches!(
        db.store.delete_key("myapp", &k1.kid, false).await,
        Err(StoreError::LastActiveKey { .. })
    ));
    let (k2, _) = db.generate("").await;
    let k1 = db
        .store
        .set_key_status("myapp", &k1.kid, KeyStatus::Disabled, false)
        .await
        .unwrap();
    assert_eq!(k1.status, KeyStatus::Disabled);
    // Disabling twice is a no-op, not an error.
    db.store
        .set_key_status("myapp", &k1.kid, KeyStatus::Disabled, false)
        .await
        .unwrap();
    // k2 is now the last active key.
    assert!(
        db.store
            .set_key_status("myapp", &k2.kid, KeyStatus::Disabled, false)
            .await
            .is_err()
    );
    db.store
        .set_key_status("myapp", &k2.kid, KeyStatus::Disabled, true)
        .await
        .unwrap();
    // Re-enable, and a disabled key deletes without force.
    db.store
        .set_key_status("myapp", &k2.kid, KeyStatus::Active, false)
        .await
        .unwrap();
    db.store.delete_key("myapp", &k1.kid, false).await.unwrap();
    db.store.delete_key("myapp", &k2.kid, true).await.unwrap();
    assert!(db.store.keys("myapp").await.unwrap().is_empty());
    assert!(matches!(
        db.store.delete_key("myapp", &k2.kid, true).await,
        Err(StoreError::KeyNotFound { .. })
    ));
    assert!(matches!(
        db.store.delete_key("nope", &k2.kid, true).await,
        Err(StoreError::ProjectNotFound(_))
    ));
}

async fn changes_bump_versions_seen_by_other_handles(backend: Backend) {
    let Some(db) = open(backend, StoreOptions::default()).await else {
        return;
    };
    // A second handle on the same file stands in for another process.
    let other = Store::open(&db.url, StoreOptions::default()).await.unwrap();
    db.store.create_project("myapp").await.unwrap();
    let g0 = other.key_generation().await.unwrap();
    let (k, _) = db.generate("").await;
    let g1 = other.key_generation().await.unwrap();
    assert!(g1 > g0);
    let v1 = other.project_keys("myapp").await.unwrap().unwrap();
    assert!(v1.keys.is_active(&k.kid));
    db.store
        .set_key_status("myapp", &k.kid, KeyStatus::Disabled, true)
        .await
        .unwrap();
    assert!(other.key_generation().await.unwrap() > g1);
    let v2 = other.project_keys("myapp").await.unwrap().unwrap();
    assert!(v2.version > v1.version);
    assert!(!v2.keys.is_active(&k.kid));
    assert_eq!(
        other.key_versions().await.unwrap(),
        vec![("myapp".to_owned(), v2.version)]
    );
}

async fn last_used_never_moves_backwards(backend: Backend) {
    let Some(db) = open(backend, StoreOptions::default()).await else {
        return;
    };
    db.store.create_project("myapp").await.unwrap();
    let (k, _) = db.generate("").await;
    assert_eq!(k.last_used_at, None);
    db.store.touch_key("myapp", &k.kid, 2000).await.unwrap();
    db.store.touch_key("myapp", &k.kid, 1000).await.unwrap();
    assert_eq!(
        db.store.key("myapp", &k.kid).await.unwrap().last_used_at,
        Some(2000)
    );
}

async fn data_survives_reopen(backend: Backend) {
    let Some(db) = open(backend, StoreOptions::default()).await else {
        return;
    };
    db.store.create_project("myapp").await.unwrap();
    let (k, _) = db.generate("x").await;
    db.store.close().await;
    let reopened = Store::open(&db.url, StoreOptions::default()).await.unwrap();
    assert_eq!(reopened.keys("myapp").await.unwrap(), vec![k]);
}

async fn bad_urls_and_labels_fail_clearly(backend: Backend) {
    // Nothing listens on port 1: a clear database error, not a hang.
    let err = Store::open(
        "postgres://postgres@127.0.0.1:1/test",
        StoreOptions {
            statement_timeout: std::time::Duration::from_secs(2),
            ..StoreOptions::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(err.code(), "store.database");
    let err = Store::open("mysql://x/y", StoreOptions::default())
        .await
        .unwrap_err();
    assert_eq!(err.code(), "store.unsupported");
    let Some(db) = open(backend, StoreOptions::default()).await else {
        return;
    };
    db.store.create_project("myapp").await.unwrap();
    let long = "x".repeat(101);
    assert!(matches!(
        db.store
            .generate_key("myapp", 2048, &long, KeyRole::Full, &master())
            .await,
        Err(StoreError::InvalidLabel(_))
    ));
    assert!(matches!(
        db.store
            .generate_key("myapp", 1024, "", KeyRole::Full, &master())
            .await,
        Err(StoreError::Key(_))
    ));
    assert!(matches!(
        db.store
            .generate_key("ghost", 2048, "", KeyRole::Full, &master())
            .await,
        Err(StoreError::ProjectNotFound(_))
    ));
}

async fn key_changes_are_pushed_on_postgres(backend: Backend) {
    let Some(db) = open(backend, StoreOptions::default()).await else {
        return;
    };
    let Some(mut changes) = db.store.key_changes().await.unwrap() else {
        assert_eq!(
            db.store.backend_name(),
            "sqlite",
            "only SQLite lacks push notifications"
        );
        return;
    };
    // Another deployment in another schema of the same database: its
    // changes are sent on the same channel but are not ours.
    let neighbour = open(backend, StoreOptions::default()).await.unwrap();
    neighbour.store.create_project("elsewhere").await.unwrap();
    neighbour
        .store
        .generate_key("elsewhere", 2048, "", KeyRole::Full, &master())
        .await
        .unwrap();
    db.store.create_project("myapp").await.unwrap();
    let other = Store::open(&db.url, StoreOptions::default()).await.unwrap();
    other
        .generate_key("myapp", 2048, "", KeyRole::Full, &master())
        .await
        .unwrap();
    let got = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        loop {
            if let Some(project) = changes.next().await.unwrap() {
                return project;
            }
        }
    })
    .await
    .expect("no notification within 5 s");
    assert_eq!(got, "myapp");
}

async fn last_active_guard_holds_under_concurrency(backend: Backend) {
    let Some(db) = open(backend, StoreOptions::default()).await else {
        return;
    };
    db.store.create_project("myapp").await.unwrap();
    let (a, _) = db.generate("").await;
    let (b, _) = db.generate("").await;
    // Two writers each disable a different key; at most one may win, or the
    // project would be left with no active key without --force.
    let (ra, rb) = tokio::join!(
        db.store
            .set_key_status("myapp", &a.kid, KeyStatus::Disabled, false),
        db.store
            .set_key_status("myapp", &b.kid, KeyStatus::Disabled, false),
    );
    assert!(ra.is_ok() != rb.is_ok(), "{ra:?} {rb:?}");
    let active = db
        .store
        .keys("myapp")
        .await
        .unwrap()
        .iter()
        .filter(|k| k.status == KeyStatus::Active)
        .count();
    assert_eq!(active, 1);
}

async fn one_transaction_commits_all_or_nothing(backend: Backend) {
    let Some(db) = open(backend, StoreOptions::default()).await else {
        return;
    };
    // Rolled back (explicitly, and by dropping): nothing remains.
    let mut tx = db.store.begin().await.unwrap();
    tx.create_project("alpha").await.unwrap();
    tx.create_project("beta").await.unwrap();
    assert_eq!(
        tx.projects().await.unwrap().len(),
        2,
        "a transaction sees its own writes"
    );
    tx.rollback().await.unwrap();
    {
        let mut tx = db.store.begin().await.unwrap();
        tx.create_project("gamma").await.unwrap();
        // A failing operation: the whole transaction is abandoned.
        assert!(matches!(
            tx.create_project("Bad Id").await,
            Err(StoreError::InvalidProjectId(_))
        ));
    }
    assert!(db.store.projects().await.unwrap().is_empty());
    let generation = db.store.key_generation().await.unwrap();

    // Committed: everything is there, including the version bumps.
    let mut tx = db.store.begin().await.unwrap();
    tx.create_project("alpha").await.unwrap();
    tx.set_max_token_lifetime("alpha", 600).await.unwrap();
    tx.commit().await.unwrap();
    let alpha = db.store.project("alpha").await.unwrap().unwrap();
    assert_eq!(alpha.max_token_lifetime_secs, 600);
    assert!(db.store.key_generation().await.unwrap() > generation);
}

async fn master_key_rotation_reseals_all_or_nothing(backend: Backend) {
    let Some(db) = open(backend, StoreOptions::default()).await else {
        return;
    };
    db.store.create_project("myapp").await.unwrap();
    db.store.create_project("other").await.unwrap();
    let (a, pem_a) = db.generate("a").await;
    let (b, pem_b) = db
        .store
        .generate_key("other", 2048, "b", keyward_store::KeyRole::Full, &master())
        .await
        .unwrap();
    let new = MasterKey::from_bytes(&[7u8; 32]).unwrap();
    let wrong = MasterKey::from_bytes(&[1u8; 32]).unwrap();

    // The wrong "old" key: refused, and nothing changes.
    assert!(matches!(
        db.store.reseal_private_keys(&wrong, &new).await,
        Err(StoreError::MasterKeyMismatch)
    ));
    assert_eq!(
        *db.store
            .private_key_pem("myapp", &a.kid, &master())
            .await
            .unwrap(),
        pem_a
    );

    assert_eq!(
        db.store.reseal_private_keys(&master(), &new).await.unwrap(),
        2
    );
    assert_eq!(
        *db.store
            .private_key_pem("myapp", &a.kid, &new)
            .await
            .unwrap(),
        pem_a
    );
    assert_eq!(
        *db.store
            .private_key_pem("other", &b.kid, &new)
            .await
            .unwrap(),
        *pem_b
    );
    // The old master key opens nothing any more.
    assert!(matches!(
        db.store.private_key_pem("myapp", &a.kid, &master()).await,
        Err(StoreError::MasterKeyMismatch)
    ));
}

async fn limits_change_bumps_the_version_and_validates(backend: Backend) {
    let Some(db) = open(backend, StoreOptions::default()).await else {
        return;
    };
    let p = db.store.create_project("myapp").await.unwrap();
    assert_eq!(p.limits, ProjectLimits::default());
    let before = db.store.key_version("myapp").await.unwrap().unwrap();
    let p = db
        .store
        .set_limits(
            "myapp",
            LimitsChange {
                key_rate: Some(Some(50)),
                replay_guard: Some(true),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        p.limits,
        ProjectLimits {
            key_rate: Some(50),
            project_rate: None,
            replay_guard: true
        }
    );
    assert!(db.store.key_version("myapp").await.unwrap().unwrap() > before);
    // Unmentioned settings stay; Some(None) removes a limit.
    let p = db
        .store
        .set_limits(
            "myapp",
            LimitsChange {
                key_rate: Some(None),
                project_rate: Some(Some(200)),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(p.limits.key_rate, None);
    assert_eq!(p.limits.project_rate, Some(200));
    assert!(p.limits.replay_guard);
    let keys = db.store.project_keys("myapp").await.unwrap().unwrap();
    assert_eq!(keys.project.limits, p.limits);
    assert!(keys.policy(60).require_jti);

    for bad in [0, MAX_RATE_LIMIT + 1] {
        let e = db
            .store
            .set_limits(
                "myapp",
                LimitsChange {
                    key_rate: Some(Some(bad)),
                    ..Default::default()
                },
            )
            .await
            .unwrap_err();
        assert!(e.to_string().contains("between 1 and"), "{e}");
    }
    assert!(matches!(
        db.store.set_limits("nope", LimitsChange::default()).await,
        Err(StoreError::ProjectNotFound(_))
    ));
}

async fn jti_accepted_once_until_it_expires(backend: Backend) {
    let Some(db) = open(backend, StoreOptions::default()).await else {
        return;
    };
    db.store.create_project("myapp").await.unwrap();
    db.store.create_project("other").await.unwrap();
    let s = &db.store;
    assert!(s.record_jti("myapp", "j1", 1_100, 1_000).await.unwrap());
    assert!(!s.record_jti("myapp", "j1", 1_100, 1_050).await.unwrap());
    // Per project.
    assert!(s.record_jti("other", "j1", 1_100, 1_050).await.unwrap());
    // Once the first use has expired, the ID may be used again.
    assert!(s.record_jti("myapp", "j1", 1_300, 1_100).await.unwrap());
    assert!(!s.record_jti("myapp", "j1", 1_300, 1_200).await.unwrap());

    // Racing replicas: exactly one of many concurrent uses wins.
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..16 {
        let store = s.clone();
        set.spawn(async move { store.record_jti("myapp", "race", 2_000, 1_000).await });
    }
    let wins = set
        .join_all()
        .await
        .into_iter()
        .filter(|r| *r.as_ref().unwrap())
        .count();
    assert_eq!(wins, 1);

    assert_eq!(s.purge_jtis(1_299).await.unwrap(), 1); // other/j1 (1_100)
    assert_eq!(s.purge_jtis(5_000).await.unwrap(), 2);
}

on_each_backend!(
    limits_change_bumps_the_version_and_validates,
    jti_accepted_once_until_it_expires,
    master_key_rotation_reseals_all_or_nothing,
    projects_create_list_and_refuse_bad_ids,
    generated_key_roundtrip_and_download,
    uploaded_key_cannot_be_downloaded,
    key_limit_holds_and_says_how_to_free_a_slot,
    key_limit_holds_under_concurrency,
    last_active_key_needs_force,
    changes_bump_versions_seen_by_other_handles,
    last_used_never_moves_backwards,
    data_survives_reopen,
    bad_urls_and_labels_fail_clearly,
    key_changes_are_pushed_on_postgres,
    last_active_guard_holds_under_concurrency,
    one_transaction_commits_all_or_nothing,
);
