#!/usr/bin/env bash
# fuzz.sh — runs every Go fuzz target of the root module, one after another,
# for FUZZTIME each (default 60s; `make fuzz`). scripts/test.d/60-fuzz-short.sh
# runs it with FUZZTIME=3s as a phase of make test.
#
#   scripts/fuzz.sh                    every target
#   scripts/fuzz.sh ./shared/app/docs  only the targets of these packages
#
# Targets are found by their declaration (func FuzzXxx(f *testing.F) in a
# _test.go file), so a new target is fuzzed without being listed here; each
# runs as go test -run '^$' -fuzz '^FuzzXxx$' in its package, which also
# replays its seed corpus and testdata/fuzz/FuzzXxx/. A failing input is
# written by go test to the package's testdata/fuzz/FuzzXxx/ — commit it
# with the fix, and it is replayed by every go test from then on.
#
# Tunables (environment): FUZZTIME (a go test -fuzztime, default 60s),
# FUZZ_PARALLEL (fuzzing workers per target, default 2: the machines are
# shared). It prints one line per target and "N passed, N failed" at the end,
# and exits non-zero if any target failed.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
FUZZTIME="${FUZZTIME:-60s}"
FUZZ_PARALLEL="${FUZZ_PARALLEL:-2}"
LOG="$ROOT/.cache/fuzz"
mkdir -p "$LOG"

now_ms() { date +%s%3N; }

# targets prints "package-dir target" for every fuzz target of the root
# module (infra/cdk is its own module and has none).
targets() {
	find . \( -path ./.cache -o -path ./.tools -o -path ./bin -o -path ./infra/cdk -o -name node_modules -o -name testdata \) -prune \
		-o -name '*_test.go' -type f -print |
		xargs grep -H -o -E '^func Fuzz[A-Za-z0-9_]*\(f \*testing\.F\)' |
		sed -E 's|^\./(.*)/[^/]+_test\.go:func (Fuzz[A-Za-z0-9_]*)\(.*$|./\1 \2|' |
		sort -u
}

want=("$@")
selected() {
	[ ${#want[@]} -eq 0 ] && return 0
	local w
	for w in "${want[@]}"; do
		[ "./${w#./}" = "$1" ] && return 0
	done
	return 1
}

passed=0
failed=0
failures=()
t_all="$(now_ms)"
while read -r pkg name; do
	selected "$pkg" || continue
	out="$LOG/$(echo "$pkg" | tr '/.' '__')-$name.log"
	t0="$(now_ms)"
	run() { go test -run '^$' -fuzz "^${name}\$" -fuzztime "$FUZZTIME" -parallel "$FUZZ_PARALLEL" "$pkg" >"$out" 2>&1; }
	ok=0
	run && ok=1
	# go test's fuzzer can report "context deadline exceeded" when -fuzztime
	# ends while a worker is inside a slow input, with no failing input
	# written: a harness timeout, not a finding. Such a run is tried once more;
	# a real failure names its input and fails at once.
	if [ "$ok" -eq 0 ] && grep -q 'context deadline exceeded' "$out" && ! grep -q 'Failing input' "$out"; then
		run && ok=1
	fi
	if [ "$ok" -eq 1 ]; then
		passed=$((passed + 1))
		printf '  ok    %-28s %-20s %6d ms  %s\n' "$pkg" "$name" $(($(now_ms) - t0)) "$(grep -Eo 'execs: [0-9]+' "$out" | tail -1)"
	else
		failed=$((failed + 1))
		failures+=("$pkg $name")
		printf '  FAIL  %-28s %-20s %6d ms  (log: %s)\n' "$pkg" "$name" $(($(now_ms) - t0)) "${out#"$ROOT"/}"
		grep -E -- '--- FAIL|Failing input|testdata/fuzz|panic|_test\.go:[0-9]+' "$out" | head -20 | sed 's/^/        /'
	fi
done < <(targets)

if [ $((passed + failed)) -eq 0 ]; then
	echo "fuzz.sh: no fuzz target found${want[*]:+ in ${want[*]}}" >&2
	exit 1
fi
echo "fuzz: $passed passed, $failed failed ($FUZZTIME each, $(($(now_ms) - t_all)) ms)"
if [ "$failed" -ne 0 ]; then
	printf 'fuzz.sh: failing targets (inputs under testdata/fuzz/ of each package):\n'
	printf '  %s\n' "${failures[@]}"
	exit 1
fi
