//! Keeps the caches in step with changes made by other processes (the CLI
//! while the server runs; later, other replicas). Every `key_poll_interval`
//! it reads one counter; when that moved, it reads each project's key version
//! and drops the caches of projects whose version changed. A key created,
//! disabled or deleted anywhere is therefore honoured within one interval
//! (1 s by default) plus one query.

use std::collections::HashMap;

use crate::AppState;

/// Run until the task is aborted.
pub async fn run(state: AppState) {
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
