//! Shared pieces of the Admin API tests: creating users and reading errors.

use serde_json::{Value, json};

use keyward_test_support::TestServer;

pub const USER_FIELDS: &str =
    "id createdAt updatedAt isDisabled standardAttributes customAttributes
    loginIDs { id type claims } primaryPassword { id type kind expireAfter }";

/// Create a user with one login ID (and optionally a password); returns the
/// user object.
pub async fn create_user(
    server: &TestServer,
    key: &str,
    value: &str,
    password: Option<&str>,
) -> Value {
    let body = server
        .run(
            &format!("mutation($input: CreateUserInput!) {{ createUser(input: $input) {{ user {{ {USER_FIELDS} }} }} }}"),
            json!({"input": {"definition": {"loginID": {"key": key, "value": value}}, "password": password}}),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    body["data"]["createUser"]["user"].clone()
}

/// The `(errorName, reason)` of the first error.
pub fn error_of(body: &Value) -> (String, String) {
    let ext = &body["errors"][0]["extensions"];
    (
        ext["errorName"].as_str().unwrap_or_default().to_owned(),
        ext["reason"].as_str().unwrap_or_default().to_owned(),
    )
}

/// Assert the first error's name and reason.
pub fn assert_error(body: &Value, name: &str, reason: &str) {
    assert_eq!(
        error_of(body),
        (name.to_owned(), reason.to_owned()),
        "{body}"
    );
}
