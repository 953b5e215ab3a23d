//! Account status and its transitions (`setDisabledStatus`,
//! `scheduleAccountDeletion`, `unscheduleAccountDeletion`), with Authgear's
//! status names and errors.

use keyward_store::User;
use serde_json::json;

use super::errors::ApiErr;

/// How long a scheduled deletion waits (Authgear's default grace period).
pub const DELETION_GRACE_MICROS: i64 = 30 * 24 * 3600 * 1_000_000;

/// The status of an account.
pub fn status(user: &User) -> &'static str {
    if user.is_anonymized {
        "anonymized"
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

/// Whether the account is disabled right now (a temporary window only
/// counts while it lasts).
pub fn is_disabled(user: &User, now: i64) -> bool {
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

fn transition(from: &str, to: &str) -> ApiErr {
    ApiErr::invalid(
        "InvalidAccountStatusTransition",
        format!("invalid account status transition: {from} -> {to}"),
    )
    .info(json!({"from": from, "to": to}))
}

fn window_error(kind: &str) -> ApiErr {
    ApiErr::invalid(
        "InvalidAccountStatusTransition",
        "invalid account status transition",
    )
    .info(json!({"cause": {"kind": kind}}))
}

/// Apply `setDisabledStatus`.
pub fn set_disabled(
    user: &mut User,
    disabled: bool,
    reason: Option<String>,
    window: (Option<i64>, Option<i64>),
) -> Result<(), ApiErr> {
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

/// Apply `scheduleAccountDeletion`.
pub fn schedule_deletion(user: &mut User, reason: Option<String>, now: i64) -> Result<(), ApiErr> {
    let from = status(user);
    if !matches!(from, "normal" | "disabled" | "disabled_temporarily") {
        return Err(transition(from, "scheduled_deletion_disabled"));
    }
    user.is_disabled = true;
    user.temporarily_disabled_from = None;
    user.temporarily_disabled_until = None;
    user.delete_at = Some(now.saturating_add(DELETION_GRACE_MICROS));
    user.delete_reason = reason;
    Ok(())
}

/// Apply `unscheduleAccountDeletion`.
pub fn unschedule_deletion(user: &mut User) -> Result<(), ApiErr> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(e: ApiErr) -> String {
        let e: async_graphql::Error = e.into();
        let ext = serde_json::to_value(&e.extensions).unwrap();
        format!("{} {}", ext["reason"], e.message)
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
        schedule_deletion(&mut user, Some("asked".into()), 100).unwrap();
        assert_eq!(status(&user), "scheduled_deletion_disabled");
        assert_eq!(user.delete_at, Some(100 + DELETION_GRACE_MICROS));
        assert!(schedule_deletion(&mut user, None, 100).is_err());
        unschedule_deletion(&mut user).unwrap();
        assert_eq!(status(&user), "normal");
        assert!(unschedule_deletion(&mut user).is_err());
    }
}
