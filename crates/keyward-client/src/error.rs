//! The SDK's errors. Each has a stable machine-readable [`code`](AdminError::code);
//! Admin API refusals keep the server's `reason` and GraphQL errors keep
//! their `extensions`, so callers can branch on them.

use std::time::Duration;

use keyward_token::SignError;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Why a token could not be produced.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The private key file could not be read.
    #[error("cannot read private key file {path}: {source}")]
    KeyFile {
        /// The path given.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Signing failed (unreadable key, bad kid).
    #[error(transparent)]
    Sign(#[from] SignError),
    /// A TTL outside 1..=86400 seconds.
    #[error("token lifetime must be between 1 and {} seconds", crate::MAX_TTL_SECS)]
    InvalidTtl,
    /// Another option is out of range.
    #[error("{0}")]
    InvalidOption(&'static str),
}

impl ClientError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            ClientError::KeyFile { .. } => "client.key_file",
            ClientError::Sign(e) => e.code(),
            ClientError::InvalidTtl => "client.invalid_ttl",
            ClientError::InvalidOption(_) => "client.invalid_option",
        }
    }
}

/// One entry of a GraphQL response's `errors`, extensions kept as sent.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct GraphQLError {
    /// The human-readable message.
    pub message: String,
    /// Where in the response the error occurred, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<Vec<Value>>,
    /// Authgear-style `errorName`, `reason`, `info`, or whatever the server sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extensions: Option<Map<String, Value>>,
}

impl GraphQLError {
    /// `extensions.reason` (e.g. `UserNotFound`), when present.
    pub fn reason(&self) -> Option<&str> {
        self.extension_str("reason")
    }

    /// `extensions.errorName` (e.g. `NotFound`), when present.
    pub fn error_name(&self) -> Option<&str> {
        self.extension_str("errorName")
    }

    fn extension_str(&self, name: &str) -> Option<&str> {
        self.extensions.as_ref()?.get(name)?.as_str()
    }
}

/// Why an Admin API call failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AdminError {
    /// No token could be signed.
    #[error(transparent)]
    Token(#[from] ClientError),
    /// The endpoint or options are unusable.
    #[error("{0}")]
    Config(String),
    /// The server could not be reached, or the connection failed mid-request,
    /// after `attempts` tries.
    #[error("cannot reach the Admin API after {attempts} attempt(s){}: {source}",
        if *.may_have_applied { " (the mutation may have been applied)" } else { "" })]
    Transport {
        /// The last transport error.
        source: reqwest::Error,
        /// How many requests were tried.
        attempts: u32,
        /// True for a mutation whose request was sent: it may have run.
        may_have_applied: bool,
    },
    /// The server refused the request before running it (401, 403, 404,
    /// 413, 429, …) or failed (5xx), with its `error.reason` and message.
    #[error("Admin API refused the request (HTTP {status}, {reason}): {message}")]
    Refused {
        /// The HTTP status.
        status: u16,
        /// The server's stable reason, e.g. `token_expired`, `unknown_key`.
        reason: String,
        /// The server's message.
        message: String,
        /// The server's `Retry-After`, when sent.
        retry_after: Option<Duration>,
    },
    /// The operation ran and the response carries GraphQL `errors`.
    #[error("{}", graphql_summary(.errors))]
    GraphQL {
        /// Every error, extensions included.
        errors: Vec<GraphQLError>,
        /// The partial `data`, when the server sent any.
        data: Option<Value>,
    },
    /// The response was not the JSON the Admin API sends.
    #[error("unexpected Admin API response (HTTP {status}): {detail}")]
    UnexpectedResponse {
        /// The HTTP status.
        status: u16,
        /// What was wrong, with the start of the body.
        detail: String,
    },
}

impl AdminError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            AdminError::Token(e) => e.code(),
            AdminError::Config(_) => "client.config",
            AdminError::Transport { .. } => "client.transport",
            AdminError::Refused { status: 429, .. } => "client.rate_limited",
            AdminError::Refused { .. } => "client.refused",
            AdminError::GraphQL { .. } => "client.graphql",
            AdminError::UnexpectedResponse { .. } => "client.unexpected_response",
        }
    }

    /// The server's reason: `error.reason` of a refusal, or
    /// `extensions.reason` of the first GraphQL error.
    pub fn reason(&self) -> Option<&str> {
        match self {
            AdminError::Refused { reason, .. } => Some(reason),
            AdminError::GraphQL { errors, .. } => errors.first()?.reason(),
            _ => None,
        }
    }
}

fn graphql_summary(errors: &[GraphQLError]) -> String {
    let first = errors
        .first()
        .map_or("(no message)", |e| e.message.as_str());
    let reason = errors
        .first()
        .and_then(|e| e.reason())
        .map(|r| format!(" ({r})"))
        .unwrap_or_default();
    match errors.len() {
        0 | 1 => format!("Admin API error{reason}: {first}"),
        n => format!("Admin API error{reason}: {first} (and {} more)", n - 1),
    }
}
