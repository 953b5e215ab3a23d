use clap::Subcommand;
use keyward_store::{LimitsChange, MessagingOverride, MfaPolicy, parse_rate_limit};

use keyward_token::GeneratedKeyPair;

use super::Global;
use super::output::{print_json, project_json, table, time};
use crate::master_key::IfMissing;

#[derive(Debug, Subcommand)]
pub enum ProjectCommand {
    /// Create a project. IDs are DNS labels: lowercase letters, digits, hyphens.
    Create {
        /// The project ID, e.g. `myapp`.
        id: String,
    },
    /// List projects.
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Change a project's settings; settings not named stay as they are.
    /// Running servers apply a change within about a second.
    Update {
        /// The project ID.
        id: String,
        /// Longest Admin API token lifetime accepted, in seconds (60–86400).
        #[arg(long)]
        max_token_lifetime: Option<i64>,
        /// Requests per second one key may make (burst: one second's worth),
        /// or `off`. Per server replica.
        #[arg(long, value_name = "N|off", value_parser = parse_rate)]
        key_rate_limit: Option<Rate>,
        /// Requests per second the whole project may receive, or `off`. Per
        /// server replica.
        #[arg(long, value_name = "N|off", value_parser = parse_rate)]
        project_rate_limit: Option<Rate>,
        /// Accept each token's `jti` once and refuse tokens without one
        /// (`on`), or not (`off`). Clients must then sign a new token, with a
        /// unique `jti`, for every request.
        #[arg(long, value_name = "on|off", value_parser = parse_switch)]
        replay_guard: Option<bool>,
        /// Serve end-user sign-in at this host name too (repeatable), e.g.
        /// auth.example.com; the issuer is then https://auth.example.com.
        #[arg(long = "domain", value_name = "HOST")]
        add_domains: Vec<String>,
        /// Stop serving this custom domain (repeatable).
        #[arg(long = "remove-domain", value_name = "HOST")]
        remove_domains: Vec<String>,
        /// Account lockout: failed passwords before the account locks
        /// (0 turns lockout off, the default).
        #[arg(long)]
        lockout_max_attempts: Option<u32>,
        /// Lockout: failures older than this many seconds are forgotten.
        #[arg(long)]
        lockout_history: Option<i64>,
        /// Lockout: the first lock's duration, seconds.
        #[arg(long)]
        lockout_min_duration: Option<i64>,
        /// Lockout: the longest lock, seconds.
        #[arg(long)]
        lockout_max_duration: Option<i64>,
        /// Lockout: each further failure multiplies the lock by this (1–100).
        #[arg(long)]
        lockout_backoff_factor: Option<f64>,
        /// Lockout per user and address (`on`) or per user (`off`).
        #[arg(long, value_name = "on|off", value_parser = parse_switch)]
        lockout_per_ip: Option<bool>,
        /// Days between `scheduleAccountDeletion` and the deletion (0–3650;
        /// default 30). Applies to deletions scheduled afterwards.
        #[arg(long, value_name = "DAYS")]
        deletion_grace_days: Option<u32>,
        /// Days between `scheduleAccountAnonymization` and the anonymization.
        #[arg(long, value_name = "DAYS")]
        anonymization_grace_days: Option<u32>,
        /// Let the Admin API's `createSession` issue tokens for a user
        /// (`on`), or refuse it (`off`, the default, as in Authgear).
        #[arg(long, value_name = "on|off", value_parser = parse_switch)]
        admin_create_session: Option<bool>,
        /// Two-step verification: `off` (never asked), `optional` (asked of
        /// users who set up a second factor; the default) or `required`
        /// (users without one sign in only during an MFA grace period,
        /// and are then sent to set one up).
        #[arg(long, value_name = "off|optional|required", value_parser = parse_mfa_policy)]
        mfa_policy: Option<MfaPolicy>,
        /// Let end users create their own accounts at /signup (`on`), or
        /// not (`off`, the default).
        #[arg(long, value_name = "on|off", value_parser = parse_switch)]
        signup: Option<bool>,
        /// The sender of this project's email, e.g. "My App
        /// <no-reply@myapp.example>", or `off` for the server's --mail-from.
        #[arg(long, value_name = "\"NAME <ADDRESS>\"|off", value_parser = parse_sender)]
        mail_from: Option<Sender>,
    },
    /// Show a project's SMS webhook and the secret that signs its requests
    /// (`X-Authgear-Body-Signature`: hex HMAC-SHA256 of the body); set or
    /// clear the project's own URL, or rotate the secret.
    SmsWebhook {
        /// The project ID.
        id: String,
        /// Send this project's text messages here instead of the server's
        /// `--sms-webhook-url`.
        #[arg(long, conflicts_with = "clear")]
        url: Option<String>,
        /// Use the server's webhook again.
        #[arg(long)]
        clear: bool,
        /// Replace the signing secret (receivers must take the new one).
        #[arg(long)]
        rotate_secret: bool,
    },
}

/// A host name as a custom domain: lowercase, no scheme, port or path.
fn domain(text: &str) -> anyhow::Result<String> {
    let d = text.trim().trim_end_matches('.').to_ascii_lowercase();
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    if d.len() > 253 || d.split('.').count() < 2 || !d.split('.').all(label_ok) {
        anyhow::bail!(
            "`{text}` is not a host name such as auth.example.com (no scheme, port or path)"
        );
    }
    Ok(d)
}

/// A rate limit as typed: `Some(n)` or `None` for `off`.
#[derive(Debug, Clone, Copy)]
pub struct Rate(Option<u32>);

fn parse_rate(text: &str) -> Result<Rate, String> {
    parse_rate_limit(text).map(Rate).map_err(|e| e.to_string())
}

fn parse_switch(text: &str) -> Result<bool, String> {
    match text.to_ascii_lowercase().as_str() {
        "on" | "true" => Ok(true),
        "off" | "false" => Ok(false),
        _ => Err("expected `on` or `off`".into()),
    }
}

/// A sender as typed: `Some(mailbox)` or `None` for `off`.
#[derive(Debug, Clone)]
pub struct Sender(Option<String>);

fn parse_sender(text: &str) -> Result<Sender, String> {
    if text.eq_ignore_ascii_case("off") {
        return Ok(Sender(None));
    }
    keyward_server::mailer::check_sender(text).map(|s| Sender(Some(s)))
}

fn parse_mfa_policy(text: &str) -> Result<MfaPolicy, String> {
    MfaPolicy::parse(&text.to_ascii_lowercase())
        .ok_or_else(|| "expected `off`, `optional` or `required`".into())
}

fn rate_text(rate: Option<u32>) -> String {
    rate.map_or_else(|| "off".into(), |n| format!("{n}/s"))
}

pub async fn run(global: &Global, cmd: ProjectCommand) -> anyhow::Result<()> {
    let store = global.store().await?;
    match cmd {
        ProjectCommand::Create { id } => {
            let p = store.create_project(&id).await?;
            // Its OpenID Connect signing key, sealed like every private key
            // (a server would otherwise create it on first sign-in).
            let master = global.master_key(IfMissing::Create)?;
            let pair = tokio::task::spawn_blocking(|| GeneratedKeyPair::generate(2048)).await??;
            let now = keyward_store::now_secs();
            store
                .add_signing_key(&p.id, &pair, now, now, &master)
                .await?;
            eprintln!("created project `{}`", p.id);
        }
        ProjectCommand::List { json } => {
            let projects = store.projects().await?;
            if json {
                print_json(&projects.iter().map(project_json).collect())?;
            } else {
                let rows: Vec<Vec<String>> = projects
                    .iter()
                    .map(|p| {
                        vec![
                            p.id.clone(),
                            time(p.created_at),
                            p.max_token_lifetime_secs.to_string(),
                            rate_text(p.limits.key_rate),
                            rate_text(p.limits.project_rate),
                            if p.limits.replay_guard { "on" } else { "off" }.into(),
                        ]
                    })
                    .collect();
                table(
                    &[
                        "ID",
                        "CREATED",
                        "MAX TOKEN LIFETIME (S)",
                        "KEY RATE",
                        "PROJECT RATE",
                        "REPLAY GUARD",
                    ],
                    &rows,
                );
            }
        }
        ProjectCommand::SmsWebhook {
            id,
            url,
            clear,
            rotate_secret,
        } => {
            let url = url
                .as_deref()
                .map(keyward_server::sms::check_url)
                .transpose()
                .map_err(anyhow::Error::msg)?;
            let fresh = keyward_server::sms::new_secret().map_err(anyhow::Error::msg)?;
            // The secret is sealed like private keys (made here if need be,
            // as `project create` does).
            let master = global.master_key(IfMissing::Create)?;
            let mut tx = store.begin().await?;
            if url.is_some() || clear {
                tx.set_sms_webhook_url(&id, url.as_deref()).await?;
            }
            if rotate_secret {
                tx.set_sms_webhook_secret(&id, &fresh, &master).await?;
            }
            let url = tx.sms_webhook_url(&id).await?;
            let secret = tx.sms_webhook_secret(&id, &fresh, &master).await?;
            tx.commit().await?;
            println!(
                "url: {}",
                url.as_deref().unwrap_or("(the server's --sms-webhook-url)")
            );
            println!("secret: {}", secret.as_str());
        }
        ProjectCommand::Update {
            id,
            max_token_lifetime,
            key_rate_limit,
            project_rate_limit,
            replay_guard,
            add_domains,
            remove_domains,
            lockout_max_attempts,
            lockout_history,
            lockout_min_duration,
            lockout_max_duration,
            lockout_backoff_factor,
            lockout_per_ip,
            deletion_grace_days,
            anonymization_grace_days,
            admin_create_session,
            mfa_policy,
            signup,
            mail_from,
        } => {
            let accounts_named = deletion_grace_days.is_some()
                || anonymization_grace_days.is_some()
                || admin_create_session.is_some()
                || mfa_policy.is_some()
                || signup.is_some();
            let lockout_named = lockout_max_attempts.is_some()
                || lockout_history.is_some()
                || lockout_min_duration.is_some()
                || lockout_max_duration.is_some()
                || lockout_backoff_factor.is_some()
                || lockout_per_ip.is_some();
            let domains_named = !add_domains.is_empty() || !remove_domains.is_empty();
            let change = LimitsChange {
                key_rate: key_rate_limit.map(|r| r.0),
                project_rate: project_rate_limit.map(|r| r.0),
                replay_guard,
            };
            let limits_named = change.key_rate.is_some()
                || change.project_rate.is_some()
                || change.replay_guard.is_some();
            if max_token_lifetime.is_none()
                && mail_from.is_none()
                && !limits_named
                && !lockout_named
                && !domains_named
                && !accounts_named
            {
                anyhow::bail!(
                    "nothing to change: name at least one of --max-token-lifetime, --key-rate-limit, \
                     --project-rate-limit, --replay-guard, --domain, --remove-domain, --lockout-*, \
                     --deletion-grace-days, --anonymization-grace-days, --admin-create-session, \
                     --mfa-policy, --signup, --mail-from"
                );
            }
            let add: Vec<String> = add_domains
                .iter()
                .map(|d| domain(d))
                .collect::<Result<_, _>>()?;
            let remove: Vec<String> = remove_domains
                .iter()
                .map(|d| domain(d))
                .collect::<Result<_, _>>()?;
            // One transaction: both changes apply, or neither does.
            let mut tx = store.begin().await?;
            if let Some(secs) = max_token_lifetime {
                tx.set_max_token_lifetime(&id, secs).await?;
            }
            if limits_named {
                tx.set_limits(&id, change).await?;
            }
            if lockout_named {
                let mut l = tx.lockout_settings(&id).await?;
                l.max_attempts = lockout_max_attempts.unwrap_or(l.max_attempts);
                l.history_secs = lockout_history.unwrap_or(l.history_secs);
                l.min_secs = lockout_min_duration.unwrap_or(l.min_secs);
                l.max_secs = lockout_max_duration.unwrap_or(l.max_secs);
                l.backoff_factor = lockout_backoff_factor.unwrap_or(l.backoff_factor);
                l.per_ip = lockout_per_ip.unwrap_or(l.per_ip);
                tx.set_lockout_settings(&id, &l).await?;
            }
            if accounts_named {
                let mut a = tx.account_settings(&id).await?;
                a.deletion_grace_days = deletion_grace_days.unwrap_or(a.deletion_grace_days);
                a.anonymization_grace_days =
                    anonymization_grace_days.unwrap_or(a.anonymization_grace_days);
                a.create_session_enabled = admin_create_session.unwrap_or(a.create_session_enabled);
                a.mfa_policy = mfa_policy.unwrap_or(a.mfa_policy);
                a.signup_enabled = signup.unwrap_or(a.signup_enabled);
                tx.set_account_settings(&id, &a).await?;
            }
            if let Some(Sender(sender)) = &mail_from {
                tx.set_messaging_override(&id, MessagingOverride::MailFrom, sender.as_deref())
                    .await?;
            }
            for d in &remove {
                if !tx.remove_domain(&id, d).await? {
                    anyhow::bail!("`{d}` is not a domain of project `{id}`; nothing was changed");
                }
            }
            for d in &add {
                tx.add_domain(&id, d, keyward_store::now_secs()).await?;
            }
            let domains = tx.domains_of(&id).await?;
            let lockout = tx.lockout_settings(&id).await?;
            let accounts = tx.account_settings(&id).await?;
            let p = tx.project(&id).await?;
            tx.commit().await?;
            if let Some(p) = p {
                eprintln!(
                    "project `{}`: tokens may live up to {} s; key rate {}, project rate {}, replay guard {}",
                    p.id,
                    p.max_token_lifetime_secs,
                    rate_text(p.limits.key_rate),
                    rate_text(p.limits.project_rate),
                    if p.limits.replay_guard { "on" } else { "off" }
                );
                let lock = if lockout.max_attempts == 0 {
                    "off".to_owned()
                } else {
                    format!(
                        "after {} failures in {} s, {}-{} s (x{}){}",
                        lockout.max_attempts,
                        lockout.history_secs,
                        lockout.min_secs,
                        lockout.max_secs,
                        lockout.backoff_factor,
                        if lockout.per_ip { " per address" } else { "" }
                    )
                };
                eprintln!(
                    "sign-in: custom domains [{}]; lockout {lock}",
                    domains.join(", ")
                );
                let switch = |on: bool| if on { "on" } else { "off" };
                eprintln!(
                    "accounts: deletion after {} days, anonymization after {} days; createSession {}; \
                     two-step verification {}; sign-up {}",
                    accounts.deletion_grace_days,
                    accounts.anonymization_grace_days,
                    switch(accounts.create_session_enabled),
                    accounts.mfa_policy.as_str(),
                    switch(accounts.signup_enabled)
                );
            }
        }
    }
    Ok(())
}
