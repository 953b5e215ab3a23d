//! Identity mutations (`createIdentity`, `updateIdentity`,
//! `deleteIdentity`) and the `IdentityDefinition` input they share with
//! `createUser`.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use keyward_store::{Identity, Tx};
use serde_json::json;

use super::audit::record;
use super::context::{RequestCtx, req};
use super::errors::ApiErr;
use super::ids;
use super::loginid::{self, LoginId, LoginIdType};
use super::nodes::IdentityNode;
use super::users::{
    UserNode, hash_password_for_identity, insert_password, load_user, sync_and_save,
};

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
    pub fn login_id(&self) -> Result<LoginId, ApiErr> {
        let Some(def) = &self.login_id else {
            return Err(ApiErr::invalid(
                "Invalid",
                "exactly 1 field must be present in identity definition",
            ));
        };
        let Some(kind) = LoginIdType::from_key(&def.key) else {
            return Err(ApiErr::invariant(
                "InvalidLoginIDKey",
                "invalid login ID key",
            ));
        };
        loginid::check(kind, &def.value)
    }
}

/// Store a new login ID for a user (a taken value is `DuplicatedIdentity`).
pub async fn add_identity(
    tx: &mut Tx,
    r: &RequestCtx,
    user_id: &str,
    login: &LoginId,
) -> async_graphql::Result<Identity> {
    let identity = Identity {
        id: uuid::Uuid::new_v4().to_string(),
        user_id: user_id.to_owned(),
        key: login.kind.as_str().to_owned(),
        login_type: login.kind.as_str().to_owned(),
        login_id: login.normalized.clone(),
        unique_key: login.unique_key.clone(),
        original_value: login.original.clone(),
        created_at: r.now,
        updated_at: r.now,
    };
    tx.insert_identity(r.project(), &identity)
        .await
        .map_err(|e| r.fail(e))?;
    Ok(identity)
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
    ) -> async_graphql::Result<CreateIdentityPayload> {
        let r = req(ctx)?;
        let login = input.definition.login_id()?;
        // Hash before taking the transaction; used only when the user has no
        // password yet (as Authgear: otherwise the password is ignored).
        let hash = hash_password_for_identity(input.password.as_deref()).await?;
        let mut tx = r.tx().await?;
        let mut user = load_user(&mut tx, r, &input.user_id).await?;
        if user.is_anonymized {
            return Err(ApiErr::user_is_anonymized().into());
        }
        let identity = add_identity(&mut tx, r, &user.id, &login).await?;
        if let Some(hash) = hash {
            let existing = tx
                .passwords_of(r.project(), &user.id)
                .await
                .map_err(|e| r.fail(e))?;
            if existing.is_empty() {
                insert_password(&mut tx, r, &user.id, hash, false).await?;
            }
        }
        sync_and_save(&mut tx, r, &mut user).await?;
        record(&mut tx, r, "create_identity", Some(&user.id), json!({"identity": {"id": ids::encode("Identity", &identity.id), "type": identity.login_type, "value": identity.login_id}})).await?;
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
    ) -> async_graphql::Result<UpdateIdentityPayload> {
        let r = req(ctx)?;
        let login = input.definition.login_id()?;
        let identity_raw = ids::require("Identity", "identity", &input.identity_id)?;
        let mut tx = r.tx().await?;
        let mut user = load_user(&mut tx, r, &input.user_id).await?;
        let mut identity = match tx
            .identity(r.project(), &identity_raw)
            .await
            .map_err(|e| r.fail(e))?
        {
            Some(i) if i.user_id == user.id => i,
            _ => return Err(ApiErr::identity_not_found().into()),
        };
        // A login ID keeps its type: an email cannot become a username.
        if identity.login_type != login.kind.as_str() {
            return Err(ApiErr::invalid("Invalid", "invalid identity type").into());
        }
        let before = identity.login_id.clone();
        identity.key = login.kind.as_str().to_owned();
        identity.login_id = login.normalized.clone();
        identity.unique_key = login.unique_key.clone();
        identity.original_value = login.original.clone();
        identity.updated_at = r.now;
        tx.update_identity(r.project(), &identity)
            .await
            .map_err(|e| r.fail(e))?;
        sync_and_save(&mut tx, r, &mut user).await?;
        record(&mut tx, r, "update_identity", Some(&user.id), json!({"identity": {"id": input.identity_id.to_string(), "type": identity.login_type, "old_value": before, "new_value": identity.login_id}})).await?;
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
    ) -> async_graphql::Result<DeleteIdentityPayload> {
        let r = req(ctx)?;
        let identity_raw = ids::require("Identity", "identity", &input.identity_id)?;
        let mut tx = r.tx().await?;
        let Some(identity) = tx
            .identity(r.project(), &identity_raw)
            .await
            .map_err(|e| r.fail(e))?
        else {
            return Err(ApiErr::identity_not_found().into());
        };
        let all = tx
            .identities_of(r.project(), &identity.user_id)
            .await
            .map_err(|e| r.fail(e))?;
        if all.len() <= 1 {
            return Err(
                ApiErr::invariant("RemoveLastIdentity", "cannot remove last identity").into(),
            );
        }
        tx.delete_identity(r.project(), &identity)
            .await
            .map_err(|e| r.fail(e))?;
        let mut user = tx
            .existing_user(r.project(), &identity.user_id)
            .await
            .map_err(|e| r.fail(e))?;
        sync_and_save(&mut tx, r, &mut user).await?;
        record(&mut tx, r, "delete_identity", Some(&user.id), json!({"identity": {"id": input.identity_id.to_string(), "type": identity.login_type, "value": identity.login_id}})).await?;
        Ok(DeleteIdentityPayload {
            user: UserNode(user),
        })
    }
}
