//! The account lifecycle mutations beyond disabling and deletion:
//! scheduled anonymization and the account valid period.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use keyward_accounts::users::{self as accounts, ValidPeriodChange};

use crate::context::req;
use crate::errors::AdminResult;
use crate::nodes::{UserNode, user_raw};
use crate::scalars::DateTime;

/// Declare an input that names only a user.
macro_rules! user_input {
    ($name:ident) => {
        #[doc = concat!("`", stringify!($name), "`.")]
        #[derive(InputObject)]
        pub struct $name {
            /// Target user ID.
            #[graphql(name = "userID")]
            user_id: ID,
        }
    };
}

user_input!(ScheduleAccountAnonymizationInput);
user_input!(UnscheduleAccountAnonymizationInput);

/// `SetAccountValidFromInput`.
#[derive(InputObject)]
pub struct SetAccountValidFromInput {
    /// The start of the account valid period (null or omitted: none).
    account_valid_from: Option<DateTime>,
    /// Target user ID.
    #[graphql(name = "userID")]
    user_id: ID,
}

/// `SetAccountValidUntilInput`.
#[derive(InputObject)]
pub struct SetAccountValidUntilInput {
    /// The end of the account valid period (null or omitted: none).
    account_valid_until: Option<DateTime>,
    /// Target user ID.
    #[graphql(name = "userID")]
    user_id: ID,
}

/// `SetAccountValidPeriodInput`.
#[derive(InputObject)]
pub struct SetAccountValidPeriodInput {
    /// The start (null or omitted: none).
    account_valid_from: Option<DateTime>,
    /// The end (null or omitted: none).
    account_valid_until: Option<DateTime>,
    /// Target user ID.
    #[graphql(name = "userID")]
    user_id: ID,
}

/// Declare a payload holding the changed user.
macro_rules! user_payload {
    ($name:ident) => {
        #[doc = concat!("`", stringify!($name), "`.")]
        #[derive(SimpleObject)]
        pub struct $name {
            user: UserNode,
        }
    };
}

user_payload!(ScheduleAccountAnonymizationPayload);
user_payload!(UnscheduleAccountAnonymizationPayload);
user_payload!(SetAccountValidFromPayload);
user_payload!(SetAccountValidUntilPayload);
user_payload!(SetAccountValidPeriodPayload);

async fn valid_period(
    ctx: &Context<'_>,
    id: &ID,
    change: ValidPeriodChange,
) -> AdminResult<UserNode> {
    let r = req(ctx)?;
    let id = user_raw(id)?;
    let user = accounts::set_valid_period(&mut *r.tx().await?, &r.actor, &id, change).await?;
    Ok(UserNode(user))
}

fn micros(t: Option<DateTime>) -> Option<i64> {
    t.map(|t| t.0)
}

/// Lifecycle mutations.
#[derive(Default)]
pub struct LifecycleMutation;

#[Object]
impl LifecycleMutation {
    /// Schedule account anonymization
    async fn schedule_account_anonymization(
        &self,
        ctx: &Context<'_>,
        input: ScheduleAccountAnonymizationInput,
    ) -> AdminResult<ScheduleAccountAnonymizationPayload> {
        let r = req(ctx)?;
        let id = user_raw(&input.user_id)?;
        let user = accounts::schedule_anonymization(&mut *r.tx().await?, &r.actor, &id).await?;
        Ok(ScheduleAccountAnonymizationPayload {
            user: UserNode(user),
        })
    }

    /// Unschedule account anonymization
    async fn unschedule_account_anonymization(
        &self,
        ctx: &Context<'_>,
        input: UnscheduleAccountAnonymizationInput,
    ) -> AdminResult<UnscheduleAccountAnonymizationPayload> {
        let r = req(ctx)?;
        let id = user_raw(&input.user_id)?;
        let user = accounts::unschedule_anonymization(&mut *r.tx().await?, &r.actor, &id).await?;
        Ok(UnscheduleAccountAnonymizationPayload {
            user: UserNode(user),
        })
    }

    /// Set the start of the account valid period
    async fn set_account_valid_from(
        &self,
        ctx: &Context<'_>,
        input: SetAccountValidFromInput,
    ) -> AdminResult<SetAccountValidFromPayload> {
        let change = ValidPeriodChange::From(micros(input.account_valid_from));
        Ok(SetAccountValidFromPayload {
            user: valid_period(ctx, &input.user_id, change).await?,
        })
    }

    /// Set the end of the account valid period
    async fn set_account_valid_until(
        &self,
        ctx: &Context<'_>,
        input: SetAccountValidUntilInput,
    ) -> AdminResult<SetAccountValidUntilPayload> {
        let change = ValidPeriodChange::Until(micros(input.account_valid_until));
        Ok(SetAccountValidUntilPayload {
            user: valid_period(ctx, &input.user_id, change).await?,
        })
    }

    /// Set the whole account valid period
    async fn set_account_valid_period(
        &self,
        ctx: &Context<'_>,
        input: SetAccountValidPeriodInput,
    ) -> AdminResult<SetAccountValidPeriodPayload> {
        let change = ValidPeriodChange::Period(
            micros(input.account_valid_from),
            micros(input.account_valid_until),
        );
        Ok(SetAccountValidPeriodPayload {
            user: valid_period(ctx, &input.user_id, change).await?,
        })
    }
}
