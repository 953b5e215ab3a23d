//! One database transaction on either backend. A request that needs several
//! store operations runs them all through one [`Tx`]: they commit together
//! or not at all, and dropping a `Tx` without [`Tx::commit`] rolls it back.
//!
//! On SQLite a transaction starts with `BEGIN IMMEDIATE`: it takes the write
//! lock up front (waiting up to the statement timeout), so a transaction that
//! reads and then writes can never fail half-way on a lock upgrade. On
//! PostgreSQL it is a READ COMMITTED transaction; operations whose rules span
//! rows (key limits, the last active key) lock the project's row first.
//! Reads use [`Store::begin_read`] (a deferred `BEGIN` on SQLite, `BEGIN READ
//! ONLY` on PostgreSQL), so they never queue behind SQLite's single writer.

use sqlx::{Postgres, Sqlite, Transaction};

use crate::error::Result;
use crate::{Backend, Store, StoreOptions};

/// A transaction; see the module documentation.
pub struct Tx {
    pub(crate) inner: TxInner,
    pub(crate) options: StoreOptions,
}

pub(crate) enum TxInner {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

impl Store {
    /// Begin a read-only transaction: a consistent view without taking
    /// SQLite's write lock, so reads never queue behind writers. Writing
    /// through it may fail on SQLite; use [`Store::begin`] for that.
    pub async fn begin_read(&self) -> Result<Tx> {
        let inner = match &self.backend {
            Backend::Sqlite(pool) => TxInner::Sqlite(pool.begin().await?),
            Backend::Postgres(pool) => TxInner::Postgres(pool.begin_with("BEGIN READ ONLY").await?),
        };
        Ok(Tx {
            inner,
            options: self.options,
        })
    }

    /// Begin a transaction.
    pub async fn begin(&self) -> Result<Tx> {
        let inner = match &self.backend {
            Backend::Sqlite(pool) => TxInner::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?),
            Backend::Postgres(pool) => TxInner::Postgres(pool.begin().await?),
        };
        Ok(Tx {
            inner,
            options: self.options,
        })
    }
}

impl Tx {
    /// `SELECT columns FROM from ORDER BY order` (`$1` = `project`, then
    /// `args`), fetched as one row holding a JSON array of each row's
    /// values and decoded into `T`, a tuple of the columns. For many small
    /// rows: sqlx-sqlite hands every row from its worker thread to the
    /// caller with a thread wake-up, which was 40 % of a SQLite export's CPU.
    /// SQLite gives booleans as 0 and 1 (see `users::UserJsonRow`).
    pub(crate) async fn json_rows<T: serde::de::DeserializeOwned>(
        &mut self,
        columns: &str,
        from: &str,
        order: &str,
        project: &str,
        args: Vec<crate::Arg>,
    ) -> Result<Vec<T>> {
        let pg = matches!(self.inner, TxInner::Postgres(_));
        let sql = if pg {
            format!(
                "SELECT json_agg(json_build_array({columns}) ORDER BY {order})::text FROM {from}"
            )
        } else {
            format!("SELECT json_group_array(json_array({columns}) ORDER BY {order}) FROM {from}")
        };
        let json: Option<String> = on_tx!(self, |conn, pg| {
            let query = sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind(project);
            bind_args!(query, args).fetch_one(&mut *conn).await?
        });
        // PostgreSQL aggregates no rows to NULL, SQLite to `[]`.
        match json {
            None => Ok(Vec::new()),
            Some(json) => serde_json::from_str(&json)
                .map_err(|e| crate::StoreError::Corrupt(format!("rows as JSON: {e}"))),
        }
    }

    /// Make every change durable. Until this returns `Ok`, nothing happened.
    pub async fn commit(self) -> Result<()> {
        match self.inner {
            TxInner::Sqlite(t) => t.commit().await?,
            TxInner::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }

    /// Undo every change (also what dropping the `Tx` does).
    pub async fn rollback(self) -> Result<()> {
        match self.inner {
            TxInner::Sqlite(t) => t.rollback().await?,
            TxInner::Postgres(t) => t.rollback().await?,
        }
        Ok(())
    }

    /// Inside a key-changing transaction: bump the project's key version and
    /// the global key generation, and on PostgreSQL queue a NOTIFY (sent on
    /// commit, so other servers never see a change that was rolled back).
    pub(crate) async fn bump_key_versions(&mut self, project: &str) -> Result<()> {
        on_tx!(self, |conn, pg| {
            sqlx::query("UPDATE projects SET key_version = key_version + 1 WHERE id = $1")
                .bind(project)
                .execute(&mut *conn)
                .await?;
            sqlx::query("UPDATE store_state SET key_generation = key_generation + 1 WHERE id = 1")
                .execute(&mut *conn)
                .await?;
            if pg {
                // Scoped by schema: deployments sharing one database in
                // separate schemas must not flush each other's caches.
                sqlx::query("SELECT pg_notify($1, current_schema() || ':' || $2)")
                    .bind(crate::notify::CHANNEL)
                    .bind(project)
                    .execute(&mut *conn)
                    .await?;
            }
        });
        Ok(())
    }

    /// PostgreSQL: lock the project's row until the transaction ends, so
    /// guarded key changes of one project run one at a time. SQLite's
    /// `BEGIN IMMEDIATE` already serializes writers.
    /// Before a statement that may break a unique constraint: on
    /// PostgreSQL a failed statement aborts the whole transaction, so it
    /// runs inside a savepoint that [`Tx::end_guard`] releases or rolls back,
    /// and the request's transaction stays usable after the refusal (SQLite
    /// undoes only the failed statement by itself).
    pub(crate) async fn begin_guard(&mut self) -> Result<()> {
        if let TxInner::Postgres(t) = &mut self.inner {
            sqlx::query("SAVEPOINT unique_guard")
                .execute(&mut **t)
                .await?;
        }
        Ok(())
    }

    /// After the guarded statement: keep its work (`ok`) or undo it.
    pub(crate) async fn end_guard(&mut self, ok: bool) -> Result<()> {
        if let TxInner::Postgres(t) = &mut self.inner {
            let sql = if ok {
                "RELEASE SAVEPOINT unique_guard"
            } else {
                "ROLLBACK TO SAVEPOINT unique_guard"
            };
            sqlx::query(sql).execute(&mut **t).await?;
        }
        Ok(())
    }

    pub(crate) async fn lock_project(&mut self, project: &str) -> Result<()> {
        if let TxInner::Postgres(t) = &mut self.inner {
            sqlx::query("SELECT 1 FROM projects WHERE id = $1 FOR UPDATE")
                .bind(project)
                .execute(&mut **t)
                .await?;
        }
        Ok(())
    }
}
