//! HTTPS served by keyward itself, for operators without a TLS-terminating
//! proxy: a certificate chain and its key, read from PEM files.
//!
//! [`Tls::reload`] (the binary calls it on SIGHUP) reads the files again
//! and swaps the new certificate in for new connections; connections
//! already open keep theirs and are not dropped. A reload that fails (a
//! half-written file, a key that does not match) changes nothing: the
//! server goes on with the certificate it had, and the error says why.
//!
//! ALPN offers HTTP/2 and HTTP/1.1. The handshake must finish within the
//! header read timeout, like a request's headers (see [`crate::serve`]).
//! Protocol versions are rustls's safe defaults (TLS 1.2 and 1.3) on
//! aws-lc-rs, the crypto provider keyward uses everywhere.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;

/// Why a certificate or key could not be used. `reason()` is stable.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} holds no PEM certificate (-----BEGIN CERTIFICATE-----)", path.display())]
    NoCertificate { path: PathBuf },
    #[error("{} is not a valid PEM certificate chain: {detail}", path.display())]
    BadCertificate { path: PathBuf, detail: String },
    #[error("{} holds no PEM private key (PKCS#8, PKCS#1 or SEC1)", path.display())]
    NoKey { path: PathBuf },
    #[error("the private key in {} cannot be used: {detail}", path.display())]
    BadKey { path: PathBuf, detail: String },
    #[error("the private key in {} does not belong to the certificate in {}", key.display(), cert.display())]
    KeyMismatch { cert: PathBuf, key: PathBuf },
    #[error("cannot build the TLS configuration: {0}")]
    Config(String),
}

impl TlsError {
    /// A stable, machine-readable reason.
    pub fn reason(&self) -> &'static str {
        match self {
            TlsError::Read { .. } => "tls_file_unreadable",
            TlsError::NoCertificate { .. } => "tls_no_certificate",
            TlsError::BadCertificate { .. } => "tls_bad_certificate",
            TlsError::NoKey { .. } => "tls_no_key",
            TlsError::BadKey { .. } => "tls_bad_key",
            TlsError::KeyMismatch { .. } => "tls_key_mismatch",
            TlsError::Config(_) => "tls_config",
        }
    }
}

/// What was loaded, for the log line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Loaded {
    /// Certificates in the chain, the leaf first.
    pub chain_len: usize,
}

/// The server's TLS: the files it reads and what new connections get.
/// Cheap to clone (it is shared).
#[derive(Clone)]
pub struct Tls {
    files: Arc<CertFiles>,
    acceptor: tokio_rustls::TlsAcceptor,
}

impl fmt::Debug for Tls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tls")
            .field("cert", &self.files.cert)
            .field("key", &self.files.key)
            .finish_non_exhaustive()
    }
}

impl Tls {
    /// Read `cert` (the chain, leaf first) and `key`, and check that they
    /// belong together.
    pub fn load(cert: &Path, key: &Path) -> Result<Tls, TlsError> {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let certified = read(cert, key, &provider)?;
        let files = Arc::new(CertFiles {
            cert: cert.to_owned(),
            key: key.to_owned(),
            provider: provider.clone(),
            current: RwLock::new(Arc::new(certified)),
        });
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsError::Config(e.to_string()))?
            .with_no_client_auth()
            .with_cert_resolver(files.clone());
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(Tls {
            files,
            acceptor: tokio_rustls::TlsAcceptor::from(Arc::new(config)),
        })
    }

    /// Read the files again; new connections get what they hold. On error
    /// nothing changes.
    pub fn reload(&self) -> Result<Loaded, TlsError> {
        let certified = read(&self.files.cert, &self.files.key, &self.files.provider)?;
        let loaded = Loaded {
            chain_len: certified.cert.len(),
        };
        let mut current = self
            .files
            .current
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *current = Arc::new(certified);
        Ok(loaded)
    }

    /// What is being served now.
    pub fn loaded(&self) -> Loaded {
        Loaded {
            chain_len: self.files.current().cert.len(),
        }
    }

    pub(crate) fn acceptor(&self) -> tokio_rustls::TlsAcceptor {
        self.acceptor.clone()
    }
}

/// The certificate resolver: every handshake takes the current pair.
struct CertFiles {
    cert: PathBuf,
    key: PathBuf,
    provider: Arc<CryptoProvider>,
    current: RwLock<Arc<CertifiedKey>>,
}

impl CertFiles {
    fn current(&self) -> Arc<CertifiedKey> {
        self.current
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }
}

impl fmt::Debug for CertFiles {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CertFiles")
            .field("cert", &self.cert)
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl ResolvesServerCert for CertFiles {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.current())
    }
}

fn read(cert: &Path, key: &Path, provider: &CryptoProvider) -> Result<CertifiedKey, TlsError> {
    let chain = read_chain(cert)?;
    let key_pem = std::fs::read(key).map_err(|source| TlsError::Read {
        path: key.to_owned(),
        source,
    })?;
    let private = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|e| match e {
        rustls::pki_types::pem::Error::NoItemsFound => TlsError::NoKey {
            path: key.to_owned(),
        },
        other => TlsError::BadKey {
            path: key.to_owned(),
            detail: other.to_string(),
        },
    })?;
    CertifiedKey::from_der(chain, private, provider).map_err(|e| match e {
        rustls::Error::InconsistentKeys(_) => TlsError::KeyMismatch {
            cert: cert.to_owned(),
            key: key.to_owned(),
        },
        other => TlsError::BadKey {
            path: key.to_owned(),
            detail: other.to_string(),
        },
    })
}

fn read_chain(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let pem = std::fs::read(path).map_err(|source| TlsError::Read {
        path: path.to_owned(),
        source,
    })?;
    let chain = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsError::BadCertificate {
            path: path.to_owned(),
            detail: e.to_string(),
        })?;
    if chain.is_empty() {
        return Err(TlsError::NoCertificate {
            path: path.to_owned(),
        });
    }
    Ok(chain)
}
