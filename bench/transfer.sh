#!/usr/bin/env bash
# User import and export at scale: `keyward users import` of N records
# (email + name, no password) into a fresh store, then `keyward users
# export` of those N users as NDJSON and as CSV, on SQLite and (when
# KEYWARD_BENCH_PG_URL is set) PostgreSQL. Prints a Markdown section:
# records/s, the server's peak RSS (VmHWM) and the time to the first
# exported byte.
#
#   bench/transfer.sh BIN COUNT [PG_URL]     (bench/run.sh calls it)
#
# Everything talks to 127.0.0.1; every run is bounded by `timeout`.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="$1"; count="$2"; pg="${3:-}"
work="$(mktemp -d)"; pids=(); pgdbs=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for d in "${pgdbs[@]}"; do psql "$pg" -qc "DROP DATABASE IF EXISTS $d" >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap cleanup EXIT
log() { echo "$*" >&2; }
port() { echo $((20000 + RANDOM % 20000)); }
kw() { KEYWARD_DATA_DIR="$work" "$bin" "$@"; }
hwm_mib() { awk '/^VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }
rss_mib() { awk '/^VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }

# The input: one record per line.
awk -v n="$count" 'BEGIN { for (i = 0; i < n; i++) printf "{\"email\":\"user%d@import.example\",\"name\":\"User %d\"}\n", i, i }' \
  >"$work/users.ndjson"
bytes_in="$(stat -c %s "$work/users.ndjson")"

rows=()
run_backend() {
  local backend="$1" db="$2"
  KEYWARD_DATABASE_URL="$db" kw project create myapp 2>/dev/null
  local kid; kid="$(KEYWARD_DATABASE_URL="$db" kw key create --project myapp --out "$work/$backend.pem" 2>/dev/null)"
  local p; p="$(port)"
  KEYWARD_DATABASE_URL="$db" KEYWARD_LOG=warn "$bin" serve --listen "127.0.0.1:$p" >/dev/null 2>>"$work/serve.log" &
  local s=$!; pids+=("$s")
  for _ in $(seq 200); do curl -sf "http://127.0.0.1:$p/readyz" >/dev/null && break; sleep 0.05; done
  local rss_start; rss_start="$(rss_mib "$s")"
  local conn=(--endpoint "http://127.0.0.1:$p/projects/myapp/_api/admin/graphql" --project myapp --kid "$kid" --key "$work/$backend.pem" --json)

  log "  $backend: importing $count records"
  local t0; t0="$(date +%s.%N)"
  timeout 3600 "$bin" users import "$work/users.ndjson" "${conn[@]}" >"$work/import.json"
  local t1; t1="$(date +%s.%N)"
  local inserted; inserted="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["summary"]["inserted"])' "$work/import.json")"
  local hwm_import; hwm_import="$(hwm_mib "$s")"
  local import_rate; import_rate="$(awk -v n="$inserted" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", n / (b - a) }')"

  for format in ndjson csv; do
    log "  $backend: exporting as $format"
    local e0; e0="$(date +%s.%N)"
    # Time to the first byte: the export is written, then streamed.
    timeout 3600 "$bin" users export --format "$format" --out "$work/out.$format" "${conn[@]}" >"$work/export.json"
    local e1; e1="$(date +%s.%N)"
    local users; users="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["users"])' "$work/export.json")"
    local size; size="$(stat -c %s "$work/out.$format")"
    local rate; rate="$(awk -v n="$users" -v a="$e0" -v b="$e1" 'BEGIN { printf "%.0f", n / (b - a) }')"
    eval "export_${format}_rate=$rate; export_${format}_users=$users; export_${format}_mib=$(awk -v b="$size" 'BEGIN { printf "%.0f", b / 1048576 }')"
  done
  local ttfb; ttfb="$(ttfb_of "$p" "$kid" "$backend")"
  local hwm_all; hwm_all="$(hwm_mib "$s")"
  rows+=("| $backend | $inserted | $import_rate | $export_ndjson_rate | $export_csv_rate | $ttfb | $rss_start | $hwm_import | $hwm_all |")
  kill "$s"; wait "$s" 2>/dev/null || true
}

# Seconds from POST export to the first byte of the file, by hand with curl.
ttfb_of() {
  local p="$1" kid="$2" backend="$3"
  local token; token="$("$bin" token --project myapp --kid "$kid" --key "$work/$backend.pem" --ttl 3600)"
  local base="http://127.0.0.1:$p/projects/myapp/_api/admin/users/export"
  local t0; t0="$(date +%s.%N)"
  local id; id="$(curl -sf -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    --data '{"format":"ndjson"}' "$base" | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"]["id"])')"
  local url=""
  for _ in $(seq 36000); do
    url="$(curl -sf -H "Authorization: Bearer $token" "$base/$id" \
      | python3 -c 'import json,sys; r=json.load(sys.stdin)["result"]; print(r.get("download_url", ""))')"
    [ -n "$url" ] && break
    sleep 0.1
  done
  local ready; ready="$(date +%s.%N)"
  local first_byte; first_byte="$(curl -s -o /dev/null --max-time 600 -w '%{time_starttransfer}' "$url")"
  awk -v a="$t0" -v b="$ready" -v f="$first_byte" 'BEGIN { printf "%.1f", b - a + f }'
}

run_backend sqlite "sqlite://$work/transfer.db"
if [ -n "$pg" ]; then
  db="keyward_transfer_$$"; pgdbs+=("$db")
  psql "$pg" -qc "CREATE DATABASE $db" >/dev/null
  run_backend postgres "${pg%/*}/$db"
fi

echo
echo "## 7. User import and export"
echo
echo "\`keyward users import\` of $count records ($(awk -v b="$bytes_in" 'BEGIN { printf "%.0f", b / 1048576 }') MiB of NDJSON: an email and a name each, no password) into an empty project, then"
echo "\`keyward users export\` of those users as NDJSON and as CSV (Authgear's default columns), each against \`keyward serve\` on the same machine."
echo "Rates are end to end as the CLI sees them (requests of up to 500,000 bytes, four jobs queued ahead, the worker applying 100 records per transaction)."
echo "Time to first byte: from the export request to the file's first byte (the file is written whole, then streamed, as Authgear's is)."
echo "Peak RSS is the server's \`VmHWM\` after the import, and after both exports."
echo
echo "| backend | users | import records/s | export NDJSON users/s | export CSV users/s | first byte s | RSS at start MiB | peak RSS after import MiB | peak RSS after exports MiB |"
echo "|---|---|---|---|---|---|---|---|---|"
for r in "${rows[@]}"; do echo "$r"; done
echo
echo "Goals: import ≥ 5,000 records/s, export ≥ 50,000 users/s, RSS under 100 MiB throughout."
