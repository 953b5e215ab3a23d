#![allow(clippy::expect_used)]
//! Token verification and signing costs. The server's warm path (a reused
//! token) is a SHA-256 of the token plus a cache lookup; that is measured in
//! `keyward-server`'s bench. Here: the full RS256 verify and the signer.
use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use keyward_token::{
    AdminClaims, GeneratedKeyPair, KeySet, KeyStatus, Policy, SigningKey, sign, verify,
};

fn benches(c: &mut Criterion) {
    let now = 1_800_000_000;
    for bits in [2048u32, 4096] {
        let pair = GeneratedKeyPair::generate(bits).expect("generate");
        let key = SigningKey::from_pem(pair.private_key_pem().as_bytes()).expect("signing key");
        let mut keys = KeySet::new();
        keys.insert(
            "kid",
            Arc::new(pair.public_key().clone()),
            KeyStatus::Active,
        );
        let token = sign(&AdminClaims::new("myapp", now, 300), "kid", &key).expect("sign");
        let policy = Policy::default();
        c.bench_function(&format!("verify_rs256_{bits}"), |b| {
            b.iter(|| verify(black_box(&token), &keys, "myapp", &policy, now).expect("valid"))
        });
        c.bench_function(&format!("sign_rs256_{bits}"), |b| {
            b.iter(|| {
                sign(black_box(&AdminClaims::new("myapp", now, 300)), "kid", &key).expect("sign")
            })
        });
    }
}

criterion_group!(group, benches);
criterion_main!(group);
