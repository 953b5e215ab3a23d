#!/usr/bin/env bash
# Bounded soak with a key rotation in the middle.
#
#   reliability/soak.sh [SECONDS]        (default 60)
#
# Authenticated Admin API traffic (wrk, 16 connections, loopback) against a
# `keyward serve` on SQLite for SECONDS. Halfway, the seed's rotation: a
# second key is generated, traffic moves to it (two seconds of overlap), and
# the first key is deleted while traffic continues. Passes with 0 errors of
# any kind (non-2xx, connect, read, write, timeout), the deleted key refused,
# and flat memory: resident set size is printed at start, during and at the
# end, and must not grow by more than half plus 10 MiB.
# Needs wrk and curl. Uses target/release/keyward when built (cargo build
# --release -p keyward), else target/debug/keyward, or $KEYWARD_BIN.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
bin=${KEYWARD_BIN:-}
[ -n "$bin" ] || { [ -x target/release/keyward ] && bin=target/release/keyward || bin=target/debug/keyward; }
[ -x "$bin" ] || { echo "no keyward binary: cargo build -p keyward" >&2; exit 2; }
for tool in wrk curl; do command -v "$tool" >/dev/null || { echo "needs $tool" >&2; exit 2; }; done

work=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
unset KEYWARD_DATABASE_URL KEYWARD_MASTER_KEY KEYWARD_MASTER_KEY_FILE KEYWARD_LOG
export KEYWARD_DATA_DIR="$work/data"
kw() { "$bin" "$@"; }

kw project create soak 2>/dev/null
kid_a=$(kw key create --project soak --out "$work/a.pem" 2>/dev/null)
token_a=$(kw token --project soak --kid "$kid_a" --key "$work/a.pem" --ttl 3600)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bin" serve --listen "127.0.0.1:$port" >/dev/null 2>"$work/serve.log" &
pid=$!
url="http://127.0.0.1:$port/projects/soak/_api/admin/graphql"
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done

rss() { awk '/^VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$pid/status"; }
KEYWARD_TOKEN="$token_a" wrk -t1 -c16 -d2s -s reliability/soak.lua "$url" >/dev/null   # warm-up
rss_start=$(rss)
samples="$rss_start"

half=$(( secs / 2 ))
KEYWARD_TOKEN="$token_a" wrk -t1 -c16 -d"$(( half + 1 ))s" -s reliability/soak.lua "$url" >"$work/a.out" &
wrk_a=$!
sleep $(( half / 2 )); samples="$samples $(rss)"
kid_b=$(kw key create --project soak --out "$work/b.pem" 2>/dev/null)
token_b=$(kw token --project soak --kid "$kid_b" --key "$work/b.pem" --ttl 3600)
sleep $(( half - half / 2 - 1 ))
KEYWARD_TOKEN="$token_b" wrk -t1 -c16 -d"$(( secs - half + 1 ))s" -s reliability/soak.lua "$url" >"$work/b.out" &
wrk_b=$!
wait "$wrk_a"
samples="$samples $(rss)"
kw key delete --project soak --kid "$kid_a" 2>/dev/null
refused=no
for _ in $(seq 40); do
  reason=$(curl -s -H "Authorization: Bearer $token_a" -H 'Content-Type: application/json' \
    -d '{"query":"{ project { id } }"}' "$url" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("error",{}).get("reason",""))')
  [ "$reason" = unknown_key ] && { refused=yes; break; }
  sleep 0.05
done
sleep $(( (secs - half) / 2 )); samples="$samples $(rss)"
wait "$wrk_b"
rss_end=$(rss)
samples="$samples $rss_end"

read -r ra sa ca rda wa ta rps_a p99_a < <(awk '/^SOAK/ { print $2, $3, $4, $5, $6, $7, $8, $9 }' "$work/a.out")
read -r rb sb cb rdb wb tb rps_b p99_b < <(awk '/^SOAK/ { print $2, $3, $4, $5, $6, $7, $8, $9 }' "$work/b.out")
requests=$(( ra + rb ))
errors=$(( sa + ca + rda + wa + ta + sb + cb + rdb + wb + tb ))
flat=$(awk -v s="$rss_start" -v e="$rss_end" 'BEGIN { print (e <= s * 1.5 + 10) ? "yes" : "no" }')
echo "soak ($secs s, $(basename "$(dirname "$bin")") binary, SQLite, 16 connections): $requests requests" \
     "(key A ${rps_a} req/s, key B ${rps_b} req/s, p99 ${p99_a}/${p99_b} µs), errors $errors" \
     "(non-2xx $(( sa + sb )), connect $(( ca + cb )), read $(( rda + rdb )), write $(( wa + wb )), timeout $(( ta + tb )))," \
     "deleted key refused: $refused, RSS MiB start $rss_start end $rss_end (samples: $samples), flat: $flat"
[ "$errors" -eq 0 ] && [ "$refused" = yes ] && [ "$flat" = yes ]
