#!/usr/bin/env bash
# 50-web-e2e.sh — the browser client (web/) end to end in headless Chromium
# (infra/local/web_e2e_test.go, build tag webe2e): installs Debian's chromium
# when it is missing (the test never downloads a browser), then runs the
# test against a local stack it starts. Screenshots go to
# test-output/screenshots/; the page weight is printed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

if ! command -v chromium >/dev/null 2>&1; then
	echo "50-web-e2e: installing Debian's chromium"
	SUDO=""
	[ "$(id -u)" -eq 0 ] || SUDO="sudo"
	$SUDO apt-get install -y chromium >/dev/null 2>&1 || {
		$SUDO apt-get update >/dev/null && $SUDO apt-get install -y chromium >/dev/null
	}
fi
chromium --version

# The vendored libraries are what scripts/vendor-web.sh records.
(cd web/vendor && sha256sum --quiet -c SHA256SUMS)
# So is the test's axe-core (scripts/vendor-axe.sh).
(cd infra/local/testdata/axe && sha256sum --quiet -c SHA256SUMS)

mkdir -p test-output/screenshots
export WEB_E2E_OUT="$ROOT/test-output/screenshots"
LOG="$ROOT/test-output/web-e2e.log"
rc=0
go test -tags webe2e -count=1 -timeout 420s -run 'TestWebClient' -v ./infra/local/ >"$LOG" 2>&1 || rc=$?
# The test's own lines; the stack's process output stays in the log.
grep -E '^(=== RUN|--- |PASS|FAIL|ok|web e2e:)|web_e2e_test.go|^#|\.go:[0-9]+:[0-9]+:' "$LOG" | grep -v '^        \[' || true
if [ "$rc" -ne 0 ]; then
	echo "50-web-e2e: FAILED (exit $rc); the full output is in $LOG"
fi
exit "$rc"
