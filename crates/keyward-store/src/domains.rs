//! Custom domains: a Host that names a project outside
//! `<project>.<base-domain>`. A domain belongs to at most one project.

use crate::error::{Result, StoreError};
use crate::{Store, Tx};

impl Tx {
    /// Attach `domain` (lowercase, no port) to `project`.
    pub async fn add_domain(&mut self, project: &str, domain: &str, now: i64) -> Result<()> {
        let result = on_tx!(self, |conn, pg| {
            sqlx::query(
                "INSERT INTO project_domains (domain, project_id, created_at) VALUES ($1, $2, $3)",
            )
            .bind(domain)
            .bind(project)
            .bind(now)
            .execute(&mut *conn)
            .await
            .map(|_| ())
        });
        match result {
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                Err(StoreError::DomainTaken(domain.to_owned()))
            }
            Err(sqlx::Error::Database(e)) if e.is_foreign_key_violation() => {
                Err(StoreError::ProjectNotFound(project.to_owned()))
            }
            other => Ok(other?),
        }
    }

    /// Detach `domain` from `project`. `false` if it was not attached.
    pub async fn remove_domain(&mut self, project: &str, domain: &str) -> Result<bool> {
        let n = on_tx!(self, |conn, pg| {
            sqlx::query("DELETE FROM project_domains WHERE project_id = $1 AND domain = $2")
                .bind(project)
                .bind(domain)
                .execute(&mut *conn)
                .await?
                .rows_affected()
        });
        Ok(n == 1)
    }

    /// A project's custom domains, alphabetically.
    pub async fn domains_of(&mut self, project: &str) -> Result<Vec<String>> {
        Ok(on_tx!(self, |conn, pg| {
            sqlx::query_scalar(
                "SELECT domain FROM project_domains WHERE project_id = $1 ORDER BY domain",
            )
            .bind(project)
            .fetch_all(&mut *conn)
            .await?
        }))
    }
}

impl Store {
    /// The project a custom domain belongs to.
    pub async fn project_for_domain(&self, domain: &str) -> Result<Option<String>> {
        self.retrying(|| async {
            Ok(on_pool!(self, |pool, pg| {
                sqlx::query_scalar("SELECT project_id FROM project_domains WHERE domain = $1")
                    .bind(domain)
                    .fetch_optional(pool)
                    .await?
            }))
        })
        .await
    }

    /// [`Tx::domains_of`] in a read transaction.
    pub async fn domains_of(&self, project: &str) -> Result<Vec<String>> {
        Ok(in_tx!(read self, |tx| tx.domains_of(project).await?))
    }
}
