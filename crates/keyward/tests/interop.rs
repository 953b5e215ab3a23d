//! Tokens signed by PyJWT, a library outside Rust, against the real server:
//! genuine ones are accepted, the same library's forged variants refused.
//!
//! The virtualenv lives in `target/pyjwt-venv`; `.ci/run` creates it, and
//! this test creates it on first use if missing (pip install from PyPI). If it
//! cannot be created the test fails when `KEYWARD_REQUIRE_INTEROP=1` (CI) and
//! is skipped with a message otherwise.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::*;

fn venv_python() -> Option<PathBuf> {
    let target = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/pyjwt-venv");
    let python = target.join("bin/python");
    let ready = |p: &PathBuf| {
        Command::new(p)
            .args(["-c", "import jwt, cryptography"])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if ready(&python) {
        return Some(python);
    }
    let created = Command::new("python3")
        .arg("-m")
        .arg("venv")
        .arg(&target)
        .status()
        .is_ok_and(|s| s.success())
        && Command::new(&python)
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "PyJWT>=2.8,<3",
                "cryptography>=42",
            ])
            .status()
            .is_ok_and(|s| s.success());
    (created && ready(&python)).then_some(python)
}

#[test]
fn pyjwt_tokens_accepted_and_forgeries_refused() {
    let Some(python) = venv_python() else {
        if std::env::var_os("KEYWARD_REQUIRE_INTEROP").is_some() {
            panic!("could not set up the PyJWT virtualenv");
        }
        eprintln!(
            "SKIPPED: no PyJWT virtualenv (python3 -m venv + pip install PyJWT cryptography failed)"
        );
        return;
    };
    let env = Env::new();
    env.ok(&["project", "create", "myapp"]);
    let kid = env.ok(&["key", "create", "--project", "myapp"]);
    let server = env.serve();

    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/interop/pyjwt_tokens.py");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let out = Command::new(&python)
        .arg(&script)
        .arg(env.path("private-key.pem"))
        .arg(&kid)
        .arg("myapp")
        .arg(now.to_string())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tokens: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();

    let expected = [
        ("rs256_array_aud", "ok"),
        ("rs256_string_aud", "ok"),
        ("rs256_key_object", "ok"),
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
