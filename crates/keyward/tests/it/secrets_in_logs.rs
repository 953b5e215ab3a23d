//! No secret reaches the logs. A server at the most verbose log level
//! (`KEYWARD_LOG=trace`) is driven through everything that handles secrets:
//! accepted and refused tokens, a user created with a password, the portal's
//! setup, a wrong and a right sign-in, a private key download and a
//! temporary token, and an end user's sign-in (wrong and right password,
//! code, tokens, refresh, userinfo, session cookie). Then its whole log is
//! searched for each secret.

use std::io::BufRead as _;
use std::process::Stdio;
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use crate::common::*;

const USER_PASSWORD: &str = "user-password-7f3a9c";
const OPERATOR_PASSWORD: &str = "operator-password-51d2e8";
const WRONG_PASSWORD: &str = "wrong-password-0b9e44";
const WRONG_END_USER_PASSWORD: &str = "wrong-end-user-password-3c1d";

fn csrf_of(page: &str) -> String {
    let start = page.find(r#"name="csrf" value=""#).unwrap() + 19;
    page[start..start + page[start..].find('"').unwrap()].to_owned()
}

#[test]
fn secrets_never_reach_the_logs() {
    let env = Env::new();
    env.ok(&["project", "create", "myapp"]);
    let (kid, token) = env.new_key_and_token("private-key.pem", "300");
    let pem = std::fs::read_to_string(env.path("private-key.pem")).unwrap();
    let app: serde_json::Value = serde_json::from_str(&env.ok(&[
        "oauth-client",
        "create",
        "--project",
        "myapp",
        "--name",
        "App",
        "--type",
        "spa",
        "--redirect-uri",
        "http://app.example.test/cb",
        "--json",
    ]))
    .unwrap();
    let client_id = app["client_id"].as_str().unwrap().to_owned();

    let mut cmd = env.command(&["serve", "--listen", "127.0.0.1:0"]);
    cmd.env("KEYWARD_LOG", "trace")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let stderr = child.stderr.take().unwrap();
    let log = Arc::new(Mutex::new(String::new()));
    let (tx, rx) = mpsc::channel();
    {
        let log = log.clone();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stderr)
                .lines()
                .map_while(Result::ok)
            {
                log.lock().unwrap().push_str(&line);
                log.lock().unwrap().push('\n');
                let _ = tx.send(line);
            }
        });
    }
    let (mut addr, mut setup) = (None, None);
    while addr.is_none() || setup.is_none() {
        let line = rx
            .recv_timeout(Duration::from_secs(10))
            .expect("server start-up lines");
        if let Some(a) = line.split("listening on http://").nth(1) {
            addr = Some(a.trim().to_owned());
        }
        if let Some(t) = line.split("setup?token=").nth(1) {
            setup = Some(t.split_whitespace().next().unwrap().to_owned());
        }
    }
    let server = Server {
        child,
        addr: addr.unwrap(),
    };
    let setup_token = setup.unwrap();
    let base = format!("http://{}", server.addr);
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();

    let rt = runtime();
    let (session, temp_token) = rt.block_on(async {
        assert_eq!(server.outcome(&token).await, "ok");
        // A different last character changes the signature's last bits.
        let last = if token.ends_with('A') { 'Q' } else { 'A' };
        let forged = format!("{}{last}", &token[..token.len() - 1]);
        assert_ne!(server.outcome(&forged).await, "ok");
        let create = format!(
            r#"mutation {{ createUser(input: {{definition: {{loginID: {{key: "email", value: "a@example.com"}}}}, password: "{USER_PASSWORD}"}}) {{ user {{ id }} }} }}"#
        );
        let body = server.graphql(&token, &create).await;
        assert!(body["errors"].is_null(), "{body}");

        let form = |pairs: &[(&str, &str)]| {
            pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect::<Vec<_>>()
        };
        let opened = http
            .get(format!("{base}/portal/setup?token={setup_token}"))
            .send()
            .await
            .unwrap();
        assert_eq!(opened.status(), 200);
        let r = http
            .post(format!("{base}/portal/setup"))
            .form(&form(&[("token", &setup_token), ("email", "ops@example.com"), ("password", OPERATOR_PASSWORD), ("confirm", OPERATOR_PASSWORD)]))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let r = http
            .post(format!("{base}/portal/login"))
            .form(&form(&[("email", "ops@example.com"), ("password", WRONG_PASSWORD)]))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
        let r = http
            .post(format!("{base}/portal/login"))
            .form(&form(&[("email", "ops@example.com"), ("password", OPERATOR_PASSWORD)]))
            .send()
            .await
            .unwrap();
        let cookie = r.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
        let page = http.get(format!("{base}/portal")).header("cookie", &cookie).send().await.unwrap();
        let csrf = csrf_of(&page.text().await.unwrap());
        let download = http
            .post(format!("{base}/portal/projects/myapp/keys/{kid}/download"))
            .header("cookie", &cookie)
            .form(&form(&[("csrf", &csrf)]))
            .send()
            .await
            .unwrap();
        assert_eq!(download.text().await.unwrap(), pem);
        let temp: serde_json::Value = http
            .post(format!("{base}/portal/projects/myapp/token.json"))
            .header("cookie", &cookie)
            .header("x-csrf-token", &csrf)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let temp = temp["token"].as_str().unwrap().to_owned();
        assert_eq!(server.outcome(&temp).await, "ok");
        (cookie.split('=').nth(1).unwrap().to_owned(), temp)
    });
    let end_user = rt.block_on(end_user_sign_in(&server, &client_id));
    server.stop_gracefully();
    std::thread::sleep(Duration::from_millis(100));
    let log = log.lock().unwrap().clone();
    assert!(
        log.contains("TRACE") || log.contains("DEBUG"),
        "the log was not verbose:\n{log}"
    );

    // The PEM's body lines, not just its header, must be absent.
    let pem_lines: Vec<&str> = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let mut secrets = vec![
        ("the Admin API token", token.as_str()),
        ("the temporary token", temp_token.as_str()),
        ("the session cookie", session.as_str()),
        ("a user's password", USER_PASSWORD),
        ("the operator's password", OPERATOR_PASSWORD),
        ("a wrong password", WRONG_PASSWORD),
        ("a PEM header", "PRIVATE KEY"),
        ("an argon2 hash", "$argon2id$"),
    ];
    // Token signatures alone would identify a token too.
    let signature = token.rsplit('.').next().unwrap();
    secrets.push(("the token's signature", signature));
    for line in &pem_lines {
        secrets.push(("a line of the private key", line));
    }
    for (what, secret) in &end_user {
        secrets.push((what, secret.as_str()));
    }
    // The setup link is printed once on purpose, for the operator; the
    // request that opened it must not repeat it.
    assert_eq!(
        log.matches(setup_token.as_str()).count(),
        1,
        "the setup token is logged again"
    );
    for (what, secret) in secrets {
        assert!(!log.contains(secret), "{what} appears in the log");
    }
}

/// An end user signs in (a wrong password first), exchanges the code,
/// reads userinfo and refreshes; returns every secret that went by.
async fn end_user_sign_in(server: &Server, client_id: &str) -> Vec<(&'static str, String)> {
    use keyward_test_support::{Browser, Pkce, query_of};
    let mut b = Browser::at(server.addr.parse().unwrap());
    let pkce = Pkce::new();
    let app = keyward_test_support::App {
        client_id: client_id.to_owned(),
        secret: None,
        redirect_uri: "http://app.example.test/cb".into(),
    };
    let url = keyward_test_support::authorize_url(&b.issuer, &app, &pkce, &[]);
    let wrong = b
        .sign_in(&url, "a@example.com", WRONG_END_USER_PASSWORD)
        .await;
    assert_eq!(wrong.status, 401);
    let done = b.sign_in(&url, "a@example.com", USER_PASSWORD).await;
    assert_eq!(done.status, 303, "{}", done.body);
    let code = query_of(&done.location().unwrap())["code"].clone();
    let tokens: serde_json::Value = b
        .http
        .post(format!("{}/oauth2/token", b.issuer))
        .form(&[
            ("grant_type", "authorization_code"),
            ("client_id", client_id),
            ("code", &code),
            ("redirect_uri", &app.redirect_uri),
            ("code_verifier", &pkce.verifier),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let at = tokens["access_token"].as_str().unwrap().to_owned();
    let rt = tokens["refresh_token"].as_str().unwrap().to_owned();
    let id = tokens["id_token"].as_str().unwrap().to_owned();
    let info = b
        .http
        .get(format!("{}/oauth2/userinfo", b.issuer))
        .bearer_auth(&at)
        .send()
        .await
        .unwrap();
    assert_eq!(info.status(), 200);
    let refreshed: serde_json::Value = b
        .http
        .post(format!("{}/oauth2/token", b.issuer))
        .form(&[
            ("grant_type", "refresh_token"),
            ("client_id", client_id),
            ("refresh_token", &rt),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let rt2 = refreshed["refresh_token"].as_str().unwrap().to_owned();
    let sig = |jwt: &str| jwt.rsplit('.').next().unwrap().to_owned();
    vec![
        (
            "an end user's wrong password",
            WRONG_END_USER_PASSWORD.to_owned(),
        ),
        ("an authorization code", code),
        ("a PKCE verifier", pkce.verifier.clone()),
        ("an access token's signature", sig(&at)),
        ("an ID token's signature", sig(&id)),
        ("a refresh token", rt.split('.').nth(1).unwrap().to_owned()),
        (
            "a rotated refresh token",
            rt2.split('.').nth(1).unwrap().to_owned(),
        ),
        (
            "the IdP session cookie",
            b.cookies["session"].split('.').nth(1).unwrap().to_owned(),
        ),
        ("the CSRF token", b.cookies["keyward_csrf"].clone()),
    ]
}
