//! Keyset (seek) pagination: every listing is ordered by `(sort, id)` and a
//! page starts right after (or before) a known `(sort, id)` pair, so page
//! 1,000 costs what page 1 costs. How the pair is encoded into an opaque
//! cursor is the server's business.

/// A position in a listing: the sort value and the tie-breaking ID of one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seek {
    /// The sort column's value (Unix microseconds, or a sequence number).
    pub sort: i64,
    /// The row's ID (ties on `sort` are broken by it).
    pub id: String,
}

/// Which slice of a listing to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    /// Only rows after this position (in display order).
    pub after: Option<Seek>,
    /// Only rows before this position (in display order).
    pub before: Option<Seek>,
    /// How many rows, at most.
    pub limit: u32,
    /// Take the rows at the end of the range (`last`) instead of the start.
    pub from_end: bool,
    /// Display order: newest first when true.
    pub descending: bool,
}

/// A page of rows in display order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    /// The rows.
    pub items: Vec<T>,
    /// Whether more rows exist beyond `limit` in the reading direction.
    pub more: bool,
}

impl PageRequest {
    /// SQL conditions for the bounds, with parameters numbered from
    /// `first_param`, and the binds they need, in order.
    pub(crate) fn bounds(&self, sort: &str, id: &str, first_param: usize) -> (String, Vec<Seek>) {
        let mut sql = String::new();
        let mut binds = Vec::new();
        let mut n = first_param;
        // In display order, "after" means smaller when descending.
        for (seek, later) in [(&self.after, true), (&self.before, false)] {
            if let Some(seek) = seek {
                let op = if later == self.descending { "<" } else { ">" };
                sql.push_str(&format!(" AND ({sort}, {id}) {op} (${}, ${})", n, n + 1));
                n += 2;
                binds.push(seek.clone());
            }
        }
        (sql, binds)
    }

    /// `ORDER BY … LIMIT …` reading in the right direction (one extra row
    /// tells whether there are more).
    pub(crate) fn order_limit(&self, sort: &str, id: &str) -> String {
        let desc = self.descending != self.from_end;
        let dir = if desc { "DESC" } else { "ASC" };
        format!(
            " ORDER BY {sort} {dir}, {id} {dir} LIMIT {}",
            u64::from(self.limit) + 1
        )
    }

    /// Turn the fetched rows (reading order, up to limit + 1) into a page in
    /// display order.
    pub(crate) fn finish<T>(&self, mut rows: Vec<T>) -> Page<T> {
        let more = rows.len() > self.limit as usize;
        rows.truncate(self.limit as usize);
        if self.from_end {
            rows.reverse();
        }
        Page { items: rows, more }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(descending: bool, from_end: bool) -> PageRequest {
        PageRequest {
            after: Some(Seek {
                sort: 1,
                id: "a".into(),
            }),
            before: Some(Seek {
                sort: 9,
                id: "z".into(),
            }),
            limit: 2,
            from_end,
            descending,
        }
    }

    #[test]
    fn bounds_follow_the_display_order() {
        let (sql, binds) = request(false, false).bounds("s", "i", 3);
        assert_eq!(sql, " AND (s, i) > ($3, $4) AND (s, i) < ($5, $6)");
        assert_eq!(binds.len(), 2);
        let (sql, _) = request(true, false).bounds("s", "i", 1);
        assert_eq!(sql, " AND (s, i) < ($1, $2) AND (s, i) > ($3, $4)");
    }

    #[test]
    fn reading_from_the_end_reverses_the_order_and_the_rows() {
        let r = request(true, true);
        assert_eq!(r.order_limit("s", "i"), " ORDER BY s ASC, i ASC LIMIT 3");
        let page = r.finish(vec![1, 2, 3]);
        assert_eq!(
            page,
            Page {
                items: vec![2, 1],
                more: true
            }
        );
        let r = request(true, false);
        assert_eq!(r.order_limit("s", "i"), " ORDER BY s DESC, i DESC LIMIT 3");
        assert_eq!(
            r.finish(vec![1]),
            Page {
                items: vec![1],
                more: false
            }
        );
    }
}
