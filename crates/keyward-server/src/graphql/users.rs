//! `User`, the user queries (`users`, `getUserByLoginID`,
//! `getUsersByStandardAttribute`, `getUserByOAuth`) and the user mutations.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use keyward_store::{Catalog, Entry, PasswordAuthenticator, Tx, User, UserFilter, UserSort};
use serde_json::{Map, Value, json};

use super::audit::record;
use super::connection::{Connection, Named, PageArgs, Total};
use super::context::{RequestCtx, req};
use super::errors::ApiErr;
use super::identities::{IdentityDefinition, add_identity};
use super::loginid::{self, LoginIdType};
use super::nodes::{
    AccountLockout, AuthenticatorKind, AuthenticatorNode, AuthenticatorType, AuthorizationNode,
    Claim, IdentityNode, IdentityType, SessionNode,
};
use super::roles::{GroupNode, RoleNode};
use super::scalars::{DateTime, UserCustomAttributes, UserStandardAttributes, Web3Claims, at};
use super::{ids, password, status, stdattrs};

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

/// The user with global ID `id`, or `Invalid` / `UserNotFound`.
pub async fn load_user(tx: &mut Tx, r: &RequestCtx, id: &str) -> async_graphql::Result<User> {
    let raw = ids::require("User", "user", id)?;
    match tx.user(r.project(), &raw).await.map_err(|e| r.fail(e))? {
        Some(user) => Ok(user),
        None => Err(ApiErr::user_not_found().into()),
    }
}

/// A user's login IDs as `(type, normalized value)`.
pub async fn login_values(
    tx: &mut Tx,
    r: &RequestCtx,
    user_id: &str,
) -> async_graphql::Result<Vec<(LoginIdType, String)>> {
    let identities = tx
        .identities_of(r.project(), user_id)
        .await
        .map_err(|e| r.fail(e))?;
    Ok(identities
        .into_iter()
        .filter_map(|i| LoginIdType::parse(&i.login_type).map(|k| (k, i.login_id)))
        .collect())
}

/// Re-point the identity-backed standard attributes at the user's current
/// login IDs and save the user.
pub async fn sync_and_save(
    tx: &mut Tx,
    r: &RequestCtx,
    user: &mut User,
) -> async_graphql::Result<()> {
    let logins = login_values(tx, r, &user.id).await?;
    stdattrs::sync_identity_claims(&mut user.standard_attributes, &logins);
    user.updated_at = r.now;
    tx.save_user(r.project(), user).await.map_err(|e| r.fail(e))
}

fn audit_user(user: &User) -> Value {
    json!({
        "id": ids::encode("User", &user.id),
        "is_disabled": user.is_disabled,
        "standard_attributes": user.standard_attributes,
        "custom_attributes": user.custom_attributes,
    })
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
    async fn is_disabled(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
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
    async fn standard_attributes(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<UserStandardAttributes> {
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
    async fn verified_claims(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Claim>> {
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
    ) -> async_graphql::Result<Option<Connection<IdentityNode>>> {
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
    async fn login_ids(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<IdentityNode>> {
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
    ) -> async_graphql::Result<Option<Connection<AuthenticatorNode>>> {
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
    async fn primary_password(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<AuthenticatorNode>> {
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
    ) -> async_graphql::Result<Option<Connection<RoleNode>>> {
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
    ) -> async_graphql::Result<Option<Connection<GroupNode>>> {
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
    ) -> async_graphql::Result<Option<Connection<RoleNode>>> {
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
    async fn linked(&self, ctx: &Context<'_>, which: Linked) -> async_graphql::Result<Vec<Entry>> {
        let r = req(ctx)?;
        let mut tx = r.tx().await?;
        let (project, id) = (r.project(), self.0.id.as_str());
        let list = match which {
            Linked::Roles => tx.entries_of_user(project, Catalog::Roles, id).await,
            Linked::Groups => tx.entries_of_user(project, Catalog::Groups, id).await,
            Linked::EffectiveRoles => tx.effective_roles(project, id).await,
        };
        list.map_err(|e| r.fail(e))
    }

    async fn login_ids_of(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<IdentityNode>> {
        let r = req(ctx)?;
        let list = r
            .tx()
            .await?
            .identities_of(r.project(), &self.0.id)
            .await
            .map_err(|e| r.fail(e))?;
        Ok(list.into_iter().map(IdentityNode).collect())
    }

    async fn passwords_of(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<PasswordAuthenticator>> {
        let r = req(ctx)?;
        let list = r.tx().await?.passwords_of(r.project(), &self.0.id).await;
        list.map_err(|e| r.fail(e))
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
    ) -> async_graphql::Result<Option<Connection<UserNode>>> {
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
            .await
            .map_err(|e| r.fail(e))?;
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
    ) -> async_graphql::Result<Option<UserNode>> {
        let r = req(ctx)?;
        let kind = LoginIdType::from_key(&login_id_key)
            .ok_or_else(|| ApiErr::invalid("GetUsersInvalidArgument", "invalid Login ID key"))?;
        let key = loginid::lookup_key(kind, &login_id_value)
            .ok_or_else(|| ApiErr::invalid("GetUsersInvalidArgument", "invalid Login ID value"))?;
        find_by_unique_key(r, &key, kind)
            .await
            .map(|u| u.map(UserNode))
    }

    /// Get users by standardAttribute, attributeName must be email, phone_number or preferred_username.
    async fn get_users_by_standard_attribute(
        &self,
        ctx: &Context<'_>,
        attribute_name: String,
        attribute_value: String,
    ) -> async_graphql::Result<Vec<UserNode>> {
        let r = req(ctx)?;
        let kind = match attribute_name.as_str() {
            "email" => LoginIdType::Email,
            "phone_number" => LoginIdType::Phone,
            "preferred_username" => LoginIdType::Username,
            _ => {
                return Err(ApiErr::invalid(
                    "GetUsersInvalidArgument",
                    "attributeName must be email, phone_number or preferred_username",
                )
                .into());
            }
        };
        let key = loginid::lookup_key(kind, &attribute_value)
            .ok_or_else(|| ApiErr::invalid("GetUsersInvalidArgument", "invalid attributeValue"))?;
        Ok(find_by_unique_key(r, &key, kind)
            .await?
            .map(UserNode)
            .into_iter()
            .collect())
    }

    /// Get user by OAuth provider alias and user ID. keyward has no OAuth
    /// providers, so every alias is unknown.
    #[graphql(name = "getUserByOAuth")]
    async fn get_user_by_oauth(
        &self,
        #[graphql(name = "oauthProviderAlias")] oauth_provider_alias: String,
        #[graphql(name = "oauthProviderUserID")] oauth_provider_user_id: String,
    ) -> async_graphql::Result<Option<UserNode>> {
        let _ = (oauth_provider_alias, oauth_provider_user_id);
        Err(ApiErr::invalid("GetUsersInvalidArgument", "invalid OAuth provider alias").into())
    }
}

/// How a search keyword is matched against the stored terms.
fn search_term(keyword: &str) -> String {
    use unicode_normalization::UnicodeNormalization as _;
    keyword.trim().nfkc().collect::<String>().to_lowercase()
}

async fn find_by_unique_key(
    r: &RequestCtx,
    key: &str,
    kind: LoginIdType,
) -> async_graphql::Result<Option<User>> {
    let mut tx = r.tx().await?;
    let Some(identity) = tx
        .identity_by_unique_key(r.project(), key)
        .await
        .map_err(|e| r.fail(e))?
    else {
        return Ok(None);
    };
    if identity.login_type != kind.as_str() {
        return Ok(None);
    }
    tx.user(r.project(), &identity.user_id)
        .await
        .map_err(|e| r.fail(e))
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

/// keyward has no mail or SMS transport: say so instead of pretending.
pub fn refuse_send_password(has_target: bool) -> ApiErr {
    if has_target {
        ApiErr::invalid(
            "SendPasswordUnsupported",
            "keyward cannot send passwords: no email or SMS transport is configured; omit sendPassword and deliver the password yourself",
        )
    } else {
        ApiErr::invalid("SendPasswordNoTarget", "no target to send the password")
    }
}

/// The password to set: generated when missing or `""`, else checked
/// against the policy.
fn new_password(password: Option<&str>) -> async_graphql::Result<String> {
    match password {
        None | Some("") => password::generate().map_err(|e| {
            tracing::error!(error = %e, "password generation failed");
            super::errors::unexpected()
        }),
        Some(p) => Ok(password::check(p).map(|()| p.to_owned())?),
    }
}

async fn hash_password(password: String) -> async_graphql::Result<String> {
    password::hash(password).await.map_err(|e| {
        tracing::error!(error = %e, "password hashing failed");
        super::errors::unexpected()
    })
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
    ) -> async_graphql::Result<CreateUserPayload> {
        let r = req(ctx)?;
        let login = input.definition.login_id()?;
        if input.send_password == Some(true) {
            return Err(refuse_send_password(login.kind != LoginIdType::Username).into());
        }
        // `null`: no password; `""`: generated; else checked.
        let hash = match input.password.as_deref() {
            Some(p) => Some(hash_password(new_password(Some(p))?).await?),
            None => None,
        };
        let mut user = User::new(uuid::Uuid::new_v4().to_string(), r.now);
        user.account_valid_from = input.account_valid_from.map(|d| d.0);
        user.account_valid_until = input.account_valid_until.map(|d| d.0);
        let mut tx = r.tx().await?;
        tx.insert_user(r.project(), &user)
            .await
            .map_err(|e| r.fail(e))?;
        add_identity(&mut tx, r, &user.id, &login).await?;
        if let Some(password_hash) = hash {
            let expired = input.set_password_expired == Some(true);
            insert_password(&mut tx, r, &user.id, password_hash, expired).await?;
        }
        sync_and_save(&mut tx, r, &mut user).await?;
        record(&mut tx, r, "create_user", Some(&user.id), json!({"user": audit_user(&user), "login_id": {"key": login.kind.as_str(), "value": login.normalized}})).await?;
        Ok(CreateUserPayload {
            user: UserNode(user),
        })
    }

    /// Update user
    async fn update_user(
        &self,
        ctx: &Context<'_>,
        input: UpdateUserInput,
    ) -> async_graphql::Result<UpdateUserPayload> {
        let r = req(ctx)?;
        let mut tx = r.tx().await?;
        let mut user = load_user(&mut tx, r, &input.user_id).await?;
        if user.is_anonymized {
            return Err(ApiErr::user_is_anonymized().into());
        }
        if let Some(std) = &input.standard_attributes {
            let attrs = stdattrs::check(&std.0)?;
            let logins = login_values(&mut tx, r, &user.id).await?;
            if let Some(e) = stdattrs::unowned_claim(&attrs, &logins) {
                return Err(e.into());
            }
            user.standard_attributes = attrs;
        }
        if let Some(custom) = &input.custom_attributes {
            let Value::Object(map) = &custom.0 else {
                return Err(ApiErr::validation("invalid value", vec![json!({"location": "", "kind": "type", "details": {"expected": ["object"]}})]).into());
            };
            user.custom_attributes = map.clone();
        }
        sync_and_save(&mut tx, r, &mut user).await?;
        record(
            &mut tx,
            r,
            "update_user",
            Some(&user.id),
            json!({"user": audit_user(&user)}),
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
    ) -> async_graphql::Result<DeleteUserPayload> {
        let r = req(ctx)?;
        let mut tx = r.tx().await?;
        let user = load_user(&mut tx, r, &input.user_id).await?;
        tx.delete_user(r.project(), &user.id)
            .await
            .map_err(|e| r.fail(e))?;
        record(
            &mut tx,
            r,
            "delete_user",
            Some(&user.id),
            json!({"user": audit_user(&user), "reason": input.reason}),
        )
        .await?;
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
    ) -> async_graphql::Result<AnonymizeUserPayload> {
        let r = req(ctx)?;
        let mut tx = r.tx().await?;
        let mut user = load_user(&mut tx, r, &input.user_id).await?;
        let project = r.project().to_owned();
        tx.delete_identities_of(&project, &user.id)
            .await
            .map_err(|e| r.fail(e))?;
        tx.delete_passwords_of(&project, &user.id)
            .await
            .map_err(|e| r.fail(e))?;
        tx.delete_verified_claims_of(&project, &user.id)
            .await
            .map_err(|e| r.fail(e))?;
        for catalog in [Catalog::Roles, Catalog::Groups] {
            for entry in tx
                .entries_of_user(&project, catalog, &user.id)
                .await
                .map_err(|e| r.fail(e))?
            {
                tx.unlink_users(&project, catalog, &entry.id, std::slice::from_ref(&user.id))
                    .await
                    .map_err(|e| r.fail(e))?;
            }
        }
        r.forget_claims(&user.id);
        user.is_anonymized = true;
        user.is_disabled = true;
        user.disable_reason = None;
        user.delete_at = None;
        user.delete_reason = None;
        user.standard_attributes = Map::new();
        user.custom_attributes = Map::new();
        sync_and_save(&mut tx, r, &mut user).await?;
        record(
            &mut tx,
            r,
            "anonymize_user",
            Some(&user.id),
            json!({"user_id": input.user_id.to_string()}),
        )
        .await?;
        Ok(AnonymizeUserPayload {
            anonymized_user_id: input.user_id,
        })
    }

    /// Set disabled status of user
    async fn set_disabled_status(
        &self,
        ctx: &Context<'_>,
        input: SetDisabledStatusInput,
    ) -> async_graphql::Result<SetDisabledStatusPayload> {
        let r = req(ctx)?;
        let mut tx = r.tx().await?;
        let mut user = load_user(&mut tx, r, &input.user_id).await?;
        let window = (
            input.temporarily_disabled_from.map(|d| d.0),
            input.temporarily_disabled_until.map(|d| d.0),
        );
        status::set_disabled(&mut user, input.is_disabled, input.reason.clone(), window)?;
        user.updated_at = r.now;
        tx.save_user(r.project(), &user)
            .await
            .map_err(|e| r.fail(e))?;
        record(
            &mut tx,
            r,
            "set_disabled_status",
            Some(&user.id),
            json!({"is_disabled": input.is_disabled, "reason": input.reason}),
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
    ) -> async_graphql::Result<SetVerifiedStatusPayload> {
        let r = req(ctx)?;
        let mut tx = r.tx().await?;
        let mut user = load_user(&mut tx, r, &input.user_id).await?;
        tx.set_claim_verified(
            r.project(),
            &user.id,
            (&input.claim_name, &input.claim_value),
            input.is_verified,
            r.now,
        )
        .await
        .map_err(|e| r.fail(e))?;
        r.forget_claims(&user.id);
        user.updated_at = r.now;
        tx.save_user(r.project(), &user)
            .await
            .map_err(|e| r.fail(e))?;
        record(&mut tx, r, "set_verified_status", Some(&user.id), json!({"claim_name": input.claim_name, "claim_value": input.claim_value, "is_verified": input.is_verified})).await?;
        Ok(SetVerifiedStatusPayload {
            user: UserNode(user),
        })
    }

    /// Reset password of user
    async fn reset_password(
        &self,
        ctx: &Context<'_>,
        input: ResetPasswordInput,
    ) -> async_graphql::Result<ResetPasswordPayload> {
        let r = req(ctx)?;
        if input.send_password == Some(true) {
            let mut tx = r.tx().await?;
            let user = load_user(&mut tx, r, &input.user_id).await?;
            let logins = login_values(&mut tx, r, &user.id).await?;
            let target = logins.iter().any(|(k, _)| *k != LoginIdType::Username);
            return Err(refuse_send_password(target).into());
        }
        // Hash (tens of ms) before the transaction begins.
        let hash = hash_password(new_password(input.password.as_deref())?).await?;
        let mut tx = r.tx().await?;
        let mut user = load_user(&mut tx, r, &input.user_id).await?;
        if user.is_anonymized {
            return Err(ApiErr::user_is_anonymized().into());
        }
        let expired = input.set_password_expired == Some(true);
        let passwords = tx
            .passwords_of(r.project(), &user.id)
            .await
            .map_err(|e| r.fail(e))?;
        match passwords.as_slice() {
            [one] => {
                let mut one = one.clone();
                one.password_hash = hash;
                one.expire_after = expired.then_some(r.now);
                one.updated_at = r.now;
                tx.save_password(r.project(), &one)
                    .await
                    .map_err(|e| r.fail(e))?;
            }
            _ => {
                tx.delete_passwords_of(r.project(), &user.id)
                    .await
                    .map_err(|e| r.fail(e))?;
                insert_password(&mut tx, r, &user.id, hash, expired).await?;
            }
        }
        user.updated_at = r.now;
        tx.save_user(r.project(), &user)
            .await
            .map_err(|e| r.fail(e))?;
        record(
            &mut tx,
            r,
            "reset_password",
            Some(&user.id),
            json!({"set_password_expired": expired}),
        )
        .await?;
        Ok(ResetPasswordPayload {
            user: UserNode(user),
        })
    }

    /// Force user to change password on next login
    async fn set_password_expired(
        &self,
        ctx: &Context<'_>,
        input: SetPasswordExpiredInput,
    ) -> async_graphql::Result<SetPasswordExpiredPayload> {
        let r = req(ctx)?;
        let mut tx = r.tx().await?;
        let user = load_user(&mut tx, r, &input.user_id).await?;
        let passwords = tx
            .passwords_of(r.project(), &user.id)
            .await
            .map_err(|e| r.fail(e))?;
        let Some(first) = passwords.into_iter().next() else {
            return Err(
                ApiErr::not_found("AuthenticatorNotFound", "authenticator not found").into(),
            );
        };
        let mut password = first;
        password.expire_after = input.expired.then_some(r.now);
        password.updated_at = r.now;
        tx.save_password(r.project(), &password)
            .await
            .map_err(|e| r.fail(e))?;
        record(
            &mut tx,
            r,
            "set_password_expired",
            Some(&user.id),
            json!({"expired": input.expired}),
        )
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
    ) -> async_graphql::Result<ScheduleAccountDeletionPayload> {
        let r = req(ctx)?;
        let mut tx = r.tx().await?;
        let mut user = load_user(&mut tx, r, &input.user_id).await?;
        status::schedule_deletion(&mut user, input.reason.clone(), r.now)?;
        user.updated_at = r.now;
        tx.save_user(r.project(), &user)
            .await
            .map_err(|e| r.fail(e))?;
        record(
            &mut tx,
            r,
            "schedule_account_deletion",
            Some(&user.id),
            json!({"reason": input.reason, "delete_at": user.delete_at}),
        )
        .await?;
        Ok(ScheduleAccountDeletionPayload {
            user: UserNode(user),
        })
    }

    /// Unschedule account deletion
    async fn unschedule_account_deletion(
        &self,
        ctx: &Context<'_>,
        input: UnscheduleAccountDeletionInput,
    ) -> async_graphql::Result<UnscheduleAccountDeletionPayload> {
        let r = req(ctx)?;
        let mut tx = r.tx().await?;
        let mut user = load_user(&mut tx, r, &input.user_id).await?;
        status::unschedule_deletion(&mut user)?;
        user.updated_at = r.now;
        tx.save_user(r.project(), &user)
            .await
            .map_err(|e| r.fail(e))?;
        record(
            &mut tx,
            r,
            "unschedule_account_deletion",
            Some(&user.id),
            json!({}),
        )
        .await?;
        Ok(UnscheduleAccountDeletionPayload {
            user: UserNode(user),
        })
    }
}

/// Store a new primary password.
pub async fn insert_password(
    tx: &mut Tx,
    r: &RequestCtx,
    user_id: &str,
    password_hash: String,
    expired: bool,
) -> async_graphql::Result<()> {
    let password = PasswordAuthenticator {
        id: uuid::Uuid::new_v4().to_string(),
        user_id: user_id.to_owned(),
        password_hash,
        expire_after: expired.then_some(r.now),
        created_at: r.now,
        updated_at: r.now,
    };
    tx.insert_password(r.project(), &password)
        .await
        .map_err(|e| r.fail(e))
}

/// For `createIdentity`: the hash of a non-empty, policy-checked password.
pub async fn hash_password_for_identity(
    password: Option<&str>,
) -> async_graphql::Result<Option<String>> {
    match password.filter(|p| !p.is_empty()) {
        Some(p) => {
            password::check(p)?;
            Ok(Some(hash_password(p.to_owned()).await?))
        }
        None => Ok(None),
    }
}
