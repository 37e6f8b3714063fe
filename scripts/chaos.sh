#!/usr/bin/env bash
# chaos.sh — what `make chaos` runs: the full fault matrix of
# infra/local/chaos_e2e_test.go (issue 10, item 6). Every dependency (HWA,
# Redis, Neo4j, Bedrock's stand-in) sits behind an in-process toxiproxy;
# each case injects one fault — 5 s latency, connection reset, black hole,
# HTTP 500 and 503 (HWA with Retry-After), down for 60 s then back — plus a
# runbook ingested while Neo4j is down and a cold start with Neo4j down,
# and asserts what the user gets and how fast full service returns.
#
# Starts the real Redis and Neo4j (scripts/services.sh) when they are not
# up, and stops them again if it started them. Writes the results table to
# .cache/chaos/table.md and the log to .cache/chaos/test.log.
#
#   scripts/chaos.sh                   the whole matrix (about 20 minutes)
#   RESYNC_CHAOS_ONLY=redis scripts/chaos.sh   only the cases whose dep/fault contains it
#
# `make test` runs only the short matrix (one fault per dependency): the
# long cases need RESYNC_CHAOS=full, which this script sets.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

out=.cache/chaos
mkdir -p "$out"
started=""
if ! scripts/services.sh status 2>/dev/null; then
	started=1
fi
env_out="$(scripts/services.sh up)" || exit 1
eval "$env_out"
[ -n "$started" ] && trap 'scripts/services.sh down || true' EXIT
export RESYNC_TEST_SERVICES=required

t0=$(date +%s)
RESYNC_CHAOS=full RESYNC_CHAOS_REPORT="$PWD/$out/table.md" \
	go test -count=1 -run '^TestChaosFaultsOnTheWire$' -v -timeout 60m ./infra/local/ >"$out/test.log" 2>&1
rc=$?
grep -E '^\s*(--- |=== RUN|ok|FAIL|panic)|chaos_(e2e|cases_e2e)_test.go:[0-9]+:' "$out/test.log" | sed 's/^        //'
echo
if [ -s "$out/table.md" ]; then cat "$out/table.md"; fi
echo "chaos: $(( $(date +%s) - t0 )) s; table $out/table.md, log $out/test.log; exit $rc"
exit "$rc"
