//! `keyward oauth-client`: a project's applications (OAuth clients). The
//! rules live in the accounts core (`keyward_accounts::clients`), shared
//! with the portal; running servers see a change on their next request.

use clap::Subcommand;
use keyward_accounts::clients::{self, ClientChange, NewClient};
use keyward_store::{ClientType, OAuthClient};
use serde_json::{Value, json};

use super::Global;
use super::output::{print_json, table, time};

#[derive(Debug, Subcommand)]
pub enum OAuthClientCommand {
    /// Register an application. A confidential client's secret is printed
    /// this once (only its hash is stored).
    Create {
        /// The project.
        #[arg(long)]
        project: String,
        /// A name people recognise (shown on the sign-in page).
        #[arg(long)]
        name: String,
        /// spa, traditional_webapp, native (public: PKCE), confidential
        /// (secret), third_party_app (secret; users consent to its scopes)
        /// or m2m (secret; client_credentials for API resources, no users).
        #[arg(long = "type", value_parser = parse_type)]
        client_type: ClientType,
        /// Where sign-in may return (exact match; repeat for several;
        /// required except for m2m).
        #[arg(long = "redirect-uri")]
        redirect_uris: Vec<String>,
        /// Where sign-out may return (exact match; repeatable).
        #[arg(long = "post-logout-redirect-uri")]
        post_logout_redirect_uris: Vec<String>,
        /// Refresh token rotation with reuse detection (default: on for
        /// public clients, off for confidential ones).
        #[arg(long, value_name = "on|off", value_parser = parse_switch)]
        refresh_token_rotation: Option<bool>,
        /// Access token lifetime in seconds (300–86400; default 1800).
        #[arg(long)]
        access_token_lifetime: Option<i64>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// List a project's applications.
    List {
        #[arg(long)]
        project: String,
        #[arg(long)]
        json: bool,
    },
    /// Show one application.
    Show {
        #[arg(long)]
        project: String,
        /// The client ID.
        client_id: String,
        #[arg(long)]
        json: bool,
    },
    /// Change an application; what is not named stays. Giving
    /// --redirect-uri replaces the whole list.
    Update {
        #[arg(long)]
        project: String,
        client_id: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long = "redirect-uri")]
        redirect_uris: Vec<String>,
        #[arg(long = "post-logout-redirect-uri")]
        post_logout_redirect_uris: Vec<String>,
        #[arg(long, value_name = "on|off", value_parser = parse_switch)]
        refresh_token_rotation: Option<bool>,
        #[arg(long)]
        access_token_lifetime: Option<i64>,
        /// Seconds during which a just-rotated refresh token presented
        /// again (two tabs refreshing at once) is refused without ending
        /// the grant (0–300; default 0).
        #[arg(long)]
        refresh_token_reuse_leeway: Option<i64>,
        #[arg(long)]
        json: bool,
    },
    /// Delete an application: its refresh tokens stop working at once.
    Delete {
        #[arg(long)]
        project: String,
        client_id: String,
    },
    /// Add a new secret to a confidential client; the old one keeps working
    /// until `delete-secret`, so deployments switch without a failed request.
    RotateSecret {
        #[arg(long)]
        project: String,
        client_id: String,
        #[arg(long)]
        json: bool,
    },
    /// Delete one secret (after every deployment uses the new one).
    DeleteSecret {
        #[arg(long)]
        project: String,
        client_id: String,
        /// The secret's ID (from `show`).
        secret_id: String,
    },
}

fn parse_type(text: &str) -> Result<ClientType, String> {
    ClientType::parse(text).ok_or_else(|| {
        let all: Vec<&str> = ClientType::ALL.iter().map(|t| t.as_str()).collect();
        format!("unknown type `{text}`; expected one of {}", all.join(", "))
    })
}

fn parse_switch(text: &str) -> Result<bool, String> {
    match text.to_ascii_lowercase().as_str() {
        "on" | "true" => Ok(true),
        "off" | "false" => Ok(false),
        _ => Err("expected `on` or `off`".into()),
    }
}

/// A client as JSON (never a secret's hash).
pub fn client_json(c: &OAuthClient) -> Value {
    json!({
        "client_id": c.client_id,
        "name": c.name,
        "type": c.client_type.as_str(),
        "redirect_uris": c.redirect_uris,
        "post_logout_redirect_uris": c.post_logout_redirect_uris,
        "refresh_token_rotation": c.refresh_rotation,
        "refresh_token_reuse_leeway_secs": c.refresh_reuse_leeway_secs,
        "access_token_lifetime_secs": c.access_token_lifetime_secs,
        "secrets": c.secrets.iter().map(|s| json!({"id": s.id, "created_at": time(s.created_at)})).collect::<Vec<_>>(),
        "created_at": time(c.created_at),
        "updated_at": time(c.updated_at),
    })
}

fn describe(c: &OAuthClient) {
    println!("client_id:      {}", c.client_id);
    println!("name:           {}", c.name);
    println!("type:           {}", c.client_type.as_str());
    println!("redirect URIs:  {}", c.redirect_uris.join(" "));
    println!("post-logout:    {}", c.post_logout_redirect_uris.join(" "));
    println!(
        "refresh tokens: rotation {}, reuse leeway {} s",
        if c.refresh_rotation { "on" } else { "off" },
        c.refresh_reuse_leeway_secs
    );
    println!("access tokens:  {} s", c.access_token_lifetime_secs);
    for s in &c.secrets {
        println!("secret:         {} (created {})", s.id, time(s.created_at));
    }
}

fn show(c: &OAuthClient, secret: Option<&str>, as_json: bool) -> anyhow::Result<()> {
    if as_json {
        let mut v = client_json(c);
        if let Some(s) = secret {
            v["client_secret"] = json!(s);
        }
        return print_json(&v);
    }
    describe(c);
    if let Some(s) = secret {
        println!("client_secret:  {s}");
        eprintln!(
            "store the client secret now: keyward keeps only its hash and cannot show it again"
        );
    }
    Ok(())
}

fn non_empty(list: Vec<String>) -> Option<Vec<String>> {
    (!list.is_empty()).then_some(list)
}

pub async fn run(global: &Global, cmd: OAuthClientCommand) -> anyhow::Result<()> {
    run_command(global, cmd).await.map_err(|e| {
        // The core's message is Authgear's terse one; name the client here.
        match e.downcast_ref::<keyward_accounts::AccountsError>() {
            Some(keyward_accounts::AccountsError::ClientNotFound(id)) => {
                anyhow::anyhow!("OAuth client `{id}` does not exist in this project")
            }
            _ => e,
        }
    })
}

async fn run_command(global: &Global, cmd: OAuthClientCommand) -> anyhow::Result<()> {
    let store = global.store().await?;
    let now = keyward_store::now_secs();
    let mut tx = store.begin().await?;
    match cmd {
        OAuthClientCommand::Create {
            project,
            name,
            client_type,
            redirect_uris,
            post_logout_redirect_uris,
            refresh_token_rotation,
            access_token_lifetime,
            json,
        } => {
            let new = NewClient {
                name,
                client_type,
                redirect_uris,
                post_logout_redirect_uris,
                refresh_rotation: refresh_token_rotation,
                access_token_lifetime_secs: access_token_lifetime,
                refresh_reuse_leeway_secs: None,
            };
            let (client, secret) = clients::create(&mut tx, &project, new, now).await?;
            tx.commit().await?;
            show(&client, secret.as_deref(), json)?;
        }
        OAuthClientCommand::List { project, json } => {
            if tx.project(&project).await?.is_none() {
                anyhow::bail!("project `{project}` does not exist");
            }
            let list = tx.clients(&project).await?;
            tx.commit().await?;
            if json {
                print_json(&Value::Array(list.iter().map(client_json).collect()))?;
            } else {
                let rows: Vec<Vec<String>> = list
                    .iter()
                    .map(|c| {
                        vec![
                            c.client_id.clone(),
                            c.client_type.as_str().into(),
                            c.name.clone(),
                            c.redirect_uris.join(" "),
                        ]
                    })
                    .collect();
                table(&["CLIENT ID", "TYPE", "NAME", "REDIRECT URIS"], &rows);
            }
        }
        OAuthClientCommand::Show {
            project,
            client_id,
            json,
        } => {
            let client = clients::get(&mut tx, &project, &client_id).await?;
            tx.commit().await?;
            show(&client, None, json)?;
        }
        OAuthClientCommand::Update {
            project,
            client_id,
            name,
            redirect_uris,
            post_logout_redirect_uris,
            refresh_token_rotation,
            access_token_lifetime,
            refresh_token_reuse_leeway,
            json,
        } => {
            let change = ClientChange {
                name,
                redirect_uris: non_empty(redirect_uris),
                post_logout_redirect_uris: non_empty(post_logout_redirect_uris),
                refresh_rotation: refresh_token_rotation,
                access_token_lifetime_secs: access_token_lifetime,
                refresh_reuse_leeway_secs: refresh_token_reuse_leeway,
            };
            let client = clients::update(&mut tx, &project, &client_id, change, now).await?;
            tx.commit().await?;
            show(&client, None, json)?;
        }
        OAuthClientCommand::Delete { project, client_id } => {
            clients::delete(&mut tx, &project, &client_id).await?;
            tx.commit().await?;
            eprintln!("deleted client {client_id}; its refresh tokens no longer work");
        }
        OAuthClientCommand::RotateSecret {
            project,
            client_id,
            json,
        } => {
            let (client, secret) =
                clients::rotate_secret(&mut tx, &project, &client_id, now).await?;
            tx.commit().await?;
            show(&client, Some(&secret), json)?;
            if !json {
                eprintln!(
                    "both secrets work now; once every deployment uses the new one, run `keyward oauth-client delete-secret --project {project} {client_id} <OLD SECRET ID>`"
                );
            }
        }
        OAuthClientCommand::DeleteSecret {
            project,
            client_id,
            secret_id,
        } => {
            clients::delete_secret(&mut tx, &project, &client_id, &secret_id).await?;
            tx.commit().await?;
            eprintln!("deleted secret {secret_id} of client {client_id}");
        }
    }
    Ok(())
}
