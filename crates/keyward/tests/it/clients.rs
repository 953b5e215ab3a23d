//! Clients against the real server: the Rust SDK (`AdminClient`), the
//! `keyward query` command, and the Python (PyJWT), Node (`jose`) and curl
//! snippets of docs/clients.md, run as they are published.

use std::path::Path;
use std::process::{Command, Output};

use crate::common::*;
use keyward_client::{AdminClient, AdminError, TokenSigner};
use serde_json::{Value, json};

const CREATE: &str = r#"mutation($email: String!) {
  createUser(input: {definition: {loginID: {key: "email", value: $email}}}) { user { id } }
}"#;
const FIND: &str = r#"query($email: String!) {
  getUserByLoginID(loginIDKey: "email", loginIDValue: $email) { id }
}"#;

/// Project `myapp`, a full key in private-key.pem, a server.
fn setup() -> (Env, String, Server) {
    let env = Env::new();
    env.ok(&["project", "create", "myapp"]);
    let kid = env.ok(&["key", "create", "--project", "myapp"]);
    let server = env.serve();
    (env, kid, server)
}

fn user_id_by_email(server: &Server, env: &Env, kid: &str, email: &str) -> Value {
    let token = env.ok(&[
        "token",
        "--project",
        "myapp",
        "--kid",
        kid,
        "--key",
        "private-key.pem",
    ]);
    let query =
        format!(r#"{{ getUserByLoginID(loginIDKey: "email", loginIDValue: "{email}") {{ id }} }}"#);
    runtime().block_on(server.graphql(&token, &query))["data"]["getUserByLoginID"]["id"].clone()
}

#[test]
fn admin_client_against_the_real_server() {
    let (env, kid, server) = setup();
    let signer =
        TokenSigner::from_key_file("myapp", &kid, &env.path("private-key.pem"), 300).unwrap();
    let client = AdminClient::new(&server.endpoint(), signer).unwrap();
    let rt = runtime();

    let created = rt
        .block_on(client.query(CREATE, json!({"email": "sdk@example.com"})))
        .unwrap();
    let id = created["createUser"]["user"]["id"].clone();
    assert!(id.is_string(), "{created}");
    let found = rt
        .block_on(client.query(FIND, json!({"email": "sdk@example.com"})))
        .unwrap();
    assert_eq!(found["getUserByLoginID"]["id"], id);

    // A duplicate login ID: the GraphQL error keeps Authgear's extensions.
    let e = rt
        .block_on(client.query(CREATE, json!({"email": "sdk@example.com"})))
        .unwrap_err();
    assert_eq!(e.code(), "client.graphql");
    assert_eq!(e.reason(), Some("InvariantViolated"), "{e}");
    let AdminError::GraphQL { errors, .. } = &e else {
        unreachable!()
    };
    assert_eq!(errors[0].error_name(), Some("Invalid"));
    let info = &errors[0].extensions.as_ref().unwrap()["info"];
    assert_eq!(info["cause"]["kind"], "DuplicatedIdentity");

    // Three calls, one signature: the token was reused.
    assert_eq!(client.signer().signatures(), 1);

    // A key the project does not have: refused before any GraphQL runs.
    let pem = std::fs::read(env.path("private-key.pem")).unwrap();
    let stranger = TokenSigner::new(
        "myapp",
        "no-such-kid",
        keyward_token::SigningKey::parse(&pem).unwrap(),
        60,
    )
    .unwrap();
    let e = rt
        .block_on(
            AdminClient::new(&server.endpoint(), stranger)
                .unwrap()
                .query(FIND, json!({"email": "x@example.com"})),
        )
        .unwrap_err();
    assert!(matches!(e, AdminError::Refused { status: 401, .. }), "{e}");
    assert_eq!(e.reason(), Some("unknown_key"));

    // A read-only key may query but not mutate.
    let ro = env.ok(&[
        "key",
        "create",
        "--project",
        "myapp",
        "--role",
        "read-only",
        "--out",
        "ro.pem",
    ]);
    let reader = AdminClient::new(
        &server.endpoint(),
        TokenSigner::from_key_file("myapp", &ro, &env.path("ro.pem"), 60).unwrap(),
    )
    .unwrap();
    assert_eq!(
        rt.block_on(reader.query(FIND, json!({"email": "sdk@example.com"})))
            .unwrap()["getUserByLoginID"]["id"],
        id
    );
    let e = rt
        .block_on(reader.query(CREATE, json!({"email": "ro@example.com"})))
        .unwrap_err();
    assert_eq!(e.reason(), Some("ReadOnlyKey"), "{e}");
}

fn query_cmd(env: &Env, server: &Server, kid: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "query",
        "--endpoint",
        &server.endpoint(),
        "--project",
        "myapp",
        "--kid",
        kid,
        "--key",
        "private-key.pem",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect::<Vec<_>>();
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    env.command(&args).output().unwrap()
}

#[test]
fn keyward_query_prints_responses_and_fails_on_errors() {
    let (env, kid, server) = setup();

    // Success: the response JSON on stdout, exit 0.
    let out = query_cmd(
        &env,
        &server,
        &kid,
        &["--variables", r#"{"email":"cli@example.com"}"#, CREATE],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let body: Value = serde_json::from_slice(&out.stdout).unwrap();
    let id = body["data"]["createUser"]["user"]["id"].clone();
    assert!(id.is_string(), "{body}");

    // @FILE and --variables-file.
    std::fs::write(env.path("find.graphql"), FIND).unwrap();
    std::fs::write(env.path("vars.json"), r#"{"email":"cli@example.com"}"#).unwrap();
    let out = query_cmd(
        &env,
        &server,
        &kid,
        &["--variables-file", "vars.json", "@find.graphql"],
    );
    assert!(out.status.success());
    let body: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(body["data"]["getUserByLoginID"]["id"], id);

    // GraphQL errors: the response still on stdout, the reason on stderr, exit 1.
    let out = query_cmd(
        &env,
        &server,
        &kid,
        &["--variables", r#"{"email":"cli@example.com"}"#, CREATE],
    );
    assert_eq!(out.status.code(), Some(1));
    let body: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        body["errors"][0]["extensions"]["reason"],
        "InvariantViolated"
    );
    assert_eq!(
        body["errors"][0]["extensions"]["info"]["cause"]["kind"],
        "DuplicatedIdentity"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("error: Admin API error (InvariantViolated): identity already exists"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");

    // Refused: nothing on stdout, the HTTP status and reason on stderr.
    let out = query_cmd(&env, &server, "wrong-kid", &["{ users { totalCount } }"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("HTTP 401, unknown_key"), "{stderr}");

    // Bad input is refused before any request.
    for (args, message) in [
        (vec!["--variables", "{not json", "{ a }"], "not valid JSON"),
        (vec!["--variables", "[1]", "{ a }"], "must be a JSON object"),
        (
            vec!["@missing.graphql"],
            "cannot read the query file missing.graphql",
        ),
        (vec![" "], "document is empty"),
    ] {
        let out = query_cmd(&env, &server, &kid, &args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
    let stderr = env.fail(&[
        "query",
        "--endpoint",
        "http://keyward.internal",
        "--project",
        "myapp",
        "--kid",
        &kid,
        "--key",
        "private-key.pem",
        "{ a }",
    ]);
    assert!(stderr.contains("plain http"), "{stderr}");
}

/// Run a docs snippet with the KEYWARD_* environment; returns its output.
fn run_snippet(mut cmd: Command, env: &Env, server: &Server, kid: &str) -> Output {
    cmd.current_dir(env.dir.path())
        .env("KEYWARD_ENDPOINT", server.endpoint())
        .env("KEYWARD_PROJECT", "myapp")
        .env("KEYWARD_KID", kid)
        .env("KEYWARD_KEY_FILE", env.path("private-key.pem"))
        .output()
        .unwrap()
}

/// The snippet created the user, found it by login ID with one signed
/// token, and the user is really in the store.
fn assert_snippet_worked(out: &Output, env: &Env, server: &Server, kid: &str, email: &str) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let result: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(result["created"].is_string(), "{result}");
    assert_eq!(result["found"], result["created"]);
    assert_eq!(result["tokens_signed"], 1, "{result}");
    assert_eq!(user_id_by_email(server, env, kid, email), result["created"]);
}

fn assert_snippet_refused(out: &Output, reason: &str) {
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(reason), "{stderr}");
}

#[test]
fn docs_python_snippet_runs() {
    let Some(python) = pyjwt_python() else { return };
    let (env, kid, server) = setup();
    let script = workspace_root().join("docs/clients/python/keyward_admin.py");
    let mut cmd = Command::new(&python);
    cmd.arg(&script).arg("py@example.com");
    let out = run_snippet(cmd, &env, &server, &kid);
    assert_snippet_worked(&out, &env, &server, &kid, "py@example.com");

    let mut cmd = Command::new(&python);
    cmd.arg(&script).arg("py2@example.com");
    let out = run_snippet(cmd, &env, &server, "not-a-key");
    assert_snippet_refused(&out, "HTTP 401 unknown_key");
}

#[test]
fn docs_node_snippet_runs() {
    let Some(dir) = node_with_jose() else { return };
    let (env, kid, server) = setup();
    let script = dir.join("keyward-admin.mjs");
    let mut cmd = Command::new("node");
    cmd.arg(&script).arg("node@example.com");
    let out = run_snippet(cmd, &env, &server, &kid);
    assert_snippet_worked(&out, &env, &server, &kid, "node@example.com");

    // The same email again: the GraphQL error's reason reaches the caller.
    let mut cmd = Command::new("node");
    cmd.arg(&script).arg("node@example.com");
    let out = run_snippet(cmd, &env, &server, &kid);
    assert_snippet_refused(&out, "InvariantViolated: identity already exists");
}

#[test]
fn docs_curl_snippet_runs() {
    let (env, kid, server) = setup();
    let script = workspace_root().join("docs/clients/curl.sh");
    let mut cmd = Command::new("bash");
    cmd.arg(&script).env("PATH", path_with_keyward());
    let out = run_snippet(cmd, &env, &server, &kid);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let body: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(body["data"]["users"]["totalCount"], 0, "{body}");
}

/// PATH with the built `keyward` binary first, as after an install.
fn path_with_keyward() -> String {
    let bin_dir = Path::new(BIN).parent().unwrap().display().to_string();
    format!("{bin_dir}:{}", std::env::var("PATH").unwrap_or_default())
}

#[test]
fn private_jwk_exported_by_pyjwt_signs_accepted_tokens() {
    let Some(python) = pyjwt_python() else { return };
    let (env, kid, server) = setup();
    let out = Command::new(&python)
        .args([
            "-c",
            "import sys; from jwt.algorithms import RSAAlgorithm; \
             from cryptography.hazmat.primitives import serialization as s; \
             k = s.load_pem_private_key(open(sys.argv[1], 'rb').read(), None); \
             print(RSAAlgorithm.to_jwk(k))",
        ])
        .arg(env.path("private-key.pem"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::write(env.path("key.jwk"), &out.stdout).unwrap();
    let jwk: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(jwk["d"].is_string() && jwk["qi"].is_string());
    let token = env.ok(&[
        "token",
        "--project",
        "myapp",
        "--kid",
        &kid,
        "--key",
        "key.jwk",
    ]);
    assert_eq!(runtime().block_on(server.outcome(&token)), "ok");
}
