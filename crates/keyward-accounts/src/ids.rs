//! Relay global IDs: base64url without padding of `Type:rawID`, as Authgear
//! encodes them. Decoding is strict: padded or standard-alphabet input, a
//! missing `:` or bad UTF-8 is no ID at all.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::AccountsError;

/// Encode `Type:raw`.
pub fn encode(type_name: &str, raw: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{type_name}:{raw}"))
}

/// Decode into `(type, raw)`; anything after a second `:` is dropped, as
/// Authgear does.
pub fn decode(id: &str) -> Option<(String, String)> {
    let bytes = URL_SAFE_NO_PAD.decode(id).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let mut parts = text.split(':');
    let type_name = parts.next()?.to_owned();
    let raw = parts.next()?.to_owned();
    Some((type_name, raw))
}

/// The raw ID of a node of `type_name`, if `id` is one. Raw IDs of users,
/// identities, roles and groups are UUIDs; anything else cannot exist.
pub fn raw_of(type_name: &str, id: &str) -> Option<String> {
    match decode(id) {
        Some((t, raw)) if t == type_name => Some(raw),
        _ => None,
    }
}

/// The raw ID of a `type_name` node in mutation input, or `Invalid` with
/// `invalid <what> ID`.
pub fn require(type_name: &str, what: &'static str, id: &str) -> Result<String, AccountsError> {
    raw_of(type_name, id).ok_or_else(|| AccountsError::BadId(what))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authgear_vectors() {
        assert_eq!(
            encode("User", "97b1c929-842c-415c-a7df-6967efdda160"),
            "VXNlcjo5N2IxYzkyOS04NDJjLTQxNWMtYTdkZi02OTY3ZWZkZGExNjA"
        );
        assert_eq!(
            encode("AuditLog", "000000000004d5c9"),
            "QXVkaXRMb2c6MDAwMDAwMDAwMDA0ZDVjOQ"
        );
        assert_eq!(
            decode("QXVkaXRMb2c6MDAwMDAwMDAwMDA0ZDVjOQ"),
            Some(("AuditLog".into(), "000000000004d5c9".into()))
        );
    }

    #[test]
    fn strict_decoding() {
        // padded, standard alphabet, no colon, not base64
        assert_eq!(decode("VXNlcjph=="), None);
        assert_eq!(
            decode(&base64::engine::general_purpose::STANDARD.encode("User:a?>")),
            None
        );
        assert_eq!(decode(&URL_SAFE_NO_PAD.encode("Useronly")), None);
        assert_eq!(decode("!!!"), None);
        assert_eq!(
            decode(&URL_SAFE_NO_PAD.encode("User:a:b")),
            Some(("User".into(), "a".into()))
        );
        assert_eq!(raw_of("Role", &encode("User", "a")), None);
        assert_eq!(
            require("User", "user", "nope").unwrap_err().reason(),
            "Invalid"
        );
    }
}
