//! What every resolver of one request shares: the caller, the request's one
//! transaction, and the request's clock. The transaction begins when a
//! resolver first needs it (so work done before that, like hashing a
//! password, does not hold SQLite's write lock); the HTTP handler commits
//! it when the response has no error and rolls it back otherwise.

use std::collections::HashMap;
use std::sync::Arc;

use keyward_accounts::messages::Transports;
use keyward_accounts::{Actor, HashCost, Initiator};
use keyward_store::{Store, Tx};
use tokio::sync::{MappedMutexGuard, Mutex, MutexGuard};

use crate::caller::AdminCaller;
use crate::errors::{AdminError, AdminResult};

/// Signs the access token of a session the Admin API created
/// (`createSession`). The server implements it with the sign-in door's
/// keys and issuer, so this crate signs nothing itself.
pub trait SessionIssuer: Send + Sync {
    /// The issuer (sign-in origin) of `project`'s default host, where its
    /// users sign in and reset passwords.
    fn issuer(&self, project: &str) -> String;

    /// Make sure `project` has a signing key. Called before the request's
    /// transaction is taken: a first key is written in a transaction of
    /// its own, which SQLite could not do while the request holds the lock.
    fn prepare<'a>(
        &'a self,
        project: &'a str,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), String>> + Send + 'a>>;

    /// The access token of `grant`, or why none could be signed (logged,
    /// never shown).
    fn access_token<'a>(
        &'a self,
        project: &'a str,
        client: &'a keyward_store::OAuthClient,
        user: &'a keyward_store::User,
        grant: &'a keyward_store::OfflineGrant,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<String, String>> + Send + 'a>>;
}

/// Per-request state, in the GraphQL context data.
pub struct RequestCtx {
    /// Who is calling.
    pub caller: AdminCaller,
    /// Now, Unix microseconds: one instant for the whole request.
    pub now: i64,
    /// The project, instant and initiator every accounts operation takes.
    pub actor: Actor,
    /// The cost of new password hashes.
    pub hash_cost: HashCost,
    /// Signs `createSession`'s access tokens (absent: the mutation fails).
    pub session_issuer: Option<Arc<dyn SessionIssuer>>,
    /// How the server can reach users (`sendResetPasswordMessage`,
    /// `sendPassword`); a project may add its own SMS webhook.
    pub transports: Transports,
    store: Store,
    write: bool,
    tx: Mutex<Option<Tx>>,
    /// Verified claims per user, loaded a page at a time.
    claims: std::sync::Mutex<HashMap<String, Claims>>,
}

/// A user's verified claims as `(name, value)`.
pub type Claims = Arc<Vec<(String, String)>>;

impl RequestCtx {
    /// State for one request; `write` when it runs a mutation. `client`
    /// is the calling backend's address and User-Agent, for the audit log.
    pub fn new(
        caller: AdminCaller,
        store: Store,
        write: bool,
        now: i64,
        hash_cost: HashCost,
        client: (String, String),
    ) -> Self {
        let (ip, user_agent) = client;
        let actor = Actor {
            project: caller.project.id.clone(),
            now,
            by: Initiator::AdminApi {
                kid: caller.kid.clone(),
                audit_context: caller.audit_context.clone(),
                ip,
                user_agent,
            },
        };
        RequestCtx {
            caller,
            now,
            actor,
            hash_cost,
            session_issuer: None,
            transports: Transports::default(),
            store,
            write,
            tx: Mutex::new(None),
            claims: std::sync::Mutex::new(HashMap::new()),
        }
    }

    /// With `issuer` signing `createSession`'s access tokens.
    pub fn with_session_issuer(mut self, issuer: Arc<dyn SessionIssuer>) -> Self {
        self.session_issuer = Some(issuer);
        self
    }

    /// With the server's message transports.
    pub fn with_transports(mut self, transports: Transports) -> Self {
        self.transports = transports;
        self
    }

    /// The transports that reach this project's users.
    pub async fn project_transports(&self) -> AdminResult<Transports> {
        let mut tx = self.tx().await?;
        Ok(self.transports.of_project(&mut tx, self.project()).await?)
    }

    /// The project ID.
    pub fn project(&self) -> &str {
        &self.caller.project.id
    }

    /// The request's transaction, begun on first use (resolvers take turns).
    pub async fn tx(&self) -> AdminResult<MappedMutexGuard<'_, Tx>> {
        let mut slot = self.tx.lock().await;
        if slot.is_none() {
            let begun = if self.write {
                self.store.begin().await
            } else {
                self.store.begin_read().await
            };
            *slot = Some(begun?);
        }
        MutexGuard::try_map(slot, Option::as_mut).map_err(|_| AdminError::unexpected())
    }

    /// Load the verified claims of a page of users with one query, so that
    /// their `standardAttributes` and `verifiedClaims` need none.
    pub async fn prefetch_claims(&self, user_ids: Vec<String>) -> AdminResult<()> {
        let rows = self
            .tx()
            .await?
            .verified_claims_of_users(self.project(), &user_ids)
            .await?;
        let mut by_user: HashMap<String, Vec<(String, String)>> =
            user_ids.into_iter().map(|id| (id, Vec::new())).collect();
        for (user, name, value) in rows {
            by_user.entry(user).or_default().push((name, value));
        }
        if let Ok(mut cache) = self.claims.lock() {
            cache.extend(by_user.into_iter().map(|(k, v)| (k, Arc::new(v))));
        }
        Ok(())
    }

    /// A user's verified claims: prefetched, or read now.
    pub async fn claims_of(&self, user_id: &str) -> AdminResult<Claims> {
        let cached = self
            .claims
            .lock()
            .ok()
            .and_then(|c| c.get(user_id).cloned());
        if let Some(claims) = cached {
            return Ok(claims);
        }
        let claims = self
            .tx()
            .await?
            .verified_claims(self.project(), user_id)
            .await?;
        Ok(Arc::new(claims))
    }

    /// Forget what was prefetched for a user whose claims just changed.
    pub fn forget_claims(&self, user_id: &str) {
        if let Ok(mut cache) = self.claims.lock() {
            cache.remove(user_id);
        }
    }

    /// Hand the transaction (if one began) back to the handler.
    pub fn into_tx(self) -> Option<Tx> {
        self.tx.into_inner()
    }
}

/// The request state from a resolver's context.
pub fn req<'a>(ctx: &async_graphql::Context<'a>) -> AdminResult<&'a RequestCtx> {
    Ok(ctx
        .data::<std::sync::Arc<RequestCtx>>()
        .map(|a| a.as_ref())?)
}
