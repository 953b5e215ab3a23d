//! Property-based fuzzing of the whole Admin API request path, in process:
//! arbitrary bodies, GraphQL-shaped token soup, hostile variables and
//! content types, sent with a valid token through the real router to a
//! real SQLite store. Whatever arrives, the answer is a 2xx or 4xx with a
//! JSON body: never a 5xx, a panic or a hang.
//!
//! `cargo test` runs 300 cases; `KEYWARD_FUZZ_CASES=N` runs more
//! (`reliability/fuzz.sh`).

use std::sync::OnceLock;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::Request;
use keyward_client::TokenSigner;
use keyward_server::{AppState, Config};
use keyward_store::{KeyRole, MasterKey, Store, StoreOptions};
use proptest::prelude::*;
use tower::ServiceExt as _;

struct Fx {
    rt: tokio::runtime::Runtime,
    router: Router,
    token: String,
    _dir: tempfile::TempDir,
}

fn fx() -> &'static Fx {
    static FX: OnceLock<Fx> = OnceLock::new();
    FX.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("fuzz.db").display());
        let (router, token) = rt.block_on(async {
            let store = Store::open(&url, StoreOptions::default()).await.unwrap();
            store.create_project("myapp").await.unwrap();
            let master = MasterKey::from_bytes(&[7u8; 32]).unwrap();
            let (key, pem) = store
                .add_generated_key(
                    "myapp",
                    &keyward_test_support::fixture_pair(1),
                    "fuzz",
                    KeyRole::Full,
                    &master,
                )
                .await
                .unwrap();
            let signer = TokenSigner::new(
                "myapp",
                key.kid,
                keyward_token::SigningKey::from_pem(pem.as_bytes()).unwrap(),
                3600,
            )
            .unwrap();
            let config = Config {
                // The in-process router has no peer address: every case
                // shares one failure budget, so keep it out of the way.
                auth_failure_limit: None,
                ..Config::for_test()
            };
            let state = AppState::new(config, store);
            (
                keyward_server::routes::router(state),
                signer.token().unwrap(),
            )
        });
        Fx {
            rt,
            router,
            token,
            _dir: dir,
        }
    })
}

fn cases() -> u32 {
    std::env::var("KEYWARD_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300)
}

const VOCAB: &[&str] = &[
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    ":",
    ",",
    "!",
    "=",
    "$v",
    "$w",
    "...",
    "on",
    "fragment",
    "F",
    "query",
    "mutation",
    "subscription",
    "users",
    "nodes",
    "node",
    "id",
    "ids",
    "first",
    "last",
    "after",
    "before",
    "edges",
    "cursor",
    "totalCount",
    "pageInfo",
    "hasNextPage",
    "createUser",
    "deleteUser",
    "updateUser",
    "input",
    "definition",
    "loginID",
    "key",
    "value",
    "userID",
    "standardAttributes",
    "getUserByLoginID",
    "loginIDKey",
    "loginIDValue",
    "searchKeyword",
    "project",
    "keyId",
    "\"email\"",
    "\"x@example.com\"",
    "\"\"",
    "a:",
    "b:",
    "@include(if: true)",
    "@skip(if: $v)",
    "__typename",
    "__schema",
    "__type",
    "types",
    "fields",
    "name",
    "ofType",
    "12",
    "-1",
    "0.5",
    "99999999999999999999",
    "null",
    "true",
    "\"\\u0000\"",
    "\"\\ud800\"",
    "\"\\\"",
    "\"\"\"block\"\"\"",
    "String",
    "Int",
    "ID",
    "Query",
    "User",
    "#comment\n",
];

fn graphql_soup() -> impl Strategy<Value = String> {
    proptest::collection::vec(proptest::sample::select(VOCAB), 0..120).prop_map(|t| t.join(" "))
}

fn seed_query() -> impl Strategy<Value = String> {
    proptest::sample::select(vec![
        "{ users(first: 3) { totalCount edges { cursor node { id standardAttributes } } } }".to_owned(),
        "query($v: String!) { getUserByLoginID(loginIDKey: \"email\", loginIDValue: $v) { id } }".to_owned(),
        "mutation($v: String!) { createUser(input: {definition: {loginID: {key: \"email\", value: $v}}}) { user { id } } }".to_owned(),
        "{ nodes(ids: [\"VXNlcjox\", \"\"]) { id } }".to_owned(),
        format!("{{ {} }}", "users { edges { node { ".repeat(12) + &"} } }".repeat(12)),
        format!("{{ {} }}", (0..60).map(|i| format!("a{i}: project {{ id }}")).collect::<Vec<_>>().join(" ")),
        "{ __schema { types { name fields { name type { name ofType { name ofType { name } } } } } } }".to_owned(),
    ])
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_map(|f| serde_json::json!(f)),
        ".{0,40}".prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..8).prop_map(serde_json::Value::from),
            proptest::collection::btree_map("[a-z$]{0,4}", inner, 0..8)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    let document = prop_oneof![graphql_soup(), seed_query()];
    prop_oneof![
        // Arbitrary bytes, including invalid UTF-8.
        1 => proptest::collection::vec(any::<u8>(), 0..2048),
        // A GraphQL request with hostile variables and operation names.
        4 => (
            document,
            // Half the time under the name the seed queries declare.
            prop_oneof![json_value(), json_value().prop_map(|v| serde_json::json!({ "v": v }))],
            proptest::option::of(".{0,10}"),
            any::<bool>(),
        )
            .prop_map(
            |(query, variables, operation, as_string)| {
                let variables = if as_string {
                    serde_json::Value::String(variables.to_string())
                } else {
                    variables
                };
                serde_json::json!({ "query": query, "variables": variables, "operationName": operation })
                    .to_string()
                    .into_bytes()
            }
        ),
        // Well-formed JSON of the wrong shape.
        1 => json_value().prop_map(|v| v.to_string().into_bytes()),
        // A bare document (application/graphql).
        1 => graphql_soup().prop_map(String::into_bytes),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn request_path_answers_4xx_or_2xx_with_json(
        body in body(),
        content_type in prop_oneof![
            6 => Just("application/json"),
            1 => Just("application/json; charset=utf-8"),
            1 => Just("application/graphql"),
            1 => proptest::sample::select(vec!["application/json; charset=latin1", "text/plain", ""]),
        ],
        auth in prop_oneof![8 => Just(None), 1 => Just(Some("Bearer x.y.z")), 1 => Just(Some("Basic Zm9v"))],
    ) {
        let fx = fx();
        let mut request = Request::post("/projects/myapp/_api/admin/graphql");
        if !content_type.is_empty() {
            request = request.header("content-type", content_type);
        }
        let authorization = auth.map(str::to_owned).unwrap_or_else(|| format!("Bearer {}", fx.token));
        let request = request
            .header("authorization", authorization)
            .body(Body::from(body))
            .unwrap();
        let (status, bytes) = fx.rt.block_on(async {
            let response = tokio::time::timeout(Duration::from_secs(10), fx.router.clone().oneshot(request))
                .await
                .expect("no answer within 10 s")
                .unwrap();
            let status = response.status().as_u16();
            (status, axum::body::to_bytes(response.into_body(), 4 << 20).await.unwrap())
        });
        prop_assert!(
            matches!(status, 200 | 400 | 401 | 413 | 415 | 429),
            "status {status}: {}", String::from_utf8_lossy(&bytes)
        );
        prop_assert!(
            serde_json::from_slice::<serde_json::Value>(&bytes).is_ok(),
            "not JSON: {}", String::from_utf8_lossy(&bytes)
        );
    }
}
