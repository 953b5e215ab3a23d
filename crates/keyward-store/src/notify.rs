//! Key-change notifications. On PostgreSQL every key change sends
//! `NOTIFY keyward_key_changes, '<schema>:<project>'` inside its transaction (so it is
//! delivered only on commit), and servers LISTEN for it: a change made through
//! any replica or the CLI reaches every replica in milliseconds. SQLite has no
//! such channel; there the servers' polling of `key_generation` is the path.

use sqlx::postgres::PgListener;

use crate::error::Result;
use crate::{Backend, Store};

/// The notification channel.
pub(crate) const CHANNEL: &str = "keyward_key_changes";

/// A subscription to key changes (PostgreSQL only).
pub struct KeyChanges {
    listener: PgListener,
    /// `<schema>:`: notifications from other schemas of the same database
    /// (another deployment) are not ours.
    prefix: String,
}

impl KeyChanges {
    /// The next project whose keys changed. `Ok(None)` means the connection
    /// was lost and has been re-established: notifications may have been
    /// missed, so the caller should reconcile everything it cached.
    pub async fn next(&mut self) -> Result<Option<String>> {
        loop {
            let Some(notification) = self.listener.try_recv().await? else {
                return Ok(None);
            };
            if let Some(project) = notification.payload().strip_prefix(&self.prefix) {
                return Ok(Some(project.to_owned()));
            }
        }
    }
}

impl Store {
    /// Subscribe to key changes, when the backend can push them.
    pub async fn key_changes(&self) -> Result<Option<KeyChanges>> {
        match &self.backend {
            Backend::Sqlite(_) => Ok(None),
            Backend::Postgres(pool) => {
                let schema: String = sqlx::query_scalar("SELECT current_schema()")
                    .fetch_one(pool)
                    .await?;
                let mut listener = PgListener::connect_with(pool).await?;
                listener.listen(CHANNEL).await?;
                Ok(Some(KeyChanges {
                    listener,
                    prefix: format!("{schema}:"),
                }))
            }
        }
    }
}
