//! Typed readings of the registered claims keyward checks. Each claim is read
//! into a three-state result (absent, present and valid, present and
//! malformed) so that "missing" and "malformed" stay distinct refusals.

use serde_json::{Map, Value};

use crate::error::TokenError;

/// 9999-12-31T23:59:59Z: the largest NumericDate keyward accepts.
pub const MAX_NUMERIC_DATE: f64 = 253_402_300_799.0;

/// Read an optional NumericDate claim (RFC 7519 §2): a non-negative JSON number,
/// integer or decimal, no later than year 9999. Strings, booleans, null,
/// negatives and larger values are malformed.
pub fn numeric_date(
    claims: &Map<String, Value>,
    name: &'static str,
) -> Result<Option<f64>, TokenError> {
    match claims.get(name) {
        None => Ok(None),
        Some(Value::Number(n)) => match n.as_f64() {
            Some(v) if v.is_finite() && (0.0..=MAX_NUMERIC_DATE).contains(&v) => Ok(Some(v)),
            _ => Err(TokenError::malformed(format!(
                "claim `{name}` must be a NumericDate between 0 and year 9999"
            ))),
        },
        Some(_) => Err(TokenError::malformed(format!(
            "claim `{name}` must be a number of seconds since the epoch"
        ))),
    }
}

/// Read `aud`: a string or an array of strings. Returns `None` when absent.
pub fn audience(claims: &Map<String, Value>) -> Result<Option<Vec<&str>>, TokenError> {
    match claims.get("aud") {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(vec![s.as_str()])),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_str().ok_or_else(|| {
                    TokenError::malformed("claim `aud` must be a string or an array of strings")
                })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(_) => Err(TokenError::malformed(
            "claim `aud` must be a string or an array of strings",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn numeric_date_integer_and_decimal_ok() {
        let c = obj(json!({"a": 10, "b": 10.5, "c": 0, "d": 253402300799u64}));
        assert_eq!(numeric_date(&c, "a").unwrap(), Some(10.0));
        assert_eq!(numeric_date(&c, "b").unwrap(), Some(10.5));
        assert_eq!(numeric_date(&c, "c").unwrap(), Some(0.0));
        assert_eq!(numeric_date(&c, "d").unwrap(), Some(MAX_NUMERIC_DATE));
        assert_eq!(numeric_date(&c, "missing").unwrap(), None);
    }

    #[test]
    fn numeric_date_wrong_types_fail() {
        let c = obj(
            json!({"s": "10", "b": true, "n": null, "neg": -1, "big": 253402300800u64,
            "huge": u64::MAX, "arr": [1], "o": {}}),
        );
        for k in ["s", "b", "n", "neg", "big", "huge", "arr", "o"] {
            let e = numeric_date(&c, k).unwrap_err();
            assert_eq!(e.reason, crate::Reason::MalformedToken, "{k}");
        }
    }

    #[test]
    fn audience_forms() {
        assert_eq!(
            audience(&obj(json!({"aud": "p"}))).unwrap(),
            Some(vec!["p"])
        );
        assert_eq!(
            audience(&obj(json!({"aud": ["p", "q"]}))).unwrap(),
            Some(vec!["p", "q"])
        );
        assert_eq!(audience(&obj(json!({}))).unwrap(), None);
        assert!(audience(&obj(json!({"aud": 1}))).is_err());
        assert!(audience(&obj(json!({"aud": ["p", 1]}))).is_err());
        assert!(audience(&obj(json!({"aud": null}))).is_err());
    }
}
