#!/usr/bin/env bash
# Whole-system load: the release `keyward serve` on loopback, hammered by wrk
# with one reused token (the warm path) for a bounded time.
# usage: bench/load.sh [seconds=10] [connections=16]
# needs: wrk (apt-get install wrk)
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-10}"; conns="${2:-16}"
cargo build --release -q -p keyward
bin="$PWD/target/release/keyward"
work="$(mktemp -d)"; trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
cd "$work"
"$bin" project create myapp 2>/dev/null
kid="$("$bin" key create --project myapp 2>/dev/null)"
KEYWARD_TOKEN="$("$bin" token --project myapp --kid "$kid" --key private-key.pem --ttl 3600)"
export KEYWARD_TOKEN
port=$((20000 + RANDOM % 20000))
KEYWARD_LOG=warn "$bin" serve --listen "127.0.0.1:$port" 2>serve.log &
server=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
cd - >/dev/null
wrk -t1 -c"$conns" -d"${secs}s" -s bench/graphql.lua "http://127.0.0.1:$port/projects/myapp/_api/admin/graphql"
