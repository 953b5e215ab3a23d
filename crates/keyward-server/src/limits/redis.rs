//! The same limits held in Redis, so that every replica draws on one
//! budget. Each decision is one Lua script run atomically inside Redis
//! (GCRA, as `governor` does in memory), timed by Redis's own clock, so
//! replicas with skewed clocks agree and no read-modify-write can race.

use std::future::Future;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use keyward_accounts::shared_counts::{CountFuture, SharedCounts};
use redis::aio::ConnectionManager;

use crate::metrics::Metrics;

/// How long a limit decision may wait for Redis before this replica
/// decides alone: a hung Redis must not hang every request.
pub const ANSWER_WITHIN: Duration = Duration::from_millis(250);

/// After Redis failed to answer, how long every decision skips it (so an
/// outage costs requests no wait).
pub const SKIP_AFTER_FAILURE: Duration = Duration::from_secs(5);

/// At most one warning per this long while Redis is away.
const WARN_EVERY: Duration = Duration::from_secs(10);

/// GCRA over KEYS[1]: ARGV[1] microseconds per token, ARGV[2] tokens of
/// burst. Admits (returns `{1, 0}`) or refuses with the microseconds until
/// a token is free (`{0, wait}`). When refused and KEYS[2] is given, that
/// key is set for the wait (the failed-authentication penalty).
const GCRA: &str = r"
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local next_tat = tat + interval
local wait = next_tat - burst * interval - now
if wait > 0 then
  if KEYS[2] then
    redis.call('SET', KEYS[2], '1', 'PX', math.ceil(wait / 1000))
  end
  return {0, wait}
end
redis.call('SET', KEYS[1], next_tat, 'PX', math.ceil((next_tat - now) / 1000) + 1000)
return {1, 0}
";

/// One more failure in KEYS[1]'s fixed window of ARGV[1] milliseconds,
/// which starts with the key's first failure.
const COUNT: &str = r"
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n
";

/// A connection to the Redis that holds the limits (reconnects by itself).
/// Clones share the connection and what is known of Redis's health: after
/// a call that gets no answer, every call of the next
/// [`SKIP_AFTER_FAILURE`] fails at once ([`RedisLimitError::Skipped`]);
/// each such fallback is counted in `keyward_limit_fallbacks_total`, and a
/// warning is logged at most every 10 s. Callers decide in memory then.
#[derive(Clone)]
pub struct RedisLimits {
    conn: ConnectionManager,
    script: redis::Script,
    count: redis::Script,
    health: Arc<Health>,
}

#[derive(Default)]
struct Health {
    /// Redis failed: skip it until then.
    down_until: Mutex<Option<Instant>>,
    last_warning: Mutex<Option<Instant>>,
    metrics: OnceLock<Metrics>,
}

impl Health {
    fn skipping(&self) -> bool {
        let down = self
            .down_until
            .lock()
            .map(|until| until.is_some_and(|t| Instant::now() < t))
            .unwrap_or(false);
        if down {
            self.count();
        }
        down
    }

    fn count(&self) {
        if let Some(metrics) = self.metrics.get() {
            metrics.limit_fallback();
        }
    }

    fn failed(&self, e: &RedisLimitError) {
        self.count();
        let now = Instant::now();
        if let Ok(mut until) = self.down_until.lock() {
            *until = Some(now + SKIP_AFTER_FAILURE);
        }
        let Ok(mut last) = self.last_warning.lock() else {
            return;
        };
        if last.is_none_or(|t| now.duration_since(t) >= WARN_EVERY) {
            *last = Some(now);
            tracing::warn!(error = %e, "limits are held in this replica's memory until Redis answers again");
        }
    }
}

impl std::fmt::Debug for RedisLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RedisLimits")
    }
}

/// Why Redis gave no decision.
#[derive(Debug, thiserror::Error)]
pub enum RedisLimitError {
    /// The command failed.
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
    /// No answer within [`ANSWER_WITHIN`].
    #[error("redis did not answer within {ANSWER_WITHIN:?}")]
    Timeout,
    /// Not asked: it failed less than [`SKIP_AFTER_FAILURE`] ago.
    #[error("redis skipped: it failed in the last {SKIP_AFTER_FAILURE:?}")]
    Skipped,
}

impl RedisLimits {
    /// Connect to `url` (`redis://host:6379/0`, `rediss://…` for TLS).
    pub async fn connect(url: &str) -> Result<Self, RedisLimitError> {
        let client = redis::Client::open(url)?;
        let conn = tokio::time::timeout(Duration::from_secs(5), client.get_connection_manager())
            .await
            .map_err(|_| RedisLimitError::Timeout)??;
        Ok(RedisLimits {
            conn,
            script: redis::Script::new(GCRA),
            count: redis::Script::new(COUNT),
            health: Arc::default(),
        })
    }

    /// Count fallbacks in `metrics` (the first server's to ask keeps them).
    pub fn report_to(&self, metrics: &Metrics) {
        let _ = self.health.metrics.set(metrics.clone());
    }

    /// Run `call` unless Redis is being skipped, within [`ANSWER_WITHIN`];
    /// a failure starts the skip window.
    async fn ask<T>(
        &self,
        call: impl Future<Output = Result<T, redis::RedisError>>,
    ) -> Result<T, RedisLimitError> {
        if self.health.skipping() {
            return Err(RedisLimitError::Skipped);
        }
        let e = match tokio::time::timeout(ANSWER_WITHIN, call).await {
            Ok(Ok(answer)) => return Ok(answer),
            Ok(Err(e)) => RedisLimitError::Redis(e),
            Err(_) => RedisLimitError::Timeout,
        };
        self.health.failed(&e);
        Err(e)
    }

    /// Take a token from bucket `key` (`per_second` tokens a second, at
    /// most `burst` at once): `Ok(None)` admitted, `Ok(Some(wait))` refused
    /// (and, with `penalty`, that key set for the wait).
    pub async fn take(
        &self,
        key: &str,
        per_second: u32,
        burst: u32,
        penalty: Option<&str>,
    ) -> Result<Option<Duration>, RedisLimitError> {
        let interval = 1_000_000 / u64::from(per_second.max(1));
        let mut invocation = self.script.key(key);
        if let Some(penalty) = penalty {
            invocation.key(penalty);
        }
        invocation.arg(interval.max(1)).arg(burst.max(1));
        let mut conn = self.conn.clone();
        let (admitted, wait): (i64, i64) = self.ask(invocation.invoke_async(&mut conn)).await?;
        Ok((admitted == 0).then(|| Duration::from_micros(wait.max(1) as u64)))
    }

    /// How long `key` (a penalty) still holds, if it does.
    pub async fn remaining(&self, key: &str) -> Result<Option<Duration>, RedisLimitError> {
        let mut conn = self.conn.clone();
        let ms: i64 = self
            .ask(redis::cmd("PTTL").arg(key).query_async(&mut conn))
            .await?;
        Ok((ms > 0).then(|| Duration::from_millis(ms as u64)))
    }
}

/// The doors' failure counts (sign-in, portal), in the same Redis, with
/// the same skip window, metric and warning.
impl SharedCounts for RedisLimits {
    fn add<'a>(&'a self, key: &'a str, window: Duration) -> CountFuture<'a, ()> {
        Box::pin(async move {
            let mut conn = self.conn.clone();
            let millis = u64::try_from(window.as_millis()).unwrap_or(u64::MAX).max(1);
            let mut invocation = self.count.key(key);
            invocation.arg(millis);
            self.ask(invocation.invoke_async::<i64>(&mut conn))
                .await
                .map(|_| ())
                .map_err(|e| e.to_string())
        })
    }

    fn get<'a>(&'a self, key: &'a str) -> CountFuture<'a, u32> {
        Box::pin(async move {
            let mut conn = self.conn.clone();
            let n: Option<u32> = self
                .ask(redis::cmd("GET").arg(key).query_async(&mut conn))
                .await
                .map_err(|e| e.to_string())?;
            Ok(n.unwrap_or(0))
        })
    }
}
