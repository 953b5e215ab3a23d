//! The real `keyward` binary, end to end: CLI commands against a data
//! directory while `keyward serve` runs as a separate process.

use std::time::Duration;

use crate::common::*;
use base64::Engine as _;

#[test]
fn rotation_end_to_end_with_the_cli() {
    let env = Env::new();
    env.ok(&["project", "create", "myapp"]);
    let kid1 = env.ok(&[
        "key",
        "create",
        "--project",
        "myapp",
        "--out",
        "k1.pem",
        "--label",
        "first",
    ]);
    assert_eq!(kid1.lines().count(), 1, "stdout is just the kid: {kid1:?}");
    assert_private_file(&env.path("k1.pem"));
    // No master key was supplied, so one was created, readable only by its owner.
    assert_eq!(file_mode(&env.path("keyward-data/master.key")), 0o600);
    assert_eq!(file_mode(&env.path("keyward-data")), 0o700);

    let server = env.serve();
    let rt = runtime();
    let token1 = env.ok(&[
        "token",
        "--project",
        "myapp",
        "--kid",
        &kid1,
        "--key",
        "k1.pem",
    ]);
    assert_eq!(rt.block_on(server.outcome(&token1)), "ok");

    // Second key, created by the CLI while the server runs: accepted at once.
    let (kid2, token2) = env.new_key_and_token("k2.pem", "600");
    assert_eq!(rt.block_on(server.outcome(&token2)), "ok");
    assert_eq!(rt.block_on(server.outcome(&token1)), "ok");

    // Delete the first key through the CLI: refused within 2 s; the second keeps working.
    env.ok(&["key", "delete", "--project", "myapp", "--kid", &kid1]);
    let started = std::time::Instant::now();
    server.wait_until_refused(&rt, &token1, started, Duration::from_secs(2));
    eprintln!("deleted key refused after {:?}", started.elapsed());
    assert_eq!(rt.block_on(server.outcome(&token2)), "ok");

    // The last active key is protected.
    let err = env.fail(&["key", "delete", "--project", "myapp", "--kid", &kid2]);
    assert!(err.contains("--force"), "{err}");

    // The list shows what happened, as stable JSON.
    let list: serde_json::Value =
        serde_json::from_str(&env.ok(&["key", "list", "--project", "myapp", "--json"])).unwrap();
    let keys = list.as_array().unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0]["kid"], kid2.as_str());
    assert_eq!(keys[0]["status"], "active");
    assert_eq!(keys[0]["origin"], "generated");
    assert_eq!(keys[0]["bits"], 2048);
    assert!(keys[0]["created_at"].as_str().unwrap().ends_with('Z'));

    server.stop_gracefully();
}

#[test]
fn token_is_shaped_like_the_seed_sample() {
    let env = Env::new();
    env.ok(&["project", "create", "myapp"]);
    let kid = env.ok(&["key", "create", "--project", "myapp"]);
    assert_private_file(&env.path("private-key.pem"));
    let token = env.ok(&[
        "token",
        "--project",
        "myapp",
        "--kid",
        &kid,
        "--key",
        "private-key.pem",
        "--ttl",
        "120",
    ]);
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3);
    let decode = |s: &str| -> serde_json::Value {
        serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(s)
                .unwrap(),
        )
        .unwrap()
    };
    let header = decode(parts[0]);
    assert_eq!(
        header,
        serde_json::json!({ "alg": "RS256", "kid": kid, "typ": "JWT" })
    );
    let claims = decode(parts[1]);
    assert_eq!(claims["aud"], serde_json::json!(["myapp"]));
    assert_eq!(claims.as_object().unwrap().len(), 3);
    assert_eq!(
        claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap(),
        120
    );
}

#[test]
fn uploaded_keys_and_downloads() {
    let env = Env::new();
    env.ok(&["project", "create", "myapp"]);
    let generated = env.ok(&["key", "create", "--project", "myapp", "--out", "gen.pem"]);
    // Download again: same PEM as written at creation.
    let downloaded = env.ok_raw(&["key", "download", "--project", "myapp", "--kid", &generated]);
    assert_eq!(
        downloaded,
        std::fs::read_to_string(env.path("gen.pem")).unwrap()
    );
    env.ok(&[
        "key",
        "download",
        "--project",
        "myapp",
        "--kid",
        &generated,
        "--out",
        "again.pem",
    ]);
    assert_private_file(&env.path("again.pem"));

    // Register a public key made elsewhere (here: keyward-token, as openssl would).
    let pair = keyward_token::GeneratedKeyPair::generate(2048).unwrap();
    std::fs::write(env.path("pub.pem"), pair.public_key().to_spki_pem()).unwrap();
    let uploaded = env.ok(&[
        "key",
        "add",
        "--project",
        "myapp",
        "--public-key",
        "pub.pem",
        "--label",
        "ci",
    ]);
    let err = env.fail(&["key", "download", "--project", "myapp", "--kid", &uploaded]);
    assert!(err.contains("never had its private key"), "{err}");

    // A private key is refused as a public key, with advice.
    let err = env.fail(&[
        "key",
        "add",
        "--project",
        "myapp",
        "--public-key",
        "gen.pem",
    ]);
    assert!(err.contains("private key"), "{err}");

    // The wrong master key cannot open stored keys.
    let err = env.fail_with_env(
        &["key", "download", "--project", "myapp", "--kid", &generated],
        &[(
            "KEYWARD_MASTER_KEY",
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        )],
    );
    assert!(err.contains("master key"), "{err}");
}

#[test]
fn errors_are_one_line_and_nonzero() {
    let env = Env::new();
    for args in [
        &["key", "list", "--project", "nope"][..],
        &["project", "create", "Bad_ID"],
        &[
            "token",
            "--project",
            "p",
            "--kid",
            "k",
            "--key",
            "missing.pem",
        ],
        &["key", "create", "--project", "nope", "--out", "x.pem"],
        &[
            "key",
            "create",
            "--project",
            "nope",
            "--bits",
            "1024",
            "--out",
            "y.pem",
        ],
    ] {
        let err = env.fail(args);
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with("error: "), "{err}");
    }
    // A failed key create leaves no file behind.
    assert!(!env.path("x.pem").exists());
    env.ok(&["project", "create", "myapp"]);
    let err = env.fail(&["project", "create", "myapp"]);
    assert!(err.contains("already exists"), "{err}");
    let err = env.fail_with_env(
        &["project", "list"],
        &[("KEYWARD_DATABASE_URL", "mysql://localhost/x")],
    );
    assert!(err.contains("unsupported database URL"), "{err}");
}

#[test]
fn key_limit_is_enforced_with_advice() {
    let env = Env::new();
    env.ok(&["project", "create", "myapp"]);
    for i in 0..2 {
        env.ok(&[
            "key",
            "create",
            "--project",
            "myapp",
            "--out",
            &format!("k{i}.pem"),
            "--max-keys-per-project",
            "2",
        ]);
    }
    let err = env.fail(&[
        "key",
        "create",
        "--project",
        "myapp",
        "--out",
        "k9.pem",
        "--max-keys-per-project",
        "2",
    ]);
    assert!(
        err.contains("maximum") && err.contains("keyward key delete"),
        "{err}"
    );
}

#[test]
fn quickstart_prints_a_working_curl_line() {
    let env = Env::new();
    let (server, curl_line) = env.quickstart();
    assert!(
        curl_line.starts_with("curl -s http://myapp.localhost:"),
        "{curl_line}"
    );
    let token = curl_line
        .split("Bearer ")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .unwrap()
        .to_owned();
    let rt = runtime();
    assert_eq!(rt.block_on(server.outcome(&token)), "ok");
    // Run the printed line itself when curl is installed (it resolves *.localhost to loopback).
    if std::process::Command::new("curl")
        .arg("--version")
        .output()
        .is_ok()
    {
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(&curl_line)
            .output()
            .unwrap();
        let body = String::from_utf8_lossy(&out.stdout);
        assert!(
            body.contains(r#"{"data":{"project":{"id":"myapp"}}}"#),
            "{body}"
        );
    }
    server.stop_gracefully();

    // A second quickstart reuses the project and key.
    let (server, again) = env.quickstart();
    assert!(again.starts_with("curl "));
    let keys: serde_json::Value =
        serde_json::from_str(&env.ok(&["key", "list", "--project", "myapp", "--json"])).unwrap();
    assert_eq!(keys.as_array().unwrap().len(), 1);
    server.stop_gracefully();
}

#[test]
fn read_only_keys_and_seeded_users() {
    let env = Env::new();
    env.ok(&["project", "create", "myapp"]);
    let ro = env.ok(&[
        "key",
        "create",
        "--project",
        "myapp",
        "--out",
        "ro.pem",
        "--role",
        "read-only",
    ]);
    let (_, rw_token) = env.new_key_and_token("rw.pem", "300");
    let list: serde_json::Value =
        serde_json::from_str(&env.ok(&["key", "list", "--project", "myapp", "--json"])).unwrap();
    for key in list.as_array().unwrap() {
        let expected = if key["kid"] == ro.as_str() {
            "read_only"
        } else {
            "full"
        };
        assert_eq!(key["role"], expected, "{key}");
    }
    let err = env.fail(&["key", "create", "--project", "myapp", "--role", "admin"]);
    assert!(err.contains("read-only"), "{err}");

    env.ok(&["users", "seed", "--project", "myapp", "--count", "250"]);
    let server = env.serve();
    let rt = runtime();
    let ro_token = env.ok(&[
        "token",
        "--project",
        "myapp",
        "--kid",
        &ro,
        "--key",
        "ro.pem",
    ]);
    let body = rt.block_on(server.graphql(
        &ro_token,
        "{ users(first: 100) { totalCount edges { node { id } } pageInfo { hasNextPage } } }",
    ));
    assert_eq!(body["data"]["users"]["totalCount"], 250, "{body}");
    assert_eq!(
        body["data"]["users"]["edges"].as_array().unwrap().len(),
        100
    );
    assert_eq!(body["data"]["users"]["pageInfo"]["hasNextPage"], true);

    let create = "mutation { createRole(input: {key: \"ops\"}) { role { key } } }";
    let body = rt.block_on(server.graphql(&ro_token, create));
    assert_eq!(
        body["errors"][0]["extensions"]["reason"], "ReadOnlyKey",
        "{body}"
    );
    let body = rt.block_on(server.graphql(&rw_token, create));
    assert_eq!(body["data"]["createRole"]["role"]["key"], "ops", "{body}");
    server.stop_gracefully();
}

/// `portal-user create` reads the password from stdin (never a flag),
/// applies the policy, and refuses a second account with the same email.
#[test]
fn portal_user_create_reads_the_password_from_stdin() {
    use std::io::Write as _;
    let env = Env::new();
    let create = |email: &str, password: &str| {
        let mut child = env
            .command(&["portal-user", "create", "--email", email])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
        child.wait_with_output().unwrap()
    };
    let out = create("Ops@Example.com", "correct-horse-battery");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("ops@example.com"));

    let out = create("ops@example.com", "another-long-password");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("already exists"));

    let out = create("second@example.com", "short");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 12 characters"));

    let out = create("not-an-email", "correct-horse-battery");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("email address"));
    // No password flag exists.
    let err = env.fail(&[
        "portal-user",
        "create",
        "--email",
        "x@example.com",
        "--password",
        "p",
    ]);
    assert!(err.contains("--password"), "{err}");
}

/// `--insecure-no-auth` is for measurement only: refused off loopback,
/// loudly announced, and then requests need no token.
#[test]
fn insecure_no_auth_is_loopback_only_and_loud() {
    let env = Env::new();
    env.ok(&["project", "create", "myapp"]);
    let err = env.fail(&["serve", "--listen", "0.0.0.0:0", "--insecure-no-auth"]);
    assert!(err.contains("only on a loopback address"), "{err}");

    let mut cmd = env.command(&["serve", "--listen", "127.0.0.1:0", "--insecure-no-auth"]);
    cmd.stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let stderr = child.stderr.take().unwrap();
    // The warning comes before the listening line.
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(stderr));
    let mut warned = false;
    let addr = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|l| {
            warned |= l.contains("AUTHENTICATION IS OFF");
            l.split("listening on http://")
                .nth(1)
                .map(|a| a.trim().to_owned())
        })
        .unwrap();
    std::thread::spawn(move || for _ in lines {});
    let server = Server { child, addr };
    assert!(warned, "no warning before the server listened");
    let rt = runtime();
    let body = rt.block_on(async {
        reqwest::Client::new()
            .post(server.endpoint())
            .json(&serde_json::json!({"query": "{ project { id } }"}))
            .send()
            .await
            .unwrap()
            .json::<serde_json::Value>()
            .await
            .unwrap()
    });
    assert_eq!(body["data"]["project"]["id"], "myapp", "{body}");
}

/// `master-key rotate` re-seals stored private keys under a new key that
/// replaces the key file; the old key opens nothing afterwards.
#[test]
fn master_key_rotate_replaces_the_key_and_keeps_private_keys() {
    let env = Env::new();
    env.ok(&["project", "create", "myapp"]);
    let kid = env.ok(&["key", "create", "--project", "myapp"]);
    let pem = std::fs::read_to_string(env.path("private-key.pem")).unwrap();
    let key_file = env.path("keyward-data/master.key");
    let old = std::fs::read_to_string(&key_file).unwrap();

    let err = env.fail_with_env(
        &["master-key", "rotate"],
        &[("KEYWARD_MASTER_KEY", old.trim())],
    );
    assert!(err.contains("--out"), "{err}");

    let out = env.command(&["master-key", "rotate"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The Admin API key and the project's sign-in signing key.
    assert!(String::from_utf8_lossy(&out.stderr).contains("re-sealed 2 private key"));
    let new = std::fs::read_to_string(&key_file).unwrap();
    assert_ne!(new, old);
    assert_eq!(file_mode(&key_file), 0o600);
    assert!(!env.path("keyward-data/master.key.new").exists());

    let again = env.ok_raw(&["key", "download", "--project", "myapp", "--kid", &kid]);
    assert_eq!(again, pem);
    // The signing key opens under the new master key too.
    let keys = env.ok(&["signing-key", "list", "--project", "myapp", "--json"]);
    assert!(keys.contains("\"kid\""), "{keys}");
    let err = env.fail_with_env(
        &["key", "download", "--project", "myapp", "--kid", &kid],
        &[("KEYWARD_MASTER_KEY", old.trim())],
    );
    assert!(err.contains("master key"), "{err}");

    // With the wrong current key nothing changes and no new file is left.
    let err = env.fail_with_env(
        &["master-key", "rotate", "--out", "other.key"],
        &[("KEYWARD_MASTER_KEY", old.trim())],
    );
    assert!(err.contains("nothing was changed"), "{err}");
    assert!(!env.path("other.key").exists());
    assert_eq!(
        env.ok_raw(&["key", "download", "--project", "myapp", "--kid", &kid]),
        pem
    );
}

#[test]
fn project_update_sets_limits_and_replay_guard() {
    let env = Env::new();
    env.ok(&["project", "create", "myapp"]);
    env.ok(&[
        "project",
        "update",
        "myapp",
        "--key-rate-limit",
        "5",
        "--replay-guard",
        "on",
    ]);
    let list: serde_json::Value =
        serde_json::from_str(&env.ok(&["project", "list", "--json"])).unwrap();
    assert_eq!(list[0]["key_rate_limit"], 5);
    assert_eq!(list[0]["project_rate_limit"], serde_json::Value::Null);
    assert_eq!(list[0]["replay_guard"], true);
    assert_eq!(list[0]["max_token_lifetime_secs"], 3600);

    // Unnamed settings stay; `off` removes a limit.
    env.ok(&[
        "project",
        "update",
        "myapp",
        "--key-rate-limit",
        "off",
        "--project-rate-limit",
        "200",
        "--max-token-lifetime",
        "600",
    ]);
    let table = env.ok(&["project", "list"]);
    let row = table.lines().nth(1).unwrap();
    for cell in ["600", "off", "200/s", "on"] {
        assert!(row.contains(cell), "{row}");
    }

    let err = env.fail(&["project", "update", "myapp"]);
    assert!(err.contains("nothing to change"), "{err}");
    let err = env.fail(&["project", "update", "myapp", "--key-rate-limit", "0"]);
    assert!(err.contains("requests per second"), "{err}");
    let err = env.fail(&["project", "update", "myapp", "--replay-guard", "maybe"]);
    assert!(err.contains("`on` or `off`"), "{err}");
    let err = env.fail(&["project", "update", "nope", "--replay-guard", "on"]);
    assert!(err.contains("nope"), "{err}");
    // One transaction: a bad lifetime leaves the limits untouched too.
    let err = env.fail(&[
        "project",
        "update",
        "myapp",
        "--max-token-lifetime",
        "10",
        "--key-rate-limit",
        "7",
    ]);
    assert!(err.contains("between 60 and 86400"), "{err}");
    let list: serde_json::Value =
        serde_json::from_str(&env.ok(&["project", "list", "--json"])).unwrap();
    assert_eq!(list[0]["key_rate_limit"], serde_json::Value::Null);
}

/// Account settings from `project update`, and `keyward jobs` showing a
/// scheduled deletion and the running server that holds the job's lease.
#[test]
fn account_settings_and_scheduled_jobs() {
    let env = Env::new();
    env.ok(&["project", "create", "myapp"]);
    let out = env
        .command(&[
            "project",
            "update",
            "myapp",
            "--deletion-grace-days",
            "7",
            "--admin-create-session",
            "on",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("deletion after 7 days") && said.contains("createSession on"),
        "{said}"
    );
    let err = env.fail(&[
        "project",
        "update",
        "myapp",
        "--deletion-grace-days",
        "5000",
    ]);
    assert!(err.contains("3650"), "{err}");
    let idle: serde_json::Value = serde_json::from_str(&env.ok(&["jobs", "--json"])).unwrap();
    assert_eq!(idle, serde_json::json!({"lease": null, "scheduled": []}));

    let server = env.serve();
    let (_, token) = env.new_key_and_token("admin.pem", "600");
    let rt = runtime();
    let created = rt.block_on(server.graphql(
        &token,
        "mutation { createUser(input: {definition: {loginID: {key: \"email\", value: \"bye@example.com\"}}}) { user { id } } }",
    ));
    let id = created["data"]["createUser"]["user"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let scheduled = rt.block_on(server.graphql(
        &token,
        &format!("mutation {{ scheduleAccountDeletion(input: {{userID: \"{id}\"}}) {{ user {{ deleteAt }} }} }}"),
    ));
    assert!(scheduled["errors"].is_null(), "{scheduled}");
    let jobs: serde_json::Value = serde_json::from_str(&env.ok(&["jobs", "--json"])).unwrap();
    let entry = &jobs["scheduled"][0];
    assert_eq!(entry["kind"], "deletion", "{jobs}");
    assert_eq!(entry["due"], false);
    let days = (entry["at"].as_i64().unwrap() - keyward_store::now_secs()) as f64 / 86_400.0;
    assert!((6.9..=7.0).contains(&days), "{days}");
    // The server took the lease at start.
    assert_eq!(jobs["lease"]["live"], true, "{jobs}");
    let table = env.command(&["jobs"]).output().unwrap();
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(text.contains("deletion"), "{text}");
}

/// Second factors, sign-up and messaging from the CLI: the policy and the
/// sign-up switch, a project's sender, and its SMS webhook with the secret
/// that signs it (shown, kept, rotated); bad values refused.
#[test]
fn project_messaging_and_mfa_settings() {
    let env = Env::new();
    env.ok(&["project", "create", "myapp"]);
    let out = env
        .command(&[
            "project",
            "update",
            "myapp",
            "--mfa-policy",
            "required",
            "--signup",
            "on",
            "--mail-from",
            "My App <hello@myapp.example>",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("two-step verification required") && said.contains("sign-up on"),
        "{said}"
    );
    let err = env.fail(&["project", "update", "myapp", "--mfa-policy", "sometimes"]);
    assert!(err.contains("`off`, `optional` or `required`"), "{err}");
    let err = env.fail(&[
        "project",
        "update",
        "myapp",
        "--mail-from",
        "not an address",
    ]);
    assert!(err.contains("not a sender address"), "{err}");

    let shown = env.ok(&["project", "sms-webhook", "myapp"]);
    assert!(
        shown.contains("url: (the server's --sms-webhook-url)"),
        "{shown}"
    );
    let secret = |text: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix("secret: "))
            .unwrap()
            .to_owned()
    };
    let first = secret(&shown);
    assert_eq!(first.len(), 64, "{shown}");
    let set = env.ok(&[
        "project",
        "sms-webhook",
        "myapp",
        "--url",
        "https://sms.example.com/hook",
    ]);
    assert!(set.contains("url: https://sms.example.com/hook"), "{set}");
    assert_eq!(secret(&set), first, "the secret stays until rotated");
    let rotated = env.ok(&["project", "sms-webhook", "myapp", "--rotate-secret"]);
    assert_ne!(secret(&rotated), first);
    // Sealed under the master key: a master key rotation re-seals it, and
    // the old key no longer opens it.
    let old_master = std::fs::read_to_string(env.path("keyward-data/master.key")).unwrap();
    env.ok(&["master-key", "rotate"]);
    let after = env.ok(&["project", "sms-webhook", "myapp"]);
    assert_eq!(secret(&after), secret(&rotated));
    let err = env.fail_with_env(
        &["project", "sms-webhook", "myapp"],
        &[("KEYWARD_MASTER_KEY", old_master.trim())],
    );
    assert!(err.contains("master key") || err.contains("seal"), "{err}");
    let err = env.fail(&["project", "sms-webhook", "myapp", "--url", "ftp://x/"]);
    assert!(err.contains("not an http:// or https:// URL"), "{err}");
    let cleared = env.ok(&["project", "sms-webhook", "myapp", "--clear"]);
    assert!(
        cleared.contains("(the server's --sms-webhook-url)"),
        "{cleared}"
    );
    let err = env.fail(&["serve", "--sms-webhook-url", "sms.example.com/hook"]);
    assert!(err.contains("not an http:// or https:// URL"), "{err}");
}

#[test]
fn backup_and_restore_with_the_cli() {
    let env = Env::new();
    env.ok(&["project", "create", "myapp"]);
    let kid = env.ok(&["key", "create", "--project", "myapp", "--out", "k.pem"]);
    // Taken while the server runs.
    let server = env.serve();
    let said = env.ok_stderr(&["backup", "--out", "copy.db"]);
    assert!(said.contains("master key"), "the master-key caveat: {said}");
    drop(server);
    // Never over an existing file.
    let err = env.fail(&["backup", "--out", "copy.db"]);
    assert!(err.contains("already exists"), "{err}");

    // Into an empty data directory: the project and its key are back.
    let restored = ["--data-dir", "restored"];
    let copy = env.path("copy.db");
    let copy = copy.to_str().unwrap();
    env.ok(&[&restored[..], &["restore", copy]].concat());
    let keys = env.ok(&[&restored[..], &["key", "list", "--project", "myapp"]].concat());
    assert!(keys.contains(&kid), "{keys}");
    // Not over a database.
    let err = env.fail(&[&restored[..], &["restore", copy]].concat());
    assert!(err.contains("exists"), "{err}");
    // PostgreSQL is pointed at its own tools.
    let err = env.fail_with_env(
        &["backup", "--out", "pg.db"],
        &[("KEYWARD_DATABASE_URL", "postgres://127.0.0.1:1/none")],
    );
    assert!(err.contains("pg_dump"), "{err}");
}
