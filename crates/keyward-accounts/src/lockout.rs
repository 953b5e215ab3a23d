//! Account lockout (Authgear's `authentication.lockout`): after
//! `max_attempts` failed passwords within `history`, the account (or the
//! account from that address) is locked for
//! `min(minimum × backoff^(failures − max_attempts), maximum)`; during the
//! lock every attempt fails, even with the right password. The counts live
//! in the database, so every replica enforces the same lock.

use keyward_store::{LockoutSettings, Tx};

use crate::error::AccountsError;

/// What a lock is counted against.
pub fn subject(settings: &LockoutSettings, user_id: &str, ip: &str) -> String {
    if settings.per_ip {
        format!("{user_id}|{ip}")
    } else {
        user_id.to_owned()
    }
}

/// How long to lock after `failures` failures; `None` below the threshold
/// or with lockout off.
pub fn lock_duration(settings: &LockoutSettings, failures: i64) -> Option<i64> {
    let max = i64::from(settings.max_attempts);
    if max == 0 || failures < max {
        return None;
    }
    let exponent = i32::try_from(failures - max).unwrap_or(i32::MAX);
    let secs = settings.min_secs as f64 * settings.backoff_factor.powi(exponent);
    Some((secs.min(settings.max_secs as f64) as i64).clamp(1, settings.max_secs))
}

/// Until when `user_id` (from `ip`) is locked at `now`, if it is.
pub async fn locked_until(
    tx: &mut Tx,
    project: &str,
    settings: &LockoutSettings,
    user_id: &str,
    ip: &str,
    now: i64,
) -> Result<Option<i64>, AccountsError> {
    if settings.max_attempts == 0 {
        return Ok(None);
    }
    let record = tx.lockout(project, &subject(settings, user_id, ip)).await?;
    Ok(record
        .and_then(|r| r.locked_until)
        .filter(|until| *until > now))
}

/// Count a failure; returns the lock's end when this failure locks.
pub async fn record_failure(
    tx: &mut Tx,
    project: &str,
    settings: &LockoutSettings,
    user_id: &str,
    ip: &str,
    now: i64,
) -> Result<Option<i64>, AccountsError> {
    if settings.max_attempts == 0 {
        return Ok(None);
    }
    let subject = subject(settings, user_id, ip);
    let (failures, _) = tx
        .count_failure(project, &subject, user_id, now, now - settings.history_secs)
        .await?;
    let Some(duration) = lock_duration(settings, failures) else {
        return Ok(None);
    };
    let until = now + duration;
    tx.lock(project, &subject, until).await?;
    Ok(Some(until))
}

/// A successful sign-in forgets the failures it was counted with.
pub async fn record_success(
    tx: &mut Tx,
    project: &str,
    settings: &LockoutSettings,
    user_id: &str,
    ip: &str,
) -> Result<(), AccountsError> {
    if settings.max_attempts == 0 {
        return Ok(());
    }
    tx.clear_lockout(project, &subject(settings, user_id, ip))
        .await?;
    Ok(())
}

/// A user's lock as the Admin API shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockStatus {
    /// Locked at all.
    pub is_locked: bool,
    /// Latest end of any lock.
    pub locked_until: Option<i64>,
    /// Locked addresses with their ends (per-address lockout).
    pub locked_ips: Vec<(String, i64)>,
}

/// Whether (and where) `user_id` is locked at `now`.
pub async fn status(
    tx: &mut Tx,
    project: &str,
    user_id: &str,
    now: i64,
) -> Result<LockStatus, AccountsError> {
    let records = tx.lockouts_of(project, user_id).await?;
    let live: Vec<(String, i64)> = records
        .into_iter()
        .filter_map(|r| r.locked_until.filter(|u| *u > now).map(|u| (r.subject, u)))
        .collect();
    Ok(LockStatus {
        is_locked: !live.is_empty(),
        locked_until: live.iter().map(|(_, u)| *u).max(),
        locked_ips: live
            .iter()
            .filter_map(|(s, u)| s.split_once('|').map(|(_, ip)| (ip.to_owned(), *u)))
            .collect(),
    })
}

/// `resetAccountLockout`: forget every failure and lock of a user.
pub async fn reset(
    tx: &mut Tx,
    actor: &crate::audit::Actor,
    user_id: &str,
) -> Result<(), AccountsError> {
    tx.delete_lockouts_of(&actor.project, user_id).await?;
    crate::audit::record(
        tx,
        actor,
        Some(user_id),
        crate::audit::AuditEvent::ResetAccountLockout,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(max: u32, backoff: f64) -> LockoutSettings {
        LockoutSettings {
            max_attempts: max,
            history_secs: 300,
            min_secs: 60,
            max_secs: 600,
            backoff_factor: backoff,
            per_ip: false,
        }
    }

    #[test]
    fn no_lock_below_the_threshold_or_when_off() {
        assert_eq!(lock_duration(&settings(3, 2.0), 2), None);
        assert_eq!(lock_duration(&settings(0, 2.0), 100), None);
    }

    #[test]
    fn lock_grows_by_the_backoff_and_stops_at_the_maximum() {
        let s = settings(3, 2.0);
        assert_eq!(lock_duration(&s, 3), Some(60));
        assert_eq!(lock_duration(&s, 4), Some(120));
        assert_eq!(lock_duration(&s, 5), Some(240));
        assert_eq!(lock_duration(&s, 6), Some(480));
        assert_eq!(lock_duration(&s, 7), Some(600));
        assert_eq!(lock_duration(&s, i64::MAX), Some(600));
        assert_eq!(lock_duration(&settings(3, 1.0), 9), Some(60));
    }

    #[test]
    fn subjects_per_user_or_per_address() {
        let mut s = settings(3, 1.0);
        assert_eq!(subject(&s, "u", "10.0.0.1"), "u");
        s.per_ip = true;
        assert_eq!(subject(&s, "u", "10.0.0.1"), "u|10.0.0.1");
    }
}
