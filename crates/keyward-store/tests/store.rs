//! Store behaviour on a real SQLite file (and, once the PostgreSQL backend
//! lands, on the database named by KEYWARD_TEST_DATABASE_URL).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use keyward_store::{KeyOrigin, MasterKey, Store, StoreError, StoreOptions};
use keyward_token::{KeyStatus, PublicKey, SigningKey};

struct Db {
    store: Store,
    url: String,
    _dir: tempfile::TempDir,
}

async fn open(options: StoreOptions) -> Db {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("keyward.db").display());
    let store = Store::open(&url, options).await.unwrap();
    Db {
        store,
        url,
        _dir: dir,
    }
}

impl Db {
    /// Generate a 2048-bit key for `myapp`.
    async fn generate(&self, label: &str) -> (keyward_store::ApiKey, String) {
        let (key, pem) = self
            .store
            .generate_key("myapp", 2048, label, &master())
            .await
            .unwrap();
        (key, pem.to_string())
    }
}

fn master() -> MasterKey {
    MasterKey::from_bytes(&[42u8; 32]).unwrap()
}

#[tokio::test]
async fn projects_create_list_and_refuse_bad_ids() {
    let db = open(StoreOptions::default()).await;
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

#[tokio::test]
async fn generated_key_roundtrip_and_download() {
    let db = open(StoreOptions::default()).await;
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

#[tokio::test]
async fn uploaded_key_cannot_be_downloaded() {
    let db = open(StoreOptions::default()).await;
    db.store.create_project("myapp").await.unwrap();
    let pair = keyward_token::GeneratedKeyPair::generate(2048).unwrap();
    let spki = pair.public_key().to_spki_pem();
    let key = db
        .store
        .register_public_key("myapp", spki.as_bytes(), "")
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
        .register_public_key("myapp", jwk.as_bytes(), "jwk")
        .await
        .unwrap();
    let private = pair.private_key_pem();
    assert!(matches!(
        db.store
            .register_public_key("myapp", private.as_bytes(), "")
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

#[tokio::test]
async fn key_limit_holds_and_says_how_to_free_a_slot() {
    let db = open(StoreOptions {
        max_keys_per_project: 2,
        ..StoreOptions::default()
    })
    .await;
    db.store.create_project("myapp").await.unwrap();
    let (k1, _) = db.generate("").await;
    db.generate("").await;
    let err = db
        .store
        .generate_key("myapp", 2048, "", &master())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::KeyLimitReached { limit: 2, .. }));
    assert!(err.to_string().contains("keyward key delete"));
    db.store.delete_key("myapp", &k1.kid, false).await.unwrap();
    db.generate("").await;
}

#[tokio::test]
async fn key_limit_holds_under_concurrency() {
    let db = open(StoreOptions::default()).await;
    db.store.create_project("myapp").await.unwrap();
    let pair = keyward_token::GeneratedKeyPair::generate(2048).unwrap();
    let spki = pair.public_key().to_spki_pem();
    let mut tasks = Vec::new();
    for _ in 0..12 {
        let store = db.store.clone();
        let spki = spki.clone();
        tasks.push(tokio::spawn(async move {
            store
                .register_public_key("myapp", spki.as_bytes(), "")
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

#[tokio::test]
async fn last_active_key_needs_force() {
    let db = open(StoreOptions::default()).await;
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

#[tokio::test]
async fn changes_bump_versions_seen_by_other_handles() {
    let db = open(StoreOptions::default()).await;
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

#[tokio::test]
async fn last_used_never_moves_backwards() {
    let db = open(StoreOptions::default()).await;
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

#[tokio::test]
async fn data_survives_reopen() {
    let db = open(StoreOptions::default()).await;
    db.store.create_project("myapp").await.unwrap();
    let (k, _) = db.generate("x").await;
    db.store.close().await;
    let reopened = Store::open(&db.url, StoreOptions::default()).await.unwrap();
    assert_eq!(reopened.keys("myapp").await.unwrap(), vec![k]);
}

#[tokio::test]
async fn bad_urls_and_labels_fail_clearly() {
    let err = Store::open("postgres://x/y", StoreOptions::default())
        .await
        .unwrap_err();
    assert_eq!(err.code(), "store.unsupported");
    let err = Store::open("mysql://x/y", StoreOptions::default())
        .await
        .unwrap_err();
    assert_eq!(err.code(), "store.unsupported");
    let db = open(StoreOptions::default()).await;
    db.store.create_project("myapp").await.unwrap();
    let long = "x".repeat(101);
    assert!(matches!(
        db.store.generate_key("myapp", 2048, &long, &master()).await,
        Err(StoreError::InvalidLabel(_))
    ));
    assert!(matches!(
        db.store.generate_key("myapp", 1024, "", &master()).await,
        Err(StoreError::Key(_))
    ));
    assert!(matches!(
        db.store.generate_key("ghost", 2048, "", &master()).await,
        Err(StoreError::ProjectNotFound(_))
    ));
}
