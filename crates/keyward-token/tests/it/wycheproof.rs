//! Google Wycheproof JSON Web Signature vectors (`vectors/`, Apache-2.0,
//! copied from `shared/vectors/wycheproof`). Every RS256 case goes through the
//! signature layer (`verify_signature`, rules 1–8) and must get the expected
//! result; RSA cases for other algorithms must be refused as
//! `unsupported_algorithm` even where they are valid for their own algorithm.

use std::sync::Arc;

use keyward_token::{KeySet, KeyStatus, PublicKey, Reason, verify_signature};
use serde_json::Value;

fn groups() -> Vec<Value> {
    let text = include_str!("../vectors/json_web_signature_test.json");
    let doc: Value = serde_json::from_str(text).expect("vector file is JSON");
    doc["testGroups"].as_array().expect("testGroups").clone()
}

fn keyset_for(group: &Value) -> Option<KeySet> {
    let jwk = &group["public"];
    if jwk["kty"] != "RSA" {
        return None;
    }
    let mut public = jwk.clone();
    // The generic JWK parser checks `alg` against RS256; the vector's own alg is
    // exercised through the token header instead.
    public.as_object_mut()?.remove("alg");
    let key = PublicKey::from_jwk(&public.to_string()).ok()?;
    let kid = jwk["kid"].as_str()?;
    let mut keys = KeySet::new();
    keys.insert(kid, Arc::new(key), KeyStatus::Active);
    Some(keys)
}

#[test]
fn wycheproof_rs256_cases() {
    let mut run = 0;
    let mut in_main_group = 0;
    for group in groups() {
        if group["public"]["alg"] != "RS256" {
            continue;
        }
        let keys = keyset_for(&group).expect("RS256 group has an RSA key");
        let cases = group["tests"].as_array().expect("tests");
        if group["comment"] == "rs256" && cases.len() == 226 {
            in_main_group = cases.len();
        }
        for case in cases {
            let jws = case["jws"].as_str().expect("jws");
            let id = &case["tcId"];
            let got = verify_signature(jws, &keys);
            match case["result"].as_str() {
                Some("valid") => assert!(
                    got.is_ok(),
                    "tcId {id} ({}) refused: {got:?}",
                    case["comment"]
                ),
                Some("invalid") => {
                    assert!(got.is_err(), "tcId {id} ({}) accepted", case["comment"])
                }
                other => panic!("tcId {id}: unexpected result {other:?}"),
            }
            run += 1;
        }
    }
    assert_eq!(
        in_main_group, 226,
        "the 226-case RS256 group must be present"
    );
    assert!(run >= 226, "ran {run}");
}

#[test]
fn wycheproof_other_rsa_algorithms_refused() {
    let mut refused = 0;
    for group in groups() {
        let alg = group["public"]["alg"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        if alg == "RS256" {
            continue;
        }
        let Some(keys) = keyset_for(&group) else {
            continue;
        };
        // A key declared for another algorithm cannot be registered at all…
        if !alg.is_empty() {
            let declared = group["public"].to_string();
            assert!(
                PublicKey::from_jwk(&declared).is_err(),
                "{alg} key registered"
            );
        }
        // …and tokens whose header names another algorithm are refused before
        // any signature check, whatever key they name.
        for case in group["tests"].as_array().expect("tests") {
            let jws = case["jws"].as_str().expect("jws");
            let header = jws.split('.').next().unwrap_or_default();
            if header.is_empty() || header.starts_with("eyJhbGciOiJSUzI1NiIs") {
                continue; // RS256 header: covered by the RS256 cases.
            }
            let got = verify_signature(jws, &keys);
            assert!(got.is_err(), "{alg} tcId {} accepted", case["tcId"]);
            if case["result"] == "valid" {
                assert_eq!(
                    got.unwrap_err().reason,
                    Reason::UnsupportedAlgorithm,
                    "{alg}"
                );
            }
            refused += 1;
        }
    }
    assert!(refused > 50, "only {refused} non-RS256 RSA cases");
}
