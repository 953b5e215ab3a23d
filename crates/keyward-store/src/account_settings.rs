//! Per-project account settings: the grace periods of scheduled deletion
//! and anonymization, whether the Admin API may create sessions, the
//! second-factor policy, whether end users may sign up, and where the
//! project's text messages go.

use zeroize::Zeroizing;

use crate::error::{Result, StoreError};
use crate::seal::MasterKey;
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
    /// Whether and when sign-in asks for a second factor.
    pub mfa_policy: MfaPolicy,
    /// Whether end users may sign up (off by default).
    pub signup_enabled: bool,
}

/// A project's second-factor policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MfaPolicy {
    /// Never asked, and not offered on the account page.
    Off,
    /// Asked of users who enrolled one (Authgear's `if_exists`).
    #[default]
    Optional,
    /// Every user needs one; a user without one signs in only during an
    /// MFA grace period, and is then sent to enrol.
    Required,
}

impl MfaPolicy {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            MfaPolicy::Off => "off",
            MfaPolicy::Optional => "optional",
            MfaPolicy::Required => "required",
        }
    }

    /// From the stored name.
    pub fn parse(s: &str) -> Option<MfaPolicy> {
        match s {
            "off" => Some(MfaPolicy::Off),
            "optional" => Some(MfaPolicy::Optional),
            "required" => Some(MfaPolicy::Required),
            _ => None,
        }
    }
}

impl Default for AccountSettings {
    fn default() -> Self {
        AccountSettings {
            deletion_grace_days: 30,
            anonymization_grace_days: 30,
            create_session_enabled: false,
            mfa_policy: MfaPolicy::Optional,
            signup_enabled: false,
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
        let row: Option<(i64, i64, bool, String, bool)> = on_tx!(self, |conn, pg| {
            sqlx::query_as(
                "SELECT deletion_grace_days, anonymization_grace_days, create_session_enabled, \
                    mfa_policy, signup_enabled FROM projects WHERE id = $1",
            )
            .bind(project)
            .fetch_optional(&mut *conn)
            .await?
        });
        let (deletion, anonymization, create_session, mfa, signup) =
            row.ok_or_else(|| StoreError::ProjectNotFound(project.to_owned()))?;
        Ok(AccountSettings {
            deletion_grace_days: u32::try_from(deletion).unwrap_or(30),
            anonymization_grace_days: u32::try_from(anonymization).unwrap_or(30),
            create_session_enabled: create_session,
            mfa_policy: MfaPolicy::parse(&mfa)
                .ok_or_else(|| StoreError::Corrupt(format!("unknown MFA policy {mfa:?}")))?,
            signup_enabled: signup,
        })
    }

    /// Change a project's account settings.
    pub async fn set_account_settings(&mut self, project: &str, s: &AccountSettings) -> Result<()> {
        s.validate()?;
        let n = on_tx!(self, |conn, pg| {
            sqlx::query(
                "UPDATE projects SET deletion_grace_days = $2, anonymization_grace_days = $3, \
                    create_session_enabled = $4, mfa_policy = $5, signup_enabled = $6 WHERE id = $1",
            )
            .bind(project)
            .bind(i64::from(s.deletion_grace_days))
            .bind(i64::from(s.anonymization_grace_days))
            .bind(s.create_session_enabled)
            .bind(s.mfa_policy.as_str())
            .bind(s.signup_enabled)
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

/// A project's own messaging setting, overriding the server's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessagingOverride {
    /// Where its text messages go.
    SmsWebhookUrl,
    /// The sender of its email.
    MailFrom,
}

impl MessagingOverride {
    fn column(self) -> &'static str {
        match self {
            MessagingOverride::SmsWebhookUrl => "sms_webhook_url",
            MessagingOverride::MailFrom => "mail_from",
        }
    }
}

impl Tx {
    /// The project's own value of `setting`, if it has one.
    pub async fn messaging_override(
        &mut self,
        project: &str,
        setting: MessagingOverride,
    ) -> Result<Option<String>> {
        let sql = format!("SELECT {} FROM projects WHERE id = $1", setting.column());
        let row: Option<(Option<String>,)> = on_tx!(self, |conn, pg| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(project)
                .fetch_optional(&mut *conn)
                .await?
        });
        Ok(row
            .ok_or_else(|| StoreError::ProjectNotFound(project.to_owned()))?
            .0)
    }

    /// Set or clear the project's own value of `setting`.
    pub async fn set_messaging_override(
        &mut self,
        project: &str,
        setting: MessagingOverride,
        value: Option<&str>,
    ) -> Result<()> {
        let sql = format!(
            "UPDATE projects SET {} = $2 WHERE id = $1",
            setting.column()
        );
        let n = on_tx!(self, |conn, pg| {
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(project)
                .bind(value)
                .execute(&mut *conn)
                .await?
                .rows_affected()
        });
        if n == 0 {
            return Err(StoreError::ProjectNotFound(project.to_owned()));
        }
        Ok(())
    }

    /// Where this project's text messages go, when it overrides the
    /// server's default.
    pub async fn sms_webhook_url(&mut self, project: &str) -> Result<Option<String>> {
        self.messaging_override(project, MessagingOverride::SmsWebhookUrl)
            .await
    }

    /// Set or clear the project's SMS webhook.
    pub async fn set_sms_webhook_url(&mut self, project: &str, url: Option<&str>) -> Result<()> {
        self.set_messaging_override(project, MessagingOverride::SmsWebhookUrl, url)
            .await
    }
}

/// The seal ID of a project's SMS webhook secret.
const SMS_SECRET_SEAL: &str = "sms-webhook";

impl Tx {
    /// The key signing the project's SMS webhook requests: the stored one,
    /// or `fresh`, stored now (sealed under `master`) when it has none yet.
    /// The write is one statement, so two replicas making one at once agree
    /// on the stored key; once there is one, this only reads.
    pub async fn sms_webhook_secret(
        &mut self,
        project: &str,
        fresh: &str,
        master: &MasterKey,
    ) -> Result<Zeroizing<String>> {
        let existing: Option<(Option<Vec<u8>>,)> = on_tx!(self, |conn, pg| {
            sqlx::query_as("SELECT sms_webhook_secret_sealed FROM projects WHERE id = $1")
                .bind(project)
                .fetch_optional(&mut *conn)
                .await?
        });
        let stored = match existing {
            None => return Err(StoreError::ProjectNotFound(project.to_owned())),
            Some((Some(sealed),)) => sealed,
            Some((None,)) => {
                self.store_sms_webhook_secret(project, fresh, master)
                    .await?
            }
        };
        let secret = master.open(project, SMS_SECRET_SEAL, &stored)?;
        String::from_utf8(secret.to_vec())
            .map(Zeroizing::new)
            .map_err(|_| StoreError::Corrupt("an SMS webhook secret is not text".into()))
    }

    /// Store `fresh` as the project's sealed secret unless one is there;
    /// the sealed secret that is stored.
    async fn store_sms_webhook_secret(
        &mut self,
        project: &str,
        fresh: &str,
        master: &MasterKey,
    ) -> Result<Vec<u8>> {
        let sealed = master.seal(project, SMS_SECRET_SEAL, fresh.as_bytes())?;
        let row: Option<(Vec<u8>,)> = on_tx!(self, |conn, pg| {
            sqlx::query_as(
                "UPDATE projects \
                 SET sms_webhook_secret_sealed = COALESCE(sms_webhook_secret_sealed, $2) \
                 WHERE id = $1 RETURNING sms_webhook_secret_sealed",
            )
            .bind(project)
            .bind(&sealed)
            .fetch_optional(&mut *conn)
            .await?
        });
        Ok(row
            .ok_or_else(|| StoreError::ProjectNotFound(project.to_owned()))?
            .0)
    }

    /// Replace the project's SMS webhook key (rotation).
    pub async fn set_sms_webhook_secret(
        &mut self,
        project: &str,
        secret: &str,
        master: &MasterKey,
    ) -> Result<()> {
        let sealed = master.seal(project, SMS_SECRET_SEAL, secret.as_bytes())?;
        let n = on_tx!(self, |conn, pg| {
            sqlx::query("UPDATE projects SET sms_webhook_secret_sealed = $2 WHERE id = $1")
                .bind(project)
                .bind(&sealed)
                .execute(&mut *conn)
                .await?
                .rows_affected()
        });
        if n == 0 {
            return Err(StoreError::ProjectNotFound(project.to_owned()));
        }
        Ok(())
    }

    /// Re-seal every project's SMS webhook secret under `new` (part of
    /// master key rotation).
    pub(crate) async fn reseal_sms_webhook_secrets(
        &mut self,
        old: &MasterKey,
        new: &MasterKey,
    ) -> Result<u64> {
        let rows: Vec<(String, Vec<u8>)> = on_tx!(self, |conn, pg| {
            sqlx::query_as(
                "SELECT id, sms_webhook_secret_sealed FROM projects \
                 WHERE sms_webhook_secret_sealed IS NOT NULL",
            )
            .fetch_all(&mut *conn)
            .await?
        });
        for (project, sealed) in &rows {
            let secret = old.open(project, SMS_SECRET_SEAL, sealed)?;
            let resealed = new.seal(project, SMS_SECRET_SEAL, &secret)?;
            on_tx!(self, |conn, pg| {
                sqlx::query("UPDATE projects SET sms_webhook_secret_sealed = $1 WHERE id = $2")
                    .bind(&resealed)
                    .bind(project)
                    .execute(&mut *conn)
                    .await?;
            });
        }
        Ok(rows.len() as u64)
    }
}

impl Store {
    /// [`Tx::sms_webhook_secret`] in its own transaction.
    pub async fn sms_webhook_secret(
        &self,
        project: &str,
        fresh: &str,
        master: &MasterKey,
    ) -> Result<Zeroizing<String>> {
        Ok(in_tx!(self, |tx| tx
            .sms_webhook_secret(project, fresh, master)
            .await?))
    }

    /// [`Tx::messaging_override`] in a read transaction.
    pub async fn messaging_override(
        &self,
        project: &str,
        setting: MessagingOverride,
    ) -> Result<Option<String>> {
        Ok(in_tx!(read self, |tx| tx.messaging_override(project, setting).await?))
    }

    /// [`Tx::sms_webhook_url`] in a read transaction.
    pub async fn sms_webhook_url(&self, project: &str) -> Result<Option<String>> {
        Ok(in_tx!(read self, |tx| tx.sms_webhook_url(project).await?))
    }

    /// [`Tx::set_sms_webhook_url`] in its own transaction.
    pub async fn set_sms_webhook_url(&self, project: &str, url: Option<&str>) -> Result<()> {
        in_tx!(self, |tx| tx.set_sms_webhook_url(project, url).await?);
        Ok(())
    }

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
