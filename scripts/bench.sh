#!/usr/bin/env bash
# bench.sh — what `make bench` runs: every Go benchmark in the root module with
# the real Redis and Neo4j servers up (same RESYNC_TEST_* variables as
# scripts/test.sh), so benchmarks that need them run instead of skipping.
#
#   scripts/bench.sh                       all packages, -bench .
#   scripts/bench.sh ./shared/adapter/graph/...    only these packages
#   BENCH='Upsert' BENCHTIME=3x scripts/bench.sh ./shared/adapter/graph/
#   BENCH='Summary$' BENCHTIME=3x scripts/bench.sh ./shared/app/planview/
#
# Benchmarks with a size in their name (BenchmarkSummary/jobs=1000, ...)
# are also printed as a growth table: each size with its time and metrics
# and the ratio to the size before it (issue 14: a tenfold step should cost
# at most ~10x, the summary at most 2x).
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

# growth_table prints, for every benchmark run at several sizes
# (Name/jobs=N or Name/chunks=N), ns/op and each custom metric per size with
# the ratio to the previous size.
growth_table() {
	awk '
	/^Benchmark[^ ]*\/(jobs|chunks)=[0-9]+/ {
		# The size is the jobs=N or chunks=N element of the name; the rest
		# (BenchmarkImpact/why-waiting) names the row, so sub-benchmarks
		# under a size get their own ratios.
		full = $1; sub(/-[0-9]+$/, "", full)
		n = split(full, parts, "/"); name = ""; size = ""
		for (p = 1; p <= n; p++) {
			if (parts[p] ~ /^(jobs|chunks)=[0-9]+$/) size = parts[p]
			else name = name (name == "" ? "" : "/") parts[p]
		}
		if (!(name in order)) { order[name] = ++names; label[names] = name }
		line = sprintf("%-44s %-14s", name, size)
		for (i = 3; i < NF; i += 2) {
			v = $i; unit = $(i + 1)
			key = name SUBSEP unit
			ratio = (key in prev && prev[key] > 0) ? sprintf("(x%.1f)", v / prev[key]) : ""
			line = line sprintf("  %s %s %s", v, unit, ratio)
			prev[key] = v
		}
		rows[name] = rows[name] line "\n"
	}
	END {
		if (names == 0) exit
		print ""
		print "bench.sh: growth by size (ratio to the size before)"
		for (i = 1; i <= names; i++) printf "%s", rows[label[i]]
	}' "$1"
}

pkgs=("$@")
[ ${#pkgs[@]} -gt 0 ] || pkgs=(./...)
args=(-run '^$' -bench "${BENCH:-.}" -benchmem)
[ -z "${BENCHTIME:-}" ] || args+=(-benchtime "$BENCHTIME")
[ -z "${BENCHCOUNT:-}" ] || args+=(-count "$BENCHCOUNT")

echo "bench.sh: go test ${args[*]} ${pkgs[*]}"
t0="$(date +%s)"
out="$(mktemp)"
go test "${args[@]}" "${pkgs[@]}" | tee "$out"
rc=${PIPESTATUS[0]}
growth_table "$out"
rm -f "$out"
echo "bench.sh: took $(($(date +%s) - t0))s (exit $rc)"
exit "$rc"
