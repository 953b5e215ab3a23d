use async_graphql::{ID, Object};

use crate::caller::AdminCaller;

/// A project, as seen by its own Admin API caller.
pub struct ProjectNode {
    id: String,
    kid: String,
}

impl ProjectNode {
    pub(crate) fn from_caller(caller: &AdminCaller) -> Self {
        ProjectNode {
            id: caller.project.id.clone(),
            kid: caller.kid.clone(),
        }
    }
}

#[Object(name = "Project")]
impl ProjectNode {
    /// The project ID, e.g. `myapp`.
    async fn id(&self) -> ID {
        ID(self.id.clone())
    }

    /// The key ID that signed this request's token.
    async fn key_id(&self) -> &str {
        &self.kid
    }
}
