//! Where the master key comes from: `KEYWARD_MASTER_KEY` (base64 of 32
//! bytes), else a key file (`--master-key-file`, default
//! `<data-dir>/master.key`), created with mode 0600 when allowed.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use keyward_store::MasterKey;

/// Whether a missing key file may be created.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum IfMissing {
    Create,
    Fail,
}

pub fn load(
    env_value: Option<String>,
    file: &Path,
    if_missing: IfMissing,
) -> anyhow::Result<MasterKey> {
    if let Some(value) = env_value.filter(|v| !v.trim().is_empty()) {
        return MasterKey::from_base64(&value).context("KEYWARD_MASTER_KEY is not usable");
    }
    match std::fs::read_to_string(file) {
        Ok(text) => {
            warn_if_readable_by_others(file);
            MasterKey::from_base64(&text)
                .with_context(|| format!("master key file {}", file.display()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if if_missing == IfMissing::Fail {
                bail!(
                    "no master key: set KEYWARD_MASTER_KEY or point --master-key-file at the key file the server uses (looked for {})",
                    file.display()
                );
            }
            create(file)
        }
        Err(e) => Err(e).with_context(|| format!("cannot read master key file {}", file.display())),
    }
}

fn create(file: &Path) -> anyhow::Result<MasterKey> {
    let text = MasterKey::generate_base64()?;
    let mut f = create_private_file(file)?;
    f.write_all(text.as_bytes())
        .and_then(|()| f.write_all(b"\n"))
        .and_then(|()| f.sync_all())
        .with_context(|| format!("cannot write master key file {}", file.display()))?;
    tracing::warn!(
        path = %file.display(),
        "created a master key file; production deployments should supply their own key \
         (KEYWARD_MASTER_KEY or --master-key-file) and back it up: without it, stored private keys cannot be downloaded"
    );
    Ok(MasterKey::from_base64(&text)?)
}

/// Create a new file readable only by its owner; never overwrite.
pub fn create_private_file(path: &Path) -> anyhow::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    options.open(path).with_context(|| {
        if path.exists() {
            format!(
                "{} already exists; refusing to overwrite it (choose another path with --out)",
                path.display()
            )
        } else {
            format!("cannot create {}", path.display())
        }
    })
}

fn warn_if_readable_by_others(file: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        if let Ok(meta) = std::fs::metadata(file)
            && meta.permissions().mode() & 0o077 != 0
        {
            tracing::warn!(path = %file.display(), "master key file is readable by other users; chmod 600 it");
        }
    }
}

pub fn default_path(data_dir: &Path) -> PathBuf {
    data_dir.join("master.key")
}
