//! Roles and groups through the real endpoint.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use crate::api::{assert_error, create_user};
use keyward_test_support::{Backend, TestServer};

on_each_backend!(roles_and_groups, user_and_group_centred_directions);
on_sqlite!(
    role_changes_reach_the_next_refresh,
    pages_above_the_maximum_are_clamped_as_authgear_clamps_them
);

/// Authgear clamps `first`/`last` to 100 (graphqlutil's
/// DEFAULT_MAX_PAGE_SIZE) without an error; `hasNextPage` tells the caller
/// that more follow, so paging on with `endCursor` reaches every item.
async fn pages_above_the_maximum_are_clamped_as_authgear_clamps_them(backend: Backend) {
    let Some(server) = TestServer::spawn(backend).await else {
        return;
    };
    // Five mutation fields per request at most.
    for batch in 0..21 {
        let aliases: String = (0..5)
            .map(|i| {
                format!(
                    "r{i}: createRole(input: {{key: \"role_{batch}_{i}\"}}) {{ role {{ id }} }} "
                )
            })
            .collect();
        let body = server
            .run(&format!("mutation {{ {aliases} }}"), json!({}))
            .await;
        assert!(body["errors"].is_null(), "{body}");
    }
    let page = |after: Option<&str>| {
        let after = after
            .map(|c| format!(", after: \"{c}\""))
            .unwrap_or_default();
        format!(
            "{{ roles(first: 500{after}) {{ totalCount edges {{ node {{ key }} }} pageInfo {{ hasNextPage endCursor }} }} }}"
        )
    };
    let first = server.run(&page(None), json!({})).await;
    let roles = &first["data"]["roles"];
    assert_eq!(roles["edges"].as_array().unwrap().len(), 100, "{first}");
    assert_eq!(roles["totalCount"], 105);
    assert_eq!(roles["pageInfo"]["hasNextPage"], true);
    let cursor = roles["pageInfo"]["endCursor"].as_str().unwrap();
    let rest = server.run(&page(Some(cursor)), json!({})).await;
    let roles = &rest["data"]["roles"];
    assert_eq!(roles["edges"].as_array().unwrap().len(), 5, "{rest}");
    assert_eq!(roles["pageInfo"]["hasNextPage"], false);
}

async fn roles_and_groups(backend: Backend) {
    let Some(server) = TestServer::spawn(backend).await else {
        return;
    };
    let ada = create_user(&server, "email", "ada@example.com", None).await["id"].clone();
    let bob = create_user(&server, "email", "bob@example.com", None).await["id"].clone();

    let body = server
        .run("mutation { createRole(input: {key: \"editor\", name: \"Editor\", description: \"\"}) { role { id key name description createdAt } } }", json!({}))
        .await;
    let role = body["data"]["createRole"]["role"].clone();
    assert_eq!(
        (
            role["key"].clone(),
            role["name"].clone(),
            role["description"].clone()
        ),
        (json!("editor"), json!("Editor"), Value::Null),
        "{body}"
    );
    let role_id = role["id"].clone();
    assert!(
        String::from_utf8(URL_SAFE_NO_PAD.decode(role_id.as_str().unwrap()).unwrap())
            .unwrap()
            .starts_with("Role:")
    );
    let body = server
        .run(
            "mutation { createGroup(input: {key: \"staff\"}) { group { id key } } }",
            json!({}),
        )
        .await;
    let group_id = body["data"]["createGroup"]["group"]["id"].clone();

    // Keys: unique, and in the x_role_group_key format.
    let body = server
        .run(
            "mutation { createRole(input: {key: \"editor\"}) { role { id } } }",
            json!({}),
        )
        .await;
    assert_error(&body, "BadRequest", "RoleDuplicateKey");
    let body = server
        .run(
            "mutation { createGroup(input: {key: \"staff\"}) { group { id } } }",
            json!({}),
        )
        .await;
    assert_error(&body, "BadRequest", "GroupDuplicateKey");
    for bad in ["1abc", "has space", "authgear:admin", ""] {
        let body = server
            .run(
                "mutation($k: String!) { createRole(input: {key: $k}) { role { id } } }",
                json!({"k": bad}),
            )
            .await;
        assert_error(&body, "Invalid", "ValidationFailed");
    }

    // Links: role → Ada directly; role → group; group → Bob.
    let body = server.run("mutation($ids: [ID!]) { addRoleToUsers(input: {roleKey: \"editor\", userIDs: $ids}) { role { users { totalCount edges { node { id } } } } } }", json!({"ids": [ada]})).await;
    assert_eq!(
        body["data"]["addRoleToUsers"]["role"]["users"]["totalCount"], 1,
        "{body}"
    );
    // Idempotent.
    server.run("mutation($ids: [ID!]) { addRoleToUsers(input: {roleKey: \"editor\", userIDs: $ids}) { role { id } } }", json!({"ids": [ada]})).await;
    let body = server.run("mutation { addRoleToGroups(input: {roleKey: \"editor\", groupKeys: [\"staff\"]}) { role { groups { edges { node { key } } } } } }", json!({})).await;
    assert_eq!(
        body["data"]["addRoleToGroups"]["role"]["groups"]["edges"][0]["node"]["key"], "staff",
        "{body}"
    );
    let body = server.run("mutation($ids: [ID!]) { addGroupToUsers(input: {groupKey: \"staff\", userIDs: $ids}) { group { roles { edges { node { key } } } users { totalCount } } } }", json!({"ids": [bob]})).await;
    assert_eq!(
        body["data"]["addGroupToUsers"]["group"]["users"]["totalCount"], 1,
        "{body}"
    );

    let body = server
        .run("query($id: ID!) { node(id: $id) { ... on User { roles { totalCount } groups { totalCount edges { node { key } } } effectiveRoles { edges { node { key } } } } } }", json!({"id": bob}))
        .await;
    let u = &body["data"]["node"];
    assert_eq!(u["roles"]["totalCount"], 0, "{body}");
    assert_eq!(u["groups"]["edges"][0]["node"]["key"], "staff");
    assert_eq!(u["effectiveRoles"]["edges"][0]["node"]["key"], "editor");

    // users(roleKeys:) counts effective roles; groupKeys the groups.
    let body = server.run("{ byRole: users(roleKeys: [\"editor\"]) { totalCount } byGroup: users(groupKeys: [\"staff\"]) { edges { node { id } } } }", json!({})).await;
    assert_eq!(body["data"]["byRole"]["totalCount"], 2, "{body}");
    assert_eq!(
        body["data"]["byGroup"]["edges"],
        json!([{"node": {"id": bob}}])
    );

    // Unknown things.
    let ghost = URL_SAFE_NO_PAD.encode(format!("User:{}", uuid::Uuid::new_v4()));
    let body = server.run("mutation($ids: [ID!]) { addRoleToUsers(input: {roleKey: \"editor\", userIDs: $ids}) { role { id } } }", json!({"ids": [ghost]})).await;
    assert_error(&body, "NotFound", "UserUnknownKeys");
    assert_eq!(
        body["errors"][0]["extensions"]["info"]["ids"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let body = server
        .run(
            "mutation { addRoleToUsers(input: {roleKey: \"nope\", userIDs: []}) { role { id } } }",
            json!({}),
        )
        .await;
    assert_error(&body, "NotFound", "RoleNotFound");
    let body = server.run("mutation { addRoleToGroups(input: {roleKey: \"editor\", groupKeys: [\"staff\", \"ghosts\"]}) { role { id } } }", json!({})).await;
    assert_error(&body, "NotFound", "GroupUnknownKeys");
    assert_eq!(
        body["errors"][0]["extensions"]["info"]["keys"],
        json!(["ghosts"])
    );
    // Omitted userIDs: an empty list, not a crash.
    let body = server
        .run(
            "mutation { removeGroupFromUsers(input: {groupKey: \"staff\"}) { group { key } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        body["data"]["removeGroupFromUsers"]["group"]["key"], "staff",
        "{body}"
    );

    // Listing, search, exclusion.
    server
        .run(
            "mutation { createRole(input: {key: \"viewer\", name: \"Viewer\"}) { role { id } } }",
            json!({}),
        )
        .await;
    let body = server.run("query($ex: [ID!]) { all: roles { totalCount edges { node { key } } } found: roles(searchKeyword: \"VIE\") { edges { node { key } } } rest: roles(excludedIDs: $ex) { edges { node { key } } } }", json!({"ex": [role_id]})).await;
    assert_eq!(body["data"]["all"]["totalCount"], 2, "{body}");
    assert_eq!(
        body["data"]["found"]["edges"],
        json!([{"node": {"key": "viewer"}}])
    );
    assert_eq!(
        body["data"]["rest"]["edges"],
        json!([{"node": {"key": "viewer"}}])
    );
    let body = server
        .run(
            "{ roles(excludedIDs: [\"bad\"]) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(body["errors"][0]["message"], "invalid role ID");

    // Update: null keeps, "" clears.
    let body = server.run("mutation($id: ID!) { updateRole(input: {id: $id, name: \"\", description: \"Can edit\"}) { role { key name description } } }", json!({"id": role_id})).await;
    assert_eq!(
        body["data"]["updateRole"]["role"],
        json!({"key": "editor", "name": null, "description": "Can edit"}),
        "{body}"
    );
    let body = server
        .run(
            "mutation($id: ID!) { updateRole(input: {id: $id, key: \"viewer\"}) { role { key } } }",
            json!({"id": role_id}),
        )
        .await;
    assert_error(&body, "BadRequest", "RoleDuplicateKey");

    // Removal and deletion.
    let body = server.run("mutation($ids: [ID!]) { removeRoleFromUsers(input: {roleKey: \"editor\", userIDs: $ids}) { role { users { totalCount } } } }", json!({"ids": [ada]})).await;
    assert_eq!(
        body["data"]["removeRoleFromUsers"]["role"]["users"]["totalCount"],
        0
    );
    let body = server.run("mutation { removeRoleFromGroups(input: {roleKey: \"editor\", groupKeys: [\"staff\"]}) { role { groups { totalCount } } } }", json!({})).await;
    assert_eq!(
        body["data"]["removeRoleFromGroups"]["role"]["groups"]["totalCount"],
        0
    );
    let body = server
        .run(
            "mutation($id: ID!) { deleteGroup(input: {id: $id}) { ok } }",
            json!({"id": group_id}),
        )
        .await;
    assert_eq!(body["data"]["deleteGroup"]["ok"], true);
    let body = server
        .run(
            "mutation($id: ID!) { deleteGroup(input: {id: $id}) { ok } }",
            json!({"id": group_id}),
        )
        .await;
    assert_error(&body, "NotFound", "GroupNotFound");
    let body = server
        .run(
            "mutation($id: ID!) { deleteRole(input: {id: $id}) { ok } }",
            json!({"id": role_id}),
        )
        .await;
    assert_eq!(body["data"]["deleteRole"]["ok"], true);
}

/// `addUserToRoles` and the other user- and group-centred mutations:
/// idempotent adds, tolerant removes, unknown keys roll everything back.
async fn user_and_group_centred_directions(backend: Backend) {
    let Some(server) = TestServer::spawn(backend).await else {
        return;
    };
    let ada = create_user(&server, "email", "ada@example.com", None).await["id"].clone();
    for m in [
        "createRole(input: {key: \"editor\"}) { role { id } }",
        "createRole(input: {key: \"viewer\"}) { role { id } }",
        "createGroup(input: {key: \"staff\"}) { group { id } }",
    ] {
        let body = server.run(&format!("mutation {{ {m} }}"), json!({})).await;
        assert!(body["errors"].is_null(), "{body}");
    }
    let add_roles = "mutation($u: ID!, $k: [String!]) { addUserToRoles(input: {userID: $u, roleKeys: $k}) { user { roles { edges { node { key } } } } } }";
    let body = server
        .run(add_roles, json!({"u": ada, "k": ["editor", "viewer"]}))
        .await;
    let mut keys: Vec<Value> = body["data"]["addUserToRoles"]["user"]["roles"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["key"].clone())
        .collect();
    keys.sort_by_key(|k| k.to_string());
    assert_eq!(keys, vec![json!("editor"), json!("viewer")], "{body}");
    // Again: idempotent.
    let body = server
        .run(add_roles, json!({"u": ada, "k": ["editor"]}))
        .await;
    assert!(body["errors"].is_null(), "{body}");

    // An unknown key fails the whole request: the known one is not kept.
    let body = server
        .run(
            "mutation($u: ID!) { removeUserFromRoles(input: {userID: $u, roleKeys: [\"editor\", \"ghost\"]}) { user { id } } }",
            json!({"u": ada}),
        )
        .await;
    assert_error(&body, "NotFound", "RoleUnknownKeys");
    assert_eq!(body["errors"][0]["message"], "unknown role keys");
    assert_eq!(
        body["errors"][0]["extensions"]["info"]["keys"],
        json!(["ghost"])
    );
    let body = server
        .run(
            "query($u: ID!) { node(id: $u) { ... on User { roles { totalCount } } } }",
            json!({"u": ada}),
        )
        .await;
    assert_eq!(body["data"]["node"]["roles"]["totalCount"], 2, "{body}");

    // Remove is tolerant of memberships the user does not have.
    let body = server
        .run(
            "mutation($u: ID!) { removeUserFromRoles(input: {userID: $u, roleKeys: [\"viewer\"]}) { user { roles { edges { node { key } } } } } } ",
            json!({"u": ada}),
        )
        .await;
    assert_eq!(
        body["data"]["removeUserFromRoles"]["user"]["roles"]["edges"],
        json!([{"node": {"key": "editor"}}]),
        "{body}"
    );
    let body = server
        .run(
            "mutation($u: ID!) { removeUserFromRoles(input: {userID: $u, roleKeys: [\"viewer\"]}) { user { id } } }",
            json!({"u": ada}),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");

    // Groups, and the user-not-found check before the keys.
    let body = server
        .run(
            "mutation($u: ID!) { addUserToGroups(input: {userID: $u, groupKeys: [\"staff\"]}) { user { groups { totalCount } } } }",
            json!({"u": ada}),
        )
        .await;
    assert_eq!(
        body["data"]["addUserToGroups"]["user"]["groups"]["totalCount"], 1,
        "{body}"
    );
    let body = server
        .run(
            "mutation($u: ID!) { addUserToGroups(input: {userID: $u, groupKeys: [\"nope\"]}) { user { id } } }",
            json!({"u": ada}),
        )
        .await;
    assert_error(&body, "NotFound", "GroupUnknownKeys");
    let ghost = URL_SAFE_NO_PAD.encode(format!("User:{}", uuid::Uuid::new_v4()));
    let body = server
        .run(
            "mutation($u: ID!) { addUserToGroups(input: {userID: $u, groupKeys: [\"nope\"]}) { user { id } } }",
            json!({"u": ghost}),
        )
        .await;
    assert_error(&body, "NotFound", "UserNotFound");
    let body = server
        .run(
            "mutation { addUserToRoles(input: {userID: \"bad\", roleKeys: []}) { user { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(body["errors"][0]["message"], "invalid user ID", "{body}");

    // Group → roles: the effective roles of its members follow.
    let body = server
        .run(
            "mutation { addGroupToRoles(input: {groupKey: \"staff\", roleKeys: [\"viewer\"]}) { group { roles { edges { node { key } } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        body["data"]["addGroupToRoles"]["group"]["roles"]["edges"],
        json!([{"node": {"key": "viewer"}}]),
        "{body}"
    );
    let body = server
        .run(
            "query($u: ID!) { node(id: $u) { ... on User { effectiveRoles { totalCount } } } }",
            json!({"u": ada}),
        )
        .await;
    assert_eq!(
        body["data"]["node"]["effectiveRoles"]["totalCount"], 2,
        "{body}"
    );
    // Authgear's quirk: unknown roles of a group carry the group reason.
    let body = server
        .run(
            "mutation { removeGroupFromRoles(input: {groupKey: \"staff\", roleKeys: [\"viewer\", \"x\"]}) { group { id } } }",
            json!({}),
        )
        .await;
    assert_error(&body, "NotFound", "GroupUnknownKeys");
    assert_eq!(body["errors"][0]["message"], "unknown role keys");
    let body = server
        .run(
            "mutation { removeGroupFromRoles(input: {groupKey: \"ghosts\", roleKeys: []}) { group { id } } }",
            json!({}),
        )
        .await;
    assert_error(&body, "NotFound", "GroupNotFound");
    let body = server
        .run(
            "mutation { removeGroupFromRoles(input: {groupKey: \"staff\", roleKeys: [\"viewer\"]}) { group { roles { totalCount } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        body["data"]["removeGroupFromRoles"]["group"]["roles"]["totalCount"], 0,
        "{body}"
    );

    // The audit entries: Authgear's activity types and payload keys; failed
    // requests left none.
    let body = server
        .run(
            "{ auditLogs(first: 50, activityTypes: [ADMIN_API_MUTATION_ADD_USER_TO_ROLES_EXECUTED, ADMIN_API_MUTATION_REMOVE_USER_FROM_ROLES_EXECUTED, ADMIN_API_MUTATION_ADD_GROUP_TO_ROLES_EXECUTED, ADMIN_API_MUTATION_REMOVE_GROUP_FROM_ROLES_EXECUTED]) { totalCount edges { node { activityType user { id } data } } } }",
            json!({}),
        )
        .await;
    let log = &body["data"]["auditLogs"];
    assert_eq!(log["totalCount"], 6, "{body}");
    let entries = log["edges"].as_array().unwrap();
    let add = entries
        .iter()
        .find(|e| e["node"]["activityType"] == "ADMIN_API_MUTATION_ADD_USER_TO_ROLES_EXECUTED")
        .unwrap();
    assert_eq!(add["node"]["user"]["id"], ada);
    assert_eq!(add["node"]["data"]["payload"]["user_id"], ada);
    assert!(add["node"]["data"]["payload"]["role_ids"].is_array());
    let group = entries
        .iter()
        .find(|e| e["node"]["activityType"] == "ADMIN_API_MUTATION_ADD_GROUP_TO_ROLES_EXECUTED")
        .unwrap();
    assert!(group["node"]["user"].is_null());
    assert_eq!(
        group["node"]["data"]["payload"]["role_ids"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

/// A role added or removed through the user-centred mutations shows in
/// (or leaves) the roles claim of the next refreshed ID token.
async fn role_changes_reach_the_next_refresh(backend: Backend) {
    use crate::signin::{PASSWORD, SPA_CALLBACK, refresh, signed_in};
    let Some(server) = TestServer::spawn(backend).await else {
        return;
    };
    let app = server
        .oauth_client(keyward_store::ClientType::Spa, SPA_CALLBACK)
        .await;
    let raw = server.end_user("roles@example.com", PASSWORD).await;
    let user = json!(keyward_accounts::ids::encode("User", &raw));
    server
        .run(
            "mutation { createRole(input: {key: \"editor\"}) { role { id } } }",
            json!({}),
        )
        .await;
    let (b, tokens) = signed_in(&server, &app, "roles@example.com", &[]).await;
    let roles_of = |body: &Value| -> Value {
        let jwt = body["id_token"].as_str().unwrap();
        let claims: Value = serde_json::from_slice(
            &URL_SAFE_NO_PAD
                .decode(jwt.split('.').nth(1).unwrap())
                .unwrap(),
        )
        .unwrap();
        claims["https://authgear.com/claims/user/roles"].clone()
    };
    assert_eq!(roles_of(&tokens), json!([]));
    let change = |field: &str| {
        format!(
            "mutation($u: ID!) {{ {field}(input: {{userID: $u, roleKeys: [\"editor\"]}}) {{ user {{ id }} }} }}"
        )
    };
    let body = server
        .run(&change("addUserToRoles"), json!({"u": user}))
        .await;
    assert!(body["errors"].is_null(), "{body}");
    let (status, next) = refresh(&b, &app, tokens["refresh_token"].as_str().unwrap()).await;
    assert_eq!(status, 200, "{next}");
    assert_eq!(roles_of(&next), json!(["editor"]));
    let body = server
        .run(&change("removeUserFromRoles"), json!({"u": user}))
        .await;
    assert!(body["errors"].is_null(), "{body}");
    let rt = next["refresh_token"]
        .as_str()
        .or(tokens["refresh_token"].as_str())
        .unwrap();
    let (status, last) = refresh(&b, &app, rt).await;
    assert_eq!(status, 200, "{last}");
    assert_eq!(roles_of(&last), json!([]));
}
