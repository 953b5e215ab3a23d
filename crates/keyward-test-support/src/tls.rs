//! Certificates for TLS tests, made by the `openssl` command as an operator
//! would make them: a CA, and a server certificate it signed for
//! `localhost`, `myapp.localhost` and 127.0.0.1 (rustls clients refuse a CA certificate used
//! as the server's own).

use std::path::{Path, PathBuf};
use std::process::Command;

/// The files of one test certificate.
#[derive(Debug, Clone)]
pub struct TestCertificate {
    /// The CA certificate a client trusts (PEM).
    pub ca: PathBuf,
    /// The server's certificate (PEM).
    pub cert: PathBuf,
    /// The server's private key (PEM, PKCS#8).
    pub key: PathBuf,
}

/// Make `<name>-ca.pem`, `<name>-cert.pem` and `<name>-key.pem` in `dir`.
pub fn certificate(dir: &Path, name: &str) -> TestCertificate {
    let file = |suffix: &str| dir.join(format!("{name}-{suffix}"));
    let (ca, ca_key, cert, key, csr, ext) = (
        file("ca.pem"),
        file("ca-key.pem"),
        file("cert.pem"),
        file("key.pem"),
        file("csr.pem"),
        file("ext.cnf"),
    );
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    openssl(
        &[
            &["req", "-x509"][..],
            &ec,
            &["-days", "30", "-subj", &format!("/CN={name} test CA")],
            &["-keyout", s(&ca_key), "-out", s(&ca)],
        ]
        .concat(),
    );
    openssl(
        &[
            &["req"][..],
            &ec,
            &[
                "-subj",
                "/CN=localhost",
                "-keyout",
                s(&key),
                "-out",
                s(&csr),
            ],
        ]
        .concat(),
    );
    std::fs::write(
        &ext,
        "subjectAltName=DNS:localhost,DNS:myapp.localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    openssl(&[
        "x509",
        "-req",
        "-in",
        s(&csr),
        "-CA",
        s(&ca),
        "-CAkey",
        s(&ca_key),
        "-CAcreateserial",
        "-days",
        "30",
        "-extfile",
        s(&ext),
        "-out",
        s(&cert),
    ]);
    TestCertificate { ca, cert, key }
}

fn s(path: &Path) -> &str {
    path.to_str().expect("test paths are UTF-8")
}

fn openssl(args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .output()
        .expect("the openssl command (apt-get install openssl)");
    assert!(
        out.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
