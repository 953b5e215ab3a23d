use clap::Subcommand;
use keyward_store::{LimitsChange, parse_rate_limit};

use super::Global;
use super::output::{print_json, project_json, table, time};

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
    },
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

fn rate_text(rate: Option<u32>) -> String {
    rate.map_or_else(|| "off".into(), |n| format!("{n}/s"))
}

pub async fn run(global: &Global, cmd: ProjectCommand) -> anyhow::Result<()> {
    let store = global.store().await?;
    match cmd {
        ProjectCommand::Create { id } => {
            let p = store.create_project(&id).await?;
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
        ProjectCommand::Update {
            id,
            max_token_lifetime,
            key_rate_limit,
            project_rate_limit,
            replay_guard,
        } => {
            let change = LimitsChange {
                key_rate: key_rate_limit.map(|r| r.0),
                project_rate: project_rate_limit.map(|r| r.0),
                replay_guard,
            };
            let limits_named = change.key_rate.is_some()
                || change.project_rate.is_some()
                || change.replay_guard.is_some();
            if max_token_lifetime.is_none() && !limits_named {
                anyhow::bail!(
                    "nothing to change: name at least one of --max-token-lifetime, --key-rate-limit, \
                     --project-rate-limit, --replay-guard"
                );
            }
            // One transaction: both changes apply, or neither does.
            let mut tx = store.begin().await?;
            if let Some(secs) = max_token_lifetime {
                tx.set_max_token_lifetime(&id, secs).await?;
            }
            if limits_named {
                tx.set_limits(&id, change).await?;
            }
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
            }
        }
    }
    Ok(())
}
