//! Scheduled account work: carrying out deletions and anonymizations
//! whose time has come. One pass ([`run_due`]) finds due users across every
//! project and carries each out in its own transaction through
//! [`crate::users::carry_out`], whose conditional claim makes a user's work
//! happen once even if two passes race. Who runs passes, and how often, is
//! the server's choice (a lease makes it one replica at a time).

use keyward_store::{ScheduledUser, Store};

use crate::audit::{Actor, Initiator};
use crate::error::{AccountsError, Result};
use crate::users::{self, Carried};

/// What one pass did.
#[derive(Debug, Default)]
pub struct PassSummary {
    /// Users deleted.
    pub deleted: u64,
    /// Users anonymized.
    pub anonymized: u64,
    /// Users whose work failed this time (tried again next pass), with why.
    pub failures: Vec<(ScheduledUser, AccountsError)>,
}

/// Carry out the work due at `now` (Unix microseconds), at most `batch`
/// users. A user whose transaction fails is reported and left for the next
/// pass.
pub async fn run_due(store: &Store, now: i64, batch: i64) -> Result<PassSummary> {
    let due = store.scheduled_users(now, batch).await?;
    let mut summary = PassSummary::default();
    for job in due {
        let actor = Actor {
            project: job.project.clone(),
            now,
            by: Initiator::System,
        };
        match carry_out_one(store, &actor, &job.user_id).await {
            Ok(Carried::Deleted) => summary.deleted += 1,
            Ok(Carried::Anonymized) => summary.anonymized += 1,
            Ok(Carried::Nothing) => {}
            Err(e) => summary.failures.push((job, e)),
        }
    }
    Ok(summary)
}

async fn carry_out_one(store: &Store, actor: &Actor, user_id: &str) -> Result<Carried> {
    let mut tx = store.begin().await?;
    let done = users::carry_out(&mut tx, actor, user_id).await?;
    tx.commit().await?;
    Ok(done)
}
