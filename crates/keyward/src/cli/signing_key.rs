//! `keyward signing-key`: each project's OpenID Connect signing keys.
//! Rotation publishes the new key at once and signs with it only after a
//! delay, so relying parties that cache the JWKS see it before any token
//! it signed; the old key stays published until every token it signed has
//! expired.

use clap::Subcommand;
use keyward_token::GeneratedKeyPair;
use serde_json::json;

use super::Global;
use super::output::{print_json, table, time};
use crate::master_key::IfMissing;

#[derive(Debug, Subcommand)]
pub enum SigningKeyCommand {
    /// Publish a new signing key; it starts signing after --delay.
    Rotate {
        #[arg(long)]
        project: String,
        /// Seconds between publishing the key and signing with it (time
        /// for relying parties to refresh their cached JWKS).
        #[arg(long, default_value_t = 600)]
        delay: i64,
    },
    /// List the published keys (public information only).
    List {
        #[arg(long)]
        project: String,
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(global: &Global, cmd: SigningKeyCommand) -> anyhow::Result<()> {
    let store = global.store().await?;
    let now = keyward_store::now_secs();
    match cmd {
        SigningKeyCommand::Rotate { project, delay } => {
            if !(0..=7 * 86_400).contains(&delay) {
                anyhow::bail!("--delay must be between 0 and 604800 seconds");
            }
            let master = global.master_key(IfMissing::Fail)?;
            let pair = tokio::task::spawn_blocking(|| GeneratedKeyPair::generate(2048)).await??;
            let kid = store
                .add_signing_key(&project, &pair, now, now + delay, &master)
                .await?;
            eprintln!(
                "published signing key {kid}; it signs from {} on, and the previous key stays in the JWKS until its tokens have expired",
                time(now + delay)
            );
        }
        SigningKeyCommand::List { project, json } => {
            let master = global.master_key(IfMissing::Fail)?;
            let keys = store.signing_keys(&project, now, &master).await?;
            if json {
                let list: Vec<_> = keys
                    .iter()
                    .map(|k| {
                        json!({
                            "kid": k.kid,
                            "created_at": time(k.created_at),
                            "active_from": time(k.active_from),
                            "retire_after": k.retire_after.map(time),
                        })
                    })
                    .collect();
                print_json(&serde_json::Value::Array(list))?;
            } else {
                let rows: Vec<Vec<String>> = keys
                    .iter()
                    .map(|k| {
                        vec![
                            k.kid.clone(),
                            time(k.created_at),
                            time(k.active_from),
                            k.retire_after.map(time).unwrap_or_else(|| "-".into()),
                        ]
                    })
                    .collect();
                table(
                    &["KID", "CREATED", "SIGNS FROM", "UNPUBLISHED AFTER"],
                    &rows,
                );
            }
        }
    }
    Ok(())
}
