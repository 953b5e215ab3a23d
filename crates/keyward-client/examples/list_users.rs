//! List a project's first users through the Admin API.
//!
//! ```sh
//! keyward quickstart            # prints the endpoint, project, key ID and key file
//! KEYWARD_ENDPOINT=http://127.0.0.1:8080/projects/myapp/_api/admin/graphql \
//! KEYWARD_PROJECT=myapp KEYWARD_KID=<key ID> KEYWARD_KEY_FILE=private-key.pem \
//!   cargo run -p keyward-client --example list_users
//! ```

use std::process::ExitCode;

use keyward_client::{AdminClient, AdminError, TokenSigner};

const LIST: &str = "query($first: Int!) {
  users(first: $first) {
    totalCount
    edges { node { id standardAttributes createdAt } }
  }
}";

fn env(name: &str) -> Result<String, String> {
    std::env::var(name).map_err(|_| format!("set {name} (see the example's header)"))
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let signer = TokenSigner::from_key_file(
        env("KEYWARD_PROJECT")?,
        env("KEYWARD_KID")?,
        env("KEYWARD_KEY_FILE")?.as_ref(),
        300,
    )?;
    let client = AdminClient::new(&env("KEYWARD_ENDPOINT")?, signer)?;
    match client.query(LIST, serde_json::json!({ "first": 10 })).await {
        Ok(data) => {
            println!("{} user(s)", data["users"]["totalCount"]);
            for edge in data["users"]["edges"].as_array().into_iter().flatten() {
                let node = &edge["node"];
                println!("{}  {}", node["id"], node["standardAttributes"]);
            }
            Ok(())
        }
        // A refusal names its reason (e.g. unknown_key, token_expired).
        Err(e @ AdminError::Refused { .. }) => Err(format!("{e} [{}]", e.code()).into()),
        Err(e) => Err(e.into()),
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
