#!/usr/bin/env bash
# 40-prod-e2e.sh — the production-parity phase of make test: the local stack
# in LOCAL_PROD mode (infra/local/prod.go: every function with the prod
# template's variables, STAGE=prod, Secrets Manager stand-in, Redis with TLS
# and AUTH, RS256 tokens, Bedrock's wire protocol) and one operator's and one
# viewer's scenario through it (infra/local/prod_e2e_test.go). A function
# that cannot start fails the phase with its stderr in the banner.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
out="$(RESYNC_PROD_E2E=1 go test -count=1 -run '^TestProductionParity$' -v ./infra/local/ 2>&1)"
rc=$?
if [ "$rc" -ne 0 ]; then
	echo "$out" | tail -120
	exit "$rc"
fi
echo "$out" | grep -E '^\s+(resync local stack|functions|stage|template vars|NOT HONOURED|FAILED)|^--- |^ok'
if ! echo "$out" | grep -q -- '--- PASS: TestProductionParity '; then
	echo "40-prod-e2e: TestProductionParity did not pass (skipped?)"
	exit 1
fi
