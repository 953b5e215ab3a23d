#!/usr/bin/env bash
# Call keyward's Admin API with curl, signing the token with `keyward token`
# (docs/clients.md). CI runs this file against a live keyward server.
#
#   KEYWARD_ENDPOINT=https://myapp.example.com/_api/admin/graphql \
#   KEYWARD_PROJECT=myapp KEYWARD_KID=<key ID> KEYWARD_KEY_FILE=private-key.pem \
#     bash curl.sh
set -euo pipefail

# keyward token reads KEYWARD_PROJECT, KEYWARD_KID and KEYWARD_KEY_FILE.
# Sign once, reuse for the whole script: the token lives 5 minutes.
TOKEN="$(keyward token --ttl 300)"

curl --silent --show-error --fail-with-body \
  -H "Authorization: Bearer $TOKEN" \
  -H 'Content-Type: application/json' \
  --data '{"query":"{ users(first: 10) { totalCount edges { node { id } } } }"}' \
  "$KEYWARD_ENDPOINT"
