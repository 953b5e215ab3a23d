"""Sign Admin API tokens with PyJWT (a JWT library nobody on the keyward team
wrote) and print them as JSON: {case_name: token}.

usage: pyjwt_tokens.py PRIVATE_KEY_PEM KID PROJECT NOW
"""
import base64
import hashlib
import hmac
import json
import sys
import uuid

import jwt  # PyJWT
from cryptography.hazmat.primitives import serialization

key_path, kid, project, now = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
with open(key_path, "rb") as f:
    private_pem = f.read()
private_key = serialization.load_pem_private_key(private_pem, password=None)
public_pem = private_key.public_key().public_bytes(
    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def claims(aud=None, iat=now, exp=now + 300):
    return {"aud": [project] if aud is None else aud, "iat": iat, "exp": exp}


def hs256_with_public_key():
    # PyJWT itself refuses to use a PEM public key as an HMAC secret (its fix
    # for CVE-2022-29217), so the classic confusion attack is built by hand.
    header = b64(json.dumps({"alg": "HS256", "kid": kid, "typ": "JWT"}).encode())
    payload = b64(json.dumps(claims()).encode())
    signing_input = f"{header}.{payload}".encode()
    sig = hmac.new(public_pem, signing_input, hashlib.sha256).digest()
    return f"{header}.{payload}.{b64(sig)}"


tokens = {
    # accepted
    "rs256_array_aud": jwt.encode(claims(), private_pem, algorithm="RS256", headers={"kid": kid}),
    "rs256_string_aud": jwt.encode(claims(aud=project), private_pem, algorithm="RS256", headers={"kid": kid}),
    "rs256_key_object": jwt.encode(claims(), private_key, algorithm="RS256", headers={"kid": kid, "typ": "JWT"}),
    # one-use tokens, for a project whose replay guard is on
    "rs256_jti_a": jwt.encode({**claims(), "jti": uuid.uuid4().hex}, private_pem, algorithm="RS256", headers={"kid": kid}),
    "rs256_jti_b": jwt.encode({**claims(), "jti": uuid.uuid4().hex}, private_pem, algorithm="RS256", headers={"kid": kid}),
    # refused
    "alg_none": jwt.encode(claims(), None, algorithm="none", headers={"kid": kid}),
    "hs256_public_key": hs256_with_public_key(),
    "wrong_aud": jwt.encode(claims(aud=["someone-else"]), private_pem, algorithm="RS256", headers={"kid": kid}),
    "rs512": jwt.encode(claims(), private_pem, algorithm="RS512", headers={"kid": kid}),
    "ps256": jwt.encode(claims(), private_pem, algorithm="PS256", headers={"kid": kid}),
    "expired": jwt.encode(claims(iat=now - 900, exp=now - 600), private_pem, algorithm="RS256", headers={"kid": kid}),
    "unknown_kid": jwt.encode(claims(), private_pem, algorithm="RS256", headers={"kid": "not-" + kid}),
    "no_kid": jwt.encode(claims(), private_pem, algorithm="RS256"),
    "too_long": jwt.encode(claims(exp=now + 7200), private_pem, algorithm="RS256", headers={"kid": kid}),
}
print(json.dumps(tokens))
