#!/usr/bin/env bash
# vendor-axe.sh — puts axe-core, the accessibility engine the Chromium
# end-to-end test runs on every page (infra/local/web_e2e_test.go), into
# infra/local/testdata/axe/: the exact version with `npm pack` into a
# temporary directory, its minified build and licence, and SHA256SUMS.
# It is a test dependency only: the browser client never loads it (the test
# injects it through DevTools). `--check` re-fetches and compares.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/infra/local/testdata/axe"
AXE=4.11.1

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
cd "$TMP"
npm pack --silent "axe-core@$AXE" >/dev/null
mkdir axe
tar -xzf "axe-core-$AXE.tgz" -C axe --strip-components=1

STAGE="$TMP/out"
mkdir -p "$STAGE"
cp axe/axe.min.js "$STAGE/axe.min.js"
cp axe/LICENSE "$STAGE/LICENSE.axe-core"
printf 'axe-core %s\n' "$AXE" >"$STAGE/VERSIONS"
(cd "$STAGE" && sha256sum LICENSE.axe-core VERSIONS axe.min.js >SHA256SUMS)

if [ "${1:-}" = "--check" ]; then
	diff -r "$STAGE" "$OUT" && echo "infra/local/testdata/axe matches axe-core $AXE"
	exit
fi
rm -rf "$OUT"
mkdir -p "$OUT"
cp "$STAGE"/* "$OUT/"
echo "infra/local/testdata/axe: axe-core $AXE"
cat "$OUT/SHA256SUMS"
