//! Harness for running the real binary: a temp working directory with its
//! own data directory, commands with captured output, and `keyward serve`
//! as a child process on an ephemeral port.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

pub const BIN: &str = env!("CARGO_BIN_EXE_keyward");

pub struct Env {
    pub dir: tempfile::TempDir,
    /// `--database` for every command; the SQLite default when `None`.
    pub database: Option<String>,
}

impl Env {
    pub fn new() -> Env {
        Env {
            dir: tempfile::tempdir().unwrap(),
            database: None,
        }
    }

    /// Every command and server uses this database URL.
    pub fn with_database(url: &str) -> Env {
        Env {
            database: Some(url.to_owned()),
            ..Env::new()
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(BIN);
        cmd.args(args)
            .current_dir(self.dir.path())
            .env_remove("KEYWARD_MASTER_KEY")
            .env_remove("KEYWARD_DATABASE_URL")
            .env_remove("KEYWARD_DATA_DIR")
            .env_remove("KEYWARD_MASTER_KEY_FILE")
            .env_remove("KEYWARD_CONFIG")
            .env_remove("KEYWARD_LOG");
        if let Some(url) = &self.database {
            cmd.env("KEYWARD_DATABASE_URL", url);
        }
        cmd
    }

    /// `key create` for project `myapp` writing `out`, then `token` with
    /// that key; returns (kid, token).
    pub fn new_key_and_token(&self, out: &str, ttl: &str) -> (String, String) {
        let kid = self.ok(&["key", "create", "--project", "myapp", "--out", out]);
        let token = self.ok(&[
            "token",
            "--project",
            "myapp",
            "--kid",
            &kid,
            "--key",
            out,
            "--ttl",
            ttl,
        ]);
        (kid, token)
    }

    /// Run, expect success, return trimmed stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        self.ok_raw(args).trim().to_owned()
    }

    /// Run, expect success, return stderr (where commands say what they did).
    pub fn ok_stderr(&self, args: &[&str]) -> String {
        let out = self.command(args).output().unwrap();
        assert!(
            out.status.success(),
            "keyward {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stderr).unwrap()
    }

    pub fn ok_raw(&self, args: &[&str]) -> String {
        let out = self.command(args).output().unwrap();
        assert!(
            out.status.success(),
            "keyward {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Run, expect failure, return stderr.
    pub fn fail(&self, args: &[&str]) -> String {
        self.fail_with_env(args, &[])
    }

    pub fn fail_with_env(&self, args: &[&str], vars: &[(&str, &str)]) -> String {
        let mut cmd = self.command(args);
        for (k, v) in vars {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        assert!(
            !out.status.success(),
            "keyward {args:?} unexpectedly succeeded"
        );
        assert!(out.stdout.is_empty(), "a failing command printed to stdout");
        String::from_utf8(out.stderr).unwrap()
    }

    /// Start `keyward serve` on an ephemeral port.
    pub fn serve(&self) -> Server {
        self.serve_with(&[])
    }

    /// [`Env::serve`] with more flags.
    pub fn serve_with(&self, extra: &[&str]) -> Server {
        let mut args = vec!["serve", "--listen", "127.0.0.1:0"];
        args.extend_from_slice(extra);
        let mut cmd = self.command(&args);
        cmd.stdout(Stdio::null()).stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        let stderr = child.stderr.take().unwrap();
        let addr = wait_for_line(stderr, "listening on http://")
            .and_then(|line| line.split("http://").nth(1).map(|s| s.trim().to_owned()))
            .unwrap_or_else(|| {
                let _ = child.kill();
                panic!("server did not report its address")
            });
        Server { child, addr }
    }

    /// Start `keyward quickstart` on an ephemeral port; returns the server
    /// and the curl line it printed.
    pub fn quickstart(&self) -> (Server, String) {
        let mut cmd = self.command(&["quickstart", "--listen", "127.0.0.1:0"]);
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let stderr = child.stderr.take().unwrap();
        let addr = wait_for_line(stderr, "listening on http://")
            .and_then(|line| line.split("http://").nth(1).map(|s| s.trim().to_owned()))
            .expect("quickstart did not report its address");
        let curl = wait_for_line(stdout, "curl ").expect("quickstart printed no curl line");
        (Server { child, addr }, curl)
    }
}

/// Read lines on a thread until one contains `needle` (10 s at most); keep
/// draining afterwards so the child never blocks on a full pipe.
pub fn wait_for_line(
    stream: impl std::io::Read + Send + 'static,
    needle: &'static str,
) -> Option<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut tx = Some(tx);
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            if line.contains(needle)
                && let Some(tx) = tx.take()
            {
                let _ = tx.send(line);
            }
        }
    });
    rx.recv_timeout(Duration::from_secs(10)).ok()
}

pub struct Server {
    pub child: Child,
    pub addr: String,
}

impl Server {
    pub fn endpoint(&self) -> String {
        format!("http://{}/projects/myapp/_api/admin/graphql", self.addr)
    }

    /// "ok" for a 200 with the project's data, else the 401 reason.
    pub async fn outcome(&self, token: &str) -> String {
        let response = reqwest::Client::new()
            .post(self.endpoint())
            .bearer_auth(token)
            .json(&serde_json::json!({ "query": "{ project { id } }" }))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let body: serde_json::Value = response.json().await.unwrap();
        match status {
            200 => {
                assert_eq!(body["data"]["project"]["id"], "myapp", "{body}");
                "ok".into()
            }
            401 => body["error"]["reason"].as_str().unwrap().to_owned(),
            other => panic!("unexpected status {other}: {body}"),
        }
    }

    /// Run a GraphQL query with `token`; asserts 200 and returns the body.
    pub async fn graphql(&self, token: &str, query: &str) -> serde_json::Value {
        let response = reqwest::Client::new()
            .post(self.endpoint())
            .bearer_auth(token)
            .json(&serde_json::json!({ "query": query }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    }

    /// Poll with `token` until this server refuses it as `unknown_key`
    /// (a deleted key). Every answer before that must be "ok"; panics if
    /// the refusal takes longer than `limit` after `since`.
    pub fn wait_until_refused(
        &self,
        rt: &tokio::runtime::Runtime,
        token: &str,
        since: std::time::Instant,
        limit: Duration,
    ) {
        loop {
            let outcome = rt.block_on(self.outcome(token));
            if outcome == "unknown_key" {
                return;
            }
            assert_eq!(outcome, "ok");
            assert!(
                since.elapsed() < limit,
                "{} still accepted the deleted key after {limit:?}",
                self.addr
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGTERM, then expect a clean exit.
    pub fn stop_gracefully(mut self) {
        let pid = self.child.id().to_string();
        let killed = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(killed.success());
        for _ in 0..100 {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "server exited with {status}");
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        panic!("server did not stop within 5 s of SIGTERM");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Two worker threads, for tests that drive load while the main thread acts.
pub fn multi_thread_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

pub fn file_mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

pub fn assert_private_file(path: &Path) {
    let mode = file_mode(path);
    assert_eq!(mode, 0o600, "{} has mode {mode:o}", path.display());
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.starts_with("-----BEGIN PRIVATE KEY-----\n"), "{text}");
}

/// `target/pyjwt-venv/bin/python` with PyJWT, cryptography, Authlib,
/// requests and bcrypt installed,
/// creating the virtualenv on first use (pip install from PyPI). When it
/// cannot be made, tests fail if `KEYWARD_REQUIRE_INTEROP` is set (CI) and
/// are skipped with a message otherwise.
pub fn pyjwt_python() -> Option<PathBuf> {
    let target = workspace_root().join("target/pyjwt-venv");
    let python = target.join("bin/python");
    let ready = |p: &PathBuf| {
        Command::new(p)
            .args(["-c", "import jwt, cryptography, authlib, requests, bcrypt"])
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
                "Authlib>=1.3,<2",
                "requests>=2.31,<3",
                "bcrypt>=4,<6",
            ])
            .status()
            .is_ok_and(|s| s.success());
    if created && ready(&python) {
        return Some(python);
    }
    skip_or_fail(
        "no PyJWT virtualenv (python3 -m venv + pip install PyJWT cryptography Authlib requests bcrypt failed)",
    )
}

/// `node`, with `docs/clients/node/node_modules` installed (`npm ci` on
/// first use); skipped or failed as [`pyjwt_python`] is.
pub fn node_with_jose() -> Option<PathBuf> {
    let dir = workspace_root().join("docs/clients/node");
    let installed = dir.join("node_modules/jose/package.json").exists()
        || Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--silent"])
            .current_dir(&dir)
            .status()
            .is_ok_and(|s| s.success());
    let node = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if installed && node {
        return Some(dir);
    }
    skip_or_fail("no node with `jose` (npm ci in docs/clients/node failed)")
}

fn skip_or_fail<T>(why: &str) -> Option<T> {
    if std::env::var_os("KEYWARD_REQUIRE_INTEROP").is_some() {
        panic!("{why}");
    }
    eprintln!("SKIPPED: {why}");
    None
}

pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}
