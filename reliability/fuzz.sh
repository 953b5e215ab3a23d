#!/usr/bin/env bash
# Fuzz the token parser and verifier and the Admin API request path.
#
#   reliability/fuzz.sh [TOKEN_CASES] [GRAPHQL_CASES] [LIBFUZZER_SECONDS]
#
# On stable (always): the property tests with many more cases than
# `cargo test` runs (2000 per token property, 300 for the request path),
# seeded with the Wycheproof vectors and the attack tokens.
# With a nightly toolchain and cargo-fuzz installed, also the libFuzzer
# target fuzz/fuzz_targets/verify.rs for LIBFUZZER_SECONDS.
set -euo pipefail
cd "$(dirname "$0")/.."
token_cases=${1:-200000}
graphql_cases=${2:-20000}
seconds=${3:-300}

started=$(date +%s)
KEYWARD_FUZZ_CASES=$token_cases cargo test -q --release -p keyward-token --test it parser_props
echo "token properties: $token_cases cases each, no failure"
KEYWARD_FUZZ_CASES=$graphql_cases cargo test -q --release -p keyward-server --test it fuzz_graphql
echo "request path: $graphql_cases cases, no 5xx, panic or hang"

if cargo +nightly --version >/dev/null 2>&1 && cargo +nightly fuzz --version >/dev/null 2>&1; then
    cargo +nightly fuzz run verify -- -max_total_time="$seconds"
else
    echo "libFuzzer run skipped: needs a nightly toolchain and cargo-fuzz (cargo install cargo-fuzz)"
fi
echo "fuzzing took $(( $(date +%s) - started )) s"
