"""A backend and a resource server written with requests and PyJWT
(Python), nobody here wrote them: the backend gets an access token for an
API resource with the client_credentials grant (RFC 6749 §4.4, RFC 8707
`resource`); the resource server verifies it against keyward's JWKS as any
JWT library would, and refuses it for another audience.

usage: m2m_resource_server.py ISSUER CLIENT_ID CLIENT_SECRET RESOURCE SCOPE
Prints one JSON object of what it saw; exits non-zero on any failure.

`*.localhost` does not resolve through this machine's resolver, so names
under it are sent to 127.0.0.1.
"""
import json
import socket
import sys

import jwt
import requests

_getaddrinfo = socket.getaddrinfo


def _resolve(host, *args, **kwargs):
    if isinstance(host, str) and host.endswith(".localhost"):
        host = "127.0.0.1"
    return _getaddrinfo(host, *args, **kwargs)


socket.getaddrinfo = _resolve

issuer, client_id, client_secret, resource, scope = sys.argv[1:6]
meta = requests.get(issuer + "/.well-known/openid-configuration", timeout=10).json()
assert "client_credentials" in meta["grant_types_supported"], meta

# The backend: client_credentials with HTTP Basic.
r = requests.post(
    meta["token_endpoint"],
    data={"grant_type": "client_credentials", "resource": resource, "scope": scope},
    auth=(client_id, client_secret),
    timeout=10,
)
assert r.status_code == 200, r.text
body = r.json()
token = body["access_token"]

# The resource server: verify signature, issuer, audience and expiry.
signing_key = jwt.PyJWKClient(meta["jwks_uri"]).get_signing_key_from_jwt(token)
claims = jwt.decode(
    token,
    signing_key.key,
    algorithms=["RS256"],
    audience=resource,
    issuer=issuer,
    options={"require": ["exp", "iat", "sub", "aud", "iss"]},
)
assert claims["sub"] == client_id, claims
assert scope in claims["scope"].split(" "), claims
header = jwt.get_unverified_header(token)

# Another API must refuse it.
try:
    jwt.decode(token, signing_key.key, algorithms=["RS256"], audience="https://other.example.com")
    other_api = "accepted"
except jwt.InvalidAudienceError:
    other_api = "refused"

# A wrong secret gets no token.
bad = requests.post(
    meta["token_endpoint"],
    data={"grant_type": "client_credentials", "resource": resource},
    auth=(client_id, client_secret + "x"),
    timeout=10,
)

print(json.dumps({
    "typ": header.get("typ"),
    "aud": claims["aud"],
    "scope": claims["scope"],
    "expires_in": body["expires_in"],
    "other_api": other_api,
    "wrong_secret": bad.status_code,
}))
