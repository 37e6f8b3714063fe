#!/usr/bin/env bash
# 20-cdk.sh — test step of make test for the CDK app (infra/cdk, its own
# module): go vet, the assertion tests (every stage of the stage table is
# synthesized once), then cfn-lint on the synthesized templates where
# cfn-lint can be installed (into a venv under .cache/).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="${JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION:-20}"
CFN_LINT_VERSION="${CFN_LINT_VERSION:-1.58.0}"
OUT="$ROOT/.cache/cdk-test.out"
rm -rf "$OUT"

# infra/cdk replaces github.com/resync/resync with ../.. ; when the root
# module raises a version that both modules use (golang.org/x/sys, say),
# infra/cdk/go.mod needs a tidy. Say so loudly, but let the tests run.
if ! (cd infra/cdk && go list -m all >/dev/null 2>"$ROOT/.cache/cdk-gomod.err"); then
	if grep -qE "updates to go.mod needed|missing go.sum entry" "$ROOT/.cache/cdk-gomod.err"; then
		echo "20-cdk: WARNING: infra/cdk/go.mod is behind the root module; run: (cd infra/cdk && go mod tidy)" >&2
		export GOFLAGS="${GOFLAGS:-} -mod=mod"
	else
		cat "$ROOT/.cache/cdk-gomod.err" >&2
		exit 1
	fi
fi

t0="$(date +%s%3N)"
(cd infra/cdk && go vet ./...)
(cd infra/cdk && RESYNC_CDK_TEST_OUT="$OUT" go test -count=1 -v ./... 2>&1) | tee "$ROOT/.cache/cdk-test.log" |
	grep -E '^(--- FAIL|FAIL|ok|PASS|panic|synthesized)|^\s+\S+_test\.go:[0-9]+:' || true
passed="$(grep -c -- '^--- PASS' "$ROOT/.cache/cdk-test.log" || true)"
subpassed="$(grep -c -- '^    --- PASS' "$ROOT/.cache/cdk-test.log" || true)"
failed="$(grep -c -- '--- FAIL' "$ROOT/.cache/cdk-test.log" || true)"
echo "cdk tests: $passed tests passed ($subpassed subtests), $failed failed, $(($(date +%s%3N) - t0)) ms"
if [ "$failed" != 0 ] || grep -qE '^(FAIL|panic)' "$ROOT/.cache/cdk-test.log"; then
	exit 1
fi

# cfn-lint: a pinned version in a venv; the one on PATH if pip cannot install.
VENV="$ROOT/.cache/venv-cfn-lint"
lint=""
if [ -x "$VENV/bin/cfn-lint" ]; then
	lint="$VENV/bin/cfn-lint"
elif python3 -m venv "$VENV" >/dev/null 2>&1 && "$VENV/bin/pip" install -q --disable-pip-version-check "cfn-lint==$CFN_LINT_VERSION" >/dev/null 2>&1; then
	lint="$VENV/bin/cfn-lint"
elif command -v cfn-lint >/dev/null 2>&1; then
	lint="$(command -v cfn-lint)"
fi
if [ -z "$lint" ]; then
	echo "cfn-lint: cannot be installed here (no pip access); template lint skipped"
	exit 0
fi
shopt -s nullglob
templates=("$OUT"/*.template.json)
if [ ${#templates[@]} -eq 0 ]; then
	echo "cfn-lint: no templates in $OUT" >&2
	exit 1
fi
# W3005 (a DependsOn that a GetAtt already implies) is how CDK writes
# Lambda roles; it is not ours to change.
rc=0
"$lint" --ignore-checks W3005 -- "${templates[@]}" || rc=$?
# cfn-lint's exit code is a bit mask: 1 fatal, 2 error, 4 warning, 8 info.
if [ $((rc & 3)) -ne 0 ]; then
	echo "cfn-lint ($("$lint" --version)): errors in ${templates[*]##*/}" >&2
	exit 1
fi
echo "cfn-lint ($("$lint" --version)): no errors in ${templates[*]##*/} (exit mask $rc)"
