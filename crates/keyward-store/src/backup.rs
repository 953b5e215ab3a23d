//! Online backups of a SQLite store, and their checked restore.
//!
//! A backup is `VACUUM INTO`: SQLite copies one read snapshot of the whole
//! database into a new file while writers carry on, so the copy holds every
//! transaction committed before it began and none half-done. A restore
//! checks the file first (`PRAGMA integrity_check`, a keyward schema no
//! newer than this binary's) and only then puts it in place, through a
//! temporary file and a rename, into a data directory holding no database.
//!
//! PostgreSQL has its own tools (`pg_dump`, point-in-time recovery); both
//! functions refuse it with that advice rather than half-do it.

use std::path::Path;

use sqlx::Connection as _;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};

use crate::error::{Result, StoreError};
use crate::{Backend, Store, migrations};

/// What to do instead on PostgreSQL.
pub const POSTGRES_ADVICE: &str = "keyward backup and restore handle the SQLite store only; \
     back up PostgreSQL with pg_dump or point-in-time recovery (docs/operations.md)";

impl Store {
    /// Write a consistent copy of the database to `path` (a new file)
    /// while the store keeps serving. SQLite only.
    pub async fn backup_to(&self, path: &Path) -> Result<()> {
        let Backend::Sqlite(pool) = &self.backend else {
            return Err(StoreError::Unsupported(POSTGRES_ADVICE.into()));
        };
        if path.exists() {
            return Err(StoreError::Backup(format!(
                "{} already exists; a backup goes to a new file",
                path.display()
            )));
        }
        let target = path
            .to_str()
            .ok_or_else(|| StoreError::Backup(format!("{} is not a UTF-8 path", path.display())))?;
        sqlx::query("VACUUM INTO ?")
            .bind(target)
            .execute(pool)
            .await?;
        Ok(())
    }
}

/// Check that `path` is a sound keyward SQLite database this binary can
/// open; its schema version.
pub async fn check_backup(path: &Path) -> Result<i64> {
    if !path.is_file() {
        return Err(StoreError::Backup(format!(
            "{} is not a file",
            path.display()
        )));
    }
    let options = SqliteConnectOptions::new().filename(path).read_only(true);
    let mut conn = SqliteConnection::connect_with(&options).await?;
    let verdict: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_all(&mut conn)
        .await
        .map_err(|e| {
            StoreError::Backup(format!("{} is not a SQLite database: {e}", path.display()))
        })?;
    if verdict != ["ok"] {
        return Err(StoreError::Backup(format!(
            "{} is damaged: {}",
            path.display(),
            verdict.join("; ")
        )));
    }
    let version: i64 =
        sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success")
            .fetch_one(&mut conn)
            .await
            .map_err(|_| {
                StoreError::Backup(format!("{} is not a keyward database", path.display()))
            })?;
    conn.close().await?;
    let known = migrations::latest(&migrations::sqlite());
    if version > known {
        return Err(StoreError::SchemaTooNew {
            found: version,
            known,
        });
    }
    if version == 0 {
        return Err(StoreError::Backup(format!(
            "{} is not a keyward database",
            path.display()
        )));
    }
    Ok(version)
}

/// Put the checked backup `backup` in place as the database file `target`,
/// which must not exist yet; the backup's schema version.
pub async fn restore_to(backup: &Path, target: &Path) -> Result<i64> {
    let beside = |suffix: &str| {
        let mut name = target.as_os_str().to_owned();
        name.push(suffix);
        std::path::PathBuf::from(name)
    };
    for file in [target.to_path_buf(), beside("-wal")] {
        if file.exists() {
            return Err(StoreError::Backup(format!(
                "{} exists: restore only into a data directory without a database \
                 (move the current one away first)",
                file.display()
            )));
        }
    }
    let version = check_backup(backup).await?;
    let io = |e: std::io::Error| StoreError::Backup(format!("writing {}: {e}", target.display()));
    let partial = beside(".restoring");
    std::fs::copy(backup, &partial).map_err(io)?;
    std::fs::File::open(&partial)
        .and_then(|f| f.sync_all())
        .map_err(io)?;
    std::fs::rename(&partial, target).map_err(io)?;
    if let Some(dir) = target.parent() {
        // The rename itself is durable once the directory is synced.
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(io)?;
    }
    Ok(version)
}
