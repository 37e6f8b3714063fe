#!/usr/bin/env bash
# 45-eval.sh — test step of make test: the evaluation (make eval) with its
# gate on. Every question of the bank (infra/local/eval*_test.go: 600+
# questions over 40+ intents and three simulator seeds) is asked through the
# local stack and graded against the simulator; the step fails below 95 %
# correct, on any wrong answer, or on any auditor false alarm on a correct
# answer. The table and the report (.cache/eval/report.json) are printed by
# scripts/eval.sh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
RESYNC_EVAL_GATE=1 scripts/eval.sh
