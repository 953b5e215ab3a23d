//! The messages keyward sends end users: one template per kind, with the
//! project's name, for email and for SMS; and the one way to queue them,
//! which applies the rate limits (per recipient and kind, per project) and
//! writes the outbox row in the caller's transaction, so a message exists
//! exactly when the change that sends it commits.

use keyward_store::{OutgoingMessage, Store, Tx};

use crate::error::Result;

/// Messages one recipient may be sent per hour, per kind.
pub const PER_RECIPIENT_PER_HOUR: i64 = 5;
/// Messages one project may queue per hour, all kinds together: a bound on
/// what a scripted abuse of "forgot password" or sign-up can cost the
/// operator's mail or SMS account.
pub const PER_PROJECT_PER_HOUR: i64 = 1000;

/// Which transports can reach a project's users.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Transports {
    /// The server has SMTP.
    pub email: bool,
    /// The server or the project has an SMS webhook.
    pub sms: bool,
}

impl Transports {
    /// The server's transports, with the project's own SMS webhook.
    pub async fn of_project(self, tx: &mut Tx, project: &str) -> Result<Transports> {
        if self.sms {
            return Ok(self);
        }
        Ok(Transports {
            email: self.email,
            sms: tx.sms_webhook_url(project).await?.is_some(),
        })
    }

    /// [`Transports::of_project`] outside a transaction.
    pub async fn of_project_in(self, store: &Store, project: &str) -> Result<Transports> {
        if self.sms {
            return Ok(self);
        }
        Ok(Transports {
            email: self.email,
            sms: store.sms_webhook_url(project).await?.is_some(),
        })
    }

    /// The channel for a login ID type, if keyward can reach it.
    pub fn channel_for(self, login_type: crate::loginid::LoginIdType) -> Option<Channel> {
        match login_type {
            crate::loginid::LoginIdType::Email if self.email => Some(Channel::Email),
            crate::loginid::LoginIdType::Phone if self.sms => Some(Channel::Sms),
            _ => None,
        }
    }
}

/// How a message travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// Over SMTP.
    Email,
    /// Through the SMS webhook.
    Sms,
}

impl Channel {
    /// The outbox name.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
        }
    }
}

/// What a message says.
#[derive(Debug, Clone, Copy)]
pub enum Message<'a> {
    /// A password reset link.
    ForgotPassword {
        /// The link.
        link: &'a str,
        /// Its lifetime in minutes.
        minutes: i64,
    },
    /// A password an administrator set.
    SendPassword {
        /// The password.
        password: &'a str,
    },
    /// A one-time sign-in code (second factor).
    LoginCode {
        /// The code.
        code: &'a str,
        /// Its lifetime in minutes.
        minutes: i64,
    },
    /// A code that verifies an address (sign-up).
    VerificationCode {
        /// The code.
        code: &'a str,
        /// Its lifetime in minutes.
        minutes: i64,
    },
    /// Someone tried to sign up with an address that has an account.
    AlreadySignedUp,
}

impl Message<'_> {
    /// The outbox `kind`, which the rate limit is counted by.
    pub fn kind(&self) -> &'static str {
        match self {
            Message::ForgotPassword { .. } => "forgot_password",
            Message::SendPassword { .. } => "send_password",
            Message::LoginCode { .. } => "login_code",
            Message::VerificationCode { .. } | Message::AlreadySignedUp => "verification",
        }
    }

    /// Subject and body for `channel` (an SMS has no subject and a short body).
    pub fn render(&self, project: &str, channel: Channel) -> (String, String) {
        let sms = channel == Channel::Sms;
        match *self {
            Message::ForgotPassword { link, minutes } => (
                format!("Reset your {project} password"),
                if sms {
                    format!("Reset your {project} password within {minutes} minutes: {link}")
                } else {
                    format!(
                        "Someone asked to reset the password of your {project} account.\n\n\
                         To choose a new password, open this link within {minutes} minutes:\n\n{link}\n\n\
                         If it was not you, ignore this message: your password stays as it is.\n"
                    )
                },
            ),
            Message::SendPassword { password } => (
                format!("Your {project} password"),
                if sms {
                    format!("Your {project} password: {password}")
                } else {
                    format!(
                        "An administrator of {project} set a password for your account:\n\n    {password}\n\n\
                         Sign in with it, then change it on your account page.\n"
                    )
                },
            ),
            Message::LoginCode { code, minutes } => (
                format!("Your {project} sign-in code"),
                if sms {
                    format!(
                        "{code} is your {project} sign-in code. It expires in {minutes} minutes."
                    )
                } else {
                    format!(
                        "Your {project} sign-in code is:\n\n    {code}\n\n\
                         It expires in {minutes} minutes. If you are not signing in, someone else \
                         knows your password: change it.\n"
                    )
                },
            ),
            Message::VerificationCode { code, minutes } => (
                format!("Your {project} verification code"),
                if sms {
                    format!(
                        "{code} is your {project} verification code. It expires in {minutes} minutes."
                    )
                } else {
                    format!(
                        "Your {project} verification code is:\n\n    {code}\n\n\
                         It expires in {minutes} minutes. If you did not sign up, ignore this message.\n"
                    )
                },
            ),
            Message::AlreadySignedUp => (
                format!("Your {project} account"),
                if sms {
                    format!(
                        "Someone tried to sign up to {project} with this number, which already has an account: sign in instead."
                    )
                } else {
                    format!(
                        "Someone tried to sign up to {project} with this address, which already has \
                         an account. If it was you, sign in instead (or reset your password). If \
                         not, ignore this message: nothing changed.\n"
                    )
                },
            ),
        }
    }
}

/// What queueing came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Queued {
    /// In the outbox, with this ID.
    Yes(String),
    /// Over a rate limit: nothing queued.
    RateLimited,
}

/// Queue `message` to `recipient` in `tx`, unless a rate limit is reached.
pub async fn queue(
    tx: &mut Tx,
    project: &str,
    channel: Channel,
    recipient: &str,
    message: Message<'_>,
    now_secs: i64,
) -> Result<Queued> {
    let hour_ago = now_secs - 3600;
    if tx
        .messages_sent_to(project, recipient, message.kind(), hour_ago)
        .await?
        >= PER_RECIPIENT_PER_HOUR
        || tx.messages_of_project_since(project, hour_ago).await? >= PER_PROJECT_PER_HOUR
    {
        return Ok(Queued::RateLimited);
    }
    let (subject, body) = message.render(project, channel);
    let m = OutgoingMessage {
        id: uuid::Uuid::new_v4().to_string(),
        project: project.to_owned(),
        channel: channel.as_str().into(),
        recipient: recipient.to_owned(),
        kind: message.kind().into(),
        subject,
        body,
        attempts: 0,
    };
    tx.enqueue_message(&m, now_secs).await?;
    Ok(Queued::Yes(m.id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_names_the_project_and_carries_its_secret() {
        let cases = [
            (
                Message::ForgotPassword {
                    link: "https://x/r?code=S3CRET",
                    minutes: 20,
                },
                "S3CRET",
            ),
            (Message::SendPassword { password: "S3CRET" }, "S3CRET"),
            (
                Message::LoginCode {
                    code: "S3CRET",
                    minutes: 5,
                },
                "S3CRET",
            ),
            (
                Message::VerificationCode {
                    code: "S3CRET",
                    minutes: 5,
                },
                "S3CRET",
            ),
            (Message::AlreadySignedUp, "sign in"),
        ];
        for (m, secret) in cases {
            for channel in [Channel::Email, Channel::Sms] {
                let (subject, body) = m.render("acme", channel);
                assert!(subject.contains("acme"), "{m:?}");
                assert!(
                    body.contains("acme") && body.contains(secret),
                    "{m:?} {body}"
                );
                if channel == Channel::Sms {
                    assert!(body.len() <= 160 * 2, "an SMS stays short: {body}");
                }
            }
        }
    }
}
