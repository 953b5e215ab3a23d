use std::time::Duration;

use keyward_accounts::HashCost;
use keyward_token::Policy;

use crate::limits::FailureLimit;

/// Server settings. Every field has a production default; [`Config::for_test`]
/// only shortens timers.
#[derive(Debug, Clone)]
pub struct Config {
    /// Requests for `<project>.<base_domain>` go to that project. Default `localhost`.
    pub base_domain: String,
    /// Clock skew tolerated in token time checks, seconds. Default 60.
    pub leeway_secs: u64,
    /// How often to look for key changes made by other processes. Default 1 s,
    /// so a change is honoured within about one second (the contract is 2 s).
    pub key_poll_interval: Duration,
    /// Most verified tokens remembered. Default 100 000.
    pub verified_cache_capacity: u64,
    /// Largest request body. Default 1 MiB.
    pub max_body_bytes: usize,
    /// `last_used_at` is written at most this often per key. Default 60 s.
    pub last_used_interval: Duration,
    /// GraphQL query depth limit. Default 16.
    pub graphql_max_depth: usize,
    /// GraphQL query complexity limit. Default 1000.
    pub graphql_max_complexity: usize,
    /// Most aliased fields in one GraphQL document. Default 50.
    pub graphql_max_aliases: usize,
    /// How recent a portal operator's password entry must be for a private
    /// key download. Default 5 minutes.
    pub portal_reauth_window: Duration,
    /// Accept every Admin API request without a token, as a full-access
    /// caller. Only for measuring what authentication costs and for local
    /// development; `keyward serve` allows it on loopback only. Default off.
    pub insecure_no_auth: bool,
    /// Failed Admin API authentications tolerated per client address
    /// before its new tokens are refused with 429 unverified. Default 10/s
    /// after a burst of 100; `None` turns the limit off.
    pub auth_failure_limit: Option<FailureLimit>,
    /// Connections served at once; more wait in the listen backlog.
    /// Default 1024.
    pub max_connections: usize,
    /// Time allowed for a request's headers to arrive (and the longest a
    /// kept-alive connection may sit idle). Default 10 s.
    pub header_read_timeout: Duration,
    /// Time allowed for a request's body to arrive. Default 10 s.
    pub body_read_timeout: Duration,
    /// Longest an Admin API request may take from its headers to its
    /// response; past it the request is stopped (its transaction rolled
    /// back) with 503. Default 30 s.
    pub request_timeout: Duration,
    /// Longest wait for requests in flight at shutdown. Default 30 s.
    pub shutdown_grace: Duration,
    /// The argon2id cost of new password hashes (end users' and
    /// operators'). Default OWASP's recommendation; no flag changes it, so
    /// only [`Config::for_test`] lowers it.
    pub password_hash_cost: HashCost,
    /// The scheme end-user sign-in's issuers use: `https` when keyward is
    /// reached through a TLS-terminating proxy (`keyward serve
    /// --public-url https://…`), else `http`. Cookies get `Secure` on https.
    pub public_scheme: &'static str,
    /// Failed sign-ins allowed per client address per minute (this replica).
    /// Default 100.
    pub signin_failures_per_ip: u32,
    /// Failed sign-ins allowed per login ID per minute (this replica).
    /// Default 10.
    pub signin_failures_per_login: u32,
    /// How often a replica looks for scheduled deletions and anonymizations
    /// that are due. Default 60 s.
    pub jobs_interval: Duration,
    /// Outgoing email (password reset); `None`: the server sends no
    /// email and offers nothing that needs it.
    pub mailer: Option<crate::mailer::Mailer>,
    /// Where text messages go for projects without their own SMS
    /// webhook (an http(s) URL; see [`crate::sms`]). Default none.
    pub sms_webhook_url: Option<String>,
    /// How often a replica looks for messages to deliver. Default 1 s.
    pub outbox_interval: Duration,
    /// The first retry of an undelivered message waits this long, each
    /// next one twice as long (at most an hour). Default 30 s.
    pub outbox_retry_secs: i64,
    /// Proxies whose `Forwarded` / `X-Forwarded-*` headers name the client,
    /// its scheme and host. Default none: the peer is the client.
    pub trusted_proxies: crate::forwarded::TrustedProxies,
    /// Where the Admin API's rate limits and failed-authentication budgets
    /// live so that every replica shares them; `None`: this replica's
    /// memory. Default none.
    pub redis_limits: Option<crate::limits::redis::RedisLimits>,
    /// Serve HTTPS (and HTTP/2) with this certificate; `None`: plain
    /// HTTP, for a TLS-terminating proxy in front. Default none.
    pub tls: Option<crate::tls::Tls>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            base_domain: "localhost".into(),
            leeway_secs: Policy::DEFAULT_LEEWAY_SECS,
            key_poll_interval: Duration::from_secs(1),
            verified_cache_capacity: 100_000,
            max_body_bytes: 1024 * 1024,
            last_used_interval: Duration::from_secs(60),
            graphql_max_depth: 16,
            graphql_max_complexity: 1000,
            graphql_max_aliases: 50,
            portal_reauth_window: Duration::from_secs(5 * 60),
            insecure_no_auth: false,
            auth_failure_limit: Some(FailureLimit::default()),
            max_connections: 1024,
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            shutdown_grace: Duration::from_secs(30),
            password_hash_cost: HashCost::default(),
            public_scheme: "http",
            signin_failures_per_ip: 100,
            signin_failures_per_login: 10,
            jobs_interval: crate::jobs::DEFAULT_INTERVAL,
            mailer: None,
            sms_webhook_url: None,
            outbox_interval: Duration::from_secs(1),
            outbox_retry_secs: 30,
            trusted_proxies: Default::default(),
            redis_limits: None,
            tls: None,
        }
    }
}

impl Config {
    /// What the server itself can send (a project's own SMS webhook adds
    /// to it).
    pub fn transports(&self) -> keyward_accounts::messages::Transports {
        keyward_accounts::messages::Transports {
            email: self.mailer.is_some(),
            sms: self.sms_webhook_url.is_some(),
        }
    }

    /// Defaults with a faster change watcher, for tests.
    pub fn for_test() -> Self {
        Config {
            key_poll_interval: Duration::from_millis(200),
            jobs_interval: Duration::from_millis(200),
            outbox_interval: Duration::from_millis(100),
            outbox_retry_secs: 1,
            password_hash_cost: HashCost::cheapest_for_tests(),
            ..Config::default()
        }
    }
}
