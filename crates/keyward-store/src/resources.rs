//! API resources (RFC 8707 resource indicators) and their scopes, which
//! OAuth clients may ask for. Times are Unix microseconds. Validation is
//! the accounts core's; this module stores and reads.

use crate::error::{Result, StoreError};
use crate::page::{Page, PageRequest};
use crate::users::placeholders;
use crate::{Arg, Tx};

/// An API resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    /// UUID.
    pub id: String,
    /// Its URI (what clients name in `resource=`, and the tokens' `aud`).
    pub uri: String,
    /// Display name.
    pub name: Option<String>,
    /// Created.
    pub created_at: i64,
    /// Last changed.
    pub updated_at: i64,
}

/// A scope of a resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    /// UUID.
    pub id: String,
    /// The resource's ID.
    pub resource_id: String,
    /// The scope token.
    pub scope: String,
    /// Description.
    pub description: Option<String>,
    /// Created.
    pub created_at: i64,
    /// Last changed.
    pub updated_at: i64,
}

type ResourceRow = (String, String, Option<String>, i64, i64);
type ScopeRow = (String, String, String, Option<String>, i64, i64);

fn resource(r: ResourceRow) -> Resource {
    Resource {
        id: r.0,
        uri: r.1,
        name: r.2,
        created_at: r.3,
        updated_at: r.4,
    }
}

fn scope(r: ScopeRow) -> Scope {
    Scope {
        id: r.0,
        resource_id: r.1,
        scope: r.2,
        description: r.3,
        created_at: r.4,
        updated_at: r.5,
    }
}

const RESOURCE_COLUMNS: &str = "r.id, r.uri, r.name, r.created_at, r.updated_at";
const SCOPE_COLUMNS: &str =
    "s.id, s.resource_id, s.scope, s.description, s.created_at, s.updated_at";

/// `%…%` for a case-insensitive substring match with `LIKE … ESCAPE '\'`.
fn substring(text: &str) -> String {
    let escaped = text
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

fn duplicate(e: sqlx::Error, what: StoreError) -> StoreError {
    match e.as_database_error() {
        Some(db) if db.is_unique_violation() => what,
        _ => StoreError::Database(e),
    }
}

/// The filters of a resource listing.
fn resource_conditions(search: Option<&str>, client_id: Option<&str>) -> (String, Vec<Arg>) {
    let mut sql = String::new();
    let mut args = Vec::new();
    if let Some(text) = search.filter(|s| !s.is_empty()) {
        let n = args.len() + 2;
        sql.push_str(&format!(
            " AND (lower(r.uri) LIKE ${n} ESCAPE '\\' OR lower(r.name) LIKE ${n} ESCAPE '\\')"
        ));
        args.push(Arg::Text(substring(text)));
    }
    if let Some(client) = client_id {
        let n = args.len() + 2;
        sql.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM client_resources c WHERE c.project_id = r.project_id \
               AND c.resource_id = r.id AND c.client_id = ${n})"
        ));
        args.push(Arg::Text(client.to_owned()));
    }
    (sql, args)
}

impl Tx {
    /// Store a new resource; [`StoreError::DuplicateResourceUri`] if the URI
    /// is taken.
    pub async fn insert_resource(&mut self, project: &str, r: &Resource) -> Result<()> {
        on_tx!(self, |conn, pg| {
            sqlx::query(
                "INSERT INTO resources (project_id, id, uri, name, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(project)
            .bind(&r.id)
            .bind(&r.uri)
            .bind(&r.name)
            .bind(r.created_at)
            .bind(r.updated_at)
            .execute(&mut *conn)
            .await
            .map_err(|e| duplicate(e, StoreError::DuplicateResourceUri))?;
        });
        Ok(())
    }

    /// Write a resource's name and update time back.
    pub async fn save_resource(&mut self, project: &str, r: &Resource) -> Result<()> {
        on_tx!(self, |conn, pg| {
            sqlx::query(
                "UPDATE resources SET name = $3, updated_at = $4 WHERE project_id = $1 AND id = $2",
            )
            .bind(project)
            .bind(&r.id)
            .bind(&r.name)
            .bind(r.updated_at)
            .execute(&mut *conn)
            .await?;
        });
        Ok(())
    }

    /// Delete a resource with its scopes and client links.
    pub async fn delete_resource(&mut self, project: &str, id: &str) -> Result<()> {
        on_tx!(self, |conn, pg| {
            sqlx::query("DELETE FROM resources WHERE project_id = $1 AND id = $2")
                .bind(project)
                .bind(id)
                .execute(&mut *conn)
                .await?;
        });
        Ok(())
    }

    /// The resource with this URI (exact).
    pub async fn resource_by_uri(&mut self, project: &str, uri: &str) -> Result<Option<Resource>> {
        let sql = format!(
            "SELECT {RESOURCE_COLUMNS} FROM resources r WHERE r.project_id = $1 AND r.uri = $2"
        );
        let row: Option<ResourceRow> = on_tx!(self, |conn, pg| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(project)
                .bind(uri)
                .fetch_optional(&mut *conn)
                .await?
        });
        Ok(row.map(resource))
    }

    /// The resource with this ID.
    pub async fn resource(&mut self, project: &str, id: &str) -> Result<Option<Resource>> {
        let sql = format!(
            "SELECT {RESOURCE_COLUMNS} FROM resources r WHERE r.project_id = $1 AND r.id = $2"
        );
        let row: Option<ResourceRow> = on_tx!(self, |conn, pg| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(project)
                .bind(id)
                .fetch_optional(&mut *conn)
                .await?
        });
        Ok(row.map(resource))
    }

    /// A page of resources (newest first by default); `search` is a
    /// case-insensitive substring of the URI or the name; `client_id` keeps
    /// those linked to that client.
    pub async fn list_resources(
        &mut self,
        project: &str,
        search: Option<&str>,
        client_id: Option<&str>,
        page: &PageRequest,
    ) -> Result<Page<Resource>> {
        let (conditions, mut args) = resource_conditions(search, client_id);
        let (bounds, seeks) = page.bounds("r.created_at", "r.id", args.len() + 2);
        for seek in seeks {
            args.push(Arg::Int(seek.sort));
            args.push(Arg::Text(seek.id));
        }
        let sql = format!(
            "SELECT {RESOURCE_COLUMNS} FROM resources r WHERE r.project_id = $1{conditions}{bounds}{}",
            page.order_limit("r.created_at", "r.id")
        );
        let rows: Vec<ResourceRow> = on_tx!(self, |conn, pg| {
            let query = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(project);
            bind_args!(query, args).fetch_all(&mut *conn).await?
        });
        Ok(page.finish(rows.into_iter().map(resource).collect()))
    }

    /// How many resources a listing with these filters holds.
    pub async fn count_resources(
        &mut self,
        project: &str,
        search: Option<&str>,
        client_id: Option<&str>,
    ) -> Result<i64> {
        let (conditions, args) = resource_conditions(search, client_id);
        let sql = format!("SELECT COUNT(*) FROM resources r WHERE r.project_id = $1{conditions}");
        Ok(on_tx!(self, |conn, pg| {
            let query = sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind(project);
            bind_args!(query, args).fetch_one(&mut *conn).await?
        }))
    }

    /// The client IDs linked to a resource, in client ID order.
    pub async fn clients_of_resource(
        &mut self,
        project: &str,
        resource_id: &str,
    ) -> Result<Vec<String>> {
        Ok(on_tx!(self, |conn, pg| {
            sqlx::query_scalar(
                "SELECT client_id FROM client_resources WHERE project_id = $1 AND resource_id = $2 \
                 ORDER BY client_id",
            )
            .bind(project)
            .bind(resource_id)
            .fetch_all(&mut *conn)
            .await?
        }))
    }

    /// Link (or unlink) a client and a resource; idempotent.
    pub async fn set_client_resource(
        &mut self,
        project: &str,
        client_id: &str,
        resource_id: &str,
        linked: bool,
        now: i64,
    ) -> Result<()> {
        on_tx!(self, |conn, pg| {
            if linked {
                sqlx::query(
                    "INSERT INTO client_resources (project_id, client_id, resource_id, created_at) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                )
                .bind(project)
                .bind(client_id)
                .bind(resource_id)
                .bind(now)
                .execute(&mut *conn)
                .await?;
            } else {
                sqlx::query(
                    "DELETE FROM client_resources WHERE project_id = $1 AND client_id = $2 \
                     AND resource_id = $3",
                )
                .bind(project)
                .bind(client_id)
                .bind(resource_id)
                .execute(&mut *conn)
                .await?;
            }
        });
        Ok(())
    }

    /// Whether a client and a resource are linked.
    pub async fn client_has_resource(
        &mut self,
        project: &str,
        client_id: &str,
        resource_id: &str,
    ) -> Result<bool> {
        let n: i64 = on_tx!(self, |conn, pg| {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM client_resources WHERE project_id = $1 AND client_id = $2 \
                 AND resource_id = $3",
            )
            .bind(project)
            .bind(client_id)
            .bind(resource_id)
            .fetch_one(&mut *conn)
            .await?
        });
        Ok(n > 0)
    }

    /// Store a new scope; [`StoreError::DuplicateScope`] if the resource
    /// has it already.
    pub async fn insert_scope(&mut self, project: &str, s: &Scope) -> Result<()> {
        on_tx!(self, |conn, pg| {
            sqlx::query(
                "INSERT INTO resource_scopes (project_id, id, resource_id, scope, description, \
                    created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(project)
            .bind(&s.id)
            .bind(&s.resource_id)
            .bind(&s.scope)
            .bind(&s.description)
            .bind(s.created_at)
            .bind(s.updated_at)
            .execute(&mut *conn)
            .await
            .map_err(|e| duplicate(e, StoreError::DuplicateScope))?;
        });
        Ok(())
    }

    /// Write a scope's description and update time back.
    pub async fn save_scope(&mut self, project: &str, s: &Scope) -> Result<()> {
        on_tx!(self, |conn, pg| {
            sqlx::query(
                "UPDATE resource_scopes SET description = $3, updated_at = $4 \
                 WHERE project_id = $1 AND id = $2",
            )
            .bind(project)
            .bind(&s.id)
            .bind(&s.description)
            .bind(s.updated_at)
            .execute(&mut *conn)
            .await?;
        });
        Ok(())
    }

    /// Delete a scope with its client assignments.
    pub async fn delete_scope(&mut self, project: &str, id: &str) -> Result<()> {
        on_tx!(self, |conn, pg| {
            sqlx::query("DELETE FROM resource_scopes WHERE project_id = $1 AND id = $2")
                .bind(project)
                .bind(id)
                .execute(&mut *conn)
                .await?;
        });
        Ok(())
    }

    /// The scope with this ID.
    pub async fn scope(&mut self, project: &str, id: &str) -> Result<Option<Scope>> {
        let sql = format!(
            "SELECT {SCOPE_COLUMNS} FROM resource_scopes s WHERE s.project_id = $1 AND s.id = $2"
        );
        let row: Option<ScopeRow> = on_tx!(self, |conn, pg| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(project)
                .bind(id)
                .fetch_optional(&mut *conn)
                .await?
        });
        Ok(row.map(scope))
    }

    /// A resource's scopes in scope order; `search` is a case-insensitive
    /// substring of the scope or description, `client_id` keeps those
    /// assigned to that client, `names` keeps those named.
    pub async fn scopes_of_resource(
        &mut self,
        project: &str,
        resource_id: &str,
        search: Option<&str>,
        client_id: Option<&str>,
        names: Option<&[String]>,
    ) -> Result<Vec<Scope>> {
        let mut sql = format!(
            "SELECT {SCOPE_COLUMNS} FROM resource_scopes s WHERE s.project_id = $1 AND s.resource_id = $2"
        );
        let mut args = Vec::new();
        if let Some(text) = search.filter(|s| !s.is_empty()) {
            let n = args.len() + 3;
            sql.push_str(&format!(
                " AND (lower(s.scope) LIKE ${n} ESCAPE '\\' OR lower(s.description) LIKE ${n} ESCAPE '\\')"
            ));
            args.push(Arg::Text(substring(text)));
        }
        if let Some(client) = client_id {
            let n = args.len() + 3;
            sql.push_str(&format!(
                " AND EXISTS (SELECT 1 FROM client_scopes c WHERE c.project_id = s.project_id \
                   AND c.scope_id = s.id AND c.client_id = ${n})"
            ));
            args.push(Arg::Text(client.to_owned()));
        }
        if let Some(names) = names {
            if names.is_empty() {
                return Ok(Vec::new());
            }
            let list = placeholders(args.len() + 3, names.len());
            sql.push_str(&format!(" AND s.scope IN ({list})"));
            args.extend(names.iter().cloned().map(Arg::Text));
        }
        sql.push_str(" ORDER BY s.scope");
        let rows: Vec<ScopeRow> = on_tx!(self, |conn, pg| {
            let query = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(project)
                .bind(resource_id);
            bind_args!(query, args).fetch_all(&mut *conn).await?
        });
        Ok(rows.into_iter().map(scope).collect())
    }

    /// Assign (or unassign) scopes to a client; idempotent.
    pub async fn set_client_scopes(
        &mut self,
        project: &str,
        client_id: &str,
        scope_ids: &[String],
        assigned: bool,
        now: i64,
    ) -> Result<()> {
        for scope_id in scope_ids {
            on_tx!(self, |conn, pg| {
                if assigned {
                    sqlx::query(
                        "INSERT INTO client_scopes (project_id, client_id, scope_id, created_at) \
                         VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                    )
                    .bind(project)
                    .bind(client_id)
                    .bind(scope_id)
                    .bind(now)
                    .execute(&mut *conn)
                    .await?;
                } else {
                    sqlx::query(
                        "DELETE FROM client_scopes WHERE project_id = $1 AND client_id = $2 \
                         AND scope_id = $3",
                    )
                    .bind(project)
                    .bind(client_id)
                    .bind(scope_id)
                    .execute(&mut *conn)
                    .await?;
                }
            });
        }
        Ok(())
    }
}
