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
