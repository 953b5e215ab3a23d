//! `keyward users import` and `keyward users export` against `keyward
//! serve`: bcrypt hashes made by Python's `bcrypt` library (not keyward)
//! imported from an NDJSON file larger than one request, the imported user
//! signing in (and the hash replaced by argon2id), then an export
//! re-imported into a fresh project yielding the same users.

use std::process::Command;

use serde_json::{Value, json};

use crate::common::*;

/// `keyward users <args>` against `server` with the key of `project`.
fn users(
    env: &Env,
    server: &Server,
    project: &str,
    key: (&str, &str),
    args: &[&str],
) -> std::process::Output {
    let endpoint = format!(
        "http://{}/projects/{project}/_api/admin/graphql",
        server.addr
    );
    let mut all = vec![
        "users",
        args[0],
        "--endpoint",
        &endpoint,
        "--project",
        project,
        "--kid",
        key.0,
        "--key",
        key.1,
    ];
    all.extend_from_slice(&args[1..]);
    env.command(&all).output().unwrap()
}

fn stdout_json(out: &std::process::Output) -> Value {
    assert!(
        out.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

/// bcrypt hashes of `password` at cost 4, from Python's `bcrypt`.
fn python_bcrypt(password: &str, count: usize) -> Option<Vec<String>> {
    let python = pyjwt_python()?;
    let script = format!(
        "import bcrypt\nfor _ in range({count}): print(bcrypt.hashpw({password:?}.encode(), bcrypt.gensalt(rounds=4)).decode())"
    );
    let out = Command::new(python).args(["-c", &script]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect(),
    )
}

#[test]
fn users_move_in_and_out_with_the_cli() {
    let Some(hashes) = python_bcrypt("imported pass 1", 3) else {
        return;
    };
    assert!(
        hashes.iter().all(|h| h.starts_with("$2b$04$")),
        "{hashes:?}"
    );
    let env = Env::new();
    env.ok(&["project", "create", "myapp"]);
    env.ok(&["project", "create", "copy"]);
    let kid = env.ok(&["key", "create", "--project", "myapp"]);
    let copy_kid = env.ok(&["key", "create", "--project", "copy", "--out", "copy.pem"]);
    let server = env.serve();
    let rt = runtime();
    let tokens = [
        (
            "myapp",
            env.ok(&[
                "token",
                "--project",
                "myapp",
                "--kid",
                &kid,
                "--key",
                "private-key.pem",
            ]),
        ),
        (
            "copy",
            env.ok(&[
                "token",
                "--project",
                "copy",
                "--kid",
                &copy_kid,
                "--key",
                "copy.pem",
            ]),
        ),
    ];
    for (project, token) in &tokens {
        let endpoint = format!(
            "http://{}/projects/{project}/_api/admin/graphql",
            server.addr
        );
        let created: Value = rt.block_on(async {
            reqwest::Client::new()
                .post(&endpoint)
                .bearer_auth(token)
                .json(&json!({"query": "mutation { createRole(input: {key: \"staff\"}) { role { id } } }"}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap()
        });
        assert!(created.get("errors").is_none(), "{created}");
    }

    // 600 records of about 1 kB: more than one request's worth. Three
    // carry Python's hashes, as $2b$, $2a$ and $2y$ (all one algorithm).
    let mut lines = Vec::new();
    for i in 0..600 {
        let mut record = json!({"email": format!("user{i}@example.com"), "name": format!("User {i} {}", "x".repeat(1000))});
        if i < 3 {
            let minor = ["$2b$", "$2a$", "$2y$"][i];
            record["password"] =
                json!({"type": "bcrypt", "password_hash": hashes[i].replacen("$2b$", minor, 1)});
            record["roles"] = json!(["staff"]);
            record["email_verified"] = json!(true);
        }
        lines.push(record.to_string());
    }
    lines.push(json!({"email": "broken"}).to_string());
    std::fs::write(env.path("users.ndjson"), lines.join("\n")).unwrap();

    let out = users(
        &env,
        &server,
        "myapp",
        (&kid, "private-key.pem"),
        &["import", "users.ndjson", "--json"],
    );
    assert!(!out.status.success(), "a failed record fails the command");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("1 of 601 records failed"), "{stderr}");
    let result: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        result["summary"],
        json!({"total": 601, "inserted": 600, "updated": 0, "skipped": 0, "failed": 1})
    );
    assert_eq!(result["details"].as_array().unwrap().len(), 1);
    assert_eq!(
        result["details"][0]["index"], 600,
        "indexes count from the file's start"
    );
    assert_eq!(
        result["details"][0]["errors"][0]["reason"],
        "ValidationFailed"
    );

    // The same file again without --upsert: every user is skipped.
    let again = users(
        &env,
        &server,
        "myapp",
        (&kid, "private-key.pem"),
        &["import", "users.ndjson", "--json"],
    );
    let again: Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(again["summary"]["skipped"], 600);

    // Python's hashes sign the users in, each minor version alike.
    let client = serde_json::from_str::<Value>(&env.ok(&[
        "oauth-client",
        "create",
        "--project",
        "myapp",
        "--name",
        "SPA",
        "--type",
        "spa",
        "--redirect-uri",
        "http://app.example.test/cb",
        "--json",
    ]))
    .unwrap();
    let app = keyward_test_support::App {
        client_id: client["client_id"].as_str().unwrap().to_owned(),
        secret: None,
        redirect_uri: "http://app.example.test/cb".into(),
    };
    for i in 0..3 {
        let mut browser = keyward_test_support::Browser::at(server.addr.parse().unwrap());
        let pkce = keyward_test_support::Pkce::new();
        let url = keyward_test_support::authorize_url(&browser.issuer, &app, &pkce, &[]);
        let wrong =
            rt.block_on(browser.sign_in(&url, &format!("user{i}@example.com"), "imported pass 2"));
        assert_eq!(wrong.status, 401);
        let done =
            rt.block_on(browser.sign_in(&url, &format!("user{i}@example.com"), "imported pass 1"));
        assert_eq!(done.status, 303, "{}", done.body);
        assert!(done.location().unwrap().contains("code="));
    }
    // Replaced by argon2id at that first sign-in.
    let rt2 = runtime();
    let hash = rt2.block_on(async {
        let store = keyward_store::Store::open(
            &format!("sqlite://{}", env.path("keyward-data/keyward.db").display()),
            keyward_store::StoreOptions::default(),
        )
        .await
        .unwrap();
        let mut tx = store.begin_read().await.unwrap();
        let user = keyward_accounts::users::find_by_login(
            &mut tx,
            "myapp",
            keyward_accounts::loginid::LoginIdType::Email,
            "user0@example.com",
        )
        .await
        .unwrap()
        .unwrap();
        tx.passwords_of("myapp", &user.id).await.unwrap()[0]
            .password_hash
            .clone()
    });
    assert!(hash.starts_with("$argon2id$"), "{hash}");

    // Export, then import the file into a fresh project.
    let exported = stdout_json(&users(
        &env,
        &server,
        "myapp",
        (&kid, "private-key.pem"),
        &[
            "export",
            "--format",
            "ndjson",
            "--out",
            "users-export.ndjson",
            "--json",
        ],
    ));
    assert_eq!(exported["users"], 600);
    let file = std::fs::read_to_string(env.path("users-export.ndjson")).unwrap();
    assert_eq!(file.lines().count(), 600);
    assert!(!env.path("users-export.partial").exists());
    let moved = users(
        &env,
        &server,
        "copy",
        (&copy_kid, "copy.pem"),
        &["import", "users-export.ndjson", "--from-export", "--json"],
    );
    let moved = stdout_json(&moved);
    assert_eq!(moved["summary"]["inserted"], 600, "{moved}");

    // The same users: compare both projects' exports without IDs and times.
    let copied = stdout_json(&users(
        &env,
        &server,
        "copy",
        (&copy_kid, "copy.pem"),
        &[
            "export",
            "--format",
            "ndjson",
            "--out",
            "copy-export.ndjson",
            "--json",
        ],
    ));
    assert_eq!(copied["users"], 600);
    let normalized = |path: &str| {
        let mut users: Vec<Value> = std::fs::read_to_string(env.path(path))
            .unwrap()
            .lines()
            .map(|l| {
                let mut v: Value = serde_json::from_str(l).unwrap();
                let o = v.as_object_mut().unwrap();
                for k in ["sub", "created_at", "last_login_at"] {
                    o.remove(k);
                }
                v
            })
            .collect();
        users.sort_by_key(|u| u["email"].as_str().unwrap().to_owned());
        users
    };
    let (a, b) = (
        normalized("users-export.ndjson"),
        normalized("copy-export.ndjson"),
    );
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x, y);
    }
    assert_eq!(a[0]["roles"], json!(["staff"]));

    // CSV with chosen columns to stdout.
    let out = users(
        &env,
        &server,
        "myapp",
        (&kid, "private-key.pem"),
        &[
            "export",
            "--format",
            "csv",
            "--field",
            "/email=mail",
            "--field",
            "/email_verified",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let csv = String::from_utf8(out.stdout).unwrap();
    assert_eq!(csv.lines().next().unwrap(), "mail,email_verified");
    assert!(csv.lines().any(|l| l == "user0@example.com,true"), "{csv}");
    assert_eq!(csv.lines().count(), 601);
}
