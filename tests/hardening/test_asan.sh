#!/bin/sh
# test_asan.sh: the integration suite once more, against the clang
# AddressSanitizer + UndefinedBehaviorSanitizer build of the daemon
# ($ASAN_BUILD/capsuled, made by `make asan`).  Errors are fatal
# (halt_on_error, no recovery) and leaks are looked for at every exit.
# test-timeout: 900
#
# Reports are written to files (log_path) in a directory of each test's
# own that every user may write to: the sanitizer build has no chroot,
# so workers running as nobody, and a daemon that detached with its
# standard error on /dev/null, can still leave theirs there.  The harness
# (CAPSULED_SANITIZED) also fails a test whose daemon logs hold a report
# or one of whose daemons exited with the sanitizers' status 66.  A test
# passes only if it ran all its planned checks, all passed, its daemons
# exited cleanly and no report was left, here or in its output.  Each
# test gets the time tests/run.sh would give it.
#
# Left out: the init-script tests (built on rcdlib.py), which check how a
# service manager installs and runs the binary and compare its system
# calls with an allow-list, and test_sandbox.py and test_confine.py,
# which check the seccomp filters, Landlock and the chroot that a
# sanitizer build goes without (its run-time makes system calls and
# reads /proc of its own, as valgrind's does), and files that say
# "asan: left out" near their top (they build and run a binary of their
# own, not $CAPSULED).  Each is named as left out, and its count is not
# part of the plan.
top=$(cd "$(dirname "$0")/../.." && pwd)
ab=${ASAN_BUILD:-build-asan}
case $ab in /*) ;; *) ab=$top/$ab ;; esac
work=$(mktemp -d "${TMPDIR:-/tmp}/capsuled-asan.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
chmod 755 "$work"

# Which files run, which are left out (and why).
run=
left=
for t in "$top"/tests/integration/test_*.py; do
	name=$(basename "$t")
	case $name in *${ASAN_TESTS:-}*) ;; *) continue ;; esac
	if grep -q '^from rcdlib import\|^import rcdlib' "$t" ||
	    head -30 "$t" | grep -q 'asan: left out' ||
	    [ "$name" = test_sandbox.py ] || [ "$name" = test_confine.py ]; then
		left="$left $name"
	else
		run="$run $name"
	fi
done
set -- $run
echo "1..$#"
echo "# left out (no sanitizer run-time under a seccomp filter, an init" \
    "system's view of the binary, or a binary of their own):$left"

if [ ! -x "$ab/capsuled" ]; then
	for name in $run; do
		echo "not ok - asan: $name: $ab/capsuled not built (make asan;" \
		    "needs clang and libclang-rt)"
	done
	exit 1
fi

# One file under the sanitizers; what it says goes to its own file, so
# that two can run at once (each daemon binds port 0) and be told in order.
asan_one() {
	name=$1
	out=$work/out.$name
	reports=$work/reports.$name
	mkdir "$reports"
	chmod 1777 "$reports"
	limit=$(head -30 "$top/tests/integration/$name" |
	    sed -n 's/.*test-timeout: *\([0-9][0-9]*\).*/\1/p' | head -1)
	ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:abort_on_error=0:exitcode=66:log_path=$reports/asan" \
	UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:exitcode=66:log_path=$reports/ubsan" \
	CAPSULED_SANITIZED=1 CAPSULED="$ab/capsuled" \
	    timeout -k 10 "${limit:-${TEST_TIMEOUT:-300}}" \
	    python3 "$top/tests/integration/$name" >"$out" 2>&1
	rc=$?
	p=$(grep -c '^ok ' "$out")
	f=$(grep -c '^not ok ' "$out")
	plan=$(sed -n 's/^1\.\.\([0-9][0-9]*\)$/\1/p' "$out" | head -1)
	inline=$(grep -c -e '==ERROR: ' -e ': runtime error: ' "$out")
	files=$(find "$reports" -type f | wc -l)
	if [ "$rc" -eq 0 ] && [ "$f" -eq 0 ] && [ "$p" -gt 0 ] &&
	    [ "$p" = "$plan" ] && [ "$inline" -eq 0 ] && [ "$files" -eq 0 ]
	then
		echo "ok - asan: $name: all $p planned checks pass under" \
		    "ASan+UBSan, no sanitizer report"
		return
	fi
	echo "not ok - asan: $name: exit $rc, $p passed, $f failed of" \
	    "${plan:-no} plan, $inline reports in its output, $files" \
	    "report files"
	awk '/^not ok / { show = 1; print; next } /^#/ && show { print;
	    next } { show = 0 }' "$out" | head -40 | sed 's/^/#   /'
	grep -A30 -e '==ERROR: ' -e ': runtime error: ' "$out" |
	    head -40 | sed 's/^/#     /'
	find "$reports" -type f | head -3 | while read -r r; do
		echo "#   $r:"
		head -40 "$r" | sed 's/^/#     /'
	done
}

# ASAN_JOBS files at a time (default 2: the sanitized suite is most of
# make check's time, and the files wait on their daemons more than they
# compute).
jobs=0
for name in $run; do
	asan_one "$name" >"$work/result.$name" &
	jobs=$((jobs + 1))
	if [ "$jobs" -ge "${ASAN_JOBS:-2}" ]; then
		wait
		jobs=0
	fi
done
wait
for name in $run; do
	cat "$work/result.$name"
done
