//! Each project's OpenID Connect signing keys (RS256), private halves
//! sealed under the master key. Rotation publishes a key before it signs:
//! the newest key whose `active_from` has passed signs, every key is
//! published until its `retire_after`, which rotation sets far enough
//! ahead that every token the old key signed has expired by then.

use keyward_token::{GeneratedKeyPair, PublicKey};
use zeroize::Zeroizing;

use crate::error::{Result, StoreError};
use crate::seal::MasterKey;
use crate::{Store, Tx};

/// How long a superseded key stays published after it stopped signing: the
/// longest token lifetime a client may be given (24 h) plus clock leeway.
pub const RETIRED_KEY_GRACE_SECS: i64 = 86_400 + 300;

/// A signing key as stored (with the private half opened).
pub struct SigningKeyEntry {
    /// Key ID (`kid`).
    pub kid: String,
    /// Public half.
    pub public: PublicKey,
    /// PKCS#8 DER of the private half.
    pub private_der: Zeroizing<Vec<u8>>,
    /// Unix seconds.
    pub created_at: i64,
    /// From when it signs.
    pub active_from: i64,
    /// When it leaves the JWKS, once superseded.
    pub retire_after: Option<i64>,
}

impl std::fmt::Debug for SigningKeyEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKeyEntry")
            .field("kid", &self.kid)
            .field("active_from", &self.active_from)
            .field("retire_after", &self.retire_after)
            .finish_non_exhaustive()
    }
}

/// The sealing context of a signing key: never the same as an Admin API
/// key's, so a sealed blob cannot be moved between the two tables.
fn seal_id(kid: &str) -> String {
    format!("oidc:{kid}")
}

type KeyRow = (String, Vec<u8>, Vec<u8>, i64, i64, Option<i64>);

impl Tx {
    /// Add a signing key that starts signing at `active_from`; keys it
    /// supersedes stop being published [`RETIRED_KEY_GRACE_SECS`] after that.
    pub async fn add_signing_key(
        &mut self,
        project: &str,
        pair: &GeneratedKeyPair,
        now: i64,
        active_from: i64,
        master: &MasterKey,
    ) -> Result<String> {
        let kid = uuid::Uuid::new_v4().to_string();
        let sealed = master.seal(project, &seal_id(&kid), pair.private_pkcs8_der())?;
        let result = on_tx!(self, |conn, pg| {
            sqlx::query(
                "UPDATE signing_keys SET retire_after = $2 WHERE project_id = $1 AND retire_after IS NULL",
            )
            .bind(project)
            .bind(active_from.saturating_add(RETIRED_KEY_GRACE_SECS))
            .execute(&mut *conn)
            .await?;
            sqlx::query(
                "INSERT INTO signing_keys (project_id, kid, public_key_der, private_key_sealed, \
                    created_at, active_from) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(project)
            .bind(&kid)
            .bind(pair.public_key().spki_der())
            .bind(&sealed)
            .bind(now)
            .bind(active_from)
            .execute(&mut *conn)
            .await
            .map(|_| ())
        });
        match result {
            Err(sqlx::Error::Database(e)) if e.is_foreign_key_violation() => {
                Err(StoreError::ProjectNotFound(project.to_owned()))
            }
            other => other.map(|()| kid).map_err(Into::into),
        }
    }

    /// The keys still published at `now`, oldest first, private halves opened.
    pub async fn signing_keys(
        &mut self,
        project: &str,
        now: i64,
        master: &MasterKey,
    ) -> Result<Vec<SigningKeyEntry>> {
        let rows: Vec<KeyRow> = on_tx!(self, |conn, pg| {
            sqlx::query_as(
                    "SELECT kid, public_key_der, private_key_sealed, created_at, active_from, retire_after \
                     FROM signing_keys WHERE project_id = $1 AND (retire_after IS NULL OR retire_after > $2) \
                     ORDER BY created_at, kid",
                )
                .bind(project)
                .bind(now)
                .fetch_all(&mut *conn)
                .await?
        });
        rows.into_iter()
            .map(
                |(kid, public, sealed, created_at, active_from, retire_after)| {
                    Ok(SigningKeyEntry {
                        public: PublicKey::from_der(&public)?,
                        private_der: master.open(project, &seal_id(&kid), &sealed)?,
                        kid,
                        created_at,
                        active_from,
                        retire_after,
                    })
                },
            )
            .collect()
    }

    /// Re-seal this table's private keys under `new` (part of master key rotation).
    pub(crate) async fn reseal_signing_keys(
        &mut self,
        old: &MasterKey,
        new: &MasterKey,
    ) -> Result<u64> {
        let rows: Vec<(String, String, Vec<u8>)> = on_tx!(self, |conn, pg| {
            if pg {
                sqlx::query("LOCK TABLE signing_keys IN SHARE ROW EXCLUSIVE MODE")
                    .execute(&mut *conn)
                    .await?;
            }
            sqlx::query_as("SELECT project_id, kid, private_key_sealed FROM signing_keys")
                .fetch_all(&mut *conn)
                .await?
        });
        for (project, kid, sealed) in &rows {
            let der = old.open(project, &seal_id(kid), sealed)?;
            let resealed = new.seal(project, &seal_id(kid), &der)?;
            on_tx!(self, |conn, pg| {
                sqlx::query(
                    "UPDATE signing_keys SET private_key_sealed = $1 WHERE project_id = $2 AND kid = $3",
                )
                .bind(&resealed)
                .bind(project)
                .bind(kid)
                .execute(&mut *conn)
                .await?;
            });
        }
        Ok(rows.len() as u64)
    }
}

impl Store {
    /// [`Tx::signing_keys`] in a read transaction, retried on transient errors.
    pub async fn signing_keys(
        &self,
        project: &str,
        now: i64,
        master: &MasterKey,
    ) -> Result<Vec<SigningKeyEntry>> {
        self.retrying(|| async {
            Ok(in_tx!(read self, |tx| tx.signing_keys(project, now, master).await?))
        })
        .await
    }

    /// [`Tx::add_signing_key`] in its own transaction.
    pub async fn add_signing_key(
        &self,
        project: &str,
        pair: &GeneratedKeyPair,
        now: i64,
        active_from: i64,
        master: &MasterKey,
    ) -> Result<String> {
        Ok(in_tx!(self, |tx| tx
            .add_signing_key(project, pair, now, active_from, master)
            .await?))
    }
}
