//! Standard attributes (OIDC claim names): the writable keys and their
//! checks, as in Authgear's JSON schema (`additionalProperties: false`),
//! and the claims derived on output.

use serde_json::{Map, Value, json};

use crate::error::AccountsError;
use crate::loginid::{self, LoginIdType};

const STRINGS: [&str; 7] = [
    "preferred_username",
    "family_name",
    "given_name",
    "middle_name",
    "name",
    "nickname",
    "gender",
];
const ADDRESS_KEYS: [&str; 6] = [
    "formatted",
    "street_address",
    "locality",
    "region",
    "postal_code",
    "country",
];
/// Read-only on output; dropped from input.
const DERIVED: [&str; 3] = ["email_verified", "phone_number_verified", "updated_at"];

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn type_cause(location: &str, v: &Value, expected: &str) -> Value {
    json!({"location": location, "kind": "type", "details": {"actual": [json_type(v)], "expected": [expected]}})
}

fn format_cause(location: &str, format: &str) -> Value {
    json!({"location": location, "kind": "format", "details": {"format": format}})
}

/// A non-empty string, or a cause.
fn non_empty<'a>(location: &str, v: &'a Value) -> Result<&'a str, Value> {
    match v {
        Value::String(s) if s.is_empty() => Err(json!({
            "location": location, "kind": "minLength", "details": {"expected": 1, "actual": 0}
        })),
        Value::String(s) => Ok(s),
        other => Err(type_cause(location, other, "string")),
    }
}

pub(crate) fn check_one(key: &str, v: &Value) -> Result<(), Value> {
    let location = format!("/{key}");
    let location = location.as_str();
    let format_ok = |ok: bool, format: &str| {
        if ok {
            Ok(())
        } else {
            Err(format_cause(location, format))
        }
    };
    match key {
        "email" => format_ok(loginid::is_email(non_empty(location, v)?), "email"),
        // Exact E.164 here (no spaces), as Authgear's attribute format.
        "phone_number" => {
            let s = non_empty(location, v)?;
            format_ok(loginid::parse_phone(s, true).as_deref() == Some(s), "phone")
        }
        "picture" => {
            let s = non_empty(location, v)?;
            format_ok(
                s.starts_with("authgearimages:///") || is_absolute_uri(s),
                "x_picture",
            )
        }
        "profile" | "website" => format_ok(is_absolute_uri(non_empty(location, v)?), "uri"),
        "birthdate" => format_ok(is_birthdate(non_empty(location, v)?), "birthdate"),
        "zoneinfo" => {
            let s = non_empty(location, v)?;
            format_ok(jiff::tz::db().get(s).is_ok(), "timezone")
        }
        "locale" => {
            let s = non_empty(location, v)?;
            format_ok(
                language_tags::LanguageTag::parse(s).is_ok_and(|t| t.is_valid()),
                "bcp47",
            )
        }
        "address" => {
            let Value::Object(address) = v else {
                return Err(type_cause(location, v, "object"));
            };
            for (sub, value) in address {
                let sub_location = format!("/address/{sub}");
                if !ADDRESS_KEYS.contains(&sub.as_str()) {
                    return Err(json!({"location": sub_location, "kind": ""}));
                }
                non_empty(&sub_location, value)?;
            }
            Ok(())
        }
        k if STRINGS.contains(&k) => non_empty(location, v).map(|_| ()),
        // additionalProperties: false (Authgear reports an empty kind)
        _ => Err(json!({"location": location, "kind": ""})),
    }
}

/// Check a whole replacement document; derived keys are dropped.
pub fn check(input: &Value) -> Result<Map<String, Value>, AccountsError> {
    let Value::Object(input) = input else {
        return Err(AccountsError::validation(
            "invalid value",
            vec![type_cause("", input, "object")],
        ));
    };
    let mut out = Map::new();
    let mut causes = Vec::new();
    for (key, value) in input {
        if DERIVED.contains(&key.as_str()) {
            continue;
        }
        match check_one(key, value) {
            Ok(()) => {
                out.insert(key.clone(), value.clone());
            }
            Err(cause) => causes.push(cause),
        }
    }
    if causes.is_empty() {
        Ok(out)
    } else {
        Err(AccountsError::validation("invalid value", causes))
    }
}

fn is_absolute_uri(s: &str) -> bool {
    url::Url::parse(s).is_ok()
}

/// OIDC `birthdate`: `YYYY-MM-DD`, `0000-MM-DD` (year withheld) or `YYYY`.
fn is_birthdate(s: &str) -> bool {
    if s.len() == 4 {
        return s.bytes().all(|b| b.is_ascii_digit());
    }
    let Some(rest) = s.strip_prefix("0000-") else {
        return s.parse::<jiff::civil::Date>().is_ok() && s.len() == 10;
    };
    // Any leap day is fine when the year is withheld.
    format!("2000-{rest}").parse::<jiff::civil::Date>().is_ok() && rest.len() == 5
}

/// Keep the identity-backed claims (`email`, `phone_number`,
/// `preferred_username`) pointing at one of the user's login IDs: a value no
/// identity holds is replaced by the first identity's, and dropped when
/// there is none.
pub fn sync_identity_claims(attrs: &mut Map<String, Value>, identities: &[(LoginIdType, String)]) {
    for kind in [
        LoginIdType::Email,
        LoginIdType::Phone,
        LoginIdType::Username,
    ] {
        let mut owned = identities
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, v)| v);
        let current = attrs
            .get(kind.claim())
            .and_then(Value::as_str)
            .map(str::to_owned);
        if current
            .as_ref()
            .is_some_and(|c| owned.clone().any(|v| v == c))
        {
            continue;
        }
        match owned.next() {
            Some(first) => {
                attrs.insert(kind.claim().to_owned(), Value::String(first.clone()));
            }
            None => {
                attrs.remove(kind.claim());
            }
        }
    }
}

/// For `updateUser`: an identity-backed claim set to a value none of the
/// user's login IDs holds. (Authgear fails here with "unexpected error";
/// keyward says what is wrong.)
pub fn unowned_claim(
    attrs: &Map<String, Value>,
    identities: &[(LoginIdType, String)],
) -> Option<AccountsError> {
    for kind in [
        LoginIdType::Email,
        LoginIdType::Phone,
        LoginIdType::Username,
    ] {
        if let Some(value) = attrs.get(kind.claim()).and_then(Value::as_str)
            && !identities.iter().any(|(k, v)| *k == kind && v == value)
        {
            return Some(AccountsError::validation(
                "invalid value",
                vec![json!({
                    "location": format!("/{}", kind.claim()),
                    "kind": "general",
                    "details": {"msg": format!("{} is not a login ID of this user", kind.claim())}
                })],
            ));
        }
    }
    None
}

/// `name`, or given + middle + family; the nickname in parentheses.
pub fn formatted_name(attrs: &Map<String, Value>) -> Option<String> {
    let get = |k: &str| {
        attrs
            .get(k)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    let base = get("name").map(str::to_owned).or_else(|| {
        let parts: Vec<&str> = ["given_name", "middle_name", "family_name"]
            .iter()
            .filter_map(|k| get(k))
            .collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    });
    match (base, get("nickname")) {
        (Some(b), Some(n)) => Some(format!("{b} ({n})")),
        (Some(b), None) => Some(b),
        (None, Some(n)) => Some(n.to_owned()),
        (None, None) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn causes(input: Value) -> Vec<Value> {
        let e = check(&input).unwrap_err();
        let ext = json!({"reason": e.reason(), "info": e.info()});
        ext["info"]["causes"].as_array().unwrap().clone()
    }

    #[test]
    fn valid_document_passes_and_derived_keys_are_dropped() {
        let doc = json!({
            "email": "a@b.example", "phone_number": "+85298765432", "name": "Ada",
            "picture": "https://example.com/a.png", "website": "https://example.com",
            "birthdate": "0000-02-29", "zoneinfo": "Europe/London", "locale": "zh-Hant-HK",
            "address": {"country": "HK"}, "email_verified": true, "updated_at": 1
        });
        let out = check(&doc).unwrap();
        assert!(!out.contains_key("email_verified") && !out.contains_key("updated_at"));
        assert_eq!(out["name"], "Ada");
    }

    #[test]
    fn each_rule_reports_its_cause() {
        assert_eq!(
            causes(json!({"email": "nope"}))[0]["details"]["format"],
            "email"
        );
        assert_eq!(
            causes(json!({"phone_number": "+852 9876 5432"}))[0]["details"]["format"],
            "phone"
        );
        assert_eq!(causes(json!({"name": ""}))[0]["kind"], "minLength");
        assert_eq!(causes(json!({"name": 3}))[0]["kind"], "type");
        assert_eq!(
            causes(json!({"foobar": "x"}))[0],
            json!({"location": "/foobar", "kind": ""})
        );
        assert_eq!(
            causes(json!({"zoneinfo": "Mars/Olympus"}))[0]["details"]["format"],
            "timezone"
        );
        assert_eq!(
            causes(json!({"birthdate": "2020-13-01"}))[0]["details"]["format"],
            "birthdate"
        );
        assert_eq!(
            causes(json!({"website": "example.com"}))[0]["details"]["format"],
            "uri"
        );
        assert_eq!(
            causes(json!({"address": {"planet": "x"}}))[0]["location"],
            "/address/planet"
        );
    }

    #[test]
    fn identity_claims_follow_identities() {
        let ids = vec![(LoginIdType::Email, "a@x.example".to_owned())];
        let mut attrs = Map::new();
        attrs.insert("preferred_username".into(), json!("gone"));
        sync_identity_claims(&mut attrs, &ids);
        assert_eq!(attrs.get("email"), Some(&json!("a@x.example")));
        assert!(!attrs.contains_key("preferred_username"));
        let mut wrong = Map::new();
        wrong.insert("email".into(), json!("b@x.example"));
        assert!(unowned_claim(&wrong, &ids).is_some());
    }

    #[test]
    fn formatted_name_prefers_name_then_parts_with_nickname() {
        let attrs = |v: Value| v.as_object().cloned().unwrap_or_default();
        assert_eq!(
            formatted_name(&attrs(json!({"name": "Ada", "given_name": "x"}))),
            Some("Ada".into())
        );
        assert_eq!(
            formatted_name(&attrs(
                json!({"given_name": "Ada", "family_name": "Lovelace", "nickname": "Countess"})
            )),
            Some("Ada Lovelace (Countess)".into())
        );
        assert_eq!(
            formatted_name(&attrs(json!({"nickname": "A", "name": ""}))),
            Some("A".into())
        );
        assert_eq!(formatted_name(&attrs(json!({}))), None);
    }
}
