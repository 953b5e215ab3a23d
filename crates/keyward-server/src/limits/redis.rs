//! The same limits held in Redis, so that every replica draws on one
//! budget. Each decision is one Lua script run atomically inside Redis
//! (GCRA, as `governor` does in memory), timed by Redis's own clock, so
//! replicas with skewed clocks agree and no read-modify-write can race.

use std::time::Duration;

use keyward_accounts::shared_counts::{CountFuture, SharedCounts};
use redis::aio::ConnectionManager;

/// How long a limit decision may wait for Redis before this replica
/// decides alone: a hung Redis must not hang every request.
pub const ANSWER_WITHIN: Duration = Duration::from_millis(250);

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
#[derive(Clone)]
pub struct RedisLimits {
    conn: ConnectionManager,
    script: redis::Script,
    count: redis::Script,
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
        })
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
        let (admitted, wait): (i64, i64) =
            tokio::time::timeout(ANSWER_WITHIN, invocation.invoke_async(&mut conn))
                .await
                .map_err(|_| RedisLimitError::Timeout)??;
        Ok((admitted == 0).then(|| Duration::from_micros(wait.max(1) as u64)))
    }

    /// How long `key` (a penalty) still holds, if it does.
    pub async fn remaining(&self, key: &str) -> Result<Option<Duration>, RedisLimitError> {
        let mut conn = self.conn.clone();
        let ms: i64 = tokio::time::timeout(
            ANSWER_WITHIN,
            redis::cmd("PTTL").arg(key).query_async(&mut conn),
        )
        .await
        .map_err(|_| RedisLimitError::Timeout)??;
        Ok((ms > 0).then(|| Duration::from_millis(ms as u64)))
    }
}

/// The doors' failure counts (sign-in, portal), in the same Redis.
impl SharedCounts for RedisLimits {
    fn add<'a>(&'a self, key: &'a str, window: Duration) -> CountFuture<'a, ()> {
        Box::pin(async move {
            let mut conn = self.conn.clone();
            let millis = u64::try_from(window.as_millis()).unwrap_or(u64::MAX).max(1);
            let mut invocation = self.count.key(key);
            invocation.arg(millis);
            tokio::time::timeout(ANSWER_WITHIN, invocation.invoke_async::<i64>(&mut conn))
                .await
                .map_err(|_| RedisLimitError::Timeout.to_string())?
                .map(|_| ())
                .map_err(|e| e.to_string())
        })
    }

    fn get<'a>(&'a self, key: &'a str) -> CountFuture<'a, u32> {
        Box::pin(async move {
            let mut conn = self.conn.clone();
            let n: Option<u32> = tokio::time::timeout(
                ANSWER_WITHIN,
                redis::cmd("GET").arg(key).query_async(&mut conn),
            )
            .await
            .map_err(|_| RedisLimitError::Timeout.to_string())?
            .map_err(|e| e.to_string())?;
            Ok(n.unwrap_or(0))
        })
    }
}
