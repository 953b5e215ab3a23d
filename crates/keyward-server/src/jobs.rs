//! Background jobs: carrying out scheduled account deletions and
//! anonymizations ([`keyward_accounts::scheduled`]), and delivering the
//! outbox ([`crate::mailer`], [`crate::sms`]).
//!
//! Every replica runs the loop, but only the holder of the database lease
//! `scheduled_accounts` does the work, so one replica at a time runs it
//! (on SQLite, the one process). The holder renews the lease every round;
//! if it dies, its lease runs out after three intervals and another replica
//! takes over. Due work is found in the database each round, so a restart
//! loses nothing, and each user's work is claimed by a conditional write,
//! so even two holders (a lease that ran out mid-round) do it once.

use std::time::Duration;

use keyward_accounts::scheduled;

use crate::AppState;

/// The lease's name.
pub const SCHEDULED_ACCOUNTS_LEASE: &str = "scheduled_accounts";

/// Users carried out per transaction batch; a round drains every batch due.
const BATCH: i64 = 100;

/// The outbox's lease.
pub const OUTBOX_LEASE: &str = "outbox";

/// Every lease a server may hold, released at shutdown.
pub const LEASES: [&str; 4] = [
    SCHEDULED_ACCOUNTS_LEASE,
    OUTBOX_LEASE,
    crate::transfer::IMPORT_LEASE,
    crate::transfer::EXPORT_LEASE,
];

/// Run the scheduled account work until the task is aborted.
pub async fn run(state: AppState) {
    let interval = state.config().jobs_interval;
    under_lease(state, SCHEDULED_ACCOUNTS_LEASE, interval, |s| async move {
        round(&s).await
    })
    .await
}

/// Deliver the outbox (email with the configured mailer, text messages
/// through `sms`) until the task is aborted.
pub async fn run_outbox(state: AppState, sms: crate::sms::SmsGateway) {
    let interval = state.config().outbox_interval;
    under_lease(state, OUTBOX_LEASE, interval, move |s| {
        let sms = sms.clone();
        async move {
            // Drain: a full batch means more may be due.
            while crate::mailer::deliver_due(&s, &sms).await >= crate::mailer::BATCH as usize {}
        }
    })
    .await
}

/// Every `interval`, take (or renew) the lease `name` and, holding it, do
/// `work`. A lease outlives three intervals (at least 10 s), so a dead
/// holder's work moves to another replica soon after.
async fn under_lease<F, Fut>(state: AppState, name: &'static str, interval: Duration, work: F)
where
    F: Fn(AppState) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    under_lease_woken(state, name, interval, None, |s, _| work(s)).await
}

/// A lease held by this process.
#[derive(Debug, Clone)]
pub struct Lease {
    name: &'static str,
    holder: String,
    ttl_secs: i64,
}

impl Lease {
    /// Take or renew it: `false` when another holder has it now. Long
    /// work renews as it goes, so the lease never runs out under it.
    pub async fn renew(&self, state: &AppState) -> bool {
        let now_secs = state.clock().now_micros().div_euclid(1_000_000);
        match state
            .store()
            .take_lease(self.name, &self.holder, now_secs, self.ttl_secs)
            .await
        {
            Ok(taken) => taken,
            Err(e) => {
                tracing::warn!(error = %e, lease = self.name, "could not take a job lease; will retry");
                false
            }
        }
    }
}

/// [`under_lease`], also woken by `wake` (a job just arrived), with the
/// lease handed to `work` for renewing.
pub(crate) async fn under_lease_woken<F, Fut>(
    state: AppState,
    name: &'static str,
    interval: Duration,
    wake: Option<std::sync::Arc<tokio::sync::Notify>>,
    work: F,
) where
    F: Fn(AppState, Lease) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let lease = Lease {
        name,
        holder: state.lease_holder().to_owned(),
        ttl_secs: i64::try_from(interval.as_secs().saturating_mul(3))
            .unwrap_or(i64::MAX)
            .max(10),
    };
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        match &wake {
            Some(wake) => tokio::select! {
                _ = ticker.tick() => {}
                _ = wake.notified() => {}
            },
            None => {
                ticker.tick().await;
            }
        }
        if lease.renew(&state).await {
            work(state.clone(), lease.clone()).await;
        }
    }
}

/// Drain the work due now, batch by batch.
async fn round(state: &AppState) {
    loop {
        let now = state.clock().now_micros();
        let summary = match scheduled::run_due(state.store(), now, BATCH).await {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(error = %e, "could not read scheduled account work; will retry");
                return;
            }
        };
        let metrics = state.metrics();
        metrics.scheduled_work("deleted", summary.deleted);
        metrics.scheduled_work("anonymized", summary.anonymized);
        metrics.scheduled_work("failed", summary.failures.len() as u64);
        for (job, e) in &summary.failures {
            tracing::warn!(
                project = %job.project,
                kind = job.kind.as_str(),
                error = %e,
                "scheduled account work failed; it will be tried again"
            );
        }
        if summary.deleted + summary.anonymized > 0 {
            tracing::info!(
                deleted = summary.deleted,
                anonymized = summary.anonymized,
                "carried out scheduled account work"
            );
        }
        let done = summary.deleted + summary.anonymized;
        // A short batch means nothing more is due; failures wait a round.
        if done < BATCH as u64 || !summary.failures.is_empty() {
            return;
        }
        tokio::task::yield_now().await;
    }
}

/// How often a replica looks for due work: 60 s (tests use less).
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(60);
