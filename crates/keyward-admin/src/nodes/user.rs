//! `User`: the node and its fields.

use async_graphql::{Context, Enum, ID, Object};
use keyward_accounts::{ids, status, stdattrs};
use keyward_store::{Catalog, Entry, User};
use serde_json::{Map, Value, json};

use super::{
    AccountLockout, AuthenticatorKind, AuthenticatorNode, AuthenticatorType, AuthorizationNode,
    Claim, IdentityNode, IdentityType, SessionNode,
};
use super::{GroupNode, RoleNode};
use crate::connection::{Connection, Named, PageArgs};
use crate::context::req;
use crate::errors::AdminResult;
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

impl UserNode {
    /// The user with raw ID `id` as it is now (payloads load their user
    /// after the change), or `UserNotFound`.
    pub async fn load(r: &crate::context::RequestCtx, id: &str) -> AdminResult<UserNode> {
        Ok(UserNode(
            keyward_accounts::records::load(&mut *r.tx().await?, r.project(), id).await?,
        ))
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
    /// The scheduled anonymization time
    async fn anonymize_at(&self) -> Option<DateTime> {
        at(self.0.anonymize_at)
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
    async fn mfa_grace_period_end_at(&self, ctx: &Context<'_>) -> AdminResult<Option<DateTime>> {
        let r = req(ctx)?;
        let end = r
            .tx()
            .await?
            .mfa_grace_period_end(r.project(), &self.0.id)
            .await?;
        Ok(at(end))
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
        stdattrs::formatted_name(&self.0.standard_attributes)
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
        let list = self
            .authenticators_of(ctx)
            .await?
            .into_iter()
            .filter(|a| authenticator_kind.is_none_or(|k| a.kind_() == k))
            .filter(|a| authenticator_type.is_none_or(|t| a.type_() == t))
            .collect();
        Ok(Some(Connection::from_list(
            list,
            &PageArgs::new(after, before, first, last),
        )?))
    }
    /// The primary password authenticator
    async fn primary_password(&self, ctx: &Context<'_>) -> AdminResult<Option<AuthenticatorNode>> {
        self.first_of(ctx, AuthenticatorKind::Primary, AuthenticatorType::Password)
            .await
    }
    /// The secondary password authenticator
    async fn secondary_password(
        &self,
        ctx: &Context<'_>,
    ) -> AdminResult<Option<AuthenticatorNode>> {
        self.first_of(
            ctx,
            AuthenticatorKind::Secondary,
            AuthenticatorType::Password,
        )
        .await
    }
    /// The primary passwordless via email authenticator
    #[graphql(name = "primaryOOBOTPEmailAuthenticator")]
    async fn primary_oob_otp_email_authenticator(
        &self,
        ctx: &Context<'_>,
    ) -> AdminResult<Option<AuthenticatorNode>> {
        self.first_of(
            ctx,
            AuthenticatorKind::Primary,
            AuthenticatorType::OobOtpEmail,
        )
        .await
    }
    /// The primary passwordless via phone authenticator
    #[graphql(name = "primaryOOBOTPSMSAuthenticator")]
    async fn primary_oob_otp_sms_authenticator(
        &self,
        ctx: &Context<'_>,
    ) -> AdminResult<Option<AuthenticatorNode>> {
        self.first_of(
            ctx,
            AuthenticatorKind::Primary,
            AuthenticatorType::OobOtpSms,
        )
        .await
    }
    /// Secondary email OTP authenticators
    #[graphql(name = "secondaryOOBOTPEmailAuthenticators")]
    async fn secondary_oob_otp_email_authenticators(
        &self,
        ctx: &Context<'_>,
    ) -> AdminResult<Vec<AuthenticatorNode>> {
        self.all_of(ctx, AuthenticatorType::OobOtpEmail).await
    }
    /// Secondary SMS OTP authenticators
    #[graphql(name = "secondaryOOBOTPSMSAuthenticators")]
    async fn secondary_oob_otp_sms_authenticators(
        &self,
        ctx: &Context<'_>,
    ) -> AdminResult<Vec<AuthenticatorNode>> {
        self.all_of(ctx, AuthenticatorType::OobOtpSms).await
    }
    /// Secondary TOTP authenticators
    #[graphql(name = "secondaryTOTPAuthenticators")]
    async fn secondary_totp_authenticators(
        &self,
        ctx: &Context<'_>,
    ) -> AdminResult<Vec<AuthenticatorNode>> {
        self.all_of(ctx, AuthenticatorType::Totp).await
    }
    /// The list of first party app sessions
    async fn sessions(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> AdminResult<Option<Connection<SessionNode>>> {
        let list = crate::sessions::of_user(req(ctx)?, &self.0.id).await?;
        Ok(Some(Connection::from_list(
            list,
            &PageArgs::new(after, before, first, last),
        )?))
    }
    /// The list of third party app authorizations
    async fn authorizations(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> AdminResult<Option<Connection<AuthorizationNode>>> {
        let r = req(ctx)?;
        let list =
            keyward_accounts::authorizations::of_user(&mut *r.tx().await?, r.project(), &self.0.id)
                .await?;
        let nodes = list.into_iter().map(AuthorizationNode::from).collect();
        Ok(Some(Connection::from_list(
            nodes,
            &PageArgs::new(after, before, first, last),
        )?))
    }
    /// The account lockout status
    async fn account_lockout(&self, ctx: &Context<'_>) -> AdminResult<AccountLockout> {
        crate::sessions::lockout_of(req(ctx)?, &self.0.id).await
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

    /// Every authenticator of the user, oldest first (then by ID).
    async fn authenticators_of(&self, ctx: &Context<'_>) -> AdminResult<Vec<AuthenticatorNode>> {
        let r = req(ctx)?;
        let mut tx = r.tx().await?;
        let passwords = tx.passwords_of(r.project(), &self.0.id).await?;
        let others = tx.authenticators_of(r.project(), &self.0.id).await?;
        let mut all: Vec<AuthenticatorNode> = passwords
            .into_iter()
            .map(AuthenticatorNode::password)
            .chain(others.into_iter().map(AuthenticatorNode::other))
            .collect();
        all.sort_by(|a, b| (a.a.created_at, &a.a.id).cmp(&(b.a.created_at, &b.a.id)));
        Ok(all)
    }

    async fn first_of(
        &self,
        ctx: &Context<'_>,
        kind: AuthenticatorKind,
        kind_of: AuthenticatorType,
    ) -> AdminResult<Option<AuthenticatorNode>> {
        Ok(self
            .authenticators_of(ctx)
            .await?
            .into_iter()
            .find(|a| a.kind_() == kind && a.type_() == kind_of))
    }

    async fn all_of(
        &self,
        ctx: &Context<'_>,
        kind_of: AuthenticatorType,
    ) -> AdminResult<Vec<AuthenticatorNode>> {
        Ok(self
            .authenticators_of(ctx)
            .await?
            .into_iter()
            .filter(|a| a.kind_() == AuthenticatorKind::Secondary && a.type_() == kind_of)
            .collect())
    }
}
