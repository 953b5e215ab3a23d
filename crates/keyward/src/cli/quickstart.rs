//! `keyward quickstart`: from nothing to a working Admin API call.

use std::path::PathBuf;

use clap::Args;
use keyward_client::TokenSigner;
use keyward_store::StoreError;
use keyward_token::KeyStatus;

use super::Global;
use super::serve::{ServeArgs, announce_setup, check, portal_options, start, wait_for_signal};
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
    let checked = check(&args.serve)?;
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

    let portal = portal_options(&store, master).await?;
    let setup_token = portal.setup_token.clone();
    let handle = start(&store, &args.serve, checked, portal).await?;
    let port = handle.addr.port();
    let scheme = handle.scheme();
    let issuer = format!(
        "{scheme}://{}.{}:{port}",
        args.project, args.serve.base_domain
    );
    let client_id = demo_client(global, &store, &args.project, &issuer).await?;
    let signer = TokenSigner::from_key_file(&args.project, &kid, &args.key_out, 3600)?;
    let token = signer.token()?;
    eprintln!("keyward is listening on {scheme}://{}", handle.addr);
    eprintln!("project: {}   key ID: {kid}", args.project);
    eprintln!("Try the Admin API (the token is valid for one hour; `keyward token` makes more):");
    println!(
        "curl -s {scheme}://{project}.{domain}:{port}/_api/admin/graphql -H 'Authorization: Bearer {token}' -H 'Content-Type: application/json' -d '{{\"query\":\"{{ project {{ id }} }}\"}}'",
        project = args.project,
        domain = args.serve.base_domain,
    );
    eprintln!("Create an end user (any email and a password of 8+ characters):");
    println!(
        "curl -s {scheme}://{project}.{domain}:{port}/_api/admin/graphql -H 'Authorization: Bearer {token}' -H 'Content-Type: application/json' -d '{{\"query\":\"mutation {{ createUser(input: {{definition: {{loginID: {{key: \\\"email\\\", value: \\\"ada@example.com\\\"}}}}, password: \\\"correct horse battery\\\"}}) {{ user {{ id }} }} }}\"}}'",
        project = args.project,
        domain = args.serve.base_domain,
    );
    eprintln!(
        "Then sign in as that user in a browser (the demo app's sign-in ends on the account page):"
    );
    println!(
        "{issuer}/oauth2/authorize?client_id={client_id}&redirect_uri={}&response_type=code&scope=openid",
        url_encode(&format!("{issuer}/settings"))
    );
    eprintln!("The operators' portal: {scheme}://{}/portal", handle.addr);
    announce_setup(scheme, handle.addr, setup_token.as_deref());
    eprintln!("Press Ctrl-C to stop.");
    wait_for_signal(handle.tls()).await;
    handle.shutdown().await?;
    store.close().await;
    Ok(())
}

/// The quickstart's demo application: a confidential client whose sign-in
/// returns to the project's own account page, reused across runs (its
/// redirect URI follows the current port).
async fn demo_client(
    global: &Global,
    store: &keyward_store::Store,
    project: &str,
    issuer: &str,
) -> anyhow::Result<String> {
    use keyward_accounts::clients::{self, ClientChange, NewClient};
    let id_file = global.data_dir.join(format!("quickstart-{project}.client"));
    let redirect = vec![format!("{issuer}/settings")];
    let now = keyward_store::now_secs();
    let mut tx = store.begin().await?;
    if let Some(id) = std::fs::read_to_string(&id_file)
        .ok()
        .map(|s| s.trim().to_owned())
        && tx.client(project, &id).await?.is_some()
    {
        let change = ClientChange {
            redirect_uris: Some(redirect),
            ..ClientChange::default()
        };
        clients::update(&mut tx, project, &id, change, now).await?;
        tx.commit().await?;
        return Ok(id);
    }
    let new = NewClient {
        name: "Quickstart demo".into(),
        client_type: keyward_store::ClientType::Confidential,
        redirect_uris: redirect,
        post_logout_redirect_uris: vec![format!("{issuer}/settings")],
        refresh_rotation: None,
        access_token_lifetime_secs: None,
        refresh_reuse_leeway_secs: None,
    };
    let (client, _secret) = clients::create(&mut tx, project, new, now).await?;
    tx.commit().await?;
    std::fs::write(&id_file, format!("{}\n", client.client_id))?;
    eprintln!(
        "created the demo application {} (client secret not needed for the demo)",
        client.client_id
    );
    Ok(client.client_id)
}

fn url_encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
