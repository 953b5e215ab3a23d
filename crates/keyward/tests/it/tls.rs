//! Built-in TLS, as an operator turns it on: a config file names the
//! certificate and key; curl speaks HTTP/2 to it; SIGHUP swaps in a new
//! certificate while an open connection keeps working; a broken file on
//! reload changes nothing; cookies and issuers say https.

use std::io::{BufRead, BufReader, Write as _};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use keyward_test_support::tls::certificate;
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

use crate::common::{Env, multi_thread_runtime};

/// A child's stderr, line by line, to wait for one log line after another.
struct Lines(mpsc::Receiver<String>);

impl Lines {
    fn of(stream: impl std::io::Read + Send + 'static) -> Lines {
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Lines(rx)
    }

    fn wait_for(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.0.recv_timeout(left) {
                Ok(line) if line.contains(needle) => return line,
                Ok(_) => {}
                Err(_) => panic!("no log line with {needle:?} within 10 s"),
            }
        }
    }
}

struct Served {
    child: Child,
    lines: Lines,
    port: u16,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Served {
    fn hangup(&self) {
        let status = Command::new("kill")
            .args(["-HUP", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }
}

fn serve(env: &Env, config: &str) -> Served {
    let mut cmd = env.command(&["--config", config, "serve"]);
    cmd.stdout(Stdio::null()).stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let lines = Lines::of(child.stderr.take().unwrap());
    let line = lines.wait_for("listening on https://");
    let port = line
        .rsplit(':')
        .next()
        .and_then(|p| p.trim().parse().ok())
        .unwrap_or_else(|| panic!("no port in {line:?}"));
    Served { child, lines, port }
}

fn client_config(ca: &Path) -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_file(ca).unwrap())
        .unwrap();
    Arc::new(
        rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::aws_lc_rs::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth(),
    )
}

/// A TLS connection trusting only `ca`.
async fn connect(port: u16, ca: &Path) -> std::io::Result<TlsStream<TcpStream>> {
    let tcp = TcpStream::connect(("127.0.0.1", port)).await?;
    tokio_rustls::TlsConnector::from(client_config(ca))
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
}

/// GET /readyz on a kept-alive HTTP/1.1 connection; the status line.
async fn readyz(stream: &mut TlsStream<TcpStream>) -> String {
    stream
        .write_all(b"GET /readyz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    let mut response = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut chunk))
            .await
            .expect("a response within 5 s")
            .unwrap();
        assert!(n > 0, "the server closed the connection");
        response.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&response).into_owned();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length: usize = head
                .lines()
                .find_map(|l| {
                    let (name, value) = l.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse().ok())?
                })
                .expect("a content-length");
            if body.len() >= length {
                return head.lines().next().unwrap_or_default().to_owned();
            }
        }
    }
}

#[test]
fn https_from_the_config_file_with_the_certificate_swapped_on_sighup() {
    let env = Env::new();
    let a = certificate(env.dir.path(), "a");
    let b = certificate(env.dir.path(), "b");
    let (served_cert, served_key) = (env.path("tls/cert.pem"), env.path("tls/key.pem"));
    std::fs::create_dir_all(env.path("tls")).unwrap();
    std::fs::copy(&a.cert, &served_cert).unwrap();
    std::fs::copy(&a.key, &served_key).unwrap();
    // Relative paths in the file are relative to the file.
    std::fs::write(
        env.path("tls/keyward.toml"),
        "listen = \"127.0.0.1:0\"\n\n[tls]\ncert = \"cert.pem\"\nkey = \"key.pem\"\n",
    )
    .unwrap();
    env.ok(&["project", "create", "myapp"]);
    let mut create = env
        .command(&["portal-user", "create", "--email", "ops@example.com"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    create
        .stdin
        .take()
        .unwrap()
        .write_all(b"a long operator password\n")
        .unwrap();
    assert!(create.wait().unwrap().success());

    let server = serve(&env, "tls/keyward.toml");
    let port = server.port;

    // A client nobody here wrote: curl, over HTTP/2.
    let curl = Command::new("curl")
        .args(["-sS", "--http2", "--cacert"])
        .arg(&a.ca)
        .args(["--resolve", &format!("localhost:{port}:127.0.0.1")])
        .args(["-o", "/dev/null", "-w", "%{http_version} %{http_code}"])
        .arg(format!("https://localhost:{port}/readyz"))
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&curl.stdout),
        "2 200",
        "{}",
        String::from_utf8_lossy(&curl.stderr)
    );
    // Plain HTTP on the TLS port gets no HTTP answer.
    let plain = Command::new("curl")
        .args([
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "--max-time",
            "5",
        ])
        .arg(format!("http://127.0.0.1:{port}/readyz"))
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&plain.stdout), "000");

    let rt = multi_thread_runtime();
    rt.block_on(async {
        let mut open = connect(port, &a.ca).await.expect("certificate a is served");
        assert_eq!(readyz(&mut open).await, "HTTP/1.1 200 OK");

        // The operator renews the certificate and sends SIGHUP.
        std::fs::copy(&b.key, &served_key).unwrap();
        std::fs::copy(&b.cert, &served_cert).unwrap();
        server.hangup();
        let reloaded = server.lines.wait_for("TLS certificate");
        assert!(reloaded.contains("reloaded"), "{reloaded}");

        // The open connection goes on; new ones get the new certificate.
        assert_eq!(readyz(&mut open).await, "HTTP/1.1 200 OK");
        let mut renewed = connect(port, &b.ca).await.expect("certificate b is served");
        assert_eq!(readyz(&mut renewed).await, "HTTP/1.1 200 OK");
        assert!(
            connect(port, &a.ca).await.is_err(),
            "certificate a is still served after the reload"
        );

        // A broken file on reload changes nothing.
        std::fs::write(&served_cert, "not a certificate\n").unwrap();
        server.hangup();
        let refused = server.lines.wait_for("TLS certificate");
        assert!(
            refused.contains("not reloaded") && refused.contains("tls_no_certificate"),
            "{refused}"
        );
        let mut still = connect(port, &b.ca)
            .await
            .expect("certificate b is still served");
        assert_eq!(readyz(&mut still).await, "HTTP/1.1 200 OK");
        assert_eq!(readyz(&mut open).await, "HTTP/1.1 200 OK");

        // Reached over TLS directly, keyward says https: the sign-in
        // issuer, and a Secure session cookie.
        let http = reqwest::Client::builder()
            .add_root_certificate(
                reqwest::Certificate::from_pem(&std::fs::read(&b.ca).unwrap()).unwrap(),
            )
            .resolve("myapp.localhost", ([127, 0, 0, 1], port).into())
            .resolve("localhost", ([127, 0, 0, 1], port).into())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let doc: serde_json::Value = http
            .get(format!(
                "https://myapp.localhost:{port}/.well-known/openid-configuration"
            ))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(doc["issuer"], format!("https://myapp.localhost:{port}"));
        let login = http
            .post(format!("https://localhost:{port}/portal/login"))
            .form(&[
                ("email", "ops@example.com"),
                ("password", "a long operator password"),
            ])
            .send()
            .await
            .unwrap();
        let cookie = login
            .headers()
            .get("set-cookie")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_else(|| panic!("no session cookie: {}", login.status()));
        assert!(cookie.contains("; Secure"), "{cookie}");
    });
}

#[test]
fn serve_refuses_a_key_that_is_not_the_certificates() {
    let env = Env::new();
    let a = certificate(env.dir.path(), "a");
    let b = certificate(env.dir.path(), "b");
    let err = env.fail(&[
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--tls-cert",
        a.cert.to_str().unwrap(),
        "--tls-key",
        b.key.to_str().unwrap(),
    ]);
    assert!(err.contains("does not belong to the certificate"), "{err}");
    let err = env.fail(&[
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--tls-cert",
        a.cert.to_str().unwrap(),
    ]);
    assert!(err.contains("--tls-key"), "{err}");
    // Refused before anything was created.
    assert!(!env.path("keyward-data").exists());
}
