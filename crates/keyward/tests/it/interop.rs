//! Tokens signed by PyJWT, a library outside Rust, against the real server:
//! genuine ones are accepted, the same library's forged variants refused.
//!
//! The virtualenv is `common::pyjwt_python`'s: made by `.ci/run`, or on
//! first use.

use std::path::PathBuf;
use std::process::Command;

use crate::common::*;

/// PyJWT's tokens for `kid`, by case name.
fn pyjwt_tokens(python: &std::path::Path, env: &Env, kid: &str) -> serde_json::Value {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/interop/pyjwt_tokens.py");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let out = Command::new(python)
        .arg(&script)
        .arg(env.path("private-key.pem"))
        .arg(kid)
        .arg("myapp")
        .arg(now.to_string())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn pyjwt_tokens_accepted_and_forgeries_refused() {
    let Some(python) = pyjwt_python() else {
        return;
    };
    let env = Env::new();
    env.ok(&["project", "create", "myapp"]);
    let kid = env.ok(&["key", "create", "--project", "myapp"]);
    let server = env.serve();
    let tokens = pyjwt_tokens(&python, &env, &kid);

    let expected = [
        ("rs256_array_aud", "ok"),
        ("rs256_string_aud", "ok"),
        ("rs256_key_object", "ok"),
        ("rs256_jti_a", "ok"),
        ("rs256_jti_b", "ok"),
        ("alg_none", "malformed_token"), // empty signature segment
        ("hs256_public_key", "unsupported_algorithm"),
        ("wrong_aud", "invalid_audience"),
        ("rs512", "unsupported_algorithm"),
        ("ps256", "unsupported_algorithm"),
        ("expired", "token_expired"),
        ("unknown_kid", "unknown_key"),
        ("no_kid", "malformed_token"),
        ("too_long", "lifetime_too_long"),
    ];
    let rt = runtime();
    for (case, outcome) in expected {
        let token = tokens[case]
            .as_str()
            .unwrap_or_else(|| panic!("script gave no {case}"));
        assert_eq!(rt.block_on(server.outcome(token)), outcome, "{case}");
    }
    assert_eq!(tokens.as_object().unwrap().len(), expected.len());
}

#[test]
fn pyjwt_one_use_tokens_under_the_replay_guard() {
    let Some(python) = pyjwt_python() else {
        return;
    };
    let env = Env::new();
    env.ok(&["project", "create", "myapp"]);
    let kid = env.ok(&["key", "create", "--project", "myapp"]);
    env.ok(&["project", "update", "myapp", "--replay-guard", "on"]);
    let server = env.serve();
    let tokens = pyjwt_tokens(&python, &env, &kid);
    let rt = runtime();
    let outcome = |case: &str| rt.block_on(server.outcome(tokens[case].as_str().unwrap()));
    assert_eq!(outcome("rs256_array_aud"), "missing_jti");
    assert_eq!(outcome("rs256_jti_a"), "ok");
    assert_eq!(outcome("rs256_jti_a"), "token_replayed");
    assert_eq!(outcome("rs256_jti_b"), "ok");
    // A forgery is refused for what it is, not for its missing jti.
    assert_eq!(outcome("hs256_public_key"), "unsupported_algorithm");
}
