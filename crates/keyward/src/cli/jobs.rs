//! `keyward jobs`: what the background job will carry out (scheduled
//! deletions and anonymizations, soonest first) and which replica holds
//! its lease.

use clap::Args;
use serde_json::json;

use super::Global;
use super::output::{print_json, table, time};

#[derive(Debug, Args)]
pub struct JobsArgs {
    /// Show at most this many scheduled users.
    #[arg(long, default_value_t = 100)]
    limit: i64,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

pub async fn run(global: &Global, args: JobsArgs) -> anyhow::Result<()> {
    if !(1..=10_000).contains(&args.limit) {
        anyhow::bail!("--limit must be between 1 and 10000");
    }
    let store = global.store().await?;
    let now = keyward_store::now_secs();
    let lease = store
        .lease(keyward_server::jobs::SCHEDULED_ACCOUNTS_LEASE)
        .await?;
    let scheduled = store.scheduled_users(i64::MAX, args.limit).await?;
    if args.json {
        let list: Vec<_> = scheduled
            .iter()
            .map(|s| {
                json!({
                    "project": s.project,
                    "user_id": s.user_id,
                    "kind": s.kind.as_str(),
                    "at": s.at.div_euclid(1_000_000),
                    "due": s.at.div_euclid(1_000_000) <= now,
                })
            })
            .collect();
        let lease = lease.map(
            |(holder, until)| json!({"holder": holder, "expires_at": until, "live": until > now}),
        );
        return print_json(&json!({"lease": lease, "scheduled": list}));
    }
    match lease {
        Some((holder, until)) if until > now => {
            eprintln!(
                "scheduled work runs on {holder} (lease until {})",
                time(until)
            )
        }
        _ => eprintln!(
            "no server holds the scheduled-work lease now (none running, or between rounds)"
        ),
    }
    if scheduled.is_empty() {
        eprintln!("nothing is scheduled");
        return Ok(());
    }
    let rows: Vec<Vec<String>> = scheduled
        .iter()
        .map(|s| {
            let at = s.at.div_euclid(1_000_000);
            vec![
                s.project.clone(),
                s.user_id.clone(),
                s.kind.as_str().into(),
                time(at),
                if at <= now { "due" } else { "" }.into(),
            ]
        })
        .collect();
    table(&["PROJECT", "USER", "WORK", "AT", ""], &rows);
    Ok(())
}
