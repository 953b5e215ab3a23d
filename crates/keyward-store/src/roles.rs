//! Roles and groups: two catalogs of the same shape (a unique `key`, a
//! name, a description), linked to users and to each other
//! (users ↔ roles, users ↔ groups, groups ↔ roles). One set of queries
//! serves both, parameterised by [`Catalog`].

use crate::error::{Result, StoreError};
use crate::page::{Page, PageRequest};
use crate::users::{User, placeholders};
use crate::{Arg, Tx};

/// Which catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Catalog {
    /// Roles.
    Roles,
    /// Groups.
    Groups,
}

impl Catalog {
    fn table(self) -> &'static str {
        match self {
            Catalog::Roles => "access_roles",
            Catalog::Groups => "access_groups",
        }
    }

    /// The user link table and its column naming this catalog's ID.
    fn user_link(self) -> (&'static str, &'static str) {
        match self {
            Catalog::Roles => ("user_roles", "role_id"),
            Catalog::Groups => ("user_groups", "group_id"),
        }
    }

    fn not_found(self) -> StoreError {
        match self {
            Catalog::Roles => StoreError::RoleNotFound,
            Catalog::Groups => StoreError::GroupNotFound,
        }
    }
}

/// A role or a group. Times are Unix microseconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// UUID.
    pub id: String,
    /// Unique within the project and catalog.
    pub key: String,
    /// Display name.
    pub name: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Created.
    pub created_at: i64,
    /// Last changed.
    pub updated_at: i64,
}

const COLUMNS: &str = "e.id, e.key, e.name, e.description, e.created_at, e.updated_at";
type Row = (String, String, Option<String>, Option<String>, i64, i64);

fn from_row(r: Row) -> Entry {
    Entry {
        id: r.0,
        key: r.1,
        name: r.2,
        description: r.3,
        created_at: r.4,
        updated_at: r.5,
    }
}

fn duplicate_key(e: sqlx::Error, catalog: Catalog) -> StoreError {
    match e.as_database_error() {
        Some(db) if db.is_unique_violation() => match catalog {
            Catalog::Roles => StoreError::DuplicateRoleKey,
            Catalog::Groups => StoreError::DuplicateGroupKey,
        },
        _ => StoreError::Database(e),
    }
}

impl Tx {
    /// Store a new role or group; a taken key is `Duplicate…Key`.
    pub async fn insert_entry(&mut self, project: &str, catalog: Catalog, e: &Entry) -> Result<()> {
        let sql = format!(
            "INSERT INTO {} (project_id, id, key, name, description, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            catalog.table()
        );
        self.begin_guard().await?;
        let inserted = on_tx!(self, |conn, pg| {
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(project)
                .bind(&e.id)
                .bind(&e.key)
                .bind(&e.name)
                .bind(&e.description)
                .bind(e.created_at)
                .bind(e.updated_at)
                .execute(&mut *conn)
                .await
                .map(|done| done.rows_affected())
        });
        self.end_guard(inserted.is_ok()).await?;
        inserted.map_err(|err| duplicate_key(err, catalog))?;
        Ok(())
    }

    /// Write a role or group back.
    pub async fn save_entry(&mut self, project: &str, catalog: Catalog, e: &Entry) -> Result<()> {
        let sql = format!(
            "UPDATE {} SET key = $3, name = $4, description = $5, updated_at = $6 \
             WHERE project_id = $1 AND id = $2",
            catalog.table()
        );
        self.begin_guard().await?;
        let saved = on_tx!(self, |conn, pg| {
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(project)
                .bind(&e.id)
                .bind(&e.key)
                .bind(&e.name)
                .bind(&e.description)
                .bind(e.updated_at)
                .execute(&mut *conn)
                .await
                .map(|done| done.rows_affected())
        });
        self.end_guard(saved.is_ok()).await?;
        if saved.map_err(|err| duplicate_key(err, catalog))? == 0 {
            return Err(catalog.not_found());
        }
        Ok(())
    }

    /// Delete a role or group (and its links).
    pub async fn delete_entry(&mut self, project: &str, catalog: Catalog, id: &str) -> Result<()> {
        let sql = format!(
            "DELETE FROM {} WHERE project_id = $1 AND id = $2",
            catalog.table()
        );
        let done = on_tx!(self, |conn, pg| {
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(project)
                .bind(id)
                .execute(&mut *conn)
                .await?
                .rows_affected()
        });
        if done == 0 {
            return Err(catalog.not_found());
        }
        Ok(())
    }

    /// One role or group by ID.
    pub async fn entry(
        &mut self,
        project: &str,
        catalog: Catalog,
        id: &str,
    ) -> Result<Option<Entry>> {
        self.entry_where(project, catalog, "e.id", id).await
    }

    /// One role or group by key.
    pub async fn entry_by_key(
        &mut self,
        project: &str,
        catalog: Catalog,
        key: &str,
    ) -> Result<Option<Entry>> {
        self.entry_where(project, catalog, "e.key", key).await
    }

    async fn entry_where(
        &mut self,
        project: &str,
        catalog: Catalog,
        column: &str,
        value: &str,
    ) -> Result<Option<Entry>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM {} e WHERE e.project_id = $1 AND {column} = $2",
            catalog.table()
        );
        let row: Option<Row> = on_tx!(self, |conn, pg| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(project)
                .bind(value)
                .fetch_optional(&mut *conn)
                .await?
        });
        Ok(row.map(from_row))
    }

    /// Roles or groups by key; returns the found ones and the missing keys.
    pub async fn entries_by_keys(
        &mut self,
        project: &str,
        catalog: Catalog,
        keys: &[String],
    ) -> Result<(Vec<Entry>, Vec<String>)> {
        let mut found = Vec::new();
        let mut missing = Vec::new();
        for key in keys {
            match self.entry_by_key(project, catalog, key).await? {
                Some(e) => {
                    if !found.iter().any(|f: &Entry| f.id == e.id) {
                        found.push(e);
                    }
                }
                None => missing.push(key.clone()),
            }
        }
        Ok((found, missing))
    }

    /// A page of roles or groups, oldest first by default; `search` is a
    /// case-insensitive prefix of the key or the name.
    pub async fn list_entries(
        &mut self,
        project: &str,
        catalog: Catalog,
        search: Option<&str>,
        excluded_ids: &[String],
        page: &PageRequest,
    ) -> Result<Page<Entry>> {
        let (conditions, mut args) = entry_conditions(search, excluded_ids);
        let (bounds, seeks) = page.bounds("e.created_at", "e.id", args.len() + 2);
        for seek in seeks {
            args.push(Arg::Int(seek.sort));
            args.push(Arg::Text(seek.id));
        }
        let sql = format!(
            "SELECT {COLUMNS} FROM {} e WHERE e.project_id = $1{conditions}{bounds}{}",
            catalog.table(),
            page.order_limit("e.created_at", "e.id")
        );
        let rows: Vec<Row> = on_tx!(self, |conn, pg| {
            let query = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(project);
            bind_args!(query, args).fetch_all(&mut *conn).await?
        });
        Ok(page.finish(rows.into_iter().map(from_row).collect()))
    }

    /// How many roles or groups match.
    pub async fn count_entries(
        &mut self,
        project: &str,
        catalog: Catalog,
        search: Option<&str>,
        excluded_ids: &[String],
    ) -> Result<i64> {
        let (conditions, args) = entry_conditions(search, excluded_ids);
        let sql = format!(
            "SELECT COUNT(*) FROM {} e WHERE e.project_id = $1{conditions}",
            catalog.table()
        );
        Ok(on_tx!(self, |conn, pg| {
            let query = sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind(project);
            bind_args!(query, args).fetch_one(&mut *conn).await?
        }))
    }

    /// Link users to a role or group (idempotent).
    pub async fn link_users(
        &mut self,
        project: &str,
        catalog: Catalog,
        entry_id: &str,
        user_ids: &[String],
        now: i64,
    ) -> Result<()> {
        let (table, column) = catalog.user_link();
        let sql = format!(
            "INSERT INTO {table} (project_id, user_id, {column}, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT DO NOTHING"
        );
        for user_id in user_ids {
            on_tx!(self, |conn, pg| {
                sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                    .bind(project)
                    .bind(user_id)
                    .bind(entry_id)
                    .bind(now)
                    .execute(&mut *conn)
                    .await?;
            });
        }
        Ok(())
    }

    /// Unlink users from a role or group.
    pub async fn unlink_users(
        &mut self,
        project: &str,
        catalog: Catalog,
        entry_id: &str,
        user_ids: &[String],
    ) -> Result<()> {
        let (table, column) = catalog.user_link();
        let sql =
            format!("DELETE FROM {table} WHERE project_id = $1 AND user_id = $2 AND {column} = $3");
        for user_id in user_ids {
            on_tx!(self, |conn, pg| {
                sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                    .bind(project)
                    .bind(user_id)
                    .bind(entry_id)
                    .execute(&mut *conn)
                    .await?;
            });
        }
        Ok(())
    }

    /// Give groups a role (idempotent) or take it away.
    pub async fn set_group_roles(
        &mut self,
        project: &str,
        role_id: &str,
        group_ids: &[String],
        linked: bool,
        now: i64,
    ) -> Result<()> {
        for group_id in group_ids {
            on_tx!(self, |conn, pg| {
                if linked {
                    sqlx::query(
                        "INSERT INTO group_roles (project_id, group_id, role_id, created_at) \
                         VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                    )
                    .bind(project)
                    .bind(group_id)
                    .bind(role_id)
                    .bind(now)
                    .execute(&mut *conn)
                    .await?;
                } else {
                    sqlx::query(
                        "DELETE FROM group_roles WHERE project_id = $1 AND group_id = $2 AND role_id = $3",
                    )
                    .bind(project)
                    .bind(group_id)
                    .bind(role_id)
                    .execute(&mut *conn)
                    .await?;
                }
            });
        }
        Ok(())
    }

    /// The roles or groups a user is directly linked to, oldest first.
    pub async fn entries_of_user(
        &mut self,
        project: &str,
        catalog: Catalog,
        user_id: &str,
    ) -> Result<Vec<Entry>> {
        let (table, column) = catalog.user_link();
        let sql = format!(
            "SELECT {COLUMNS} FROM {} e JOIN {table} l ON l.project_id = e.project_id AND l.{column} = e.id \
             WHERE e.project_id = $1 AND l.user_id = $2 ORDER BY e.created_at, e.id",
            catalog.table()
        );
        self.entries_query(project, sql, user_id).await
    }

    /// A user's roles: direct and through its groups, oldest first.
    pub async fn effective_roles(&mut self, project: &str, user_id: &str) -> Result<Vec<Entry>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM access_roles e WHERE e.project_id = $1 AND e.id IN ( \
               SELECT role_id FROM user_roles WHERE project_id = $1 AND user_id = $2 \
               UNION SELECT gr.role_id FROM group_roles gr JOIN user_groups ug \
                 ON ug.project_id = gr.project_id AND ug.group_id = gr.group_id \
               WHERE gr.project_id = $1 AND ug.user_id = $2) \
             ORDER BY e.created_at, e.id"
        );
        self.entries_query(project, sql, user_id).await
    }

    /// The groups holding a role (`Catalog::Roles`, by role ID) or the roles
    /// of a group (`Catalog::Groups`, by group ID), oldest first.
    pub async fn linked_entries(
        &mut self,
        project: &str,
        of: Catalog,
        id: &str,
    ) -> Result<Vec<Entry>> {
        let sql = match of {
            Catalog::Roles => format!(
                "SELECT {COLUMNS} FROM access_groups e JOIN group_roles l \
                   ON l.project_id = e.project_id AND l.group_id = e.id \
                 WHERE e.project_id = $1 AND l.role_id = $2 ORDER BY e.created_at, e.id"
            ),
            Catalog::Groups => format!(
                "SELECT {COLUMNS} FROM access_roles e JOIN group_roles l \
                   ON l.project_id = e.project_id AND l.role_id = e.id \
                 WHERE e.project_id = $1 AND l.group_id = $2 ORDER BY e.created_at, e.id"
            ),
        };
        self.entries_query(project, sql, id).await
    }

    async fn entries_query(&mut self, project: &str, sql: String, id: &str) -> Result<Vec<Entry>> {
        let rows: Vec<Row> = on_tx!(self, |conn, pg| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(project)
                .bind(id)
                .fetch_all(&mut *conn)
                .await?
        });
        Ok(rows.into_iter().map(from_row).collect())
    }

    /// A page of the users directly linked to a role or group, newest first.
    pub async fn users_of_entry(
        &mut self,
        project: &str,
        catalog: Catalog,
        entry_id: &str,
        page: &PageRequest,
    ) -> Result<Page<User>> {
        let (table, column) = catalog.user_link();
        let filter = format!(
            " AND u.id IN (SELECT user_id FROM {table} WHERE project_id = $1 AND {column} = $2)"
        );
        self.list_users_where(project, &filter, vec![Arg::Text(entry_id.to_owned())], page)
            .await
    }

    /// How many users are directly linked to a role or group.
    pub async fn count_users_of_entry(
        &mut self,
        project: &str,
        catalog: Catalog,
        entry_id: &str,
    ) -> Result<i64> {
        let (table, column) = catalog.user_link();
        let sql = format!("SELECT COUNT(*) FROM {table} WHERE project_id = $1 AND {column} = $2");
        Ok(on_tx!(self, |conn, pg| {
            sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .bind(project)
                .bind(entry_id)
                .fetch_one(&mut *conn)
                .await?
        }))
    }
}

fn entry_conditions(search: Option<&str>, excluded_ids: &[String]) -> (String, Vec<Arg>) {
    let mut sql = String::new();
    let mut args = Vec::new();
    if let Some(prefix) = search.filter(|s| !s.is_empty()) {
        let n = args.len() + 2;
        sql.push_str(&format!(
            " AND (lower(e.key) LIKE ${n} ESCAPE '\\' OR lower(e.name) LIKE ${n} ESCAPE '\\')"
        ));
        let escaped = prefix
            .to_lowercase()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        args.push(Arg::Text(format!("{escaped}%")));
    }
    if !excluded_ids.is_empty() {
        let list = placeholders(args.len() + 2, excluded_ids.len());
        sql.push_str(&format!(" AND e.id NOT IN ({list})"));
        args.extend(excluded_ids.iter().cloned().map(Arg::Text));
    }
    (sql, args)
}
