//! From `Authorization` header to [`AdminCaller`].
//!
//! Two caches keep the hot path cheap:
//! - key sets: each project's parsed public keys and policy, loaded once and
//!   dropped when the project's key version changes (see `watch.rs`);
//! - verified tokens: SHA-256(project, token) → (kid, exp, audit context),
//!   kept until the token's `exp`. A reused token costs a hash and a lookup
//!   instead of an RSA verify. A hit still requires its key to be active in the current
//!   key set, so disabling or deleting a key takes effect for cached tokens
//!   as soon as the key set is refreshed.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_lc_rs::digest;
use keyward_store::{KeyRole, ProjectKeys, Store, StoreError};
use keyward_token::verify::bearer_token;
use keyward_token::{Reason, TokenError, verify};
use moka::Expiry;

use crate::config::Config;
use crate::limits::{Limited, Limits};
use crate::metrics::Metrics;

pub use keyward_admin::{AdminCaller, AuditContext};

/// The key ID callers get when authentication is switched off.
pub const INSECURE_NO_AUTH_KID: &str = "insecure-no-auth";

/// Why a request was not authenticated.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// No such project: 404.
    #[error("project `{0}` does not exist")]
    ProjectNotFound(String),
    /// The token was refused: 401.
    #[error(transparent)]
    Token(#[from] TokenError),
    /// The store failed: 503.
    #[error("store unavailable: {0}")]
    Store(String),
    /// Over a rate limit: 429.
    #[error("rate limited: {}", .0.reason.code())]
    Limited(Limited),
}

#[derive(Debug)]
struct CachedToken {
    project: String,
    kid: String,
    exp: f64,
    audit_context: Option<AuditContext>,
    ttl: Duration,
}

struct UntilExp;

impl Expiry<[u8; 32], Arc<CachedToken>> for UntilExp {
    fn expire_after_create(
        &self,
        _: &[u8; 32],
        value: &Arc<CachedToken>,
        _: Instant,
    ) -> Option<Duration> {
        Some(value.ttl)
    }
}

/// The portal tells the authenticator when it changed a project's keys.
impl keyward_portal::KeySetCache for Authenticator {
    fn invalidate_project<'a>(
        &'a self,
        project: &'a str,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + 'a>> {
        Box::pin(Authenticator::invalidate_project(self, project))
    }
}

/// Authenticates Admin API requests.
pub struct Authenticator {
    store: Store,
    metrics: Metrics,
    leeway_secs: u64,
    insecure_no_auth: bool,
    projects: moka::future::Cache<String, Arc<ProjectKeys>>,
    verified: moka::sync::Cache<[u8; 32], Arc<CachedToken>>,
    /// Keys whose use was recorded within the last interval, by kid (a random
    /// UUID keyward assigns, so unique across projects).
    usage: moka::sync::Cache<String, ()>,
    limits: Limits,
}

impl Authenticator {
    /// A new authenticator over `store`.
    pub fn new(config: &Config, store: Store, metrics: Metrics) -> Self {
        let limits = match &config.redis_limits {
            Some(redis) => {
                Limits::new(config.auth_failure_limit).shared(redis.clone(), metrics.clone())
            }
            None => Limits::new(config.auth_failure_limit),
        };
        Authenticator {
            store,
            metrics,
            limits,
            leeway_secs: config.leeway_secs,
            insecure_no_auth: config.insecure_no_auth,
            projects: moka::future::Cache::builder()
                .max_capacity(10_000)
                // Safety net: even if every change notification were missed,
                // nothing stale outlives a minute.
                .time_to_live(Duration::from_secs(60))
                .build(),
            verified: moka::sync::Cache::builder()
                .max_capacity(config.verified_cache_capacity)
                .expire_after(UntilExp)
                .support_invalidation_closures()
                .build(),
            usage: moka::sync::Cache::builder()
                .max_capacity(100_000)
                .time_to_live(config.last_used_interval)
                .build(),
        }
    }

    /// Check that `project_id` exists (404 otherwise), that `authorization`
    /// (every `Authorization` header value sent) carries a token the project
    /// accepts now, and that the caller is within its limits. `client` is
    /// the peer address, for the failed-authentication limit.
    pub async fn authenticate(
        &self,
        project_id: &str,
        authorization: &[&[u8]],
        client: IpAddr,
    ) -> Result<AdminCaller, AuthError> {
        let caller = self
            .authenticate_token(project_id, authorization, client)
            .await?;
        self.limits
            .admit(&caller.project, &caller.kid)
            .await
            .map_err(AuthError::Limited)?;
        Ok(caller)
    }

    async fn authenticate_token(
        &self,
        project_id: &str,
        authorization: &[&[u8]],
        client: IpAddr,
    ) -> Result<AdminCaller, AuthError> {
        // A project not in the cache costs a database read, and a flood of
        // made-up project IDs would be a flood of reads: an address over
        // its failure budget waits here too, and each 404 counts.
        let loaded = match self.projects.get(project_id).await {
            Some(cached) => cached,
            None => {
                self.limits
                    .check_failures(client)
                    .await
                    .map_err(AuthError::Limited)?;
                match self.load(project_id).await {
                    Err(AuthError::ProjectNotFound(p)) => {
                        self.limits.record_failure(client).await;
                        return Err(AuthError::ProjectNotFound(p));
                    }
                    other => other?,
                }
            }
        };
        if self.insecure_no_auth {
            // Measurement and local development only (`serve
            // --insecure-no-auth`, loopback only): the project lookup above
            // is the only work done.
            return Ok(AdminCaller {
                project: loaded.project.clone(),
                kid: INSECURE_NO_AUTH_KID.to_owned(),
                role: KeyRole::Full,
                audit_context: None,
            });
        }
        let header = match authorization {
            [] => None,
            [one] => Some(*one),
            _ => {
                return Err(self
                    .refuse(
                        client,
                        TokenError {
                            reason: Reason::MalformedToken,
                            message: "send exactly one Authorization header".into(),
                        },
                    )
                    .await);
            }
        };
        let token = match bearer_token(header) {
            Ok(token) => token,
            Err(e) => return Err(self.refuse(client, e).await),
        };
        let now = unix_now();
        let cache_key = token_digest(project_id, token);

        if let Some(hit) = self.verified.get(&cache_key) {
            if loaded.keys.is_active(&hit.kid) && (now as f64) < hit.exp + self.leeway_secs as f64 {
                self.metrics.cache_hit();
                if loaded.project.limits.replay_guard {
                    // Only accepted tokens are cached: this one was used.
                    return Err(self.refuse(client, replayed()).await);
                }
                return Ok(self.accept(&loaded, hit.kid.clone(), hit.audit_context.clone(), now));
            }
            self.verified.invalidate(&cache_key);
        }
        self.metrics.cache_miss();
        // Before the expensive part: an address that keeps failing waits.
        self.limits
            .check_failures(client)
            .await
            .map_err(AuthError::Limited)?;

        let mut loaded = loaded;
        let policy = loaded.policy(self.leeway_secs);
        let mut result = verify(token, &loaded.keys, project_id, &policy, now);
        if matches!(&result, Err(e) if e.reason == Reason::UnknownKey)
            && self.is_stale(&loaded).await
        {
            // A key created a moment ago by another process: use it now
            // rather than after the next watcher tick.
            self.projects.invalidate(project_id).await;
            loaded = self.load(project_id).await?;
            let policy = loaded.policy(self.leeway_secs);
            result = verify(token, &loaded.keys, project_id, &policy, now);
        }
        let verified = match result {
            Ok(verified) => verified,
            Err(e) => return Err(self.refuse(client, e).await),
        };
        if let Some(jti) = &verified.jti {
            // `exp` is at most a day or so away (the lifetime cap), so the
            // conversion cannot overflow.
            let keep_until = verified.exp.ceil() as i64 + self.leeway_secs as i64;
            let fresh = self
                .store
                .record_jti(project_id, jti, keep_until, now as i64)
                .await
                .map_err(|e| AuthError::Store(e.to_string()))?;
            if !fresh {
                return Err(self.refuse(client, replayed()).await);
            }
        }
        let ttl = Duration::from_secs_f64((verified.exp - now as f64).max(0.0));
        let audit_context = verified.audit_context.map(Arc::new);
        self.verified.insert(
            cache_key,
            Arc::new(CachedToken {
                project: project_id.to_owned(),
                kid: verified.kid.clone(),
                exp: verified.exp,
                audit_context: audit_context.clone(),
                ttl,
            }),
        );
        Ok(self.accept(&loaded, verified.kid, audit_context, now))
    }

    /// Drop everything cached for `project_id` (its keys changed).
    pub async fn invalidate_project(&self, project_id: &str) {
        self.projects.invalidate(project_id).await;
        let owned = project_id.to_owned();
        // Only fails if closures were not enabled at build time; they are.
        if let Err(e) = self
            .verified
            .invalidate_entries_if(move |_, v| v.project == owned)
        {
            tracing::error!(error = %e, "could not drop cached tokens");
            self.verified.invalidate_all();
        }
    }

    /// The key version of each project currently cached.
    pub fn cached_versions(&self) -> Vec<(String, i64)> {
        self.projects
            .iter()
            .map(|(id, p)| (id.as_ref().clone(), p.version))
            .collect()
    }

    async fn load(&self, project_id: &str) -> Result<Arc<ProjectKeys>, AuthError> {
        let store = self.store.clone();
        let id = project_id.to_owned();
        self.projects
            .try_get_with_by_ref(project_id, async move {
                match store.project_keys(&id).await {
                    Ok(Some(keys)) => Ok(Arc::new(keys)),
                    Ok(None) => Err(None),
                    Err(e) => Err(Some(e)),
                }
            })
            .await
            .map_err(|e: Arc<Option<StoreError>>| match e.as_ref() {
                None => AuthError::ProjectNotFound(project_id.to_owned()),
                Some(e) => AuthError::Store(e.to_string()),
            })
    }

    /// Whether the store holds a newer key version than `loaded`. One
    /// primary-key read: the same cost an unknown project already has.
    async fn is_stale(&self, loaded: &ProjectKeys) -> bool {
        match self.store.key_version(&loaded.project.id).await {
            Ok(version) => version != Some(loaded.version),
            Err(e) => {
                tracing::warn!(error = %e, "could not check key version");
                false
            }
        }
    }

    async fn refuse(&self, client: IpAddr, e: TokenError) -> AuthError {
        self.metrics.auth_failure(e.reason);
        self.limits.record_failure(client).await;
        tracing::debug!(reason = e.reason.code(), detail = %e.message, "admin API token refused");
        AuthError::Token(e)
    }

    fn accept(
        &self,
        loaded: &ProjectKeys,
        kid: String,
        audit_context: Option<AuditContext>,
        now: u64,
    ) -> AdminCaller {
        self.record_use(&loaded.project.id, &kid, now);
        AdminCaller {
            project: loaded.project.clone(),
            role: loaded.role(&kid),
            kid,
            audit_context,
        }
    }

    /// Write `last_used_at` at most once per interval per key, off the
    /// request path.
    fn record_use(&self, project: &str, kid: &str, now: u64) {
        // By reference: the kid is only copied when it starts a new interval,
        // not on every request.
        let entry = self.usage.entry_by_ref(kid).or_insert(());
        if !entry.is_fresh() {
            return;
        }
        let store = self.store.clone();
        let (project, kid) = (project.to_owned(), kid.to_owned());
        tokio::spawn(async move {
            if let Err(e) = store.touch_key(&project, &kid, now as i64).await {
                tracing::warn!(project, kid, error = %e, "could not record key use");
            }
        });
    }
}

fn replayed() -> TokenError {
    TokenError {
        reason: Reason::TokenReplayed,
        message:
            "this token's jti was already used: this project's replay guard accepts each token once"
                .into(),
    }
}

fn token_digest(project_id: &str, token: &str) -> [u8; 32] {
    let mut ctx = digest::Context::new(&digest::SHA256);
    ctx.update(project_id.as_bytes());
    ctx.update(&[0]);
    ctx.update(token.as_bytes());
    let mut out = [0u8; 32];
    out.copy_from_slice(ctx.finish().as_ref());
    out
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
