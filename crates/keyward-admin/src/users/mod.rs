//! The user queries (`query.rs`) and mutations (`mutation.rs`); the `User`
//! node itself is in `nodes`.

mod mutation;
mod query;

pub use mutation::UserMutation;
pub use query::UserQuery;
