#!/usr/bin/env bash
# bench.sh — what `make bench` runs: every Go benchmark in the root module with
# the real Redis and Neo4j servers up (same RESYNC_TEST_* variables as
# scripts/test.sh), so benchmarks that need them run instead of skipping.
#
#   scripts/bench.sh                       all packages, -bench .
#   scripts/bench.sh ./shared/adapter/graph/...    only these packages
#   BENCH='Upsert' BENCHTIME=3x scripts/bench.sh ./shared/adapter/graph/
#
# Servers started here are stopped on exit; servers already up are reused and
# left running.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

STARTED_SERVICES=""
stop_services() {
	if [ -n "$STARTED_SERVICES" ]; then scripts/services.sh down || true; fi
}
trap stop_services EXIT
trap 'exit 130' INT TERM

scripts/services.sh status 2>/dev/null || STARTED_SERVICES=1
env_out="$(scripts/services.sh up)" || {
	echo "bench.sh: could not start the servers" >&2
	exit 1
}
eval "$env_out"
export RESYNC_TEST_SERVICES=required

pkgs=("$@")
[ ${#pkgs[@]} -gt 0 ] || pkgs=(./...)
args=(-run '^$' -bench "${BENCH:-.}" -benchmem)
[ -z "${BENCHTIME:-}" ] || args+=(-benchtime "$BENCHTIME")
[ -z "${BENCHCOUNT:-}" ] || args+=(-count "$BENCHCOUNT")

echo "bench.sh: go test ${args[*]} ${pkgs[*]}"
t0="$(date +%s)"
go test "${args[@]}" "${pkgs[@]}"
rc=$?
echo "bench.sh: took $(($(date +%s) - t0))s (exit $rc)"
exit "$rc"
