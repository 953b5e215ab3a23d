//! `keyward quickstart`: from nothing to a working Admin API call.

use std::path::PathBuf;

use clap::Args;
use keyward_client::TokenSigner;
use keyward_store::StoreError;
use keyward_token::KeyStatus;

use super::Global;
use super::serve::{ServeArgs, start, wait_for_signal};
use crate::master_key::IfMissing;

#[derive(Debug, Args)]
pub struct QuickstartArgs {
    #[command(flatten)]
    serve: ServeArgs,
    /// The project to create (if absent).
    #[arg(long, default_value = "myapp")]
    project: String,
    /// Where the private key goes.
    #[arg(long, default_value = "private-key.pem")]
    key_out: PathBuf,
}

pub async fn run(global: &Global, args: QuickstartArgs) -> anyhow::Result<()> {
    let store = global.store().await?;
    let master = global.master_key(IfMissing::Create)?;
    match store.create_project(&args.project).await {
        Ok(_) => eprintln!("created project `{}`", args.project),
        Err(StoreError::ProjectExists(_)) => eprintln!("using existing project `{}`", args.project),
        Err(e) => return Err(e.into()),
    }

    // Reuse the key from an earlier quickstart while it and its file exist.
    let kid_file = global
        .data_dir
        .join(format!("quickstart-{}.kid", args.project));
    let previous = std::fs::read_to_string(&kid_file)
        .ok()
        .map(|s| s.trim().to_owned());
    let reusable = match &previous {
        Some(kid) if args.key_out.exists() => store
            .key(&args.project, kid)
            .await
            .is_ok_and(|k| k.status == KeyStatus::Active),
        _ => false,
    };
    let kid = match previous.filter(|_| reusable) {
        Some(kid) => {
            eprintln!("reusing key {kid} ({})", args.key_out.display());
            kid
        }
        None => {
            if args.key_out.exists() {
                anyhow::bail!(
                    "{} exists but is not the quickstart key; move it away or pass --key-out",
                    args.key_out.display()
                );
            }
            let kid = super::key::create(
                &store,
                &master,
                &args.project,
                &args.key_out,
                2048,
                "quickstart",
                keyward_store::KeyRole::Full,
            )
            .await?;
            std::fs::write(&kid_file, format!("{kid}\n"))?;
            eprintln!("wrote the private key to {}", args.key_out.display());
            kid
        }
    };

    let portal = keyward_server::portal::PortalOptions {
        master_key: Some(std::sync::Arc::new(master)),
        setup_token: None,
    };
    let handle = start(&store, &args.serve, portal).await?;
    let signer = TokenSigner::from_key_file(&args.project, &kid, &args.key_out, 3600)?;
    let token = signer.token()?;
    let port = handle.addr.port();
    eprintln!("keyward is listening on http://{}", handle.addr);
    eprintln!("project: {}   key ID: {kid}", args.project);
    eprintln!("Try the Admin API (the token is valid for one hour; `keyward token` makes more):");
    println!(
        "curl -s http://{project}.{domain}:{port}/_api/admin/graphql -H 'Authorization: Bearer {token}' -H 'Content-Type: application/json' -d '{{\"query\":\"{{ project {{ id }} }}\"}}'",
        project = args.project,
        domain = args.serve.base_domain,
    );
    eprintln!("Press Ctrl-C to stop.");
    wait_for_signal().await;
    handle.shutdown().await?;
    store.close().await;
    Ok(())
}
