//! Prometheus metrics. Each server owns its registry (no global recorder), so
//! several servers can run in one process, as the tests do.

use std::sync::Arc;

use keyward_token::Reason;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StatusLabels {
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabels {
    reason: &'static str,
}

/// The server's counters and histograms.
#[derive(Clone)]
pub struct Metrics {
    inner: Arc<Inner>,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: &'static str,
}

struct Inner {
    registry: Registry,
    scheduled_work: Family<OutcomeLabels, Counter>,
    messages: Family<OutcomeLabels, Counter>,
    requests: Family<StatusLabels, Counter>,
    auth_failures: Family<ReasonLabels, Counter>,
    cache_hits: Counter,
    cache_misses: Counter,
    latency: Histogram,
    limit_fallbacks: Counter,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// A fresh registry with every keyward metric registered.
    pub fn new() -> Self {
        let mut registry = Registry::default();
        let requests = Family::<StatusLabels, Counter>::default();
        let auth_failures = Family::<ReasonLabels, Counter>::default();
        let cache_hits = Counter::default();
        let cache_misses = Counter::default();
        let limit_fallbacks = Counter::default();
        registry.register(
            "keyward_limit_fallbacks",
            "Limit decisions made in this replica's memory because Redis did not answer",
            limit_fallbacks.clone(),
        );
        let scheduled_work = Family::<OutcomeLabels, Counter>::default();
        registry.register(
            "keyward_scheduled_account_work",
            "Scheduled deletions and anonymizations carried out (deleted, anonymized) or failed (retried next pass)",
            scheduled_work.clone(),
        );
        let messages = Family::<OutcomeLabels, Counter>::default();
        registry.register(
            "keyward_messages",
            "Outgoing messages delivered (sent), to be tried again (retried) or given up (failed)",
            messages.clone(),
        );
        for outcome in ["sent", "retried", "failed"] {
            let _ = messages.get_or_create(&OutcomeLabels { outcome });
        }
        for outcome in ["deleted", "anonymized", "failed"] {
            let _ = scheduled_work.get_or_create(&OutcomeLabels { outcome });
        }
        // 0.1 ms … ~1.6 s
        let latency = Histogram::new(exponential_buckets(0.0001, 2.0, 15));
        registry.register(
            "keyward_http_requests",
            "HTTP requests by status code",
            requests.clone(),
        );
        registry.register(
            "keyward_auth_failures",
            "Refused Admin API tokens by reason",
            auth_failures.clone(),
        );
        registry.register(
            "keyward_token_cache_hits",
            "Admin API tokens accepted from the verified-token cache",
            cache_hits.clone(),
        );
        registry.register(
            "keyward_token_cache_misses",
            "Admin API tokens that needed a full verification",
            cache_misses.clone(),
        );
        registry.register(
            "keyward_http_request_duration_seconds",
            "HTTP request latency",
            latency.clone(),
        );
        // Every reason appears from the start, so dashboards see zeros.
        for reason in Reason::ALL {
            let _ = auth_failures.get_or_create(&ReasonLabels {
                reason: reason.code(),
            });
        }
        Metrics {
            inner: Arc::new(Inner {
                registry,
                scheduled_work,
                messages,
                requests,
                auth_failures,
                cache_hits,
                cache_misses,
                latency,
                limit_fallbacks,
            }),
        }
    }

    /// Count a response and its latency.
    pub fn request(&self, status: u16, seconds: f64) {
        self.inner
            .requests
            .get_or_create(&StatusLabels {
                status: status.to_string(),
            })
            .inc();
        self.inner.latency.observe(seconds);
    }

    /// Count a refused token.
    pub fn auth_failure(&self, reason: Reason) {
        self.inner
            .auth_failures
            .get_or_create(&ReasonLabels {
                reason: reason.code(),
            })
            .inc();
    }

    /// Scheduled account work done (`deleted`, `anonymized`) or failed.
    pub fn scheduled_work(&self, outcome: &'static str, n: u64) {
        self.inner
            .scheduled_work
            .get_or_create(&OutcomeLabels { outcome })
            .inc_by(n);
    }

    /// An outgoing message `sent`, `retried` or `failed`.
    pub fn message(&self, outcome: &'static str) {
        self.inner
            .messages
            .get_or_create(&OutcomeLabels { outcome })
            .inc();
    }

    /// A limit decided in memory because Redis did not answer.
    pub fn limit_fallback(&self) {
        self.inner.limit_fallbacks.inc();
    }

    /// Count a verified-token cache hit.
    pub fn cache_hit(&self) {
        self.inner.cache_hits.inc();
    }

    /// Count a verified-token cache miss.
    pub fn cache_miss(&self) {
        self.inner.cache_misses.inc();
    }

    /// Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if prometheus_client::encoding::text::encode(&mut out, &self.inner.registry).is_err() {
            out.clear();
        }
        out
    }
}
