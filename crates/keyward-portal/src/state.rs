//! What the portal's handlers share: the store, the portal's own state,
//! its settings, and a hook into the server's key-set cache. The server
//! builds one [`PortalState`]; the portal knows nothing else of it.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use keyward_accounts::HashCost;
use keyward_store::Store;

use crate::Portal;

/// Told when the portal changed a project's keys or limits, so the server
/// forgets what it cached for that project at once (other replicas notice
/// through the store's change notifications).
pub trait KeySetCache: Send + Sync {
    /// Forget what is cached for `project`.
    fn invalidate_project<'a>(
        &'a self,
        project: &'a str,
    ) -> Pin<Box<dyn Future<Output = ()> + Send + 'a>>;
}

/// The portal's settings.
#[derive(Debug, Clone, Copy)]
pub struct PortalSettings {
    /// How recent an operator's password entry must be for a private key
    /// download.
    pub reauth_window: Duration,
    /// The argon2id cost of new operator password hashes.
    pub hash_cost: HashCost,
}

/// The portal handlers' state; cheap to clone.
#[derive(Clone)]
pub struct PortalState {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    portal: Portal,
    settings: PortalSettings,
    keys: Arc<dyn KeySetCache>,
}

impl PortalState {
    /// The portal's state over `store`.
    pub fn new(
        store: Store,
        portal: Portal,
        settings: PortalSettings,
        keys: Arc<dyn KeySetCache>,
    ) -> Self {
        PortalState {
            inner: Arc::new(Inner {
                store,
                portal,
                settings,
                keys,
            }),
        }
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// The portal's own state (master key, setup token, sign-in failures).
    pub fn portal(&self) -> &Portal {
        &self.inner.portal
    }

    /// Settings.
    pub fn settings(&self) -> &PortalSettings {
        &self.inner.settings
    }

    /// Forget the server's cached key set of `project`.
    pub async fn invalidate_project(&self, project: &str) {
        self.inner.keys.invalidate_project(project).await;
    }
}
