//! User import and export jobs: imports cut into tasks of records, exports
//! and the chunks of their files, and the batched reads an export runs
//! page by page. Each job belongs to a project; every lookup names both.
//! What the records mean is the accounts core's business: this module
//! stores text and bytes.

use crate::error::Result;
use crate::users::{USER_COLUMNS, UserJsonRow, user_from_row};
use crate::{Arg, Authenticator, Identity, MasterKey, Store, Tx, User};

/// An import job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportJob {
    /// `userimport_…`.
    pub id: String,
    /// Created, Unix microseconds.
    pub created_at: i64,
    /// Update users that exist.
    pub upsert: bool,
    /// `email`, `phone_number` or `preferred_username`.
    pub identifier: String,
    /// Records in all.
    pub total: i64,
}

/// Where one task of an import stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportTaskState {
    /// Position among the job's tasks.
    pub seq: i64,
    /// Done, Unix microseconds.
    pub completed_at: Option<i64>,
    /// The records' outcomes (JSON array), once done.
    pub results: Option<String>,
    /// The task's own failure (JSON), if it failed as a whole.
    pub error: Option<String>,
}

/// A task waiting to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportTask {
    /// Project.
    pub project: String,
    /// Its job.
    pub job: ImportJob,
    /// Position among the job's tasks.
    pub seq: i64,
    /// The records (JSON array).
    pub records: String,
    /// Runs started so far (a run that never finished counts).
    pub attempts: i64,
}

/// An export job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportJob {
    /// Project.
    pub project: String,
    /// `userexport_…`.
    pub id: String,
    /// Created, Unix microseconds.
    pub created_at: i64,
    /// The request as given (JSON).
    pub request: String,
    /// Whether the file holds TOTP secrets.
    pub with_secrets: bool,
    /// `pending`, `completed` or `failed`.
    pub status: String,
    /// Done, Unix microseconds.
    pub completed_at: Option<i64>,
    /// Failed, Unix microseconds.
    pub failed_at: Option<i64>,
    /// The failure (JSON).
    pub error: Option<String>,
    /// The file's name, once written.
    pub file_name: Option<String>,
    /// The file's size in bytes, once written.
    pub size_bytes: Option<i64>,
    /// The key of the HMAC signing download links (random, base64url).
    pub download_key: String,
    /// Runs started so far.
    pub attempts: i64,
}

/// One user with everything an export line shows.
#[derive(Debug, Clone)]
pub struct ExportedUser {
    /// The user.
    pub user: User,
    /// Login IDs, oldest first.
    pub identities: Vec<Identity>,
    /// Verified claims `(name, value)`.
    pub verified: Vec<(String, String)>,
    /// Direct role keys, oldest first.
    pub roles: Vec<String>,
    /// Group keys, oldest first.
    pub groups: Vec<String>,
    /// Authenticators other than primary passwords, oldest first, with the
    /// TOTP secret of each TOTP one (opened with the master key).
    pub authenticators: Vec<(Authenticator, Option<Vec<u8>>)>,
}

/// How a new job was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enqueued {
    /// Stored; it will run.
    Yes,
    /// The project has this many unfinished jobs of the kind already.
    TooMany(i64),
}

type ImportJobRow = (String, i64, bool, String, i64);
type TaskStateRow = (i64, Option<i64>, Option<String>, Option<String>);

fn import_job(r: ImportJobRow) -> ImportJob {
    ImportJob {
        id: r.0,
        created_at: r.1,
        upsert: r.2,
        identifier: r.3,
        total: r.4,
    }
}

const EXPORT_COLUMNS: &str = "project_id, id, created_at, request, with_secrets, status, completed_at, \
    failed_at, error, file_name, size_bytes, download_key, attempts";

type ExportRow = (
    String,
    String,
    i64,
    String,
    bool,
    String,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<i64>,
    String,
    i64,
);

fn export_job(r: ExportRow) -> ExportJob {
    ExportJob {
        project: r.0,
        id: r.1,
        created_at: r.2,
        request: r.3,
        with_secrets: r.4,
        status: r.5,
        completed_at: r.6,
        failed_at: r.7,
        error: r.8,
        file_name: r.9,
        size_bytes: r.10,
        download_key: r.11,
        attempts: r.12,
    }
}

impl Store {
    /// Store an import and its tasks (each a JSON array of records), unless
    /// the project has `max_unfinished` imports still running.
    pub async fn create_import(
        &self,
        project: &str,
        job: &ImportJob,
        tasks: &[String],
        expires_at: i64,
        max_unfinished: i64,
    ) -> Result<Enqueued> {
        Ok(in_tx!(self, |tx| {
            tx.lock_project(project).await?;
            let running: i64 = on_tx!(tx, |conn, pg| {
                sqlx::query_scalar(
                    "SELECT COUNT(DISTINCT import_id) FROM user_import_tasks \
                     WHERE project_id = $1 AND completed_at IS NULL",
                )
                .bind(project)
                .fetch_one(&mut *conn)
                .await?
            });
            if running >= max_unfinished {
                return Ok(Enqueued::TooMany(running));
            }
            on_tx!(tx, |conn, pg| {
                sqlx::query(
                    "INSERT INTO user_imports (project_id, id, created_at, upsert, identifier, total, expires_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(project)
                .bind(&job.id)
                .bind(job.created_at)
                .bind(job.upsert)
                .bind(&job.identifier)
                .bind(job.total)
                .bind(expires_at)
                .execute(&mut *conn)
                .await?;
                for (seq, records) in tasks.iter().enumerate() {
                    sqlx::query(
                        "INSERT INTO user_import_tasks (project_id, import_id, seq, records, created_at) \
                         VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(project)
                    .bind(&job.id)
                    .bind(seq as i64)
                    .bind(records)
                    .bind(job.created_at)
                    .execute(&mut *conn)
                    .await?;
                }
            });
            Enqueued::Yes
        }))
    }

    /// An import and where each of its tasks stands, in order. While a
    /// task is unfinished the outcomes are not shown, so they are not read
    /// (a client polling a large import would otherwise read them all at
    /// every poll).
    pub async fn import_status(
        &self,
        project: &str,
        id: &str,
        now: i64,
    ) -> Result<Option<(ImportJob, Vec<ImportTaskState>)>> {
        Ok(in_tx!(read self, |tx| {
            let job: Option<ImportJobRow> = on_tx!(tx, |conn, pg| {
                sqlx::query_as(
                    "SELECT id, created_at, upsert, identifier, total FROM user_imports \
                     WHERE project_id = $1 AND id = $2 AND expires_at > $3",
                )
                .bind(project)
                .bind(id)
                .bind(now)
                .fetch_optional(&mut *conn)
                .await?
            });
            match job {
                None => None,
                Some(job) => {
                    let tasks: Vec<TaskStateRow> =
                        on_tx!(tx, |conn, pg| {
                            sqlx::query_as(
                                "SELECT seq, completed_at, \
                                    CASE WHEN NOT EXISTS (SELECT 1 FROM user_import_tasks p \
                                        WHERE p.project_id = $1 AND p.import_id = $2 \
                                          AND p.completed_at IS NULL) THEN results END, \
                                    error \
                                 FROM user_import_tasks \
                                 WHERE project_id = $1 AND import_id = $2 ORDER BY seq",
                            )
                            .bind(project)
                            .bind(id)
                            .fetch_all(&mut *conn)
                            .await?
                        });
                    let tasks = tasks
                        .into_iter()
                        .map(|(seq, completed_at, results, error)| ImportTaskState {
                            seq,
                            completed_at,
                            results,
                            error,
                        })
                        .collect();
                    Some((import_job(job), tasks))
                }
            }
        }))
    }

    /// The oldest unfinished import task of any project, counted as one
    /// more attempt.
    pub async fn claim_import_task(&self) -> Result<Option<ImportTask>> {
        Ok(in_tx!(self, |tx| {
            type Row = (
                String,
                String,
                i64,
                Option<String>,
                i64,
                i64,
                bool,
                String,
                i64,
            );
            let row: Option<Row> = on_tx!(tx, |conn, pg| {
                sqlx::query_as(
                    "SELECT t.project_id, t.import_id, t.seq, t.records, t.attempts, \
                        i.created_at, i.upsert, i.identifier, i.total \
                     FROM user_import_tasks t JOIN user_imports i \
                       ON i.project_id = t.project_id AND i.id = t.import_id \
                     WHERE t.completed_at IS NULL ORDER BY t.created_at, t.seq LIMIT 1",
                )
                .fetch_optional(&mut *conn)
                .await?
            });
            match row {
                None => None,
                Some((
                    project,
                    id,
                    seq,
                    records,
                    attempts,
                    created_at,
                    upsert,
                    identifier,
                    total,
                )) => {
                    on_tx!(tx, |conn, pg| {
                        sqlx::query(
                            "UPDATE user_import_tasks SET attempts = attempts + 1 \
                             WHERE project_id = $1 AND import_id = $2 AND seq = $3",
                        )
                        .bind(&project)
                        .bind(&id)
                        .bind(seq)
                        .execute(&mut *conn)
                        .await?;
                    });
                    Some(ImportTask {
                        project,
                        job: ImportJob {
                            id,
                            created_at,
                            upsert,
                            identifier,
                            total,
                        },
                        seq,
                        records: records.unwrap_or_default(),
                        attempts: attempts + 1,
                    })
                }
            }
        }))
    }

    /// Give up on a task: done, with `error` (JSON) and no outcomes.
    pub async fn fail_import_task(
        &self,
        project: &str,
        import_id: &str,
        seq: i64,
        error: &str,
        now: i64,
    ) -> Result<()> {
        in_tx!(self, |tx| tx
            .finish_import_task(project, import_id, seq, "[]", Some(error), now)
            .await?);
        Ok(())
    }

    /// Store an export, unless the project has `max_unfinished` exports
    /// still pending.
    pub async fn create_export(
        &self,
        job: &ExportJob,
        expires_at: i64,
        max_unfinished: i64,
    ) -> Result<Enqueued> {
        Ok(in_tx!(self, |tx| {
            tx.lock_project(&job.project).await?;
            let pending: i64 = on_tx!(tx, |conn, pg| {
                sqlx::query_scalar(
                    "SELECT COUNT(*) FROM user_exports WHERE project_id = $1 AND status = 'pending'",
                )
                .bind(&job.project)
                .fetch_one(&mut *conn)
                .await?
            });
            if pending >= max_unfinished {
                return Ok(Enqueued::TooMany(pending));
            }
            on_tx!(tx, |conn, pg| {
                sqlx::query(
                    "INSERT INTO user_exports (project_id, id, created_at, request, with_secrets, status, download_key, expires_at) \
                     VALUES ($1, $2, $3, $4, $7, 'pending', $5, $6)",
                )
                .bind(&job.project)
                .bind(&job.id)
                .bind(job.created_at)
                .bind(&job.request)
                .bind(&job.download_key)
                .bind(expires_at)
                .bind(job.with_secrets)
                .execute(&mut *conn)
                .await?;
            });
            Enqueued::Yes
        }))
    }

    /// An export, unless it expired.
    pub async fn export(&self, project: &str, id: &str, now: i64) -> Result<Option<ExportJob>> {
        let sql = format!(
            "SELECT {EXPORT_COLUMNS} FROM user_exports WHERE project_id = $1 AND id = $2 AND expires_at > $3"
        );
        let row: Option<ExportRow> = on_pool!(self, |pool, pg| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(project)
                .bind(id)
                .bind(now)
                .fetch_optional(pool)
                .await?
        });
        Ok(row.map(export_job))
    }

    /// The oldest pending export of any project, counted as one more
    /// attempt, with the chunks of an earlier unfinished run removed.
    pub async fn claim_export(&self) -> Result<Option<ExportJob>> {
        Ok(in_tx!(self, |tx| {
            let sql = format!(
                "SELECT {EXPORT_COLUMNS} FROM user_exports WHERE status = 'pending' \
                 ORDER BY created_at LIMIT 1"
            );
            let row: Option<ExportRow> = on_tx!(tx, |conn, pg| {
                sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .fetch_optional(&mut *conn)
                    .await?
            });
            match row.map(export_job) {
                None => None,
                Some(mut job) => {
                    on_tx!(tx, |conn, pg| {
                        sqlx::query(
                            "UPDATE user_exports SET attempts = attempts + 1 WHERE project_id = $1 AND id = $2",
                        )
                        .bind(&job.project)
                        .bind(&job.id)
                        .execute(&mut *conn)
                        .await?;
                        sqlx::query(
                            "DELETE FROM user_export_chunks WHERE project_id = $1 AND export_id = $2",
                        )
                        .bind(&job.project)
                        .bind(&job.id)
                        .execute(&mut *conn)
                        .await?;
                    });
                    job.attempts += 1;
                    Some(job)
                }
            }
        }))
    }

    /// Append chunk `seq` of an export's file.
    pub async fn put_export_chunk(
        &self,
        project: &str,
        id: &str,
        seq: i64,
        data: &[u8],
    ) -> Result<()> {
        in_tx!(self, |tx| on_tx!(tx, |conn, pg| {
            sqlx::query(
                "INSERT INTO user_export_chunks (project_id, export_id, seq, data) VALUES ($1, $2, $3, $4)",
            )
            .bind(project)
            .bind(id)
            .bind(seq)
            .bind(data)
            .execute(&mut *conn)
            .await?;
        }));
        Ok(())
    }

    /// Chunk `seq` of an export's file, if there is one.
    pub async fn export_chunk(&self, project: &str, id: &str, seq: i64) -> Result<Option<Vec<u8>>> {
        Ok(on_pool!(self, |pool, pg| {
            sqlx::query_scalar(
                "SELECT data FROM user_export_chunks WHERE project_id = $1 AND export_id = $2 AND seq = $3",
            )
            .bind(project)
            .bind(id)
            .bind(seq)
            .fetch_optional(pool)
            .await?
        }))
    }

    /// Mark an export done: its file is complete. `false` when it was no
    /// longer pending.
    pub async fn finish_export(
        &self,
        project: &str,
        id: &str,
        file_name: &str,
        size_bytes: i64,
        now: i64,
        expires_at: i64,
    ) -> Result<bool> {
        let n = on_pool!(self, |pool, pg| {
            sqlx::query(
                "UPDATE user_exports SET status = 'completed', completed_at = $3, file_name = $4, \
                    size_bytes = $5, expires_at = $6 \
                 WHERE project_id = $1 AND id = $2 AND status = 'pending'",
            )
            .bind(project)
            .bind(id)
            .bind(now)
            .bind(file_name)
            .bind(size_bytes)
            .bind(expires_at)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(n == 1)
    }

    /// Mark an export failed with `error` (JSON); its chunks go.
    pub async fn fail_export(
        &self,
        project: &str,
        id: &str,
        error: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<()> {
        in_tx!(self, |tx| on_tx!(tx, |conn, pg| {
            sqlx::query("DELETE FROM user_export_chunks WHERE project_id = $1 AND export_id = $2")
                .bind(project)
                .bind(id)
                .execute(&mut *conn)
                .await?;
            sqlx::query(
                "UPDATE user_exports SET status = 'failed', failed_at = $3, error = $4, expires_at = $5 \
                 WHERE project_id = $1 AND id = $2 AND status = 'pending'",
            )
            .bind(project)
            .bind(id)
            .bind(now)
            .bind(error)
            .bind(expires_at)
            .execute(&mut *conn)
            .await?;
        }));
        Ok(())
    }

    /// Remove imports and exports (with their files) whose retention ended.
    /// Returns how many jobs went.
    pub async fn purge_transfers(&self, now: i64) -> Result<u64> {
        Ok(in_tx!(self, |tx| on_tx!(tx, |conn, pg| {
            sqlx::query(
                "DELETE FROM user_import_tasks WHERE (project_id, import_id) IN \
                   (SELECT project_id, id FROM user_imports WHERE expires_at <= $1)",
            )
            .bind(now)
            .execute(&mut *conn)
            .await?;
            let imports = sqlx::query("DELETE FROM user_imports WHERE expires_at <= $1")
                .bind(now)
                .execute(&mut *conn)
                .await?
                .rows_affected();
            sqlx::query(
                "DELETE FROM user_export_chunks WHERE (project_id, export_id) IN \
                   (SELECT project_id, id FROM user_exports WHERE expires_at <= $1)",
            )
            .bind(now)
            .execute(&mut *conn)
            .await?;
            let exports = sqlx::query("DELETE FROM user_exports WHERE expires_at <= $1")
                .bind(now)
                .execute(&mut *conn)
                .await?
                .rows_affected();
            imports + exports
        })))
    }
}

impl Tx {
    /// Take an import task for this transaction: `false` when another run
    /// finished it meanwhile. On PostgreSQL the row stays locked until the
    /// transaction ends, so a second run waits and then sees it done.
    pub async fn lock_import_task(
        &mut self,
        project: &str,
        import_id: &str,
        seq: i64,
    ) -> Result<bool> {
        let n = on_tx!(self, |conn, pg| {
            sqlx::query(
                "UPDATE user_import_tasks SET attempts = attempts \
                 WHERE project_id = $1 AND import_id = $2 AND seq = $3 AND completed_at IS NULL",
            )
            .bind(project)
            .bind(import_id)
            .bind(seq)
            .execute(&mut *conn)
            .await?
            .rows_affected()
        });
        Ok(n == 1)
    }

    /// Record a task's outcomes (JSON array) and erase its input. `false`
    /// when it was done already.
    pub async fn finish_import_task(
        &mut self,
        project: &str,
        import_id: &str,
        seq: i64,
        results: &str,
        error: Option<&str>,
        now: i64,
    ) -> Result<bool> {
        let n = on_tx!(self, |conn, pg| {
            sqlx::query(
                "UPDATE user_import_tasks SET records = NULL, results = $4, error = $5, completed_at = $6 \
                 WHERE project_id = $1 AND import_id = $2 AND seq = $3 AND completed_at IS NULL",
            )
            .bind(project)
            .bind(import_id)
            .bind(seq)
            .bind(results)
            .bind(error)
            .bind(now)
            .execute(&mut *conn)
            .await?
            .rows_affected()
        });
        Ok(n == 1)
    }

    /// Start a savepoint: [`Tx::release_savepoint`] keeps what was done
    /// since, [`Tx::rollback_to_savepoint`] undoes it and keeps the rest of
    /// the transaction (one import record that fails undoes only itself).
    pub async fn savepoint(&mut self) -> Result<()> {
        on_tx!(self, |conn, pg| {
            sqlx::query("SAVEPOINT record").execute(&mut *conn).await?;
        });
        Ok(())
    }

    /// Keep the work since [`Tx::savepoint`].
    pub async fn release_savepoint(&mut self) -> Result<()> {
        on_tx!(self, |conn, pg| {
            sqlx::query("RELEASE SAVEPOINT record")
                .execute(&mut *conn)
                .await?;
        });
        Ok(())
    }

    /// Undo the work since [`Tx::savepoint`].
    pub async fn rollback_to_savepoint(&mut self) -> Result<()> {
        on_tx!(self, |conn, pg| {
            sqlx::query("ROLLBACK TO SAVEPOINT record")
                .execute(&mut *conn)
                .await?;
            sqlx::query("RELEASE SAVEPOINT record")
                .execute(&mut *conn)
                .await?;
        });
        Ok(())
    }

    /// Up to `limit` users created after `after` (`(created_at, id)`), in
    /// creation order, each with everything an export line shows:
    /// [`Tx::export_users`] then [`Tx::export_details`] in one transaction.
    pub async fn export_page(
        &mut self,
        project: &str,
        after: Option<(i64, String)>,
        limit: i64,
        master: Option<&MasterKey>,
    ) -> Result<Vec<ExportedUser>> {
        let users = self.export_users(project, after.clone(), limit).await?;
        self.export_details(project, after, users, master).await
    }

    /// Up to `limit` users created after `after` (`(created_at, id)`), in
    /// creation order (a row-value bound, which PostgreSQL answers with an
    /// index range where an `OR` of two bounds made it scan). One query.
    pub async fn export_users(
        &mut self,
        project: &str,
        after: Option<(i64, String)>,
        limit: i64,
    ) -> Result<Vec<User>> {
        let (after_at, after_id) = after.unwrap_or((i64::MIN, String::new()));
        // One row for the whole page (see `Tx::json_rows`).
        let rows: Vec<UserJsonRow> = self
            .json_rows(
                &USER_COLUMNS.replace("u.", ""),
                &format!(
                    "(SELECT {USER_COLUMNS} FROM users u WHERE u.project_id = $1 \
                       AND (u.created_at, u.id) > ($2, $3) \
                     ORDER BY u.created_at, u.id LIMIT $4) page"
                ),
                "created_at, id",
                project,
                vec![Arg::Int(after_at), Arg::Text(after_id), Arg::Int(limit)],
            )
            .await?;
        rows.into_iter().map(|r| user_from_row(r.into())).collect()
    }

    /// What an export line shows of `users`, a page that
    /// [`Tx::export_users`] gave for `after`: five queries for the page,
    /// whatever its size. Secrets are opened with `master`, if given.
    pub async fn export_details(
        &mut self,
        project: &str,
        after: Option<(i64, String)>,
        users: Vec<User>,
        master: Option<&MasterKey>,
    ) -> Result<Vec<ExportedUser>> {
        let (after_at, after_id) = after.unwrap_or((i64::MIN, String::new()));
        if users.is_empty() {
            return Ok(Vec::new());
        }
        let position: std::collections::HashMap<String, usize> = users
            .iter()
            .enumerate()
            .map(|(i, u)| (u.id.clone(), i))
            .collect();
        // The page's users for the five queries below, as one or four
        // parameters rather than an `IN` list of a thousand: SQLite binds
        // numbered parameters in quadratic time, and reads the key range
        // from the index. PostgreSQL gets the IDs as one text instead of the
        // range, because it cannot estimate a row-value range (it guesses a
        // third of the table, hashes the whole identities table per page:
        // 120 ms at 300k users); unnesting a list plans as a nested loop
        // over the index (UUIDs hold no comma).
        let pg = matches!(self.inner, crate::tx::TxInner::Postgres(_));
        let (list, page_args) = if pg {
            let ids: Vec<&str> = users.iter().map(|u| u.id.as_str()).collect();
            (
                "SELECT unnest(string_to_array($2, ','))",
                vec![Arg::Text(ids.join(","))],
            )
        } else {
            let (last_at, last_id) = users
                .last()
                .map(|u| (u.created_at, u.id.clone()))
                .unwrap_or_default();
            (
                "SELECT id FROM users WHERE project_id = $1 \
                   AND (created_at, id) > ($2, $3) AND (created_at, id) <= ($4, $5)",
                vec![
                    Arg::Int(after_at),
                    Arg::Text(after_id.clone()),
                    Arg::Int(last_at),
                    Arg::Text(last_id),
                ],
            )
        };
        let args = || page_args.clone();
        let mut out: Vec<ExportedUser> = users
            .into_iter()
            .map(|user| ExportedUser {
                user,
                identities: Vec::new(),
                verified: Vec::new(),
                roles: Vec::new(),
                groups: Vec::new(),
                authenticators: Vec::new(),
            })
            .collect();
        for identity in self.identities_of_users(project, list, args()).await? {
            if let Some(&i) = position.get(identity.user_id.as_str()) {
                out[i].identities.push(identity);
            }
        }
        for (user_id, name, value) in self.verified_claims_in(project, list, args()).await? {
            if let Some(&i) = position.get(user_id.as_str()) {
                out[i].verified.push((name, value));
            }
        }
        for (table, link, column, is_role) in [
            ("access_roles", "user_roles", "role_id", true),
            ("access_groups", "user_groups", "group_id", false),
        ] {
            let sql = format!(
                "SELECT l.user_id, e.key FROM {link} l JOIN {table} e \
                   ON e.project_id = l.project_id AND e.id = l.{column} \
                 WHERE l.project_id = $1 AND l.user_id IN ({list}) ORDER BY e.created_at, e.id"
            );
            let rows: Vec<(String, String)> = on_tx!(self, |conn, pg| {
                let query = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(project);
                bind_args!(query, args()).fetch_all(&mut *conn).await?
            });
            for (user_id, key) in rows {
                if let Some(&i) = position.get(user_id.as_str()) {
                    if is_role {
                        out[i].roles.push(key);
                    } else {
                        out[i].groups.push(key);
                    }
                }
            }
        }
        for (a, sealed) in self.authenticators_of_users(project, list, args()).await? {
            let Some(&i) = position.get(a.user_id.as_str()) else {
                continue;
            };
            let secret = match (sealed, master) {
                (Some(sealed), Some(master)) => Some(
                    master
                        .open(
                            project,
                            &crate::second_factors::seal_id(&a.user_id),
                            &sealed,
                        )?
                        .to_vec(),
                ),
                _ => None,
            };
            out[i].authenticators.push((a, secret));
        }
        Ok(out)
    }
}
