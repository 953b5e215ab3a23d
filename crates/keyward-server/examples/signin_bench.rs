//! Sign-in throughput against the real server (loopback, production
//! argon2id cost), printed as a Markdown section for `docs/benchmarks.md`:
//! password sign-ins/s next to raw argon2id verifications/s (sign-in must
//! be bound by hashing, not by the rest), authorizations with an IdP
//! session, code exchanges, refresh grants and userinfo calls per second.
//!
//!   cargo run --release -p keyward-server --example signin_bench -- [SECONDS] [CONNECTIONS]
//!
//! Every loop is bounded in time; everything talks to 127.0.0.1.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use keyward_server::Config;
use keyward_store::ClientType;
use keyward_test_support::{App, Backend, Browser, Pkce, TestServer, authorize_url, query_of};

const PASSWORD: &str = "correct horse battery";

/// Run `op` on `conns` tasks for `secs`; returns completed operations/s.
async fn rate<F, Fut>(secs: f64, conns: usize, op: F) -> f64
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let op = Arc::new(op);
    let done = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs_f64(secs);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for i in 0..conns {
        let (op, done, failed) = (op.clone(), done.clone(), failed.clone());
        tasks.push(tokio::spawn(async move {
            let mut n = 0usize;
            while Instant::now() < deadline {
                if op(i * 1_000_000 + n).await {
                    done.fetch_add(1, Ordering::Relaxed);
                } else {
                    failed.fetch_add(1, Ordering::Relaxed);
                }
                n += 1;
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(failed.load(Ordering::Relaxed), 0, "failed operations");
    done.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64()
}

async fn argon2_rate(secs: f64) -> f64 {
    use argon2::password_hash::PasswordVerifier as _;
    let hash =
        keyward_accounts::password::hash(PASSWORD.into(), keyward_accounts::HashCost::default())
            .await
            .unwrap();
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let deadline = Instant::now() + Duration::from_secs_f64(secs);
    let started = Instant::now();
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let hash = hash.clone();
            std::thread::spawn(move || {
                let parsed = argon2::PasswordHash::new(&hash).unwrap();
                let mut n = 0u64;
                while Instant::now() < deadline {
                    assert!(
                        argon2::Argon2::default()
                            .verify_password(PASSWORD.as_bytes(), &parsed)
                            .is_ok()
                    );
                    n += 1;
                }
                n
            })
        })
        .collect();
    let total: u64 = handles.into_iter().map(|h| h.join().unwrap()).sum();
    total as f64 / started.elapsed().as_secs_f64()
}

async fn token(b: &Browser, form: &[(&str, &str)]) -> Option<serde_json::Value> {
    let r = b
        .http
        .post(format!("{}/oauth2/token", b.issuer))
        .form(form)
        .send()
        .await
        .ok()?;
    if !r.status().is_success() {
        return None;
    }
    r.json().await.ok()
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let secs: f64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(5.0);
    let conns: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(16);
    // Production hashing cost; no sign-in failures are made, so the
    // failure limits never trigger.
    let config = Config {
        signin_failures_per_ip: 1_000_000,
        ..Config::default()
    };
    let server = TestServer::spawn_with(Backend::Sqlite, config)
        .await
        .unwrap();
    server.end_user("bench@example.com", PASSWORD).await;
    let callback = "http://bench.example.test/cb";
    let sso_app = server.oauth_client(ClientType::Spa, callback).await;
    let fixed = server
        .oauth_client_with(ClientType::Spa, callback, |c| {
            c.refresh_rotation = Some(false)
        })
        .await;

    let argon2 = argon2_rate(secs).await;

    // Password sign-ins: the form posted again and again (no SSO session,
    // as Authgear's web SDK asks), each answered with a code.
    let mut b = server.browser();
    let first = b
        .get(&authorize_url(
            &b.issuer,
            &fixed,
            &Pkce::new(),
            &[("x_sso_enabled", "false")],
        ))
        .await;
    let form = b.get(&first.location().unwrap()).await;
    let mut fields = form.inputs();
    fields.push(("login".into(), "bench@example.com".into()));
    fields.push(("password".into(), PASSWORD.into()));
    let cookie = format!("keyward_csrf={}", b.cookies["keyward_csrf"]);
    let (http, issuer) = (b.http.clone(), b.issuer.clone());
    let signins = rate(secs, conns, move |_| {
        let (http, issuer, fields, cookie) =
            (http.clone(), issuer.clone(), fields.clone(), cookie.clone());
        async move {
            let r = http
                .post(format!("{issuer}/login"))
                .header("cookie", cookie)
                .header("origin", issuer.clone())
                .form(&fields)
                .send()
                .await;
            r.is_ok_and(|r| r.status().as_u16() == 303)
        }
    })
    .await;

    // Authorize with a live IdP session: a code without the form.
    let mut sso = server.browser();
    let pkce = Arc::new(Pkce::new());
    let signed_in = sso
        .sign_in(
            &authorize_url(&sso.issuer, &sso_app, &pkce, &[]),
            "bench@example.com",
            PASSWORD,
        )
        .await;
    assert_eq!(signed_in.status, 303);
    let session = format!("session={}", sso.cookies["session"]);
    let url = authorize_url(&sso.issuer, &sso_app, &pkce, &[("prompt", "none")]);
    let codes = Arc::new(std::sync::Mutex::new(Vec::new()));
    let (http, session2, codes2) = (sso.http.clone(), session.clone(), codes.clone());
    let authorizations = rate(secs, conns, move |_| {
        let (http, url, session, codes) =
            (http.clone(), url.clone(), session2.clone(), codes2.clone());
        async move {
            let Ok(r) = http.get(url).header("cookie", session).send().await else {
                return false;
            };
            let Some(loc) = r.headers().get("location").and_then(|v| v.to_str().ok()) else {
                return false;
            };
            let q = query_of(loc);
            let Some(code) = q.get("code") else {
                return false;
            };
            codes.lock().unwrap().push(code.clone());
            true
        }
    })
    .await;

    // Code exchanges: the codes made above, each redeemed once.
    let codes = Arc::new(std::sync::Mutex::new(std::mem::take(
        &mut *codes.lock().unwrap(),
    )));
    let app: Arc<App> = Arc::new(sso_app.clone());
    let exchanger = Arc::new(sso);
    let started = Instant::now();
    let mut tasks = Vec::new();
    let exchanged = Arc::new(AtomicU64::new(0));
    for _ in 0..conns {
        let (codes, app, b, pkce, exchanged) = (
            codes.clone(),
            app.clone(),
            exchanger.clone(),
            pkce.clone(),
            exchanged.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let deadline = Instant::now() + Duration::from_secs_f64(secs);
            while Instant::now() < deadline {
                let Some(code) = codes.lock().unwrap().pop() else {
                    break;
                };
                let body = token(
                    &b,
                    &[
                        ("grant_type", "authorization_code"),
                        ("client_id", &app.client_id),
                        ("code", &code),
                        ("redirect_uri", &app.redirect_uri),
                        ("code_verifier", &pkce.verifier),
                    ],
                )
                .await;
                assert!(body.is_some(), "code exchange failed");
                exchanged.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let exchanges = exchanged.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64();

    // Refresh grants (rotation off: one token shared by every connection)
    // and userinfo with one access token.
    let (mut rb, tokens) = {
        let mut b = server.browser();
        let pkce = Pkce::new();
        let done = b
            .sign_in(
                &authorize_url(&b.issuer, &fixed, &pkce, &[]),
                "bench@example.com",
                PASSWORD,
            )
            .await;
        let code = query_of(&done.location().unwrap())["code"].clone();
        let t = token(
            &b,
            &[
                ("grant_type", "authorization_code"),
                ("client_id", &fixed.client_id),
                ("code", &code),
                ("redirect_uri", &fixed.redirect_uri),
                ("code_verifier", &pkce.verifier),
            ],
        )
        .await
        .unwrap();
        (b, t)
    };
    rb.cookies.clear();
    let rb = Arc::new(rb);
    let rt = tokens["refresh_token"].as_str().unwrap().to_owned();
    let client_id = fixed.client_id.clone();
    let b2 = rb.clone();
    let refreshes = rate(secs, conns, move |_| {
        let (b, rt, client_id) = (b2.clone(), rt.clone(), client_id.clone());
        async move {
            token(
                &b,
                &[
                    ("grant_type", "refresh_token"),
                    ("client_id", &client_id),
                    ("refresh_token", &rt),
                ],
            )
            .await
            .is_some()
        }
    })
    .await;
    let at = tokens["access_token"].as_str().unwrap().to_owned();
    let b3 = rb.clone();
    let userinfo = rate(secs, conns, move |_| {
        let (b, at) = (b3.clone(), at.clone());
        async move {
            b.http
                .get(format!("{}/oauth2/userinfo", b.issuer))
                .bearer_auth(at)
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
        }
    })
    .await;

    println!("## Sign-in (OpenID Connect)");
    println!();
    let build = if cfg!(debug_assertions) {
        " (a debug build: the figures only show that the run works)"
    } else {
        ""
    };
    println!(
        "`cargo run --release -p keyward-server --example signin_bench -- {secs} {conns}`{build}: the real \
         server on 127.0.0.1 over SQLite, {conns} concurrent connections for {secs} s per row, argon2id at \
         the production cost (m=19 MiB, t=2, p=1). The load generator shares the machine's cores."
    );
    println!();
    println!("| operation | per second |");
    println!("|---|---|");
    println!("| raw argon2id verifications (all cores, no server) | {argon2:.1} |");
    println!("| password sign-ins (form post → code) | {signins:.1} |");
    println!("| authorize with an IdP session (→ code, no password) | {authorizations:.1} |");
    println!("| code exchanges (→ access, ID and refresh tokens) | {exchanges:.1} |");
    println!("| refresh grants | {refreshes:.1} |");
    println!("| userinfo | {userinfo:.1} |");
    println!();
    let share = 100.0 * signins / argon2;
    if share >= 50.0 {
        println!(
            "Sign-ins reach {share:.0} % of the raw argon2id rate: the password hash, not the rest, bounds them."
        );
    } else {
        println!(
            "Sign-ins reach only {share:.0} % of the raw argon2id rate: something besides the hash bounds them."
        );
    }
}
