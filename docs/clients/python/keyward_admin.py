"""Call keyward's Admin API from Python with PyJWT (docs/clients.md).

    pip install 'PyJWT[crypto]'
    KEYWARD_ENDPOINT=https://myapp.example.com/_api/admin/graphql \
    KEYWARD_PROJECT=myapp KEYWARD_KID=<key ID> KEYWARD_KEY_FILE=private-key.pem \
        python keyward_admin.py alice@example.com

Creates a user with that email, finds it again by login ID and prints both
IDs as JSON. CI runs this file against a live keyward server.
"""
import json
import os
import sys
import threading
import time
import urllib.error
import urllib.request

import jwt  # PyJWT


class AdminAPIError(Exception):
    """A refused request (HTTP status + keyward's reason) or a GraphQL error
    (status 200 + extensions.reason)."""

    def __init__(self, status, reason, message):
        super().__init__(f"HTTP {status} {reason}: {message}")
        self.status, self.reason = status, reason


class AdminAPI:
    """Signs one token, reuses it for 80 % of its lifetime, then signs anew."""

    def __init__(self, endpoint, project, kid, private_key_pem, ttl=300):
        self.endpoint, self.project, self.kid = endpoint, project, kid
        self.private_key, self.ttl = private_key_pem, ttl
        self.tokens_signed = 0
        self._token, self._renew_at = None, 0
        self._lock = threading.Lock()

    def token(self):
        now = int(time.time())
        with self._lock:
            if self._token is None or now >= self._renew_at:
                iat = now - 5  # a little slack for clock drift
                claims = {"aud": [self.project], "iat": iat, "exp": iat + self.ttl}
                # PyJWT adds "alg": "RS256" and "typ": "JWT" to the header.
                self._token = jwt.encode(
                    claims, self.private_key, algorithm="RS256", headers={"kid": self.kid}
                )
                self._renew_at = iat + self.ttl * 4 // 5
                self.tokens_signed += 1
            return self._token

    def graphql(self, query, variables=None):
        request = urllib.request.Request(
            self.endpoint,
            data=json.dumps({"query": query, "variables": variables or {}}).encode(),
            headers={
                "Authorization": f"Bearer {self.token()}",
                "Content-Type": "application/json",
            },
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                result = json.load(response)
        except urllib.error.HTTPError as e:
            error = json.load(e).get("error", {})
            raise AdminAPIError(e.code, error.get("reason"), error.get("message")) from None
        if result.get("errors"):
            first = result["errors"][0]
            reason = first.get("extensions", {}).get("reason")
            raise AdminAPIError(200, reason, first["message"])
        return result["data"]


CREATE_USER = """
mutation($email: String!) {
  createUser(input: {definition: {loginID: {key: "email", value: $email}}}) {
    user { id }
  }
}"""

FIND_USER = """
query($email: String!) {
  getUserByLoginID(loginIDKey: "email", loginIDValue: $email) { id }
}"""


def main():
    with open(os.environ["KEYWARD_KEY_FILE"], "rb") as f:
        private_key = f.read()
    api = AdminAPI(
        os.environ["KEYWARD_ENDPOINT"],
        os.environ["KEYWARD_PROJECT"],
        os.environ["KEYWARD_KID"],
        private_key,
    )
    email = sys.argv[1]
    try:
        created = api.graphql(CREATE_USER, {"email": email})["createUser"]["user"]["id"]
        found = api.graphql(FIND_USER, {"email": email})["getUserByLoginID"]["id"]
    except AdminAPIError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(1)
    print(json.dumps({"created": created, "found": found, "tokens_signed": api.tokens_signed}))


if __name__ == "__main__":
    main()
