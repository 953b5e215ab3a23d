//! The user directory in the store, on both backends: keyset pages in both
//! directions, the login-ID uniqueness index, prefix search, role links,
//! cascades, and seeding.

use keyward_store::{
    Catalog, Entry, Identity, PageRequest, Store, StoreError, StoreOptions, User, UserFilter,
    UserSort,
};
use keyward_test_support::{Backend, TestDatabase};

on_each_backend!(
    keyset_pages_cover_every_user_once,
    login_ids_are_unique_per_project,
    search_and_role_filters,
    deleting_a_user_cascades_but_keeps_the_audit_log,
    bulk_inserts_are_all_or_nothing,
);

async fn open(backend: Backend) -> Option<(Store, TestDatabase)> {
    let db = TestDatabase::new(backend).await?;
    let store = Store::open(&db.url, StoreOptions::default()).await.unwrap();
    store.create_project("myapp").await.unwrap();
    store.create_project("other").await.unwrap();
    Some((store, db))
}

fn identity(user: &str, value: &str) -> Identity {
    Identity {
        id: uuid::Uuid::new_v4().to_string(),
        user_id: user.to_owned(),
        key: "email".into(),
        login_type: "email".into(),
        login_id: value.into(),
        unique_key: value.into(),
        original_value: value.into(),
        created_at: 1,
        updated_at: 1,
    }
}

fn request(after: Option<keyward_store::Seek>, limit: u32, from_end: bool) -> PageRequest {
    PageRequest {
        after: if from_end { None } else { after.clone() },
        before: if from_end { after } else { None },
        limit,
        from_end,
        descending: true,
    }
}

async fn keyset_pages_cover_every_user_once(backend: Backend) {
    let Some((store, _db)) = open(backend).await else {
        return;
    };
    store.seed_users("myapp", 0, 23).await.unwrap();
    store.seed_users("other", 0, 5).await.unwrap();
    let filter = UserFilter::all(UserSort::CreatedAt);
    let mut tx = store.begin_read().await.unwrap();
    assert_eq!(tx.count_users("myapp", &filter).await.unwrap(), 23);

    // Forward, 5 at a time.
    let mut seen: Vec<User> = Vec::new();
    let mut cursor = None;
    loop {
        let page = tx
            .list_users("myapp", &filter, &request(cursor, 5, false))
            .await
            .unwrap();
        cursor = page.items.last().map(|u| u.seek(UserSort::CreatedAt, true));
        seen.extend(page.items);
        if !page.more {
            break;
        }
    }
    assert_eq!(seen.len(), 23);
    assert!(
        seen.windows(2).all(|w| w[0].created_at > w[1].created_at),
        "newest first"
    );

    // Backward from the end gives the same users in the same order.
    let mut back: Vec<User> = Vec::new();
    let mut cursor = None;
    loop {
        let page = tx
            .list_users("myapp", &filter, &request(cursor, 4, true))
            .await
            .unwrap();
        cursor = page
            .items
            .first()
            .map(|u| u.seek(UserSort::CreatedAt, true));
        let more = page.more;
        back.splice(0..0, page.items);
        if !more {
            break;
        }
    }
    assert_eq!(back, seen);
}

async fn login_ids_are_unique_per_project(backend: Backend) {
    let Some((store, _db)) = open(backend).await else {
        return;
    };
    let mut tx = store.begin().await.unwrap();
    for (project, id) in [("myapp", "u1"), ("myapp", "u2"), ("other", "u3")] {
        tx.insert_user(project, &User::new(id.into(), 1))
            .await
            .unwrap();
    }
    tx.insert_identity("myapp", &identity("u1", "a@x.example"))
        .await
        .unwrap();
    // Another project may hold the same value.
    tx.insert_identity("other", &identity("u3", "a@x.example"))
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let mut tx = store.begin().await.unwrap();
    let err = tx
        .insert_identity("myapp", &identity("u2", "a@x.example"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::DuplicateIdentity { ref login_type } if login_type == "email"),
        "{err}"
    );
    drop(tx);

    // Concurrent claims of one value: exactly one wins.
    let mut tasks = Vec::new();
    for i in 0..6 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut tx = store.begin().await?;
            let user = format!("racer{i}");
            tx.insert_user("myapp", &User::new(user.clone(), 2)).await?;
            tx.insert_identity("myapp", &identity(&user, "race@x.example"))
                .await?;
            tx.commit().await
        }));
    }
    let mut won = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(()) => won += 1,
            Err(StoreError::DuplicateIdentity { .. }) => {}
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(won, 1);
}

async fn search_and_role_filters(backend: Backend) {
    let Some((store, _db)) = open(backend).await else {
        return;
    };
    let mut tx = store.begin().await.unwrap();
    let mut ada = User::new("ada".into(), 10);
    ada.standard_attributes
        .insert("name".into(), "Ada Lovelace".into());
    tx.insert_user("myapp", &ada).await.unwrap();
    tx.insert_user("myapp", &User::new("bob".into(), 20))
        .await
        .unwrap();
    tx.insert_identity("myapp", &identity("bob", "bob@x.example"))
        .await
        .unwrap();
    let role = Entry {
        id: "r1".into(),
        key: "admin".into(),
        name: None,
        description: None,
        created_at: 1,
        updated_at: 1,
    };
    tx.insert_entry("myapp", Catalog::Roles, &role)
        .await
        .unwrap();
    tx.link_users("myapp", Catalog::Roles, "r1", &["ada".into()], 1)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let mut tx = store.begin_read().await.unwrap();
    let find = |search: Option<&str>, roles: &[&str]| UserFilter {
        sort: UserSort::CreatedAt,
        search: search.map(str::to_owned),
        role_keys: roles.iter().map(|r| r.to_string()).collect(),
        group_keys: Vec::new(),
    };
    let page = request(None, 10, false);
    let ids = |users: Vec<User>| users.into_iter().map(|u| u.id).collect::<Vec<_>>();
    let by_name = tx
        .list_users("myapp", &find(Some("ada l"), &[]), &page)
        .await
        .unwrap();
    assert_eq!(ids(by_name.items), ["ada"]);
    let by_email = tx
        .list_users("myapp", &find(Some("bob@"), &[]), &page)
        .await
        .unwrap();
    assert_eq!(ids(by_email.items), ["bob"]);
    let by_role = tx
        .list_users("myapp", &find(None, &["admin", "ghost"]), &page)
        .await
        .unwrap();
    assert_eq!(ids(by_role.items), ["ada"]);
    assert_eq!(
        tx.count_users("myapp", &find(Some("x"), &[]))
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        tx.count_users("myapp", &find(Some("a"), &[]))
            .await
            .unwrap(),
        1
    );
}

async fn deleting_a_user_cascades_but_keeps_the_audit_log(backend: Backend) {
    let Some((store, _db)) = open(backend).await else {
        return;
    };
    let mut tx = store.begin().await.unwrap();
    tx.insert_user("myapp", &User::new("gone".into(), 1))
        .await
        .unwrap();
    tx.insert_identity("myapp", &identity("gone", "gone@x.example"))
        .await
        .unwrap();
    tx.insert_audit(
        "myapp",
        "admin_api.mutation.create_user.executed",
        Some("gone"),
        Some("kid"),
        1,
        &serde_json::json!({}),
    )
    .await
    .unwrap();
    tx.delete_user("myapp", "gone").await.unwrap();
    assert!(matches!(
        tx.delete_user("myapp", "gone").await,
        Err(StoreError::UserNotFound)
    ));
    tx.commit().await.unwrap();

    let mut tx = store.begin_read().await.unwrap();
    assert_eq!(
        tx.identity_by_unique_key("myapp", "gone@x.example")
            .await
            .unwrap(),
        None
    );
    let filter = keyward_store::AuditFilter {
        user_ids: vec!["gone".into()],
        ..Default::default()
    };
    assert_eq!(tx.count_audit("myapp", &filter).await.unwrap(), 1);
}

/// `insert_users`: 2,000 users in one call (more parameters than one
/// statement takes, so it splits them) with everything that hangs off a
/// user; a second call repeating one login ID writes nothing, says so, and
/// leaves the transaction usable.
async fn bulk_inserts_are_all_or_nothing(backend: Backend) {
    let Some((store, _db)) = open(backend).await else {
        return;
    };
    let new = |i: usize| {
        let mut user = User::new(uuid::Uuid::new_v4().to_string(), 1_000 + i as i64);
        user.standard_attributes
            .insert("name".into(), serde_json::json!(format!("Bulk Name {i}")));
        let email = format!("bulk{i}@example.com");
        keyward_store::NewUser {
            identities: vec![identity(&user.id, &email)],
            verified: vec![("email".into(), email)],
            password: Some(keyward_store::PasswordAuthenticator {
                id: uuid::Uuid::new_v4().to_string(),
                user_id: user.id.clone(),
                password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
                expire_after: None,
                created_at: 1,
                updated_at: 1,
            }),
            user,
        }
    };
    let users: Vec<_> = (0..2000).map(new).collect();
    let mut tx = store.begin().await.unwrap();
    assert!(tx.insert_users("myapp", &users).await.unwrap());
    tx.commit().await.unwrap();

    let mut tx = store.begin().await.unwrap();
    let again = vec![new(5000), new(1999)];
    assert!(!tx.insert_users("myapp", &again).await.unwrap());
    // Still usable: the refused call left no row behind.
    assert!(tx.insert_users("myapp", &again[..1]).await.unwrap());
    tx.commit().await.unwrap();

    let mut tx = store.begin_read().await.unwrap();
    let all = UserFilter::all(UserSort::CreatedAt);
    assert_eq!(tx.count_users("myapp", &all).await.unwrap(), 2001);
    let found = tx
        .identity_by_unique_key("myapp", "bulk1234@example.com")
        .await
        .unwrap()
        .unwrap();
    let claims = tx
        .verified_claims_of_users("myapp", std::slice::from_ref(&found.user_id))
        .await
        .unwrap();
    assert_eq!(claims.len(), 1);
    assert_eq!(
        tx.passwords_of("myapp", &found.user_id)
            .await
            .unwrap()
            .len(),
        1
    );
    let search = UserFilter {
        search: Some("bulk name 123".into()),
        ..UserFilter::all(UserSort::CreatedAt)
    };
    // "bulk name 123" and "bulk name 1230" … "bulk name 1239".
    assert_eq!(tx.count_users("myapp", &search).await.unwrap(), 11);
}
