#!/bin/sh
# test_valgrind.sh BUILD: every unit test program under valgrind
# (memcheck): it must pass all its checks with no memory error and no
# definite or indirect leak.  Then the daemon itself under valgrind for a
# few requests, a SIGHUP and SIGTERM (valgrind_daemon.py).
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-build}
case $build in /*) ;; *) build=$top/$build ;; esac
out=$(mktemp "${TMPDIR:-/tmp}/capsuled-vg.XXXXXX")
trap 'rm -f "$out" "$out.log"' EXIT INT TERM

# One check per unit test program, and the three of valgrind_daemon.py.
units=0
for t in "$build"/tests/test_*; do
	[ -x "$t" ] && units=$((units + 1))
done
echo "1..$((units + 3))"

if ! command -v valgrind >/dev/null 2>&1; then
	echo "not ok - valgrind is installed (apt-get install valgrind)"
	exit 1
fi

if [ "$units" -eq 0 ]; then
	echo "#   no unit tests in $build/tests (make unit)"
fi
for t in "$build"/tests/test_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	valgrind --error-exitcode=99 --leak-check=full \
	    --errors-for-leak-kinds=definite,indirect \
	    --show-leak-kinds=definite,indirect --log-file="$out.log" \
	    "$t" >"$out" 2>&1
	rc=$?
	p=$(grep -c '^ok ' "$out")
	f=$(grep -c '^not ok ' "$out")
	plan=$(sed -n 's/^1\.\.\([0-9][0-9]*\)$/\1/p' "$out")
	if [ "$rc" -eq 0 ] && [ "$f" -eq 0 ] && [ "$p" -gt 0 ] &&
	    [ "$p" = "$plan" ] &&
	    grep -q 'ERROR SUMMARY: 0 errors' "$out.log"; then
		echo "ok - valgrind: unit/$name: $p checks, no memory error," \
		    "no leak"
	else
		echo "not ok - valgrind: unit/$name: exit $rc, $p passed," \
		    "$f failed, plan ${plan:-missing}"
		grep -v '^==[0-9]*== *$' "$out.log" | tail -30 | sed 's/^/#   /'
	fi
done
# Its checks are part of this file's plan: its own plan line goes.
CAPSULED=$build/capsuled python3 "$top/tests/hardening/valgrind_daemon.py" \
    >"$out" 2>&1
rc=$?
grep -v '^1\.\.[0-9]*$' "$out"
exit "$rc"
