//! Identity mutations (`createIdentity`, `updateIdentity`,
//! `deleteIdentity`) and the `IdentityDefinition` input they share with
//! `createUser`.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use keyward_accounts::identities as accounts;
use keyward_accounts::loginid::{self, LoginId};
use keyward_accounts::{ids, password};

use crate::context::req;
use crate::errors::{AdminError, AdminResult};
use crate::nodes::{IdentityNode, UserNode, user_raw};

/// `IdentityDefinitionLoginID`.
#[derive(InputObject)]
#[graphql(name = "IdentityDefinitionLoginID")]
pub struct IdentityDefinitionLoginId {
    /// The login ID key.
    key: String,
    /// The login ID.
    value: String,
}

/// `IdentityDefinition`: exactly one field must be present.
#[derive(InputObject)]
pub struct IdentityDefinition {
    /// Login ID identity definition.
    #[graphql(name = "loginID")]
    login_id: Option<IdentityDefinitionLoginId>,
}

impl IdentityDefinition {
    /// The checked login ID this definition names.
    pub fn login_id(&self) -> AdminResult<LoginId> {
        let Some(def) = &self.login_id else {
            return Err(AdminError::invalid(
                "Invalid",
                "exactly 1 field must be present in identity definition",
            ));
        };
        Ok(loginid::from_definition(&def.key, &def.value)?)
    }
}

fn identity_raw(id: &str) -> AdminResult<String> {
    Ok(ids::require("Identity", "identity", id)?)
}

/// `CreateIdentityInput`.
#[derive(InputObject)]
pub struct CreateIdentityInput {
    /// Definition of the new identity.
    definition: IdentityDefinition,
    /// Password for the user if required.
    password: Option<String>,
    /// Target user ID.
    #[graphql(name = "userID")]
    user_id: ID,
}

/// `CreateIdentityPayload`.
#[derive(SimpleObject)]
pub struct CreateIdentityPayload {
    identity: IdentityNode,
    user: UserNode,
}

/// `UpdateIdentityInput`.
#[derive(InputObject)]
pub struct UpdateIdentityInput {
    /// New definition of the identity.
    definition: IdentityDefinition,
    /// Target identity ID.
    #[graphql(name = "identityID")]
    identity_id: ID,
    /// Target user ID.
    #[graphql(name = "userID")]
    user_id: ID,
}

/// `UpdateIdentityPayload`.
#[derive(SimpleObject)]
pub struct UpdateIdentityPayload {
    identity: IdentityNode,
    user: UserNode,
}

/// `DeleteIdentityInput`.
#[derive(InputObject)]
pub struct DeleteIdentityInput {
    /// Target identity ID.
    #[graphql(name = "identityID")]
    identity_id: ID,
}

/// `DeleteIdentityPayload`.
#[derive(SimpleObject)]
pub struct DeleteIdentityPayload {
    user: UserNode,
}

/// Identity mutations.
#[derive(Default)]
pub struct IdentityMutation;

#[Object]
impl IdentityMutation {
    /// Create new identity for user
    async fn create_identity(
        &self,
        ctx: &Context<'_>,
        input: CreateIdentityInput,
    ) -> AdminResult<CreateIdentityPayload> {
        let r = req(ctx)?;
        let login = input.definition.login_id()?;
        // Hash before taking the transaction; used only when the user has no
        // password yet (as Authgear: otherwise the password is ignored).
        let hash = match input.password.as_deref().filter(|p| !p.is_empty()) {
            Some(p) => {
                password::check(p)?;
                Some(password::hash(p.to_owned(), r.hash_cost).await?)
            }
            None => None,
        };
        let user_id = user_raw(&input.user_id)?;
        let (identity, user) =
            accounts::create(&mut *r.tx().await?, &r.actor, &user_id, &login, hash).await?;
        Ok(CreateIdentityPayload {
            identity: IdentityNode(identity),
            user: UserNode(user),
        })
    }

    /// Update an existing identity of user
    async fn update_identity(
        &self,
        ctx: &Context<'_>,
        input: UpdateIdentityInput,
    ) -> AdminResult<UpdateIdentityPayload> {
        let r = req(ctx)?;
        let login = input.definition.login_id()?;
        let identity_id = identity_raw(&input.identity_id)?;
        let user_id = user_raw(&input.user_id)?;
        let (identity, user) = accounts::update(
            &mut *r.tx().await?,
            &r.actor,
            &user_id,
            &identity_id,
            &login,
        )
        .await?;
        Ok(UpdateIdentityPayload {
            identity: IdentityNode(identity),
            user: UserNode(user),
        })
    }

    /// Delete an identity of user
    async fn delete_identity(
        &self,
        ctx: &Context<'_>,
        input: DeleteIdentityInput,
    ) -> AdminResult<DeleteIdentityPayload> {
        let r = req(ctx)?;
        let identity_id = identity_raw(&input.identity_id)?;
        let user = accounts::delete(&mut *r.tx().await?, &r.actor, &identity_id).await?;
        Ok(DeleteIdentityPayload {
            user: UserNode(user),
        })
    }
}
