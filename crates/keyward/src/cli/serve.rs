use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use clap::Args;
use keyward_server::forwarded::TrustedProxies;
use keyward_server::limits::FailureLimit;
use keyward_server::portal::PortalOptions;
use keyward_server::tls::Tls;
use keyward_server::{Config, ServerHandle};
use keyward_store::{MasterKey, Store};

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
    /// DANGEROUS: accept Admin API requests without any token. For measuring
    /// what authentication costs and for local development only; refused
    /// unless --listen is a loopback address.
    #[arg(long)]
    pub insecure_no_auth: bool,
    /// Failed Admin API authentications tolerated per client address, per
    /// second, after a burst of --auth-failure-burst; beyond that the
    /// address's new tokens get 429 without being verified. 0 turns it off.
    #[arg(long, env = "KEYWARD_AUTH_FAILURE_RATE", default_value_t = FailureLimit::default().per_second)]
    pub auth_failure_rate: u32,
    /// Failed authentications allowed at once per client address.
    #[arg(long, env = "KEYWARD_AUTH_FAILURE_BURST", default_value_t = FailureLimit::default().burst)]
    pub auth_failure_burst: u32,
    /// Connections served at once; more wait until one closes.
    #[arg(long, env = "KEYWARD_MAX_CONNECTIONS", default_value_t = 1024)]
    pub max_connections: usize,
    /// Seconds a client has to send its request headers (and to send the
    /// body, separately).
    #[arg(long, env = "KEYWARD_READ_TIMEOUT_SECS", default_value_t = 10)]
    pub read_timeout: u64,
    /// Seconds a request may run before it is stopped (and its
    /// transaction rolled back) with 503.
    #[arg(long, env = "KEYWARD_REQUEST_TIMEOUT_SECS", default_value_t = 30)]
    pub request_timeout: u64,
    /// How browsers reach keyward: `https://…` when a TLS-terminating proxy
    /// is in front, which makes sign-in issuers https and its cookies
    /// Secure. Only the scheme is used; the host comes from each request.
    #[arg(long, env = "KEYWARD_PUBLIC_URL", value_parser = public_scheme)]
    pub public_url: Option<&'static str>,
    /// Send email (password reset links) through this SMTP server:
    /// `smtp://host:25` (a local relay), `smtp://user:pass@host:587?tls=required`
    /// (STARTTLS) or `smtps://user:pass@host:465` (TLS). Without it keyward
    /// sends no email and offers no password reset.
    #[arg(long, env = "KEYWARD_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// Send text messages (password reset by phone, sign-in codes) by
    /// POSTing them to this webhook, signed per project (see `keyward
    /// project sms-webhook`). Projects may set their own.
    #[arg(long, env = "KEYWARD_SMS_WEBHOOK_URL", value_parser = sms_url)]
    pub sms_webhook_url: Option<String>,
    /// The sender of keyward's email.
    #[arg(
        long,
        env = "KEYWARD_MAIL_FROM",
        default_value = "keyward <no-reply@localhost>"
    )]
    pub mail_from: String,
    /// Proxies (CIDR blocks or addresses, comma-separated) whose
    /// Forwarded / X-Forwarded-For / -Proto / -Host headers are believed:
    /// the right-most address that is not one of them is the client, for
    /// rate limits, lockout, audit entries and sessions. Default none.
    #[arg(long, env = "KEYWARD_TRUSTED_PROXIES", value_parser = trusted_proxies, default_value = "")]
    pub trusted_proxies: TrustedProxies,
    /// Hold the Admin API's rate limits and failed-authentication budgets
    /// in this Redis (`redis://host:6379/0`, `rediss://` for TLS), shared
    /// by every replica using it. Without it each replica counts alone.
    #[arg(long, env = "KEYWARD_REDIS_URL", hide_env_values = true)]
    pub redis_url: Option<String>,
    /// Serve HTTPS with this certificate chain (PEM: the server's
    /// certificate first, then intermediates), with --tls-key. HTTP/2 is
    /// offered. On SIGHUP both files are read again: new connections get
    /// the new certificate, open ones are not dropped, and a pair that does
    /// not load is refused with the old one kept.
    #[arg(long, env = "KEYWARD_TLS_CERT")]
    pub tls_cert: Option<PathBuf>,
    /// The private key of --tls-cert (PEM: PKCS#8, PKCS#1 or SEC1).
    #[arg(long, env = "KEYWARD_TLS_KEY")]
    pub tls_key: Option<PathBuf>,
    /// Failed end-user sign-ins allowed per client address per minute
    /// (across replicas with --redis-url); beyond it the address's sign-ins
    /// are refused until the minute is over.
    #[arg(long, env = "KEYWARD_SIGNIN_FAILURES_PER_IP", default_value_t = Config::default().signin_failures_per_ip, value_parser = clap::value_parser!(u32).range(1..))]
    pub signin_failures_per_ip: u32,
    /// Failed sign-ins allowed per login ID per minute (across replicas
    /// with --redis-url), whatever the address. Lockout (per project, in
    /// the database) is separate.
    #[arg(long, env = "KEYWARD_SIGNIN_FAILURES_PER_LOGIN", default_value_t = Config::default().signin_failures_per_login, value_parser = clap::value_parser!(u32).range(1..))]
    pub signin_failures_per_login: u32,
    /// Seconds that shutdown (SIGTERM, Ctrl-C) waits for requests in
    /// flight before it closes their connections.
    #[arg(long, env = "KEYWARD_SHUTDOWN_GRACE_SECS", default_value_t = Config::default().shutdown_grace.as_secs())]
    pub shutdown_grace: u64,
}

impl ServeArgs {
    /// The TLS that --tls-cert and --tls-key ask for (both or neither).
    fn tls(&self) -> anyhow::Result<Option<Tls>> {
        match (&self.tls_cert, &self.tls_key) {
            (None, None) => Ok(None),
            (Some(cert), Some(key)) => Tls::load(cert, key)
                .map(Some)
                .map_err(|e| anyhow::anyhow!("TLS: {e}")),
            (Some(_), None) => anyhow::bail!("--tls-cert (tls.cert) needs --tls-key (tls.key)"),
            (None, Some(_)) => anyhow::bail!("--tls-key (tls.key) needs --tls-cert (tls.cert)"),
        }
    }

    fn mailer(&self) -> anyhow::Result<Option<keyward_server::mailer::Mailer>> {
        self.smtp_url
            .as_deref()
            .map(|url| keyward_server::mailer::Mailer::new(url, &self.mail_from))
            .transpose()
            .map_err(|e| anyhow::anyhow!("--smtp-url / --mail-from: {e}"))
    }

    fn check_auth_switch(&self) -> anyhow::Result<()> {
        if self.insecure_no_auth && !self.listen.ip().is_loopback() {
            anyhow::bail!(
                "--insecure-no-auth turns authentication off and is allowed only on a loopback address, not {}",
                self.listen
            );
        }
        Ok(())
    }
}

/// What the settings load to before the server binds (the TLS pair, the
/// mailer); made once, by [`check`], and handed to [`start`].
pub struct Checked {
    tls: Option<Tls>,
    mailer: Option<keyward_server::mailer::Mailer>,
}

/// What `serve` checks before it creates anything: also `keyward config
/// check`.
pub fn check(args: &ServeArgs) -> anyhow::Result<Checked> {
    args.check_auth_switch()?;
    Ok(Checked {
        tls: args.tls()?,
        mailer: args.mailer()?,
    })
}

fn trusted_proxies(text: &str) -> Result<TrustedProxies, String> {
    TrustedProxies::parse(text)
}

fn sms_url(text: &str) -> Result<String, String> {
    keyward_server::sms::check_url(text)
}

fn public_scheme(text: &str) -> Result<&'static str, String> {
    if text.starts_with("https://") {
        Ok("https")
    } else if text.starts_with("http://") {
        Ok("http")
    } else {
        Err("expected a URL starting with https:// or http://".into())
    }
}

pub async fn run(global: &Global, args: ServeArgs) -> anyhow::Result<()> {
    // Settings first: a bad one stops here, before anything is created.
    let checked = check(&args)?;
    let store = global.store().await?;
    let master = global.master_key(IfMissing::Create)?;
    let portal = portal_options(&store, master).await?;
    let setup_token = portal.setup_token.clone();
    let handle = start(&store, &args, checked, portal).await?;
    let scheme = handle.scheme();
    tracing::info!("keyward listening on {scheme}://{}", handle.addr);
    tracing::info!("portal: {scheme}://{}/portal", handle.addr);
    announce_setup(scheme, handle.addr, setup_token.as_deref());
    wait_for_signal(handle.tls()).await;
    tracing::info!("shutting down; finishing requests in flight");
    handle
        .shutdown()
        .await
        .context("server stopped with an error")?;
    store.close().await;
    Ok(())
}

/// The portal's options: the master key (it seals and opens private keys)
/// and, while no portal account exists, a one-time setup token.
pub async fn portal_options(store: &Store, master: MasterKey) -> anyhow::Result<PortalOptions> {
    let setup_token = if store.count_portal_users().await? == 0 {
        Some(
            keyward_server::portal::session::random_token()
                .map_err(|_| anyhow::anyhow!("no randomness"))?,
        )
    } else {
        None
    };
    Ok(PortalOptions {
        master_key: Some(std::sync::Arc::new(master)),
        setup_token,
    })
}

/// Print the setup link, once, to the operator's terminal: whoever opens it
/// first creates the first portal account.
pub fn announce_setup(scheme: &str, addr: SocketAddr, setup_token: Option<&str>) {
    if let Some(token) = setup_token {
        eprintln!(
            "no portal account exists yet: create the first one at {scheme}://{addr}/portal/setup?token={token} \
             (works once), or run `keyward portal-user create --email <EMAIL>`"
        );
    }
}

pub async fn start(
    store: &Store,
    args: &ServeArgs,
    checked: Checked,
    portal: PortalOptions,
) -> anyhow::Result<ServerHandle> {
    let Checked { tls, mailer } = checked;
    if args.insecure_no_auth {
        tracing::warn!(
            "AUTHENTICATION IS OFF (--insecure-no-auth): every Admin API request is accepted with full access. \
             Never use this outside measurements and local development."
        );
    }
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let redis_limits = match &args.redis_url {
        Some(url) => Some(
            keyward_server::limits::redis::RedisLimits::connect(url)
                .await
                .with_context(|| format!("cannot reach Redis at {}", super::redact_url(url)))?,
        ),
        None => None,
    };
    let config = Config {
        base_domain: args.base_domain.clone(),
        redis_limits,
        mailer,
        sms_webhook_url: args.sms_webhook_url.clone(),
        leeway_secs: args.leeway,
        insecure_no_auth: args.insecure_no_auth,
        auth_failure_limit: (args.auth_failure_rate > 0).then_some(FailureLimit {
            per_second: args.auth_failure_rate,
            burst: args.auth_failure_burst.max(1),
        }),
        max_connections: args.max_connections.max(1),
        header_read_timeout: Duration::from_secs(args.read_timeout.max(1)),
        body_read_timeout: Duration::from_secs(args.read_timeout.max(1)),
        request_timeout: Duration::from_secs(args.request_timeout.max(1)),
        public_scheme: args.public_url.unwrap_or("http"),
        trusted_proxies: args.trusted_proxies.clone(),
        tls,
        signin_failures_per_ip: args.signin_failures_per_ip,
        signin_failures_per_login: args.signin_failures_per_login,
        shutdown_grace: Duration::from_secs(args.shutdown_grace),
        ..Config::default()
    };
    Ok(keyward_server::start_with_portal(config, store.clone(), listener, portal).await?)
}

/// Until SIGINT (Ctrl-C) or SIGTERM. SIGHUP reloads the TLS certificate.
pub async fn wait_for_signal(tls: Option<&Tls>) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut term), Ok(mut hangup)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::hangup()),
        ) else {
            let _ = tokio::signal::ctrl_c().await;
            return;
        };
        loop {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => return,
                _ = term.recv() => return,
                _ = hangup.recv() => reload(tls),
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tls;
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[cfg(unix)]
fn reload(tls: Option<&Tls>) {
    let Some(tls) = tls else {
        tracing::info!("SIGHUP: nothing to reload (no --tls-cert)");
        return;
    };
    match tls.reload() {
        Ok(loaded) => tracing::info!(
            certificates = loaded.chain_len,
            "TLS certificate reloaded; new connections get it"
        ),
        Err(e) => tracing::error!(
            reason = e.reason(),
            error = %e,
            "TLS certificate not reloaded; still serving the previous one"
        ),
    }
}
