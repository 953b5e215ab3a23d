//! Delivering the outbox by email over SMTP (lettre): plain `smtp://` for a
//! local relay, `smtp://…?tls=required` for STARTTLS, `smtps://` for TLS,
//! with `user:password@` for authentication. One replica at a time
//! delivers (the `outbox` lease), and each attempt first claims its message
//! in the database, so a round that outlives its lease (a slow mail server)
//! does not race another replica for the same message. A message is marked
//! sent only after the server accepted it, so a crash in between sends it
//! again (at least once). Failures retry with exponential backoff (30 s doubling by
//! default, at most an hour between tries) and give up after [`MAX_ATTEMPTS`], writing
//! `email.error` to the audit log and counting
//! `keyward_messages_total{outcome="failed"}`. Bodies (which hold one-time
//! links) are never logged.

use std::time::Duration;

use keyward_accounts::audit::{self, Actor, AuditEvent, Initiator};
use keyward_store::{MessagingOverride, OutgoingMessage, Store};
use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Body, Mailbox};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::AppState;

/// Tries before a message is given up.
pub const MAX_ATTEMPTS: i64 = 8;
/// Longest one delivery may take.
const SEND_TIMEOUT: Duration = Duration::from_secs(30);
/// Messages per round.
pub const BATCH: i64 = 50;

/// An SMTP connection setting and the sender address.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may hold a password: show only the sender.
        f.debug_struct("Mailer")
            .field("from", &self.from.to_string())
            .finish()
    }
}

impl Mailer {
    /// From an SMTP URL and a sender (`Name <address>` or an address).
    pub fn new(url: &str, from: &str) -> Result<Mailer, String> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| format!("the SMTP URL is not usable: {e}"))?
            .timeout(Some(SEND_TIMEOUT))
            .build();
        let from: Mailbox = from
            .parse()
            .map_err(|e| format!("`{from}` is not a sender address: {e}"))?;
        Ok(Mailer { transport, from })
    }

    async fn send(&self, store: &Store, m: &OutgoingMessage) -> Result<(), String> {
        // The project's own sender, when it has one (checked when set).
        let from = match store
            .messaging_override(&m.project, MessagingOverride::MailFrom)
            .await
            .map_err(|e| e.to_string())?
        {
            Some(text) => text
                .parse()
                .map_err(|e| format!("the project's sender `{text}`: {e}"))?,
            None => self.from.clone(),
        };
        let to: Mailbox = m
            .recipient
            .parse()
            .map_err(|e| format!("recipient address: {e}"))?;
        // 7-bit text whenever RFC 5322 allows it (ASCII, no NUL, lines of
        // at most 998 characters, CRLF), so a long link arrives as typed and
        // not cut into quoted-printable pieces; lettre's own choice keeps
        // lines under 76 characters. Anything else: lettre's encoding.
        let text = m.body.replace("\r\n", "\n").replace('\n', "\r\n");
        let plain = text.is_ascii()
            && !text.contains('\0')
            && !text.replace("\r\n", "").contains('\r')
            && text.split("\r\n").all(|l| l.len() <= 998);
        let body = if plain {
            Body::dangerous_pre_encoded(text.into_bytes(), ContentTransferEncoding::SevenBit)
        } else {
            Body::new(m.body.clone())
        };
        let email = Message::builder()
            .from(from)
            .to(to)
            .subject(&m.subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body)
            .map_err(|e| format!("message: {e}"))?;
        self.transport
            .send(email)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

/// A sender as `--mail-from` and `project update --mail-from` take it:
/// `Name <address>` or an address.
pub fn check_sender(text: &str) -> Result<String, String> {
    text.parse::<Mailbox>()
        .map(|m| m.to_string())
        .map_err(|e| format!("`{text}` is not a sender address: {e}"))
}

/// Seconds before try number `attempts + 1`, the first retry waiting
/// `base` seconds.
pub fn backoff_secs(base: i64, attempts: i64) -> i64 {
    (base.max(1) << attempts.clamp(0, 12)).min(3600)
}

/// Deliver what is due (email through the configured mailer, text
/// messages through `sms`); returns how many were tried.
pub async fn deliver_due(state: &AppState, sms: &crate::sms::SmsGateway) -> usize {
    let now = keyward_store::now_secs();
    let due = match state.store().due_messages(now, BATCH).await {
        Ok(d) => d,
        Err(e) => {
            tracing::warn!(error = %e, "could not read the outbox; will retry");
            return 0;
        }
    };
    for m in &due {
        // One attempt at a time per message, whoever runs the round.
        let until = keyward_store::now_secs() + 2 * SEND_TIMEOUT.as_secs() as i64;
        match state.store().claim_message(&m.id, now, until).await {
            Ok(true) => {}
            Ok(false) => continue,
            Err(e) => {
                tracing::warn!(error = %e, "could not claim a message; will retry");
                continue;
            }
        }
        let outcome = match (m.channel.as_str(), &state.config().mailer) {
            ("sms", _) => sms.send(state.store(), m).await,
            (_, Some(mailer)) => mailer.send(state.store(), m).await,
            (_, None) => Err("no SMTP server is configured".into()),
        };
        let store = state.store();
        let recorded = match outcome {
            Ok(()) => {
                state.metrics().message("sent");
                tracing::info!(project = %m.project, kind = %m.kind, "message delivered");
                let done = store.message_sent(&m.id, keyward_store::now_secs()).await;
                match done {
                    Ok(()) => audit_delivery(state, m, None).await,
                    Err(e) => Err(e.to_string()),
                }
            }
            Err(error) if m.attempts + 1 >= MAX_ATTEMPTS => {
                state.metrics().message("failed");
                tracing::warn!(project = %m.project, kind = %m.kind, error = %error, "message given up after {MAX_ATTEMPTS} tries");
                match store.message_failed(&m.id, &error, None).await {
                    Ok(()) => audit_delivery(state, m, Some(&error)).await,
                    Err(e) => Err(e.to_string()),
                }
            }
            Err(error) => {
                state.metrics().message("retried");
                let retry_at = keyward_store::now_secs()
                    + backoff_secs(state.config().outbox_retry_secs, m.attempts);
                tracing::warn!(project = %m.project, kind = %m.kind, error = %error, retry_at, "message not delivered; will retry");
                store
                    .message_failed(&m.id, &error, Some(retry_at))
                    .await
                    .map_err(|e| e.to_string())
            }
        };
        if let Err(e) = recorded {
            tracing::warn!(error = %e, "could not record a delivery; it may be sent again");
        }
    }
    due.len()
}

/// `email.sent`/`email.error` or `sms.sent`/`sms.error` in the project's
/// audit log.
async fn audit_delivery(
    state: &AppState,
    m: &OutgoingMessage,
    error: Option<&str>,
) -> Result<(), String> {
    let actor = Actor {
        project: m.project.clone(),
        now: state.clock().now_micros(),
        by: Initiator::System,
    };
    let event = AuditEvent::MessageDelivery {
        sms: m.channel == "sms",
        recipient: m.recipient.clone(),
        kind: m.kind.clone(),
        error: error.map(str::to_owned),
    };
    let mut tx = state.store().begin().await.map_err(|e| e.to_string())?;
    audit::record(&mut tx, &actor, None, event)
        .await
        .map_err(|e| e.to_string())?;
    tx.commit().await.map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        assert_eq!(
            (0..9).map(|n| backoff_secs(30, n)).collect::<Vec<_>>(),
            vec![30, 60, 120, 240, 480, 960, 1920, 3600, 3600]
        );
    }

    #[test]
    fn mailer_urls_and_senders_are_checked() {
        assert!(Mailer::new("smtp://127.0.0.1:2525", "keyward <no-reply@example.com>").is_ok());
        assert!(Mailer::new("smtps://user:pw@mail.example.com", "no-reply@example.com").is_ok());
        assert!(Mailer::new("ftp://x", "a@b.c").is_err());
        assert!(Mailer::new("smtp://127.0.0.1", "not an address").is_err());
        let m = Mailer::new("smtp://u:secret@127.0.0.1", "a@b.c").unwrap();
        assert!(!format!("{m:?}").contains("secret"));
    }
}
