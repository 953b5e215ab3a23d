"""A relying party written with Authlib (Python), nobody here wrote it:
sign a user in against keyward with the authorization code flow and PKCE,
verify the ID token against the JWKS, read userinfo, refresh, revoke.

usage: authlib_signin.py ISSUER CLIENT_ID CLIENT_SECRET|- REDIRECT_URI EMAIL PASSWORD
Prints one JSON object of what it saw; exits non-zero on any failure.

`*.localhost` does not resolve through this machine's resolver, so names
under it are sent to 127.0.0.1 (a browser does the same by itself).
"""
import json
import re
import secrets
import socket
import sys
from urllib.parse import urljoin

import requests
from authlib.integrations.requests_client import OAuth2Session
from authlib.jose import JsonWebKey, jwt

_getaddrinfo = socket.getaddrinfo


def _resolve(host, *args, **kwargs):
    if isinstance(host, str) and host.endswith(".localhost"):
        host = "127.0.0.1"
    return _getaddrinfo(host, *args, **kwargs)


socket.getaddrinfo = _resolve

issuer, client_id, client_secret, redirect_uri, email, password = sys.argv[1:7]
client_secret = None if client_secret == "-" else client_secret

meta = requests.get(issuer + "/.well-known/openid-configuration", timeout=10).json()
assert meta["issuer"] == issuer, meta
jwks = JsonWebKey.import_key_set(requests.get(meta["jwks_uri"], timeout=10).json())

auth_method = "client_secret_basic" if client_secret else "none"
rp = OAuth2Session(
    client_id,
    client_secret,
    scope="openid offline_access email",
    redirect_uri=redirect_uri,
    code_challenge_method="S256",
    token_endpoint_auth_method=auth_method,
)
verifier = secrets.token_urlsafe(48)
nonce = secrets.token_urlsafe(16)
url, state = rp.create_authorization_url(
    meta["authorization_endpoint"], code_verifier=verifier, nonce=nonce
)

# The user's part: follow to the sign-in form, fill it in, submit.
browser = requests.Session()
r = browser.get(url, allow_redirects=False, timeout=10)
assert r.status_code in (302, 303), (r.status_code, r.text)
form_url = urljoin(issuer, r.headers["Location"])
page = browser.get(form_url, timeout=10)
fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text))
fields = {k: v.replace("&amp;", "&").replace("&quot;", '"') for k, v in fields.items()}
fields.update(login=email, password=password)
done = browser.post(urljoin(issuer, "/login"), data=fields, allow_redirects=False,
                    headers={"Origin": issuer}, timeout=10)
assert done.status_code == 303, (done.status_code, done.text[:500])
callback = done.headers["Location"]
assert callback.startswith(redirect_uri), callback

token = rp.fetch_token(meta["token_endpoint"], authorization_response=callback,
                       code_verifier=verifier, state=state)
claims = jwt.decode(
    token["id_token"],
    jwks,
    claims_options={
        "iss": {"essential": True, "value": issuer},
        "aud": {"essential": True, "value": client_id},
        "nonce": {"essential": True, "value": nonce},
    },
)
claims.validate()

info = rp.get(meta["userinfo_endpoint"], timeout=10).json()
refreshed = rp.refresh_token(meta["token_endpoint"], refresh_token=token["refresh_token"])
revoked = rp.revoke_token(meta["revocation_endpoint"], token=refreshed.get("refresh_token", token["refresh_token"]))
after = requests.post(meta["token_endpoint"], timeout=10, data={
    "grant_type": "refresh_token",
    "client_id": client_id,
    "refresh_token": refreshed.get("refresh_token", token["refresh_token"]),
    **({"client_secret": client_secret} if client_secret else {}),
})
print(json.dumps({
    "sub": claims["sub"],
    "id_token_email": claims.get("email"),
    "userinfo_sub": info["sub"],
    "userinfo_email": info.get("email"),
    "refreshed": "access_token" in refreshed,
    "revoke_status": revoked.status_code,
    "refresh_after_revoke": after.json().get("error"),
}))
