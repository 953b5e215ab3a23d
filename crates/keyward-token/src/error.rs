use std::borrow::Cow;
use std::fmt;

/// Why a token was refused. The [`Reason::code`] strings are part of the
/// public API (they appear in HTTP responses and metrics) and are never renamed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Reason {
    /// No `Authorization: Bearer …` credential was sent.
    MissingCredentials,
    /// The token is not a well-formed compact JWS with JSON objects, or a claim has the wrong type.
    MalformedToken,
    /// `alg` is anything but `RS256`.
    UnsupportedAlgorithm,
    /// The header carries `crit`, `jku`, `jwk`, `x5u` or `x5c`.
    ForbiddenHeader,
    /// No key of the project has this `kid`.
    UnknownKey,
    /// The key exists but is disabled.
    KeyDisabled,
    /// The RS256 signature does not verify under the key.
    InvalidSignature,
    /// `aud` is missing or does not contain the project ID.
    InvalidAudience,
    /// `now ≥ exp + leeway`.
    TokenExpired,
    /// `now + leeway < nbf`.
    TokenNotYetValid,
    /// `iat > now + leeway`.
    IssuedInFuture,
    /// The token lives longer than the project's cap.
    LifetimeTooLong,
    /// The project's replay guard is on and the token has no usable `jti`.
    MissingJti,
    /// The project's replay guard is on and this `jti` was already accepted
    /// within its lifetime. Decided by the server (it needs the store's
    /// record of used IDs); listed here so every refusal code is in one place.
    TokenReplayed,
}

impl Reason {
    /// Every reason, in documentation order.
    pub const ALL: [Reason; 14] = [
        Reason::MissingCredentials,
        Reason::MalformedToken,
        Reason::UnsupportedAlgorithm,
        Reason::ForbiddenHeader,
        Reason::UnknownKey,
        Reason::KeyDisabled,
        Reason::InvalidSignature,
        Reason::InvalidAudience,
        Reason::TokenExpired,
        Reason::TokenNotYetValid,
        Reason::IssuedInFuture,
        Reason::LifetimeTooLong,
        Reason::MissingJti,
        Reason::TokenReplayed,
    ];

    /// The stable machine-readable code, e.g. `token_expired`.
    pub fn code(self) -> &'static str {
        match self {
            Reason::MissingCredentials => "missing_credentials",
            Reason::MalformedToken => "malformed_token",
            Reason::UnsupportedAlgorithm => "unsupported_algorithm",
            Reason::ForbiddenHeader => "forbidden_header",
            Reason::UnknownKey => "unknown_key",
            Reason::KeyDisabled => "key_disabled",
            Reason::InvalidSignature => "invalid_signature",
            Reason::InvalidAudience => "invalid_audience",
            Reason::TokenExpired => "token_expired",
            Reason::TokenNotYetValid => "token_not_yet_valid",
            Reason::IssuedInFuture => "issued_in_future",
            Reason::LifetimeTooLong => "lifetime_too_long",
            Reason::MissingJti => "missing_jti",
            Reason::TokenReplayed => "token_replayed",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A refused token: the stable [`Reason`] plus a human sentence that never
/// contains the token or key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}: {message}")]
pub struct TokenError {
    /// The stable reason.
    pub reason: Reason,
    /// What exactly was wrong, for the operator and the client developer.
    pub message: Cow<'static, str>,
}

impl TokenError {
    pub(crate) fn new(reason: Reason, message: impl Into<Cow<'static, str>>) -> Self {
        TokenError {
            reason,
            message: message.into(),
        }
    }

    pub(crate) fn malformed(message: impl Into<Cow<'static, str>>) -> Self {
        TokenError::new(Reason::MalformedToken, message)
    }
}

/// A key could not be generated, parsed or encoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The input is not a PEM or JWK we understand.
    #[error("{0}")]
    Unreadable(Cow<'static, str>),
    /// The input is a private key where a public key was expected.
    #[error(
        "this is a private key; register only the public key (for example `openssl pkey -in private-key.pem -pubout`), so the private key never leaves your systems"
    )]
    PrivateKeyGiven,
    /// Not an RSA key.
    #[error("only RSA keys are supported (got {0})")]
    NotRsa(String),
    /// RSA modulus below 2048 bits or above 8192.
    #[error("RSA key size {0} bits is not allowed: use 2048, 3072 or 4096 bits")]
    BadSize(usize),
    /// Public exponent other than 65537.
    #[error("RSA public exponent must be 65537")]
    BadExponent,
    /// Requested size for a new key is not one we generate.
    #[error("cannot generate a {0}-bit key: choose 2048, 3072 or 4096")]
    UnsupportedGenerateSize(u32),
    /// The crypto library failed (should not happen).
    #[error("cryptographic operation failed: {0}")]
    Crypto(&'static str),
}

impl KeyError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            KeyError::Unreadable(_) => "key.unreadable",
            KeyError::PrivateKeyGiven => "key.private_key_given",
            KeyError::NotRsa(_) => "key.not_rsa",
            KeyError::BadSize(_) => "key.bad_size",
            KeyError::BadExponent => "key.bad_exponent",
            KeyError::UnsupportedGenerateSize(_) => "key.unsupported_size",
            KeyError::Crypto(_) => "key.crypto",
        }
    }
}

/// A token could not be signed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// The private key could not be read.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// Signing failed inside the JWT library.
    #[error("signing failed: {0}")]
    Signing(String),
    /// The requested claims are invalid (e.g. empty kid).
    #[error("{0}")]
    InvalidInput(&'static str),
}

impl SignError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            SignError::Key(e) => e.code(),
            SignError::Signing(_) => "sign.failed",
            SignError::InvalidInput(_) => "sign.invalid_input",
        }
    }
}
