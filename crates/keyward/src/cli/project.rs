use clap::Subcommand;

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
    /// Change a project's settings.
    Update {
        /// The project ID.
        id: String,
        /// Longest Admin API token lifetime accepted, in seconds (60–86400).
        #[arg(long)]
        max_token_lifetime: i64,
    },
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
                        ]
                    })
                    .collect();
                table(&["ID", "CREATED", "MAX TOKEN LIFETIME (S)"], &rows);
            }
        }
        ProjectCommand::Update {
            id,
            max_token_lifetime,
        } => {
            let p = store
                .set_max_token_lifetime(&id, max_token_lifetime)
                .await?;
            eprintln!(
                "project `{}` now accepts tokens living up to {} s",
                p.id, p.max_token_lifetime_secs
            );
        }
    }
    Ok(())
}
