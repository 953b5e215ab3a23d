//! Admin API rate limits, in this replica's memory (GCRA, via `governor`).
//!
//! - Per key and per project: off until a project sets them (`keyward
//!   project update --key-rate-limit N --project-rate-limit N`), in
//!   requests per second with a burst of one second's worth. Checked after
//!   authentication, so only a key's holder can spend its budget.
//! - Failed authentications per client address: on by default. Checked
//!   before the RSA verify of a token not seen before, so a flood of bad
//!   tokens from one address costs a hash and a lookup each, not a verify.
//!   Tokens already verified (cache hits) are not held up: a caller reusing
//!   its valid token keeps working while its address is penalised.
//!
//! Without Redis each replica keeps its own buckets, so a project's
//! effective limit is the per-replica limit times the replicas that serve
//! it. With `--redis-url` the buckets and penalties live in Redis
//! ([`redis`]) and every replica draws on one budget. When Redis does not
//! answer (within 250 ms) the decision falls back to this replica's memory,
//! and so do all decisions of the next 5 s (so an outage costs requests no
//! wait); each is counted in `keyward_limit_fallbacks_total`, and a warning
//! is logged at most every 10 s. Limits then hold per replica again, but
//! never vanish.

/// The buckets in Redis.
pub mod redis;

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::{Duration, Instant};

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultDirectRateLimiter, Quota};
use keyward_store::Project;

/// Why a request was held back, with when to try again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limited {
    /// Which limit.
    pub reason: LimitReason,
    /// How long until a request would be admitted.
    pub retry_after: Duration,
}

/// Which limit refused a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitReason {
    /// The key's requests-per-second limit.
    Key,
    /// The project's requests-per-second limit.
    Project,
    /// Too many failed authentications from this client address.
    AuthFailures,
}

impl LimitReason {
    /// The stable machine-readable code sent in the response.
    pub fn code(self) -> &'static str {
        match self {
            LimitReason::Key => "key_rate_limited",
            LimitReason::Project => "project_rate_limited",
            LimitReason::AuthFailures => "too_many_failed_authentications",
        }
    }
}

/// Failed authentications tolerated per client address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailureLimit {
    /// Sustained failures per second.
    pub per_second: u32,
    /// Failures allowed at once before the rate applies.
    pub burst: u32,
}

impl Default for FailureLimit {
    /// 10 per second after a burst of 100: far above what a misconfigured
    /// but honest client produces before someone notices, and far below
    /// what it takes to keep a core busy with RSA verifies (~50 000/s).
    fn default() -> Self {
        FailureLimit {
            per_second: 10,
            burst: 100,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Bucket {
    Key {
        project: String,
        kid: String,
        rate: u32,
    },
    Project {
        project: String,
        rate: u32,
    },
}

/// The limits of one server process.
pub struct Limits {
    shared: Option<redis::RedisLimits>,
    failure_limit: Option<FailureLimit>,
    clock: DefaultClock,
    buckets: moka::sync::Cache<Bucket, Arc<DefaultDirectRateLimiter>>,
    failure_quota: Option<Quota>,
    failures: moka::sync::Cache<IpAddr, Arc<DefaultDirectRateLimiter>>,
    /// Addresses over their failure budget, until when.
    penalised: moka::sync::Cache<IpAddr, Instant>,
}

impl Limits {
    /// Limits with the given failed-authentication budget (`None`: off).
    pub fn new(failure_limit: Option<FailureLimit>) -> Self {
        let failure_quota = failure_limit.and_then(|l| {
            let rate = NonZeroU32::new(l.per_second)?;
            let burst = NonZeroU32::new(l.burst.max(1))?;
            Some(Quota::per_second(rate).allow_burst(burst))
        });
        // Idle buckets are full again after a second or two, so dropping
        // them after a minute changes no decision; the caps bound memory
        // under a flood of distinct addresses.
        Limits {
            shared: None,
            failure_limit: failure_limit.filter(|l| l.per_second > 0),
            clock: DefaultClock::default(),
            buckets: moka::sync::Cache::builder()
                .max_capacity(100_000)
                .time_to_idle(Duration::from_secs(60))
                .build(),
            failure_quota,
            failures: moka::sync::Cache::builder()
                .max_capacity(100_000)
                .time_to_idle(Duration::from_secs(60))
                .build(),
            penalised: moka::sync::Cache::builder()
                .max_capacity(100_000)
                .time_to_live(Duration::from_secs(60))
                .build(),
        }
    }

    /// These limits held in Redis, shared by every replica using it.
    pub fn shared(mut self, redis: redis::RedisLimits, metrics: crate::metrics::Metrics) -> Self {
        redis.report_to(&metrics);
        self.shared = Some(redis);
        self
    }

    /// Admit one authenticated request by `kid` to `project`, or say which
    /// limit it is over.
    pub async fn admit(&self, project: &Project, kid: &str) -> Result<(), Limited> {
        if let Some(rate) = project.limits.key_rate {
            let bucket = Bucket::Key {
                project: project.id.clone(),
                kid: kid.to_owned(),
                rate,
            };
            self.take(bucket, rate, LimitReason::Key).await?;
        }
        if let Some(rate) = project.limits.project_rate {
            let bucket = Bucket::Project {
                project: project.id.clone(),
                rate,
            };
            self.take(bucket, rate, LimitReason::Project).await?;
        }
        Ok(())
    }

    async fn take(&self, bucket: Bucket, rate: u32, reason: LimitReason) -> Result<(), Limited> {
        if let Some(redis) = &self.shared {
            let key = match &bucket {
                Bucket::Key { project, kid, rate } => {
                    format!("keyward:rate:key:{project}:{kid}:{rate}")
                }
                Bucket::Project { project, rate } => {
                    format!("keyward:rate:project:{project}:{rate}")
                }
            };
            match redis.take(&key, rate, rate, None).await {
                Ok(None) => return Ok(()),
                Ok(Some(retry_after)) => {
                    return Err(Limited {
                        reason,
                        retry_after,
                    });
                }
                // Counted and logged by `redis`; decided here.
                Err(_) => {}
            }
        }
        self.take_here(bucket, rate, reason)
    }

    fn take_here(&self, bucket: Bucket, rate: u32, reason: LimitReason) -> Result<(), Limited> {
        let Some(rate) = NonZeroU32::new(rate) else {
            return Ok(());
        };
        let limiter = self.buckets.get_with(bucket, || {
            Arc::new(governor::RateLimiter::direct(Quota::per_second(rate)))
        });
        limiter.check().map_err(|not_until| Limited {
            reason,
            retry_after: not_until.wait_time_from(self.clock.now()),
        })
    }

    /// Refuse before verifying when `client` is over its failure budget.
    pub async fn check_failures(&self, client: IpAddr) -> Result<(), Limited> {
        if self.failure_limit.is_none() {
            return Ok(());
        }
        if let Some(redis) = &self.shared {
            match redis.remaining(&penalty_key(client)).await {
                Ok(None) => return self.check_failures_here(client),
                Ok(Some(retry_after)) => {
                    return Err(Limited {
                        reason: LimitReason::AuthFailures,
                        retry_after,
                    });
                }
                Err(_) => {}
            }
        }
        self.check_failures_here(client)
    }

    /// A penalty this replica gave while Redis was away still holds.
    fn check_failures_here(&self, client: IpAddr) -> Result<(), Limited> {
        match self.penalised.get(&client) {
            Some(until) => {
                let now = Instant::now();
                if until > now {
                    Err(Limited {
                        reason: LimitReason::AuthFailures,
                        retry_after: until - now,
                    })
                } else {
                    Ok(())
                }
            }
            None => Ok(()),
        }
    }

    /// Count one failed authentication from `client`.
    pub async fn record_failure(&self, client: IpAddr) {
        if let (Some(redis), Some(limit)) = (&self.shared, self.failure_limit) {
            let key = format!("keyward:fail:{client}");
            let counted = redis
                .take(
                    &key,
                    limit.per_second,
                    limit.burst,
                    Some(&penalty_key(client)),
                )
                .await;
            // Without an answer (counted and logged by `redis`), count here.
            if counted.is_ok() {
                return;
            }
        }
        let Some(quota) = self.failure_quota else {
            return;
        };
        let limiter = self
            .failures
            .get_with(client, || Arc::new(governor::RateLimiter::direct(quota)));
        if let Err(not_until) = limiter.check() {
            let wait = not_until.wait_time_from(self.clock.now());
            self.penalised.insert(client, Instant::now() + wait);
        }
    }
}

/// The Redis key of `client`'s failed-authentication penalty.
fn penalty_key(client: IpAddr) -> String {
    format!("keyward:penalty:{client}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use keyward_store::ProjectLimits;

    fn project(key_rate: Option<u32>, project_rate: Option<u32>) -> Project {
        Project {
            id: "myapp".into(),
            created_at: 0,
            max_token_lifetime_secs: 3600,
            limits: ProjectLimits {
                key_rate,
                project_rate,
                replay_guard: false,
            },
        }
    }

    #[tokio::test]
    async fn no_limits_by_default() {
        let limits = Limits::new(None);
        let p = project(None, None);
        for _ in 0..10_000 {
            limits.admit(&p, "k").await.unwrap();
        }
    }

    #[tokio::test]
    async fn key_limit_is_per_key_with_a_one_second_burst() {
        let limits = Limits::new(None);
        let p = project(Some(5), None);
        for _ in 0..5 {
            limits.admit(&p, "a").await.unwrap();
        }
        let over = limits.admit(&p, "a").await.unwrap_err();
        assert_eq!(over.reason, LimitReason::Key);
        assert!(
            over.retry_after > Duration::ZERO && over.retry_after <= Duration::from_millis(200)
        );
        // Another key has its own budget.
        limits.admit(&p, "b").await.unwrap();
    }

    #[tokio::test]
    async fn project_limit_spans_keys() {
        let limits = Limits::new(None);
        let p = project(None, Some(3));
        limits.admit(&p, "a").await.unwrap();
        limits.admit(&p, "b").await.unwrap();
        limits.admit(&p, "c").await.unwrap();
        assert_eq!(
            limits.admit(&p, "d").await.unwrap_err().reason,
            LimitReason::Project
        );
    }

    #[tokio::test]
    async fn failures_penalise_one_address_after_the_burst() {
        let limits = Limits::new(Some(FailureLimit {
            per_second: 1,
            burst: 3,
        }));
        let bad: IpAddr = [10, 0, 0, 1].into();
        let other: IpAddr = [10, 0, 0, 2].into();
        for _ in 0..3 {
            limits.check_failures(bad).await.unwrap();
            limits.record_failure(bad).await;
        }
        limits.check_failures(bad).await.unwrap();
        limits.record_failure(bad).await;
        let held = limits.check_failures(bad).await.unwrap_err();
        assert_eq!(held.reason, LimitReason::AuthFailures);
        assert!(held.retry_after <= Duration::from_secs(1));
        limits.check_failures(other).await.unwrap();
    }

    #[tokio::test]
    async fn failure_limit_can_be_off() {
        let limits = Limits::new(None);
        let ip: IpAddr = [10, 0, 0, 1].into();
        for _ in 0..1000 {
            limits.record_failure(ip).await;
        }
        limits.check_failures(ip).await.unwrap();
    }
}
