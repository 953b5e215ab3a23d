//! Failure counts shared by every replica. The doors (sign-in, portal)
//! count failed attempts in their own memory and, when the server supplies
//! a [`SharedCounts`] (Redis), there too; where the counts live is the
//! server's business. A shared store that does not answer leaves the
//! decision to the memory counts: limits loosen to per replica, never
//! vanish.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

/// A future a [`SharedCounts`] returns; the error is a message for logs.
pub type CountFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, String>> + Send + 'a>>;

/// Failure counts in a store every replica sees.
pub trait SharedCounts: Send + Sync {
    /// Add one failure to `key`, in a window of `window` that starts with
    /// the key's first failure.
    fn add<'a>(&'a self, key: &'a str, window: Duration) -> CountFuture<'a, ()>;
    /// The failures of `key` in its current window.
    fn get<'a>(&'a self, key: &'a str) -> CountFuture<'a, u32>;
}
