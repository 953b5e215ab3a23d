//! The portal in headless Chromium: `tests/browser/portal.mjs` drives the
//! seed's whole flow (setup link, sign-in, project, key pair, PEM download
//! used with node `jose`, rotation, temporary token, explorer, audit log)
//! and the refusals (cross-site post, missing CSRF token, download without a
//! session) against `keyward serve`. Screenshots go to
//! `target/portal-screenshots/`.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::common::*;

#[test]
fn portal_flow_in_a_real_browser() {
    let dir = workspace_root().join("tests/browser");
    let ready = Path::new("/usr/bin/chromium").exists()
        && (dir.join("node_modules/playwright-core").exists()
            || Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund", "--silent"])
                .current_dir(&dir)
                .status()
                .is_ok_and(|s| s.success()));
    if !ready {
        if std::env::var_os("KEYWARD_REQUIRE_INTEROP").is_some() {
            panic!(
                "no /usr/bin/chromium or playwright-core (apt-get install chromium; npm ci in tests/browser)"
            );
        }
        eprintln!("SKIPPED: no /usr/bin/chromium or playwright-core");
        return;
    }
    let env = Env::new();
    let mut cmd = env.command(&["serve", "--listen", "127.0.0.1:0"]);
    cmd.stdout(Stdio::null()).stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let stderr = child.stderr.take().unwrap();
    let lines = read_lines_until(stderr, "portal/setup?token=");
    let _server = Server {
        child,
        addr: lines
            .iter()
            .find_map(|l| l.split("listening on http://").nth(1))
            .unwrap()
            .trim()
            .to_owned(),
    };
    let setup = lines
        .iter()
        .find_map(|l| {
            l.split_whitespace()
                .find(|w| w.contains("/portal/setup?token="))
        })
        .unwrap()
        .to_owned();
    let base = setup.split("/portal/").next().unwrap().to_owned();
    let shots = workspace_root().join("target/portal-screenshots");
    let out = Command::new("node")
        .arg(dir.join("portal.mjs"))
        .args([&base, &setup])
        .arg(&shots)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "browser flow failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains(r#""ok":true"#));
    assert!(shots.join("03-admin-api.png").exists());
}

/// Lines of `stream` up to the first containing `needle` (10 s at most).
fn read_lines_until(stream: impl std::io::Read + Send + 'static, needle: &str) -> Vec<String> {
    use std::io::BufRead as _;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                // Keep draining so the server never blocks on a full pipe.
                continue;
            }
        }
    });
    let mut lines = Vec::new();
    while let Ok(line) = rx.recv_timeout(std::time::Duration::from_secs(10)) {
        let done = line.contains(needle);
        lines.push(line);
        if done {
            return lines;
        }
    }
    panic!("the server printed no setup link: {lines:?}");
}
