//! Property tests: arbitrary input never panics the parser or the verifier,
//! and no mutation of a valid token is ever accepted with different content.

use std::sync::{Arc, OnceLock};

use keyward_token::{
    AdminClaims, GeneratedKeyPair, KeySet, KeyStatus, Policy, SigningKey, jws, sign, verify,
    verify::bearer_token,
};
use proptest::prelude::*;

const NOW: u64 = 1_800_000_000;

struct Fx {
    keys: KeySet,
    token: String,
}

fn fx() -> &'static Fx {
    static F: OnceLock<Fx> = OnceLock::new();
    F.get_or_init(|| {
        let pair = GeneratedKeyPair::generate(2048).expect("generate");
        let key = SigningKey::from_pem(pair.private_key_pem().as_bytes()).expect("key");
        let mut keys = KeySet::new();
        keys.insert("k", Arc::new(pair.public_key().clone()), KeyStatus::Active);
        let token = sign(&AdminClaims::new("myapp", NOW, 300), "k", &key).expect("sign");
        Fx { keys, token }
    })
}

/// Cases per property: 2000 in `cargo test`; `KEYWARD_FUZZ_CASES` raises it
/// for a long run (`reliability/fuzz.sh`).
fn cases() -> u32 {
    std::env::var("KEYWARD_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000)
}

/// Seeds: every Wycheproof JWS (valid and invalid, all algorithms) and the
/// attack tokens of the verifier's tests, so mutations start from inputs
/// that already reach deep into the parser.
fn seeds() -> &'static Vec<String> {
    static SEEDS: OnceLock<Vec<String>> = OnceLock::new();
    SEEDS.get_or_init(|| {
        use base64::Engine as _;
        let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        let doc: serde_json::Value =
            serde_json::from_str(include_str!("../vectors/json_web_signature_test.json")).unwrap();
        let mut seeds: Vec<String> = doc["testGroups"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|g| g["tests"].as_array().unwrap().iter())
            .filter_map(|t| t["jws"].as_str().map(str::to_owned))
            .collect();
        let claims = b64(r#"{"aud":["myapp"],"exp":1800000300,"iat":1800000000}"#);
        for header in [
            r#"{"alg":"none","kid":"k"}"#,
            r#"{"alg":"HS256","kid":"k"}"#,
            r#"{"alg":"RS256","kid":"k","jwk":{"kty":"RSA","n":"AQAB","e":"AQAB"}}"#,
            r#"{"alg":"RS256","kid":"k","jku":"http://127.0.0.1/jwks"}"#,
            r#"{"alg":"RS256","kid":"k","crit":["exp"]}"#,
            r#"{"alg":"RS256","kid":"../../etc/passwd"}"#,
            r#"{"alg":"RS256","alg":"none","kid":"k"}"#,
            r#"{"alg":"RS256","kid":"k","typ":"JWE"}"#,
            r#"{"alg":"RS256","kid":""}"#,
        ] {
            seeds.push(format!("{}.{claims}.", b64(header)));
            seeds.push(format!("{}.{claims}.{}", b64(header), b64("sig")));
        }
        seeds.push(fx().token.clone());
        seeds
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn mutated_seeds_never_panic_nor_pass(
        seed in any::<prop::sample::Index>(),
        edits in proptest::collection::vec((0u8..5, any::<prop::sample::Index>(), any::<u8>(), 0usize..64), 1..6),
    ) {
        let seeds = seeds();
        let mut bytes = seeds[seed.index(seeds.len())].clone().into_bytes();
        for (op, at, byte, len) in edits {
            let i = if bytes.is_empty() { 0 } else { at.index(bytes.len()) };
            match op {
                0 if !bytes.is_empty() => bytes[i] = byte,
                1 => bytes.insert(i, byte),
                2 => { let end = (i + len).min(bytes.len()); bytes.drain(i..end); }
                3 => { let end = (i + len).min(bytes.len()); let copy = bytes[i..end].to_vec(); bytes.splice(i..i, copy); }
                _ => bytes.insert(i, b'.'),
            }
        }
        let text = String::from_utf8_lossy(&bytes);
        let _ = bearer_token(Some(&bytes));
        let _ = jws::parse(&text);
        // None of the seeds is signed by the fixture's key, except the
        // fixture's own token, whose every change must be refused.
        let result = verify(&text, &fx().keys, "myapp", &Policy::default(), NOW);
        prop_assert!(result.is_err() || text == fx().token, "accepted: {text}");
        let guarded = Policy { require_jti: true, ..Policy::default() };
        let _ = verify(&text, &fx().keys, "myapp", &guarded, NOW);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..10_000)) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = jws::parse(&text);
        let _ = jws::parse_object(&bytes, "x");
        let _ = bearer_token(Some(&bytes));
        prop_assert!(verify(&text, &fx().keys, "myapp", &Policy::default(), NOW).is_err());
    }

    #[test]
    fn dotted_base64_never_panics(parts in proptest::collection::vec("[A-Za-z0-9_-]{0,400}", 0..5)) {
        let text = parts.join(".");
        prop_assert!(verify(&text, &fx().keys, "myapp", &Policy::default(), NOW).is_err());
    }

    #[test]
    fn json_headers_never_panic(header in "\\{(\"[a-z]{1,4}\":(\"[A-Za-z0-9]{0,6}\"|[0-9]{1,3}|null|true|\\[\\]|\\{\\}),?){0,6}\\}") {
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let t = format!("{}.{}.{}", b64.encode(header), b64.encode("{}"), b64.encode("sig"));
        prop_assert!(verify(&t, &fx().keys, "myapp", &Policy::default(), NOW).is_err());
    }

    #[test]
    fn single_byte_mutation_never_accepted(pos in 0usize..2000, byte in any::<u8>()) {
        let token = &fx().token;
        let mut bytes = token.clone().into_bytes();
        let i = pos % bytes.len();
        prop_assume!(bytes[i] != byte);
        bytes[i] = byte;
        let mutated = String::from_utf8_lossy(&bytes).into_owned();
        // Base64 has a few "don't care" trailing bits; the canonical-decoding
        // rule refuses those too, so any change must be refused.
        prop_assert!(verify(&mutated, &fx().keys, "myapp", &Policy::default(), NOW).is_err());
    }
}

#[test]
fn fixture_token_is_valid() {
    verify(&fx().token, &fx().keys, "myapp", &Policy::default(), NOW).expect("valid");
}
