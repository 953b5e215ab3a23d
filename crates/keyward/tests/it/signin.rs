//! End-user sign-in with the real binary: applications managed with
//! `keyward oauth-client`, signing keys with `keyward signing-key`, custom
//! domains with `keyward project update --domain`, and a relying party
//! written with Python's Authlib signing a user in and out against
//! `keyward serve`.

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

use crate::common::*;

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// Start a server with user `ada@example.com`; returns it and the issuer.
fn server_with_user(env: &Env) -> (Server, String) {
    let server = env.serve();
    let (_, token) = env.new_key_and_token("admin.pem", "600");
    let out = runtime().block_on(server.graphql(
        &token,
        "mutation { createUser(input: {definition: {loginID: {key: \"email\", value: \"ada@example.com\"}}, password: \"correct horse battery\"}) { user { id } } }",
    ));
    assert!(out["data"]["createUser"]["user"]["id"].is_string(), "{out}");
    let port = server.addr.rsplit(':').next().unwrap().to_owned();
    (server, format!("http://myapp.localhost:{port}"))
}

#[test]
fn oauth_clients_are_managed_from_the_cli() {
    let env = Env::new();
    env.ok(&["project", "create", "myapp"]);
    let created = json(&env.ok(&[
        "oauth-client",
        "create",
        "--project",
        "myapp",
        "--name",
        "Backend",
        "--type",
        "confidential",
        "--redirect-uri",
        "https://app.example/cb",
        "--json",
    ]));
    let id = created["client_id"].as_str().unwrap().to_owned();
    let secret = created["client_secret"].as_str().unwrap();
    assert!(secret.len() >= 43);
    assert_eq!(created["type"], "confidential");
    assert_eq!(
        created["redirect_uris"],
        serde_json::json!(["https://app.example/cb"])
    );
    // The secret is shown once: never by show or list.
    let shown = env.ok(&["oauth-client", "show", "--project", "myapp", &id, "--json"]);
    assert!(!shown.contains(secret));
    let listed = json(&env.ok(&["oauth-client", "list", "--project", "myapp", "--json"]));
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert!(!listed.to_string().contains(secret));

    let err = env.fail(&[
        "oauth-client",
        "create",
        "--project",
        "myapp",
        "--name",
        "X",
        "--type",
        "spa",
        "--redirect-uri",
        "https://*.example/cb",
    ]);
    assert!(err.contains("wildcards"), "{err}");
    let err = env.fail(&[
        "oauth-client",
        "create",
        "--project",
        "myapp",
        "--name",
        "X",
        "--type",
        "web",
        "--redirect-uri",
        "https://a.example/cb",
    ]);
    assert!(
        err.contains("spa, traditional_webapp, native, confidential"),
        "{err}"
    );

    let rotated = json(&env.ok(&[
        "oauth-client",
        "rotate-secret",
        "--project",
        "myapp",
        &id,
        "--json",
    ]));
    let secrets = rotated["secrets"].as_array().unwrap();
    assert_eq!(
        secrets.len(),
        2,
        "both secrets valid until the old one is deleted"
    );
    let old = secrets[0]["id"].as_str().unwrap();
    env.ok(&[
        "oauth-client",
        "delete-secret",
        "--project",
        "myapp",
        &id,
        old,
    ]);
    let err = env.fail(&[
        "oauth-client",
        "delete-secret",
        "--project",
        "myapp",
        &id,
        secrets[1]["id"].as_str().unwrap(),
    ]);
    assert!(err.contains("only secret"), "{err}");

    let updated = json(&env.ok(&[
        "oauth-client",
        "update",
        "--project",
        "myapp",
        &id,
        "--redirect-uri",
        "https://app.example/cb2",
        "--refresh-token-rotation",
        "on",
        "--json",
    ]));
    assert_eq!(
        updated["redirect_uris"],
        serde_json::json!(["https://app.example/cb2"])
    );
    assert_eq!(updated["refresh_token_rotation"], true);
    env.ok(&["oauth-client", "delete", "--project", "myapp", &id]);
    let err = env.fail(&["oauth-client", "show", "--project", "myapp", &id]);
    assert!(err.contains("does not exist"), "{err}");
}

#[test]
fn signing_keys_rotate_and_custom_domains_serve_sign_in() {
    let env = Env::new();
    env.ok(&["project", "create", "myapp"]);
    let keys = json(&env.ok(&["signing-key", "list", "--project", "myapp", "--json"]));
    assert_eq!(keys.as_array().unwrap().len(), 1, "project create made one");
    env.ok(&[
        "signing-key",
        "rotate",
        "--project",
        "myapp",
        "--delay",
        "300",
    ]);
    env.ok(&[
        "project",
        "update",
        "myapp",
        "--domain",
        "auth.example.test",
    ]);
    let server = env.serve();
    let rt = runtime();
    let (host, port) = server.addr.rsplit_once(':').unwrap();
    let addr: std::net::SocketAddr = format!("{host}:{port}").parse().unwrap();
    let http = reqwest::Client::builder()
        .resolve("auth.example.test", addr)
        .resolve("myapp.localhost", addr)
        .resolve("other.example.test", addr)
        .build()
        .unwrap();
    let get = |url: String| {
        let http = http.clone();
        async move { http.get(url).send().await.unwrap() }
    };
    rt.block_on(async {
        // The new key is published before it signs: both are in the JWKS.
        let jwks: Value = get(format!("http://myapp.localhost:{port}/oauth2/jwks"))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(jwks["keys"].as_array().unwrap().len(), 2, "{jwks}");
        let doc: Value = get(format!(
            "http://auth.example.test:{port}/.well-known/openid-configuration"
        ))
        .await
        .json()
        .await
        .unwrap();
        assert_eq!(doc["issuer"], format!("http://auth.example.test:{port}"));
        let unknown = get(format!(
            "http://other.example.test:{port}/.well-known/openid-configuration"
        ))
        .await;
        assert_eq!(unknown.status(), 404);
    });
}

fn authlib(python: &std::path::Path, args: &[&str]) -> Value {
    interop_script(python, "authlib_signin.py", args)
}

/// Run `tests/interop/<name>` with `args`; its one JSON line.
fn interop_script(python: &std::path::Path, name: &str, args: &[&str]) -> Value {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/interop")
        .join(name);
    let out = Command::new(python)
        .arg(&script)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{name} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    json(&String::from_utf8_lossy(&out.stdout))
}

#[test]
fn authlib_signs_in_and_out_as_public_and_confidential_client() {
    let Some(python) = pyjwt_python() else {
        return;
    };
    let env = Env::new();
    env.ok(&["project", "create", "myapp"]);
    let (_server, issuer) = server_with_user(&env);
    let redirect = "http://rp.example.test/callback";
    for kind in ["spa", "confidential"] {
        let created = json(&env.ok(&[
            "oauth-client",
            "create",
            "--project",
            "myapp",
            "--name",
            "Authlib app",
            "--type",
            kind,
            "--redirect-uri",
            redirect,
            "--json",
        ]));
        let secret = created["client_secret"].as_str().unwrap_or("-");
        let seen = authlib(
            &python,
            &[
                &issuer,
                created["client_id"].as_str().unwrap(),
                secret,
                redirect,
                "ada@example.com",
                "correct horse battery",
            ],
        );
        assert_eq!(seen["sub"], seen["userinfo_sub"], "{kind}: {seen}");
        assert_eq!(seen["userinfo_email"], "ada@example.com", "{kind}");
        assert_eq!(seen["refreshed"], true, "{kind}");
        assert_eq!(seen["revoke_status"], 200, "{kind}");
        assert_eq!(seen["refresh_after_revoke"], "invalid_grant", "{kind}");
        // Only a confidential client's ID token carries the email.
        let expected = if kind == "confidential" {
            Value::from("ada@example.com")
        } else {
            Value::Null
        };
        assert_eq!(seen["id_token_email"], expected, "{kind}");
    }
}

/// A machine-to-machine client made with the CLI, its resource and scope
/// with the Admin API, and a backend and resource server in Python
/// (requests + PyJWT) getting and verifying an access token for it.
#[test]
fn m2m_tokens_verify_with_pyjwt_against_the_jwks() {
    let Some(python) = pyjwt_python() else {
        return;
    };
    let env = Env::new();
    env.ok(&["project", "create", "myapp"]);
    let created = json(&env.ok(&[
        "oauth-client",
        "create",
        "--project",
        "myapp",
        "--name",
        "Nightly job",
        "--type",
        "m2m",
        "--json",
    ]));
    let client_id = created["client_id"].as_str().unwrap().to_owned();
    let secret = created["client_secret"].as_str().unwrap().to_owned();
    let err = env.fail(&[
        "oauth-client",
        "create",
        "--project",
        "myapp",
        "--name",
        "X",
        "--type",
        "m2m",
        "--redirect-uri",
        "https://a.example/cb",
    ]);
    assert!(err.contains("no redirect URIs"), "{err}");
    let server = env.serve();
    let (_, token) = env.new_key_and_token("admin.pem", "600");
    let api = "https://api.example.com/reports";
    let setup = format!(
        "mutation {{ a: createResource(input: {{resourceURI: \"{api}\", name: \"Reports\"}}) {{ resource {{ id }} }} \
         b: createScope(input: {{resourceURI: \"{api}\", scope: \"reports:read\"}}) {{ scope {{ id }} }} \
         c: addResourceToClientID(input: {{clientID: \"{client_id}\", resourceURI: \"{api}\"}}) {{ resource {{ id }} }} \
         d: addScopesToClientID(input: {{clientID: \"{client_id}\", resourceURI: \"{api}\", scopes: [\"reports:read\"]}}) {{ scopes {{ scope }} }} }}"
    );
    let out = runtime().block_on(server.graphql(&token, &setup));
    assert!(out["errors"].is_null(), "{out}");
    let port = server.addr.rsplit(':').next().unwrap().to_owned();
    let issuer = format!("http://myapp.localhost:{port}");
    let seen = interop_script(
        &python,
        "m2m_resource_server.py",
        &[&issuer, &client_id, &secret, api, "reports:read"],
    );
    assert_eq!(seen["typ"], "at+jwt", "{seen}");
    assert_eq!(seen["aud"], api);
    assert_eq!(seen["scope"], "reports:read");
    assert_eq!(seen["expires_in"], 1800);
    assert_eq!(seen["other_api"], "refused");
    assert_eq!(seen["wrong_secret"], 401);
}
