#!/bin/sh
# tests/run.sh BUILD: run every test program and script, count "ok" and
# "not ok" lines, and end with "N passed, M failed".  A test program that
# crashes or exits nonzero without reporting a failure counts as one.
# Set TESTS="pattern" to run only the tests whose file name matches.

build=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
log=$(mktemp "${TMPDIR:-/tmp}/capsuled-tests.XXXXXX")
trap 'rm -f "$log"' EXIT INT TERM
passed=0
failed=0

run_one() {
	name=$1
	shift
	case $name in *${TESTS:-}*) ;; *) return ;; esac
	echo "# $name"
	"$@" >"$log" 2>&1
	rc=$?
	cat "$log"
	p=$(grep -c '^ok ' "$log")
	f=$(grep -c '^not ok ' "$log")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $name exited with status $rc"
		f=1
	fi
	if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $name reported no checks"
		f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
}

for t in "$top/$build"/tests/test_*; do
	[ -x "$t" ] || continue
	run_one "unit/$(basename "$t")" "$t"
done

for t in "$top"/tests/*/test_*.sh; do
	[ -f "$t" ] || continue
	run_one "$(basename "$(dirname "$t")")/$(basename "$t")" sh "$t" \
	    "$build"
done

for t in "$top"/tests/integration/test_*.py; do
	[ -f "$t" ] || continue
	run_one "integration/$(basename "$t")" \
	    env CAPSULED="$top/$build/capsuled" python3 "$t"
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
