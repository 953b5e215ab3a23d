//! Upgrades and backups: a database of an earlier release opens (migrated
//! forward) with its data intact, a binary refuses a database a newer one
//! migrated, and a backup taken under writes restores every write
//! acknowledged before it.

use keyward_store::{Store, StoreError, StoreOptions};
use keyward_test_support::{Backend, TestDatabase};

/// The data directory's database as `keyward` 0.1 (migration 10) left it:
/// project `fixture` with one key, and users made by `keyward users
/// import` (tests/fixtures/README.md says how it was made).
const RELEASE_0_1: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/release-0.1.db");

#[tokio::test]
async fn the_previous_release_migrates_forward_with_its_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keyward.db");
    std::fs::copy(RELEASE_0_1, &path).unwrap();
    let store = Store::open(
        &format!("sqlite://{}", path.display()),
        StoreOptions::default(),
    )
    .await
    .unwrap();
    assert!(store.schema_version().await.unwrap() >= 10);
    let projects: Vec<String> = store
        .projects()
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.id)
        .collect();
    assert_eq!(projects, vec!["fixture".to_owned()]);
    assert_eq!(store.keys("fixture").await.unwrap().len(), 1);
    let mut tx = store.begin_read().await.unwrap();
    let identity = tx
        .identity_by_unique_key("fixture", "ada@example.com")
        .await
        .unwrap()
        .expect("the imported login ID");
    let user = tx
        .user("fixture", &identity.user_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        user.standard_attributes["name"].as_str(),
        Some("Ada Lovelace")
    );
    let passwords = tx.passwords_of("fixture", &user.id).await.unwrap();
    assert_eq!(passwords.len(), 1);
    assert!(
        passwords[0].password_hash.starts_with("$2"),
        "the imported bcrypt hash is kept"
    );
}

async fn a_newer_schema_is_refused(backend: Backend) {
    let Some(db) = TestDatabase::new(backend).await else {
        return;
    };
    let store = Store::open(&db.url, StoreOptions::default()).await.unwrap();
    let known = store.schema_version().await.unwrap();
    store.close().await;
    // A newer keyward applied migration 9999.
    let insert = "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
                  VALUES (9999, 'from the future', TRUE, $1, 0)";
    match backend {
        Backend::Sqlite => {
            let pool = sqlx::SqlitePool::connect(&db.url).await.unwrap();
            sqlx::query(insert)
                .bind(vec![0u8])
                .execute(&pool)
                .await
                .unwrap();
            pool.close().await;
        }
        Backend::Postgres => {
            let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
            sqlx::query(insert)
                .bind(vec![0u8])
                .execute(&pool)
                .await
                .unwrap();
            pool.close().await;
        }
    }
    let Err(e) = Store::open(&db.url, StoreOptions::default()).await else {
        panic!("a schema from the future was accepted");
    };
    assert!(
        matches!(e, StoreError::SchemaTooNew { found: 9999, known: k } if k == known),
        "{e:?}"
    );
    let message = e.to_string();
    assert!(message.contains("version 9999"), "{message}");
    assert!(
        message.contains("newer than this keyward knows"),
        "{message}"
    );
}

on_each_backend!(a_newer_schema_is_refused);

#[tokio::test]
async fn a_backup_under_writes_holds_every_write_acknowledged_before_it() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::{Duration, Instant};

    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("keyward.db").display());
    let store = Store::open(&url, StoreOptions::default()).await.unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let writer = tokio::spawn({
        let (store, stop) = (store.clone(), stop.clone());
        async move {
            let mut acked = Vec::new();
            for i in 0..100_000 {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                store.create_project(&format!("p{i}")).await.unwrap();
                acked.push(Instant::now());
            }
            acked
        }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let began = Instant::now();
    let copy = dir.path().join("backup.db");
    store.backup_to(&copy).await.unwrap();
    let ended = Instant::now();
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.store(true, Ordering::Relaxed);
    let acked = writer.await.unwrap();
    let before = acked.iter().filter(|t| **t < began).count();
    assert!(before > 0, "no write finished before the backup");
    assert!(
        acked.iter().any(|t| *t > ended),
        "the writes did not go on after the backup"
    );

    // A second backup to the same file is refused, not overwritten.
    let again = store.backup_to(&copy).await.unwrap_err();
    assert!(again.to_string().contains("already exists"), "{again}");

    let restored_dir = tempfile::tempdir().unwrap();
    let target = restored_dir.path().join("keyward.db");
    let version = keyward_store::backup::restore_to(&copy, &target)
        .await
        .unwrap();
    assert_eq!(version, store.schema_version().await.unwrap());
    let restored = Store::open(
        &format!("sqlite://{}", target.display()),
        StoreOptions::default(),
    )
    .await
    .unwrap();
    let ids: std::collections::HashSet<String> = restored
        .projects()
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.id)
        .collect();
    // Every write acknowledged before the backup began is in it, and the
    // copy is one snapshot: the writes in it are exactly a prefix.
    for i in 0..before {
        assert!(ids.contains(&format!("p{i}")), "p{i} acknowledged but lost");
    }
    let n = ids.len();
    assert!(n >= before && n <= acked.len());
    assert!(
        (0..n).all(|i| ids.contains(&format!("p{i}"))),
        "a gap in the copy"
    );

    // Restoring over a database is refused.
    let refused = keyward_store::backup::restore_to(&copy, &target)
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("exists"), "{refused}");
}

#[tokio::test]
async fn restores_check_the_file_before_writing_anything() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("keyward.db");
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, b"this is not a database at all, just text").unwrap();
    let e = keyward_store::backup::restore_to(&junk, &target)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("junk.db"), "{e}");
    assert!(!target.exists());

    // A SQLite file that is not keyward's.
    let other = dir.path().join("other.db");
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}?mode=rwc", other.display()))
        .await
        .unwrap();
    sqlx::query("CREATE TABLE t (x)")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let e = keyward_store::backup::restore_to(&other, &target)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("not a keyward database"), "{e}");

    // A keyward database from a newer release.
    let newer = dir.path().join("newer.db");
    std::fs::copy(RELEASE_0_1, &newer).unwrap();
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", newer.display()))
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (9999, 'from the future', TRUE, x'00', 0)",
    )
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;
    let e = keyward_store::backup::restore_to(&newer, &target)
        .await
        .unwrap_err();
    assert!(
        matches!(e, StoreError::SchemaTooNew { found: 9999, .. }),
        "{e:?}"
    );
    assert!(
        !target.exists(),
        "nothing is written before the checks pass"
    );
}
