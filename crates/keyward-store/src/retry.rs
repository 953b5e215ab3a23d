//! Retrying idempotent operations after transient database errors. Writes
//! that are not idempotent are never retried here: they report the failure.

use std::future::Future;
use std::time::Duration;

use crate::Store;
use crate::error::{Result, StoreError};

impl Store {
    /// Run `op`, retrying up to `transient_retries` times with a short,
    /// growing pause when it fails transiently. Only for idempotent work.
    pub(crate) async fn retrying<T, F, Fut>(&self, mut op: F) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let mut attempt = 0;
        loop {
            match op().await {
                Err(e) if attempt < self.options.transient_retries && is_transient(&e) => {
                    attempt += 1;
                    tracing::debug!(attempt, error = %e, "transient database error; retrying");
                    tokio::time::sleep(Duration::from_millis(25 << attempt.min(5))).await;
                }
                result => return result,
            }
        }
    }
}

/// Errors worth one more try: the connection or pool failed, or the
/// database asked us to retry (serialization failure, deadlock, shutdown,
/// SQLite busy/locked).
pub(crate) fn is_transient(e: &StoreError) -> bool {
    let StoreError::Database(e) = e else {
        return false;
    };
    match e {
        sqlx::Error::Io(_) | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => {
            let code = db.code().unwrap_or_default();
            matches!(code.as_ref(), "40001" | "40P01" | "57P01" | "57P02" | "57P03")
                || code.starts_with("08")
                // SQLite: SQLITE_BUSY (5), SQLITE_LOCKED (6) and their extended codes.
                || matches!(code.as_ref(), "5" | "6" | "261" | "262" | "517")
        }
        _ => false,
    }
}
