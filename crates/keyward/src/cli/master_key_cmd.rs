use std::io::Write as _;
use std::path::PathBuf;

use anyhow::{Context as _, bail};
use clap::Subcommand;
use keyward_store::MasterKey;

use super::Global;
use crate::master_key::{self, IfMissing};

#[derive(Debug, Subcommand)]
pub enum MasterKeyCommand {
    /// Generate a new master key and re-seal every stored private key under
    /// it, in one transaction. Afterwards the old key opens nothing; restart
    /// every server with the new one.
    Rotate {
        /// Where to write the new key (mode 0600, never overwritten). Required
        /// when the current key comes from KEYWARD_MASTER_KEY; otherwise the
        /// key file is replaced in place.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

pub async fn run(global: &Global, cmd: MasterKeyCommand) -> anyhow::Result<()> {
    let MasterKeyCommand::Rotate { out } = cmd;
    let from_env = std::env::var("KEYWARD_MASTER_KEY").is_ok_and(|v| !v.trim().is_empty());
    let key_file = global
        .master_key_file
        .clone()
        .unwrap_or_else(|| master_key::default_path(&global.data_dir));
    let (target, replace) = match (out, from_env) {
        (Some(out), _) => (out, false),
        (None, true) => bail!(
            "the master key comes from KEYWARD_MASTER_KEY: pass --out FILE for the new key, then set KEYWARD_MASTER_KEY to it"
        ),
        (None, false) => (staging_path(&key_file), true),
    };
    let old = global.master_key(IfMissing::Fail)?;
    let text = MasterKey::generate_base64()?;
    let new = MasterKey::from_base64(&text)?;
    // The new key is on disk before any private key depends on it.
    let mut file = master_key::create_private_file(&target)?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.write_all(b"\n"))
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", target.display()))?;
    let store = global.store().await?;
    let count = match store.reseal_private_keys(&old, &new).await {
        Ok(count) => count,
        Err(e) => {
            let _ = std::fs::remove_file(&target);
            return Err(e).context("nothing was changed");
        }
    };
    if replace {
        std::fs::rename(&target, &key_file).with_context(|| {
            format!(
                "the keys are sealed under the new master key in {}, but it could not replace {}: move it there by hand",
                target.display(),
                key_file.display()
            )
        })?;
        if let Some(dir) = key_file.parent().filter(|d| !d.as_os_str().is_empty()) {
            let _ = std::fs::File::open(dir).and_then(|d| d.sync_all());
        }
        eprintln!(
            "re-sealed {count} private key(s) and secret(s); {} now holds the new master key and the old one opens nothing. Restart every server.",
            key_file.display()
        );
    } else {
        eprintln!(
            "re-sealed {count} private key(s) and secret(s) under the new master key in {}; the old key opens nothing. \
             Point KEYWARD_MASTER_KEY (or --master-key-file) at it and restart every server.",
            target.display()
        );
    }
    Ok(())
}

fn staging_path(key_file: &std::path::Path) -> PathBuf {
    let mut name = key_file.file_name().unwrap_or_default().to_os_string();
    name.push(".new");
    key_file.with_file_name(name)
}
