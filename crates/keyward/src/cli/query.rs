use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use clap::Args;
use keyward_client::{AdminClient, AdminError, Operation, RetryPolicy};

use super::token::SignerArgs;
use serde_json::Value;

#[derive(Debug, Args)]
pub struct QueryArgs {
    /// The Admin API URL, or the project's origin (the path
    /// /_api/admin/graphql is added when the URL has none).
    #[arg(long, env = "KEYWARD_ENDPOINT")]
    endpoint: String,
    #[command(flatten)]
    signer: SignerArgs,
    /// Variables as a JSON object.
    #[arg(long, conflicts_with = "variables_file")]
    variables: Option<String>,
    /// A file holding the variables as a JSON object.
    #[arg(long)]
    variables_file: Option<PathBuf>,
    /// Which operation to run, when the document holds several.
    #[arg(long)]
    operation_name: Option<String>,
    /// Token lifetime in seconds.
    #[arg(long, default_value_t = 60)]
    ttl: u64,
    /// Allow plain http to a host other than loopback (the token would
    /// cross the network unencrypted).
    #[arg(long)]
    allow_http: bool,
    /// The GraphQL document, or @FILE to read it from a file (@- for stdin).
    query: String,
}

/// Run one operation and print the response as JSON. Exits non-zero, with
/// the reason on stderr, when the request is refused or the response
/// carries errors (the response itself still goes to stdout).
pub async fn run(args: QueryArgs) -> anyhow::Result<()> {
    let document = read_document(&args.query)?;
    let variables = match (&args.variables, &args.variables_file) {
        (Some(text), _) => parse_variables(text, "--variables")?,
        (None, Some(path)) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            parse_variables(&text, &path.display().to_string())?
        }
        (None, None) => Value::Null,
    };
    let signer = args.signer.signer(args.ttl)?;
    // One attempt per retryable failure at most: a person is waiting.
    let retry = RetryPolicy {
        max_attempts: 2,
        ..RetryPolicy::default()
    };
    let client = AdminClient::builder(&args.endpoint, signer)
        .retry(retry)
        .allow_plain_http(args.allow_http)
        .build()?;
    let result = client
        .execute(Operation {
            query: &document,
            variables: &variables,
            operation_name: args.operation_name.as_deref(),
        })
        .await;
    match result {
        Ok(data) => {
            print_json(&serde_json::json!({ "data": data }))?;
            Ok(())
        }
        Err(AdminError::GraphQL { errors, data }) => {
            let response = serde_json::json!({ "data": data, "errors": errors });
            print_json(&response)?;
            let error = AdminError::GraphQL { errors, data };
            bail!("{error}")
        }
        Err(e) => Err(e.into()),
    }
}

fn read_document(arg: &str) -> anyhow::Result<String> {
    let document = match arg.strip_prefix('@') {
        Some("-") => std::io::read_to_string(std::io::stdin()).context("cannot read stdin")?,
        Some(path) => std::fs::read_to_string(Path::new(path))
            .with_context(|| format!("cannot read the query file {path}"))?,
        None => arg.to_owned(),
    };
    if document.trim().is_empty() {
        bail!("the GraphQL document is empty");
    }
    Ok(document)
}

fn parse_variables(text: &str, origin: &str) -> anyhow::Result<Value> {
    let value: Value = serde_json::from_str(text)
        .with_context(|| format!("variables in {origin} are not valid JSON"))?;
    if !value.is_object() {
        bail!("variables in {origin} must be a JSON object");
    }
    Ok(value)
}

fn print_json(value: &Value) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}
