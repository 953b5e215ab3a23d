//! End-user sign-in in headless Chromium: the example web app
//! (`docs/examples/node-webapp`, Node `openid-client`) signs a user in and
//! out against `keyward serve`, driven by `tests/browser/signin.mjs`.
//! Screenshots go to `target/signin-screenshots/`.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::common::*;

fn npm_ready(dir: &Path, marker: &str) -> bool {
    dir.join("node_modules").join(marker).exists()
        || Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--silent"])
            .current_dir(dir)
            .status()
            .is_ok_and(|s| s.success())
}

#[test]
fn example_app_signs_in_and_out_in_a_real_browser() {
    let browser_dir = workspace_root().join("tests/browser");
    let app_dir = workspace_root().join("docs/examples/node-webapp");
    let ready = Path::new("/usr/bin/chromium").exists()
        && npm_ready(&browser_dir, "playwright-core")
        && npm_ready(&app_dir, "openid-client");
    if !ready {
        if std::env::var_os("KEYWARD_REQUIRE_INTEROP").is_some() {
            panic!("no /usr/bin/chromium, playwright-core or openid-client (npm ci)");
        }
        eprintln!("SKIPPED: no /usr/bin/chromium, playwright-core or openid-client");
        return;
    }
    let env = Env::new();
    env.ok(&["project", "create", "myapp"]);
    let server = env.serve();
    let (_, token) = env.new_key_and_token("admin.pem", "600");
    let out = runtime().block_on(server.graphql(
        &token,
        "mutation { createUser(input: {definition: {loginID: {key: \"email\", value: \"ada@example.com\"}}, password: \"correct horse battery\"}) { user { id } } }",
    ));
    assert!(out["data"]["createUser"]["user"]["id"].is_string(), "{out}");

    let app_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let app_url = format!("http://127.0.0.1:{app_port}");
    let created: serde_json::Value = serde_json::from_str(&env.ok(&[
        "oauth-client",
        "create",
        "--project",
        "myapp",
        "--name",
        "Example web app",
        "--type",
        "traditional_webapp",
        "--redirect-uri",
        &format!("{app_url}/callback"),
        "--post-logout-redirect-uri",
        &format!("{app_url}/"),
        "--json",
    ]))
    .unwrap();
    let port = server.addr.rsplit(':').next().unwrap();
    let mut app = Command::new("node")
        .arg(app_dir.join("server.mjs"))
        .env("KEYWARD_ISSUER", format!("http://myapp.localhost:{port}"))
        .env("CLIENT_ID", created["client_id"].as_str().unwrap())
        .env("PORT", app_port.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let started = wait_for_line(app.stdout.take().unwrap(), "listening on");
    if started.is_none() {
        let _ = app.kill();
        panic!("the example app did not start");
    }
    let shots = workspace_root().join("target/signin-screenshots");
    let result = Command::new("node")
        .arg(browser_dir.join("signin.mjs"))
        .args([&app_url, "ada@example.com", "correct horse battery"])
        .arg(&shots)
        .current_dir(&browser_dir)
        .output()
        .unwrap();
    let _ = app.kill();
    let _ = app.wait();
    assert!(
        result.status.success(),
        "browser sign-in failed:\n{}\n{}",
        String::from_utf8_lossy(&result.stdout),
        String::from_utf8_lossy(&result.stderr)
    );
}

/// `tests/browser` when Chromium and playwright-core are there; `None`
/// (the test skips) otherwise, which CI forbids (`KEYWARD_REQUIRE_INTEROP`).
fn browser_ready() -> Option<std::path::PathBuf> {
    let browser_dir = workspace_root().join("tests/browser");
    if Path::new("/usr/bin/chromium").exists() && npm_ready(&browser_dir, "playwright-core") {
        return Some(browser_dir);
    }
    if std::env::var_os("KEYWARD_REQUIRE_INTEROP").is_some() {
        panic!("no /usr/bin/chromium or playwright-core (npm ci)");
    }
    eprintln!("SKIPPED: no /usr/bin/chromium or playwright-core");
    None
}

/// An SMTP sink for `keyward serve --smtp-url`, on its own runtime (the
/// tests here are synchronous).
fn smtp_sink() -> (tokio::runtime::Runtime, keyward_test_support::SmtpSink) {
    let mail = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let sink = mail.block_on(keyward_test_support::SmtpSink::start());
    (mail, sink)
}

/// Run `tests/browser/pages.mjs MODE ARGS… SHOTS`; panics with its output.
fn pages(mode: &str, args: &[&str]) {
    let browser_dir = workspace_root().join("tests/browser");
    let shots = workspace_root().join("target/signin-screenshots");
    let result = Command::new("node")
        .arg(browser_dir.join("pages.mjs"))
        .arg(mode)
        .args(args)
        .arg(&shots)
        .current_dir(&browser_dir)
        .output()
        .unwrap();
    assert!(
        result.status.success(),
        "browser step {mode} failed:\n{}\n{}",
        String::from_utf8_lossy(&result.stdout),
        String::from_utf8_lossy(&result.stderr)
    );
}

/// The consent page of a third-party app and the password reset pages in
/// headless Chromium, against `keyward serve` sending its email to an SMTP
/// sink in this process.
#[test]
fn consent_and_password_reset_pages_in_a_real_browser() {
    if browser_ready().is_none() {
        return;
    }
    let (mail, sink) = smtp_sink();
    let env = Env::new();
    env.ok(&["project", "create", "myapp"]);
    let server = env.serve_with(&[
        "--smtp-url",
        &sink.url(),
        "--mail-from",
        "My App <no-reply@example.com>",
    ]);
    let (_, token) = env.new_key_and_token("admin.pem", "600");
    let out = runtime().block_on(server.graphql(
        &token,
        "mutation { createUser(input: {definition: {loginID: {key: \"email\", value: \"eve@example.com\"}}, password: \"correct horse battery\"}) { user { id } } }",
    ));
    assert!(out["data"]["createUser"]["user"]["id"].is_string(), "{out}");
    let port = server.addr.rsplit(':').next().unwrap().to_owned();
    let issuer = format!("http://myapp.localhost:{port}");

    let app_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let callback = format!("http://127.0.0.1:{app_port}/callback");
    let callback = callback.as_str();
    let created: serde_json::Value = serde_json::from_str(&env.ok(&[
        "oauth-client",
        "create",
        "--project",
        "myapp",
        "--name",
        "Partner app",
        "--type",
        "third_party_app",
        "--redirect-uri",
        callback,
        "--json",
    ]))
    .unwrap();
    let client_id = created["client_id"].as_str().unwrap();
    let authorize = format!(
        "{issuer}/oauth2/authorize?client_id={client_id}&response_type=code&scope=openid%20email&redirect_uri={}",
        url_encode(callback)
    );
    pages(
        "consent",
        &[
            &authorize,
            "eve@example.com",
            "correct horse battery",
            callback,
        ],
    );

    pages("forgot", &[&issuer, "eve@example.com"]);
    let sent = mail.block_on(sink.wait_for(1, std::time::Duration::from_secs(15)));
    assert_eq!(sent.len(), 1, "the reset email arrived");
    assert!(
        sent[0].contains("My App") && sent[0].contains("<no-reply@example.com>"),
        "{}",
        sent[0]
    );
    assert!(
        sent[0].contains("Content-Transfer-Encoding: 7bit") && sent[0].contains("?code="),
        "the link arrives as typed: {}",
        sent[0]
    );
    let code = keyward_test_support::link_param(&sent[0], "code").unwrap();
    pages(
        "reset",
        &[
            &format!("{issuer}/reset_password?code={code}"),
            "a new and long password",
        ],
    );
}

/// Sign-up in headless Chromium: "Create an account" on the sign-in page,
/// the code from the email (read here from the SMTP sink and handed to the
/// running browser script through a file), then the new account's page.
#[test]
fn sign_up_with_an_emailed_code_in_a_real_browser() {
    let Some(browser_dir) = browser_ready() else {
        return;
    };
    let (mail, sink) = smtp_sink();
    let env = Env::new();
    env.ok(&["project", "create", "myapp"]);
    env.ok(&["project", "update", "myapp", "--signup", "on"]);
    let server = env.serve_with(&["--smtp-url", &sink.url()]);
    let port = server.addr.rsplit(':').next().unwrap().to_owned();
    let code_file = env.dir.path().join("signup-code.txt");
    let shots = workspace_root().join("target/signin-screenshots");
    let browser = Command::new("node")
        .arg(browser_dir.join("pages.mjs"))
        .args([
            "signup",
            &format!("http://myapp.localhost:{port}"),
            "gus@example.com",
            "a long enough password",
        ])
        .arg(&code_file)
        .arg(&shots)
        .current_dir(&browser_dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let sent = mail.block_on(sink.wait_for(1, std::time::Duration::from_secs(30)));
    assert!(sent[0].contains("To: gus@example.com"), "{}", sent[0]);
    let code = sent[0]
        .split_whitespace()
        .find(|w| w.len() == 6 && w.bytes().all(|b| b.is_ascii_digit()))
        .unwrap();
    std::fs::write(&code_file, code).unwrap();
    let result = browser.wait_with_output().unwrap();
    assert!(
        result.status.success(),
        "browser sign-up failed:\n{}\n{}",
        String::from_utf8_lossy(&result.stdout),
        String::from_utf8_lossy(&result.stderr)
    );
}

/// Two-step verification in headless Chromium: an authenticator app set
/// up on the account page, then sign-in with its code and with a recovery
/// code (`tests/browser/pages.mjs mfa`, TOTP computed there by node:crypto).
#[test]
fn authenticator_app_and_recovery_code_in_a_real_browser() {
    if browser_ready().is_none() {
        return;
    }
    let env = Env::new();
    env.ok(&["project", "create", "myapp"]);
    let server = env.serve();
    let (_, token) = env.new_key_and_token("admin.pem", "600");
    let out = runtime().block_on(server.graphql(
        &token,
        "mutation { createUser(input: {definition: {loginID: {key: \"email\", value: \"fay@example.com\"}}, password: \"correct horse battery\"}) { user { id } } }",
    ));
    assert!(out["data"]["createUser"]["user"]["id"].is_string(), "{out}");
    let port = server.addr.rsplit(':').next().unwrap().to_owned();
    pages(
        "mfa",
        &[
            &format!("http://myapp.localhost:{port}"),
            "fay@example.com",
            "correct horse battery",
        ],
    );
}

fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
