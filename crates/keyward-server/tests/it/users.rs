//! Users and login IDs through the real endpoint, asserting the response
//! shapes and error reasons of Authgear's Admin API.
//!
//! Over 600 lines on purpose: one scenario per user area, end to end;
//! each is long because it walks a whole lifecycle against the real server.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use crate::api::{assert_error, create_user};
use keyward_test_support::{Backend, TestServer};

on_each_backend!(
    login_id_rules_and_duplicates,
    account_status_deletion_and_anonymization,
    users_pagination_and_search,
);

on_sqlite!(
    create_and_find_users,
    update_user_attributes,
    identities_lifecycle,
    passwords_and_verification,
    account_valid_period,
);

fn raw_id(global: &Value) -> String {
    let text =
        String::from_utf8(URL_SAFE_NO_PAD.decode(global.as_str().unwrap()).unwrap()).unwrap();
    text.strip_prefix("User:").unwrap().to_owned()
}

async fn create_and_find_users(backend: Backend) {
    let Some(server) = TestServer::spawn(backend).await else {
        return;
    };
    let user = create_user(
        &server,
        "email",
        "  Ada.Lovelace@Example.COM ",
        Some("correct horse"),
    )
    .await;

    // Global ID: base64url (no padding) of User:<uuid>.
    let raw = raw_id(&user["id"]);
    assert!(uuid::Uuid::parse_str(&raw).is_ok(), "{raw}");
    assert!(!user["id"].as_str().unwrap().contains('='));
    // RFC 3339 UTC.
    assert!(user["createdAt"].as_str().unwrap().ends_with('Z'));
    assert_eq!(user["isDisabled"], false);
    let attrs = &user["standardAttributes"];
    assert_eq!(attrs["email"], "ada.lovelace@example.com");
    assert_eq!(attrs["email_verified"], false);
    assert!(attrs["updated_at"].is_i64());
    assert_eq!(user["customAttributes"], json!({}));
    let login = &user["loginIDs"][0];
    assert_eq!(login["type"], "LOGIN_ID");
    assert_eq!(login["claims"]["email"], "ada.lovelace@example.com");
    assert_eq!(
        login["claims"]["https://authgear.com/claims/login_id/original_value"],
        "Ada.Lovelace@Example.COM"
    );
    assert_eq!(
        login["claims"]["https://authgear.com/claims/login_id/key"],
        "email"
    );
    assert_eq!(
        login["claims"]["https://authgear.com/claims/login_id/type"],
        "email"
    );
    assert_eq!(user["primaryPassword"]["type"], "PASSWORD");
    assert_eq!(user["primaryPassword"]["kind"], "PRIMARY");
    assert_eq!(user["primaryPassword"]["expireAfter"], Value::Null);

    // Lookups normalize the value first.
    let body = server
        .run(r#"{ getUserByLoginID(loginIDKey: "email", loginIDValue: "ADA.lovelace@example.com") { id } }"#, json!({}))
        .await;
    assert_eq!(body["data"]["getUserByLoginID"]["id"], user["id"]);
    let body = server
        .run(r#"{ getUserByLoginID(loginIDKey: "email", loginIDValue: "nobody@example.com") { id } }"#, json!({}))
        .await;
    assert_eq!(body, json!({"data": {"getUserByLoginID": null}}));
    let body = server
        .run(
            r#"{ getUserByLoginID(loginIDKey: "nickname", loginIDValue: "x") { id } }"#,
            json!({}),
        )
        .await;
    assert_error(&body, "Invalid", "GetUsersInvalidArgument");
    assert_eq!(body["data"], json!({"getUserByLoginID": null}));
    let body = server
        .run(
            r#"{ getUserByLoginID(loginIDKey: "email", loginIDValue: "no-at-sign") { id } }"#,
            json!({}),
        )
        .await;
    assert_error(&body, "Invalid", "GetUsersInvalidArgument");

    let body = server
        .run(r#"{ getUsersByStandardAttribute(attributeName: "email", attributeValue: "ada.lovelace@EXAMPLE.com") { id } }"#, json!({}))
        .await;
    assert_eq!(
        body["data"]["getUsersByStandardAttribute"],
        json!([{"id": user["id"]}])
    );
    let body = server
        .run(r#"{ getUsersByStandardAttribute(attributeName: "name", attributeValue: "Ada") { id } }"#, json!({}))
        .await;
    assert_error(&body, "Invalid", "GetUsersInvalidArgument");
    // Non-null root: the whole data is null.
    assert_eq!(body["data"], Value::Null);

    // keyward has no OAuth providers: every alias is unknown.
    let body = server
        .run(
            r#"{ getUserByOAuth(oauthProviderAlias: "google", oauthProviderUserID: "1") { id } }"#,
            json!({}),
        )
        .await;
    assert_error(&body, "Invalid", "GetUsersInvalidArgument");

    // node / nodes: bad or unknown IDs are null, not errors.
    let missing = URL_SAFE_NO_PAD.encode(format!("User:{}", uuid::Uuid::new_v4()));
    let body = server
        .run(
            "query($ids: [ID!]!, $id: ID!) { node(id: $id) { __typename id ... on User { standardAttributes } } nodes(ids: $ids) { id } }",
            json!({"id": user["id"], "ids": [user["id"], missing, "not-an-id", "VXNlcjph=="]}),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    assert_eq!(body["data"]["node"]["__typename"], "User");
    assert_eq!(
        body["data"]["nodes"],
        json!([{"id": user["id"]}, null, null, null])
    );

    // A user who never signed in has no sessions; lockout is off by
    // default, so its type is "" (as Authgear's when unconfigured).
    let body = server
        .run(
            "query($id: ID!) { node(id: $id) { ... on User { sessions { edges { cursor } totalCount } authorizations { totalCount } oauthConnections { id } passkeys { id } accountLockout { isLocked lockoutType lockedIPs { ipAddress } } isAnonymous web3 endUserAccountID identities(first: 1) { totalCount edges { cursor node { id } } pageInfo { hasNextPage } } } } }",
            json!({"id": user["id"]}),
        )
        .await;
    let u = &body["data"]["node"];
    assert_eq!(u["sessions"], json!({"edges": [], "totalCount": 0}));
    assert_eq!(
        u["accountLockout"],
        json!({"isLocked": false, "lockoutType": "", "lockedIPs": []})
    );
    assert_eq!(u["endUserAccountID"], "ada.lovelace@example.com");
    assert_eq!(u["identities"]["totalCount"], 1);
    assert_eq!(
        u["identities"]["edges"][0]["cursor"],
        "YXJyYXljb25uZWN0aW9uOjA="
    );
}

async fn login_id_rules_and_duplicates(backend: Backend) {
    let Some(server) = TestServer::spawn(backend).await else {
        return;
    };
    let create = "mutation($key: String!, $value: String!, $password: String, $send: Boolean) { createUser(input: {definition: {loginID: {key: $key, value: $value}}, password: $password, sendPassword: $send}) { user { id standardAttributes } } }";

    let phone = server
        .run(create, json!({"key": "phone", "value": "+852 9876-5432"}))
        .await;
    assert_eq!(
        phone["data"]["createUser"]["user"]["standardAttributes"]["phone_number"], "+85298765432",
        "{phone}"
    );
    let name = server
        .run(create, json!({"key": "username", "value": "Grace_H"}))
        .await;
    assert_eq!(
        name["data"]["createUser"]["user"]["standardAttributes"]["preferred_username"],
        "grace_h"
    );
    create_user(&server, "email", "first@example.com", None).await;

    // Duplicates, whatever the case or formatting.
    for (key, value) in [
        ("email", "FIRST@Example.com"),
        ("phone", "+85298765432"),
        ("username", "GRACE_h"),
    ] {
        let body = server
            .run(create, json!({"key": key, "value": value}))
            .await;
        assert_error(&body, "Invalid", "InvariantViolated");
        let info = &body["errors"][0]["extensions"]["info"];
        assert_eq!(info["cause"]["kind"], "DuplicatedIdentity");
        assert_eq!(info["IdentityTypeIncoming"], "login_id");
        assert_eq!(info["LoginIDTypeIncoming"], key);
        assert_eq!(body["data"], Value::Null);
    }

    let body = server
        .run(create, json!({"key": "email", "value": "not-an-email"}))
        .await;
    assert_error(&body, "Invalid", "ValidationFailed");
    assert_eq!(body["errors"][0]["message"], "invalid login ID");
    assert_eq!(
        body["errors"][0]["extensions"]["info"]["causes"][0],
        json!({"location": "/login_id", "kind": "format", "details": {"format": "email"}})
    );
    let body = server
        .run(create, json!({"key": "phone", "value": "98765432"}))
        .await;
    assert_error(&body, "Invalid", "ValidationFailed");
    let body = server
        .run(create, json!({"key": "username", "value": "admin"}))
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["info"]["causes"][0]["details"]["reason"],
        "UsernameReserved"
    );
    let body = server
        .run(create, json!({"key": "nickname", "value": "x"}))
        .await;
    assert_error(&body, "Invalid", "InvariantViolated");
    assert_eq!(
        body["errors"][0]["extensions"]["info"]["cause"]["kind"],
        "InvalidLoginIDKey"
    );
    let body = server
        .run(
            create,
            json!({"key": "email", "value": "short@example.com", "password": "abc"}),
        )
        .await;
    assert_error(&body, "Invalid", "PasswordPolicyViolated");
    assert_eq!(
        body["errors"][0]["extensions"]["info"]["causes"][0],
        json!({"Name": "PasswordTooShort", "Info": {"min_length": 8, "pw_length": 3}})
    );
    let body = server
        .run(
            create,
            json!({"key": "email", "value": "send@example.com", "password": "", "send": true}),
        )
        .await;
    assert_error(&body, "Invalid", "SendPasswordUnsupported");
    let body = server
        .run(
            "mutation { createUser(input: {definition: {}}) { user { id } } }",
            json!({}),
        )
        .await;
    assert_error(&body, "Invalid", "Invalid");

    // None of the refused ones were stored.
    let body = server.run("{ users { totalCount } }", json!({})).await;
    assert_eq!(body["data"]["users"]["totalCount"], 3);
}

async fn update_user_attributes(backend: Backend) {
    let Some(server) = TestServer::spawn(backend).await else {
        return;
    };
    let user = create_user(&server, "email", "ada@example.com", None).await;
    let update = "mutation($id: ID!, $std: UserStandardAttributes, $custom: UserCustomAttributes) { updateUser(input: {userID: $id, standardAttributes: $std, customAttributes: $custom}) { user { standardAttributes customAttributes formattedName } } }";

    let body = server
        .run(update, json!({"id": user["id"], "std": {"given_name": "Ada", "family_name": "Lovelace", "nickname": "Countess", "zoneinfo": "Europe/London", "email_verified": true}, "custom": {"tier": "gold"}}))
        .await;
    let u = &body["data"]["updateUser"]["user"];
    assert_eq!(u["formattedName"], "Ada Lovelace (Countess)", "{body}");
    assert_eq!(u["customAttributes"], json!({"tier": "gold"}));
    // Replaced wholesale; the email comes back from the identity; the
    // derived keys are not stored from input.
    assert_eq!(u["standardAttributes"]["email"], "ada@example.com");
    assert_eq!(u["standardAttributes"]["email_verified"], false);

    let body = server
        .run(update, json!({"id": user["id"], "std": {"name": "Ada"}}))
        .await;
    let attrs = &body["data"]["updateUser"]["user"]["standardAttributes"];
    assert!(attrs.get("given_name").is_none(), "{attrs}");
    assert_eq!(attrs["name"], "Ada");
    // Custom attributes untouched when omitted.
    assert_eq!(
        body["data"]["updateUser"]["user"]["customAttributes"],
        json!({"tier": "gold"})
    );

    // A literal must be a string holding JSON text.
    let body = server
        .run(&format!(r#"mutation {{ updateUser(input: {{userID: "{}", standardAttributes: "{{\"name\":\"Lit\"}}"}}) {{ user {{ formattedName }} }} }}"#, user["id"].as_str().unwrap()), json!({}))
        .await;
    assert_eq!(
        body["data"]["updateUser"]["user"]["formattedName"], "Lit",
        "{body}"
    );

    let body = server
        .run(
            update,
            json!({"id": user["id"], "std": {"foobar": "x", "website": "not a url", "name": ""}}),
        )
        .await;
    assert_error(&body, "Invalid", "ValidationFailed");
    let causes = body["errors"][0]["extensions"]["info"]["causes"]
        .as_array()
        .unwrap()
        .clone();
    assert!(
        causes.contains(&json!({"location": "/foobar", "kind": ""})),
        "{causes:?}"
    );
    assert!(
        causes
            .iter()
            .any(|c| c["location"] == "/website" && c["kind"] == "format")
    );
    assert!(
        causes
            .iter()
            .any(|c| c["location"] == "/name" && c["kind"] == "minLength")
    );

    // An email the user does not own: a clear validation error (Authgear
    // answers "unexpected error" here).
    let body = server
        .run(
            update,
            json!({"id": user["id"], "std": {"email": "other@example.com"}}),
        )
        .await;
    assert_error(&body, "Invalid", "ValidationFailed");

    let bad_id = URL_SAFE_NO_PAD.encode("Role:x");
    let body = server.run(update, json!({"id": bad_id, "std": {}})).await;
    assert_error(&body, "Invalid", "Invalid");
    assert_eq!(body["errors"][0]["message"], "invalid user ID");
    let body = server.run(update, json!({"id": URL_SAFE_NO_PAD.encode(format!("User:{}", uuid::Uuid::new_v4())), "std": {}})).await;
    assert_error(&body, "NotFound", "UserNotFound");
}

async fn account_status_deletion_and_anonymization(backend: Backend) {
    let Some(server) = TestServer::spawn(backend).await else {
        return;
    };
    let user = create_user(&server, "email", "status@example.com", Some("password1")).await;
    let id = &user["id"];
    let set = "mutation($id: ID!, $d: Boolean!, $reason: String, $from: DateTime, $until: DateTime) { setDisabledStatus(input: {userID: $id, isDisabled: $d, reason: $reason, temporarilyDisabledFrom: $from, temporarilyDisabledUntil: $until}) { user { isDisabled disableReason temporarilyDisabledFrom temporarilyDisabledUntil } } }";

    let body = server
        .run(set, json!({"id": id, "d": true, "reason": "spam"}))
        .await;
    assert_eq!(
        body["data"]["setDisabledStatus"]["user"]["isDisabled"], true,
        "{body}"
    );
    assert_eq!(
        body["data"]["setDisabledStatus"]["user"]["disableReason"],
        "spam"
    );
    let body = server.run(set, json!({"id": id, "d": true})).await;
    assert_error(&body, "Invalid", "InvalidAccountStatusTransition");
    assert_eq!(
        body["errors"][0]["message"],
        "invalid account status transition: disabled -> disabled"
    );
    assert_eq!(
        body["errors"][0]["extensions"]["info"],
        json!({"from": "disabled", "to": "disabled"})
    );
    let body = server.run(set, json!({"id": id, "d": false})).await;
    assert_eq!(
        body["data"]["setDisabledStatus"]["user"]["isDisabled"],
        false
    );

    // Temporary window: both ends, in order; disabled only inside it.
    let body = server
        .run(
            set,
            json!({"id": id, "d": true, "from": "2030-01-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["info"]["cause"]["kind"],
        "TemporarilyDisabledPeriodMissingUntilTimestamp"
    );
    let body = server.run(set, json!({"id": id, "d": true, "from": "2031-01-01T00:00:00Z", "until": "2030-01-01T00:00:00+08:00"})).await;
    assert_eq!(
        body["errors"][0]["extensions"]["info"]["cause"]["kind"],
        "TemporarilyDisabledFromShouldBeBeforeTemporarilyDisabledUntil"
    );
    let body = server.run(set, json!({"id": id, "d": true, "from": "2030-01-01T08:00:00+08:00", "until": "2030-02-01T00:00:00Z"})).await;
    let u = &body["data"]["setDisabledStatus"]["user"];
    assert_eq!(
        u["temporarilyDisabledFrom"], "2030-01-01T00:00:00Z",
        "{body}"
    );
    assert_eq!(u["isDisabled"], false, "the window has not started");
    server.run(set, json!({"id": id, "d": false})).await;

    // Scheduled deletion disables; unscheduling re-enables.
    let body = server.run("mutation($id: ID!) { scheduleAccountDeletion(input: {userID: $id, reason: \"asked\"}) { user { isDisabled deleteAt deleteReason } } }", json!({"id": id})).await;
    let u = &body["data"]["scheduleAccountDeletion"]["user"];
    assert_eq!(
        (u["isDisabled"].clone(), u["deleteReason"].clone()),
        (json!(true), json!("asked")),
        "{body}"
    );
    assert!(u["deleteAt"].is_string());
    let body = server.run(set, json!({"id": id, "d": false})).await;
    assert_error(&body, "Invalid", "InvalidAccountStatusTransition");
    let body = server.run("mutation($id: ID!) { unscheduleAccountDeletion(input: {userID: $id}) { user { isDisabled deleteAt } } }", json!({"id": id})).await;
    assert_eq!(
        body["data"]["unscheduleAccountDeletion"]["user"],
        json!({"isDisabled": false, "deleteAt": null})
    );

    // Anonymize: identities, password and memberships gone, the row stays.
    server
        .run(
            "mutation { createRole(input: {key: \"member\"}) { role { id } } }",
            json!({}),
        )
        .await;
    server.run("mutation($ids: [ID!]) { addRoleToUsers(input: {roleKey: \"member\", userIDs: $ids}) { role { id } } }", json!({"ids": [id]})).await;
    let body = server
        .run(
            "mutation($id: ID!) { anonymizeUser(input: {userID: $id}) { anonymizedUserID } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(body["data"]["anonymizeUser"]["anonymizedUserID"], *id);
    let body = server.run("query($id: ID!) { node(id: $id) { ... on User { isAnonymized loginIDs { id } primaryPassword { id } standardAttributes roles { totalCount } } } }", json!({"id": id})).await;
    let u = &body["data"]["node"];
    assert_eq!(u["roles"]["totalCount"], 0, "{body}");
    assert_eq!(
        (
            u["isAnonymized"].clone(),
            u["loginIDs"].clone(),
            u["primaryPassword"].clone()
        ),
        (json!(true), json!([]), Value::Null),
        "{body}"
    );
    let body = server.run("mutation($id: ID!) { resetPassword(input: {userID: $id, password: \"new-password\"}) { user { id } } }", json!({"id": id})).await;
    assert_error(&body, "Invalid", "UserIsAnonymized");
    // The login ID is free again.
    create_user(&server, "email", "status@example.com", None).await;

    // Delete: echoes the ID; the node is gone.
    let body = server.run("mutation($id: ID!) { deleteUser(input: {userID: $id, reason: \"gdpr\"}) { deletedUserID } }", json!({"id": id})).await;
    assert_eq!(body["data"]["deleteUser"]["deletedUserID"], *id);
    let body = server
        .run(
            "query($id: ID!) { node(id: $id) { id } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(body["data"]["node"], Value::Null);
    let body = server
        .run(
            "mutation($id: ID!) { deleteUser(input: {userID: $id}) { deletedUserID } }",
            json!({"id": id}),
        )
        .await;
    assert_error(&body, "NotFound", "UserNotFound");
}

async fn identities_lifecycle(backend: Backend) {
    let Some(server) = TestServer::spawn(backend).await else {
        return;
    };
    let user = create_user(&server, "email", "ids@example.com", None).await;
    let id = &user["id"];
    let body = server
        .run("mutation($id: ID!) { createIdentity(input: {userID: $id, definition: {loginID: {key: \"phone\", value: \"+44 7911 123456\"}}, password: \"long-enough\"}) { identity { id claims(names: [\"phone_number\"]) } user { standardAttributes primaryPassword { id } } } }", json!({"id": id}))
        .await;
    let created = &body["data"]["createIdentity"];
    assert_eq!(
        created["identity"]["claims"],
        json!({"phone_number": "+447911123456"}),
        "{body}"
    );
    assert_eq!(
        created["user"]["standardAttributes"]["phone_number"],
        "+447911123456"
    );
    assert!(created["user"]["primaryPassword"]["id"].is_string());
    let phone_id = created["identity"]["id"].clone();

    let body = server
        .run("mutation($u: ID!, $i: ID!) { updateIdentity(input: {userID: $u, identityID: $i, definition: {loginID: {key: \"phone\", value: \"+447911123457\"}}}) { identity { claims } user { standardAttributes } } }", json!({"u": id, "i": phone_id}))
        .await;
    assert_eq!(
        body["data"]["updateIdentity"]["user"]["standardAttributes"]["phone_number"],
        "+447911123457",
        "{body}"
    );
    // A login ID keeps its type.
    let body = server
        .run("mutation($u: ID!, $i: ID!) { updateIdentity(input: {userID: $u, identityID: $i, definition: {loginID: {key: \"email\", value: \"x@example.com\"}}}) { identity { id } } }", json!({"u": id, "i": phone_id}))
        .await;
    assert_error(&body, "Invalid", "Invalid");

    let body = server.run("mutation($i: ID!) { deleteIdentity(input: {identityID: $i}) { user { standardAttributes loginIDs { id } } } }", json!({"i": phone_id})).await;
    let u = &body["data"]["deleteIdentity"]["user"];
    assert!(
        u["standardAttributes"].get("phone_number").is_none(),
        "{body}"
    );
    assert_eq!(u["loginIDs"].as_array().unwrap().len(), 1);
    let last = u["loginIDs"][0]["id"].clone();
    let body = server
        .run(
            "mutation($i: ID!) { deleteIdentity(input: {identityID: $i}) { user { id } } }",
            json!({"i": last}),
        )
        .await;
    assert_error(&body, "Invalid", "InvariantViolated");
    assert_eq!(
        body["errors"][0]["extensions"]["info"]["cause"]["kind"],
        "RemoveLastIdentity"
    );
    let body = server
        .run(
            "mutation($i: ID!) { deleteIdentity(input: {identityID: $i}) { user { id } } }",
            json!({"i": phone_id}),
        )
        .await;
    assert_error(&body, "NotFound", "IdentityNotFound");
}

async fn passwords_and_verification(backend: Backend) {
    let Some(server) = TestServer::spawn(backend).await else {
        return;
    };
    let body = server
        .run(
            "mutation { createUser(input: {definition: {loginID: {key: \"email\", value: \"expired@example.com\"}}, password: \"initial-pass\", setPasswordExpired: true, accountValidUntil: \"2031-01-01T00:00:00Z\"}) { user { accountValidUntil primaryPassword { expireAfter } } } }",
            json!({}),
        )
        .await;
    let created = &body["data"]["createUser"]["user"];
    assert!(
        created["primaryPassword"]["expireAfter"].is_string(),
        "{body}"
    );
    assert_eq!(created["accountValidUntil"], "2031-01-01T00:00:00Z");

    let user = create_user(&server, "email", "pw@example.com", None).await;
    let id = &user["id"];
    assert_eq!(user["primaryPassword"], Value::Null);
    let body = server.run("mutation($id: ID!) { setPasswordExpired(input: {userID: $id, expired: true}) { user { id } } }", json!({"id": id})).await;
    assert_error(&body, "NotFound", "AuthenticatorNotFound");

    let body = server.run("mutation($id: ID!) { resetPassword(input: {userID: $id, password: \"brand-new-pass\", setPasswordExpired: true}) { user { primaryPassword { expireAfter } } } }", json!({"id": id})).await;
    assert!(
        body["data"]["resetPassword"]["user"]["primaryPassword"]["expireAfter"].is_string(),
        "{body}"
    );
    let body = server.run("mutation($id: ID!) { setPasswordExpired(input: {userID: $id, expired: false}) { user { primaryPassword { expireAfter } } } }", json!({"id": id})).await;
    assert_eq!(
        body["data"]["setPasswordExpired"]["user"]["primaryPassword"]["expireAfter"],
        Value::Null
    );
    let body = server.run("mutation($id: ID!) { resetPassword(input: {userID: $id, password: \"short\"}) { user { id } } }", json!({"id": id})).await;
    assert_error(&body, "Invalid", "PasswordPolicyViolated");

    // The stored secret is an argon2id hash, never the password.
    let mut tx = server.store.begin_read().await.unwrap();
    let stored = tx
        .passwords_of(keyward_test_support::PROJECT, &raw_id(id))
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert!(
        stored[0].password_hash.starts_with("$argon2id$")
            && !stored[0].password_hash.contains("brand-new-pass")
    );
    drop(tx);

    let verify = "mutation($id: ID!, $v: Boolean!) { setVerifiedStatus(input: {userID: $id, claimName: \"email\", claimValue: \"pw@example.com\", isVerified: $v}) { user { standardAttributes verifiedClaims { name value } } } }";
    let body = server.run(verify, json!({"id": id, "v": true})).await;
    let u = &body["data"]["setVerifiedStatus"]["user"];
    assert_eq!(u["standardAttributes"]["email_verified"], true, "{body}");
    assert_eq!(
        u["verifiedClaims"],
        json!([{"name": "email", "value": "pw@example.com"}])
    );
    server.run(verify, json!({"id": id, "v": true})).await;
    let body = server.run(verify, json!({"id": id, "v": false})).await;
    assert_eq!(
        body["data"]["setVerifiedStatus"]["user"]["verifiedClaims"],
        json!([])
    );
}

async fn users_pagination_and_search(backend: Backend) {
    let Some(server) = TestServer::spawn(backend).await else {
        return;
    };
    let mut created = Vec::new();
    for i in 0..7 {
        created.push(
            create_user(&server, "email", &format!("user{i}@example.com"), None).await["id"]
                .clone(),
        );
    }
    created.push(create_user(&server, "username", "zed", None).await["id"].clone());
    let page = "query($first: Int, $last: Int, $after: String, $before: String, $dir: SortDirection, $kw: String) { users(first: $first, last: $last, after: $after, before: $before, sortDirection: $dir, searchKeyword: $kw) { totalCount edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }";

    // Newest first by default; follow the cursors to the end.
    let mut seen = Vec::new();
    let mut after = Value::Null;
    loop {
        let body = server.run(page, json!({"first": 3, "after": after})).await;
        let users = &body["data"]["users"];
        assert_eq!(users["totalCount"], 8, "{body}");
        seen.extend(
            users["edges"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["node"]["id"].clone()),
        );
        if users["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = users["pageInfo"]["endCursor"].clone();
    }
    let newest_first: Vec<Value> = created.iter().rev().cloned().collect();
    assert_eq!(seen, newest_first);

    // Backwards from a cursor, and ascending.
    let body = server.run(page, json!({"first": 4})).await;
    let fourth = body["data"]["users"]["edges"][3]["cursor"].clone();
    let body = server.run(page, json!({"last": 2, "before": fourth})).await;
    let ids: Vec<Value> = body["data"]["users"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["id"].clone())
        .collect();
    assert_eq!(ids, newest_first[1..3].to_vec(), "{body}");
    assert_eq!(body["data"]["users"]["pageInfo"]["hasPreviousPage"], true);
    let body = server.run(page, json!({"first": 2, "dir": "ASC"})).await;
    assert_eq!(body["data"]["users"]["edges"][0]["node"]["id"], created[0]);

    // Prefix search over login IDs (case-insensitive).
    let body = server.run(page, json!({"kw": "USER1"})).await;
    assert_eq!(body["data"]["users"]["totalCount"], 1, "{body}");
    assert_eq!(body["data"]["users"]["edges"][0]["node"]["id"], created[1]);
    // Phone numbers match with or without their `+`.
    let phone = server
        .run("mutation { createUser(input: {definition: {loginID: {key: \"phone\", value: \"+852 9876 5432\"}}}) { user { id } } }", json!({}))
        .await["data"]["createUser"]["user"]["id"]
        .clone();
    for kw in ["+8529876", "8529876"] {
        let body = server.run(page, json!({"kw": kw})).await;
        assert_eq!(
            body["data"]["users"]["edges"],
            json!([{"cursor": body["data"]["users"]["edges"][0]["cursor"], "node": {"id": phone}}]),
            "{kw}: {body}"
        );
    }
    server
        .run(
            "mutation($id: ID!) { deleteUser(input: {userID: $id}) { deletedUserID } }",
            json!({"id": phone}),
        )
        .await;
    let body = server.run(page, json!({"kw": "ze"})).await;
    assert_eq!(body["data"]["users"]["edges"][0]["node"]["id"], created[7]);
    let body = server.run(page, json!({"kw": "nobody"})).await;
    assert_eq!(body["data"]["users"]["edges"], json!([]));
    assert_eq!(body["data"]["users"]["pageInfo"]["endCursor"], "");

    // Bad pagination.
    let body = server.run(page, json!({"after": "garbage"})).await;
    assert_error(&body, "Invalid", "InvalidCursor");
    let body = server.run(page, json!({"first": 1, "last": 1})).await;
    assert_error(&body, "BadRequest", "InvalidQuery");
    // More than 100 is clamped to 100.
    let body = server.run(page, json!({"first": 1000})).await;
    assert_eq!(body["data"]["users"]["edges"].as_array().unwrap().len(), 8);
}

/// `isDisabled` is true outside the account valid period (from inclusive,
/// until exclusive), and `createUser` refuses from >= until as Authgear
/// does, creating nothing.
async fn account_valid_period(backend: Backend) {
    let Some(server) = TestServer::spawn(backend).await else {
        return;
    };
    let create = "mutation($v: String!, $from: DateTime, $until: DateTime) { createUser(input: {definition: {loginID: {key: \"email\", value: $v}}, accountValidFrom: $from, accountValidUntil: $until}) { user { isDisabled accountValidFrom accountValidUntil } } }";
    let cases = [
        (
            "future@example.com",
            json!("2999-01-01T00:00:00Z"),
            Value::Null,
            true,
        ),
        (
            "past@example.com",
            Value::Null,
            json!("2000-01-01T00:00:00Z"),
            true,
        ),
        (
            "inside@example.com",
            json!("2000-01-01T00:00:00Z"),
            json!("2999-01-01T00:00:00Z"),
            false,
        ),
    ];
    for (email, from, until, disabled) in cases {
        let body = server
            .run(create, json!({"v": email, "from": from, "until": until}))
            .await;
        let user = &body["data"]["createUser"]["user"];
        assert_eq!(user["isDisabled"], disabled, "{email}: {body}");
        assert_eq!(user["accountValidFrom"], from, "{body}");
    }

    for (from, until) in [
        ("2030-01-01T00:00:00Z", "2030-01-01T00:00:00Z"),
        ("2031-01-01T00:00:00Z", "2030-01-01T00:00:00Z"),
    ] {
        let body = server
            .run(
                create,
                json!({"v": "backwards@example.com", "from": from, "until": until}),
            )
            .await;
        assert_error(&body, "Invalid", "InvalidAccountStatusTransition");
        assert_eq!(
            body["errors"][0]["extensions"]["info"]["cause"]["kind"],
            "AccountValidFromShouldBeBeforeAccountValidUntil",
            "{body}"
        );
    }
    let found = server
        .run(
            "{ getUserByLoginID(loginIDKey: \"email\", loginIDValue: \"backwards@example.com\") { id } }",
            json!({}),
        )
        .await;
    assert!(found["data"]["getUserByLoginID"].is_null(), "{found}");
}
