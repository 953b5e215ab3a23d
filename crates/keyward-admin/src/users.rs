//! `User`, the user queries (`users`, `getUserByLoginID`,
//! `getUsersByStandardAttribute`, `getUserByOAuth`) and the user mutations.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use keyward_accounts::loginid::{self, LoginIdType};
use keyward_accounts::users::{self as accounts, NewUser};
use keyward_accounts::{ids, password, status};
use keyward_store::{Catalog, Entry, PasswordAuthenticator, User, UserFilter, UserSort};
use serde_json::{Map, Value, json};

use crate::connection::{Connection, Named, PageArgs, Total};
use crate::context::req;
use crate::errors::{AdminError, AdminResult};
use crate::identities::IdentityDefinition;
use crate::nodes::{
    AccountLockout, AuthenticatorKind, AuthenticatorNode, AuthenticatorType, AuthorizationNode,
    Claim, IdentityNode, IdentityType, SessionNode,
};
use crate::roles::{GroupNode, RoleNode};
use crate::scalars::{DateTime, UserCustomAttributes, UserStandardAttributes, Web3Claims, at};

/// A user.
#[derive(Clone)]
pub struct UserNode(pub User);

impl Named for UserNode {
    const NAME: &'static str = "User";
}

/// `UserSortBy`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum UserSortBy {
    /// By creation time.
    CreatedAt,
    /// By last login (never-logged-in users last).
    LastLoginAt,
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

/// The raw ID of a user's global ID in input, or `Invalid`.
pub fn user_raw(id: &str) -> AdminResult<String> {
    Ok(ids::require("User", "user", id)?)
}

#[Object(name = "User")]
impl UserNode {
    /// The ID of an object
    pub async fn id(&self) -> ID {
        ID(ids::encode("User", &self.0.id))
    }
    /// The creation time of entity
    pub async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
    /// The update time of entity
    pub async fn updated_at(&self) -> DateTime {
        DateTime(self.0.updated_at)
    }
    /// The last login time of user
    async fn last_login_at(&self) -> Option<DateTime> {
        at(self.0.last_login_at)
    }
    /// Indicates if the user is disabled
    async fn is_disabled(&self, ctx: &Context<'_>) -> AdminResult<bool> {
        Ok(status::is_disabled(&self.0, req(ctx)?.now))
    }
    /// The reason of disabled
    async fn disable_reason(&self) -> Option<&str> {
        self.0.disable_reason.as_deref()
    }
    /// Start of the temporary disable window
    async fn temporarily_disabled_from(&self) -> Option<DateTime> {
        at(self.0.temporarily_disabled_from)
    }
    /// End of the temporary disable window
    async fn temporarily_disabled_until(&self) -> Option<DateTime> {
        at(self.0.temporarily_disabled_until)
    }
    /// Indicates if the user is deactivated
    async fn is_deactivated(&self) -> bool {
        self.0.is_deactivated
    }
    /// The scheduled deletion time of the user
    async fn delete_at(&self) -> Option<DateTime> {
        at(self.0.delete_at)
    }
    /// The reason of the scheduled deletion
    async fn delete_reason(&self) -> Option<&str> {
        self.0.delete_reason.as_deref()
    }
    /// Indicates if the user is anonymized
    async fn is_anonymized(&self) -> bool {
        self.0.is_anonymized
    }
    /// Indicates if the user is anonymous (keyward has no anonymous users)
    async fn is_anonymous(&self) -> bool {
        false
    }
    /// The scheduled anonymization time (keyward anonymizes at once)
    async fn anonymize_at(&self) -> Option<DateTime> {
        None
    }
    /// Account valid from
    async fn account_valid_from(&self) -> Option<DateTime> {
        at(self.0.account_valid_from)
    }
    /// Account valid until
    async fn account_valid_until(&self) -> Option<DateTime> {
        at(self.0.account_valid_until)
    }
    /// The end of the MFA grace period (none)
    async fn mfa_grace_period_end_at(&self) -> Option<DateTime> {
        None
    }
    /// The user's standard attributes, with `email_verified`,
    /// `phone_number_verified` and `updated_at`
    async fn standard_attributes(&self, ctx: &Context<'_>) -> AdminResult<UserStandardAttributes> {
        let r = req(ctx)?;
        let claims = r.claims_of(&self.0.id).await?;
        let mut attrs = self.0.standard_attributes.clone();
        for (claim, flag) in [
            ("email", "email_verified"),
            ("phone_number", "phone_number_verified"),
        ] {
            if let Some(value) = attrs.get(claim).and_then(Value::as_str).map(str::to_owned) {
                let verified = claims.iter().any(|(n, v)| n == claim && *v == value);
                attrs.insert(flag.into(), Value::Bool(verified));
            }
        }
        attrs.insert(
            "updated_at".into(),
            json!(self.0.updated_at.div_euclid(1_000_000)),
        );
        Ok(UserStandardAttributes(Value::Object(attrs)))
    }
    /// The user's custom attributes
    async fn custom_attributes(&self) -> UserCustomAttributes {
        UserCustomAttributes(Value::Object(self.0.custom_attributes.clone()))
    }
    /// Web3 claims (always empty)
    async fn web3(&self) -> Web3Claims {
        Web3Claims(Value::Object(Map::new()))
    }
    /// The list of the user's verified claims
    async fn verified_claims(&self, ctx: &Context<'_>) -> AdminResult<Vec<Claim>> {
        let r = req(ctx)?;
        let claims = r.claims_of(&self.0.id).await?;
        Ok(claims
            .iter()
            .cloned()
            .map(|(name, value)| Claim { name, value })
            .collect())
    }
    /// The user's formatted name
    async fn formatted_name(&self) -> Option<String> {
        formatted_name(&self.0.standard_attributes)
    }
    /// The end user account id constructed based on user's personal data
    #[graphql(name = "endUserAccountID")]
    async fn end_user_account_id(&self) -> Option<String> {
        ["email", "preferred_username", "phone_number"]
            .iter()
            .find_map(|k| self.0.standard_attributes.get(*k).and_then(Value::as_str))
            .map(str::to_owned)
    }
    /// The list of identities
    async fn identities(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        identity_type: Option<IdentityType>,
        last: Option<i32>,
    ) -> AdminResult<Option<Connection<IdentityNode>>> {
        let list = if matches!(identity_type, None | Some(IdentityType::LoginId)) {
            self.login_ids_of(ctx).await?
        } else {
            Vec::new()
        };
        Ok(Some(Connection::from_list(
            list,
            &PageArgs::new(after, before, first, last),
        )?))
    }
    /// The list of login IDs
    #[graphql(name = "loginIDs")]
    async fn login_ids(&self, ctx: &Context<'_>) -> AdminResult<Vec<IdentityNode>> {
        self.login_ids_of(ctx).await
    }
    /// The list of OAuth connections (none in keyward)
    async fn oauth_connections(&self) -> Vec<IdentityNode> {
        Vec::new()
    }
    /// The list of passkeys (none in keyward)
    async fn passkeys(&self) -> Vec<IdentityNode> {
        Vec::new()
    }
    /// The list of biometric registrations (none in keyward)
    async fn biometric_registrations(&self) -> Vec<IdentityNode> {
        Vec::new()
    }
    /// The list of authenticators
    #[allow(clippy::too_many_arguments)]
    async fn authenticators(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        authenticator_kind: Option<AuthenticatorKind>,
        authenticator_type: Option<AuthenticatorType>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> AdminResult<Option<Connection<AuthenticatorNode>>> {
        let wanted = matches!(authenticator_kind, None | Some(AuthenticatorKind::Primary))
            && matches!(authenticator_type, None | Some(AuthenticatorType::Password));
        let list = if wanted {
            self.passwords_of(ctx).await?
        } else {
            Vec::new()
        };
        let list = list.into_iter().map(AuthenticatorNode).collect();
        Ok(Some(Connection::from_list(
            list,
            &PageArgs::new(after, before, first, last),
        )?))
    }
    /// The primary password authenticator
    async fn primary_password(&self, ctx: &Context<'_>) -> AdminResult<Option<AuthenticatorNode>> {
        Ok(self
            .passwords_of(ctx)
            .await?
            .into_iter()
            .next()
            .map(AuthenticatorNode))
    }
    /// The secondary password authenticator (none in keyward)
    async fn secondary_password(&self) -> Option<AuthenticatorNode> {
        None
    }
    /// The primary passwordless via email authenticator (none in keyward)
    #[graphql(name = "primaryOOBOTPEmailAuthenticator")]
    async fn primary_oob_otp_email_authenticator(&self) -> Option<AuthenticatorNode> {
        None
    }
    /// The primary passwordless via phone authenticator (none in keyward)
    #[graphql(name = "primaryOOBOTPSMSAuthenticator")]
    async fn primary_oob_otp_sms_authenticator(&self) -> Option<AuthenticatorNode> {
        None
    }
    /// Secondary email OTP authenticators (none in keyward)
    #[graphql(name = "secondaryOOBOTPEmailAuthenticators")]
    async fn secondary_oob_otp_email_authenticators(&self) -> Vec<AuthenticatorNode> {
        Vec::new()
    }
    /// Secondary SMS OTP authenticators (none in keyward)
    #[graphql(name = "secondaryOOBOTPSMSAuthenticators")]
    async fn secondary_oob_otp_sms_authenticators(&self) -> Vec<AuthenticatorNode> {
        Vec::new()
    }
    /// Secondary TOTP authenticators (none in keyward)
    #[graphql(name = "secondaryTOTPAuthenticators")]
    async fn secondary_totp_authenticators(&self) -> Vec<AuthenticatorNode> {
        Vec::new()
    }
    /// The list of first party app sessions (none in keyward)
    async fn sessions(
        &self,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> Option<Connection<SessionNode>> {
        let _ = (after, before, first, last);
        Some(Connection::empty())
    }
    /// The list of third party app authorizations (none in keyward)
    async fn authorizations(
        &self,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> Option<Connection<AuthorizationNode>> {
        let _ = (after, before, first, last);
        Some(Connection::empty())
    }
    /// The account lockout status (keyward has no end-user login to lock)
    async fn account_lockout(&self) -> AccountLockout {
        AccountLockout {
            is_locked: false,
            locked_ips: Vec::new(),
            locked_until: None,
            lockout_type: "per_user".into(),
        }
    }
    /// The list of roles this user has directly
    async fn roles(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> AdminResult<Option<Connection<RoleNode>>> {
        let list = self
            .linked(ctx, Linked::Roles)
            .await?
            .into_iter()
            .map(RoleNode)
            .collect();
        Ok(Some(Connection::from_list(
            list,
            &PageArgs::new(after, before, first, last),
        )?))
    }
    /// The list of groups this user is in
    async fn groups(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> AdminResult<Option<Connection<GroupNode>>> {
        let list = self
            .linked(ctx, Linked::Groups)
            .await?
            .into_iter()
            .map(GroupNode)
            .collect();
        Ok(Some(Connection::from_list(
            list,
            &PageArgs::new(after, before, first, last),
        )?))
    }
    /// The list of roles this user has, directly or through a group
    async fn effective_roles(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> AdminResult<Option<Connection<RoleNode>>> {
        let list = self
            .linked(ctx, Linked::EffectiveRoles)
            .await?
            .into_iter()
            .map(RoleNode)
            .collect();
        Ok(Some(Connection::from_list(
            list,
            &PageArgs::new(after, before, first, last),
        )?))
    }
}

/// What `UserNode::linked` reads.
enum Linked {
    Roles,
    Groups,
    EffectiveRoles,
}

impl UserNode {
    /// The user's direct roles, groups, or roles direct and through groups.
    async fn linked(&self, ctx: &Context<'_>, which: Linked) -> AdminResult<Vec<Entry>> {
        let r = req(ctx)?;
        let mut tx = r.tx().await?;
        let (project, id) = (r.project(), self.0.id.as_str());
        let list = match which {
            Linked::Roles => tx.entries_of_user(project, Catalog::Roles, id).await,
            Linked::Groups => tx.entries_of_user(project, Catalog::Groups, id).await,
            Linked::EffectiveRoles => tx.effective_roles(project, id).await,
        };
        Ok(list?)
    }

    async fn login_ids_of(&self, ctx: &Context<'_>) -> AdminResult<Vec<IdentityNode>> {
        let r = req(ctx)?;
        let list = r.tx().await?.identities_of(r.project(), &self.0.id).await?;
        Ok(list.into_iter().map(IdentityNode).collect())
    }

    async fn passwords_of(&self, ctx: &Context<'_>) -> AdminResult<Vec<PasswordAuthenticator>> {
        let r = req(ctx)?;
        let list = r.tx().await?.passwords_of(r.project(), &self.0.id).await;
        Ok(list?)
    }
}

/// `name`, or given + middle + family; the nickname in parentheses.
fn formatted_name(attrs: &Map<String, Value>) -> Option<String> {
    let get = |k: &str| {
        attrs
            .get(k)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    let base = get("name").map(str::to_owned).or_else(|| {
        let parts: Vec<&str> = ["given_name", "middle_name", "family_name"]
            .iter()
            .filter_map(|k| get(k))
            .collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    });
    match (base, get("nickname")) {
        (Some(b), Some(n)) => Some(format!("{b} ({n})")),
        (Some(b), None) => Some(b),
        (None, Some(n)) => Some(n.to_owned()),
        (None, None) => None,
    }
}

/// User queries.
#[derive(Default)]
pub struct UserQuery;

#[Object]
impl UserQuery {
    /// All users
    #[allow(clippy::too_many_arguments)]
    async fn users(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        group_keys: Option<Vec<String>>,
        last: Option<i32>,
        role_keys: Option<Vec<String>>,
        search_keyword: Option<String>,
        sort_by: Option<UserSortBy>,
        sort_direction: Option<SortDirection>,
    ) -> AdminResult<Option<Connection<UserNode>>> {
        let r = req(ctx)?;
        let descending = SortDirection::descending(sort_direction);
        let page = PageArgs::new(after, before, first, last).keyset(descending)?;
        let sort = match sort_by {
            Some(UserSortBy::LastLoginAt) => UserSort::LastLoginAt,
            _ => UserSort::CreatedAt,
        };
        let filter = UserFilter {
            sort,
            search: search_keyword
                .map(|k| search_term(&k))
                .filter(|k| !k.is_empty()),
            role_keys: role_keys.unwrap_or_default(),
            group_keys: group_keys.unwrap_or_default(),
        };
        let result = r
            .tx()
            .await?
            .list_users(r.project(), &filter, &page)
            .await?;
        r.prefetch_claims(result.items.iter().map(|u| u.id.clone()).collect())
            .await?;
        let items = result
            .items
            .into_iter()
            .map(|u| {
                let seek = u.seek(sort, descending);
                (UserNode(u), seek)
            })
            .collect();
        Ok(Some(Connection::from_page(
            items,
            result.more,
            &page,
            Total::Users(filter),
        )))
    }

    /// Get user by Login ID.
    #[graphql(name = "getUserByLoginID")]
    async fn get_user_by_login_id(
        &self,
        ctx: &Context<'_>,
        #[graphql(name = "loginIDKey")] login_id_key: String,
        #[graphql(name = "loginIDValue")] login_id_value: String,
    ) -> AdminResult<Option<UserNode>> {
        let r = req(ctx)?;
        let kind = LoginIdType::from_key(&login_id_key)
            .ok_or_else(|| AdminError::get_users_invalid("invalid Login ID key"))?;
        if loginid::lookup_key(kind, &login_id_value).is_none() {
            return Err(AdminError::get_users_invalid("invalid Login ID value"));
        }
        let mut tx = r.tx().await?;
        let user = accounts::find_by_login(&mut tx, r.project(), kind, &login_id_value).await?;
        Ok(user.map(UserNode))
    }

    /// Get users by standardAttribute, attributeName must be email, phone_number or preferred_username.
    async fn get_users_by_standard_attribute(
        &self,
        ctx: &Context<'_>,
        attribute_name: String,
        attribute_value: String,
    ) -> AdminResult<Vec<UserNode>> {
        let r = req(ctx)?;
        let kind = match attribute_name.as_str() {
            "email" => LoginIdType::Email,
            "phone_number" => LoginIdType::Phone,
            "preferred_username" => LoginIdType::Username,
            _ => {
                return Err(AdminError::get_users_invalid(
                    "attributeName must be email, phone_number or preferred_username",
                ));
            }
        };
        if loginid::lookup_key(kind, &attribute_value).is_none() {
            return Err(AdminError::get_users_invalid("invalid attributeValue"));
        }
        let mut tx = r.tx().await?;
        let user = accounts::find_by_login(&mut tx, r.project(), kind, &attribute_value).await?;
        Ok(user.map(UserNode).into_iter().collect())
    }

    /// Get user by OAuth provider alias and user ID. keyward has no OAuth
    /// providers, so every alias is unknown.
    #[graphql(name = "getUserByOAuth")]
    async fn get_user_by_oauth(
        &self,
        #[graphql(name = "oauthProviderAlias")] oauth_provider_alias: String,
        #[graphql(name = "oauthProviderUserID")] oauth_provider_user_id: String,
    ) -> AdminResult<Option<UserNode>> {
        let _ = (oauth_provider_alias, oauth_provider_user_id);
        Err(AdminError::get_users_invalid(
            "invalid OAuth provider alias",
        ))
    }
}

/// How a search keyword is matched against the stored terms.
fn search_term(keyword: &str) -> String {
    use unicode_normalization::UnicodeNormalization as _;
    keyword.trim().nfkc().collect::<String>().to_lowercase()
}

/// `CreateUserInput`.
#[derive(InputObject)]
pub struct CreateUserInput {
    /// Account valid from.
    account_valid_from: Option<DateTime>,
    /// Account valid until.
    account_valid_until: Option<DateTime>,
    /// Definition of the identity of new user.
    definition: IdentityDefinition,
    /// Password for the user if required.
    password: Option<String>,
    /// Indicate whether to send the new password to the user.
    send_password: Option<bool>,
    /// Indicate whether the user is required to change password on next login.
    set_password_expired: Option<bool>,
}

/// `CreateUserPayload`.
#[derive(SimpleObject)]
pub struct CreateUserPayload {
    user: UserNode,
}

/// `UpdateUserInput`.
#[derive(InputObject)]
pub struct UpdateUserInput {
    /// Whole custom attributes to be set on the user.
    custom_attributes: Option<UserCustomAttributes>,
    /// Whole standard attributes to be set on the user.
    standard_attributes: Option<UserStandardAttributes>,
    /// Target user ID.
    #[graphql(name = "userID")]
    user_id: ID,
}

/// `UpdateUserPayload`.
#[derive(SimpleObject)]
pub struct UpdateUserPayload {
    user: UserNode,
}

/// `DeleteUserInput`.
#[derive(InputObject)]
pub struct DeleteUserInput {
    /// Reason for the deletion.
    reason: Option<String>,
    /// Target user ID.
    #[graphql(name = "userID")]
    user_id: ID,
}

/// `DeleteUserPayload`.
#[derive(SimpleObject)]
pub struct DeleteUserPayload {
    #[graphql(name = "deletedUserID")]
    deleted_user_id: ID,
}

/// `AnonymizeUserInput`.
#[derive(InputObject)]
pub struct AnonymizeUserInput {
    /// Target user ID.
    #[graphql(name = "userID")]
    user_id: ID,
}

/// `AnonymizeUserPayload`.
#[derive(SimpleObject)]
pub struct AnonymizeUserPayload {
    #[graphql(name = "anonymizedUserID")]
    anonymized_user_id: ID,
}

/// `SetDisabledStatusInput`.
#[derive(InputObject)]
pub struct SetDisabledStatusInput {
    /// Indicate whether the target user is disabled.
    is_disabled: bool,
    /// Indicate the disable reason; if not provided, the user will be disabled with no reason.
    reason: Option<String>,
    /// Start of the temporary disable window.
    temporarily_disabled_from: Option<DateTime>,
    /// End of the temporary disable window.
    temporarily_disabled_until: Option<DateTime>,
    /// Target user ID.
    #[graphql(name = "userID")]
    user_id: ID,
}

/// `SetDisabledStatusPayload`.
#[derive(SimpleObject)]
pub struct SetDisabledStatusPayload {
    user: UserNode,
}

/// `SetVerifiedStatusInput`.
#[derive(InputObject)]
pub struct SetVerifiedStatusInput {
    /// Name of the claim to set verified status.
    claim_name: String,
    /// Value of the claim.
    claim_value: String,
    /// Indicate whether the target claim is verified.
    is_verified: bool,
    /// Target user ID.
    #[graphql(name = "userID")]
    user_id: ID,
}

/// `SetVerifiedStatusPayload`.
#[derive(SimpleObject)]
pub struct SetVerifiedStatusPayload {
    user: UserNode,
}

/// `ResetPasswordInput`.
#[derive(InputObject)]
pub struct ResetPasswordInput {
    /// New password (empty or omitted: generated).
    password: Option<String>,
    /// Indicate whether to send the new password to the user.
    send_password: Option<bool>,
    /// Indicate whether the user is required to change password on next login.
    set_password_expired: Option<bool>,
    /// Target user ID.
    #[graphql(name = "userID")]
    user_id: ID,
}

/// `ResetPasswordPayload`.
#[derive(SimpleObject)]
pub struct ResetPasswordPayload {
    user: UserNode,
}

/// `SetPasswordExpiredInput`.
#[derive(InputObject)]
pub struct SetPasswordExpiredInput {
    /// Indicate whether the user's password is expired.
    expired: bool,
    /// Target user ID.
    #[graphql(name = "userID")]
    user_id: ID,
}

/// `SetPasswordExpiredPayload`.
#[derive(SimpleObject)]
pub struct SetPasswordExpiredPayload {
    user: UserNode,
}

/// `ScheduleAccountDeletionInput`.
#[derive(InputObject)]
pub struct ScheduleAccountDeletionInput {
    /// Reason for the deletion.
    reason: Option<String>,
    /// Target user ID.
    #[graphql(name = "userID")]
    user_id: ID,
}

/// `ScheduleAccountDeletionPayload`.
#[derive(SimpleObject)]
pub struct ScheduleAccountDeletionPayload {
    user: UserNode,
}

/// `UnscheduleAccountDeletionInput`.
#[derive(InputObject)]
pub struct UnscheduleAccountDeletionInput {
    /// Target user ID.
    #[graphql(name = "userID")]
    user_id: ID,
}

/// `UnscheduleAccountDeletionPayload`.
#[derive(SimpleObject)]
pub struct UnscheduleAccountDeletionPayload {
    user: UserNode,
}

/// The password to set, hashed before the transaction begins (tens of ms
/// that should not hold SQLite's write lock).
async fn hashed(r: &crate::RequestCtx, password: Option<&str>) -> AdminResult<String> {
    let plain = password::new_or_generated(password)?;
    Ok(password::hash(plain, r.hash_cost).await?)
}

/// User mutations.
#[derive(Default)]
pub struct UserMutation;

#[Object]
impl UserMutation {
    /// Create new user
    async fn create_user(
        &self,
        ctx: &Context<'_>,
        input: CreateUserInput,
    ) -> AdminResult<CreateUserPayload> {
        let r = req(ctx)?;
        let login = input.definition.login_id()?;
        if input.send_password == Some(true) {
            return Err(accounts::refuse_send_password(login.kind != LoginIdType::Username).into());
        }
        let (valid_from, valid_until) = (
            input.account_valid_from.map(|d| d.0),
            input.account_valid_until.map(|d| d.0),
        );
        accounts::check_new(valid_from, valid_until)?;
        // `null`: no password; `""`: generated; else checked.
        let password_hash = match input.password.as_deref() {
            Some(p) => Some(hashed(r, Some(p)).await?),
            None => None,
        };
        let new = NewUser {
            login,
            password_hash,
            password_expired: input.set_password_expired == Some(true),
            valid_from,
            valid_until,
        };
        let user = accounts::create(&mut *r.tx().await?, &r.actor, new).await?;
        Ok(CreateUserPayload {
            user: UserNode(user),
        })
    }

    /// Update user
    async fn update_user(
        &self,
        ctx: &Context<'_>,
        input: UpdateUserInput,
    ) -> AdminResult<UpdateUserPayload> {
        let r = req(ctx)?;
        let id = user_raw(&input.user_id)?;
        let user = accounts::update(
            &mut *r.tx().await?,
            &r.actor,
            &id,
            input.standard_attributes.as_ref().map(|a| &a.0),
            input.custom_attributes.as_ref().map(|a| &a.0),
        )
        .await?;
        Ok(UpdateUserPayload {
            user: UserNode(user),
        })
    }

    /// Delete specified user
    async fn delete_user(
        &self,
        ctx: &Context<'_>,
        input: DeleteUserInput,
    ) -> AdminResult<DeleteUserPayload> {
        let r = req(ctx)?;
        let id = user_raw(&input.user_id)?;
        accounts::delete(&mut *r.tx().await?, &r.actor, &id, input.reason).await?;
        Ok(DeleteUserPayload {
            deleted_user_id: input.user_id,
        })
    }

    /// Anonymize specified user: identities, passwords, attributes and
    /// memberships are removed; the user row stays, marked anonymized.
    async fn anonymize_user(
        &self,
        ctx: &Context<'_>,
        input: AnonymizeUserInput,
    ) -> AdminResult<AnonymizeUserPayload> {
        let r = req(ctx)?;
        let id = user_raw(&input.user_id)?;
        accounts::anonymize(&mut *r.tx().await?, &r.actor, &id).await?;
        r.forget_claims(&id);
        Ok(AnonymizeUserPayload {
            anonymized_user_id: input.user_id,
        })
    }

    /// Set disabled status of user
    async fn set_disabled_status(
        &self,
        ctx: &Context<'_>,
        input: SetDisabledStatusInput,
    ) -> AdminResult<SetDisabledStatusPayload> {
        let r = req(ctx)?;
        let id = user_raw(&input.user_id)?;
        let window = (
            input.temporarily_disabled_from.map(|d| d.0),
            input.temporarily_disabled_until.map(|d| d.0),
        );
        let user = accounts::set_disabled(
            &mut *r.tx().await?,
            &r.actor,
            &id,
            input.is_disabled,
            input.reason,
            window,
        )
        .await?;
        Ok(SetDisabledStatusPayload {
            user: UserNode(user),
        })
    }

    /// Set verified status of a claim of user
    async fn set_verified_status(
        &self,
        ctx: &Context<'_>,
        input: SetVerifiedStatusInput,
    ) -> AdminResult<SetVerifiedStatusPayload> {
        let r = req(ctx)?;
        let id = user_raw(&input.user_id)?;
        let user = accounts::set_verified(
            &mut *r.tx().await?,
            &r.actor,
            &id,
            (input.claim_name, input.claim_value),
            input.is_verified,
        )
        .await?;
        r.forget_claims(&id);
        Ok(SetVerifiedStatusPayload {
            user: UserNode(user),
        })
    }

    /// Reset password of user
    async fn reset_password(
        &self,
        ctx: &Context<'_>,
        input: ResetPasswordInput,
    ) -> AdminResult<ResetPasswordPayload> {
        let r = req(ctx)?;
        let id = user_raw(&input.user_id)?;
        if input.send_password == Some(true) {
            let mut tx = r.tx().await?;
            return Err(accounts::refuse_send_password_to(&mut tx, r.project(), &id)
                .await
                .into());
        }
        let hash = hashed(r, input.password.as_deref()).await?;
        let expired = input.set_password_expired == Some(true);
        let user =
            accounts::reset_password(&mut *r.tx().await?, &r.actor, &id, hash, expired).await?;
        Ok(ResetPasswordPayload {
            user: UserNode(user),
        })
    }

    /// Force user to change password on next login
    async fn set_password_expired(
        &self,
        ctx: &Context<'_>,
        input: SetPasswordExpiredInput,
    ) -> AdminResult<SetPasswordExpiredPayload> {
        let r = req(ctx)?;
        let id = user_raw(&input.user_id)?;
        let user =
            accounts::set_password_expired(&mut *r.tx().await?, &r.actor, &id, input.expired)
                .await?;
        Ok(SetPasswordExpiredPayload {
            user: UserNode(user),
        })
    }

    /// Schedule account deletion
    async fn schedule_account_deletion(
        &self,
        ctx: &Context<'_>,
        input: ScheduleAccountDeletionInput,
    ) -> AdminResult<ScheduleAccountDeletionPayload> {
        let r = req(ctx)?;
        let id = user_raw(&input.user_id)?;
        let user =
            accounts::schedule_deletion(&mut *r.tx().await?, &r.actor, &id, input.reason).await?;
        Ok(ScheduleAccountDeletionPayload {
            user: UserNode(user),
        })
    }

    /// Unschedule account deletion
    async fn unschedule_account_deletion(
        &self,
        ctx: &Context<'_>,
        input: UnscheduleAccountDeletionInput,
    ) -> AdminResult<UnscheduleAccountDeletionPayload> {
        let r = req(ctx)?;
        let id = user_raw(&input.user_id)?;
        let user = accounts::unschedule_deletion(&mut *r.tx().await?, &r.actor, &id).await?;
        Ok(UnscheduleAccountDeletionPayload {
            user: UserNode(user),
        })
    }
}
