//! Each project's signing keys, read from the store (private halves opened
//! with the master key) and kept for one second, so that a rotation made by
//! any process is seen by every replica within about a second without a
//! database read per token. A project without a key gets one on first use.

use std::sync::Arc;
use std::time::Duration;

use keyward_store::{MasterKey, Store};
use keyward_token::{GeneratedKeyPair, KeySet, KeyStatus, PublicKey, SigningKey};
use serde_json::{Value, json};

use crate::error::DoorError;

/// One project's keys: the one that signs now, and all that are published.
pub struct ProjectKeys {
    /// `kid` and key of the newest key whose `active_from` has passed.
    pub signer: Option<(String, SigningKey)>,
    /// Every published public key, for verification.
    pub set: KeySet,
    /// The JWKS document.
    pub jwks: Value,
}

/// The cache of every project's keys.
#[derive(Clone)]
pub struct SigningKeys {
    store: Store,
    master: Option<Arc<MasterKey>>,
    first_key_delay_secs: i64,
    cache: moka::future::Cache<String, Arc<ProjectKeys>>,
}

impl SigningKeys {
    pub(crate) fn new(
        store: Store,
        master: Option<Arc<MasterKey>>,
        first_key_delay_secs: i64,
    ) -> Self {
        SigningKeys {
            store,
            master,
            first_key_delay_secs,
            cache: moka::future::Cache::builder()
                .max_capacity(10_000)
                .time_to_live(Duration::from_secs(1))
                .build(),
        }
    }

    /// `project`'s keys at `now` (Unix seconds), creating its first key if
    /// it has none.
    pub async fn get(&self, project: &str, now: i64) -> Result<Arc<ProjectKeys>, DoorError> {
        if let Some(keys) = self.cache.get(project).await
            && keys.signer.is_some()
        {
            return Ok(keys);
        }
        let keys = Arc::new(self.load(project, now).await?);
        self.cache.insert(project.to_owned(), keys.clone()).await;
        Ok(keys)
    }

    async fn load(&self, project: &str, now: i64) -> Result<ProjectKeys, DoorError> {
        let master = self.master.as_deref().ok_or(DoorError::NoMasterKey)?;
        let mut entries = self.store.signing_keys(project, now, master).await?;
        if entries.is_empty() {
            // First use of sign-in for this project (created before sign-in
            // existed, or by a path that had no master key).
            let pair = generate().await?;
            self.store
                .add_signing_key(project, &pair, now, now + self.first_key_delay_secs, master)
                .await?;
            entries = self.store.signing_keys(project, now, master).await?;
        }
        let mut set = KeySet::new();
        let mut jwks = Vec::with_capacity(entries.len());
        for entry in &entries {
            set.insert(
                entry.kid.clone(),
                Arc::new(entry.public.clone()),
                KeyStatus::Active,
            );
            jwks.push(jwk(&entry.public, &entry.kid));
        }
        // The newest key that may sign: each rotation gives every earlier
        // key its `retire_after`, so the newest has none, and among
        // superseded keys the later the retirement, the newer the key.
        // (Creation times are whole seconds and cannot order two keys made
        // in the same second.)
        let signer = entries
            .iter()
            .filter(|e| e.active_from <= now)
            .max_by_key(|e| e.retire_after.unwrap_or(i64::MAX));
        let signer = match signer {
            Some(e) => Some((e.kid.clone(), SigningKey::from_pkcs8_der(&e.private_der)?)),
            None => None,
        };
        Ok(ProjectKeys {
            signer,
            set,
            jwks: json!({ "keys": jwks }),
        })
    }
}

/// A public JWK with `alg` and `use`, as OIDC clients expect.
fn jwk(key: &PublicKey, kid: &str) -> Value {
    let mut v = key.to_jwk(kid);
    if let Some(o) = v.as_object_mut() {
        o.insert("alg".into(), "RS256".into());
        o.insert("use".into(), "sig".into());
    }
    v
}

/// A new RSA-2048 key pair, generated off the async threads.
pub async fn generate() -> Result<GeneratedKeyPair, DoorError> {
    tokio::task::spawn_blocking(|| GeneratedKeyPair::generate(2048))
        .await
        .map_err(|e| DoorError::Internal(format!("key generation thread: {e}")))?
        .map_err(DoorError::from)
}
