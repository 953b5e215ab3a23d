//! Account status and its transitions (`setDisabledStatus`,
//! `scheduleAccountDeletion`, `unscheduleAccountDeletion`, the account
//! valid period), with Authgear's status names and errors, and the one
//! answer to "may this user sign in now, and if not why" ([`may_sign_in`]).
//! Every function takes `now`; none reads a clock.

use keyward_store::User;

use crate::error::AccountsError;

/// One day, in microseconds (grace periods are set in days).
pub const DAY_MICROS: i64 = 24 * 3600 * 1_000_000;

/// The status of an account.
pub fn status(user: &User) -> &'static str {
    if user.is_anonymized {
        "anonymized"
    } else if user.anonymize_at.is_some() {
        "scheduled_anonymization_disabled"
    } else if user.delete_at.is_some() && user.is_deactivated {
        "scheduled_deletion_deactivated"
    } else if user.delete_at.is_some() {
        "scheduled_deletion_disabled"
    } else if user.is_deactivated {
        "deactivated"
    } else if user.is_disabled && user.temporarily_disabled_from.is_some() {
        "disabled_temporarily"
    } else if user.is_disabled {
        "disabled"
    } else {
        "normal"
    }
}

/// Whether the admin's disable flag holds right now (a temporary window
/// only counts while it lasts).
fn disabled_by_admin(user: &User, now: i64) -> bool {
    if !user.is_disabled {
        return false;
    }
    match (
        user.temporarily_disabled_from,
        user.temporarily_disabled_until,
    ) {
        (Some(from), Some(until)) => from <= now && now < until,
        _ => true,
    }
}

/// Whether `now` lies outside the account valid period (from inclusive,
/// until exclusive).
fn outside_valid_period(user: &User, now: i64) -> bool {
    user.account_valid_from.is_some_and(|from| now < from)
        || user.account_valid_until.is_some_and(|until| now >= until)
}

/// Whether the account is disabled right now, as Authgear's `isDisabled`:
/// anonymized, outside its valid period, or disabled (inside a temporary
/// window, or indefinitely, which includes a scheduled deletion).
pub fn is_disabled(user: &User, now: i64) -> bool {
    user.is_anonymized || outside_valid_period(user, now) || disabled_by_admin(user, now)
}

/// Why a user may not sign in now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignInRefusal {
    /// The account was anonymized.
    Anonymized,
    /// The user deactivated the account.
    Deactivated,
    /// The account is scheduled to be anonymized.
    ScheduledAnonymization {
        /// When it will be anonymized.
        anonymize_at: i64,
    },
    /// The account is scheduled for deletion.
    ScheduledDeletion {
        /// When it will be deleted.
        delete_at: i64,
    },
    /// Disabled by an admin, indefinitely or inside a temporary window.
    Disabled {
        /// The admin's reason, if any.
        reason: Option<String>,
        /// The end of a temporary window.
        until: Option<i64>,
    },
    /// The account valid period has not begun.
    NotYetValid {
        /// When it begins.
        from: i64,
    },
    /// The account valid period is over.
    Expired {
        /// When it ended.
        until: i64,
    },
}

impl SignInRefusal {
    /// The stable machine-readable reason.
    pub fn reason(&self) -> &'static str {
        match self {
            SignInRefusal::Anonymized => "user_anonymized",
            SignInRefusal::Deactivated => "user_deactivated",
            SignInRefusal::ScheduledAnonymization { .. } => "user_scheduled_anonymization",
            SignInRefusal::ScheduledDeletion { .. } => "user_scheduled_deletion",
            SignInRefusal::Disabled { .. } => "user_disabled",
            SignInRefusal::NotYetValid { .. } => "account_not_yet_valid",
            SignInRefusal::Expired { .. } => "account_expired",
        }
    }
}

/// May this user sign in (or refresh a session) at `now`, and if not, why.
/// The one rule every door asks; checked in order of what is most final.
pub fn may_sign_in(user: &User, now: i64) -> Result<(), SignInRefusal> {
    if user.is_anonymized {
        return Err(SignInRefusal::Anonymized);
    }
    if user.is_deactivated {
        return Err(SignInRefusal::Deactivated);
    }
    if let Some(anonymize_at) = user.anonymize_at {
        return Err(SignInRefusal::ScheduledAnonymization { anonymize_at });
    }
    if let Some(delete_at) = user.delete_at {
        return Err(SignInRefusal::ScheduledDeletion { delete_at });
    }
    if disabled_by_admin(user, now) {
        return Err(SignInRefusal::Disabled {
            reason: user.disable_reason.clone(),
            until: user.temporarily_disabled_until,
        });
    }
    if let Some(from) = user.account_valid_from.filter(|from| now < *from) {
        return Err(SignInRefusal::NotYetValid { from });
    }
    if let Some(until) = user.account_valid_until.filter(|until| now >= *until) {
        return Err(SignInRefusal::Expired { until });
    }
    Ok(())
}

fn transition(from: &'static str, to: &'static str) -> AccountsError {
    AccountsError::StatusTransition { from, to }
}

fn window_error(kind: &'static str) -> AccountsError {
    AccountsError::BadWindow { kind }
}

/// Check the account valid period bounds (`from` strictly before `until`).
pub fn check_valid_period(from: Option<i64>, until: Option<i64>) -> Result<(), AccountsError> {
    match (from, until) {
        (Some(a), Some(b)) if a >= b => Err(window_error(
            "AccountValidFromShouldBeBeforeAccountValidUntil",
        )),
        _ => Ok(()),
    }
}

/// Set the account valid period (`None` clears a bound). Anonymized
/// accounts refuse, after the bounds are checked, as in Authgear.
pub fn set_valid_period(
    user: &mut User,
    from: Option<i64>,
    until: Option<i64>,
) -> Result<(), AccountsError> {
    check_valid_period(from, until)?;
    if user.is_anonymized {
        return Err(transition("anonymized", "anonymized"));
    }
    user.account_valid_from = from;
    user.account_valid_until = until;
    Ok(())
}

/// Apply `setDisabledStatus`.
pub fn set_disabled(
    user: &mut User,
    disabled: bool,
    reason: Option<String>,
    window: (Option<i64>, Option<i64>),
) -> Result<(), AccountsError> {
    let from = status(user);
    if !disabled {
        if !matches!(from, "disabled" | "disabled_temporarily") {
            return Err(transition(from, "normal"));
        }
        user.is_disabled = false;
        user.disable_reason = None;
        user.temporarily_disabled_from = None;
        user.temporarily_disabled_until = None;
        return Ok(());
    }
    let window = match window {
        (None, None) => None,
        (Some(_), None) => {
            return Err(window_error(
                "TemporarilyDisabledPeriodMissingUntilTimestamp",
            ));
        }
        (None, Some(_)) => {
            return Err(window_error(
                "TemporarilyDisabledPeriodMissingFromTimestamp",
            ));
        }
        (Some(a), Some(b)) if a >= b => {
            return Err(window_error(
                "TemporarilyDisabledFromShouldBeBeforeTemporarilyDisabledUntil",
            ));
        }
        (Some(a), Some(b)) => Some((a, b)),
    };
    let to = if window.is_some() {
        "disabled_temporarily"
    } else {
        "disabled"
    };
    if from != "normal" {
        return Err(transition(from, to));
    }
    user.is_disabled = true;
    user.disable_reason = reason;
    user.temporarily_disabled_from = window.map(|w| w.0);
    user.temporarily_disabled_until = window.map(|w| w.1);
    Ok(())
}

/// Apply `scheduleAccountDeletion`: deleted `grace_days` after `now`.
pub fn schedule_deletion(
    user: &mut User,
    reason: Option<String>,
    now: i64,
    grace_days: u32,
) -> Result<(), AccountsError> {
    let from = status(user);
    if !matches!(from, "normal" | "disabled" | "disabled_temporarily") {
        return Err(transition(from, "scheduled_deletion_disabled"));
    }
    user.is_disabled = true;
    user.temporarily_disabled_from = None;
    user.temporarily_disabled_until = None;
    user.delete_at = Some(now.saturating_add(DAY_MICROS * i64::from(grace_days)));
    user.delete_reason = reason;
    Ok(())
}

/// Apply `unscheduleAccountDeletion`.
pub fn unschedule_deletion(user: &mut User) -> Result<(), AccountsError> {
    let from = status(user);
    if from != "scheduled_deletion_disabled" {
        return Err(transition(from, "normal"));
    }
    user.is_disabled = false;
    user.disable_reason = None;
    user.delete_at = None;
    user.delete_reason = None;
    Ok(())
}

/// Apply `scheduleAccountAnonymization`: disabled now, anonymized
/// `grace_days` after `now`. A scheduled deletion gives way to it.
pub fn schedule_anonymization(
    user: &mut User,
    now: i64,
    grace_days: u32,
) -> Result<(), AccountsError> {
    if user.is_anonymized {
        return Err(AccountsError::UserIsAnonymized);
    }
    let from = status(user);
    if !matches!(
        from,
        "normal"
            | "disabled"
            | "disabled_temporarily"
            | "scheduled_deletion_disabled"
            | "scheduled_deletion_deactivated"
    ) {
        return Err(transition(from, "scheduled_anonymization_disabled"));
    }
    user.is_disabled = true;
    user.is_deactivated = false;
    user.disable_reason = None;
    user.temporarily_disabled_from = None;
    user.temporarily_disabled_until = None;
    user.delete_at = None;
    user.delete_reason = None;
    user.anonymize_at = Some(now.saturating_add(DAY_MICROS * i64::from(grace_days)));
    Ok(())
}

/// Apply `unscheduleAccountAnonymization`: the account is enabled again.
pub fn unschedule_anonymization(user: &mut User) -> Result<(), AccountsError> {
    if user.is_anonymized {
        return Err(AccountsError::UserIsAnonymized);
    }
    let from = status(user);
    if from != "scheduled_anonymization_disabled" {
        return Err(transition(from, "normal"));
    }
    user.is_disabled = false;
    user.disable_reason = None;
    user.temporarily_disabled_from = None;
    user.temporarily_disabled_until = None;
    user.anonymize_at = None;
    user.delete_at = None;
    user.delete_reason = None;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(e: AccountsError) -> String {
        format!("{} {}", e.reason(), e)
    }

    #[test]
    fn disable_enable_and_illegal_transitions() {
        let mut user = User::new("u".into(), 0);
        set_disabled(&mut user, true, Some("spam".into()), (None, None)).unwrap();
        assert_eq!(status(&user), "disabled");
        assert!(is_disabled(&user, 5));
        let again = set_disabled(&mut user, true, None, (None, None)).unwrap_err();
        assert!(reason(again).contains("disabled -> disabled"));
        set_disabled(&mut user, false, None, (None, None)).unwrap();
        assert_eq!(
            (status(&user), user.disable_reason.clone()),
            ("normal", None)
        );
        assert!(
            reason(set_disabled(&mut user, false, None, (None, None)).unwrap_err())
                .contains("normal -> normal")
        );
    }

    #[test]
    fn temporary_window_rules() {
        let mut user = User::new("u".into(), 0);
        assert!(
            reason(set_disabled(&mut user, true, None, (Some(1), None)).unwrap_err())
                .contains("InvalidAccountStatusTransition")
        );
        assert!(set_disabled(&mut user, true, None, (Some(5), Some(5))).is_err());
        set_disabled(&mut user, true, None, (Some(10), Some(20))).unwrap();
        assert_eq!(status(&user), "disabled_temporarily");
        assert!(!is_disabled(&user, 9) && is_disabled(&user, 10) && !is_disabled(&user, 20));
    }

    #[test]
    fn deletion_schedule() {
        let mut user = User::new("u".into(), 0);
        schedule_deletion(&mut user, Some("asked".into()), 100, 30).unwrap();
        assert_eq!(status(&user), "scheduled_deletion_disabled");
        assert_eq!(user.delete_at, Some(100 + 30 * DAY_MICROS));
        assert!(schedule_deletion(&mut user, None, 100, 30).is_err());
        unschedule_deletion(&mut user).unwrap();
        assert_eq!(status(&user), "normal");
        assert!(unschedule_deletion(&mut user).is_err());
    }

    #[test]
    fn anonymization_schedule() {
        let mut user = User::new("u".into(), 0);
        schedule_deletion(&mut user, Some("asked".into()), 0, 30).unwrap();
        schedule_anonymization(&mut user, 100, 30).unwrap();
        assert_eq!(status(&user), "scheduled_anonymization_disabled");
        assert_eq!(
            (user.delete_at, user.anonymize_at),
            (None, Some(100 + 30 * DAY_MICROS))
        );
        assert!(is_disabled(&user, 101));
        assert_eq!(
            may_sign_in(&user, 101).unwrap_err().reason(),
            "user_scheduled_anonymization"
        );
        let again = schedule_anonymization(&mut user, 100, 30).unwrap_err();
        assert!(
            reason(again)
                .contains("scheduled_anonymization_disabled -> scheduled_anonymization_disabled")
        );
        assert!(schedule_deletion(&mut user, None, 0, 30).is_err());
        unschedule_anonymization(&mut user).unwrap();
        assert_eq!(status(&user), "normal");
        assert!(!is_disabled(&user, 101));
        assert!(
            reason(unschedule_anonymization(&mut user).unwrap_err()).contains("normal -> normal")
        );
        user.is_deactivated = true;
        assert!(schedule_anonymization(&mut user, 0, 30).is_err());
        user.is_anonymized = true;
        assert_eq!(
            schedule_anonymization(&mut user, 0, 30)
                .unwrap_err()
                .reason(),
            "UserIsAnonymized"
        );
    }

    #[test]
    fn valid_period_disables_outside_and_refuses_sign_in() {
        let mut user = User::new("u".into(), 0);
        set_valid_period(&mut user, Some(100), Some(200)).unwrap();
        assert!(is_disabled(&user, 99) && !is_disabled(&user, 100));
        assert!(!is_disabled(&user, 199) && is_disabled(&user, 200));
        assert_eq!(
            may_sign_in(&user, 50),
            Err(SignInRefusal::NotYetValid { from: 100 })
        );
        assert_eq!(may_sign_in(&user, 150), Ok(()));
        assert_eq!(
            may_sign_in(&user, 200).unwrap_err().reason(),
            "account_expired"
        );
        // from >= until is refused, as Authgear does
        let e = set_valid_period(&mut user, Some(200), Some(200)).unwrap_err();
        assert_eq!(e.reason(), "InvalidAccountStatusTransition");
        assert_eq!(
            e.info().unwrap()["cause"]["kind"],
            "AccountValidFromShouldBeBeforeAccountValidUntil"
        );
        set_valid_period(&mut user, None, None).unwrap();
        assert!(!is_disabled(&user, 0));
    }

    #[test]
    fn sign_in_refusals_in_order() {
        let mut user = User::new("u".into(), 0);
        assert_eq!(may_sign_in(&user, 1), Ok(()));
        set_disabled(&mut user, true, Some("spam".into()), (Some(10), Some(20))).unwrap();
        assert_eq!(may_sign_in(&user, 5), Ok(()));
        assert_eq!(
            may_sign_in(&user, 10),
            Err(SignInRefusal::Disabled {
                reason: Some("spam".into()),
                until: Some(20)
            })
        );
        set_disabled(&mut user, false, None, (None, None)).unwrap();
        schedule_deletion(&mut user, None, 0, 30).unwrap();
        assert_eq!(
            may_sign_in(&user, 1).unwrap_err().reason(),
            "user_scheduled_deletion"
        );
        user.is_deactivated = true;
        assert_eq!(
            may_sign_in(&user, 1).unwrap_err().reason(),
            "user_deactivated"
        );
        user.is_anonymized = true;
        assert_eq!(may_sign_in(&user, 1), Err(SignInRefusal::Anonymized));
        assert!(is_disabled(&user, 1));
    }
}
