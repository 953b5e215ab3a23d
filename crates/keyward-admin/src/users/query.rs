//! The user queries: `users`, `getUserByLoginID`,
//! `getUsersByStandardAttribute`, `getUserByOAuth`.

use async_graphql::{Context, Object};
use keyward_accounts::loginid::{self, LoginIdType};
use keyward_accounts::users as accounts;
use keyward_store::{UserFilter, UserSort};

use crate::connection::{Connection, PageArgs, SortDirection, Total};
use crate::context::req;
use crate::errors::{AdminError, AdminResult};
use crate::nodes::{UserNode, UserSortBy};

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
