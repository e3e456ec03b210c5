#!/bin/sh
# test_asan.sh: the integration suite once more, against the clang
# AddressSanitizer + UndefinedBehaviorSanitizer build of the daemon
# ($ASAN_BUILD/capsuled, made by `make asan`).  Errors are fatal
# (halt_on_error, no recovery) and leaks are looked for at every exit.
# Reports go to standard error: the daemon's log, which chrooted workers
# inherit (they could not open a report file of their own); the harness
# then fails a test whose daemon logs hold one (CAPSULED_SANITIZED), and
# this script one whose own output does.  A test passes only if all of
# its checks pass and nothing was reported.
#
# Left out: the init-script tests (built on rcdlib.py), which check how a
# service manager installs and runs the binary and compare its system
# calls with an allow-list, and test_sandbox.py, which checks the seccomp
# filter that a sanitizer build goes without (its run-time makes system
# calls of its own, as valgrind's does).
top=$(cd "$(dirname "$0")/../.." && pwd)
ab=${ASAN_BUILD:-build-asan}
case $ab in /*) ;; *) ab=$top/$ab ;; esac
work=$(mktemp -d "${TMPDIR:-/tmp}/capsuled-asan.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

if [ ! -x "$ab/capsuled" ]; then
	echo "not ok - asan: $ab/capsuled not built (make asan; needs clang" \
	    "and libclang-rt)"
	exit 1
fi

for t in "$top"/tests/integration/test_*.py; do
	name=$(basename "$t")
	case $name in *${ASAN_TESTS:-}*) ;; *) continue ;; esac
	grep -q '^from rcdlib import\|^import rcdlib' "$t" && continue
	case $name in test_sandbox.py) continue ;; esac
	ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:abort_on_error=0:exitcode=66" \
	UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:exitcode=66" \
	CAPSULED_SANITIZED=1 CAPSULED="$ab/capsuled" \
	    python3 "$t" >"$work/out" 2>&1
	rc=$?
	p=$(grep -c '^ok ' "$work/out")
	f=$(grep -c '^not ok ' "$work/out")
	reports=$(grep -c -e '==ERROR: ' -e ': runtime error: ' "$work/out")
	if [ "$rc" -eq 0 ] && [ "$f" -eq 0 ] && [ "$p" -gt 0 ] &&
	    [ "$reports" -eq 0 ]; then
		echo "ok - asan: $name: $p checks pass under ASan+UBSan, no" \
		    "sanitizer report"
		continue
	fi
	echo "not ok - asan: $name: exit $rc, $p passed, $f failed," \
	    "$reports sanitizer reports in its output"
	awk '/^not ok / { show = 1; print; next } /^#/ && show { print;
	    next } { show = 0 }' "$work/out" | head -40 | sed 's/^/#   /'
	grep -A30 -e '==ERROR: ' -e ': runtime error: ' "$work/out" |
	    head -40 | sed 's/^/#     /'
done
