//! Which operation a GraphQL document runs, to know whether retrying it is
//! safe.

use async_graphql_parser::types::{DocumentOperations, OperationType};

/// True unless the operation that `document` runs (the one named
/// `operation_name`, or its only one) is certainly a query. Documents that
/// do not parse, or whose operation cannot be chosen, count as writes: the
/// server will reject them anyway, and a write is never retried.
pub fn may_write(document: &str, operation_name: Option<&str>) -> bool {
    let Ok(doc) = async_graphql_parser::parse_query(document) else {
        return true;
    };
    let ty = match (&doc.operations, operation_name) {
        (DocumentOperations::Single(op), None) => op.node.ty,
        (DocumentOperations::Single(_), Some(_)) => return true,
        (DocumentOperations::Multiple(ops), Some(name)) => {
            match ops.iter().find(|(n, _)| n.as_str() == name) {
                Some((_, op)) => op.node.ty,
                None => return true,
            }
        }
        (DocumentOperations::Multiple(ops), None) => match ops.values().next() {
            Some(op) if ops.len() == 1 => op.node.ty,
            _ => return true,
        },
    };
    ty != OperationType::Query
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_read_only() {
        assert!(!may_write("{ users(first: 1) { totalCount } }", None));
        assert!(!may_write("query Q { users { totalCount } }", None));
        assert!(!may_write(
            "# mutation in a comment\nquery Q($m: String = \"mutation\") { node(id: $m) { id } }",
            None
        ));
        assert!(!may_write(
            "query A { a: users { totalCount } } mutation B { deleteUser(input: {userID: \"x\"}) { deletedUserID } }",
            Some("A")
        ));
    }

    #[test]
    fn mutations_and_unknowns_are_writes() {
        assert!(may_write(
            "mutation { createUser(input: {}) { user { id } } }",
            None
        ));
        assert!(may_write("subscription { x }", None));
        assert!(may_write(
            "query A { a: users { totalCount } } mutation B { x }",
            Some("B")
        ));
        // Two operations, none chosen; a missing name; a syntax error.
        assert!(may_write("query A { a } query B { b }", None));
        assert!(may_write("query A { a }", Some("Z")));
        assert!(may_write("{ unclosed", None));
        assert!(may_write("{ a }", Some("A")));
    }
}
