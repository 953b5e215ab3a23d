use crate::error::{Result, StoreError};
use crate::{Store, Tx, now_secs};

/// A project: one tenant with its own Admin API and keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    /// DNS-label ID, e.g. `myapp`.
    pub id: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Longest token lifetime accepted for this project, in seconds.
    pub max_token_lifetime_secs: i64,
}

type ProjectRow = (String, i64, i64);

fn from_row((id, created_at, max_token_lifetime_secs): ProjectRow) -> Project {
    Project {
        id,
        created_at,
        max_token_lifetime_secs,
    }
}

/// Project IDs are DNS labels: `^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`.
pub fn validate_project_id(id: &str) -> Result<()> {
    let bytes = id.as_bytes();
    let ok_inner = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-';
    let ok_edge = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let valid = (1..=63).contains(&bytes.len())
        && bytes.iter().all(ok_inner)
        && bytes.first().is_some_and(ok_edge)
        && bytes.last().is_some_and(ok_edge);
    if valid {
        Ok(())
    } else {
        Err(StoreError::InvalidProjectId(id.chars().take(80).collect()))
    }
}

const PROJECT_COLUMNS: &str = "id, created_at, max_token_lifetime_secs";

impl Tx {
    /// Create a project with the default token lifetime cap.
    pub async fn create_project(&mut self, id: &str) -> Result<Project> {
        validate_project_id(id)?;
        let now = now_secs();
        let result = on_tx!(self, |conn, pg| {
            sqlx::query("INSERT INTO projects (id, created_at) VALUES ($1, $2)")
                .bind(id)
                .bind(now)
                .execute(&mut *conn)
                .await
                .map(|_| ())
        });
        match result {
            Ok(()) => {}
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                return Err(StoreError::ProjectExists(id.to_owned()));
            }
            Err(e) => return Err(e.into()),
        }
        self.project(id)
            .await?
            .ok_or_else(|| StoreError::ProjectNotFound(id.to_owned()))
    }

    /// One project, if it exists.
    pub async fn project(&mut self, id: &str) -> Result<Option<Project>> {
        let sql = format!("SELECT {PROJECT_COLUMNS} FROM projects WHERE id = $1");
        let row: Option<ProjectRow> = on_tx!(self, |conn, pg| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(id)
                .fetch_optional(&mut *conn)
                .await?
        });
        Ok(row.map(from_row))
    }

    /// All projects, by ID.
    pub async fn projects(&mut self) -> Result<Vec<Project>> {
        let sql = format!("SELECT {PROJECT_COLUMNS} FROM projects ORDER BY id");
        let rows: Vec<ProjectRow> = on_tx!(self, |conn, pg| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .fetch_all(&mut *conn)
                .await?
        });
        Ok(rows.into_iter().map(from_row).collect())
    }

    /// Change a project's token lifetime cap (60 s to 24 h).
    pub async fn set_max_token_lifetime(&mut self, id: &str, secs: i64) -> Result<Project> {
        if !(60..=86_400).contains(&secs) {
            return Err(StoreError::Unsupported(
                "the token lifetime cap must be between 60 and 86400 seconds".into(),
            ));
        }
        let done = on_tx!(self, |conn, pg| {
            sqlx::query("UPDATE projects SET max_token_lifetime_secs = $1 WHERE id = $2")
                .bind(secs)
                .bind(id)
                .execute(&mut *conn)
                .await?
                .rows_affected()
        });
        if done == 0 {
            return Err(StoreError::ProjectNotFound(id.to_owned()));
        }
        // Servers cache the policy with the key set; make them reload it.
        self.bump_key_versions(id).await?;
        self.project(id)
            .await?
            .ok_or_else(|| StoreError::ProjectNotFound(id.to_owned()))
    }
}

impl Store {
    /// [`Tx::create_project`] in its own transaction.
    pub async fn create_project(&self, id: &str) -> Result<Project> {
        Ok(in_tx!(self, |tx| tx.create_project(id).await?))
    }

    /// [`Tx::project`] in its own transaction, retried on transient errors.
    pub async fn project(&self, id: &str) -> Result<Option<Project>> {
        self.retrying(|| async { Ok(in_tx!(read self, |tx| tx.project(id).await?)) })
            .await
    }

    /// [`Tx::projects`] in its own transaction.
    pub async fn projects(&self) -> Result<Vec<Project>> {
        Ok(in_tx!(read self, |tx| tx.projects().await?))
    }

    /// [`Tx::set_max_token_lifetime`] in its own transaction.
    pub async fn set_max_token_lifetime(&self, id: &str, secs: i64) -> Result<Project> {
        Ok(in_tx!(self, |tx| tx
            .set_max_token_lifetime(id, secs)
            .await?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_id_rules() {
        for ok in ["a", "myapp", "my-app", "a1", "0", &"a".repeat(63)] {
            validate_project_id(ok).unwrap();
        }
        for bad in [
            "",
            "-a",
            "a-",
            "MyApp",
            "my_app",
            "my.app",
            "a b",
            "é",
            &"a".repeat(64),
            "../x",
        ] {
            assert!(validate_project_id(bad).is_err(), "{bad}");
        }
    }
}
