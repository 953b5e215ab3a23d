//! Compact JWS parsing with no leniency: exactly three base64url segments
//! (no padding, no whitespace, canonical trailing bits) and JSON objects whose
//! member names are unique. Nothing here trusts the content; it only shapes it.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::{Map, Value};

use crate::MAX_TOKEN_BYTES;
use crate::error::TokenError;

/// A compact JWS split into its parts. The payload is left undecoded as JSON
/// so that claims are only interpreted after the signature has verified.
#[derive(Debug)]
pub struct CompactJws<'a> {
    /// `BASE64URL(header) '.' BASE64URL(payload)`: the bytes that were signed.
    pub signing_input: &'a str,
    /// The decoded protected header.
    pub header: Map<String, Value>,
    /// The decoded payload bytes.
    pub payload: Vec<u8>,
    /// The decoded signature bytes.
    pub signature: Vec<u8>,
}

/// Split and decode a compact JWS. Refuses (as `malformed_token`) anything
/// over [`MAX_TOKEN_BYTES`], any segment count other than three, any byte
/// outside the base64url alphabet, and a header that is not a JSON object with
/// unique member names.
pub fn parse(token: &str) -> Result<CompactJws<'_>, TokenError> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(TokenError::malformed(format!(
            "token is longer than {MAX_TOKEN_BYTES} bytes"
        )));
    }
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(TokenError::malformed(
            "a token must have exactly three dot-separated segments",
        ));
    };
    if h.is_empty() || s.is_empty() {
        return Err(TokenError::malformed(
            "token has an empty header or signature",
        ));
    }
    let header_bytes = decode_segment(h, "header")?;
    let payload = decode_segment(p, "payload")?;
    let signature = decode_segment(s, "signature")?;
    let header = parse_object(&header_bytes, "header")?;
    Ok(CompactJws {
        signing_input: &token[..h.len() + 1 + p.len()],
        header,
        payload,
        signature,
    })
}

/// Decode one base64url segment without padding.
pub fn decode_segment(segment: &str, what: &'static str) -> Result<Vec<u8>, TokenError> {
    URL_SAFE_NO_PAD
        .decode(segment)
        .map_err(|_| TokenError::malformed(format!("the {what} segment is not unpadded base64url")))
}

/// Parse a JSON object, refusing duplicate member names at the top level (a
/// classic way to make two parsers disagree about one token).
pub fn parse_object(bytes: &[u8], what: &'static str) -> Result<Map<String, Value>, TokenError> {
    serde_json::from_slice::<UniqueObject>(bytes)
        .map(|o| o.0)
        .map_err(|e| {
            if e.to_string().starts_with(DUPLICATE) {
                TokenError::malformed(format!("the {what} has a duplicate member name"))
            } else {
                TokenError::malformed(format!("the {what} is not a JSON object"))
            }
        })
}

const DUPLICATE: &str = "duplicate member";

struct UniqueObject(Map<String, Value>);

impl<'de> Deserialize<'de> for UniqueObject {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(UniqueVisitor)
    }
}

struct UniqueVisitor;

impl<'de> Visitor<'de> for UniqueVisitor {
    type Value = UniqueObject;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
        let mut map = Map::new();
        while let Some(key) = access.next_key::<String>()? {
            if map.contains_key(&key) {
                return Err(de::Error::custom(DUPLICATE));
            }
            let value: Value = access.next_value()?;
            map.insert(key, value);
        }
        Ok(UniqueObject(map))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_member_fails() {
        let e = parse_object(br#"{"a":1,"a":2}"#, "header").unwrap_err();
        assert!(e.message.contains("duplicate"), "{e}");
    }

    #[test]
    fn non_object_fails() {
        for input in [&b"[1]"[..], b"1", b"\"x\"", b"null", b"{", b"{}x", b"\xff"] {
            assert!(parse_object(input, "header").is_err(), "{input:?}");
        }
    }

    #[test]
    fn unique_object_ok() {
        let m = parse_object(br#"{"a":1,"b":{"a":2}}"#, "header").unwrap();
        assert_eq!(m.len(), 2);
    }

    #[test]
    fn padding_and_whitespace_fail() {
        assert!(decode_segment("eyJ9", "x").is_ok());
        for bad in ["eyJ9=", "eyJ9==", "ey J9", "eyJ9\n", "ey+9", "ey/9", "e"] {
            assert!(decode_segment(bad, "x").is_err(), "{bad:?}");
        }
    }

    #[test]
    fn non_canonical_trailing_bits_fail() {
        // "Zm8" is "fo"; "Zm9" sets bits that a canonical encoder leaves zero.
        assert!(decode_segment("Zm8", "x").is_ok());
        assert!(decode_segment("Zm9", "x").is_err());
    }
}
