//! Limits held in a real Redis (KEYWARD_TEST_REDIS_URL; skipped without
//! it): two replicas draw on one budget, and when Redis stops answering the
//! limits fall back to each replica's memory instead of vanishing.
use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use keyward_server::limits::redis::RedisLimits;
use keyward_server::limits::{FailureLimit, LimitReason, Limits};
use keyward_server::metrics::Metrics;
use keyward_store::{Project, ProjectLimits};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn redis_url() -> Option<String> {
    let url = std::env::var("KEYWARD_TEST_REDIS_URL").ok();
    if url.is_none() {
        eprintln!("KEYWARD_TEST_REDIS_URL is not set: skipping a Redis test");
    }
    url
}

/// A project of its own (keys in a shared Redis never collide across runs).
fn project(project_rate: u32) -> Project {
    Project {
        id: format!("p{}", uuid::Uuid::new_v4().simple()),
        created_at: 0,
        max_token_lifetime_secs: 3600,
        limits: ProjectLimits {
            key_rate: None,
            project_rate: Some(project_rate),
            replay_guard: false,
        },
    }
}

fn random_ip() -> IpAddr {
    IpAddr::from(uuid::Uuid::new_v4().into_bytes())
}

const FAILURES: FailureLimit = FailureLimit {
    per_second: 1,
    burst: 5,
};

async fn replica(url: &str, metrics: &Metrics) -> Limits {
    let redis = RedisLimits::connect(url).await.unwrap();
    Limits::new(Some(FAILURES)).shared(redis, metrics.clone())
}

#[tokio::test]
async fn two_replicas_enforce_a_project_limit_once() {
    let Some(url) = redis_url() else { return };
    let metrics = Metrics::new();
    let (a, b) = (replica(&url, &metrics).await, replica(&url, &metrics).await);
    let p = project(20);
    let started = Instant::now();
    let mut admitted = 0u32;
    for i in 0..200 {
        let limits = if i % 2 == 0 { &a } else { &b };
        match limits.admit(&p, "k").await {
            Ok(()) => admitted += 1,
            Err(over) => assert_eq!(over.reason, LimitReason::Project),
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    // A burst of 20, then 20 a second: the same as one replica alone,
    // not twice it.
    let most = 20.0 + 20.0 * elapsed + 1.0;
    assert!(admitted >= 20, "{admitted} admitted");
    assert!(
        f64::from(admitted) <= most,
        "{admitted} admitted in {elapsed:.2} s, at most {most:.0} allowed"
    );
    assert!(metrics.render().contains("keyward_limit_fallbacks_total 0"));
}

#[tokio::test]
async fn a_failure_penalty_on_one_replica_holds_on_the_other() {
    let Some(url) = redis_url() else { return };
    let metrics = Metrics::new();
    let (a, b) = (replica(&url, &metrics).await, replica(&url, &metrics).await);
    let (bad, other) = (random_ip(), random_ip());
    for _ in 0..FAILURES.burst + 1 {
        a.record_failure(bad).await;
    }
    let held = b.check_failures(bad).await.unwrap_err();
    assert_eq!(held.reason, LimitReason::AuthFailures);
    assert!(held.retry_after <= Duration::from_secs(1), "{held:?}");
    b.check_failures(other).await.unwrap();
}

/// A TCP relay to Redis that can be frozen: connections stay open but
/// nothing gets through, as with a hung Redis.
async fn freezable_relay(url: &str) -> (String, Arc<AtomicBool>) {
    let target = url
        .trim_start_matches("redis://")
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    let frozen = Arc::new(AtomicBool::new(false));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let flag = frozen.clone();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let Ok(server) = tokio::net::TcpStream::connect(&target).await else {
                continue;
            };
            let (cr, cw) = client.into_split();
            let (sr, sw) = server.into_split();
            tokio::spawn(pump(cr, sw, flag.clone()));
            tokio::spawn(pump(sr, cw, flag.clone()));
        }
    });
    (format!("redis://{addr}"), frozen)
}

async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    frozen: Arc<AtomicBool>,
) {
    let mut buf = vec![0u8; 16 * 1024];
    while let Ok(n) = from.read(&mut buf).await {
        if n == 0 {
            break;
        }
        while frozen.load(Ordering::Relaxed) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        if to.write_all(&buf[..n]).await.is_err() {
            break;
        }
    }
}

#[tokio::test]
async fn a_hung_redis_falls_back_to_memory_not_to_no_limit() {
    let Some(url) = redis_url() else { return };
    let (relay, frozen) = freezable_relay(&url).await;
    let metrics = Metrics::new();
    let limits = replica(&relay, &metrics).await;
    frozen.store(true, Ordering::Relaxed);
    let bad = random_ip();
    let started = Instant::now();
    for _ in 0..FAILURES.burst + 1 {
        limits.record_failure(bad).await;
    }
    // Only the first decision waited for Redis (250 ms); the rest went
    // straight to memory, and the budget still held.
    assert!(
        started.elapsed() < Duration::from_millis(900),
        "{:?}",
        started.elapsed()
    );
    let held = limits.check_failures(bad).await.unwrap_err();
    assert_eq!(held.reason, LimitReason::AuthFailures);
    let p = project(3);
    let mut admitted = 0;
    for _ in 0..10 {
        if limits.admit(&p, "k").await.is_ok() {
            admitted += 1;
        }
    }
    assert!(
        admitted <= 4,
        "{admitted} of 10 admitted at 3/s without Redis"
    );
    let text = metrics.render();
    assert!(
        !text.contains("keyward_limit_fallbacks_total 0"),
        "fallbacks not counted: {text}"
    );
}

/// The doors' failure counts (sign-in, portal) share the skip window: a
/// hung Redis costs the first call its 250 ms and the next ones nothing,
/// and every fallback is counted.
#[tokio::test]
async fn a_hung_redis_costs_the_doors_counts_one_wait_and_is_counted() {
    use keyward_accounts::shared_counts::SharedCounts as _;
    let Some(url) = redis_url() else { return };
    let (relay, frozen) = freezable_relay(&url).await;
    let metrics = Metrics::new();
    let redis = RedisLimits::connect(&relay).await.unwrap();
    redis.report_to(&metrics);
    let key = format!("keyward:test:{}", uuid::Uuid::new_v4().simple());
    redis.add(&key, Duration::from_secs(60)).await.unwrap();
    assert_eq!(redis.get(&key).await.unwrap(), 1);
    assert!(metrics.render().contains("keyward_limit_fallbacks_total 0"));

    frozen.store(true, Ordering::Relaxed);
    let started = Instant::now();
    assert!(redis.add(&key, Duration::from_secs(60)).await.is_err());
    let first = started.elapsed();
    assert!(first >= Duration::from_millis(200), "{first:?}");
    let started = Instant::now();
    for _ in 0..5 {
        assert!(redis.get(&key).await.is_err());
    }
    let rest = started.elapsed();
    assert!(
        rest < Duration::from_millis(50),
        "skipped calls waited {rest:?}"
    );
    assert!(
        metrics.render().contains("keyward_limit_fallbacks_total 6"),
        "{}",
        metrics.render()
    );
}

/// The sign-in door's failure budget per login ID is one budget across
/// replicas: failures on one replica refuse the next attempt on the other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_failures_on_one_replica_count_on_the_other() {
    use keyward_store::ClientType;
    use keyward_test_support::{Backend, Pkce, TestServer, authorize_url};
    let Some(url) = redis_url() else { return };
    let config = || keyward_server::Config {
        signin_failures_per_login: 2,
        ..keyward_server::Config::for_test()
    };
    let with_redis = || async {
        keyward_server::Config {
            redis_limits: Some(RedisLimits::connect(&url).await.unwrap()),
            ..config()
        }
    };
    let Some(first) = TestServer::spawn_with(Backend::Sqlite, with_redis().await).await else {
        return;
    };
    let second = TestServer::spawn_replica_with(&first, with_redis().await).await;
    // Its own login ID: counts in a shared Redis outlive the test.
    let email = format!("th-{}@example.com", uuid::Uuid::new_v4().simple());
    first.end_user(&email, "correct horse battery").await;
    let app = first
        .oauth_client(ClientType::Spa, "http://127.0.0.1:9/callback")
        .await;
    let mut on_first = first.browser();
    for _ in 0..2 {
        let page = on_first
            .sign_in(
                &authorize_url(&on_first.issuer.clone(), &app, &Pkce::new(), &[]),
                &email,
                "wrong password",
            )
            .await;
        assert_eq!(page.status, 401);
    }
    let mut on_second = second.browser();
    let page = on_second
        .sign_in(
            &authorize_url(&on_second.issuer.clone(), &app, &Pkce::new(), &[]),
            &email,
            "correct horse battery",
        )
        .await;
    assert_eq!(page.status, 429, "{}", page.body);
    assert!(page.body.contains("Too many attempts"), "{}", page.body);
}

/// The portal's failed operator sign-ins count on every replica too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn portal_sign_in_failures_count_on_every_replica() {
    use keyward_test_support::{Backend, SETUP_TOKEN, TestServer};
    let Some(url) = redis_url() else { return };
    // The address's count lives 15 minutes in Redis: start it afresh, so
    // that earlier runs on this machine do not count here.
    let client = redis::Client::open(url.as_str()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let _: () = redis::cmd("DEL")
        .arg("keyward:portal:ip:127.0.0.1")
        .query_async(&mut conn)
        .await
        .unwrap();
    let with_redis = || async {
        keyward_server::Config {
            redis_limits: Some(RedisLimits::connect(&url).await.unwrap()),
            ..keyward_server::Config::for_test()
        }
    };
    let Some(first) = TestServer::spawn_with(Backend::Sqlite, with_redis().await).await else {
        return;
    };
    let second = TestServer::spawn_replica_with(&first, with_redis().await).await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let email = format!("ops-{}@example.com", uuid::Uuid::new_v4().simple());
    let password = "correct-horse-battery";
    let setup = http
        .post(format!("{}/portal/setup", first.url))
        .form(&[
            ("token", SETUP_TOKEN),
            ("email", email.as_str()),
            ("password", password),
            ("confirm", password),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(setup.status(), 303);
    let sign_in = |server: &TestServer, password: &'static str| {
        let request = http
            .post(format!("{}/portal/login", server.url))
            .form(&[("email", email.as_str()), ("password", password)]);
        async move { request.send().await.unwrap().status().as_u16() }
    };
    // Five failures for the email, spread over both replicas.
    for i in 0..5 {
        let server = if i % 2 == 0 { &first } else { &second };
        assert_eq!(sign_in(server, "wrong-password").await, 401);
    }
    // Each replica saw only some of them, yet both refuse the right one.
    for server in [&first, &second] {
        assert_eq!(sign_in(server, password).await, 429);
    }
    let _: () = redis::cmd("DEL")
        .arg("keyward:portal:ip:127.0.0.1")
        .query_async(&mut conn)
        .await
        .unwrap();
}
