#!/usr/bin/env bash
# build.sh — what `make build` runs: one bin/<fn>/bootstrap per function for
# AWS Lambda (provided.al2023 on arm64): CGO off, -trimpath, -tags
# lambda.norpc, stripped. Prints each binary's size.
#
#   scripts/build.sh               every functions/<fn>/ holding a main package
#   scripts/build.sh chat health   only these
#   GOARCH=amd64 scripts/build.sh  another architecture (the stack deploys arm64)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
ARCH="${GOARCH:-arm64}"

# functions lists the names of functions/<fn>/ directories with a main package.
functions() {
	local dir
	for dir in functions/*/; do
		[ -d "$dir" ] || continue
		if grep -qs '^package main' "$dir"*.go; then
			basename "$dir"
		fi
	done
}

if [ $# -gt 0 ]; then
	fns=("$@")
else
	mapfile -t fns < <(functions)
fi
if [ ${#fns[@]} -eq 0 ]; then
	echo "build.sh: no functions/<fn>/ with a main package yet; nothing to build"
	exit 0
fi

failed=()
printf '%-10s %12s  %s\n' function bytes binary
for fn in "${fns[@]}"; do
	out="bin/$fn/bootstrap"
	mkdir -p "bin/$fn"
	if ! CGO_ENABLED=0 GOOS=linux GOARCH="$ARCH" go build -trimpath -tags lambda.norpc -ldflags='-s -w' \
		-o "$out" "./functions/$fn"; then
		echo "build.sh: building functions/$fn failed" >&2
		failed+=("$fn")
		continue
	fi
	printf '%-10s %12d  %s (%s MiB, linux/%s)\n' "$fn" "$(stat -c %s "$out")" "$out" \
		"$(awk -v b="$(stat -c %s "$out")" 'BEGIN{printf "%.1f", b/1048576}')" "$ARCH"
done
if [ ${#failed[@]} -gt 0 ]; then
	echo "build.sh: FAILED: ${failed[*]}" >&2
	exit 1
fi
