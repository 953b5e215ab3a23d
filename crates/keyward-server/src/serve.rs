//! The accept loop, written out rather than `axum::serve` because that one
//! has no header read timeout and no connection cap:
//!
//! - at most `max_connections` connections are served at once; beyond
//!   that, new ones wait in the kernel's backlog until one closes;
//! - a client must send its request headers within `header_read_timeout`
//!   (also the longest a kept-alive connection may sit idle), so a slow-header
//!   client (slowloris) holds a slot for seconds, not forever;
//! - shutdown stops accepting, serves the connections already queued in the
//!   backlog, lets requests in flight finish (connections close once idle),
//!   and gives up after `shutdown_grace`.
//!
//! - with TLS (see [`crate::tls`]), the handshake must also finish within
//!   `header_read_timeout`; HTTP/2 is offered by ALPN.
//!
//! The body read timeout and the request timeout are in `routes/`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, oneshot};
use tower::ServiceExt as _;

use crate::config::Config;
use crate::forwarded::{self, TrustedProxies};

/// The client's address the accept loop attached to a request (the peer,
/// or the client behind trusted proxies), if any (a router driven in
/// process has none).
pub fn peer_ip(parts: &axum::http::request::Parts) -> Option<std::net::IpAddr> {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
}

/// Connection-level settings, from [`Config`].
#[derive(Debug, Clone)]
pub struct ConnectionLimits {
    /// Connections served at once.
    pub max_connections: usize,
    /// Time allowed for a request's headers to arrive.
    pub header_read_timeout: Duration,
    /// Longest wait for requests in flight at shutdown.
    pub shutdown_grace: Duration,
    /// Peers whose forwarding headers are believed (see [`crate::forwarded`]).
    pub trusted_proxies: Arc<TrustedProxies>,
    /// TLS handshakes, when keyward serves HTTPS itself.
    pub tls: Option<crate::tls::Tls>,
}

impl ConnectionLimits {
    /// The limits `config` asks for.
    pub fn from_config(config: &Config) -> Self {
        ConnectionLimits {
            max_connections: config.max_connections.max(1),
            header_read_timeout: config.header_read_timeout,
            shutdown_grace: config.shutdown_grace,
            trusted_proxies: Arc::new(config.trusted_proxies.clone()),
            tls: config.tls.clone(),
        }
    }
}

/// Serve `app` on `listener` until `shutdown` fires, then drain.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    shutdown: oneshot::Receiver<()>,
) -> std::io::Result<()> {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => break,
            },
            _ = &mut shutdown => break,
        };
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = &mut shutdown => break,
        };
        match accepted {
            Ok((stream, peer)) => {
                spawn_connection(stream, peer, app.clone(), &limits, &graceful, slot)
            }
            Err(e) => accept_failed(e).await,
        }
    }
    // Connections the kernel already completed are waiting in the backlog:
    // their clients have sent requests. Serve them rather than reset them.
    while let Ok(Ok((stream, peer))) =
        tokio::time::timeout(Duration::from_millis(1), listener.accept()).await
    {
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            break;
        };
        spawn_connection(stream, peer, app.clone(), &limits, &graceful, slot);
    }
    drop(listener);
    if tokio::time::timeout(limits.shutdown_grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            grace = ?limits.shutdown_grace,
            "connections still open after the shutdown grace period; closing them"
        );
    }
    Ok(())
}

fn spawn_connection(
    stream: TcpStream,
    peer: SocketAddr,
    app: Router,
    limits: &ConnectionLimits,
    graceful: &GracefulShutdown,
    slot: tokio::sync::OwnedSemaphorePermit,
) {
    let _ = stream.set_nodelay(true);
    let connection = Connection {
        peer,
        app,
        trusted: limits.trusted_proxies.clone(),
        header_read_timeout: limits.header_read_timeout,
        watcher: graceful.watcher(),
    };
    let tls = limits.tls.as_ref().map(crate::tls::Tls::acceptor);
    tokio::spawn(async move {
        match tls {
            None => connection.serve(stream, false).await,
            // The handshake gets the same time as a request's headers, so
            // a client that stalls in it holds a slot for seconds only.
            Some(acceptor) => {
                match tokio::time::timeout(connection.header_read_timeout, acceptor.accept(stream))
                    .await
                {
                    Ok(Ok(stream)) => connection.serve(stream, true).await,
                    Ok(Err(e)) => tracing::debug!(error = %e, "TLS handshake failed"),
                    Err(_) => tracing::debug!("TLS handshake timed out"),
                }
            }
        }
        drop(slot);
    });
}

/// One accepted connection, plain or after its TLS handshake.
struct Connection {
    peer: SocketAddr,
    app: Router,
    trusted: Arc<TrustedProxies>,
    header_read_timeout: Duration,
    watcher: hyper_util::server::graceful::Watcher,
}

impl Connection {
    async fn serve<I>(self, io: I, tls: bool)
    where
        I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    {
        let Connection {
            peer,
            app,
            trusted,
            header_read_timeout,
            watcher,
        } = self;
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            // From here on the request says only what keyward vouches for:
            // the client's address (through trusted proxies), its host and
            // scheme; see `forwarded`.
            let origin = forwarded::resolve(peer.ip(), request.headers(), &trusted, tls);
            forwarded::apply(&origin, request.headers_mut());
            request
                .extensions_mut()
                .insert(ConnectInfo(forwarded::client_addr(&origin, peer)));
            app.clone().oneshot(request)
        });
        let mut builder = Builder::new(TokioExecutor::new());
        builder
            .http1()
            .timer(TokioTimer::new())
            .header_read_timeout(header_read_timeout);
        builder
            .http2()
            .timer(TokioTimer::new())
            .keep_alive_interval(header_read_timeout)
            .keep_alive_timeout(header_read_timeout);
        let connection = builder.serve_connection(TokioIo::new(io), service);
        if let Err(e) = watcher.watch(connection).await {
            // Timeouts, resets and malformed requests end up here: the
            // client's doing, so not worth more than debug.
            tracing::debug!(error = %e, "connection ended with an error");
        }
    }
}

/// Out of file descriptors and the like: wait a little instead of spinning.
async fn accept_failed(e: std::io::Error) {
    tracing::warn!(error = %e, "accept failed; retrying shortly");
    tokio::time::sleep(Duration::from_millis(50)).await;
}
