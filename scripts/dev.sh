#!/usr/bin/env bash
# dev.sh — what `make dev` runs: build every function for this machine into
# .cache/local-bin/<fn>, build the local stack, and run it in the foreground.
# Ctrl-C stops it cleanly (schedules, requests, function processes, Redis).
#
#   scripts/dev.sh                   everything on embedded defaults
#   HWA_URL=https://mdm:31116 HWA_USER=... HWA_PASSWORD=... scripts/dev.sh
#   REDIS_URL=redis://127.0.0.1:6379 scripts/dev.sh
#   LOCAL_ADDR=127.0.0.1:9090 LOCAL_SCHEDULES=fast scripts/dev.sh
#   DEV_GRAPH=off scripts/dev.sh     do not start Neo4j (graph features off)
#
# The knowledge graph: unless NEO4J_URI is set, dev.sh starts the same local
# Neo4j that `make test` uses (scripts/services.sh, Neo4j Community from Maven
# Central on Java 17) when Java and Maven are available, and stops it again on
# exit; without them the stack runs with the graph features off and says so
# (ingest is not started; impact and why-waiting come from HWA).
#
# See infra/local/main.go for every setting.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BIN="$ROOT/.cache/local-bin"
mkdir -p "$BIN"

built=()
for dir in functions/*/; do
	fn="$(basename "$dir")"
	# Only directories holding a main package are functions.
	if ! grep -qs '^package main' "$dir"*.go; then
		continue
	fi
	if ! go build -tags lambda.norpc -o "$BIN/$fn" "./functions/$fn"; then
		echo "dev.sh: building functions/$fn failed; the stack runs without it" >&2
		rm -f "$BIN/$fn"
		continue
	fi
	built+=("$fn")
done
echo "dev.sh: built ${built[*]:-no functions} into .cache/local-bin"

go build -o "$BIN/local-stack" ./infra/local
export LOCAL_BIN_DIR="$BIN"

started_services=""
if [ -z "${NEO4J_URI:-}" ] && [ "${DEV_GRAPH:-on}" != "off" ]; then
	if command -v java >/dev/null 2>&1 && command -v mvn >/dev/null 2>&1; then
		echo "dev.sh: starting the local Neo4j (as make test does; first start downloads it from Maven Central)"
		scripts/services.sh status >/dev/null 2>&1 || started_services=1
		if env_out="$(scripts/services.sh up)"; then
			eval "$env_out"
			export NEO4J_URI="$RESYNC_TEST_NEO4J_URI" NEO4J_USER="$RESYNC_TEST_NEO4J_USER" NEO4J_PASSWORD="$RESYNC_TEST_NEO4J_PASSWORD"
		else
			echo "dev.sh: Neo4j did not start; graph features are off (see .cache/services/)" >&2
			started_services=""
		fi
	else
		echo "dev.sh: no Java 17 and Maven here: graph features are off (runbook ingestion and search; impact and why-waiting come from HWA)"
	fi
fi
if [ -n "$started_services" ]; then
	trap 'scripts/services.sh down >/dev/null 2>&1 || true' EXIT
	"$BIN/local-stack"
else
	exec "$BIN/local-stack"
fi
