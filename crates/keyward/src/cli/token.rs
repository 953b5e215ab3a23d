use std::path::PathBuf;

use clap::Args;
use keyward_client::TokenSigner;

#[derive(Debug, Args)]
pub struct TokenArgs {
    /// The project ID (the token's audience).
    #[arg(long)]
    project: String,
    /// The key ID.
    #[arg(long)]
    kid: String,
    /// The private key file (PKCS#8 or PKCS#1 PEM).
    #[arg(long)]
    key: PathBuf,
    /// Lifetime in seconds.
    #[arg(long, default_value_t = 300)]
    ttl: u64,
}

/// Print a token shaped like the seed's sample: header
/// `{"alg":"RS256","kid":…,"typ":"JWT"}`, claims `{"aud":[project],"exp","iat"}`.
pub fn run(args: TokenArgs) -> anyhow::Result<()> {
    let signer = TokenSigner::from_pem_file(args.project, args.kid, &args.key, args.ttl)?;
    println!("{}", signer.token()?);
    Ok(())
}
