use std::net::SocketAddr;

use anyhow::Context as _;
use clap::Args;
use keyward_server::{Config, ServerHandle};
use keyward_store::Store;

use super::Global;
use crate::master_key::IfMissing;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "KEYWARD_LISTEN", default_value = "127.0.0.1:3000")]
    pub listen: SocketAddr,
    /// Requests for <project>.<base-domain> go to that project.
    #[arg(long, env = "KEYWARD_BASE_DOMAIN", default_value = "localhost")]
    pub base_domain: String,
    /// Clock skew tolerated in token time checks, in seconds.
    #[arg(long, env = "KEYWARD_LEEWAY_SECS", default_value_t = 60)]
    pub leeway: u64,
}

pub async fn run(global: &Global, args: ServeArgs) -> anyhow::Result<()> {
    let store = global.store().await?;
    // The server itself never decrypts a key, but a deployment needs its
    // master key from day one: create the file now, with the warning.
    global.master_key(IfMissing::Create)?;
    let handle = start(&store, &args).await?;
    tracing::info!("keyward listening on http://{}", handle.addr);
    wait_for_signal().await;
    tracing::info!("shutting down; finishing requests in flight");
    handle
        .shutdown()
        .await
        .context("server stopped with an error")?;
    store.close().await;
    Ok(())
}

pub async fn start(store: &Store, args: &ServeArgs) -> anyhow::Result<ServerHandle> {
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let config = Config {
        base_domain: args.base_domain.clone(),
        leeway_secs: args.leeway,
        ..Config::default()
    };
    Ok(keyward_server::start(config, store.clone(), listener).await?)
}

/// SIGINT (Ctrl-C) or SIGTERM.
pub async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
