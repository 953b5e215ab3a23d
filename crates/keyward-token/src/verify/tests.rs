//! One test per rule and outcome, named `<rule>_<case>_{ok,fails}`, each
//! asserting the exact reason. Tokens are built by hand (header and claims
//! as raw JSON text) so that hostile shapes can be expressed.
//!
//! Over 600 lines on purpose: one test per token rule, in the order of the
//! rules table, so a reader checks each rule against its test in one place.

use std::sync::{Arc, OnceLock};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::RSA_PKCS1_SHA256;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::*;
use crate::keys::{GeneratedKeyPair, PublicKey, SigningKey};

const NOW: u64 = 1_800_000_000;
const PROJECT: &str = "myapp";
const KID: &str = "kid-1";
const OTHER_KID: &str = "kid-2";

struct Fixture {
    signer: aws_lc_rs::rsa::KeyPair,
    other_signer: aws_lc_rs::rsa::KeyPair,
    public: Arc<PublicKey>,
    other_public: Arc<PublicKey>,
    private_pem: String,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let a = GeneratedKeyPair::generate(2048).unwrap();
        let b = GeneratedKeyPair::generate(2048).unwrap();
        Fixture {
            signer: aws_lc_rs::rsa::KeyPair::from_pkcs8(a.private_pkcs8_der()).unwrap(),
            other_signer: aws_lc_rs::rsa::KeyPair::from_pkcs8(b.private_pkcs8_der()).unwrap(),
            public: Arc::new(a.public_key().clone()),
            other_public: Arc::new(b.public_key().clone()),
            private_pem: a.private_key_pem().to_string(),
        }
    })
}

fn keyset() -> KeySet {
    let f = fixture();
    let mut ks = KeySet::new();
    ks.insert(KID, f.public.clone(), KeyStatus::Active);
    ks.insert(OTHER_KID, f.other_public.clone(), KeyStatus::Active);
    ks
}

fn b64(s: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(s)
}

fn sign_with(signer: &aws_lc_rs::rsa::KeyPair, header: &str, claims: &str) -> String {
    let input = format!("{}.{}", b64(header.as_bytes()), b64(claims.as_bytes()));
    let mut sig = vec![0; signer.public_modulus_len()];
    signer
        .sign(
            &RSA_PKCS1_SHA256,
            &SystemRandom::new(),
            input.as_bytes(),
            &mut sig,
        )
        .unwrap();
    format!("{input}.{}", b64(&sig))
}

fn token(header: &str, claims: &str) -> String {
    sign_with(&fixture().signer, header, claims)
}

fn good_header() -> String {
    format!(r#"{{"alg":"RS256","kid":"{KID}","typ":"JWT"}}"#)
}

fn claims_at(iat: u64, exp: u64) -> String {
    format!(r#"{{"aud":["{PROJECT}"],"exp":{exp},"iat":{iat}}}"#)
}

fn good_claims() -> String {
    claims_at(NOW, NOW + 300)
}

fn check(token: &str) -> Result<VerifiedToken, TokenError> {
    verify(token, &keyset(), PROJECT, &Policy::default(), NOW)
}

fn check_claims_json(claims: &str) -> Result<VerifiedToken, TokenError> {
    check(&token(&good_header(), claims))
}

fn reason(r: Result<VerifiedToken, TokenError>) -> Reason {
    match r {
        Ok(v) => panic!("expected a refusal, got {v:?}"),
        Err(e) => e.reason,
    }
}

// ---- baseline ----

#[test]
fn seed_shaped_token_ok() {
    let v = check_claims_json(&good_claims()).unwrap();
    assert_eq!(v.kid, KID);
    assert_eq!(v.exp, (NOW + 300) as f64);
    assert_eq!(v.iat, Some(NOW as f64));
}

#[test]
fn sign_then_verify_across_implementations_ok() {
    // Signed by jsonwebtoken, verified by aws-lc-rs.
    let key = SigningKey::from_pem(fixture().private_pem.as_bytes()).unwrap();
    let t = crate::sign(&crate::AdminClaims::new(PROJECT, NOW, 300), KID, &key).unwrap();
    let header = jws::parse(&t).unwrap().header;
    assert_eq!(header.len(), 3, "{header:?}");
    assert_eq!(header["typ"], "JWT");
    assert_eq!(header["alg"], "RS256");
    assert_eq!(header["kid"], KID);
    check(&t).unwrap();
}

// ---- request: Authorization header ----

#[test]
fn bearer_scheme_case_insensitive_ok() {
    for h in ["Bearer abc", "bearer abc", "BEARER abc", "BeArEr  abc"] {
        assert_eq!(bearer_token(Some(h.as_bytes())).unwrap(), "abc", "{h}");
    }
}

#[test]
fn bearer_missing_fails() {
    assert_eq!(
        bearer_token(None).unwrap_err().reason,
        Reason::MissingCredentials
    );
}

#[test]
fn bearer_other_scheme_fails() {
    for h in ["Basic dXNlcjpwYXNz", "Token abc", "Bearerabc", "abc"] {
        assert_eq!(
            bearer_token(Some(h.as_bytes())).unwrap_err().reason,
            Reason::MissingCredentials,
            "{h}"
        );
    }
}

#[test]
fn bearer_empty_or_spaced_token_fails() {
    for h in [
        "Bearer",
        "Bearer ",
        "Bearer a b",
        "Bearer a\tb",
        "Bearer abc\t",
    ] {
        assert_eq!(
            bearer_token(Some(h.as_bytes())).unwrap_err().reason,
            Reason::MalformedToken,
            "{h:?}"
        );
    }
    assert_eq!(
        bearer_token(Some(b"Bearer \xff")).unwrap_err().reason,
        Reason::MalformedToken
    );
}

// ---- rule 1: shape ----

#[test]
fn size_at_limit_ok_over_limit_fails() {
    let base = token(&good_header(), &good_claims());
    // Grow the claims with padding until the token is exactly 8192 bytes.
    let mut pad = 0;
    let mut largest_ok = String::new();
    let exact = loop {
        let claims = format!(
            r#"{{"aud":["{PROJECT}"],"exp":{},"iat":{NOW},"x":"{}"}}"#,
            NOW + 300,
            "a".repeat(pad)
        );
        let t = token(&good_header(), &claims);
        if t.len() >= crate::MAX_TOKEN_BYTES {
            break t;
        }
        largest_ok = t;
        pad += 1;
    };
    assert!(base.len() < exact.len());
    // Each padding byte adds one or two base64 characters.
    assert!(largest_ok.len() >= crate::MAX_TOKEN_BYTES - 2);
    check(&largest_ok).unwrap();
    if exact.len() == crate::MAX_TOKEN_BYTES {
        check(&exact).unwrap();
    }
    let over = format!("{exact}A");
    assert_eq!(reason(check(&over)), Reason::MalformedToken);
    let huge = "a".repeat(100_000);
    assert_eq!(reason(check(&huge)), Reason::MalformedToken);
}

#[test]
fn segments_not_three_fails() {
    let t = token(&good_header(), &good_claims());
    let parts: Vec<&str> = t.split('.').collect();
    for bad in [
        String::new(),
        parts[0].to_owned(),
        format!("{}.{}", parts[0], parts[1]),
        format!("{t}."),
        format!("{t}.{}", parts[2]),
        format!(".{}.{}", parts[1], parts[2]),
        format!("{}.{}.", parts[0], parts[1]),
    ] {
        assert_eq!(reason(check(&bad)), Reason::MalformedToken, "{bad}");
    }
}

#[test]
fn base64_padding_or_whitespace_fails() {
    let t = token(&good_header(), &good_claims());
    let parts: Vec<&str> = t.split('.').collect();
    for bad in [
        format!("{}=.{}.{}", parts[0], parts[1], parts[2]),
        format!("{}.{}.{}==", parts[0], parts[1], parts[2]),
        format!("{} .{}.{}", parts[0], parts[1], parts[2]),
        format!("{}.{}\n.{}", parts[0], parts[1], parts[2]),
        t.replace('-', "+"),
    ] {
        if bad == t {
            continue;
        }
        assert_eq!(reason(check(&bad)), Reason::MalformedToken, "{bad}");
    }
}

#[test]
fn header_not_json_object_fails() {
    for h in ["[]", "\"x\"", "null", "{", "not json", ""] {
        let t = format!("{}.{}.{}", b64(h.as_bytes()), b64(b"{}"), b64(b"sig"));
        assert_eq!(reason(check(&t)), Reason::MalformedToken, "{h}");
    }
}

#[test]
fn header_duplicate_member_fails() {
    // A parser that keeps the first `kid` and one that keeps the last would disagree.
    let h = format!(r#"{{"alg":"RS256","kid":"{KID}","kid":"{OTHER_KID}"}}"#);
    assert_eq!(
        reason(check(&token(&h, &good_claims()))),
        Reason::MalformedToken
    );
    let h = format!(r#"{{"alg":"none","alg":"RS256","kid":"{KID}"}}"#);
    assert_eq!(
        reason(check(&token(&h, &good_claims()))),
        Reason::MalformedToken
    );
}

// ---- rule 2: alg ----

#[test]
fn alg_other_than_rs256_fails() {
    for alg in [
        "none", "None", "NONE", "nOnE", "HS256", "HS384", "HS512", "RS384", "RS512", "PS256",
        "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "rs256", "RS256 ", " RS256", "",
    ] {
        let h = format!(r#"{{"alg":"{alg}","kid":"{KID}","typ":"JWT"}}"#);
        assert_eq!(
            reason(check(&token(&h, &good_claims()))),
            Reason::UnsupportedAlgorithm,
            "{alg:?}"
        );
    }
}

#[test]
fn alg_none_unsigned_fails() {
    let h = format!(r#"{{"alg":"none","kid":"{KID}"}}"#);
    let t = format!("{}.{}.", b64(h.as_bytes()), b64(good_claims().as_bytes()));
    assert_eq!(reason(check(&t)), Reason::MalformedToken);
    let t = format!("{}.{}.AA", b64(h.as_bytes()), b64(good_claims().as_bytes()));
    assert_eq!(reason(check(&t)), Reason::UnsupportedAlgorithm);
}

#[test]
fn alg_hs256_keyed_with_public_key_fails() {
    use aws_lc_rs::hmac;
    let h = format!(r#"{{"alg":"HS256","kid":"{KID}","typ":"JWT"}}"#);
    let input = format!("{}.{}", b64(h.as_bytes()), b64(good_claims().as_bytes()));
    for secret in [
        fixture().public.to_spki_pem().into_bytes(),
        fixture().public.spki_der().to_vec(),
    ] {
        let key = hmac::Key::new(hmac::HMAC_SHA256, &secret);
        let t = format!(
            "{input}.{}",
            b64(hmac::sign(&key, input.as_bytes()).as_ref())
        );
        assert_eq!(reason(check(&t)), Reason::UnsupportedAlgorithm);
    }
}

#[test]
fn alg_missing_or_not_string_fails() {
    for h in [
        format!(r#"{{"kid":"{KID}"}}"#),
        format!(r#"{{"alg":null,"kid":"{KID}"}}"#),
        format!(r#"{{"alg":["RS256"],"kid":"{KID}"}}"#),
    ] {
        assert_eq!(
            reason(check(&token(&h, &good_claims()))),
            Reason::MalformedToken,
            "{h}"
        );
    }
}

// ---- rule 3: forbidden header members ----

#[test]
fn header_forbidden_members_fail() {
    for (name, value) in [
        ("crit", r#"["exp"]"#),
        ("jku", r#""https://evil.example/jwks""#),
        ("jwk", r#"{"kty":"RSA","n":"AQAB","e":"AQAB"}"#),
        ("x5u", r#""https://evil.example/cert""#),
        ("x5c", r#"["MIIB"]"#),
    ] {
        let h = format!(r#"{{"alg":"RS256","kid":"{KID}","{name}":{value}}}"#);
        let e = check(&token(&h, &good_claims())).unwrap_err();
        assert_eq!(e.reason, Reason::ForbiddenHeader, "{name}");
        assert!(e.message.contains(name));
    }
}

// ---- rule 4: typ ----

#[test]
fn typ_absent_or_jwt_any_case_ok() {
    for h in [
        format!(r#"{{"alg":"RS256","kid":"{KID}"}}"#),
        format!(r#"{{"alg":"RS256","kid":"{KID}","typ":"JWT"}}"#),
        format!(r#"{{"alg":"RS256","kid":"{KID}","typ":"jwt"}}"#),
        format!(r#"{{"alg":"RS256","kid":"{KID}","typ":"Jwt"}}"#),
    ] {
        check(&token(&h, &good_claims())).unwrap();
    }
}

#[test]
fn typ_other_fails() {
    for typ in [r#""JOSE""#, r#""at+jwt""#, r#""""#, "null", "1"] {
        let h = format!(r#"{{"alg":"RS256","kid":"{KID}","typ":{typ}}}"#);
        assert_eq!(
            reason(check(&token(&h, &good_claims()))),
            Reason::MalformedToken,
            "{typ}"
        );
    }
}

// ---- rules 5–7: kid ----

#[test]
fn kid_missing_or_bad_type_fails() {
    for h in [
        r#"{"alg":"RS256"}"#.to_owned(),
        r#"{"alg":"RS256","kid":null}"#.to_owned(),
        r#"{"alg":"RS256","kid":1}"#.to_owned(),
        r#"{"alg":"RS256","kid":""}"#.to_owned(),
    ] {
        assert_eq!(
            reason(check(&token(&h, &good_claims()))),
            Reason::MalformedToken,
            "{h}"
        );
    }
}

#[test]
fn kid_length_limit() {
    let at_limit = "k".repeat(256);
    let h = format!(r#"{{"alg":"RS256","kid":"{at_limit}"}}"#);
    assert_eq!(
        reason(check(&token(&h, &good_claims()))),
        Reason::UnknownKey
    );
    let over = "k".repeat(257);
    let h = format!(r#"{{"alg":"RS256","kid":"{over}"}}"#);
    assert_eq!(
        reason(check(&token(&h, &good_claims()))),
        Reason::MalformedToken
    );

    let mut ks = keyset();
    ks.insert(
        at_limit.clone(),
        fixture().public.clone(),
        KeyStatus::Active,
    );
    let h = format!(r#"{{"alg":"RS256","kid":"{at_limit}"}}"#);
    verify(
        &token(&h, &good_claims()),
        &ks,
        PROJECT,
        &Policy::default(),
        NOW,
    )
    .unwrap();
}

#[test]
fn kid_unknown_or_inexact_fails() {
    for kid in [
        "nope",
        "KID-1",
        "kid-1 ",
        "kid-",
        "../kid-1",
        "kid-1' OR '1'='1",
    ] {
        let h = format!(r#"{{"alg":"RS256","kid":"{kid}"}}"#);
        assert_eq!(
            reason(check(&token(&h, &good_claims()))),
            Reason::UnknownKey,
            "{kid}"
        );
    }
}

#[test]
fn kid_disabled_fails() {
    let mut ks = keyset();
    ks.insert(KID, fixture().public.clone(), KeyStatus::Disabled);
    let t = token(&good_header(), &good_claims());
    let e = verify(&t, &ks, PROJECT, &Policy::default(), NOW).unwrap_err();
    assert_eq!(e.reason, Reason::KeyDisabled);
}

// ---- rule 8: signature ----

#[test]
fn signature_by_other_key_fails() {
    // Signed by key 2 but naming key 1.
    let t = sign_with(&fixture().other_signer, &good_header(), &good_claims());
    assert_eq!(reason(check(&t)), Reason::InvalidSignature);
}

#[test]
fn signature_over_modified_payload_fails() {
    let t = token(&good_header(), &good_claims());
    let parts: Vec<&str> = t.split('.').collect();
    let forged_claims = claims_at(NOW, NOW + 3000);
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        b64(forged_claims.as_bytes()),
        parts[2]
    );
    assert_eq!(reason(check(&forged)), Reason::InvalidSignature);
}

#[test]
fn signature_truncated_or_zero_fails() {
    let t = token(&good_header(), &good_claims());
    let (input, sig) = t.rsplit_once('.').unwrap();
    let sig = URL_SAFE_NO_PAD.decode(sig).unwrap();
    for bad in [&sig[..sig.len() - 1], &[0u8; 256][..], &[0u8; 1][..]] {
        let forged = format!("{input}.{}", b64(bad));
        assert_eq!(reason(check(&forged)), Reason::InvalidSignature);
    }
}

// ---- rule 9: claims shape ----

#[test]
fn claims_not_json_object_fails() {
    for c in ["foo", "[]", "\"x\"", "", "{\"aud\":"] {
        assert_eq!(reason(check_claims_json(c)), Reason::MalformedToken, "{c}");
    }
}

#[test]
fn claims_duplicate_member_fails() {
    let c = format!(
        r#"{{"aud":"{PROJECT}","exp":{},"exp":{}}}"#,
        NOW - 1000,
        NOW + 100
    );
    assert_eq!(reason(check_claims_json(&c)), Reason::MalformedToken);
}

// ---- rule 10: aud ----

#[test]
fn aud_string_or_array_ok() {
    for aud in [
        format!(r#""{PROJECT}""#),
        format!(r#"["{PROJECT}"]"#),
        format!(r#"["other","{PROJECT}"]"#),
    ] {
        let c = format!(r#"{{"aud":{aud},"exp":{}}}"#, NOW + 60);
        check_claims_json(&c).unwrap();
    }
}

#[test]
fn aud_missing_or_wrong_fails() {
    let exp = NOW + 60;
    for c in [
        format!(r#"{{"exp":{exp}}}"#),
        format!(r#"{{"aud":"other","exp":{exp}}}"#),
        format!(r#"{{"aud":["MYAPP"],"exp":{exp}}}"#),
        format!(r#"{{"aud":["myap"],"exp":{exp}}}"#),
        format!(r#"{{"aud":["myapp2"],"exp":{exp}}}"#),
        format!(r#"{{"aud":[],"exp":{exp}}}"#),
        format!(r#"{{"aud":"myapp ","exp":{exp}}}"#),
    ] {
        assert_eq!(
            reason(check_claims_json(&c)),
            Reason::InvalidAudience,
            "{c}"
        );
    }
}

#[test]
fn aud_wrong_type_fails() {
    let exp = NOW + 60;
    for aud in ["1", "null", "true", r#"{"myapp":1}"#, r#"["myapp",1]"#] {
        let c = format!(r#"{{"aud":{aud},"exp":{exp}}}"#);
        assert_eq!(
            reason(check_claims_json(&c)),
            Reason::MalformedToken,
            "{aud}"
        );
    }
}

// ---- rule 11: exp ----

#[test]
fn exp_missing_fails() {
    let c = format!(r#"{{"aud":"{PROJECT}","iat":{NOW}}}"#);
    assert_eq!(reason(check_claims_json(&c)), Reason::MalformedToken);
}

#[test]
fn exp_leeway_boundary() {
    // Expired when now ≥ exp + 60.
    check_claims_json(&claims_at(NOW - 100, NOW - 59)).unwrap();
    assert_eq!(
        reason(check_claims_json(&claims_at(NOW - 100, NOW - 60))),
        Reason::TokenExpired
    );
    assert_eq!(
        reason(check_claims_json(&claims_at(NOW - 500, NOW - 400))),
        Reason::TokenExpired
    );
}

#[test]
fn exp_decimal_ok() {
    let c = format!(
        r#"{{"aud":"{PROJECT}","exp":{}.75,"iat":{NOW}.25}}"#,
        NOW + 100
    );
    let v = check_claims_json(&c).unwrap();
    assert_eq!(v.exp, (NOW + 100) as f64 + 0.75);
}

#[test]
fn numeric_date_malformed_fails() {
    for bad in [
        r#""1800000300""#,
        "true",
        "null",
        "-1",
        "253402300800",
        "1e300",
        "[1]",
        r#"{"t":1}"#,
    ] {
        for claim in ["exp", "iat", "nbf"] {
            let c = if claim == "exp" {
                format!(r#"{{"aud":"{PROJECT}","exp":{bad}}}"#)
            } else {
                format!(
                    r#"{{"aud":"{PROJECT}","exp":{},"{claim}":{bad}}}"#,
                    NOW + 60
                )
            };
            assert_eq!(
                reason(check_claims_json(&c)),
                Reason::MalformedToken,
                "{claim}={bad}"
            );
        }
    }
}

// ---- rule 12: nbf ----

#[test]
fn nbf_leeway_boundary() {
    let c = |nbf: u64| format!(r#"{{"aud":"{PROJECT}","exp":{},"nbf":{nbf}}}"#, NOW + 300);
    check_claims_json(&c(NOW)).unwrap();
    check_claims_json(&c(NOW + 60)).unwrap();
    assert_eq!(
        reason(check_claims_json(&c(NOW + 61))),
        Reason::TokenNotYetValid
    );
}

// ---- rule 13: iat ----

#[test]
fn iat_leeway_boundary() {
    check_claims_json(&claims_at(NOW + 60, NOW + 300)).unwrap();
    assert_eq!(
        reason(check_claims_json(&claims_at(NOW + 61, NOW + 300))),
        Reason::IssuedInFuture
    );
}

#[test]
fn iat_absent_ok() {
    let c = format!(r#"{{"aud":"{PROJECT}","exp":{}}}"#, NOW + 300);
    let v = check_claims_json(&c).unwrap();
    assert_eq!(v.iat, None);
}

// ---- rule 14: lifetime cap ----

#[test]
fn lifetime_with_iat_boundary() {
    // exp − iat ≤ 3600, judged on the client's own two numbers.
    check_claims_json(&claims_at(NOW - 10, NOW - 10 + 3600)).unwrap();
    assert_eq!(
        reason(check_claims_json(&claims_at(NOW - 10, NOW - 10 + 3601))),
        Reason::LifetimeTooLong
    );
    // A client whose clock is 50 s ahead still gets a full hour.
    check_claims_json(&claims_at(NOW + 50, NOW + 50 + 3600)).unwrap();
}

#[test]
fn lifetime_without_iat_boundary() {
    let c = |exp: u64| format!(r#"{{"aud":"{PROJECT}","exp":{exp}}}"#);
    check_claims_json(&c(NOW + 3660)).unwrap();
    assert_eq!(
        reason(check_claims_json(&c(NOW + 3661))),
        Reason::LifetimeTooLong
    );
}

#[test]
fn lifetime_per_project_policy() {
    let policy = Policy {
        leeway_secs: 0,
        max_lifetime_secs: 300,
        require_jti: false,
    };
    let ok = token(&good_header(), &claims_at(NOW, NOW + 300));
    verify(&ok, &keyset(), PROJECT, &policy, NOW).unwrap();
    let long = token(&good_header(), &claims_at(NOW, NOW + 301));
    let e = verify(&long, &keyset(), PROJECT, &policy, NOW).unwrap_err();
    assert_eq!(e.reason, Reason::LifetimeTooLong);
    assert!(e.message.contains("300"));
}

#[test]
fn leeway_configurable() {
    let policy = Policy {
        leeway_secs: 0,
        ..Policy::default()
    };
    let t = token(&good_header(), &claims_at(NOW - 100, NOW));
    assert_eq!(
        verify(&t, &keyset(), PROJECT, &policy, NOW)
            .unwrap_err()
            .reason,
        Reason::TokenExpired
    );
    let policy = Policy {
        leeway_secs: 120,
        ..Policy::default()
    };
    verify(&t, &keyset(), PROJECT, &policy, NOW + 119).unwrap();
}

// ---- ordering and hygiene ----

#[test]
fn claims_not_read_before_signature_ok() {
    // A forged token with expired claims reports the signature, not the expiry.
    let t = sign_with(&fixture().other_signer, &good_header(), &claims_at(1, 2));
    assert_eq!(reason(check(&t)), Reason::InvalidSignature);
}

#[test]
fn errors_never_echo_token() {
    let t = token(&good_header(), &claims_at(NOW - 1000, NOW - 900));
    let e = check(&t).unwrap_err();
    let text = e.to_string();
    for part in t.split('.') {
        assert!(!text.contains(part), "{text}");
    }
}

#[test]
fn reason_codes_are_stable() {
    let codes: Vec<&str> = Reason::ALL.iter().map(|r| r.code()).collect();
    assert_eq!(
        codes,
        [
            "missing_credentials",
            "malformed_token",
            "unsupported_algorithm",
            "forbidden_header",
            "unknown_key",
            "key_disabled",
            "invalid_signature",
            "invalid_audience",
            "token_expired",
            "token_not_yet_valid",
            "issued_in_future",
            "lifetime_too_long",
            "missing_jti",
            "token_replayed",
        ]
    );
}

// ---- rule 16: jti when the replay guard is on ----

fn with_jti(jti: &str) -> String {
    format!(
        r#"{{"aud":["{PROJECT}"],"exp":{},"iat":{NOW},"jti":{jti}}}"#,
        NOW + 300
    )
}

fn guarded(token: &str) -> Result<VerifiedToken, TokenError> {
    let policy = Policy {
        require_jti: true,
        ..Policy::default()
    };
    verify(token, &keyset(), PROJECT, &policy, NOW)
}

#[test]
fn jti_required_only_when_the_policy_says_so() {
    let plain = token(&good_header(), &good_claims());
    assert_eq!(check(&plain).unwrap().jti, None);
    assert_eq!(reason(guarded(&plain)), Reason::MissingJti);

    let ok = token(&good_header(), &with_jti(r#""a-1""#));
    assert_eq!(guarded(&ok).unwrap().jti.as_deref(), Some("a-1"));
    // Without the guard the jti is not even read.
    assert_eq!(check(&ok).unwrap().jti, None);
    let odd = token(&good_header(), &with_jti("7"));
    check(&odd).unwrap();
}

#[test]
fn jti_must_be_a_short_string() {
    let long = format!("\"{}\"", "j".repeat(MAX_JTI_BYTES + 1));
    let longest = format!("\"{}\"", "j".repeat(MAX_JTI_BYTES));
    for (jti, expected) in [
        (r#""""#, Some(Reason::MalformedToken)),
        ("7", Some(Reason::MalformedToken)),
        ("null", Some(Reason::MalformedToken)),
        (r#"["a"]"#, Some(Reason::MalformedToken)),
        (long.as_str(), Some(Reason::MalformedToken)),
        (longest.as_str(), None),
    ] {
        let t = token(&good_header(), &with_jti(jti));
        match expected {
            Some(r) => assert_eq!(reason(guarded(&t)), r, "{jti}"),
            None => assert!(guarded(&t).is_ok(), "{jti}"),
        }
    }
}

#[test]
fn jti_checked_after_the_signature() {
    // A forged token without jti reports the signature, not the jti.
    let t = sign_with(&fixture().other_signer, &good_header(), &good_claims());
    assert_eq!(reason(guarded(&t)), Reason::InvalidSignature);
}

// ---- rule 15: audit_context ----

#[test]
fn audit_context_object_is_returned() {
    let claims = format!(
        r#"{{"aud":["{PROJECT}"],"exp":{},"iat":{NOW},"audit_context":{{"operator":"ops@example.com","ticket":42}}}}"#,
        NOW + 300
    );
    let v = check_claims_json(&claims).unwrap();
    let context = v.audit_context.unwrap();
    assert_eq!(context["operator"], "ops@example.com");
    assert_eq!(context["ticket"], 42);
    assert_eq!(
        check_claims_json(&good_claims()).unwrap().audit_context,
        None
    );
}

#[test]
fn audit_context_not_an_object_fails() {
    for value in [r#""text""#, "[1]", "null", "7"] {
        let claims = format!(
            r#"{{"aud":["{PROJECT}"],"exp":{},"iat":{NOW},"audit_context":{value}}}"#,
            NOW + 300
        );
        assert_eq!(
            reason(check_claims_json(&claims)),
            Reason::MalformedToken,
            "{value}"
        );
    }
}
