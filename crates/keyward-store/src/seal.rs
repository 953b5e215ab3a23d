//! Encryption at rest of generated private keys: AES-256-GCM under the master
//! key, a random 96-bit nonce per seal, and the project and key ID as
//! associated data, so a sealed blob copied onto another key's row does not open.

use std::fmt;

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use zeroize::Zeroizing;

use crate::error::{Result, StoreError};

/// Format tag of the sealed blob: `0x01 || nonce || ciphertext+tag`.
const VERSION: u8 = 1;
/// Master key length in bytes.
pub const MASTER_KEY_LEN: usize = 32;

/// The key that seals private keys at rest. Never printed.
pub struct MasterKey {
    key: LessSafeKey,
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterKey(redacted)")
    }
}

impl MasterKey {
    /// From raw bytes (exactly 32).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        if bytes.len() != MASTER_KEY_LEN {
            return Err(StoreError::InvalidMasterKey);
        }
        let unbound =
            UnboundKey::new(&AES_256_GCM, bytes).map_err(|_| StoreError::InvalidMasterKey)?;
        Ok(MasterKey {
            key: LessSafeKey::new(unbound),
        })
    }

    /// From standard base64 text (surrounding whitespace ignored).
    pub fn from_base64(text: &str) -> Result<Self> {
        let bytes = Zeroizing::new(
            STANDARD
                .decode(text.trim())
                .map_err(|_| StoreError::InvalidMasterKey)?,
        );
        Self::from_bytes(&bytes)
    }

    /// Generate fresh random key bytes, returned as base64 text for a key file.
    pub fn generate_base64() -> Result<Zeroizing<String>> {
        let mut bytes = Zeroizing::new([0u8; MASTER_KEY_LEN]);
        SystemRandom::new()
            .fill(bytes.as_mut())
            .map_err(|_| StoreError::InvalidMasterKey)?;
        Ok(Zeroizing::new(STANDARD.encode(bytes.as_ref())))
    }

    pub(crate) fn seal(&self, project: &str, kid: &str, plaintext: &[u8]) -> Result<Vec<u8>> {
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new()
            .fill(&mut nonce)
            .map_err(|_| StoreError::Corrupt("random nonce".into()))?;
        let mut buf = plaintext.to_vec();
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(aad(project, kid)),
                &mut buf,
            )
            .map_err(|_| StoreError::Corrupt("sealing failed".into()))?;
        let mut out = Vec::with_capacity(1 + NONCE_LEN + buf.len());
        out.push(VERSION);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&buf);
        Ok(out)
    }

    pub(crate) fn open(
        &self,
        project: &str,
        kid: &str,
        sealed: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>> {
        let (version, rest) = sealed
            .split_first()
            .ok_or_else(|| StoreError::Corrupt("empty sealed key".into()))?;
        if *version != VERSION || rest.len() < NONCE_LEN {
            return Err(StoreError::Corrupt("unknown sealed key format".into()));
        }
        let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce)
            .map_err(|_| StoreError::Corrupt("bad nonce".into()))?;
        let mut buf = Zeroizing::new(ciphertext.to_vec());
        let len = self
            .key
            .open_in_place(nonce, Aad::from(aad(project, kid)), &mut buf)
            .map_err(|_| StoreError::MasterKeyMismatch)?
            .len();
        buf.truncate(len);
        Ok(buf)
    }
}

fn aad(project: &str, kid: &str) -> Vec<u8> {
    format!("keyward/admin-api-key/v1\0{project}\0{kid}").into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_roundtrip_and_binding() {
        let key = MasterKey::from_base64(&MasterKey::generate_base64().unwrap()).unwrap();
        let sealed = key.seal("p", "k", b"secret").unwrap();
        assert!(!sealed.windows(6).any(|w| w == b"secret"));
        assert_eq!(key.open("p", "k", &sealed).unwrap().as_slice(), b"secret");
        // Bound to its row.
        assert!(matches!(
            key.open("p", "k2", &sealed),
            Err(StoreError::MasterKeyMismatch)
        ));
        assert!(matches!(
            key.open("q", "k", &sealed),
            Err(StoreError::MasterKeyMismatch)
        ));
        // Another master key cannot open it.
        let other = MasterKey::from_bytes(&[7u8; 32]).unwrap();
        assert!(matches!(
            other.open("p", "k", &sealed),
            Err(StoreError::MasterKeyMismatch)
        ));
        // Two seals of the same plaintext differ (random nonce).
        assert_ne!(sealed, key.seal("p", "k", b"secret").unwrap());
    }

    #[test]
    fn bad_master_keys_fail() {
        assert!(MasterKey::from_base64("not base64!").is_err());
        assert!(MasterKey::from_base64(&STANDARD.encode([1u8; 16])).is_err());
        assert!(MasterKey::from_bytes(&[0u8; 33]).is_err());
        assert!(format!("{:?}", MasterKey::from_bytes(&[1u8; 32]).unwrap()).contains("redacted"));
    }
}
