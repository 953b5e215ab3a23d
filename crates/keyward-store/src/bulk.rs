//! Many new users in a handful of statements: one multi-row `INSERT` per
//! table (users, identities, search terms, verified claims, passwords)
//! instead of a dozen statements per user. User import and the benchmark
//! seeder write through here; the rules about what a user may be are the
//! caller's, as everywhere in the store.

use std::fmt::Write as _;

use crate::error::Result;
use crate::identities::{Identity, PasswordAuthenticator};
use crate::users::{User, json_text, search_terms};
use crate::{Arg, Store, Tx};

/// A user to create with everything that hangs off it.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// The user row.
    pub user: User,
    /// Its login IDs.
    pub identities: Vec<Identity>,
    /// Verified claims `(name, value)`.
    pub verified: Vec<(String, String)>,
    /// Its primary password.
    pub password: Option<PasswordAuthenticator>,
}

/// Parameters per statement: under SQLite's 32,766 and PostgreSQL's 65,535.
const MAX_PARAMS: usize = 30_000;

/// One multi-row `INSERT` being built; each row starts with the project.
/// PostgreSQL gets numbered parameters with the project once as `$1`;
/// SQLite gets anonymous `?` ones (the project repeated), because binding
/// a numbered parameter there looks its name up in a list, which makes a
/// statement of n parameters cost n² to bind.
struct Insert<'a> {
    head: &'static str,
    project: &'a str,
    pg: bool,
    sql: String,
    args: Vec<Arg>,
}

impl<'a> Insert<'a> {
    fn new(head: &'static str, project: &'a str, pg: bool) -> Self {
        Insert {
            head,
            project,
            pg,
            sql: String::new(),
            args: Vec::new(),
        }
    }

    /// Add a row; when the statement was full, it is handed back first.
    fn row(&mut self, values: Vec<Arg>) -> Option<(String, Vec<Arg>)> {
        let full = if self.args.len() + values.len() + 1 > MAX_PARAMS {
            self.take()
        } else {
            None
        };
        if self.args.is_empty() {
            self.sql.push_str(self.head);
            if self.pg {
                self.args.push(Arg::Text(self.project.to_owned()));
            }
        } else {
            self.sql.push_str(", ");
        }
        if self.pg {
            self.sql.push_str("($1");
            for v in values {
                self.args.push(v);
                let _ = write!(self.sql, ", ${}", self.args.len());
            }
        } else {
            self.sql.push_str("(?");
            self.args.push(Arg::Text(self.project.to_owned()));
            for v in values {
                self.args.push(v);
                self.sql.push_str(", ?");
            }
        }
        self.sql.push(')');
        full
    }

    /// The statement so far (none when empty), and a fresh start.
    fn take(&mut self) -> Option<(String, Vec<Arg>)> {
        if self.args.is_empty() {
            return None;
        }
        Some((
            std::mem::take(&mut self.sql),
            std::mem::take(&mut self.args),
        ))
    }
}

impl Tx {
    /// Create `users` with their identities, search terms, verified claims
    /// and passwords. `Ok(false)` when a login ID is already taken (or
    /// repeated among them): then nothing of this call was written and the
    /// transaction is still usable, so the caller can go user by user to
    /// find out which.
    pub async fn insert_users(&mut self, project: &str, users: &[NewUser]) -> Result<bool> {
        let pg = matches!(self.inner, crate::tx::TxInner::Postgres(_));
        let statements = statements(project, pg, users);
        on_tx!(self, |conn, pg| {
            sqlx::query("SAVEPOINT bulk_insert")
                .execute(&mut *conn)
                .await?;
        });
        for (sql, args) in statements {
            let done = on_tx!(self, |conn, pg| {
                let query = sqlx::query(sqlx::AssertSqlSafe(sql));
                bind_args!(query, args)
                    .execute(&mut *conn)
                    .await
                    .map(|_| ())
            });
            match done {
                Ok(()) => {}
                Err(e)
                    if e.as_database_error()
                        .is_some_and(|d| d.is_unique_violation()) =>
                {
                    on_tx!(self, |conn, pg| {
                        sqlx::query("ROLLBACK TO SAVEPOINT bulk_insert")
                            .execute(&mut *conn)
                            .await?;
                        sqlx::query("RELEASE SAVEPOINT bulk_insert")
                            .execute(&mut *conn)
                            .await?;
                    });
                    return Ok(false);
                }
                Err(e) => return Err(e.into()),
            }
        }
        on_tx!(self, |conn, pg| {
            sqlx::query("RELEASE SAVEPOINT bulk_insert")
                .execute(&mut *conn)
                .await?;
        });
        Ok(true)
    }
}

impl Store {
    /// Fresh planner statistics for the user tables after many rows went
    /// in (PostgreSQL only: SQLite's planner finds these rows by primary
    /// key without statistics). Without them PostgreSQL keeps the plans it
    /// made while the tables were empty, and its foreign-key checks then
    /// walk a project's whole user index for every inserted row, until
    /// autovacuum (which may be off, and waits a minute at best) analyzes
    /// them; `ANALYZE` also invalidates those cached plans.
    pub async fn analyze_users(&self) -> Result<()> {
        on_pool!(self, |pool, pg| {
            if pg {
                sqlx::query(
                    "ANALYZE users, identities, user_search_terms, verified_claims, \
                     password_authenticators",
                )
                .execute(pool)
                .await?;
            }
        });
        Ok(())
    }
}

/// The multi-row inserts for `users`, users first (the other tables refer
/// to them).
fn statements(project: &str, pg: bool, users: &[NewUser]) -> Vec<(String, Vec<Arg>)> {
    let mut user_rows = Insert::new(
        "INSERT INTO users (project_id, id, created_at, updated_at, last_login_at, is_disabled, \
            disable_reason, temp_disabled_from, temp_disabled_until, is_deactivated, delete_at, \
            delete_reason, is_anonymized, account_valid_from, account_valid_until, \
            standard_attributes, custom_attributes, anonymize_at) VALUES ",
        project,
        pg,
    );
    let mut identity_rows = Insert::new(
        "INSERT INTO identities (project_id, id, user_id, login_id_key, login_id_type, login_id, \
            unique_key, original_value, created_at, updated_at) VALUES ",
        project,
        pg,
    );
    let mut term_rows = Insert::new(
        "INSERT INTO user_search_terms (project_id, term, user_id, created_at) VALUES ",
        project,
        pg,
    );
    let mut claim_rows = Insert::new(
        "INSERT INTO verified_claims (project_id, user_id, name, value, created_at) VALUES ",
        project,
        pg,
    );
    let mut password_rows = Insert::new(
        "INSERT INTO password_authenticators (project_id, id, user_id, password_hash, \
            expire_after, created_at, updated_at) VALUES ",
        project,
        pg,
    );
    let mut out = Vec::new();
    let mut push = |s: Option<(String, Vec<Arg>)>| out.extend(s);
    for new in users {
        let u = &new.user;
        push(user_rows.row(vec![
            Arg::Text(u.id.clone()),
            Arg::Int(u.created_at),
            Arg::Int(u.updated_at),
            Arg::OptInt(u.last_login_at),
            Arg::Bool(u.is_disabled),
            Arg::OptText(u.disable_reason.clone()),
            Arg::OptInt(u.temporarily_disabled_from),
            Arg::OptInt(u.temporarily_disabled_until),
            Arg::Bool(u.is_deactivated),
            Arg::OptInt(u.delete_at),
            Arg::OptText(u.delete_reason.clone()),
            Arg::Bool(u.is_anonymized),
            Arg::OptInt(u.account_valid_from),
            Arg::OptInt(u.account_valid_until),
            Arg::Text(json_text(&u.standard_attributes)),
            Arg::Text(json_text(&u.custom_attributes)),
            Arg::OptInt(u.anonymize_at),
        ]));
    }
    // Users first, in their own statements: the rows below refer to them.
    push(user_rows.take());
    for new in users {
        let u = &new.user;
        for i in &new.identities {
            push(identity_rows.row(vec![
                Arg::Text(i.id.clone()),
                Arg::Text(i.user_id.clone()),
                Arg::Text(i.key.clone()),
                Arg::Text(i.login_type.clone()),
                Arg::Text(i.login_id.clone()),
                Arg::Text(i.unique_key.clone()),
                Arg::Text(i.original_value.clone()),
                Arg::Int(i.created_at),
                Arg::Int(i.updated_at),
            ]));
        }
        let logins = new
            .identities
            .iter()
            .map(|i| (i.login_id.as_str(), i.login_type.as_str()));
        for term in search_terms(logins, u) {
            push(term_rows.row(vec![
                Arg::Text(term),
                Arg::Text(u.id.clone()),
                Arg::Int(u.created_at),
            ]));
        }
        for (name, value) in &new.verified {
            push(claim_rows.row(vec![
                Arg::Text(u.id.clone()),
                Arg::Text(name.clone()),
                Arg::Text(value.clone()),
                Arg::Int(u.updated_at),
            ]));
        }
        if let Some(p) = &new.password {
            push(password_rows.row(vec![
                Arg::Text(p.id.clone()),
                Arg::Text(p.user_id.clone()),
                Arg::Text(p.password_hash.clone()),
                Arg::OptInt(p.expire_after),
                Arg::Int(p.created_at),
                Arg::Int(p.updated_at),
            ]));
        }
    }
    for mut rows in [identity_rows, term_rows, claim_rows, password_rows] {
        push(rows.take());
    }
    out
}
