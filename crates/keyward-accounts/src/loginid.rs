//! Login IDs: which keys exist, how values are checked and normalized, and
//! what their uniqueness key is. keyward's projects have the three login-ID
//! keys `email`, `phone` and `username` (each key is its type), with
//! Authgear's default checks: emails case-folded with an IDNA domain for
//! uniqueness, phone numbers parsed to E.164 and required to be valid,
//! usernames ASCII `[a-zA-Z0-9_.-]` and not reserved, all case-insensitive.

use serde_json::{Value, json};
use unicode_normalization::UnicodeNormalization as _;

use crate::error::AccountsError;

/// The kinds of login ID.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginIdType {
    /// An email address.
    Email,
    /// A phone number.
    Phone,
    /// A username.
    Username,
}

impl LoginIdType {
    /// The configured key with this name.
    pub fn from_key(key: &str) -> Option<Self> {
        match key {
            "email" => Some(LoginIdType::Email),
            "phone" => Some(LoginIdType::Phone),
            "username" => Some(LoginIdType::Username),
            _ => None,
        }
    }

    /// The stored type name.
    pub fn as_str(self) -> &'static str {
        match self {
            LoginIdType::Email => "email",
            LoginIdType::Phone => "phone",
            LoginIdType::Username => "username",
        }
    }

    /// The parsed stored type name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::from_key(s)
    }

    /// The standard claim this login ID fills.
    pub fn claim(self) -> &'static str {
        match self {
            LoginIdType::Email => "email",
            LoginIdType::Phone => "phone_number",
            LoginIdType::Username => "preferred_username",
        }
    }

    fn max_bytes(self) -> usize {
        match self {
            LoginIdType::Email => 320,
            LoginIdType::Phone | LoginIdType::Username => 40,
        }
    }
}

/// A checked login ID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginId {
    /// Its type.
    pub kind: LoginIdType,
    /// The value as sent, trimmed.
    pub original: String,
    /// The normalized value (the claim value).
    pub normalized: String,
    /// What uniqueness is checked on.
    pub unique_key: String,
}

fn failed(cause: Value) -> AccountsError {
    AccountsError::validation("invalid login ID", vec![cause])
}

fn format_error(kind: LoginIdType) -> AccountsError {
    failed(json!({"location": "/login_id", "kind": "format", "details": {"format": kind.as_str()}}))
}

/// Check and normalize a login ID given as a key (`email`, `phone`,
/// `username`) and a value; an unknown key is `InvalidLoginIDKey`.
pub fn from_definition(key: &str, value: &str) -> Result<LoginId, AccountsError> {
    let Some(kind) = LoginIdType::from_key(key) else {
        return Err(AccountsError::InvariantViolated {
            kind: "InvalidLoginIDKey",
            message: "invalid login ID key",
        });
    };
    check(kind, value)
}

/// Check and normalize a login ID for storing it.
pub fn check(kind: LoginIdType, value: &str) -> Result<LoginId, AccountsError> {
    let original = value.trim().to_owned();
    if original.is_empty() {
        return Err(failed(
            json!({"location": "/login_id", "kind": "required", "details": {"missing": ["login_id"]}}),
        ));
    }
    if original.len() > kind.max_bytes() {
        return Err(failed(json!({
            "location": "/login_id", "kind": "maxLength",
            "details": {"expected": kind.max_bytes(), "actual": original.len()}
        })));
    }
    let (normalized, unique_key) = match kind {
        LoginIdType::Email => normalize_email(&original).ok_or_else(|| format_error(kind))?,
        LoginIdType::Phone => {
            let e164 = parse_phone(&original, true).ok_or_else(|| format_error(kind))?;
            (e164.clone(), e164)
        }
        LoginIdType::Username => {
            if !original
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
            {
                return Err(format_error(kind));
            }
            let folded = original.to_ascii_lowercase();
            if RESERVED_USERNAMES.contains(&folded.as_str()) {
                return Err(failed(json!({
                    "location": "/login_id", "kind": "blocked", "details": {"reason": "UsernameReserved"}
                })));
            }
            (folded.clone(), folded)
        }
    };
    Ok(LoginId {
        kind,
        original,
        normalized,
        unique_key,
    })
}

/// The uniqueness key of a value being looked up (phone numbers need only
/// parse, as Authgear's lookups do); `None` when it cannot be a login ID.
pub fn lookup_key(kind: LoginIdType, value: &str) -> Option<String> {
    let value = value.trim();
    match kind {
        LoginIdType::Email => normalize_email(value).map(|(_, unique)| unique),
        LoginIdType::Phone => parse_phone(value, false),
        LoginIdType::Username => {
            (!value.is_empty()).then(|| value.nfkc().collect::<String>().to_lowercase())
        }
    }
}

/// Whether `value` is an email address (an addr-spec, no display name).
pub fn is_email(value: &str) -> bool {
    normalize_email(value).is_some()
}

/// `(normalized, unique_key)` of an email address, or `None` when it is not
/// one.
fn normalize_email(value: &str) -> Option<(String, String)> {
    let (local, domain) = value.rsplit_once('@')?;
    if local.is_empty() || local.len() > 64 || domain.is_empty() {
        return None;
    }
    let atext = |c: char| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c) || !c.is_ascii();
    let dot_atom = |s: &str, ok: &dyn Fn(char) -> bool| {
        !s.starts_with('.')
            && !s.ends_with('.')
            && !s.contains("..")
            && s.chars().all(|c| c == '.' || ok(c))
    };
    if !dot_atom(local, &atext) {
        return None;
    }
    let label = |c: char| c.is_alphanumeric() || c == '-' || !c.is_ascii();
    if !dot_atom(domain, &label) {
        return None;
    }
    let local: String = local.nfkc().collect::<String>().to_lowercase();
    let domain: String = domain.nfkc().collect::<String>().to_lowercase();
    let ascii_domain = idna::domain_to_ascii(&domain).ok()?;
    if ascii_domain.is_empty() {
        return None;
    }
    Some((
        format!("{local}@{domain}"),
        format!("{local}@{ascii_domain}"),
    ))
}

/// E.164 of a phone number written with a leading `+` (spaces and dashes
/// allowed); `valid` also requires a number that can be assigned.
pub fn parse_phone(value: &str, valid: bool) -> Option<String> {
    let rest = value.trim_start_matches(' ').strip_prefix('+')?;
    if !rest
        .chars()
        .all(|c| c.is_ascii_digit() || c == ' ' || c == '-')
    {
        return None;
    }
    let number = phonenumber::parse(None, value.trim()).ok()?;
    if valid && !phonenumber::is_valid(&number) {
        return None;
    }
    Some(number.format().mode(phonenumber::Mode::E164).to_string())
}

/// Usernames nobody may take (a subset of Authgear's reserved list).
const RESERVED_USERNAMES: &[&str] = &[
    "admin",
    "administrator",
    "root",
    "system",
    "support",
    "help",
    "info",
    "security",
    "webmaster",
    "hostmaster",
    "postmaster",
    "abuse",
    "noreply",
    "no-reply",
    "mail",
    "email",
    "api",
    "www",
    "authgear",
    "keyward",
    "owner",
    "staff",
    "moderator",
    "official",
    "billing",
    "sales",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_normalization() {
        let id = check(LoginIdType::Email, "  John.Doe@Bücher.Example ").unwrap();
        assert_eq!(id.original, "John.Doe@Bücher.Example");
        assert_eq!(id.normalized, "john.doe@bücher.example");
        assert_eq!(id.unique_key, "john.doe@xn--bcher-kva.example");
        for bad in [
            "no-at",
            "@x.com",
            "a@",
            "a..b@x.com",
            "a@x..com",
            "John <a@x.com>",
        ] {
            assert!(check(LoginIdType::Email, bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn phone_normalization() {
        let id = check(LoginIdType::Phone, "+852 9876-5432").unwrap();
        assert_eq!(id.normalized, "+85298765432");
        assert_eq!(id.original, "+852 9876-5432");
        for bad in ["85298765432", "+852 abc", "+1 555", "+"] {
            assert!(check(LoginIdType::Phone, bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn username_rules() {
        assert_eq!(
            check(LoginIdType::Username, "Alice_1.x")
                .unwrap()
                .normalized,
            "alice_1.x"
        );
        let reserved = check(LoginIdType::Username, "Admin").unwrap_err();
        assert_eq!(reserved.reason(), "ValidationFailed");
        assert!(check(LoginIdType::Username, "élise").is_err());
        assert!(check(LoginIdType::Username, &"a".repeat(41)).is_err());
        assert!(check(LoginIdType::Username, "   ").is_err());
    }
}
