//! API resources and scopes through the Admin API, and what they are for:
//! machine-to-machine clients getting access tokens for a resource with
//! the `client_credentials` grant.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use keyward_store::ClientType;
use keyward_test_support::{App, Backend, Browser, TestServer};
use serde_json::{Value, json};

use crate::api::assert_error;

on_each_backend!(resources_scopes_and_client_links);
on_sqlite!(client_credentials_tokens_for_a_resource);

const API: &str = "https://api.example.com/orders";

async fn m(server: &TestServer, field: &str, input: Value, selection: &str) -> Value {
    let upper = field[..1].to_ascii_uppercase() + &field[1..];
    server
        .run(
            &format!(
                "mutation($input: {upper}Input!) {{ {field}(input: $input) {{ {selection} }} }}"
            ),
            json!({ "input": input }),
        )
        .await
}

async fn m2m_client(server: &TestServer) -> App {
    server
        .oauth_client_with(ClientType::M2m, "", |n| {
            n.redirect_uris.clear();
            n.post_logout_redirect_uris.clear();
        })
        .await
}

async fn resources_scopes_and_client_links(backend: Backend) {
    let Some(server) = TestServer::spawn(backend).await else {
        return;
    };
    let client = m2m_client(&server).await.client_id;
    let sel = "resource { id resourceURI name clientIDs }";

    for bad in [
        "customscheme://host",
        "http://api.example.com",
        "https://a.example/?x=1",
        "",
    ] {
        let body = m(&server, "createResource", json!({"resourceURI": bad}), sel).await;
        assert_error(&body, "Invalid", "ValidationFailed");
    }
    let body = m(
        &server,
        "createResource",
        json!({"resourceURI": API, "name": ""}),
        sel,
    )
    .await;
    let res = body["data"]["createResource"]["resource"].clone();
    assert_eq!(
        (res["name"].clone(), res["clientIDs"].clone()),
        (Value::Null, json!([])),
        "{body}"
    );
    let body = m(&server, "createResource", json!({"resourceURI": API}), sel).await;
    assert_error(&body, "BadRequest", "ResourceDuplicateURI");
    m(
        &server,
        "createResource",
        json!({"resourceURI": "https://billing.example.com", "name": "Billing"}),
        sel,
    )
    .await;

    // update: null keeps, "" clears; unknown URI.
    let body = m(
        &server,
        "updateResource",
        json!({"resourceURI": API, "name": "Orders"}),
        sel,
    )
    .await;
    assert_eq!(
        body["data"]["updateResource"]["resource"]["name"], "Orders",
        "{body}"
    );
    let body = m(&server, "updateResource", json!({"resourceURI": API}), sel).await;
    assert_eq!(
        body["data"]["updateResource"]["resource"]["name"], "Orders",
        "{body}"
    );
    let body = m(
        &server,
        "updateResource",
        json!({"resourceURI": "https://nope.example"}),
        sel,
    )
    .await;
    assert_error(&body, "NotFound", "ResourceNotFound");

    // Scopes.
    let ssel = "scope { id scope description resourceID }";
    for bad in [
        "openid",
        "https://authgear.com/somescope",
        "scope with space",
        "",
    ] {
        let body = m(
            &server,
            "createScope",
            json!({"resourceURI": API, "scope": bad}),
            ssel,
        )
        .await;
        assert_error(&body, "Invalid", "ValidationFailed");
    }
    let body = m(
        &server,
        "createScope",
        json!({"resourceURI": "https://nope.example", "scope": "x"}),
        ssel,
    )
    .await;
    assert_error(&body, "NotFound", "ResourceNotFound");
    for (scope, description) in [("write:orders", "Write"), ("read:orders", "")] {
        let body = m(
            &server,
            "createScope",
            json!({"resourceURI": API, "scope": scope, "description": description}),
            ssel,
        )
        .await;
        assert!(body["errors"].is_null(), "{body}");
    }
    let body = m(
        &server,
        "createScope",
        json!({"resourceURI": API, "scope": "read:orders"}),
        ssel,
    )
    .await;
    assert_error(&body, "BadRequest", "ScopeDuplicate");
    let body = m(
        &server,
        "updateScope",
        json!({"resourceURI": API, "scope": "read:orders", "description": "Read"}),
        ssel,
    )
    .await;
    let scope = body["data"]["updateScope"]["scope"].clone();
    assert_eq!(scope["description"], "Read", "{body}");
    assert_eq!(scope["resourceID"], res["id"], "the Resource's global ID");
    let body = m(
        &server,
        "updateScope",
        json!({"resourceURI": API, "scope": "nope"}),
        ssel,
    )
    .await;
    assert_error(&body, "NotFound", "ScopeNotFound");

    // Client associations: client first, then resource, then the link.
    let csel = "scopes { scope }";
    let body = m(
        &server,
        "addResourceToClientID",
        json!({"clientID": "ghost", "resourceURI": API}),
        sel,
    )
    .await;
    assert_error(&body, "NotFound", "ClientNotFound");
    assert_eq!(body["errors"][0]["message"], "client not found");
    let body = m(
        &server,
        "addResourceToClientID",
        json!({"clientID": client, "resourceURI": "https://nope.example"}),
        sel,
    )
    .await;
    assert_error(&body, "NotFound", "ResourceNotFound");
    let body = m(
        &server,
        "addScopesToClientID",
        json!({"clientID": client, "resourceURI": API, "scopes": ["read:orders"]}),
        csel,
    )
    .await;
    assert_error(&body, "Forbidden", "ResourceNotAssociatedWithClient");
    for _ in 0..2 {
        let body = m(
            &server,
            "addResourceToClientID",
            json!({"clientID": client, "resourceURI": API}),
            sel,
        )
        .await;
        assert_eq!(
            body["data"]["addResourceToClientID"]["resource"]["clientIDs"],
            json!([client]),
            "{body}"
        );
    }
    let body = m(
        &server,
        "addScopesToClientID",
        json!({"clientID": client, "resourceURI": API, "scopes": ["read:orders", "nope"]}),
        csel,
    )
    .await;
    assert_error(&body, "NotFound", "ScopeNotFound");
    let body = m(
        &server,
        "addScopesToClientID",
        json!({"clientID": client, "resourceURI": API, "scopes": ["read:orders"]}),
        csel,
    )
    .await;
    assert_eq!(
        body["data"]["addScopesToClientID"]["scopes"],
        json!([{"scope": "read:orders"}]),
        "{body}"
    );
    let body = m(
        &server,
        "replaceScopesOfClientID",
        json!({"clientID": client, "resourceURI": API, "scopes": ["write:orders"]}),
        csel,
    )
    .await;
    assert_eq!(
        body["data"]["replaceScopesOfClientID"]["scopes"],
        json!([{"scope": "write:orders"}]),
        "{body}"
    );
    let body = m(
        &server,
        "addScopesToClientID",
        json!({"clientID": client, "resourceURI": API, "scopes": ["read:orders", "read:orders"]}),
        csel,
    )
    .await;
    assert_eq!(
        body["data"]["addScopesToClientID"]["scopes"]
            .as_array()
            .unwrap()
            .len(),
        2,
        "{body}"
    );

    // The listings.
    let body = server
        .run(
            "query($c: String) { all: resources { totalCount edges { node { resourceURI } } } mine: resources(clientID: $c) { totalCount edges { node { resourceURI scopes { totalCount edges { node { scope } } } assigned: scopes(clientID: $c, searchKeyword: \"READ\") { edges { node { scope } } } } } } found: resources(searchKeyword: \"BILL\") { edges { node { name } } } }",
            json!({"c": client}),
        )
        .await;
    let d = &body["data"];
    assert_eq!(d["all"]["totalCount"], 2, "{body}");
    assert_eq!(
        d["all"]["edges"][0]["node"]["resourceURI"], "https://billing.example.com",
        "newest first"
    );
    assert_eq!(d["mine"]["totalCount"], 1);
    let mine = &d["mine"]["edges"][0]["node"];
    assert_eq!(
        mine["scopes"]["edges"],
        json!([{"node": {"scope": "read:orders"}}, {"node": {"scope": "write:orders"}}]),
        "scope order"
    );
    assert_eq!(
        mine["assigned"]["edges"],
        json!([{"node": {"scope": "read:orders"}}])
    );
    assert_eq!(d["found"]["edges"], json!([{"node": {"name": "Billing"}}]));
    let body = server
        .run("query($r: ID!, $s: ID!) { r: node(id: $r) { ... on Resource { resourceURI } } s: node(id: $s) { ... on Scope { scope } } }", json!({"r": res["id"], "s": scope["id"]}))
        .await;
    assert_eq!(
        body["data"],
        json!({"r": {"resourceURI": API}, "s": {"scope": "read:orders"}}),
        "{body}"
    );

    // Removal: scopes, the link (twice is fine), the resource (cascades).
    let body = m(
        &server,
        "removeScopesFromClientID",
        json!({"clientID": client, "resourceURI": API, "scopes": ["write:orders"]}),
        csel,
    )
    .await;
    assert_eq!(
        body["data"]["removeScopesFromClientID"]["scopes"],
        json!([{"scope": "read:orders"}]),
        "{body}"
    );
    for _ in 0..2 {
        let body = m(
            &server,
            "removeResourceFromClientID",
            json!({"clientID": client, "resourceURI": API}),
            sel,
        )
        .await;
        assert_eq!(
            body["data"]["removeResourceFromClientID"]["resource"]["clientIDs"],
            json!([]),
            "{body}"
        );
    }
    let body = m(
        &server,
        "deleteScope",
        json!({"resourceURI": API, "scope": "write:orders"}),
        "ok",
    )
    .await;
    assert_eq!(body["data"]["deleteScope"]["ok"], true, "{body}");
    let body = m(
        &server,
        "deleteScope",
        json!({"resourceURI": API, "scope": "write:orders"}),
        "ok",
    )
    .await;
    assert_error(&body, "NotFound", "ScopeNotFound");
    let body = m(&server, "deleteResource", json!({"resourceURI": API}), "ok").await;
    assert_eq!(body["data"]["deleteResource"]["ok"], true, "{body}");
    let body = m(&server, "deleteResource", json!({"resourceURI": API}), "ok").await;
    assert_error(&body, "NotFound", "ResourceNotFound");
    let body = server
        .run(
            "query($s: ID!) { node(id: $s) { id } }",
            json!({"s": scope["id"]}),
        )
        .await;
    assert!(
        body["data"]["node"].is_null(),
        "its scopes went with it: {body}"
    );

    // Audit: one entry per successful mutation, no user.
    let body = server
        .run("{ auditLogs(first: 100, activityTypes: [ADMIN_API_MUTATION_CREATE_RESOURCE_EXECUTED, ADMIN_API_MUTATION_CREATE_SCOPE_EXECUTED, ADMIN_API_MUTATION_ADD_RESOURCE_TO_CLIENTID_EXECUTED, ADMIN_API_MUTATION_REPLACE_SCOPES_OF_CLIENTID_EXECUTED, ADMIN_API_MUTATION_DELETE_RESOURCE_EXECUTED]) { totalCount edges { node { activityType user { id } data } } } }", json!({}))
        .await;
    let log = &body["data"]["auditLogs"];
    assert_eq!(log["totalCount"], 8, "2 + 2 + 2 + 1 + 1: {body}");
    for e in log["edges"].as_array().unwrap() {
        assert!(e["node"]["user"].is_null());
    }
    let created = log["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["activityType"] == "ADMIN_API_MUTATION_CREATE_RESOURCE_EXECUTED")
        .unwrap();
    assert!(created["node"]["data"]["payload"]["resource"]["resourceURI"].is_string());
}

fn claims_of(jwt: &str) -> (Value, Value) {
    let mut parts = jwt.split('.');
    let mut next =
        || serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts.next().unwrap()).unwrap()).unwrap();
    (next(), next())
}

async fn token(b: &Browser, form: &[(&str, &str)], basic: Option<(&str, &str)>) -> (u16, Value) {
    let mut req = b.http.post(format!("{}/oauth2/token", b.issuer)).form(form);
    if let Some((id, secret)) = basic {
        req = req.basic_auth(id, Some(secret));
    }
    let r = req.send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

async fn client_credentials_tokens_for_a_resource(backend: Backend) {
    let Some(server) = TestServer::spawn(backend).await else {
        return;
    };
    let app = m2m_client(&server).await;
    let (id, secret) = (app.client_id.as_str(), app.secret.clone().unwrap());
    m(
        &server,
        "createResource",
        json!({"resourceURI": API}),
        "resource { id }",
    )
    .await;
    for s in ["read:orders", "write:orders"] {
        m(
            &server,
            "createScope",
            json!({"resourceURI": API, "scope": s}),
            "scope { id }",
        )
        .await;
    }
    let b = server.browser();
    let cc = |extra: &'static [(&'static str, &'static str)]| {
        let mut f = vec![("grant_type", "client_credentials")];
        f.extend_from_slice(extra);
        f
    };
    let auth = Some((id, secret.as_str()));

    // Not linked yet: invalid_target; no resource at all: invalid_target.
    let (status, body) = token(&b, &cc(&[("resource", API)]), auth).await;
    assert_eq!(
        (status, body["error"].clone()),
        (400, json!("invalid_target")),
        "{body}"
    );
    let (status, body) = token(&b, &cc(&[]), auth).await;
    assert_eq!(
        (status, body["error"].clone()),
        (400, json!("invalid_target")),
        "{body}"
    );
    m(
        &server,
        "addResourceToClientID",
        json!({"clientID": id, "resourceURI": API}),
        "resource { id }",
    )
    .await;
    m(
        &server,
        "addScopesToClientID",
        json!({"clientID": id, "resourceURI": API, "scopes": ["read:orders"]}),
        "scopes { scope }",
    )
    .await;

    let (status, body) = token(
        &b,
        &cc(&[("resource", API), ("scope", "read:orders")]),
        auth,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (body["token_type"].clone(), body["scope"].clone()),
        (json!("Bearer"), json!("read:orders"))
    );
    assert!(body.get("refresh_token").is_none() && body.get("id_token").is_none());
    let at = body["access_token"].as_str().unwrap().to_owned();
    let (header, claims) = claims_of(&at);
    assert_eq!(header["typ"], "at+jwt");
    assert_eq!(claims["aud"], API);
    assert_eq!(claims["sub"], id);
    assert_eq!(claims["client_id"], id);
    assert_eq!(claims["iss"], server.issuer());
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        1800
    );

    // Scope absent: all of the client's scopes there. A scope not assigned:
    // invalid_scope.
    let (_, body) = token(&b, &cc(&[("resource", API)]), auth).await;
    assert_eq!(body["scope"], "read:orders", "{body}");
    let (status, body) = token(
        &b,
        &cc(&[("resource", API), ("scope", "write:orders")]),
        auth,
    )
    .await;
    assert_eq!(
        (status, body["error"].clone()),
        (400, json!("invalid_scope")),
        "{body}"
    );

    // A bad secret, a repeated parameter, the wrong grant for each kind.
    let (status, body) = token(&b, &cc(&[("resource", API)]), Some((id, "wrong"))).await;
    assert_eq!(
        (status, body["error"].clone()),
        (401, json!("invalid_client")),
        "{body}"
    );
    let (status, body) = token(
        &b,
        &cc(&[
            ("resource", API),
            ("resource", "https://billing.example.com"),
        ]),
        auth,
    )
    .await;
    assert_eq!(
        (status, body["error"].clone()),
        (400, json!("invalid_request")),
        "{body}"
    );
    let (status, body) = token(
        &b,
        &[("grant_type", "authorization_code"), ("code", "x")],
        auth,
    )
    .await;
    assert_eq!(
        (status, body["error"].clone()),
        (400, json!("unauthorized_client")),
        "{body}"
    );
    let spa = server
        .oauth_client(ClientType::Spa, "http://app.example.test/cb")
        .await;
    let (status, body) = token(
        &b,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &spa.client_id),
            ("resource", API),
        ],
        None,
    )
    .await;
    assert_eq!(
        (status, body["error"].clone()),
        (400, json!("unauthorized_client")),
        "{body}"
    );

    // An m2m client signs no user in, and its token is no user's.
    let mut browser = server.browser();
    let page = browser
        .get(&format!(
            "{}/oauth2/authorize?client_id={id}&response_type=code&scope=openid",
            browser.issuer
        ))
        .await;
    assert_eq!(page.status, 400, "{}", page.body);
    assert!(page.body.contains("unauthorized_client"), "{}", page.body);
    let r = b
        .http
        .get(format!("{}/oauth2/userinfo", b.issuer))
        .bearer_auth(&at)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);

    let body = server
        .run("{ auditLogs(first: 10, activityTypes: [M2M_TOKEN_CREATED]) { totalCount edges { node { user { id } data } } } }", json!({}))
        .await;
    assert_eq!(body["data"]["auditLogs"]["totalCount"], 2, "{body}");
    let payload = &body["data"]["auditLogs"]["edges"][0]["node"]["data"]["payload"];
    assert_eq!(payload["resource"], API);
    assert!(!body.to_string().contains(&at), "the token is not logged");
}
