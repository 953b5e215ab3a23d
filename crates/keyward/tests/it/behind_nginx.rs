//! Two `keyward serve` replicas on PostgreSQL and Redis behind a real nginx,
//! as operators run them. Clients connect to nginx from different loopback
//! addresses (127.0.0.2, 127.0.0.3), so each is a different client; only
//! nginx (127.0.0.1) is a trusted proxy. Runs when KEYWARD_TEST_DATABASE_URL
//! and KEYWARD_TEST_REDIS_URL are set and nginx is installed (`.ci/run`
//! does all three).

use std::net::IpAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::*;
use keyward_test_support::{Backend, TestDatabase};

struct Nginx {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn nginx_binary() -> Option<String> {
    ["/usr/sbin/nginx", "/usr/bin/nginx"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
        .map(str::to_owned)
}

/// nginx on an ephemeral port, balancing over `upstreams` and passing the
/// client's address, scheme and host as the docs say.
fn nginx(binary: &str, upstreams: &[&str]) -> Nginx {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let servers: String = upstreams
        .iter()
        .map(|u| format!("server {u} max_fails=1 fail_timeout=10s; "))
        .collect();
    let d = dir.path().display();
    let conf = format!(
        "worker_processes 1; error_log {d}/error.log; pid {d}/nginx.pid;
         events {{ worker_connections 512; }}
         http {{
           access_log off;
           client_body_temp_path {d}/body; proxy_temp_path {d}/proxy; fastcgi_temp_path {d}/fcgi;
           uwsgi_temp_path {d}/uwsgi; scgi_temp_path {d}/scgi;
           upstream keyward {{ {servers} keepalive 16; }}
           server {{
             listen 127.0.0.1:{port};
             location / {{
               proxy_pass http://keyward;
               proxy_http_version 1.1;
               proxy_set_header Connection \"\";
               proxy_set_header Host $host;
               proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
               proxy_set_header X-Forwarded-Proto $scheme;
               proxy_next_upstream error timeout non_idempotent;
               proxy_connect_timeout 1s;
             }}
           }}
         }}"
    );
    std::fs::write(dir.path().join("nginx.conf"), conf).unwrap();
    let child = Command::new(binary)
        .args([
            "-p",
            &d.to_string(),
            "-c",
            "nginx.conf",
            "-g",
            "daemon off;",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "nginx did not start: {}",
            std::fs::read_to_string(dir.path().join("error.log")).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Nginx {
        child,
        port,
        _dir: dir,
    }
}

/// An HTTP client connecting from `from` (a loopback address).
fn client_at(from: [u8; 4]) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(IpAddr::from(from))
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

/// Status and refusal reason ("ok" on a 200 with data).
async fn call(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    query: &str,
    spoof: Option<&str>,
) -> (u16, String) {
    let mut request = http
        .post(url)
        .bearer_auth(token)
        .json(&serde_json::json!({ "query": query }));
    if let Some(spoof) = spoof {
        request = request.header("x-forwarded-for", spoof);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let body: serde_json::Value = response.json().await.unwrap_or_default();
    let reason = match (
        body["error"]["reason"].as_str(),
        body["errors"][0]["message"].as_str(),
    ) {
        (Some(reason), _) => reason.to_owned(),
        (None, Some(graphql)) => format!("graphql: {graphql}"),
        (None, None) => "ok".to_owned(),
    };
    (status, reason)
}

const QUERY: &str = "{ project { id } }";

#[test]
fn two_replicas_behind_nginx_share_limits_and_see_real_clients() {
    let (Some(redis), Some(binary)) =
        (std::env::var("KEYWARD_TEST_REDIS_URL").ok(), nginx_binary())
    else {
        assert!(
            std::env::var_os("KEYWARD_REQUIRE_INTEROP").is_none(),
            "CI must run the nginx test: set KEYWARD_TEST_REDIS_URL and install nginx"
        );
        eprintln!("no KEYWARD_TEST_REDIS_URL or no nginx: skipping the nginx test");
        return;
    };
    let rt = multi_thread_runtime();
    let Some(db) = rt.block_on(TestDatabase::new(Backend::Postgres)) else {
        return;
    };
    let env = Env::with_database(&db.url);
    env.ok(&["project", "create", "myapp"]);
    env.ok(&["project", "create", "other"]);
    let kid = env.ok(&["key", "create", "--project", "myapp", "--out", "k.pem"]);
    let other = env.ok(&["key", "create", "--project", "other", "--out", "o.pem"]);
    let token = |project: &str, kid: &str, key: &str| {
        env.ok(&[
            "token",
            "--project",
            project,
            "--kid",
            kid,
            "--key",
            key,
            "--ttl",
            "600",
        ])
    };
    let good = token("myapp", &kid, "k.pem");
    // Well signed, by a key of another project: a failed authentication.
    let bad = token("other", &other, "o.pem");
    // 1 failure a second after a burst of 20: a penalty then lasts about a
    // second, long enough to observe through both replicas.
    let flags = [
        "--trusted-proxies",
        "127.0.0.1",
        "--redis-url",
        redis.as_str(),
        "--auth-failure-rate",
        "1",
        "--auth-failure-burst",
        "20",
    ];
    let a = env.serve_with(&flags);
    let b = env.serve_with(&flags);
    let proxy = nginx(&binary, &[&a.addr, &b.addr]);
    let url = format!(
        "http://127.0.0.1:{}/projects/myapp/_api/admin/graphql",
        proxy.port
    );
    let (attacker, neighbour) = (client_at([127, 0, 0, 2]), client_at([127, 0, 0, 3]));

    rt.block_on(async {
        // 1. 200 bad tokens from one address: that address is locked out,
        // across both replicas.
        let mut limited = 0;
        for _ in 0..200 {
            let (status, reason) = call(&attacker, &url, &bad, QUERY, None).await;
            match status {
                401 => assert_eq!(reason, "unknown_key"),
                429 => {
                    assert_eq!(reason, "too_many_failed_authentications");
                    limited += 1;
                }
                other => panic!("unexpected {other} {reason}"),
            }
        }
        assert!(limited >= 150, "only {limited} of 200 bad tokens were limited");
        // Its good token is held up too (not verified), through either replica.
        for _ in 0..4 {
            assert_eq!(call(&attacker, &url, &bad, QUERY, None).await.0, 429);
        }
        // A spoofed X-Forwarded-For does not make the attacker someone else.
        let spoofed = call(&attacker, &url, &bad, QUERY, Some("198.51.100.9")).await;
        assert_eq!(spoofed, (429, "too_many_failed_authentications".into()));
        // Another client behind the same nginx is untouched.
        assert_eq!(
            call(&neighbour, &url, &bad, QUERY, None).await,
            (401, "unknown_key".into())
        );
        assert_eq!(call(&neighbour, &url, &good, QUERY, None).await.0, 200);

        // 2. Audit entries carry the client's address, not nginx's.
        let made = call(
            &neighbour,
            &url,
            &good,
            "mutation { createRole(input: {key: \"via_nginx\"}) { role { id } } }",
            None,
        )
        .await;
        assert_eq!(made, (200, "ok".into()));
        // The entry may be written just after the response; wait for it.
        let mut body = serde_json::Value::Null;
        for _ in 0..100 {
            let response = neighbour
                .post(&url)
                .bearer_auth(&good)
                .json(&serde_json::json!({ "query":
                    "{ auditLogs(activityTypes: [ADMIN_API_MUTATION_CREATE_ROLE_EXECUTED]) { edges { node { ipAddress } } } }" }))
                .send()
                .await
                .unwrap();
            body = response.json().await.unwrap();
            if body["data"]["auditLogs"]["edges"][0].is_object() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(
            body["data"]["auditLogs"]["edges"][0]["node"]["ipAddress"], "127.0.0.3",
            "{body}"
        );
    });

    // 3. The project's limit holds once across both replicas.
    env.ok(&["project", "update", "myapp", "--project-rate-limit", "20"]);
    std::thread::sleep(Duration::from_secs(2));
    let (admitted, elapsed) = rt.block_on(async {
        let started = Instant::now();
        let mut admitted = 0u32;
        while started.elapsed() < Duration::from_secs(3) {
            let (status, reason) = call(&neighbour, &url, &good, QUERY, None).await;
            match status {
                200 => admitted += 1,
                429 => assert_eq!(reason, "project_rate_limited"),
                other => panic!("unexpected {other} {reason}"),
            }
        }
        (admitted, started.elapsed().as_secs_f64())
    });
    // A burst of 20, then 20 a second.
    let expected = 20.0 + 20.0 * elapsed;
    let ratio = f64::from(admitted) / expected;
    assert!(
        (0.9..=1.1).contains(&ratio),
        "{admitted} admitted in {elapsed:.2} s: {ratio:.2}× the limit's {expected:.0}"
    );
    env.ok(&["project", "update", "myapp", "--project-rate-limit", "off"]);
    std::thread::sleep(Duration::from_secs(2));

    // 4. One replica killed under load: the other keeps serving.
    let mut a = a;
    let (before, after, failed_after) = rt.block_on(async {
        let (mut before, mut after, mut failed_after) = (0u32, 0u32, 0u32);
        let started = Instant::now();
        let mut killed_at = None;
        while started.elapsed() < Duration::from_secs(4) {
            if killed_at.is_none() && started.elapsed() > Duration::from_secs(1) {
                a.child.kill().unwrap();
                let _ = a.child.wait();
                killed_at = Some(Instant::now());
            }
            let (status, _) = call(&neighbour, &url, &good, QUERY, None).await;
            match killed_at {
                None => before += u32::from(status == 200),
                Some(_) if status == 200 => after += 1,
                Some(_) => failed_after += 1,
            }
        }
        (before, after, failed_after)
    });
    assert!(before > 10, "{before} requests before the kill");
    assert!(after > 10, "{after} requests after the kill");
    assert_eq!(failed_after, 0, "requests failed after one replica died");
    drop(b);
}
