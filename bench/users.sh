#!/usr/bin/env bash
# Admin API at scale: p50/p99 of a user listing, two prefix searches and a
# login-ID lookup on stores of growing size, one client at a time (latency,
# not throughput). SQLite always; PostgreSQL too when KEYWARD_BENCH_PG_URL
# names a server (a scratch database is created there and dropped).
# usage: bench/users.sh [seconds=5] [sizes="10000 100000 1000000"]
# needs: wrk (apt-get install wrk); psql for PostgreSQL
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-5}"; sizes="${2:-10000 100000 1000000}"
cargo build --release -q -p keyward
bin="$PWD/target/release/keyward"
lua="$PWD/bench/query.lua"
work="$(mktemp -d)"; server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  [ -n "${pgdb:-}" ] && psql "$KEYWARD_BENCH_PG_URL" -qc "DROP DATABASE IF EXISTS $pgdb" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"

queries=(
  'list|"{ users(first: 100) { edges { node { id createdAt standardAttributes } } } }"'
  'search-email|"{ users(first: 100, searchKeyword: \"user4242\") { edges { node { id } } } }"'
  'search-name|"{ users(first: 100, searchKeyword: \"grace h\") { edges { node { id } } } }"'
  'by-login-id|"{ getUserByLoginID(loginIDKey: \"email\", loginIDValue: \"user4242@seed.example\") { id } }"'
)

run_backend() {
  local backend="$1" db="$2"
  export KEYWARD_DATABASE_URL="$db"
  "$bin" project create myapp 2>/dev/null
  local kid; kid="$("$bin" key create --project myapp --out "$backend.pem" 2>/dev/null)"
  KEYWARD_TOKEN="$("$bin" token --project myapp --kid "$kid" --key "$backend.pem" --ttl 3600)"
  export KEYWARD_TOKEN
  local have=0
  for size in $sizes; do
    "$bin" users seed --project myapp --count $((size - have)) 2>&1 | sed 's/^/  /' >&2
    have=$size
    local port=$((20000 + RANDOM % 20000))
    KEYWARD_LOG=warn "$bin" serve --listen "127.0.0.1:$port" 2>serve.log &
    server=$!
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
    for q in "${queries[@]}"; do
      local name="${q%%|*}"
      KEYWARD_QUERY="${q#*|}" wrk -t1 -c1 -d"${secs}s" -s "$lua" \
        "http://127.0.0.1:$port/projects/myapp/_api/admin/graphql" \
        | awk -v b="$backend" -v s="$size" -v n="$name" \
          '/^RESULT/ { printf "| %s | %s | %s | %d | %d | %.2f | %.2f |\n", b, s, n, $2, $3, $4/1000, $5/1000 }'
    done
    kill "$server"; wait "$server" 2>/dev/null || true; server=""
  done
}

echo "| backend | users | query | requests | non-2xx | p50 ms | p99 ms |"
echo "|---|---|---|---|---|---|---|"
run_backend sqlite "sqlite://$work/bench.db"
if [ -n "${KEYWARD_BENCH_PG_URL:-}" ]; then
  pgdb="keyward_bench_$$"
  psql "$KEYWARD_BENCH_PG_URL" -qc "CREATE DATABASE $pgdb" >/dev/null
  run_backend postgres "${KEYWARD_BENCH_PG_URL%/*}/$pgdb"
fi
