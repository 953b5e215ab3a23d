//! Graceful shutdown under load: SIGTERM while 16 clients create users as
//! fast as they can. Every request the server took in must get its answer:
//! afterwards the database holds exactly the users whose creation was
//! acknowledged (a user stored without an acknowledgement would be a request
//! accepted and then cut off).

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::common::*;
use keyward_store::{Store, StoreOptions, UserFilter, UserSort};

#[test]
fn sigterm_under_load_answers_every_accepted_request() {
    let env = Env::new();
    env.ok(&["project", "create", "myapp"]);
    let (_, token) = env.new_key_and_token("k.pem", "600");
    let server = env.serve();
    let endpoint = server.endpoint();

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let acknowledged = Arc::new(AtomicU32::new(0));
    let refused_connections = Arc::new(AtomicU32::new(0));
    let cut_off: Arc<Mutex<Vec<String>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let workers: Vec<_> = (0..16)
        .map(|worker| {
            let (endpoint, token) = (endpoint.clone(), token.clone());
            let (acknowledged, refused, cut_off, stop) = (
                acknowledged.clone(),
                refused_connections.clone(),
                cut_off.clone(),
                stop.clone(),
            );
            rt.spawn(async move {
                let http = reqwest::Client::new();
                // Bounded in count; ends when the server is gone.
                for n in 0..50_000u32 {
                    if stop.load(Ordering::SeqCst) {
                        return;
                    }
                    // Some with a password, so requests stay in flight for
                    // the ~10 ms of argon2id.
                    let password = if worker % 2 == 0 {
                        ", password: \"correct horse battery staple\""
                    } else {
                        ""
                    };
                    let query = format!(
                        "mutation {{ createUser(input: {{definition: {{loginID: {{key: \"email\", value: \"w{worker}-{n}@example.com\"}}}}{password}}}) {{ user {{ id }} }} }}"
                    );
                    let sent = http
                        .post(&endpoint)
                        .bearer_auth(&token)
                        .json(&serde_json::json!({ "query": query }))
                        .send()
                        .await;
                    match sent {
                        Ok(response) => {
                            let status = response.status();
                            let body: serde_json::Value = match response.json().await {
                                Ok(body) => body,
                                Err(e) => {
                                    cut_off.lock().unwrap().push(format!("body cut off: {e}"));
                                    return;
                                }
                            };
                            assert_eq!(status, 200, "{body}");
                            assert!(body["errors"].is_null(), "{body}");
                            acknowledged.fetch_add(1, Ordering::SeqCst);
                        }
                        Err(e) if e.is_connect() => {
                            refused.fetch_add(1, Ordering::SeqCst);
                            return;
                        }
                        Err(e) => {
                            // Sent on a connection the server closed: fine
                            // only if the server never processed it, which
                            // the user count below decides.
                            cut_off.lock().unwrap().push(format!("{e:?}"));
                            return;
                        }
                    }
                }
            })
        })
        .collect();

    // Shut down once the load is well under way (bounded wait).
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while acknowledged.load(Ordering::SeqCst) <= 50 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let before = acknowledged.load(Ordering::SeqCst);
    assert!(before > 50, "only {before} requests before the shutdown");
    server.stop_gracefully();
    stop.store(true, Ordering::SeqCst);
    rt.block_on(async {
        for w in workers {
            w.await.unwrap();
        }
    });

    let acknowledged = acknowledged.load(Ordering::SeqCst);
    let stored = rt.block_on(async {
        let url = format!("sqlite://{}", env.path("keyward-data/keyward.db").display());
        let store = Store::open(&url, StoreOptions::default()).await.unwrap();
        let mut tx = store.begin_read().await.unwrap();
        let n = tx
            .count_users("myapp", &UserFilter::all(UserSort::CreatedAt))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        n
    });
    let cut_off = cut_off.lock().unwrap();
    eprintln!(
        "shutdown under load: {acknowledged} acknowledged, {stored} stored, {} connections refused after close, {} requests on closing connections: {:?}",
        refused_connections.load(Ordering::SeqCst),
        cut_off.len(),
        cut_off
    );
    assert_eq!(
        stored as u32, acknowledged,
        "a request was processed but its response never arrived"
    );
}
