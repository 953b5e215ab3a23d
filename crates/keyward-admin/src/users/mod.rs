//! The user queries (`query.rs`), mutations (`mutation.rs`) and the
//! lifecycle mutations (`lifecycle.rs`: scheduled anonymization, the valid
//! period); the `User` node itself is in `nodes`.

mod lifecycle;
mod mutation;
mod query;

pub use lifecycle::LifecycleMutation;
pub use mutation::UserMutation;
pub use query::UserQuery;
