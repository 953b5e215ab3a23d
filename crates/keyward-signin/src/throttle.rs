//! Limits on failed sign-ins per client address and per login ID. Only
//! failures are counted, so users who know their password are never slowed
//! (an office behind one address signs in freely); the limits bound how
//! fast one address, or many addresses against one account, can guess.
//! Account lockout, which every replica shares through the database, is the
//! accounts core's.
//!
//! The counts are kept in this replica's memory and, when the server
//! supplies [`SharedCounts`] (Redis), there too, so that every replica sees
//! every failure.

use std::sync::Arc;
use std::time::{Duration, Instant};

use keyward_accounts::shared_counts::SharedCounts;

use crate::SigninSettings;

/// Failures per fixed window, per key.
struct Window {
    limit: u32,
    length: Duration,
    counts: moka::sync::Cache<String, (u32, Instant)>,
}

impl Window {
    fn new(limit: u32, length: Duration) -> Self {
        Window {
            limit: limit.max(1),
            length,
            counts: moka::sync::Cache::builder()
                .max_capacity(100_000)
                .time_to_live(length)
                .build(),
        }
    }

    fn full(&self, key: &str) -> bool {
        self.counts
            .get(key)
            .is_some_and(|(n, start)| start.elapsed() < self.length && n >= self.limit)
    }

    /// Count one failure, atomically (parallel guesses cannot undercount).
    fn count(&self, key: String) {
        let length = self.length;
        self.counts.entry(key).and_upsert_with(|entry| match entry {
            Some(e) if e.value().1.elapsed() < length => {
                (e.value().0.saturating_add(1), e.value().1)
            }
            _ => (1, Instant::now()),
        });
    }
}

/// Per-address and per-login-ID failure budgets.
pub struct Throttle {
    by_ip: Window,
    by_login: Window,
    shared: Option<Arc<dyn SharedCounts>>,
}

impl Throttle {
    pub fn new(s: &SigninSettings, shared: Option<Arc<dyn SharedCounts>>) -> Self {
        let window = Duration::from_secs(s.failure_window_secs.max(1));
        Throttle {
            by_ip: Window::new(s.failures_per_ip, window),
            by_login: Window::new(s.failures_per_login, window),
            shared,
        }
    }

    fn keys(project: &str, ip: &str, login: &str) -> (String, String) {
        (
            format!("{project}\0{ip}"),
            format!("{project}\0{}", login.trim().to_lowercase()),
        )
    }

    /// The shared store's keys of the two counts.
    fn shared_keys(ip_key: &str, login_key: &str) -> (String, String) {
        (
            format!("keyward:signin:ip:{ip_key}"),
            format!("keyward:signin:login:{login_key}"),
        )
    }

    /// Whether an attempt from `ip` for `login` may be tried at all.
    pub async fn allows(&self, project: &str, ip: &str, login: &str) -> bool {
        let (ip_key, login_key) = Self::keys(project, ip, login);
        if let Some(shared) = &self.shared {
            let (ip_shared, login_shared) = Self::shared_keys(&ip_key, &login_key);
            match tokio::join!(shared.get(&ip_shared), shared.get(&login_shared)) {
                (Ok(by_ip), Ok(by_login)) => {
                    return by_ip < self.by_ip.limit && by_login < self.by_login.limit;
                }
                (Err(e), _) | (_, Err(e)) => {
                    tracing::debug!(error = %e, "sign-in failure counts from memory");
                }
            }
        }
        !self.by_ip.full(&ip_key) && !self.by_login.full(&login_key)
    }

    /// Count a failed attempt.
    pub async fn fail(&self, project: &str, ip: &str, login: &str) {
        let (ip_key, login_key) = Self::keys(project, ip, login);
        if let Some(shared) = &self.shared {
            let (ip_shared, login_shared) = Self::shared_keys(&ip_key, &login_key);
            let added = tokio::join!(
                shared.add(&ip_shared, self.by_ip.length),
                shared.add(&login_shared, self.by_login.length),
            );
            if let (Err(e), _) | (_, Err(e)) = added {
                tracing::debug!(error = %e, "sign-in failure counted in memory only");
            }
        }
        self.by_ip.count(ip_key);
        self.by_login.count(login_key);
    }
}
