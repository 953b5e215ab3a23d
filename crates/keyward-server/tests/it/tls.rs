//! Built-in TLS at the library level: each way a certificate pair can be
//! wrong is refused with its reason, a failed reload keeps what is served,
//! a stalled handshake is cut off like slow headers, and HTTP/2 is chosen
//! by ALPN. (The binary's SIGHUP reload and curl are in the keyward crate.)

use std::sync::Arc;
use std::time::{Duration, Instant};

use keyward_server::Config;
use keyward_server::tls::Tls;
use keyward_test_support::tls::certificate;
use keyward_test_support::*;
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::AsyncReadExt as _;
use tokio::net::TcpStream;

fn reason(result: Result<Tls, keyward_server::tls::TlsError>) -> &'static str {
    match result {
        Ok(_) => "loaded",
        Err(e) => e.reason(),
    }
}

#[test]
fn every_broken_pair_is_refused_with_its_reason() {
    let dir = tempfile::tempdir().unwrap();
    let a = certificate(dir.path(), "a");
    let b = certificate(dir.path(), "b");
    let file = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    let junk = file("junk.pem", "not PEM at all\n");
    let torn = file(
        "torn.pem",
        "-----BEGIN CERTIFICATE-----\nMIIB\n", // no END line: a half-written file
    );
    let missing = dir.path().join("missing.pem");

    assert_eq!(reason(Tls::load(&a.cert, &a.key)), "loaded");
    assert_eq!(reason(Tls::load(&missing, &a.key)), "tls_file_unreadable");
    assert_eq!(reason(Tls::load(&a.cert, &missing)), "tls_file_unreadable");
    assert_eq!(reason(Tls::load(&junk, &a.key)), "tls_no_certificate");
    assert_eq!(reason(Tls::load(&torn, &a.key)), "tls_bad_certificate");
    assert_eq!(reason(Tls::load(&a.cert, &junk)), "tls_no_key");
    // A certificate where the key should be is no key either.
    assert_eq!(reason(Tls::load(&a.cert, &a.cert)), "tls_no_key");
    assert_eq!(reason(Tls::load(&a.cert, &b.key)), "tls_key_mismatch");
    let message = Tls::load(&a.cert, &b.key).unwrap_err().to_string();
    assert!(
        message.contains("does not belong to the certificate"),
        "{message}"
    );
    assert!(!message.contains("PRIVATE KEY"), "{message}");
}

#[test]
fn a_failed_reload_keeps_the_served_pair() {
    let dir = tempfile::tempdir().unwrap();
    let a = certificate(dir.path(), "a");
    let b = certificate(dir.path(), "b");
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::copy(&a.cert, &cert).unwrap();
    std::fs::copy(&a.key, &key).unwrap();
    let tls = Tls::load(&cert, &key).unwrap();
    // Half a renewal: the new certificate with the old key.
    std::fs::copy(&b.cert, &cert).unwrap();
    let e = tls.reload().unwrap_err();
    assert_eq!(e.reason(), "tls_key_mismatch");
    assert_eq!(tls.loaded().chain_len, 1);
    std::fs::copy(&b.key, &key).unwrap();
    assert_eq!(tls.reload().unwrap().chain_len, 1);
}

fn tls_config(config: Config, tls: Tls) -> Config {
    Config {
        tls: Some(tls),
        ..config
    }
}

fn client(ca: &std::path::Path, alpn: &[&[u8]]) -> tokio_rustls::TlsConnector {
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_file(ca).unwrap())
        .unwrap();
    let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    tokio_rustls::TlsConnector::from(Arc::new(config))
}

async fn stalled_handshake_is_cut_off(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let a = certificate(dir.path(), "a");
    let config = Config {
        header_read_timeout: Duration::from_secs(1),
        ..Config::for_test()
    };
    let Some(server) = TestServer::spawn_with(
        backend,
        tls_config(config, Tls::load(&a.cert, &a.key).unwrap()),
    )
    .await
    else {
        return;
    };
    let addr = server.handle.as_ref().unwrap().addr;

    // HTTP/2 by ALPN, and HTTP/1.1 for a client that asks for it.
    for (offer, chosen) in [
        (&[&b"h2"[..], b"http/1.1"][..], &b"h2"[..]),
        (&[&b"http/1.1"[..]][..], &b"http/1.1"[..]),
    ] {
        let tcp = TcpStream::connect(addr).await.unwrap();
        let stream = client(&a.ca, offer)
            .connect(ServerName::try_from("localhost").unwrap(), tcp)
            .await
            .unwrap();
        assert_eq!(stream.get_ref().1.alpn_protocol(), Some(chosen));
    }

    // A client that connects and never says hello is let go like a slow
    // header: after the header read timeout, not never.
    let mut idle = TcpStream::connect(addr).await.unwrap();
    let started = Instant::now();
    let mut buf = [0u8; 16];
    let read = tokio::time::timeout(Duration::from_secs(10), idle.read(&mut buf))
        .await
        .expect("the server never closed a stalled handshake");
    assert!(matches!(read, Ok(0) | Err(_)), "{read:?}");
    let held = started.elapsed();
    assert!(
        held >= Duration::from_millis(900) && held < Duration::from_secs(5),
        "held {held:?}"
    );
}

on_sqlite!(stalled_handshake_is_cut_off);
