use std::path::PathBuf;

use clap::Args;
use keyward_client::TokenSigner;

/// Who signs: the options `token` and `query` share.
#[derive(Debug, Args)]
pub struct SignerArgs {
    /// The project ID (the token's audience).
    #[arg(long, env = "KEYWARD_PROJECT")]
    project: String,
    /// The key ID.
    #[arg(long, env = "KEYWARD_KID")]
    kid: String,
    /// The private key file: PEM (PKCS#8 or PKCS#1) or a private JWK.
    #[arg(long, env = "KEYWARD_KEY_FILE")]
    key: PathBuf,
}

impl SignerArgs {
    /// A signer issuing tokens valid for `ttl` seconds.
    pub fn signer(&self, ttl: u64) -> anyhow::Result<TokenSigner> {
        Ok(TokenSigner::from_key_file(
            &self.project,
            &self.kid,
            &self.key,
            ttl,
        )?)
    }
}

#[derive(Debug, Args)]
pub struct TokenArgs {
    #[command(flatten)]
    signer: SignerArgs,
    /// Lifetime in seconds.
    #[arg(long, default_value_t = 300)]
    ttl: u64,
}

/// Print a token shaped like the seed's sample: header
/// `{"alg":"RS256","kid":…,"typ":"JWT"}`, claims `{"aud":[project],"exp","iat"}`.
pub fn run(args: TokenArgs) -> anyhow::Result<()> {
    let signer = args.signer.signer(args.ttl)?;
    println!("{}", signer.token()?);
    Ok(())
}
