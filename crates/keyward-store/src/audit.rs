//! The audit log: one entry per Admin API mutation (and, later, portal
//! actions), kept when the user it names is deleted. Entries are ordered by
//! their sequence number, which is also their ID.

use serde_json::Value;

use crate::error::{Result, StoreError};
use crate::page::{Page, PageRequest};
use crate::users::placeholders;
use crate::{Arg, Tx};

/// An audit entry. `created_at` is Unix microseconds.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    /// Sequence number (the ID).
    pub seq: i64,
    /// Event type, e.g. `admin_api.mutation.create_user.executed`.
    pub activity_type: String,
    /// The user the entry is about, if any.
    pub user_id: Option<String>,
    /// The Admin API key that signed the request, if any.
    pub kid: Option<String>,
    /// When.
    pub created_at: i64,
    /// The full event document.
    pub data: Value,
}

/// Which entries to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Only these event types (empty: all).
    pub activity_types: Vec<String>,
    /// Leave out event types that begin with this prefix.
    pub exclude_type_prefix: Option<String>,
    /// Only entries about these users (empty: all). Combined with OR with
    /// `login_ids`.
    pub user_ids: Vec<String>,
    /// Only entries about the users who now hold these login IDs
    /// (normalized uniqueness keys).
    pub login_ids: Vec<String>,
    /// Only entries signed with this key.
    pub kid: Option<String>,
    /// Not before (Unix microseconds).
    pub from: Option<i64>,
    /// Not after (Unix microseconds).
    pub to: Option<i64>,
}

impl AuditFilter {
    fn conditions(&self) -> (String, Vec<Arg>) {
        let mut sql = String::new();
        let mut args = Vec::new();
        if !self.activity_types.is_empty() {
            let list = placeholders(args.len() + 2, self.activity_types.len());
            sql.push_str(&format!(" AND a.activity_type IN ({list})"));
            args.extend(self.activity_types.iter().cloned().map(Arg::Text));
        }
        if let Some(prefix) = &self.exclude_type_prefix {
            // substr, not LIKE: a prefix holding `_` or `%` must not match
            // more than itself. The length is a number keyward computed.
            let length = prefix.chars().count();
            sql.push_str(&format!(
                " AND substr(a.activity_type, 1, {length}) <> ${}",
                args.len() + 2
            ));
            args.push(Arg::Text(prefix.clone()));
        }
        if !self.user_ids.is_empty() || !self.login_ids.is_empty() {
            let users = placeholders(args.len() + 2, self.user_ids.len());
            args.extend(self.user_ids.iter().cloned().map(Arg::Text));
            let logins = placeholders(args.len() + 2, self.login_ids.len());
            args.extend(self.login_ids.iter().cloned().map(Arg::Text));
            let mut alternatives = Vec::new();
            if !self.user_ids.is_empty() {
                alternatives.push(format!("a.user_id IN ({users})"));
            }
            if !self.login_ids.is_empty() {
                alternatives.push(format!(
                    "a.user_id IN (SELECT user_id FROM identities WHERE project_id = $1 AND unique_key IN ({logins}))"
                ));
            }
            sql.push_str(&format!(" AND ({})", alternatives.join(" OR ")));
        }
        if let Some(kid) = &self.kid {
            sql.push_str(&format!(" AND a.kid = ${}", args.len() + 2));
            args.push(Arg::Text(kid.clone()));
        }
        if let Some(from) = self.from {
            sql.push_str(&format!(" AND a.created_at >= ${}", args.len() + 2));
            args.push(Arg::Int(from));
        }
        if let Some(to) = self.to {
            sql.push_str(&format!(" AND a.created_at <= ${}", args.len() + 2));
            args.push(Arg::Int(to));
        }
        (sql, args)
    }
}

type Row = (i64, String, Option<String>, Option<String>, i64, String);

fn from_row(r: Row) -> Result<AuditEntry> {
    let data = serde_json::from_str(&r.5)
        .map_err(|_| StoreError::Corrupt("an audit entry is not JSON".into()))?;
    Ok(AuditEntry {
        seq: r.0,
        activity_type: r.1,
        user_id: r.2,
        kid: r.3,
        created_at: r.4,
        data,
    })
}

const COLUMNS: &str = "a.seq, a.activity_type, a.user_id, a.kid, a.created_at, a.data";

impl Tx {
    /// Append an entry; returns its sequence number.
    pub async fn insert_audit(
        &mut self,
        project: &str,
        activity_type: &str,
        user_id: Option<&str>,
        kid: Option<&str>,
        created_at: i64,
        data: &Value,
    ) -> Result<i64> {
        Ok(on_tx!(self, |conn, pg| {
            sqlx::query_scalar(
                "INSERT INTO audit_log (project_id, activity_type, user_id, kid, created_at, data) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING seq",
            )
            .bind(project)
            .bind(activity_type)
            .bind(user_id)
            .bind(kid)
            .bind(created_at)
            .bind(data.to_string())
            .fetch_one(&mut *conn)
            .await?
        }))
    }

    /// One entry.
    pub async fn audit_entry(&mut self, project: &str, seq: i64) -> Result<Option<AuditEntry>> {
        let sql =
            format!("SELECT {COLUMNS} FROM audit_log a WHERE a.project_id = $1 AND a.seq = $2");
        let row: Option<Row> = on_tx!(self, |conn, pg| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(project)
                .bind(seq)
                .fetch_optional(&mut *conn)
                .await?
        });
        row.map(from_row).transpose()
    }

    /// A page of entries, ordered by sequence number (the seek ID is unused).
    pub async fn list_audit(
        &mut self,
        project: &str,
        filter: &AuditFilter,
        page: &PageRequest,
    ) -> Result<Page<AuditEntry>> {
        let (conditions, mut args) = filter.conditions();
        let (bounds, seeks) = page.bounds("a.seq", "''", args.len() + 2);
        for seek in seeks {
            args.push(Arg::Int(seek.sort));
            args.push(Arg::Text(String::new()));
        }
        let sql = format!(
            "SELECT {COLUMNS} FROM audit_log a WHERE a.project_id = $1{conditions}{bounds}{}",
            page.order_limit("a.seq", "a.seq")
        );
        let rows: Vec<Row> = on_tx!(self, |conn, pg| {
            let query = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(project);
            bind_args!(query, args).fetch_all(&mut *conn).await?
        });
        let entries = rows.into_iter().map(from_row).collect::<Result<Vec<_>>>()?;
        Ok(page.finish(entries))
    }

    /// How many entries match.
    pub async fn count_audit(&mut self, project: &str, filter: &AuditFilter) -> Result<i64> {
        let (conditions, args) = filter.conditions();
        let sql = format!("SELECT COUNT(*) FROM audit_log a WHERE a.project_id = $1{conditions}");
        Ok(on_tx!(self, |conn, pg| {
            let query = sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind(project);
            bind_args!(query, args).fetch_one(&mut *conn).await?
        }))
    }
}
