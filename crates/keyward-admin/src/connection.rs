//! Relay connections. Listings the store pages (users, roles, groups, audit
//! logs) use keyset cursors: base64url of the JSON `[sort, id]` of the edge,
//! so any page costs what the first costs. Short lists that hang off one
//! object (a user's identities, roles, groups) are sliced in memory with
//! graphql-relay's `arrayconnection:<n>` cursors, as Authgear does. Cursors
//! are opaque to clients either way.

use std::borrow::Cow;

use async_graphql::{Enum, Object, OutputType, SimpleObject, TypeName};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use keyward_store::{AuditFilter, Catalog, PageRequest, Seek, UserFilter};

use crate::context::req;
use crate::errors::{AdminError, AdminResult};

/// Most edges per page (and the default when neither `first` nor `last`
/// is given).
pub const MAX_PAGE: u32 = 100;

/// A node type with a name, for `<Name>Connection` and `<Name>Edge`.
pub trait Named {
    /// The GraphQL type name of the node.
    const NAME: &'static str;
}

/// The four Relay arguments.
#[derive(Debug, Default, Clone)]
pub struct PageArgs {
    /// Forward cursor.
    pub after: Option<String>,
    /// Backward cursor.
    pub before: Option<String>,
    /// Forward count.
    pub first: Option<i32>,
    /// Backward count.
    pub last: Option<i32>,
}

impl PageArgs {
    /// Bundle the arguments.
    pub fn new(
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> Self {
        // An empty cursor is no cursor (Authgear sends "" as the cursor of an
        // empty page).
        let keep = |c: Option<String>| c.filter(|c| !c.is_empty());
        PageArgs {
            after: keep(after),
            before: keep(before),
            first,
            last,
        }
    }

    /// The store request for a keyset-paged listing.
    pub fn keyset(&self, descending: bool) -> Result<PageRequest, AdminError> {
        let count = |n: Option<i32>| -> Result<Option<u32>, AdminError> {
            match n {
                None => Ok(None),
                Some(n) if n < 0 => Err(AdminError::bad_request(
                    "InvalidQuery",
                    "first and last must not be negative",
                )),
                Some(n) => Ok(Some((n as u32).min(MAX_PAGE))),
            }
        };
        let (first, last) = (count(self.first)?, count(self.last)?);
        if first.is_some() && last.is_some() {
            return Err(AdminError::bad_request(
                "InvalidQuery",
                "unsupported pagination",
            ));
        }
        Ok(PageRequest {
            after: self.after.as_deref().map(decode_seek).transpose()?,
            before: self.before.as_deref().map(decode_seek).transpose()?,
            limit: first.or(last).unwrap_or(MAX_PAGE),
            from_end: last.is_some(),
            descending,
        })
    }
}

fn invalid_cursor() -> AdminError {
    AdminError::invalid("InvalidCursor", "invalid pagination cursor")
}

/// The cursor of a keyset position.
pub fn encode_seek(seek: &Seek) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::json!([seek.sort, seek.id]).to_string())
}

fn decode_seek(cursor: &str) -> Result<Seek, AdminError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(cursor)
        .map_err(|_| invalid_cursor())?;
    let (sort, id): (i64, String) = serde_json::from_slice(&bytes).map_err(|_| invalid_cursor())?;
    Ok(Seek { sort, id })
}

/// How `totalCount` is found: already known, or counted only if asked for.
#[derive(Debug, Clone)]
pub enum Total {
    /// Known.
    Known(usize),
    /// Users matching a filter.
    Users(UserFilter),
    /// Users directly linked to a role or group.
    UsersOf(Catalog, String),
    /// Roles or groups matching a search.
    Entries(Catalog, Option<String>, Vec<String>),
    /// Audit entries matching a filter.
    Audit(AuditFilter),
    /// Resources matching a search and a client.
    Resources(Option<String>, Option<String>),
}

/// `PageInfo`.
#[derive(SimpleObject, Debug, Clone)]
pub struct PageInfo {
    /// Cursor of the last edge.
    pub end_cursor: Option<String>,
    /// Whether more edges follow.
    pub has_next_page: bool,
    /// Whether edges precede.
    pub has_previous_page: bool,
    /// Cursor of the first edge.
    pub start_cursor: Option<String>,
}

/// An edge.
pub struct Edge<T> {
    cursor: String,
    node: T,
}

impl<T: Named + Send + Sync> TypeName for Edge<T> {
    fn type_name() -> Cow<'static, str> {
        format!("{}Edge", T::NAME).into()
    }
}

#[Object(name_type)]
impl<T: Named + OutputType> Edge<T> {
    /// A cursor for use in pagination.
    async fn cursor(&self) -> &str {
        &self.cursor
    }

    /// The item at the end of the edge.
    async fn node(&self) -> Option<&T> {
        Some(&self.node)
    }
}

/// A connection.
pub struct Connection<T> {
    edges: Vec<Edge<T>>,
    page_info: PageInfo,
    total: Total,
}

impl<T> Connection<T> {
    /// A keyset page: `items` with their positions, and whether there are
    /// more in the reading direction.
    pub fn from_page(
        items: Vec<(T, Seek)>,
        more: bool,
        request: &PageRequest,
        total: Total,
    ) -> Self {
        let edges: Vec<Edge<T>> = items
            .into_iter()
            .map(|(node, seek)| Edge {
                cursor: encode_seek(&seek),
                node,
            })
            .collect();
        let (has_next_page, has_previous_page) = if request.from_end {
            (request.before.is_some(), more)
        } else {
            (more, request.after.is_some())
        };
        Connection {
            page_info: page_info(&edges, has_next_page, has_previous_page),
            edges,
            total,
        }
    }

    /// A slice of a whole list, graphql-relay style.
    pub fn from_list(list: Vec<T>, args: &PageArgs) -> Result<Self, AdminError> {
        let len = list.len();
        let offset = |c: &Option<String>| -> Result<Option<usize>, AdminError> {
            c.as_deref()
                .map(|c| {
                    STANDARD
                        .decode(c)
                        .ok()
                        .and_then(|b| String::from_utf8(b).ok())
                        .and_then(|s| {
                            s.strip_prefix("arrayconnection:")
                                .and_then(|n| n.parse().ok())
                        })
                        .ok_or_else(invalid_cursor)
                })
                .transpose()
        };
        // The cursors bound a range; first/last then trim it.
        let range_start = offset(&args.after)?.map_or(0, |n| n + 1).min(len);
        let range_end = offset(&args.before)?
            .unwrap_or(len)
            .min(len)
            .max(range_start);
        let (mut start, mut end) = (range_start, range_end);
        if let Some(first) = args.first {
            let first = usize::try_from(first).map_err(|_| {
                AdminError::bad_request("InvalidQuery", "first must not be negative")
            })?;
            end = end.min(start + first);
        }
        if let Some(last) = args.last {
            let last = usize::try_from(last).map_err(|_| {
                AdminError::bad_request("InvalidQuery", "last must not be negative")
            })?;
            start = start.max(end.saturating_sub(last));
        }
        let has_previous_page = args.last.is_some() && start > range_start;
        let has_next_page = args.first.is_some() && end < range_end;
        let edges: Vec<Edge<T>> = list
            .into_iter()
            .enumerate()
            .skip(start)
            .take(end - start)
            .map(|(i, node)| Edge {
                cursor: STANDARD.encode(format!("arrayconnection:{i}")),
                node,
            })
            .collect();
        Ok(Connection {
            page_info: page_info(&edges, has_next_page, has_previous_page),
            edges,
            total: Total::Known(len),
        })
    }

    /// The same page with each node converted.
    pub fn map<U>(self, f: impl Fn(T) -> U) -> Connection<U> {
        Connection {
            edges: self
                .edges
                .into_iter()
                .map(|e| Edge {
                    cursor: e.cursor,
                    node: f(e.node),
                })
                .collect(),
            page_info: self.page_info,
            total: self.total,
        }
    }
}

fn page_info<T>(edges: &[Edge<T>], has_next_page: bool, has_previous_page: bool) -> PageInfo {
    PageInfo {
        // Authgear answers "" (not null) for an empty page.
        start_cursor: Some(edges.first().map(|e| e.cursor.clone()).unwrap_or_default()),
        end_cursor: Some(edges.last().map(|e| e.cursor.clone()).unwrap_or_default()),
        has_next_page,
        has_previous_page,
    }
}

impl<T: Named + Send + Sync> TypeName for Connection<T> {
    fn type_name() -> Cow<'static, str> {
        format!("{}Connection", T::NAME).into()
    }
}

#[Object(name_type)]
impl<T: Named + OutputType> Connection<T> {
    /// A list of edges.
    async fn edges(&self) -> Option<Vec<Option<&Edge<T>>>> {
        Some(self.edges.iter().map(Some).collect())
    }

    /// Information to aid in pagination.
    async fn page_info(&self) -> &PageInfo {
        &self.page_info
    }

    /// Total number of nodes in the whole listing (counted only when asked).
    async fn total_count(&self, ctx: &async_graphql::Context<'_>) -> AdminResult<Option<i32>> {
        let count = match &self.total {
            Total::Known(n) => *n as i64,
            other => {
                let r = req(ctx)?;
                let mut tx = r.tx().await?;
                let project = r.project();
                let counted = match other {
                    Total::Users(filter) => tx.count_users(project, filter).await,
                    Total::UsersOf(catalog, id) => {
                        tx.count_users_of_entry(project, *catalog, id).await
                    }
                    Total::Entries(catalog, search, excluded) => {
                        tx.count_entries(project, *catalog, search.as_deref(), excluded)
                            .await
                    }
                    Total::Audit(filter) => tx.count_audit(project, filter).await,
                    Total::Resources(search, client) => {
                        tx.count_resources(project, search.as_deref(), client.as_deref())
                            .await
                    }
                    Total::Known(n) => Ok(*n as i64),
                };
                counted?
            }
        };
        Ok(Some(i32::try_from(count).unwrap_or(i32::MAX)))
    }
}

/// `SortDirection`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum SortDirection {
    /// Oldest first.
    Asc,
    /// Newest first (the default).
    Desc,
}

impl SortDirection {
    /// Whether the order is descending (default when omitted).
    pub fn descending(d: Option<SortDirection>) -> bool {
        d != Some(SortDirection::Asc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slice(args: PageArgs) -> (Vec<i32>, bool, bool) {
        let c = Connection::from_list((0..5).collect(), &args).unwrap();
        let nodes = c.edges.iter().map(|e| e.node).collect();
        (
            nodes,
            c.page_info.has_next_page,
            c.page_info.has_previous_page,
        )
    }

    fn cursor(n: usize) -> Option<String> {
        Some(STANDARD.encode(format!("arrayconnection:{n}")))
    }

    #[test]
    fn list_slices_follow_graphql_relay() {
        assert_eq!(
            slice(PageArgs::new(None, None, Some(2), None)),
            (vec![0, 1], true, false)
        );
        assert_eq!(
            slice(PageArgs::new(cursor(1), None, Some(2), None)),
            (vec![2, 3], true, false)
        );
        assert_eq!(
            slice(PageArgs::new(cursor(3), None, Some(5), None)),
            (vec![4], false, false)
        );
        assert_eq!(
            slice(PageArgs::new(None, None, None, Some(2))),
            (vec![3, 4], false, true)
        );
        assert_eq!(
            slice(PageArgs::new(None, cursor(3), None, Some(2))),
            (vec![1, 2], false, true)
        );
        assert_eq!(
            slice(PageArgs::default()),
            (vec![0, 1, 2, 3, 4], false, false)
        );
        let bad = Connection::<i32>::from_list(
            vec![1],
            &PageArgs::new(Some("nope".into()), None, None, None),
        );
        assert_eq!(bad.err().and_then(|e| e.reason()), Some("InvalidCursor"));
        let negative =
            Connection::<i32>::from_list(vec![1], &PageArgs::new(None, None, Some(-1), None));
        assert_eq!(
            negative.err().and_then(|e| e.reason()),
            Some("InvalidQuery")
        );
    }

    #[test]
    fn keyset_arguments() {
        let page = PageArgs::new(Some(String::new()), None, Some(1000), None)
            .keyset(true)
            .unwrap();
        assert_eq!(
            (page.limit, page.after, page.from_end),
            (MAX_PAGE, None, false)
        );
        let seek = Seek {
            sort: 7,
            id: "u".into(),
        };
        let page = PageArgs::new(None, Some(encode_seek(&seek)), None, Some(3))
            .keyset(true)
            .unwrap();
        assert_eq!(
            (page.limit, page.before, page.from_end),
            (3, Some(seek), true)
        );
        let both = PageArgs::new(None, None, Some(1), Some(1)).keyset(true);
        assert_eq!(both.err().and_then(|e| e.reason()), Some("InvalidQuery"));
    }
}
