//! A third-party Rust relying party (the `openidconnect` crate, which
//! nobody here wrote) signs a user in and out against the real server:
//! discovery, the JWKS-verified ID token with its nonce, PKCE, userinfo,
//! refresh and revocation, as an application would use it.

use keyward_store::ClientType;
use keyward_test_support::{Backend, Browser, TestServer, query_of};
use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreGenderClaim, CoreProviderMetadata,
};
use openidconnect::{
    AuthorizationCode, ClientId, CsrfToken, EmptyAdditionalClaims, IssuerUrl, Nonce,
    OAuth2TokenResponse, PkceCodeChallenge, RedirectUrl, Scope, TokenResponse, UserInfoClaims,
};

on_each_backend!(openidconnect_crate_signs_in_refreshes_and_reads_userinfo);

/// The relying party's HTTP client: the test browser's (which reaches
/// `myapp.localhost` on the test server), adapted to `openidconnect`.
async fn send(
    http: reqwest::Client,
    request: openidconnect::HttpRequest,
) -> Result<openidconnect::HttpResponse, reqwest::Error> {
    let request = reqwest::Request::try_from(request)?;
    let response = http.execute(request).await?;
    let mut out = openidconnect::http::Response::builder().status(response.status().as_u16());
    for (k, v) in response.headers() {
        out = out.header(k.as_str(), v.as_bytes());
    }
    let body = response.bytes().await?.to_vec();
    Ok(out.body(body).unwrap())
}

async fn openidconnect_crate_signs_in_refreshes_and_reads_userinfo(backend: Backend) {
    let Some(server) = TestServer::spawn(backend).await else {
        return;
    };
    let user_id = server
        .end_user("rp@example.com", "correct horse battery")
        .await;
    let redirect = "http://rp.example.test/callback";
    let app = server.oauth_client(ClientType::Spa, redirect).await;
    let mut browser: Browser = server.browser();
    let http = browser.http.clone();
    let client_http = move |r| send(http.clone(), r);

    let metadata = CoreProviderMetadata::discover_async(
        IssuerUrl::new(server.issuer()).unwrap(),
        &client_http,
    )
    .await
    .unwrap();
    let client =
        CoreClient::from_provider_metadata(metadata, ClientId::new(app.client_id.clone()), None)
            .set_redirect_uri(RedirectUrl::new(redirect.into()).unwrap());
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, csrf, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("offline_access".into()))
        .set_pkce_challenge(challenge)
        .url();

    let done = browser
        .sign_in(url.as_str(), "rp@example.com", "correct horse battery")
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    let q = query_of(&done.location().unwrap());
    assert_eq!(&q["state"], csrf.secret());

    let tokens = client
        .exchange_code(AuthorizationCode::new(q["code"].clone()))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request_async(&client_http)
        .await
        .unwrap();
    let id_token = tokens.id_token().unwrap();
    let claims = id_token
        .claims(&client.id_token_verifier(), &nonce)
        .unwrap();
    assert_eq!(claims.subject().as_str(), user_id);
    assert!(claims.auth_time().is_some());

    let info: UserInfoClaims<EmptyAdditionalClaims, CoreGenderClaim> = client
        .user_info(tokens.access_token().clone(), None)
        .unwrap()
        .request_async(&client_http)
        .await
        .unwrap();
    assert_eq!(info.subject().as_str(), user_id);
    assert_eq!(info.email().map(|e| e.as_str()), Some("rp@example.com"));

    let refresh = tokens.refresh_token().unwrap();
    let refreshed = client
        .exchange_refresh_token(refresh)
        .unwrap()
        .request_async(&client_http)
        .await
        .unwrap();
    assert!(
        refreshed.refresh_token().is_some(),
        "a public client's refresh token rotates"
    );
    // The rotated-out token is refused (and the grant ended).
    let again = client
        .exchange_refresh_token(refresh)
        .unwrap()
        .request_async(&client_http)
        .await;
    assert!(again.is_err());
}
