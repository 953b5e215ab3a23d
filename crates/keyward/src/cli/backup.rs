//! `keyward backup` and `keyward restore`: an online copy of the SQLite
//! store, and putting one back into an empty data directory.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;
use keyward_store::backup;

use super::Global;

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The new file to write the copy to.
    #[arg(long)]
    out: PathBuf,
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// A file `keyward backup` wrote.
    file: PathBuf,
}

pub async fn backup(global: &Global, args: BackupArgs) -> anyhow::Result<()> {
    if global.sqlite_path().is_none() {
        anyhow::bail!(backup::POSTGRES_ADVICE);
    }
    let store = global.store().await?;
    store
        .backup_to(&args.out)
        .await
        .with_context(|| format!("cannot back up to {}", args.out.display()))?;
    let version = store.schema_version().await?;
    store.close().await;
    let size = std::fs::metadata(&args.out).map(|m| m.len()).unwrap_or(0);
    eprintln!(
        "wrote {} ({:.1} MiB, schema version {version}): every change committed before the backup began",
        args.out.display(),
        size as f64 / 1_048_576.0
    );
    eprintln!(
        "it holds private keys and TOTP secrets sealed under the master key ({}): \
         back that key up too, and store it apart from this file; without it they cannot be opened",
        global.master_key_source()
    );
    Ok(())
}

pub async fn restore(global: &Global, args: RestoreArgs) -> anyhow::Result<()> {
    let Some(target) = global.sqlite_path() else {
        anyhow::bail!(backup::POSTGRES_ADVICE);
    };
    global.ensure_data_dir()?;
    let version = backup::restore_to(&args.file, &target)
        .await
        .with_context(|| format!("cannot restore {}", args.file.display()))?;
    // Opening applies any migration this binary has beyond the backup's.
    let store = global.store().await?;
    let now = store.schema_version().await?;
    store.close().await;
    eprintln!(
        "restored {} into {} (schema version {version}{})",
        args.file.display(),
        target.display(),
        if now > version {
            format!(", migrated to {now}")
        } else {
            String::new()
        }
    );
    eprintln!("start keyward with the master key that sealed this backup's secrets");
    Ok(())
}
