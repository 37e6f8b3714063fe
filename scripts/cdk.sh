#!/usr/bin/env bash
# cdk.sh — the CDK commands of the Makefile:
#
#   scripts/cdk.sh synth            write the cloud assembly to cdk.out/ (no AWS access needed)
#   scripts/cdk.sh diff [args...]   cdk diff against the account of your AWS credentials
#   scripts/cdk.sh deploy [args...] build the functions, then cdk deploy
#   scripts/cdk.sh cli [args...]    any other CDK CLI command, e.g. `cli destroy`
#
# The stage comes from RESYNC_STAGE (dev by default; prod); the stack is
# Resync-<stage>. deploy and diff need RESYNC_HWA_URL and RESYNC_NEO4J_URI
# (see infra/cdk/main.go for every variable). The CDK CLI is installed from
# npm into .cache/cdk-cli on first use; synth runs the Go app directly.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
CDK_CLI_VERSION="${CDK_CLI_VERSION:-2.1148.1}"
CLI_DIR="$ROOT/.cache/cdk-cli"
OUT="$ROOT/cdk.out"
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="${JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION:-20}"
export RESYNC_STAGE="${RESYNC_STAGE:-dev}"
export RESYNC_BIN_DIR="${RESYNC_BIN_DIR:-$ROOT/bin}"
export RESYNC_WEB_DIR="${RESYNC_WEB_DIR:-$ROOT/web}"
STACK="Resync-$RESYNC_STAGE"

# need_binaries builds the functions unless every functions/<fn>/ already
# has its bin/<fn>/bootstrap (always for deploy: stale binaries are how old
# code gets deployed). The app itself reports a function of the route table
# that has no code at all.
need_binaries() {
	local dir missing=0
	for dir in functions/*/; do
		grep -qs '^package main' "$dir"*.go || continue
		[ -f "$RESYNC_BIN_DIR/$(basename "$dir")/bootstrap" ] || missing=1
	done
	if [ "$missing" = 1 ] || [ "${1:-}" = always ]; then
		scripts/build.sh
	fi
}

cli() {
	if [ ! -x "$CLI_DIR/node_modules/.bin/cdk" ]; then
		echo "cdk.sh: installing aws-cdk@$CDK_CLI_VERSION into .cache/cdk-cli" >&2
		mkdir -p "$CLI_DIR"
		npm install --silent --no-audit --no-fund --prefix "$CLI_DIR" "aws-cdk@$CDK_CLI_VERSION" >&2
	fi
	(cd infra/cdk && "$CLI_DIR/node_modules/.bin/cdk" --output "$OUT" "$@")
}

require_targets() {
	local missing=()
	[ -n "${RESYNC_HWA_URL:-}" ] || missing+=(RESYNC_HWA_URL)
	[ -n "${RESYNC_NEO4J_URI:-}" ] || missing+=(RESYNC_NEO4J_URI)
	if [ ${#missing[@]} -gt 0 ]; then
		echo "cdk.sh: set ${missing[*]} (the HWA server and the Neo4j Aura instance the functions use)" >&2
		exit 2
	fi
}

# sam_env writes cdk.out/sam-env.json for `sam local invoke`: the values
# that only resolve in AWS (the cache URL, the secret ARNs, the cache's AUTH
# token secret among them) are replaced by local ones from this shell; SAM's containers reach
# the host as host.docker.internal.
sam_env() {
	python3 - "$OUT/sam-env.json" <<'PY'
import json, os, sys
e = os.environ.get
host = "host.docker.internal"
params = {
    "STAGE": "test",
    "REDIS_URL": e("REDIS_URL", "redis://%s:6379" % host), "REDIS_AUTH_SECRET_ARN": "",
    "HWA_URL": e("HWA_URL", "http://%s:31116" % host),
    "HWA_USER": e("HWA_USER", ""), "HWA_PASSWORD": e("HWA_PASSWORD", ""), "HWA_SECRET_ARN": "",
    "NEO4J_URI": e("NEO4J_URI", ""), "NEO4J_USER": e("NEO4J_USER", ""), "NEO4J_PASSWORD": e("NEO4J_PASSWORD", ""),
    "NEO4J_SECRET_ARN": "",
    "AUTH_ISSUER": e("AUTH_ISSUER", "resync-local"), "AUTH_CLIENT_ID": e("AUTH_CLIENT_ID", "resync-local"),
    "AUTH_HS256_SECRET": e("AUTH_HS256_SECRET", ""),
}
with open(sys.argv[1], "w") as f:
    json.dump({"Parameters": params}, f, indent=2)
PY
}

cmd="${1:-synth}"
shift || true
case "$cmd" in
synth)
	need_binaries
	rm -rf "$OUT"
	t0="$(date +%s%3N)"
	(cd infra/cdk && CDK_OUTDIR="$OUT" go run .)
	echo "cdk.sh: synthesized $STACK into cdk.out/ in $(($(date +%s%3N) - t0)) ms"
	echo "  template: cdk.out/$STACK.template.json"
	sam_env
	echo "  sam local invoke env: cdk.out/sam-env.json (see samconfig.toml)"
	;;
diff)
	require_targets
	need_binaries
	cli diff "$STACK" "$@"
	;;
deploy)
	require_targets
	need_binaries always
	cli deploy "$STACK" --require-approval broadening "$@"
	;;
cli)
	cli "$@"
	;;
*)
	echo "usage: scripts/cdk.sh synth | diff | deploy | cli <args>" >&2
	exit 2
	;;
esac
