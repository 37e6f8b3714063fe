#!/usr/bin/env bash
# test.sh — what `make test` (and so .ci/run) runs.
#
# 1. starts the real Redis and Neo4j servers (scripts/services.sh up, which
#    installs what is missing) and stops them again on exit, success or failure
#    (servers that were already up before this script are left running);
# 2. exports RESYNC_TEST_* for internal/testenv, with RESYNC_TEST_SERVICES=required
#    so an integration test that cannot reach a server fails instead of skipping;
# 3. gofmt -l, go vet ./..., a visible run of the Redis and Neo4j round-trip
#    tests, go test -race -count=1 ./... in the root module;
# 4. every executable scripts/test.d/*.sh in name order.
# It runs every phase even after a failure, prints how long each took, and
# exits non-zero if any failed.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

now_ms() { date +%s%3N; }
fmt_secs() { printf '%d.%ds' $(($1 / 1000)) $((($1 % 1000) / 100)); }

T_ALL="$(now_ms)"
SUMMARY=()
FAILED=()

# phase NAME CMD... — runs CMD, records its duration and outcome.
phase() {
	local name="$1" t0 rc
	shift
	printf '\n=== %s\n' "$name"
	t0="$(now_ms)"
	"$@"
	rc=$?
	local took
	took="$(fmt_secs $(($(now_ms) - t0)))"
	if [ "$rc" -eq 0 ]; then
		SUMMARY+=("$(printf '  ok    %-44s %s' "$name" "$took")")
	else
		SUMMARY+=("$(printf '  FAIL  %-44s %s (exit %d)' "$name" "$took" "$rc")")
		FAILED+=("$name")
	fi
	return "$rc"
}

finish() {
	printf '\n=== summary\n'
	local s
	for s in "${SUMMARY[@]}"; do echo "$s"; done
	echo "  total $(fmt_secs $(($(now_ms) - T_ALL)))"
	if [ ${#FAILED[@]} -gt 0 ]; then
		echo "test.sh: FAILED: ${FAILED[*]}"
		exit 1
	fi
	echo "test.sh: all phases passed"
}

# ------------------------------------------------------------------ services

STARTED_SERVICES=""
stop_services() {
	if [ -n "$STARTED_SERVICES" ]; then
		printf '\n=== stop services\n'
		scripts/services.sh down || true
	fi
}
trap stop_services EXIT
trap 'exit 130' INT TERM

start_services() {
	local env_out
	if ! scripts/services.sh status 2>/dev/null; then
		STARTED_SERVICES=1
	fi
	env_out="$(scripts/services.sh up)" || return 1
	eval "$env_out"
	export RESYNC_TEST_SERVICES=required
	echo "RESYNC_TEST_REDIS_ADDR=$RESYNC_TEST_REDIS_ADDR RESYNC_TEST_NEO4J_URI=$RESYNC_TEST_NEO4J_URI RESYNC_TEST_SERVICES=$RESYNC_TEST_SERVICES"
}

if ! phase "services up (Redis, Neo4j)" start_services; then
	echo "test.sh: cannot run the tests without the servers"
	finish
fi

# --------------------------------------------------------------------- checks

go_files() {
	find . \( -path ./.cache -o -path ./.tools -o -path ./bin -o -name node_modules -o -name cdk.out -o -name testdata \) -prune \
		-o -name '*.go' -type f -print
}

gofmt_check() {
	local out
	out="$(go_files | xargs -r gofmt -l)"
	if [ -n "$out" ]; then
		echo "gofmt -l lists files that need formatting (run: make fmt):"
		echo "$out"
		return 1
	fi
	echo "gofmt: clean"
}

vet() { go vet ./... && echo "go vet: clean"; }

# The round trips are part of the full run too; running them here with -v
# makes it visible that they ran against the real servers and did not skip.
roundtrip() {
	local out rc
	out="$(go test -count=1 -v -run '^Test(Redis|Neo4j)RoundTrip$' ./internal/testenv/ 2>&1)"
	rc=$?
	echo "$out" | grep -E '^(=== RUN|--- |    roundtrip_test|ok|FAIL|PASS)'
	[ "$rc" -eq 0 ] || return "$rc"
	local t
	for t in TestRedisRoundTrip TestNeo4jRoundTrip; do
		if ! echo "$out" | grep -q -- "--- PASS: $t "; then
			echo "round trip $t did not pass (skipped?)"
			return 1
		fi
	done
	echo "round trips: Redis and Neo4j both answered (not skipped)"
}

gotest() { go test -race -count=1 ./...; }

phase "gofmt -l" gofmt_check
phase "go vet ./..." vet
phase "Redis and Neo4j round trips (-v)" roundtrip
phase "go test -race -count=1 ./..." gotest

# -------------------------------------------------------------- scripts/test.d

for step in scripts/test.d/*.sh; do
	[ -e "$step" ] || continue
	if [ ! -x "$step" ]; then
		echo "test.sh: skipping $step (not executable)"
		continue
	fi
	phase "$step" "$step"
done

finish
