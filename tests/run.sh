#!/bin/sh
# tests/run.sh BUILD: run every test program and script and end with
# "N passed, M failed".  TESTS="pattern" runs only the files whose name
# (unit/test_uri, integration/test_slow.py, ...) contains it; a pattern
# that matches no file is an error, not "0 passed".
#
# What a test file must do (harness.py plan(), unit.h UNIT_PLAN() and the
# shell tests' "echo 1..N" do it for you):
#   - print its plan, a line "1..N", before its first check, N being the
#     number of checks it is going to report;
#   - print one "ok - name" or "not ok - name" line per check;
#   - exit 0 only if every check passed.
# The runner trusts none of it: a file without a plan fails; one that
# stops early (crash, exit, timeout) has each planned check it did not
# report counted as failed, so the totals do not shrink when a file
# dies halfway; one that reports more checks than planned fails, and so
# does one that exits nonzero with every check passed.
#
# Each file gets 300 seconds, or what a line "test-timeout: SECONDS" near
# its top asks for, or TEST_TIMEOUT seconds when that is set.  Then it is
# killed with its whole process group (SIGTERM, SIGKILL 10 s later) and
# fails by name, so `make check` never hangs.

build=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
log=$(mktemp "${TMPDIR:-/tmp}/capsuled-tests.XXXXXX")
trap 'rm -f "$log"' EXIT INT TERM
passed=0
failed=0
matched=0

# What git says about the tree, with the content of every file it
# names: the tests must leave it as they found it.
tree_state() {
	git -C "$top" status --porcelain=v1 --untracked-files=all |
	    while IFS= read -r line; do
		printf '%s %s\n' "$line" \
		    "$(git -C "$top" hash-object -- "${line#???}" 2>/dev/null)"
	done
}
in_git=
if git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	in_git=1
	tree_before=$(tree_state)
fi

# The per-file limit: TEST_TIMEOUT, else a "test-timeout: N" line in the
# first 30 lines of the file (a script, or a unit test's C source), else
# the default.
limit_of() {
	n=$(head -30 "$1" 2>/dev/null |
	    sed -n 's/.*test-timeout: *\([0-9][0-9]*\).*/\1/p' | head -1)
	echo "${TEST_TIMEOUT:-${n:-300}}"
}

# run_one NAME SOURCE COMMAND...: run one test file and count it.
run_one() {
	name=$1
	src=$2
	shift 2
	case $name in *${TESTS:-}*) ;; *) return ;; esac
	matched=$((matched + 1))
	limit=$(limit_of "$src")
	echo "# $name"
	t0=$(date +%s)
	# timeout(1) puts itself and the test in a process group of their
	# own and signals all of it, daemons the test started included.
	timeout -k 10 "$limit" "$@" >"$log" 2>&1
	rc=$?
	cat "$log"
	p=$(grep -c '^ok ' "$log")
	f=$(grep -c '^not ok ' "$log")
	plans=$(grep -c '^1\.\.[0-9][0-9]*$' "$log")
	plan=$(sed -n 's/^1\.\.\([0-9][0-9]*\)$/\1/p' "$log" | head -1)
	ran=$((p + f))
	if [ "$plans" -ne 1 ]; then
		echo "not ok - $name printed $plans plan lines (want one" \
		    "\"1..N\" before its first check)"
		f=$((f + 1))
	elif [ "$ran" -lt "$plan" ]; then
		echo "not ok - $name reported $ran of its $plan planned" \
		    "checks: $((plan - ran)) counted as failed"
		f=$((f + plan - ran))
	elif [ "$ran" -gt "$plan" ]; then
		echo "not ok - $name reported $ran checks, $plan planned"
		f=$((f + 1))
	fi
	# A status that neither a failed check nor the plan explains.
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		echo "not ok - $name did not finish in $limit s (killed)"
		f=$((f + 1))
	elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $name exited with status $rc"
		f=$((f + 1))
	fi
	echo "# $name: $p passed, $f failed, $(($(date +%s) - t0)) s"
	passed=$((passed + p))
	failed=$((failed + f))
}

for t in "$top/$build"/tests/test_*; do
	[ -x "$t" ] || continue
	run_one "unit/$(basename "$t")" "$top/tests/unit/$(basename "$t").c" \
	    "$t"
done

for t in "$top"/tests/*/test_*.sh; do
	[ -f "$t" ] || continue
	run_one "$(basename "$(dirname "$t")")/$(basename "$t")" "$t" sh "$t" \
	    "$build"
done

for t in "$top"/tests/integration/test_*.py; do
	[ -f "$t" ] || continue
	run_one "integration/$(basename "$t")" "$t" \
	    env CAPSULED="$top/$build/capsuled" python3 "$t"
done

if [ "$matched" -eq 0 ]; then
	echo "not ok - TESTS=\"${TESTS:-}\" names no test file"
	failed=$((failed + 1))
fi

# Last, after every file: git must see the tree as it was before.
if [ -n "$in_git" ]; then
	echo "# tree"
	tree_after=$(tree_state)
	if [ "$tree_after" = "$tree_before" ]; then
		if [ -z "$tree_before" ]; then
			echo "ok - tree: git status --porcelain is empty after" \
			    "the tests"
		else
			echo "ok - tree: the tests changed nothing git sees (it" \
			    "showed uncommitted changes before they ran)"
		fi
		passed=$((passed + 1))
	else
		echo "not ok - tree: the tests left files behind or changed them"
		printf '%s\n' "$tree_before" >"$log.before"
		printf '%s\n' "$tree_after" >"$log.after"
		diff "$log.before" "$log.after" | sed 's/^/#   /'
		rm -f "$log.before" "$log.after"
		failed=$((failed + 1))
	fi
else
	echo "# tree: not a git checkout, so no git status to compare"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
