//! Users: one row per user with the account state and the attribute
//! documents, listed with keyset pagination and found by prefix search.
//! Validation of what goes in (login IDs, attributes, status transitions)
//! is the caller's: this module stores and reads.

use serde_json::{Map, Value};

use crate::error::{Result, StoreError};
use crate::page::{Page, PageRequest, Seek};
use crate::{Arg, Tx};

/// A user. Times are Unix microseconds.
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    /// UUID.
    pub id: String,
    /// Created.
    pub created_at: i64,
    /// Last changed.
    pub updated_at: i64,
    /// Last sign-in.
    pub last_login_at: Option<i64>,
    /// Disabled by an admin (or by a scheduled deletion).
    pub is_disabled: bool,
    /// Why, when disabled.
    pub disable_reason: Option<String>,
    /// Start of a temporary disable window.
    pub temporarily_disabled_from: Option<i64>,
    /// End of a temporary disable window.
    pub temporarily_disabled_until: Option<i64>,
    /// Deactivated (by the user, in Authgear; never set by keyward).
    pub is_deactivated: bool,
    /// When the account is scheduled for deletion.
    pub delete_at: Option<i64>,
    /// Why.
    pub delete_reason: Option<String>,
    /// Anonymized: identities and attributes are gone, the row stays.
    pub is_anonymized: bool,
    /// Account valid from.
    pub account_valid_from: Option<i64>,
    /// Account valid until.
    pub account_valid_until: Option<i64>,
    /// When the account is scheduled to be anonymized.
    pub anonymize_at: Option<i64>,
    /// Standard attributes (OIDC names), as stored.
    pub standard_attributes: Map<String, Value>,
    /// Custom attributes, as stored.
    pub custom_attributes: Map<String, Value>,
}

impl User {
    /// A new, enabled user with no attributes.
    pub fn new(id: String, now: i64) -> User {
        User {
            id,
            created_at: now,
            updated_at: now,
            last_login_at: None,
            is_disabled: false,
            disable_reason: None,
            temporarily_disabled_from: None,
            temporarily_disabled_until: None,
            is_deactivated: false,
            delete_at: None,
            delete_reason: None,
            is_anonymized: false,
            account_valid_from: None,
            account_valid_until: None,
            anonymize_at: None,
            standard_attributes: Map::new(),
            custom_attributes: Map::new(),
        }
    }
}

/// How to order users.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserSort {
    /// By creation time.
    CreatedAt,
    /// By last login, users who never logged in last.
    LastLoginAt,
}

/// Which users to list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserFilter {
    /// Order.
    pub sort: UserSort,
    /// Prefix of an email, phone number, username or name (lowercase,
    /// normalized like the stored terms).
    pub search: Option<String>,
    /// Users holding any of these roles (directly or through a group).
    pub role_keys: Vec<String>,
    /// Users in any of these groups.
    pub group_keys: Vec<String>,
}

impl UserFilter {
    /// Every user, newest first.
    pub fn all(sort: UserSort) -> Self {
        UserFilter {
            sort,
            search: None,
            role_keys: Vec::new(),
            group_keys: Vec::new(),
        }
    }

    fn sort_expr(&self, descending: bool) -> &'static str {
        match (self.sort, descending) {
            (UserSort::CreatedAt, _) => "u.created_at",
            // NULLS LAST in either direction, with one keyset expression.
            (UserSort::LastLoginAt, true) => "COALESCE(u.last_login_at, -1)",
            (UserSort::LastLoginAt, false) => "COALESCE(u.last_login_at, 9223372036854775807)",
        }
    }

    /// The search prefix, when it is the only filter and the order is by
    /// creation time (the case the terms index answers alone).
    fn search_only(&self) -> Option<&str> {
        let prefix = self.search.as_deref().filter(|s| !s.is_empty())?;
        (self.sort == UserSort::CreatedAt
            && self.role_keys.is_empty()
            && self.group_keys.is_empty())
        .then_some(prefix)
    }

    /// The `FROM` clause (with `u` for users), the `WHERE` conditions
    /// (after `u.project_id = $1`) and their binds, numbered from `$2`.
    ///
    /// A search starts from the matching terms (an index range) and joins
    /// the users to them, so its cost grows with the matches, not with the
    /// project (`CROSS JOIN` makes SQLite keep that order; PostgreSQL
    /// plans it by itself).
    fn conditions(&self) -> (String, String, Vec<Arg>) {
        let mut sql = String::new();
        let mut args = Vec::new();
        let mut from = String::from("users u");
        if let Some(prefix) = self.search.as_deref().filter(|s| !s.is_empty()) {
            let n = args.len() + 2;
            from = format!(
                "(SELECT DISTINCT user_id FROM user_search_terms \
                   WHERE project_id = $1 AND term >= ${n} AND term < ${}) t CROSS JOIN users u",
                n + 1
            );
            sql.push_str(" AND u.id = t.user_id");
            args.push(Arg::Text(prefix.to_owned()));
            args.push(Arg::Text(format!("{prefix}\u{10FFFF}")));
        }
        if !self.role_keys.is_empty() {
            let list = placeholders(args.len() + 2, self.role_keys.len());
            sql.push_str(&format!(
                " AND u.id IN (\
                   SELECT ur.user_id FROM user_roles ur JOIN access_roles r \
                     ON r.project_id = ur.project_id AND r.id = ur.role_id \
                   WHERE ur.project_id = $1 AND r.key IN ({list}) \
                   UNION \
                   SELECT ug.user_id FROM user_groups ug \
                     JOIN group_roles gr ON gr.project_id = ug.project_id AND gr.group_id = ug.group_id \
                     JOIN access_roles r ON r.project_id = gr.project_id AND r.id = gr.role_id \
                   WHERE ug.project_id = $1 AND r.key IN ({list}))"
            ));
            args.extend(self.role_keys.iter().cloned().map(Arg::Text));
        }
        if !self.group_keys.is_empty() {
            let list = placeholders(args.len() + 2, self.group_keys.len());
            sql.push_str(&format!(
                " AND u.id IN (SELECT ug.user_id FROM user_groups ug JOIN access_groups g \
                     ON g.project_id = ug.project_id AND g.id = ug.group_id \
                   WHERE ug.project_id = $1 AND g.key IN ({list}))"
            ));
            args.extend(self.group_keys.iter().cloned().map(Arg::Text));
        }
        (from, sql, args)
    }
}

/// `$n, $n+1, …` for `count` parameters; a list used twice in one statement
/// refers to the same parameters.
pub(crate) fn placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

pub(crate) const USER_COLUMNS: &str = "u.id, u.created_at, u.updated_at, u.last_login_at, u.is_disabled, \
    u.disable_reason, u.temp_disabled_from, u.temp_disabled_until, u.is_deactivated, u.delete_at, \
    u.delete_reason, u.is_anonymized, u.account_valid_from, u.account_valid_until, \
    u.anonymize_at, u.standard_attributes, u.custom_attributes";

/// A `users` row as selected by [`USER_COLUMNS`], by position (more columns
/// than sqlx's tuples take), decoded on either backend.
pub(crate) struct UserRow(User, String, String);

impl<'r, R> sqlx::FromRow<'r, R> for UserRow
where
    R: sqlx::Row,
    usize: sqlx::ColumnIndex<R>,
    String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    Option<i64>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    bool: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    fn from_row(row: &'r R) -> std::result::Result<Self, sqlx::Error> {
        let user = User {
            id: row.try_get(0)?,
            created_at: row.try_get(1)?,
            updated_at: row.try_get(2)?,
            last_login_at: row.try_get(3)?,
            is_disabled: row.try_get(4)?,
            disable_reason: row.try_get(5)?,
            temporarily_disabled_from: row.try_get(6)?,
            temporarily_disabled_until: row.try_get(7)?,
            is_deactivated: row.try_get(8)?,
            delete_at: row.try_get(9)?,
            delete_reason: row.try_get(10)?,
            is_anonymized: row.try_get(11)?,
            account_valid_from: row.try_get(12)?,
            account_valid_until: row.try_get(13)?,
            anonymize_at: row.try_get(14)?,
            standard_attributes: Map::new(),
            custom_attributes: Map::new(),
        };
        Ok(UserRow(user, row.try_get(15)?, row.try_get(16)?))
    }
}

/// A `users` row as [`crate::Tx::json_rows`] gives it: the values of
/// [`USER_COLUMNS`] in order, booleans as `0`/`1` from SQLite.
#[derive(serde::Deserialize)]
pub(crate) struct UserJsonRow(
    String,
    i64,
    i64,
    Option<i64>,
    #[serde(deserialize_with = "flag")] bool,
    Option<String>,
    Option<i64>,
    Option<i64>,
    #[serde(deserialize_with = "flag")] bool,
    Option<i64>,
    Option<String>,
    #[serde(deserialize_with = "flag")] bool,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    String,
    String,
);

/// A boolean column in JSON: `true`/`false` from PostgreSQL, `1`/`0` from
/// SQLite.
fn flag<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<bool, D::Error> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum Flag {
        Bool(bool),
        Int(i64),
    }
    Ok(match serde::Deserialize::deserialize(d)? {
        Flag::Bool(b) => b,
        Flag::Int(i) => i != 0,
    })
}

impl From<UserJsonRow> for UserRow {
    fn from(r: UserJsonRow) -> UserRow {
        let user = User {
            id: r.0,
            created_at: r.1,
            updated_at: r.2,
            last_login_at: r.3,
            is_disabled: r.4,
            disable_reason: r.5,
            temporarily_disabled_from: r.6,
            temporarily_disabled_until: r.7,
            is_deactivated: r.8,
            delete_at: r.9,
            delete_reason: r.10,
            is_anonymized: r.11,
            account_valid_from: r.12,
            account_valid_until: r.13,
            anonymize_at: r.14,
            standard_attributes: Map::new(),
            custom_attributes: Map::new(),
        };
        UserRow(user, r.15, r.16)
    }
}

pub(crate) fn user_from_row(row: UserRow) -> Result<User> {
    let UserRow(mut user, standard, custom) = row;
    user.standard_attributes = json_object(&standard)?;
    user.custom_attributes = json_object(&custom)?;
    Ok(user)
}

fn json_object(text: &str) -> Result<Map<String, Value>> {
    match serde_json::from_str(text) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(StoreError::Corrupt(
            "a stored attribute document is not a JSON object".into(),
        )),
    }
}

pub(crate) fn json_text(map: &Map<String, Value>) -> String {
    Value::Object(map.clone()).to_string()
}

impl User {
    /// This user's position in a listing sorted by `sort`.
    pub fn seek(&self, sort: UserSort, descending: bool) -> Seek {
        let value = match sort {
            UserSort::CreatedAt => self.created_at,
            UserSort::LastLoginAt => {
                self.last_login_at
                    .unwrap_or(if descending { -1 } else { i64::MAX })
            }
        };
        Seek {
            sort: value,
            id: self.id.clone(),
        }
    }
}

/// A user's search terms from its login IDs `(value, type)` and name:
/// identity values as stored (normalized), phone numbers also without
/// their `+`, and the name in lower case (Unicode-aware, which SQLite's
/// `lower` is not, so it is done here).
pub(crate) fn search_terms<'a>(
    logins: impl Iterator<Item = (&'a str, &'a str)>,
    user: &User,
) -> std::collections::BTreeSet<String> {
    let mut terms = std::collections::BTreeSet::new();
    for (value, kind) in logins {
        if kind == "phone" {
            terms.insert(value.trim_start_matches('+').to_owned());
        }
        terms.insert(value.to_owned());
    }
    if let Some(Value::String(name)) = user.standard_attributes.get("name") {
        terms.insert(name.to_lowercase());
    }
    terms.remove("");
    terms
}

impl Tx {
    /// Store a new user. The caller chose its ID.
    pub async fn insert_user(&mut self, project: &str, user: &User) -> Result<()> {
        on_tx!(self, |conn, pg| {
            sqlx::query(
                "INSERT INTO users (project_id, id, created_at, updated_at, last_login_at, is_disabled, \
                    disable_reason, temp_disabled_from, temp_disabled_until, is_deactivated, delete_at, \
                    delete_reason, is_anonymized, account_valid_from, account_valid_until, \
                    standard_attributes, custom_attributes, anonymize_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)",
            )
            .bind(project)
            .bind(&user.id)
            .bind(user.created_at)
            .bind(user.updated_at)
            .bind(user.last_login_at)
            .bind(user.is_disabled)
            .bind(&user.disable_reason)
            .bind(user.temporarily_disabled_from)
            .bind(user.temporarily_disabled_until)
            .bind(user.is_deactivated)
            .bind(user.delete_at)
            .bind(&user.delete_reason)
            .bind(user.is_anonymized)
            .bind(user.account_valid_from)
            .bind(user.account_valid_until)
            .bind(json_text(&user.standard_attributes))
            .bind(json_text(&user.custom_attributes))
            .bind(user.anonymize_at)
            .execute(&mut *conn)
            .await?;
        });
        self.refresh_terms_of(project, user).await
    }

    /// Write every mutable field of `user` back (the caller read it in this
    /// transaction and changed it).
    pub async fn save_user(&mut self, project: &str, user: &User) -> Result<()> {
        let done = on_tx!(self, |conn, pg| {
            sqlx::query(
                "UPDATE users SET updated_at = $3, last_login_at = $4, is_disabled = $5, \
                    disable_reason = $6, temp_disabled_from = $7, temp_disabled_until = $8, \
                    is_deactivated = $9, delete_at = $10, delete_reason = $11, is_anonymized = $12, \
                    account_valid_from = $13, account_valid_until = $14, standard_attributes = $15, \
                    custom_attributes = $16, anonymize_at = $17 \
                 WHERE project_id = $1 AND id = $2",
            )
            .bind(project)
            .bind(&user.id)
            .bind(user.updated_at)
            .bind(user.last_login_at)
            .bind(user.is_disabled)
            .bind(&user.disable_reason)
            .bind(user.temporarily_disabled_from)
            .bind(user.temporarily_disabled_until)
            .bind(user.is_deactivated)
            .bind(user.delete_at)
            .bind(&user.delete_reason)
            .bind(user.is_anonymized)
            .bind(user.account_valid_from)
            .bind(user.account_valid_until)
            .bind(json_text(&user.standard_attributes))
            .bind(json_text(&user.custom_attributes))
            .bind(user.anonymize_at)
            .execute(&mut *conn)
            .await?
            .rows_affected()
        });
        if done == 0 {
            return Err(StoreError::UserNotFound);
        }
        self.refresh_terms_of(project, user).await
    }

    /// One user, if it exists.
    pub async fn user(&mut self, project: &str, id: &str) -> Result<Option<User>> {
        let sql =
            format!("SELECT {USER_COLUMNS} FROM users u WHERE u.project_id = $1 AND u.id = $2");
        let row: Option<UserRow> = on_tx!(self, |conn, pg| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(project)
                .bind(id)
                .fetch_optional(&mut *conn)
                .await?
        });
        row.map(user_from_row).transpose()
    }

    /// One user, or [`StoreError::UserNotFound`].
    pub async fn existing_user(&mut self, project: &str, id: &str) -> Result<User> {
        self.user(project, id)
            .await?
            .ok_or(StoreError::UserNotFound)
    }

    /// Delete a user and everything that hangs off it (identities,
    /// passwords, claims, memberships). Audit entries stay.
    pub async fn delete_user(&mut self, project: &str, id: &str) -> Result<()> {
        let done = on_tx!(self, |conn, pg| {
            sqlx::query("DELETE FROM users WHERE project_id = $1 AND id = $2")
                .bind(project)
                .bind(id)
                .execute(&mut *conn)
                .await?
                .rows_affected()
        });
        if done == 0 {
            return Err(StoreError::UserNotFound);
        }
        Ok(())
    }

    /// A page of users.
    pub async fn list_users(
        &mut self,
        project: &str,
        filter: &UserFilter,
        page: &PageRequest,
    ) -> Result<Page<User>> {
        if let Some(prefix) = filter.search_only() {
            return self.search_by_creation(project, prefix, page).await;
        }
        let (from, conditions, args) = filter.conditions();
        self.page_of_users(project, filter.sort, &from, &conditions, args, page)
            .await
    }

    /// A search page sorted by creation time: the page's user IDs come from
    /// the terms index alone (range on the prefix, sorted by the stored
    /// creation time), and only they are read from `users`.
    async fn search_by_creation(
        &mut self,
        project: &str,
        prefix: &str,
        page: &PageRequest,
    ) -> Result<Page<User>> {
        let mut args = vec![
            Arg::Text(prefix.to_owned()),
            Arg::Text(format!("{prefix}\u{10FFFF}")),
        ];
        let (bounds, seeks) = page.bounds("created_at", "user_id", args.len() + 2);
        for seek in seeks {
            args.push(Arg::Int(seek.sort));
            args.push(Arg::Text(seek.id));
        }
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM ( \
               SELECT user_id, created_at FROM user_search_terms \
               WHERE project_id = $1 AND term >= $2 AND term < $3{bounds} \
               GROUP BY user_id, created_at{}) t \
             CROSS JOIN users u WHERE u.project_id = $1 AND u.id = t.user_id{}",
            page.order_limit("created_at", "user_id"),
            page.order_limit("u.created_at", "u.id"),
        );
        self.fetch_page_of_users(project, sql, args, page).await
    }

    /// A page of users by creation time, with extra `WHERE` conditions whose
    /// parameters are numbered from `$2`.
    pub(crate) async fn list_users_where(
        &mut self,
        project: &str,
        conditions: &str,
        args: Vec<Arg>,
        page: &PageRequest,
    ) -> Result<Page<User>> {
        self.page_of_users(
            project,
            UserSort::CreatedAt,
            "users u",
            conditions,
            args,
            page,
        )
        .await
    }

    /// Run `sql` (`$1` = project, then `args`) and page its rows.
    async fn fetch_page_of_users(
        &mut self,
        project: &str,
        sql: String,
        args: Vec<Arg>,
        page: &PageRequest,
    ) -> Result<Page<User>> {
        let rows: Vec<UserRow> = on_tx!(self, |conn, pg| {
            let query = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(project);
            bind_args!(query, args).fetch_all(&mut *conn).await?
        });
        let users = rows
            .into_iter()
            .map(user_from_row)
            .collect::<Result<Vec<_>>>()?;
        Ok(page.finish(users))
    }

    async fn page_of_users(
        &mut self,
        project: &str,
        sort: UserSort,
        from: &str,
        conditions: &str,
        mut args: Vec<Arg>,
        page: &PageRequest,
    ) -> Result<Page<User>> {
        let sort = UserFilter::all(sort).sort_expr(page.descending);
        let (bounds, seeks) = page.bounds(sort, "u.id", args.len() + 2);
        for seek in seeks {
            args.push(Arg::Int(seek.sort));
            args.push(Arg::Text(seek.id));
        }
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM {from} WHERE u.project_id = $1{conditions}{bounds}{}",
            page.order_limit(sort, "u.id")
        );
        self.fetch_page_of_users(project, sql, args, page).await
    }

    /// How many users match (for `totalCount`).
    pub async fn count_users(&mut self, project: &str, filter: &UserFilter) -> Result<i64> {
        let (from, conditions, args) = filter.conditions();
        let sql = format!("SELECT COUNT(*) FROM {from} WHERE u.project_id = $1{conditions}");
        Ok(on_tx!(self, |conn, pg| {
            let query = sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind(project);
            bind_args!(query, args).fetch_one(&mut *conn).await?
        }))
    }

    /// Rebuild a user's search terms ([`search_terms`]) from its identities
    /// and name.
    pub(crate) async fn refresh_search_terms(
        &mut self,
        project: &str,
        user_id: &str,
    ) -> Result<()> {
        match self.user(project, user_id).await? {
            Some(user) => self.refresh_terms_of(project, &user).await,
            None => Ok(()),
        }
    }

    /// [`Tx::refresh_search_terms`] for a user the caller holds (no re-read).
    async fn refresh_terms_of(&mut self, project: &str, user: &User) -> Result<()> {
        let user_id = user.id.as_str();
        let identities: Vec<(String, String)> = on_tx!(self, |conn, pg| {
            sqlx::query_as(
                "SELECT login_id, login_id_type FROM identities WHERE project_id = $1 AND user_id = $2",
            )
            .bind(project)
            .bind(user_id)
            .fetch_all(&mut *conn)
            .await?
        });
        let terms = search_terms(
            identities.iter().map(|(v, k)| (v.as_str(), k.as_str())),
            user,
        );
        on_tx!(self, |conn, pg| {
            sqlx::query("DELETE FROM user_search_terms WHERE project_id = $1 AND user_id = $2")
                .bind(project)
                .bind(user_id)
                .execute(&mut *conn)
                .await?;
            for term in &terms {
                sqlx::query(
                    "INSERT INTO user_search_terms (project_id, term, user_id, created_at) \
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(project)
                .bind(term)
                .bind(user_id)
                .bind(user.created_at)
                .execute(&mut *conn)
                .await?;
            }
        });
        Ok(())
    }
}
