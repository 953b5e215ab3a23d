//! The whole authentication path as a request sees it (project lookup,
//! bearer parsing, verified-token cache, RS256 verify), with a cold cache
//! (capacity 0: every request is a full verification) and a warm one (the
//! client reuses its token, as the seed recommends).
#![allow(clippy::expect_used)]

use keyward_store::KeyRole;
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use keyward_client::TokenSigner;
use keyward_server::Config;
use keyward_server::auth::Authenticator;
use keyward_server::metrics::Metrics;
use keyward_store::{MasterKey, Store, StoreOptions};
use keyward_token::SigningKey;

fn benches(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let (store, kid, pem) = rt.block_on(async {
        let store = Store::open(&url, StoreOptions::default())
            .await
            .expect("store");
        store.create_project("myapp").await.expect("project");
        let master = MasterKey::from_bytes(&[1; 32]).expect("master");
        let (key, pem) = store
            .generate_key("myapp", 2048, "", KeyRole::Full, &master)
            .await
            .expect("key");
        (store, key.kid, pem.to_string())
    });
    let signer = TokenSigner::new(
        "myapp",
        &kid,
        SigningKey::from_pem(pem.as_bytes()).expect("pem"),
        300,
    )
    .expect("signer");
    let token = signer.token().expect("token");
    let header = format!("Bearer {token}");

    for (name, capacity) in [
        ("authenticate_cold_cache", 0),
        ("authenticate_warm_cache", 10_000),
    ] {
        let config = Config {
            verified_cache_capacity: capacity,
            ..Config::default()
        };
        let auth = Authenticator::new(&config, store.clone(), Metrics::new());
        let _guard = rt.enter();
        c.bench_function(name, |b| {
            b.iter(|| {
                rt.block_on(auth.authenticate(
                    "myapp",
                    &[black_box(header.as_bytes())],
                    std::net::Ipv4Addr::LOCALHOST.into(),
                ))
                .expect("accepted")
            })
        });
    }
    c.bench_function("sign_with_cached_signer", |b| {
        b.iter(|| signer.token().expect("token"))
    });
}

criterion_group!(group, benches);
criterion_main!(group);
