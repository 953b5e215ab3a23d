use std::io::{BufRead as _, IsTerminal as _};

use anyhow::{Context as _, bail};
use clap::Subcommand;

use super::Global;

#[derive(Debug, Subcommand)]
pub enum PortalUserCommand {
    /// Create a portal operator. The password is read from a prompt, or from
    /// the first line of stdin when stdin is not a terminal; never from a flag.
    Create {
        /// The operator's email (their login).
        #[arg(long)]
        email: String,
    },
}

pub async fn run(global: &Global, cmd: PortalUserCommand) -> anyhow::Result<()> {
    match cmd {
        PortalUserCommand::Create { email } => {
            let password = read_password()?;
            keyward_server::portal::check_operator_password(&password)
                .map_err(anyhow::Error::msg)?;
            let store = global.store().await?;
            let cost = keyward_accounts::HashCost::default();
            let hash = keyward_accounts::password::hash(password, cost)
                .await
                .context("cannot hash the password")?;
            let user = store.create_portal_user(&email, &hash, false).await?;
            eprintln!(
                "portal account {} created; sign in at /portal/login",
                user.email
            );
            Ok(())
        }
    }
}

fn read_password() -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ").context("cannot read the password")?;
        let again = rpassword::prompt_password("Repeat: ").context("cannot read the password")?;
        if first != again {
            bail!("the two passwords differ");
        }
        return Ok(first);
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("cannot read the password from stdin")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}
