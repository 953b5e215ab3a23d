//! Scalars with Authgear's wire formats: `DateTime` (RFC 3339, UTC `Z`,
//! fractional seconds only as needed; input needs an explicit offset) and
//! the JSON-object scalars (output: the object; variables: any JSON value
//! as-is; literals: only a string holding JSON text).

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};

/// A point in time, held as Unix microseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateTime(pub i64);

#[Scalar(name = "DateTime")]
impl ScalarType for DateTime {
    fn parse(value: Value) -> InputValueResult<Self> {
        let Value::String(text) = &value else {
            return Err(InputValueError::expected_type(value));
        };
        let at: jiff::Timestamp = text.parse().map_err(|_| {
            InputValueError::custom(
                "DateTime must be RFC 3339 with an offset, e.g. 2024-08-27T07:51:42Z",
            )
        })?;
        Ok(DateTime(at.as_microsecond()))
    }

    fn to_value(&self) -> Value {
        match jiff::Timestamp::from_microsecond(self.0) {
            Ok(at) => Value::String(at.to_string()),
            Err(_) => Value::Null,
        }
    }
}

/// Optional microseconds as an optional `DateTime`.
pub fn at(micros: Option<i64>) -> Option<DateTime> {
    micros.map(DateTime)
}

/// Declare a JSON-object scalar named `$name`.
macro_rules! json_scalar {
    ($(#[$doc:meta])* $name:ident, $graphql_name:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq)]
        pub struct $name(pub serde_json::Value);

        #[Scalar(name = $graphql_name)]
        impl ScalarType for $name {
            fn parse(value: Value) -> InputValueResult<Self> {
                match value {
                    // A literal string holding JSON text (Authgear's parseLiteral).
                    Value::String(text) => serde_json::from_str(&text)
                        .map($name)
                        .map_err(|_| InputValueError::custom("the string is not JSON")),
                    // Variables arrive as values.
                    other => other
                        .into_json()
                        .map($name)
                        .map_err(|_| InputValueError::custom("not a JSON value")),
                }
            }

            fn to_value(&self) -> Value {
                Value::from_json(self.0.clone()).unwrap_or(Value::Null)
            }
        }
    };
}

json_scalar!(
    /// A user's standard attributes (OIDC claim names).
    UserStandardAttributes,
    "UserStandardAttributes"
);
json_scalar!(
    /// A user's custom attributes.
    UserCustomAttributes,
    "UserCustomAttributes"
);
json_scalar!(
    /// Claims of an identity.
    IdentityClaims,
    "IdentityClaims"
);
json_scalar!(
    /// Claims of an authenticator.
    AuthenticatorClaims,
    "AuthenticatorClaims"
);
json_scalar!(
    /// An audit entry's event document.
    AuditLogData,
    "AuditLogData"
);
json_scalar!(
    /// Web3 claims (always `{}`).
    Web3Claims,
    "Web3Claims"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetime_round_trip_and_format() {
        let parsed =
            DateTime::parse(Value::String("2024-08-27T15:51:42.040683+08:00".into())).unwrap();
        assert_eq!(
            parsed.to_value(),
            Value::String("2024-08-27T07:51:42.040683Z".into())
        );
        let whole = DateTime::parse(Value::String("2023-09-11T09:23:51Z".into())).unwrap();
        assert_eq!(
            whole.to_value(),
            Value::String("2023-09-11T09:23:51Z".into())
        );
        // no offset, not a date, not a string
        for bad in ["2023-09-11T09:23:51", "yesterday"] {
            assert!(DateTime::parse(Value::String(bad.into())).is_err(), "{bad}");
        }
        assert!(DateTime::parse(Value::Number(1.into())).is_err());
    }

    #[test]
    fn json_scalar_literal_is_json_text() {
        let v = UserStandardAttributes::parse(Value::String(r#"{"name":"x"}"#.into())).unwrap();
        assert_eq!(v.0["name"], "x");
        assert!(UserStandardAttributes::parse(Value::String("{".into())).is_err());
    }
}
