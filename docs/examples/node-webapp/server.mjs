// A small web app that signs users in with keyward (OpenID Connect,
// authorization code + PKCE, via openid-client), shows who is signed in,
// refreshes, and signs out through keyward's end_session endpoint.
//
//   KEYWARD_ISSUER=http://myapp.localhost:3000 CLIENT_ID=... PORT=8080 node server.mjs
//
// The app is registered as a `traditional_webapp` with redirect URI
// http://127.0.0.1:$PORT/callback and post-logout URI http://127.0.0.1:$PORT/.
// Node cannot resolve *.localhost by itself (browsers can), so names under
// it are sent to KEYWARD_CONNECT_TO (default 127.0.0.1).
import http from 'node:http';
import crypto from 'node:crypto';
import * as oidc from 'openid-client';
import { Agent, fetch as undiciFetch } from 'undici';

const issuer = new URL(process.env.KEYWARD_ISSUER ?? 'http://myapp.localhost:3000');
const clientId = process.env.CLIENT_ID;
const port = Number(process.env.PORT ?? 8080);
const base = `http://127.0.0.1:${port}`;
if (!clientId) {
  console.error('set CLIENT_ID (keyward oauth-client create --type traditional_webapp ...)');
  process.exit(2);
}

const connectTo = process.env.KEYWARD_CONNECT_TO ?? '127.0.0.1';
const agent = new Agent({
  connect: {
    lookup(hostname, options, callback) {
      const host = hostname.endsWith('.localhost') ? connectTo : hostname;
      import('node:dns').then((dns) => dns.lookup(host, options, callback));
    },
  },
});
const customFetch = (url, options) => undiciFetch(url, { ...options, dispatcher: agent });

const options = { [oidc.customFetch]: customFetch };
if (issuer.protocol === 'http:') options.execute = [oidc.allowInsecureRequests];
const config = await oidc.discovery(issuer, clientId, undefined, oidc.None(), options);
config[oidc.customFetch] = customFetch;

// Sessions of this app (not keyward's): cookie `app_sid` -> state.
const sessions = new Map();

function page(res, status, body, headers = {}) {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': "default-src 'none'; form-action 'self'",
    ...headers,
  });
  res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Example app</title></head><body>${body}</body></html>`);
}

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function sessionOf(req) {
  const sid = /(?:^|;\s*)app_sid=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
  return sid && sessions.get(sid) ? [sid, sessions.get(sid)] : [undefined, undefined];
}

async function handle(req, res) {
  const url = new URL(req.url, base);
  const [sid, session] = sessionOf(req);
  if (url.pathname === '/') {
    if (session?.user) {
      return page(res, 200, `<h1>Signed in as <span id="who">${escape(session.user.email ?? session.user.sub)}</span></h1>
        <p><a id="refresh" href="/refresh">Refresh tokens</a></p>
        <p><a id="signout" href="/logout">Sign out</a></p>`);
    }
    return page(res, 200, `<h1>Example app</h1><p id="status">Signed out</p><p><a id="signin" href="/login">Sign in</a></p>`);
  }
  if (url.pathname === '/login') {
    const state = { verifier: oidc.randomPKCECodeVerifier(), state: oidc.randomState(), nonce: oidc.randomNonce() };
    const challenge = await oidc.calculatePKCECodeChallenge(state.verifier);
    const id = crypto.randomUUID();
    sessions.set(id, { pending: state });
    const target = oidc.buildAuthorizationUrl(config, {
      redirect_uri: `${base}/callback`,
      scope: 'openid offline_access email',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      state: state.state,
      nonce: state.nonce,
    });
    res.writeHead(302, { location: target.href, 'set-cookie': `app_sid=${id}; Path=/; HttpOnly; SameSite=Lax` });
    return res.end();
  }
  if (url.pathname === '/callback') {
    if (!session?.pending) return page(res, 400, '<p>No sign-in in progress.</p>');
    if (url.searchParams.get('error')) {
      return page(res, 400, `<p id="error">${escape(url.searchParams.get('error_description'))}</p>`);
    }
    const tokens = await oidc.authorizationCodeGrant(config, url, {
      pkceCodeVerifier: session.pending.verifier,
      expectedState: session.pending.state,
      expectedNonce: session.pending.nonce,
    });
    const claims = tokens.claims();
    const user = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
    sessions.set(sid, { user, tokens, idToken: tokens.id_token });
    res.writeHead(303, { location: '/' });
    return res.end();
  }
  if (url.pathname === '/refresh' && session?.tokens) {
    const next = await oidc.refreshTokenGrant(config, session.tokens.refresh_token);
    session.tokens = { ...session.tokens, ...next };
    return page(res, 200, `<p id="refreshed">Tokens refreshed; access token valid for ${next.expires_in} s.</p><p><a href="/">Back</a></p>`);
  }
  if (url.pathname === '/logout') {
    sessions.delete(sid);
    const target = oidc.buildEndSessionUrl(config, {
      id_token_hint: session?.idToken ?? '',
      post_logout_redirect_uri: `${base}/`,
    });
    res.writeHead(302, { location: target.href, 'set-cookie': 'app_sid=; Path=/; Max-Age=0' });
    return res.end();
  }
  return page(res, 404, '<p>Not found</p>');
}

http
  .createServer((req, res) => {
    handle(req, res).catch((e) => {
      console.error(e);
      page(res, 500, `<p id="error">${escape(e.message)}</p>`);
    });
  })
  .listen(port, '127.0.0.1', () => console.log(`example app listening on ${base}`));
