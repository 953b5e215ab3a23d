//! Rules of time, at instants chosen by the test (the server tests run on
//! the wall clock and cannot wait 20 minutes): a password reset link after
//! its 20 minutes, a sign-up code after its 5, and the hourly message
//! limits, against a real SQLite file.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use keyward_accounts::audit::{Actor, Initiator};
use keyward_accounts::loginid::{self, LoginIdType};
use keyward_accounts::messages::{self, Channel, Message, Queued, Transports};
use keyward_accounts::reset::{self, Requested, Reset};
use keyward_accounts::signup::{self, Completed, Started};
use keyward_accounts::users::{self, NewUser};
use keyward_accounts::{HashCost, password};
use keyward_store::{Store, StoreOptions};

const MINUTE: i64 = 60 * 1_000_000;
const EMAIL: Transports = Transports {
    email: true,
    sms: false,
};

async fn store() -> (Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("keyward.db").display());
    let store = Store::open(&url, StoreOptions::default()).await.unwrap();
    store.create_project("p").await.unwrap();
    (store, dir)
}

fn at(now: i64) -> Actor {
    Actor {
        project: "p".into(),
        now,
        by: Initiator::System,
    }
}

/// The one code in the last queued message's body (`code=…` or 6 digits).
async fn code_sent(store: &Store, now: i64) -> String {
    let due = store.due_messages(now / 1_000_000 + 1, 10).await.unwrap();
    let body = &due.last().unwrap().body;
    match body.split("code=").nth(1) {
        Some(rest) => rest.split_whitespace().next().unwrap().to_owned(),
        None => body
            .split_whitespace()
            .find(|w| w.len() == 6 && w.bytes().all(|b| b.is_ascii_digit()))
            .unwrap()
            .to_owned(),
    }
}

#[tokio::test]
async fn a_reset_link_works_for_twenty_minutes_only() {
    let (store, _dir) = store().await;
    let t0 = 1_800_000_000 * 1_000_000;
    let hash = password::hash("an old password".into(), HashCost::cheapest_for_tests())
        .await
        .unwrap();
    let mut tx = store.begin().await.unwrap();
    let new = NewUser {
        login: loginid::check(LoginIdType::Email, "ana@example.com").unwrap(),
        password_hash: Some(hash),
        password_expired: false,
        valid_from: None,
        valid_until: None,
    };
    users::create(&mut tx, &at(t0), new).await.unwrap();
    let link = |code: &str| format!("https://p.example/reset_password?code={code}");
    for _ in 0..2 {
        let requested = reset::request(&mut tx, &at(t0), "ana@example.com", EMAIL, &link)
            .await
            .unwrap();
        assert!(
            matches!(requested, Requested::Queued { .. }),
            "{requested:?}"
        );
    }
    tx.commit().await.unwrap();
    let due = store.due_messages(t0 / 1_000_000 + 1, 10).await.unwrap();
    let code_of = |i: usize| {
        due[i]
            .body
            .split("code=")
            .nth(1)
            .unwrap()
            .split_whitespace()
            .next()
            .unwrap()
            .to_owned()
    };
    let (first, second) = (code_of(0), code_of(1));

    let cost = HashCost::cheapest_for_tests();
    // 20 minutes and a second later: dead, and the form is not shown.
    let late = t0 + 20 * MINUTE + 1_000_000;
    assert!(
        !reset::code_is_live(&store, "p", &first, late / 1_000_000)
            .await
            .unwrap()
    );
    let outcome = reset::reset(&store, &at(late), &first, "a new password".into(), cost)
        .await
        .unwrap();
    assert!(matches!(outcome, Reset::InvalidCode), "{outcome:?}");
    // Just inside the 20 minutes: works, once.
    let in_time = t0 + 19 * MINUTE;
    assert!(
        reset::code_is_live(&store, "p", &second, in_time / 1_000_000)
            .await
            .unwrap()
    );
    let outcome = reset::reset(&store, &at(in_time), &second, "a new password".into(), cost)
        .await
        .unwrap();
    assert!(matches!(outcome, Reset::Done), "{outcome:?}");
    let outcome = reset::reset(
        &store,
        &at(in_time),
        &second,
        "another password".into(),
        cost,
    )
    .await
    .unwrap();
    assert!(matches!(outcome, Reset::InvalidCode), "{outcome:?}");
}

#[tokio::test]
async fn a_sign_up_code_works_for_five_minutes_and_five_tries() {
    let (store, _dir) = store().await;
    let t0 = 1_800_000_000 * 1_000_000;
    let login = loginid::check(LoginIdType::Email, "bo@example.com").unwrap();
    let start = |now: i64| {
        let store = store.clone();
        let login = login.clone();
        async move {
            let mut tx = store.begin().await.unwrap();
            let started = signup::start(&mut tx, &at(now), &login, "$argon2id$x".into(), EMAIL)
                .await
                .unwrap();
            tx.commit().await.unwrap();
            match started {
                Started::Pending { token } => token,
                other => panic!("{other:?}"),
            }
        }
    };
    let complete = |token: String, code: String, now: i64| {
        let store = store.clone();
        async move {
            let mut tx = store.begin().await.unwrap();
            let done = signup::complete(&mut tx, &at(now), &token, &code)
                .await
                .unwrap();
            tx.commit().await.unwrap();
            done
        }
    };

    // Expired after 5 minutes.
    let token = start(t0).await;
    let code = code_sent(&store, t0).await;
    let late = t0 + 5 * MINUTE + 1_000_000;
    assert!(matches!(
        complete(token, code, late).await,
        Completed::Expired
    ));

    // Five wrong codes end it: the right one no longer works.
    let t1 = t0 + 10 * MINUTE;
    let token = start(t1).await;
    let code = code_sent(&store, t1).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..5 {
        let done = complete(token.clone(), wrong.into(), t1).await;
        assert!(matches!(done, Completed::WrongCode), "{done:?}");
    }
    let done = complete(token, code, t1).await;
    assert!(matches!(done, Completed::WrongCode), "{done:?}");

    // In time: the account exists, once.
    let t2 = t0 + 20 * MINUTE;
    let token = start(t2).await;
    let code = code_sent(&store, t2).await;
    let done = complete(token.clone(), code.clone(), t2 + 4 * MINUTE).await;
    assert!(matches!(done, Completed::Created(_)), "{done:?}");
    assert!(matches!(
        complete(token, code, t2 + 4 * MINUTE).await,
        Completed::Expired
    ));
}

#[tokio::test]
async fn messages_are_limited_per_recipient_and_per_project_each_hour() {
    let (store, _dir) = store().await;
    let t0: i64 = 1_800_000_000;
    let message = Message::VerificationCode {
        code: "123456",
        minutes: 5,
    };
    let queue = |to: String, at: i64| {
        let store = store.clone();
        async move {
            let mut tx = store.begin().await.unwrap();
            let queued = messages::queue(&mut tx, "p", Channel::Email, &to, message, at)
                .await
                .unwrap();
            tx.commit().await.unwrap();
            queued
        }
    };
    // Five to one recipient in an hour, then refused; an hour later, again.
    for _ in 0..messages::PER_RECIPIENT_PER_HOUR {
        assert!(matches!(
            queue("a@example.com".into(), t0).await,
            Queued::Yes(_)
        ));
    }
    assert_eq!(
        queue("a@example.com".into(), t0 + 60).await,
        Queued::RateLimited
    );
    assert!(matches!(
        queue("b@example.com".into(), t0 + 60).await,
        Queued::Yes(_)
    ));
    assert!(matches!(
        queue("a@example.com".into(), t0 + 3601).await,
        Queued::Yes(_)
    ));

    // The project's hourly total, over many recipients (one transaction).
    let t1 = t0 + 10 * 3600;
    let mut tx = store.begin().await.unwrap();
    for n in 0..messages::PER_PROJECT_PER_HOUR {
        let to = format!("user{n}@example.com");
        let queued = messages::queue(&mut tx, "p", Channel::Email, &to, message, t1)
            .await
            .unwrap();
        assert!(matches!(queued, Queued::Yes(_)), "message {n}");
    }
    tx.commit().await.unwrap();
    assert_eq!(
        queue("new@example.com".into(), t1 + 60).await,
        Queued::RateLimited
    );
    assert!(matches!(
        queue("new@example.com".into(), t1 + 3601).await,
        Queued::Yes(_)
    ));
}
