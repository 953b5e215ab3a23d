//! # keyward-server: composition
//!
//! Owns the process around the doors: the accept loop (connection cap,
//! timeouts, graceful drain), routing a request to its project by Host
//! header or `/projects/<id>` path, authenticating Admin API bearer tokens
//! (with the verified-token and key-set caches and the watcher that keeps
//! them in step with the store), rate limits, `/healthz`, `/readyz`,
//! `/metrics`, and settings. It mounts the doors: the Admin API
//! (`keyward-admin`, run by `routes/graphql.rs` in one transaction per
//! request), end-user sign-in (`keyward-signin`, given the [`Tenant`] its
//! Host resolves to) and the portal (`keyward-portal`).
//!
//! It must not contain SQL (that is `keyward-store`), token rules (that is
//! `keyward-token`) nor rules about users (that is `keyward-accounts`): it
//! calls them. Resolvers receive an [`auth::AdminCaller`] and never read
//! headers.

/// Authentication: bearer token → [`auth::AdminCaller`], with caches.
pub mod auth;
/// Server settings.
pub mod config;
/// HTTP error responses (one place decides status codes).
pub mod error;
/// The client behind trusted proxies: address, scheme, host.
pub mod forwarded;
/// Signing `createSession`'s access tokens with the sign-in door's keys.
pub mod issuer;
/// Background jobs: scheduled deletions and anonymizations, under a lease.
pub mod jobs;
/// Rate limits: per key, per project, failed authentications per address.
pub mod limits;
/// Delivering the outbox (email over SMTP; SMS through [`sms`]).
pub mod mailer;
/// Prometheus metrics.
pub mod metrics;
/// Resolving the project a request is for.
pub mod project;
/// HTTP routes.
pub mod routes;
/// The accept loop: connection cap, header timeout, graceful drain.
pub mod serve;
/// Delivering text messages through an HTTP webhook.
pub mod sms;
/// Built-in HTTPS: certificate files, reloaded in place.
pub mod tls;
/// Running user imports and exports in the background.
pub mod transfer;
/// Background tasks: noticing key changes made by other processes.
pub mod watch;

use std::net::SocketAddr;
use std::sync::Arc;

use keyward_portal::{PortalOptions, PortalSettings, PortalState};
use keyward_signin::{SigninSettings, SigninState};
use keyward_store::Store;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use config::Config;
pub use keyward_portal as portal;
pub use keyward_signin as signin;
pub use keyward_signin::Tenant;

/// Everything a request handler needs; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    config: Config,
    store: Store,
    auth: Arc<auth::Authenticator>,
    schema: keyward_admin::AdminSchema,
    clock: keyward_accounts::SharedClock,
    metrics: metrics::Metrics,
    portal: PortalState,
    signin: SigninState,
    tenants: moka::future::Cache<String, Option<String>>,
    master: Option<Arc<keyward_store::MasterKey>>,
    import_wake: Arc<tokio::sync::Notify>,
    export_wake: Arc<tokio::sync::Notify>,
    lease_holder: String,
}

impl AppState {
    /// Build the state for `store` under `config`.
    pub fn new(config: Config, store: Store) -> Self {
        Self::with_portal(config, store, PortalOptions::default())
    }

    /// Like [`AppState::new`], with the portal's master key and setup token.
    pub fn with_portal(config: Config, store: Store, portal: PortalOptions) -> Self {
        let metrics = metrics::Metrics::new();
        let master = portal.master_key.clone();
        let auth = Arc::new(auth::Authenticator::new(
            &config,
            store.clone(),
            metrics.clone(),
        ));
        let clock: keyward_accounts::SharedClock = Arc::new(keyward_accounts::SystemClock);
        // The doors' failure counts, in Redis when there is one.
        let shared_counts = config
            .redis_limits
            .clone()
            .map(|r| Arc::new(r) as Arc<dyn keyward_accounts::shared_counts::SharedCounts>);
        let signin = SigninState::new(
            store.clone(),
            portal.master_key.clone(),
            clock.clone(),
            SigninSettings {
                hash_cost: config.password_hash_cost,
                failures_per_ip: config.signin_failures_per_ip,
                failures_per_login: config.signin_failures_per_login,
                transports: config.transports(),
                ..SigninSettings::default()
            },
            shared_counts.clone(),
        );
        let portal = PortalState::new(
            store.clone(),
            keyward_portal::Portal::new(portal).with_shared_counts(shared_counts.clone()),
            PortalSettings {
                reauth_window: config.portal_reauth_window,
                hash_cost: config.password_hash_cost,
            },
            auth.clone(),
        );
        let schema = keyward_admin::schema(config.graphql_max_depth, config.graphql_max_complexity);
        AppState {
            inner: Arc::new(Inner {
                config,
                store,
                auth,
                schema,
                clock,
                metrics,
                portal,
                signin,
                // Host → project, kept a second (like key changes).
                tenants: moka::future::Cache::builder()
                    .max_capacity(10_000)
                    .time_to_live(std::time::Duration::from_secs(1))
                    .build(),
                master,
                import_wake: Arc::default(),
                export_wake: Arc::default(),
                lease_holder: format!("{}:{}", std::process::id(), uuid::Uuid::new_v4()),
            }),
        }
    }

    /// Settings.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// The authenticator.
    pub fn auth(&self) -> &auth::Authenticator {
        &self.inner.auth
    }

    /// The GraphQL schema.
    pub fn schema(&self) -> &keyward_admin::AdminSchema {
        &self.inner.schema
    }

    /// The clock requests take their instant from.
    pub fn clock(&self) -> &dyn keyward_accounts::Clock {
        self.inner.clock.as_ref()
    }

    /// Metrics.
    pub fn metrics(&self) -> &metrics::Metrics {
        &self.inner.metrics
    }

    /// The portal's state.
    pub fn portal(&self) -> &PortalState {
        &self.inner.portal
    }

    /// The sign-in door's state.
    pub fn signin(&self) -> &SigninState {
        &self.inner.signin
    }

    /// The master key, if the server has one (TOTP secrets are sealed
    /// under it).
    pub fn master_key(&self) -> Option<&keyward_store::MasterKey> {
        self.inner.master.as_deref()
    }

    /// Wakes the import worker.
    pub fn import_wake(&self) -> &Arc<tokio::sync::Notify> {
        &self.inner.import_wake
    }

    /// Wakes the export worker.
    pub fn export_wake(&self) -> &Arc<tokio::sync::Notify> {
        &self.inner.export_wake
    }

    /// Who this server is when it holds a job lease.
    pub fn lease_holder(&self) -> &str {
        &self.inner.lease_holder
    }

    /// The project served at `host` (a Host header, port stripped):
    /// `<project>.<base-domain>` of an existing project, or a custom domain.
    pub async fn project_at(
        &self,
        host: &str,
    ) -> Result<Option<String>, keyward_store::StoreError> {
        if let Some(hit) = self.inner.tenants.get(host).await {
            return Ok(hit);
        }
        let found = match project::from_host(host, &self.inner.config.base_domain) {
            Some(id) => self.inner.store.project(&id).await?.map(|p| p.id),
            None => self.inner.store.project_for_domain(host).await?,
        };
        self.inner
            .tenants
            .insert(host.to_owned(), found.clone())
            .await;
        Ok(found)
    }
}

/// A running server.
pub struct ServerHandle {
    /// The address it listens on (useful with port 0).
    pub addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    server: JoinHandle<std::io::Result<()>>,
    watcher: JoinHandle<()>,
    jobs: JoinHandle<()>,
    outbox: JoinHandle<()>,
    transfers: JoinHandle<()>,
    state: AppState,
}

impl ServerHandle {
    /// The server's TLS, to reload its certificate (on SIGHUP); `None`
    /// when it serves plain HTTP.
    pub fn tls(&self) -> Option<&tls::Tls> {
        self.state.config().tls.as_ref()
    }

    /// `https` when the server speaks TLS itself, else `http`.
    pub fn scheme(&self) -> &'static str {
        if self.tls().is_some() {
            "https"
        } else {
            "http"
        }
    }

    /// Stop accepting connections, let requests in flight finish, then return.
    pub async fn shutdown(mut self) -> std::io::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let result = match (&mut self.server).await {
            Ok(r) => r,
            Err(e) => Err(std::io::Error::other(e)),
        };
        self.watcher.abort();
        self.jobs.abort();
        self.outbox.abort();
        self.transfers.abort();
        // Hand the job leases over now rather than make another replica (or
        // this one restarted) wait for them to expire: a rolling restart
        // would otherwise stall imports and exports for up to 10 s. Work cut
        // off mid-way resumes from what was committed.
        for name in jobs::LEASES {
            if let Err(e) = self
                .state
                .store()
                .release_lease(name, self.state.lease_holder())
                .await
            {
                tracing::warn!(error = %e, lease = name, "could not release a job lease; it expires by itself");
            }
        }
        result
    }
}

/// Serve the Admin API on `listener` until [`ServerHandle::shutdown`].
pub async fn start(
    config: Config,
    store: Store,
    listener: TcpListener,
) -> std::io::Result<ServerHandle> {
    start_with_portal(config, store, listener, PortalOptions::default()).await
}

/// [`start`], with the portal able to generate and hand out keys.
pub async fn start_with_portal(
    config: Config,
    store: Store,
    listener: TcpListener,
    portal: PortalOptions,
) -> std::io::Result<ServerHandle> {
    let addr = listener.local_addr()?;
    let limits = serve::ConnectionLimits::from_config(&config);
    let sms = sms::SmsGateway::new(config.sms_webhook_url.as_deref(), portal.master_key.clone())
        .map_err(std::io::Error::other)?;
    let state = AppState::with_portal(config, store, portal);
    let watcher = tokio::spawn(watch::run(state.clone()));
    let jobs = tokio::spawn(jobs::run(state.clone()));
    // Always: any project may set its own SMS webhook at any time.
    let outbox = tokio::spawn(jobs::run_outbox(state.clone(), sms));
    let transfers = tokio::spawn(transfer::run(state.clone()));
    let app = routes::router(state.clone());
    let (tx, rx) = oneshot::channel::<()>();
    let server = tokio::spawn(serve::serve(listener, app, limits, rx));
    Ok(ServerHandle {
        addr,
        shutdown: Some(tx),
        server,
        watcher,
        jobs,
        outbox,
        transfers,
        state,
    })
}
