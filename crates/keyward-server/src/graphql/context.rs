//! What every resolver of one request shares: the caller, the request's one
//! transaction, and the request's clock. The transaction begins when a
//! resolver first needs it (so work done before that, like hashing a
//! password, does not hold SQLite's write lock); the HTTP handler commits
//! it when the response has no error and rolls it back otherwise.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use keyward_store::{Store, StoreError, Tx};
use serde_json::{Map, Value};
use tokio::sync::{MappedMutexGuard, Mutex, MutexGuard};

use super::errors::{from_store, unexpected};
use crate::auth::AdminCaller;

/// Per-request state, in the GraphQL context data.
pub struct RequestCtx {
    /// Who is calling.
    pub caller: AdminCaller,
    /// Now, Unix microseconds: one instant for the whole request.
    pub now: i64,
    store: Store,
    write: bool,
    tx: Mutex<Option<Tx>>,
    store_failed: AtomicBool,
    /// Verified claims per user, loaded a page at a time.
    claims: std::sync::Mutex<HashMap<String, Claims>>,
}

/// A user's verified claims as `(name, value)`.
pub type Claims = Arc<Vec<(String, String)>>;

impl RequestCtx {
    /// State for one request; `write` when it runs a mutation.
    pub(crate) fn new(caller: AdminCaller, store: Store, write: bool, now: i64) -> Self {
        RequestCtx {
            caller,
            now,
            store,
            write,
            tx: Mutex::new(None),
            store_failed: AtomicBool::new(false),
            claims: std::sync::Mutex::new(HashMap::new()),
        }
    }

    /// The project ID.
    pub fn project(&self) -> &str {
        &self.caller.project.id
    }

    /// The request's transaction, begun on first use (resolvers take turns).
    pub async fn tx(&self) -> async_graphql::Result<MappedMutexGuard<'_, Tx>> {
        let mut slot = self.tx.lock().await;
        if slot.is_none() {
            let begun = if self.write {
                self.store.begin().await
            } else {
                self.store.begin_read().await
            };
            *slot = Some(begun.map_err(|e| self.fail(e))?);
        }
        MutexGuard::try_map(slot, Option::as_mut).map_err(|_| unexpected())
    }

    /// A store error as a GraphQL error: the caller's mistakes keep their
    /// reason; the store failing is logged, marked (the handler answers 503)
    /// and shown as `unexpected error`.
    pub fn fail(&self, e: StoreError) -> async_graphql::Error {
        if let Some(api) = from_store(&e) {
            return api.into();
        }
        tracing::error!(code = e.code(), error = %e, "store failure in an Admin API request");
        self.store_failed.store(true, Ordering::Relaxed);
        unexpected()
    }

    /// Load the verified claims of a page of users with one query, so that
    /// their `standardAttributes` and `verifiedClaims` need none.
    pub async fn prefetch_claims(&self, user_ids: Vec<String>) -> async_graphql::Result<()> {
        let rows = self
            .tx()
            .await?
            .verified_claims_of_users(self.project(), &user_ids)
            .await
            .map_err(|e| self.fail(e))?;
        let mut by_user: HashMap<String, Vec<(String, String)>> =
            user_ids.into_iter().map(|id| (id, Vec::new())).collect();
        for (user, name, value) in rows {
            by_user.entry(user).or_default().push((name, value));
        }
        if let Ok(mut cache) = self.claims.lock() {
            cache.extend(by_user.into_iter().map(|(k, v)| (k, Arc::new(v))));
        }
        Ok(())
    }

    /// A user's verified claims: prefetched, or read now.
    pub async fn claims_of(&self, user_id: &str) -> async_graphql::Result<Claims> {
        let cached = self
            .claims
            .lock()
            .ok()
            .and_then(|c| c.get(user_id).cloned());
        if let Some(claims) = cached {
            return Ok(claims);
        }
        let claims = self
            .tx()
            .await?
            .verified_claims(self.project(), user_id)
            .await
            .map_err(|e| self.fail(e))?;
        Ok(Arc::new(claims))
    }

    /// Forget what was prefetched for a user whose claims just changed.
    pub fn forget_claims(&self, user_id: &str) {
        if let Ok(mut cache) = self.claims.lock() {
            cache.remove(user_id);
        }
    }

    /// Whether the store failed during this request.
    pub fn store_failed(&self) -> bool {
        self.store_failed.load(Ordering::Relaxed)
    }

    /// Hand the transaction (if one began) back to the handler.
    pub(crate) fn into_tx(self) -> Option<Tx> {
        self.tx.into_inner()
    }

    /// The token's `audit_context`, if any.
    pub fn audit_context(&self) -> Value {
        self.caller
            .audit_context
            .as_deref()
            .map(|m: &Map<String, Value>| Value::Object(m.clone()))
            .unwrap_or(Value::Null)
    }
}

/// The request state from a resolver's context.
pub fn req<'a>(ctx: &async_graphql::Context<'a>) -> async_graphql::Result<&'a RequestCtx> {
    ctx.data::<std::sync::Arc<RequestCtx>>().map(|a| a.as_ref())
}
