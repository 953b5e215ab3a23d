//! Signing `createSession`'s access tokens for the Admin API with the
//! sign-in door's keys: the composition joins the two doors here, so
//! neither knows the other.
//!
//! The token names the project's own sign-in host as its issuer,
//! `<scheme>://<project>.<base-domain>`, with the port the Admin API
//! request came in on (if its Host had one): the issuer an app of the
//! project signs in with unless it uses a custom domain.

use std::future::Future;
use std::pin::Pin;

use keyward_admin::SessionIssuer;
use keyward_store::{OAuthClient, OfflineGrant, User};

use crate::AppState;

/// The server's [`SessionIssuer`], for one Admin API request.
pub struct AdminSessionIssuer {
    state: AppState,
    port: Option<String>,
}

impl AdminSessionIssuer {
    /// For a request whose `Host` header was `host`.
    pub fn new(state: AppState, host: Option<&str>) -> Self {
        let port = host
            .and_then(|h| h.rsplit_once(':'))
            .map(|(_, p)| p)
            .filter(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()))
            .map(str::to_owned);
        AdminSessionIssuer { state, port }
    }

    /// The issuer of `project`'s default sign-in host.
    pub fn issuer_of(&self, project: &str) -> String {
        let config = self.state.config();
        let port = self
            .port
            .as_deref()
            .map(|p| format!(":{p}"))
            .unwrap_or_default();
        format!(
            "{}://{project}.{}{port}",
            config.public_scheme, config.base_domain
        )
    }
}

impl SessionIssuer for AdminSessionIssuer {
    fn issuer(&self, project: &str) -> String {
        self.issuer_of(project)
    }

    fn prepare<'a>(
        &'a self,
        project: &'a str,
    ) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>> {
        Box::pin(async move {
            let signin = self.state.signin();
            signin
                .keys()
                .get(project, keyward_store::now_secs())
                .await
                .map(|_| ())
                .map_err(|e| e.to_string())
        })
    }

    fn access_token<'a>(
        &'a self,
        project: &'a str,
        client: &'a OAuthClient,
        user: &'a User,
        grant: &'a OfflineGrant,
    ) -> Pin<Box<dyn Future<Output = Result<String, String>> + Send + 'a>> {
        Box::pin(async move {
            let tenant = keyward_signin::Tenant {
                project: project.to_owned(),
                issuer: self.issuer_of(project),
            };
            keyward_signin::access_token_for_grant(
                self.state.signin(),
                &tenant,
                client,
                user,
                grant,
            )
            .await
            .map_err(|e| e.to_string())
        })
    }
}
