#!/usr/bin/env bash
# eval.sh — what `make eval` runs: the question bank of infra/local
# (evalbank_test.go, 450+ questions over 30+ intents, three simulator seeds)
# asked through the local stack with the real chat binary, each answer graded
# against ground truth read from the simulator (eval_test.go). Prints the
# table per intent and writes .cache/eval/report.json.
#
#   scripts/eval.sh                 report only
#   RESYNC_EVAL_GATE=1 scripts/eval.sh   fail below 95 % correct or on any wrong answer
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out="$(RESYNC_EVAL=1 go test -count=1 -run '^TestEval$' -v -timeout 20m ./infra/local/ 2>&1)"
rc=$?
echo "$out" | grep -E '^\s+(\||WRONG|AUDIT|report:)|^--- |^ok|^FAIL' | sed 's/^        //'
exit "$rc"
