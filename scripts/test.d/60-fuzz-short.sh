#!/usr/bin/env bash
# 60-fuzz-short.sh — the fuzzing phase of make test: every Go fuzz target
# of the root module (chat frames, HTTP bodies and query strings, S3 and
# schedule events, the OQL builder, the document parsers, token parsing —
# docs/security.md lists them) fuzzed for a short fixed time each, on top of
# the seed corpora that go test -race already replayed. `make fuzz` runs
# the same targets for longer (scripts/fuzz.sh, FUZZTIME default 60s).
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
FUZZTIME="${FUZZTIME_SHORT:-3s}" exec scripts/fuzz.sh
