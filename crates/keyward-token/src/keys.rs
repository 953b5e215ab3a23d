//! RSA key material. Public keys are parsed once ([`PublicKey`]) and verified
//! against many times; private keys exist only as PKCS#8 DER in zeroized
//! buffers and are handed out as PKCS#8 PEM.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{KeyPair, KeySize, PublicKeyComponents};
use aws_lc_rs::signature::{KeyPair as _, ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use zeroize::Zeroizing;

use crate::error::KeyError;

/// Smallest RSA modulus accepted, in bits.
pub const MIN_RSA_BITS: usize = 2048;
/// Largest RSA modulus accepted, in bits (aws-lc's verification limit).
pub const MAX_RSA_BITS: usize = 8192;
/// The only public exponent accepted.
const EXPONENT_65537: [u8; 3] = [0x01, 0x00, 0x01];

/// A validated RSA public key (2048–8192 bits, e = 65537), pre-parsed for
/// RS256 verification.
#[derive(Clone)]
pub struct PublicKey {
    spki_der: Vec<u8>,
    bits: usize,
    n: Vec<u8>,
    parsed: ParsedPublicKey,
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey(RSA-{})", self.bits)
    }
}

impl PublicKey {
    /// Read a public key from DER: SubjectPublicKeyInfo (RFC 5280) or PKCS#1
    /// `RSAPublicKey` (RFC 8017).
    pub fn from_der(der: &[u8]) -> Result<Self, KeyError> {
        let key = aws_lc_rs::rsa::PublicKey::from_der(der).map_err(|_| {
            KeyError::Unreadable("not an RSA public key in SPKI or PKCS#1 DER form".into())
        })?;
        let n = key.modulus().big_endian_without_leading_zero().to_vec();
        let e = key.exponent().big_endian_without_leading_zero();
        let bits = bit_length(&n);
        if !(MIN_RSA_BITS..=MAX_RSA_BITS).contains(&bits) {
            return Err(KeyError::BadSize(bits));
        }
        if e != EXPONENT_65537 {
            return Err(KeyError::BadExponent);
        }
        let spki_der = key
            .as_der()
            .map_err(|_| KeyError::Crypto("encoding SPKI"))?
            .as_ref()
            .to_vec();
        let parsed = ParsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, &spki_der)
            .map_err(|_| KeyError::Unreadable("RSA public key rejected by aws-lc".into()))?;
        Ok(PublicKey {
            spki_der,
            bits,
            n,
            parsed,
        })
    }

    /// Read a public key from PEM (`PUBLIC KEY` or `RSA PUBLIC KEY`) or a JWK
    /// (a JSON object with `kty: "RSA"`), detected from the first character.
    pub fn parse(input: &[u8]) -> Result<Self, KeyError> {
        match key_text(input)? {
            KeyText::Jwk(text) => Self::from_jwk(text),
            KeyText::Pem(text) => Self::from_pem(text),
        }
    }

    /// Read a PEM-encoded public key.
    pub fn from_pem(text: &str) -> Result<Self, KeyError> {
        let block = pem::parse(text).map_err(|_| {
            KeyError::Unreadable("expected a PEM block such as -----BEGIN PUBLIC KEY-----".into())
        })?;
        match block.tag() {
            "PUBLIC KEY" | "RSA PUBLIC KEY" => Self::from_der(block.contents()),
            "PRIVATE KEY" | "RSA PRIVATE KEY" | "ENCRYPTED PRIVATE KEY" | "EC PRIVATE KEY" => {
                Err(KeyError::PrivateKeyGiven)
            }
            other => Err(KeyError::Unreadable(
                format!("unexpected PEM block `{other}`; expected PUBLIC KEY").into(),
            )),
        }
    }

    /// Read a JWK (RFC 7517) holding an RSA public key.
    pub fn from_jwk(text: &str) -> Result<Self, KeyError> {
        #[derive(Deserialize)]
        struct Jwk {
            kty: Option<String>,
            n: Option<String>,
            e: Option<String>,
            d: Option<serde_json::Value>,
            alg: Option<String>,
            #[serde(rename = "use")]
            use_: Option<String>,
        }
        let jwk: Jwk = serde_json::from_str(text)
            .map_err(|_| KeyError::Unreadable("the JWK is not a JSON object".into()))?;
        match jwk.kty.as_deref() {
            Some("RSA") => {}
            Some(other) => return Err(KeyError::NotRsa(format!("JWK kty `{other}`"))),
            None => return Err(KeyError::Unreadable("the JWK has no `kty`".into())),
        }
        if jwk.d.is_some() {
            return Err(KeyError::PrivateKeyGiven);
        }
        if let Some(alg) = jwk.alg.as_deref().filter(|a| *a != crate::ALGORITHM) {
            return Err(KeyError::Unreadable(
                format!("the JWK is for `{alg}`; keyward accepts RS256 only").into(),
            ));
        }
        if let Some(u) = jwk.use_.as_deref().filter(|u| *u != "sig") {
            return Err(KeyError::Unreadable(
                format!("the JWK `use` is `{u}`; a signing key needs `sig`").into(),
            ));
        }
        let decode = |v: Option<String>, name: &str| {
            v.and_then(|s| URL_SAFE_NO_PAD.decode(s).ok())
                .ok_or_else(|| {
                    KeyError::Unreadable(
                        format!("the JWK member `{name}` is missing or not base64url").into(),
                    )
                })
        };
        let n = decode(jwk.n, "n")?;
        let e = decode(jwk.e, "e")?;
        let components = PublicKeyComponents {
            n: n.as_slice(),
            e: e.as_slice(),
        };
        let der =
            AsDer::<aws_lc_rs::encoding::PublicKeyX509Der>::as_der(&components).map_err(|_| {
                KeyError::Unreadable("the JWK `n` and `e` do not form an RSA key".into())
            })?;
        Self::from_der(der.as_ref())
    }

    /// The key as SubjectPublicKeyInfo DER (what the store keeps).
    pub fn spki_der(&self) -> &[u8] {
        &self.spki_der
    }

    /// The key as `-----BEGIN PUBLIC KEY-----` PEM.
    pub fn to_spki_pem(&self) -> String {
        encode_pem("PUBLIC KEY", &self.spki_der)
    }

    /// The key as a public JWK carrying `kid`, `alg: RS256` and `use: sig`.
    pub fn to_jwk(&self, kid: &str) -> serde_json::Value {
        serde_json::json!({
            "kty": "RSA",
            "kid": kid,
            "alg": crate::ALGORITHM,
            "use": "sig",
            "n": URL_SAFE_NO_PAD.encode(&self.n),
            "e": URL_SAFE_NO_PAD.encode(EXPONENT_65537),
        })
    }

    /// Modulus size in bits.
    pub fn bits(&self) -> usize {
        self.bits
    }

    /// Check an RSASSA-PKCS1-v1_5 SHA-256 signature. The algorithm is fixed by
    /// the key, never by the token header.
    pub(crate) fn verify_rs256(&self, message: &[u8], signature: &[u8]) -> bool {
        self.parsed.verify_sig(message, signature).is_ok()
    }
}

/// A key file's text: a JWK (a JSON object) or PEM.
enum KeyText<'a> {
    Jwk(&'a str),
    Pem(&'a str),
}

fn key_text(input: &[u8]) -> Result<KeyText<'_>, KeyError> {
    let text = std::str::from_utf8(input)
        .map_err(|_| KeyError::Unreadable("the key file is not text (PEM or JWK)".into()))?
        .trim();
    Ok(if text.starts_with('{') {
        KeyText::Jwk(text)
    } else {
        KeyText::Pem(text)
    })
}

fn bit_length(big_endian: &[u8]) -> usize {
    match big_endian.first() {
        None => 0,
        Some(first) => (big_endian.len() - 1) * 8 + (8 - first.leading_zeros() as usize),
    }
}

fn encode_pem(tag: &str, der: &[u8]) -> String {
    pem::encode_config(
        &pem::Pem::new(tag, der),
        pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF),
    )
}

/// Whether a key may sign tokens right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyStatus {
    /// Tokens signed with it are accepted.
    Active,
    /// Tokens signed with it are refused with `key_disabled`.
    Disabled,
}

impl KeyStatus {
    /// Stable lowercase name (`active`, `disabled`) used in storage and output.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyStatus::Active => "active",
            KeyStatus::Disabled => "disabled",
        }
    }

    /// Parse the stable name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "active" => Some(KeyStatus::Active),
            "disabled" => Some(KeyStatus::Disabled),
            _ => None,
        }
    }
}

/// One project's keys, by exact `kid`.
#[derive(Debug, Clone, Default)]
pub struct KeySet {
    keys: HashMap<String, (Arc<PublicKey>, KeyStatus)>,
}

impl KeySet {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Add or replace a key.
    pub fn insert(&mut self, kid: impl Into<String>, key: Arc<PublicKey>, status: KeyStatus) {
        self.keys.insert(kid.into(), (key, status));
    }

    /// Look a key up by exact `kid`.
    pub fn get(&self, kid: &str) -> Option<(&PublicKey, KeyStatus)> {
        self.keys.get(kid).map(|(k, s)| (k.as_ref(), *s))
    }

    /// Whether `kid` names an active key.
    pub fn is_active(&self, kid: &str) -> bool {
        matches!(self.get(kid), Some((_, KeyStatus::Active)))
    }

    /// Number of keys (active or not).
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether the set has no keys.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

/// A freshly generated RSA key pair. The private half lives in a buffer that
/// is zeroed on drop.
pub struct GeneratedKeyPair {
    private_pkcs8: Zeroizing<Vec<u8>>,
    public: PublicKey,
}

impl fmt::Debug for GeneratedKeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "GeneratedKeyPair({:?}, private key redacted)",
            self.public
        )
    }
}

impl GeneratedKeyPair {
    /// Generate an RSA key pair of 2048, 3072 or 4096 bits.
    pub fn generate(bits: u32) -> Result<Self, KeyError> {
        let size = match bits {
            2048 => KeySize::Rsa2048,
            3072 => KeySize::Rsa3072,
            4096 => KeySize::Rsa4096,
            other => return Err(KeyError::UnsupportedGenerateSize(other)),
        };
        let pair = KeyPair::generate(size).map_err(|_| KeyError::Crypto("RSA key generation"))?;
        let pkcs8 = AsDer::<aws_lc_rs::encoding::Pkcs8V1Der>::as_der(&pair)
            .map_err(|_| KeyError::Crypto("PKCS#8 encoding"))?;
        let public = PublicKey::from_der(pair.public_key().as_ref())?;
        Ok(GeneratedKeyPair {
            private_pkcs8: Zeroizing::new(pkcs8.as_ref().to_vec()),
            public,
        })
    }

    /// Rebuild a pair from stored PKCS#8 DER (for a later download).
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, KeyError> {
        let pair = KeyPair::from_pkcs8(der)
            .map_err(|_| KeyError::Unreadable("stored private key is not RSA PKCS#8".into()))?;
        let public = PublicKey::from_der(pair.public_key().as_ref())?;
        Ok(GeneratedKeyPair {
            private_pkcs8: Zeroizing::new(der.to_vec()),
            public,
        })
    }

    /// The public half.
    pub fn public_key(&self) -> &PublicKey {
        &self.public
    }

    /// The private key as PKCS#8 DER (sensitive).
    pub fn private_pkcs8_der(&self) -> &[u8] {
        &self.private_pkcs8
    }

    /// The private key as `-----BEGIN PRIVATE KEY-----` PEM (sensitive), which
    /// OpenSSL, PyJWT, node `jose`, Go's `x509` and `lestrrat-go/jwx` all read.
    pub fn private_key_pem(&self) -> Zeroizing<String> {
        Zeroizing::new(encode_pem("PRIVATE KEY", &self.private_pkcs8))
    }
}

/// An RSA private key ready to sign RS256 tokens.
pub struct SigningKey {
    pub(crate) encoding: jsonwebtoken::EncodingKey,
    bits: usize,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SigningKey(RSA-{}, redacted)", self.bits)
    }
}

impl SigningKey {
    /// Read a private key from PEM (PKCS#8 or PKCS#1) or a private JWK,
    /// detected from the first character, as [`PublicKey::parse`] does.
    pub fn parse(input: &[u8]) -> Result<Self, KeyError> {
        match key_text(input)? {
            KeyText::Jwk(text) => Self::from_jwk(text),
            KeyText::Pem(text) => Self::from_pem(text.as_bytes()),
        }
    }

    /// Read a private key from PEM: PKCS#8 (`PRIVATE KEY`) or PKCS#1
    /// (`RSA PRIVATE KEY`).
    pub fn from_pem(text: &[u8]) -> Result<Self, KeyError> {
        let block = pem::parse(text).map_err(|_| {
            KeyError::Unreadable("expected a PEM private key (-----BEGIN PRIVATE KEY-----)".into())
        })?;
        let pair = match block.tag() {
            "PRIVATE KEY" => KeyPair::from_pkcs8(block.contents()),
            "RSA PRIVATE KEY" => KeyPair::from_der(block.contents()),
            "PUBLIC KEY" | "RSA PUBLIC KEY" => {
                return Err(KeyError::Unreadable(
                    "this is a public key; signing needs the private key".into(),
                ));
            }
            "ENCRYPTED PRIVATE KEY" => {
                return Err(KeyError::Unreadable(
                    "the private key is encrypted; decrypt it first \
                     (openssl pkey -in key.pem -out plain.pem)"
                        .into(),
                ));
            }
            other => {
                return Err(KeyError::Unreadable(
                    format!("unexpected PEM block `{other}`; expected PRIVATE KEY").into(),
                ));
            }
        }
        .map_err(|_| KeyError::NotRsa("a PEM private key that is not RSA".into()))?;
        let bits = checked_bits(&pair)?;
        let encoding = jsonwebtoken::EncodingKey::from_rsa_pem(text)
            .map_err(|_| KeyError::Unreadable("the RSA private key could not be loaded".into()))?;
        Ok(SigningKey { encoding, bits })
    }

    /// Read a private RSA JWK (members `n`, `e`, `d`, `p`, `q`, `dp`, `dq`,
    /// `qi`), as PyJWT, node `jose` and Go's `jwx` export it.
    pub fn from_jwk(text: &str) -> Result<Self, KeyError> {
        let der = crate::pkcs1::der_from_private_jwk(text)?;
        // aws-lc checks the members are consistent (n = p·q, CRT values).
        let pair = KeyPair::from_der(&der).map_err(|_| {
            KeyError::Unreadable("the JWK members do not form a valid RSA private key".into())
        })?;
        let bits = checked_bits(&pair)?;
        let encoding = jsonwebtoken::EncodingKey::from_rsa_der(&der);
        Ok(SigningKey { encoding, bits })
    }

    /// Read a private key from PKCS#8 DER (as the store keeps it sealed).
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, KeyError> {
        let pem = Zeroizing::new(encode_pem("PRIVATE KEY", der));
        Self::from_pem(pem.as_bytes())
    }

    /// The modulus size in bits.
    pub fn bits(&self) -> usize {
        self.bits
    }
}

/// The key's size, after the same size and exponent checks public keys get.
fn checked_bits(pair: &KeyPair) -> Result<usize, KeyError> {
    Ok(PublicKey::from_der(pair.public_key().as_ref())?.bits())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generate_roundtrip_pem_and_jwk() {
        let pair = GeneratedKeyPair::generate(2048).unwrap();
        assert_eq!(pair.public_key().bits(), 2048);
        let pem = pair.private_key_pem();
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
        assert!(!pem.contains('\r'));
        SigningKey::from_pem(pem.as_bytes()).unwrap();

        let spki = pair.public_key().to_spki_pem();
        assert!(spki.starts_with("-----BEGIN PUBLIC KEY-----"));
        let back = PublicKey::parse(spki.as_bytes()).unwrap();
        assert_eq!(back.spki_der(), pair.public_key().spki_der());

        let jwk = pair.public_key().to_jwk("k1").to_string();
        let from_jwk = PublicKey::parse(jwk.as_bytes()).unwrap();
        assert_eq!(from_jwk.spki_der(), pair.public_key().spki_der());

        let again = GeneratedKeyPair::from_pkcs8_der(pair.private_pkcs8_der()).unwrap();
        assert_eq!(again.public_key().spki_der(), pair.public_key().spki_der());
    }

    #[test]
    fn generate_unsupported_size_fails() {
        assert_eq!(
            GeneratedKeyPair::generate(1024).unwrap_err(),
            KeyError::UnsupportedGenerateSize(1024)
        );
    }

    #[test]
    fn private_key_given_as_public_fails() {
        let pair = GeneratedKeyPair::generate(2048).unwrap();
        let pem = pair.private_key_pem();
        assert_eq!(
            PublicKey::parse(pem.as_bytes()).unwrap_err(),
            KeyError::PrivateKeyGiven
        );
        let mut jwk = pair.public_key().to_jwk("k");
        jwk["d"] = serde_json::json!("AQAB");
        assert_eq!(
            PublicKey::parse(jwk.to_string().as_bytes()).unwrap_err(),
            KeyError::PrivateKeyGiven
        );
    }

    #[test]
    fn small_modulus_and_bad_exponent_fail() {
        // A 1024-bit modulus and a 2048-bit one with e = 3, built as JWKs.
        let n1024 = URL_SAFE_NO_PAD.encode([0xC5u8; 128]);
        let jwk = serde_json::json!({"kty":"RSA","n":n1024,"e":"AQAB"}).to_string();
        assert_eq!(
            PublicKey::parse(jwk.as_bytes()).unwrap_err(),
            KeyError::BadSize(1024)
        );

        let pair = GeneratedKeyPair::generate(2048).unwrap();
        let mut jwk = pair.public_key().to_jwk("k");
        jwk["e"] = serde_json::json!("Aw");
        assert_eq!(
            PublicKey::parse(jwk.to_string().as_bytes()).unwrap_err(),
            KeyError::BadExponent
        );
    }

    #[test]
    fn garbage_and_wrong_kinds_fail() {
        assert!(matches!(
            PublicKey::parse(b"hello"),
            Err(KeyError::Unreadable(_))
        ));
        assert!(matches!(
            PublicKey::parse(b"\xff\xfe"),
            Err(KeyError::Unreadable(_))
        ));
        assert!(matches!(
            PublicKey::parse(br#"{"kty":"EC","crv":"P-256"}"#),
            Err(KeyError::NotRsa(_))
        ));
        assert!(matches!(
            PublicKey::parse(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"),
            Err(KeyError::Unreadable(_))
        ));
    }

    /// RFC 7515 appendix A.2: the private JWK and the exact RS256 signature
    /// the RFC gives for its example input.
    const RFC7515_A2_JWK: &str = include_str!("../tests/vectors/rfc7515-a2.jwk.json");
    const RFC7515_A2_INPUT: &str = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ";
    const RFC7515_A2_SIGNATURE: &str = "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw";

    fn rfc_signature(key: &SigningKey) -> String {
        jsonwebtoken::crypto::sign(
            RFC7515_A2_INPUT.as_bytes(),
            &key.encoding,
            jsonwebtoken::Algorithm::RS256,
        )
        .unwrap()
    }

    #[test]
    fn private_jwk_pkcs1_and_pkcs8_sign_the_rfc_7515_vector() {
        let from_jwk = SigningKey::parse(RFC7515_A2_JWK.as_bytes()).unwrap();
        assert_eq!(from_jwk.bits(), 2048);
        assert_eq!(rfc_signature(&from_jwk), RFC7515_A2_SIGNATURE);

        // The same key as PKCS#1 and PKCS#8 PEM gives the same signature.
        let pkcs1 = crate::pkcs1::der_from_private_jwk(RFC7515_A2_JWK).unwrap();
        let pkcs1_pem = encode_pem("RSA PRIVATE KEY", &pkcs1);
        let pkcs8 =
            AsDer::<aws_lc_rs::encoding::Pkcs8V1Der>::as_der(&KeyPair::from_der(&pkcs1).unwrap())
                .unwrap();
        let pkcs8_pem = encode_pem("PRIVATE KEY", pkcs8.as_ref());
        for pem in [pkcs1_pem, pkcs8_pem] {
            let key = SigningKey::parse(pem.as_bytes()).unwrap();
            assert_eq!(rfc_signature(&key), RFC7515_A2_SIGNATURE);
        }
    }

    #[test]
    fn bad_private_jwks_fail_clearly() {
        let mut jwk: serde_json::Value = serde_json::from_str(RFC7515_A2_JWK).unwrap();
        let unreadable = |v: &serde_json::Value| match SigningKey::parse(v.to_string().as_bytes()) {
            Err(KeyError::Unreadable(m)) => m.into_owned(),
            other => panic!("expected Unreadable, got {other:?}"),
        };
        // Inconsistent members: aws-lc refuses the key.
        let mut swapped = jwk.clone();
        swapped["qi"] = jwk["dp"].clone();
        assert!(unreadable(&swapped).contains("valid RSA private key"));
        // A public JWK, a missing CRT member, another algorithm.
        let mut public = jwk.clone();
        public.as_object_mut().unwrap().remove("d");
        assert!(unreadable(&public).contains("public key"));
        jwk.as_object_mut().unwrap().remove("qi");
        assert!(unreadable(&jwk).contains("`qi`"));
        jwk["qi"] = swapped["qi"].clone();
        jwk["alg"] = serde_json::json!("RS512");
        assert!(unreadable(&jwk).contains("RS256 only"));
        assert!(matches!(
            SigningKey::parse(br#"{"kty":"EC","d":"AA"}"#),
            Err(KeyError::NotRsa(_))
        ));
        assert!(matches!(
            SigningKey::from_jwk("[1]"),
            Err(KeyError::Unreadable(m)) if m.contains("not a JSON object")
        ));
    }

    #[test]
    fn encrypted_pem_is_refused_with_a_hint() {
        let pem =
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n";
        match SigningKey::parse(pem.as_bytes()) {
            Err(KeyError::Unreadable(m)) => assert!(m.contains("encrypted")),
            other => panic!("expected Unreadable, got {other:?}"),
        }
    }

    #[test]
    fn bit_length_counts_leading_byte() {
        assert_eq!(bit_length(&[]), 0);
        assert_eq!(bit_length(&[1]), 1);
        assert_eq!(bit_length(&[0x80, 0]), 16);
        assert_eq!(bit_length(&[0x7f, 0]), 15);
    }
}
