#!/usr/bin/env bash
# 30-smoke.sh — test step of make test: the Lambda runtime smoke test
# (scripts/smoke.sh). It first proves that the harness can fail: a throwaway
# function under .cache/ answers six events, three of which must be reported
# as failures (a function error, a 5xx, a response missing an expected
# field). Then every function with sample events runs under the emulator.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

SELF="$ROOT/.cache/smoke-selftest"
rm -rf "$SELF"
mkdir -p "$SELF/functions/echo" "$SELF/events/echo"
cat >"$SELF/functions/echo/main.go" <<'GO'
// Command echo is the smoke test's own throwaway function.
package main

import (
	"context"
	"errors"

	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(ctx context.Context, ev map[string]any) (any, error) {
		if ev["fail"] == true {
			return nil, errors.New("asked to fail")
		}
		if _, ok := ev["requestContext"]; ok {
			code, _ := ev["code"].(float64)
			if code == 0 {
				code = 200
			}
			return map[string]any{"statusCode": int(code), "body": "{}"}, nil
		}
		return map[string]any{"echo": ev}, nil
	})
}
GO
ev="$SELF/events/echo"
echo '{"hello":"world"}' >"$ev/plain.json"
echo '{"echo":{"hello":"world"}}' >"$ev/plain.expect.json"
echo '{"hello":"mars"}' >"$ev/wrong.json"
cp "$ev/plain.expect.json" "$ev/wrong.expect.json"
echo '{"fail":true}' >"$ev/fails.json"
echo '{"fail":true}' >"$ev/fails-expected.json"
echo '{"errorType":"errorString"}' >"$ev/fails-expected.expect.json"
echo '{"routeKey":"GET /x","requestContext":{},"headers":{"authorization":"Bearer {{VIEWER_TOKEN}}"}}' >"$ev/api.json"
echo '{"routeKey":"GET /x","requestContext":{},"code":502}' >"$ev/api-502.json"

rc=0
out="$(SMOKE_FUNCTIONS_DIR=.cache/smoke-selftest/functions SMOKE_EVENTS_DIR=.cache/smoke-selftest/events scripts/smoke.sh echo 2>&1)" || rc=$?
want_fail="api-502.json fails.json wrong.json"
got_fail="$(echo "$out" | sed -n 's#^smoke: FAIL echo/\([^:]*\):.*#\1#p' | sort | tr '\n' ' ' | sed 's/ $//')"
got_ok="$(echo "$out" | grep -c '^smoke: ok   echo/' || true)"
if [ "$rc" = 0 ] || [ "$got_fail" != "$want_fail" ] || [ "$got_ok" != 3 ]; then
	echo "$out"
	echo "30-smoke: the harness self-check went wrong: exit $rc, failures [$got_fail] (want [$want_fail]), $got_ok passes (want 3)" >&2
	exit 1
fi
echo "30-smoke: harness self-check ok (3 expected failures caught, 3 passes)"

scripts/smoke.sh
