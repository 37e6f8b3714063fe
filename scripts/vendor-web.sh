#!/usr/bin/env bash
# vendor-web.sh — the reproducible step that puts the browser client's
# third-party libraries (DOMPurify, marked, dagre) into web/vendor/: exact
# versions are fetched with
# `npm pack` into a temporary directory (no node_modules in the tree), their
# browser builds and licences are copied, and web/vendor/SHA256SUMS records
# each file's checksum. Run it to change a version; `--check` re-fetches and
# fails if the committed files differ.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/web/vendor"
DOMPURIFY=3.4.18
MARKED=18.2.1
DAGRE=3.1.3

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
cd "$TMP"
npm pack --silent "dompurify@$DOMPURIFY" "marked@$MARKED" "@dagrejs/dagre@$DAGRE" >/dev/null
mkdir dompurify marked dagre
tar -xzf "dompurify-$DOMPURIFY.tgz" -C dompurify --strip-components=1
tar -xzf "marked-$MARKED.tgz" -C marked --strip-components=1
tar -xzf "dagrejs-dagre-$DAGRE.tgz" -C dagre --strip-components=1

STAGE="$TMP/out"
mkdir -p "$STAGE"
# DOMPurify's minified build is UMD: a classic script that sets
# window.DOMPurify (a third of the size of its unminified ES module).
cp dompurify/dist/purify.min.js "$STAGE/purify.min.js"
cp dompurify/LICENSE "$STAGE/LICENSE.dompurify"
cp marked/lib/marked.esm.js "$STAGE/marked.esm.js"
cp marked/LICENSE "$STAGE/LICENSE.marked"
# dagre's ES module bundles its one dependency (graphlib, same authors and
# licence); the graph pages import it on demand, never on first load.
cp dagre/dist/dagre.esm.js "$STAGE/dagre.esm.js"
cp dagre/LICENSE "$STAGE/LICENSE.dagre"
# The source-map comments name files that are not vendored; drop them so
# the browser does not request them.
sed -i 's#//\# sourceMappingURL=[^ ]*$##' "$STAGE/purify.min.js" "$STAGE/marked.esm.js" "$STAGE/dagre.esm.js"
printf '@dagrejs/dagre %s\ndompurify %s\nmarked %s\n' "$DAGRE" "$DOMPURIFY" "$MARKED" >"$STAGE/VERSIONS"
(cd "$STAGE" && sha256sum LICENSE.dagre LICENSE.dompurify LICENSE.marked VERSIONS dagre.esm.js marked.esm.js purify.min.js >SHA256SUMS)

if [ "${1:-}" = "--check" ]; then
	diff -r "$STAGE" "$OUT" && echo "web/vendor matches dompurify $DOMPURIFY, marked $MARKED and @dagrejs/dagre $DAGRE"
	exit
fi
rm -rf "$OUT"
mkdir -p "$OUT"
cp "$STAGE"/* "$OUT/"
echo "web/vendor: dompurify $DOMPURIFY, marked $MARKED, @dagrejs/dagre $DAGRE"
cat "$OUT/SHA256SUMS"
