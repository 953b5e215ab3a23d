use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::{Args, Subcommand};
use keyward_store::{KeyRole, Store};
use keyward_token::KeyStatus;

use super::Global;
use super::output::{key_json, print_json, table, time};
use crate::master_key::{IfMissing, create_private_file};

#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Generate an RSA key pair; write the private key (PKCS#8 PEM, mode 0600) and print the kid.
    Create {
        /// The project ID.
        #[arg(long)]
        project: String,
        /// Where to write the private key. Never overwritten.
        #[arg(long, default_value = "private-key.pem")]
        out: PathBuf,
        /// RSA key size: 2048, 3072 or 4096.
        #[arg(long, default_value_t = 2048)]
        bits: u32,
        /// A note to tell keys apart, e.g. the system that uses it.
        #[arg(long, default_value = "")]
        label: String,
        /// What the key may do: `full`, or `read-only` (queries only).
        #[arg(long, value_enum, default_value_t = Role::Full)]
        role: Role,
    },
    /// Register an existing public key (SPKI or PKCS#1 PEM, or a JWK) and print the kid.
    Add {
        /// The project ID.
        #[arg(long)]
        project: String,
        /// The public key file.
        #[arg(long)]
        public_key: PathBuf,
        /// A note to tell keys apart.
        #[arg(long, default_value = "")]
        label: String,
        /// What the key may do: `full`, or `read-only` (queries only).
        #[arg(long, value_enum, default_value_t = Role::Full)]
        role: Role,
    },
    /// List a project's keys.
    List {
        /// The project ID.
        #[arg(long)]
        project: String,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Download a generated key's private key (PKCS#8 PEM) again.
    Download {
        /// The project ID.
        #[arg(long)]
        project: String,
        /// The key ID (kid).
        #[arg(long)]
        kid: String,
        /// Write to this file (mode 0600) instead of stdout.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Disable a key: tokens it signs are refused until it is enabled again.
    Disable(KeyTarget),
    /// Enable a disabled key.
    Enable(KeyTarget),
    /// Delete a key for good.
    Delete(KeyTarget),
}

/// `--role`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Role {
    /// Queries and mutations.
    Full,
    /// Queries only; every mutation is refused.
    ReadOnly,
}

impl From<Role> for KeyRole {
    fn from(r: Role) -> Self {
        match r {
            Role::Full => KeyRole::Full,
            Role::ReadOnly => KeyRole::ReadOnly,
        }
    }
}

#[derive(Debug, Args)]
pub struct KeyTarget {
    /// The project ID.
    #[arg(long)]
    project: String,
    /// The key ID (kid).
    #[arg(long)]
    kid: String,
    /// Allow disabling or deleting the project's last active key (locks out every integration).
    #[arg(long)]
    force: bool,
}

pub async fn run(global: &Global, cmd: KeyCommand) -> anyhow::Result<()> {
    let store = global.store().await?;
    match cmd {
        KeyCommand::Create {
            project,
            out,
            bits,
            label,
            role,
        } => {
            // Fail on a typo before creating a master key file as a side effect.
            if store.project(&project).await?.is_none() {
                return Err(keyward_store::StoreError::ProjectNotFound(project).into());
            }
            let master = global.master_key(IfMissing::Create)?;
            let kid = create(&store, &master, &project, &out, bits, &label, role.into()).await?;
            eprintln!("wrote the private key to {}; keep it secret", out.display());
            println!("{kid}");
        }
        KeyCommand::Add {
            project,
            public_key,
            label,
            role,
        } => {
            let input = std::fs::read(&public_key)
                .with_context(|| format!("cannot read public key file {}", public_key.display()))?;
            let key = store
                .register_public_key(&project, &input, &label, role.into())
                .await?;
            eprintln!("registered a {}-bit public key", key.bits);
            println!("{}", key.kid);
        }
        KeyCommand::List { project, json } => {
            let keys = store.keys(&project).await?;
            if json {
                print_json(&keys.iter().map(key_json).collect())?;
            } else {
                let rows: Vec<Vec<String>> = keys
                    .iter()
                    .map(|k| {
                        vec![
                            k.kid.clone(),
                            k.label.clone(),
                            k.origin.as_str().to_owned(),
                            k.status.as_str().to_owned(),
                            k.role.as_str().to_owned(),
                            k.bits.to_string(),
                            time(k.created_at),
                            k.last_used_at.map(time).unwrap_or_else(|| "never".into()),
                        ]
                    })
                    .collect();
                table(
                    &[
                        "KID",
                        "LABEL",
                        "ORIGIN",
                        "STATUS",
                        "ROLE",
                        "BITS",
                        "CREATED",
                        "LAST USED",
                    ],
                    &rows,
                );
            }
        }
        KeyCommand::Download { project, kid, out } => {
            let master = global.master_key(IfMissing::Fail)?;
            let pem = store.private_key_pem(&project, &kid, &master).await?;
            match out {
                Some(path) => {
                    write_secret(&path, pem.as_bytes())?;
                    eprintln!("wrote the private key to {}", path.display());
                }
                None => {
                    std::io::stdout().write_all(pem.as_bytes())?;
                }
            }
        }
        KeyCommand::Disable(t) => {
            store
                .set_key_status(&t.project, &t.kid, KeyStatus::Disabled, t.force)
                .await?;
            eprintln!("disabled key {} (servers refuse it within 2 s)", t.kid);
        }
        KeyCommand::Enable(t) => {
            store
                .set_key_status(&t.project, &t.kid, KeyStatus::Active, t.force)
                .await?;
            eprintln!("enabled key {}", t.kid);
        }
        KeyCommand::Delete(t) => {
            store.delete_key(&t.project, &t.kid, t.force).await?;
            eprintln!("deleted key {} (servers refuse it within 2 s)", t.kid);
        }
    }
    Ok(())
}

/// Generate a key for `project` and write its private key to `out`, which
/// must not exist yet. If storing fails, the file is removed again.
pub async fn create(
    store: &Store,
    master: &keyward_store::MasterKey,
    project: &str,
    out: &Path,
    bits: u32,
    label: &str,
    role: KeyRole,
) -> anyhow::Result<String> {
    // Claim the file first, so a key is never stored without its file.
    let mut file = create_private_file(out)?;
    let result = async {
        let (key, pem) = store
            .generate_key(project, bits, label, role, master)
            .await?;
        file.write_all(pem.as_bytes())
            .and_then(|()| file.sync_all())
            .with_context(|| format!("cannot write {}", out.display()))?;
        anyhow::Ok(key.kid)
    }
    .await;
    if result.is_err() {
        let _ = std::fs::remove_file(out);
    }
    result
}

fn write_secret(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut file = create_private_file(path)?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", path.display()))
}
