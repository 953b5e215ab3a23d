use std::time::Instant;

use clap::Subcommand;
use keyward_store::{StoreError, UserFilter, UserSort};

use super::Global;

#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Import users into a running server from a JSON array or NDJSON file
    /// of records (Authgear's import format), with a progress bar.
    Import(super::transfer::ImportArgs),
    /// Export a project's users from a running server as NDJSON or CSV.
    Export(super::transfer::ExportArgs),
    /// Add synthetic users for benchmarks (`user<N>@seed.example`, no
    /// password): fast bulk inserts, numbered after the users already there.
    Seed {
        /// The project ID.
        #[arg(long)]
        project: String,
        /// How many users to add.
        #[arg(long)]
        count: u64,
    },
}

pub async fn run(global: &Global, cmd: UsersCommand) -> anyhow::Result<()> {
    match cmd {
        UsersCommand::Import(args) => super::transfer::import(args).await?,
        UsersCommand::Export(args) => super::transfer::export(args).await?,
        UsersCommand::Seed { project, count } => {
            let store = global.store().await?;
            if store.project(&project).await?.is_none() {
                return Err(StoreError::ProjectNotFound(project).into());
            }
            let mut tx = store.begin_read().await?;
            let existing = tx
                .count_users(&project, &UserFilter::all(UserSort::CreatedAt))
                .await?;
            tx.commit().await?;
            let started = Instant::now();
            store
                .seed_users(&project, u64::try_from(existing).unwrap_or(0), count)
                .await?;
            eprintln!(
                "added {count} users to `{project}` in {:.1} s ({} in all)",
                started.elapsed().as_secs_f64(),
                existing + count as i64
            );
        }
    }
    Ok(())
}
