//! When to try a request again and how long to wait: exponential backoff
//! with jitter, and the server's `Retry-After`.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::time::{Duration, SystemTime};

/// How [`AdminClient`](crate::AdminClient) retries.
///
/// Retried: connection failures (nothing was sent), `429 Too Many
/// Requests`, and, for queries only, timeouts and 502/503/504. A mutation
/// whose request reached the server is never retried, since it may have
/// been applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Total tries, the first included (1 disables retries).
    pub max_attempts: u32,
    /// Backoff before the second try; doubles each time.
    pub base_delay: Duration,
    /// Longest backoff between two tries.
    pub max_delay: Duration,
    /// Longest `Retry-After` the client waits out; a longer one is returned
    /// to the caller as the error.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// The wait after failed try number `attempt` (1-based): half the
    /// exponential step plus a random part of the other half, so clients
    /// that failed together do not retry together.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let step = self
            .base_delay
            .saturating_mul(
                1u32.checked_shl(attempt.saturating_sub(1))
                    .unwrap_or(u32::MAX),
            )
            .min(self.max_delay);
        let half = step / 2;
        half + half.mul_f64(random_unit())
    }
}

/// A uniformly distributed number in [0, 1). Jitter needs no cryptographic
/// randomness; std's per-instance random hash keys are enough.
fn random_unit() -> f64 {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(0);
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// Parse `Retry-After`: delay-seconds or an HTTP-date (RFC 9110 §10.2.3).
pub(crate) fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_within_jitter_and_caps() {
        let p = RetryPolicy::default();
        for _ in 0..50 {
            let first = p.backoff(1);
            assert!((Duration::from_millis(50)..=Duration::from_millis(100)).contains(&first));
            let third = p.backoff(3);
            assert!((Duration::from_millis(200)..=Duration::from_millis(400)).contains(&third));
            let late = p.backoff(40);
            assert!((Duration::from_millis(2500)..=Duration::from_secs(5)).contains(&late));
        }
    }

    #[test]
    fn jitter_varies() {
        let p = RetryPolicy::default();
        let waits: std::collections::HashSet<Duration> = (0..20).map(|_| p.backoff(4)).collect();
        assert!(waits.len() > 1);
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(parse_retry_after(" 3 ", now), Some(Duration::from_secs(3)));
        let later = httpdate::fmt_http_date(now + Duration::from_secs(20));
        assert_eq!(
            parse_retry_after(&later, now),
            Some(Duration::from_secs(20))
        );
        let earlier = httpdate::fmt_http_date(now - Duration::from_secs(20));
        assert_eq!(parse_retry_after(&earlier, now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-1", now), None);
    }
}
