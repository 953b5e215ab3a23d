//! Keeps the caches in step with key changes made by other processes (the
//! CLI while the server runs, other replicas). Two paths:
//!
//! - push (PostgreSQL): LISTEN for the NOTIFY every key change sends on
//!   commit, and drop that project's caches at once (milliseconds);
//! - poll (every backend, and the safety net for missed notifications or a
//!   dropped connection): every `key_poll_interval` read one counter; when it
//!   moved, read each project's key version and drop the caches of projects
//!   whose version changed.
//!
//! A change is therefore honoured within milliseconds on PostgreSQL and
//! within one poll interval (1 s by default) plus one query otherwise.
//!
//! Also here: once a minute, forgetting the `jti`s of expired tokens (the
//! replay guard's record).

use std::collections::HashMap;
use std::time::Duration;

use crate::AppState;

/// Run until the task is aborted (which also stops the listener).
pub async fn run(state: AppState) {
    let _push = AbortOnDrop(tokio::spawn(listen(state.clone())));
    let _purge = AbortOnDrop(tokio::spawn(purge_jtis(state.clone())));
    poll(state).await;
}

async fn purge_jtis(state: AppState) {
    let mut ticker = tokio::time::interval(Duration::from_secs(60));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        match state.store().purge_jtis(keyward_store::now_secs()).await {
            Ok(0) => {}
            Ok(n) => tracing::debug!(removed = n, "forgot the jtis of expired tokens"),
            Err(e) => tracing::warn!(error = %e, "could not purge expired jtis; will retry"),
        }
    }
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

async fn poll(state: AppState) {
    let mut ticker = tokio::time::interval(state.config().key_poll_interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_generation: Option<i64> = None;
    loop {
        ticker.tick().await;
        match state.store().key_generation().await {
            Ok(generation) if Some(generation) == last_generation => {}
            Ok(generation) => match sync(&state).await {
                Ok(()) => last_generation = Some(generation),
                Err(e) => tracing::warn!(error = %e, "could not read key versions; will retry"),
            },
            Err(e) => tracing::warn!(error = %e, "could not poll for key changes; will retry"),
        }
    }
}

async fn listen(state: AppState) {
    loop {
        let mut changes = match state.store().key_changes().await {
            Ok(Some(changes)) => changes,
            // This backend cannot push; polling covers it.
            Ok(None) => return,
            Err(e) => {
                tracing::warn!(error = %e, "could not subscribe to key changes; polling covers it, retrying in 1 s");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        loop {
            match changes.next().await {
                Ok(Some(project)) => {
                    tracing::info!(
                        project,
                        "key change notified; dropping cached keys and tokens"
                    );
                    state.auth().invalidate_project(&project).await;
                }
                Ok(None) => {
                    // Reconnected: anything sent meanwhile is lost, so reconcile.
                    tracing::warn!("key change subscription reconnected; reconciling");
                    if let Err(e) = sync(&state).await {
                        tracing::warn!(error = %e, "could not reconcile key versions");
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "key change subscription failed; resubscribing");
                    break;
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn sync(state: &AppState) -> Result<(), keyward_store::StoreError> {
    let current: HashMap<String, i64> = state.store().key_versions().await?.into_iter().collect();
    for (project, cached) in state.auth().cached_versions() {
        if current.get(&project) != Some(&cached) {
            tracing::info!(project, "keys changed; dropping cached keys and tokens");
            state.auth().invalidate_project(&project).await;
        }
    }
    Ok(())
}
