//! Per-project account settings: the grace periods of scheduled deletion
//! and anonymization, and whether the Admin API may create sessions.

use crate::error::{Result, StoreError};
use crate::{Store, Tx};

/// A project's account settings (Authgear's defaults in [`Default`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountSettings {
    /// Days between `scheduleAccountDeletion` and the deletion (0–3650).
    pub deletion_grace_days: u32,
    /// Days between `scheduleAccountAnonymization` and the anonymization.
    pub anonymization_grace_days: u32,
    /// Whether `createSession` may issue tokens (off by default).
    pub create_session_enabled: bool,
}

impl Default for AccountSettings {
    fn default() -> Self {
        AccountSettings {
            deletion_grace_days: 30,
            anonymization_grace_days: 30,
            create_session_enabled: false,
        }
    }
}

/// The longest grace period, in days (ten years).
pub const MAX_GRACE_DAYS: u32 = 3650;

impl AccountSettings {
    /// Refuse settings out of range.
    pub fn validate(&self) -> Result<()> {
        if self.deletion_grace_days > MAX_GRACE_DAYS
            || self.anonymization_grace_days > MAX_GRACE_DAYS
        {
            return Err(StoreError::Unsupported(format!(
                "grace periods are 0 to {MAX_GRACE_DAYS} days"
            )));
        }
        Ok(())
    }
}

impl Tx {
    /// A project's account settings.
    pub async fn account_settings(&mut self, project: &str) -> Result<AccountSettings> {
        let row: Option<(i64, i64, bool)> = on_tx!(self, |conn, pg| {
            sqlx::query_as(
                "SELECT deletion_grace_days, anonymization_grace_days, create_session_enabled \
                 FROM projects WHERE id = $1",
            )
            .bind(project)
            .fetch_optional(&mut *conn)
            .await?
        });
        let (deletion, anonymization, create_session) =
            row.ok_or_else(|| StoreError::ProjectNotFound(project.to_owned()))?;
        Ok(AccountSettings {
            deletion_grace_days: u32::try_from(deletion).unwrap_or(30),
            anonymization_grace_days: u32::try_from(anonymization).unwrap_or(30),
            create_session_enabled: create_session,
        })
    }

    /// Change a project's account settings.
    pub async fn set_account_settings(&mut self, project: &str, s: &AccountSettings) -> Result<()> {
        s.validate()?;
        let n = on_tx!(self, |conn, pg| {
            sqlx::query(
                "UPDATE projects SET deletion_grace_days = $2, anonymization_grace_days = $3, \
                    create_session_enabled = $4 WHERE id = $1",
            )
            .bind(project)
            .bind(i64::from(s.deletion_grace_days))
            .bind(i64::from(s.anonymization_grace_days))
            .bind(s.create_session_enabled)
            .execute(&mut *conn)
            .await?
            .rows_affected()
        });
        if n == 0 {
            return Err(StoreError::ProjectNotFound(project.to_owned()));
        }
        Ok(())
    }
}

impl Store {
    /// [`Tx::account_settings`] in a read transaction.
    pub async fn account_settings(&self, project: &str) -> Result<AccountSettings> {
        Ok(in_tx!(read self, |tx| tx.account_settings(project).await?))
    }

    /// [`Tx::set_account_settings`] in its own transaction.
    pub async fn set_account_settings(&self, project: &str, s: &AccountSettings) -> Result<()> {
        in_tx!(self, |tx| tx.set_account_settings(project, s).await?);
        Ok(())
    }
}
