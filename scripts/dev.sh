#!/usr/bin/env bash
# dev.sh — what `make dev` runs: build every function for this machine into
# .cache/local-bin/<fn>, build the local stack, and run it in the foreground.
# Ctrl-C stops it cleanly (schedules, requests, function processes, Redis).
#
#   scripts/dev.sh                   everything on embedded defaults
#   HWA_URL=https://mdm:31116 HWA_USER=... HWA_PASSWORD=... scripts/dev.sh
#   REDIS_URL=redis://127.0.0.1:6379 scripts/dev.sh
#   LOCAL_ADDR=127.0.0.1:9090 LOCAL_SCHEDULES=fast scripts/dev.sh
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
exec "$BIN/local-stack"
