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
# fails by name, so `make check` never hangs; an interrupted run stops
# the files it started the same way.  A file that ends with processes
# of its group still running (a daemon it never stopped, because it
# crashed or exited early) has them stopped and fails.
#
# An integration test that mostly waits (a deadline of a minute, say)
# and uses no fixed port may say "test-background: yes" near its top: it
# starts first, runs while the others do, and is counted at the end.

build=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/capsuled-tests.XXXXXX")
log=$work/log
running=
# timeout(1) forwards TERM to the test's process group, then KILLs it.
stop_running() {
	for p in $running; do
		kill -TERM "$p" 2>/dev/null
	done
}
trap 'rm -rf "$work"' EXIT
trap 'stop_running; exit 130' INT TERM
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

# start OUT SOURCE COMMAND...: run COMMAND in the background, output to
# OUT, under its time limit; $tpid is timeout(1)'s pid, which leads the
# test's process group (it puts itself and the test in one of their own,
# so that daemons the test started are signalled too).
start() {
	out=$1
	limit=$(limit_of "$2")
	shift 2
	timeout -k 10 "$limit" "$@" >"$out" 2>&1 &
	tpid=$!
	running="$running $tpid"
}

# group_live PGID: the processes of that group still alive, one a line
# (pid and command).  A zombie is not: its parent is gone, and init
# will reap it.
group_live() {
	ps -e -o pgid=,stat=,pid=,args= | awk -v g="$1" '$1 == g &&
	    $2 !~ /^Z/ { s = $3; for (i = 4; i <= NF; i++) s = s " " $i;
	    print substr(s, 1, 200) }'
}

# finish PID: its exit status, once it has ended.  What is left of its
# process group after a moment (daemons of a file that crashed or exited
# early, which never ran their cleanup) is stopped, TERM then KILL, and
# listed in $work/strays, $strays lines: a file must not leave
# processes behind.
finish() {
	wait "$1"
	rc=$?
	tries=0
	while [ "$tries" -lt 20 ] && [ -n "$(group_live "$1")" ]; do
		sleep 0.1
		tries=$((tries + 1))
	done
	group_live "$1" >"$work/strays"
	strays=$(wc -l <"$work/strays")
	if [ "$strays" -gt 0 ]; then
		pkill -TERM -g "$1"
		tries=0
		while [ "$tries" -lt 50 ] && [ -n "$(group_live "$1")" ]; do
			sleep 0.1
			tries=$((tries + 1))
		done
		pkill -KILL -g "$1"
	fi
	left=
	for p in $running; do
		[ "$p" = "$1" ] || left="$left $p"
	done
	running=$left
	return "$rc"
}

# count NAME OUT RC LIMIT T0: show a file's output and count its checks.
count() {
	name=$1
	cat "$2"
	rc=$3
	p=$(grep -c '^ok ' "$2")
	f=$(grep -c '^not ok ' "$2")
	plans=$(grep -c '^1\.\.[0-9][0-9]*$' "$2")
	plan=$(sed -n 's/^1\.\.\([0-9][0-9]*\)$/\1/p' "$2" | head -1)
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
		echo "not ok - $name did not finish in $4 s (killed)"
		f=$((f + 1))
	elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $name exited with status $rc"
		f=$((f + 1))
	fi
	if [ "$strays" -gt 0 ]; then
		echo "not ok - $name left $strays processes running (stopped" \
		    "now):"
		sed 's/^/#   /' "$work/strays"
		f=$((f + 1))
	fi
	echo "# $name: $p passed, $f failed, $(($(date +%s) - $5)) s"
	passed=$((passed + p))
	failed=$((failed + f))
}

selected() {
	case $1 in *${TESTS:-}*) return 0 ;; esac
	return 1
}

background() {
	head -30 "$1" 2>/dev/null | grep -q 'test-background: yes'
}

# run_one NAME SOURCE COMMAND...: run one test file and count it.
run_one() {
	name=$1
	selected "$name" || return 0
	matched=$((matched + 1))
	echo "# $name"
	t0=$(date +%s)
	src=$2
	shift 2
	start "$log" "$src" "$@"
	finish "$tpid"
	count "$name" "$log" "$?" "$limit" "$t0"
}

# The background files start now; their names and pids wait in $work.
bg=0
for t in "$top"/tests/integration/test_*.py; do
	name=integration/$(basename "$t")
	selected "$name" && background "$t" || continue
	bg=$((bg + 1))
	matched=$((matched + 1))
	start "$work/bg$bg" "$t" env CAPSULED="$top/$build/capsuled" \
	    python3 "$t"
	echo "$name $tpid $limit $(date +%s)" >"$work/bg$bg.job"
	echo "# $name: started in the background"
done

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
	background "$t" && continue
	run_one "integration/$(basename "$t")" "$t" \
	    env CAPSULED="$top/$build/capsuled" python3 "$t"
done

i=0
while [ "$i" -lt "$bg" ]; do
	i=$((i + 1))
	read -r name pid limit t0 <"$work/bg$i.job"
	echo "# $name (in the background)"
	finish "$pid"
	count "$name" "$work/bg$i" "$?" "$limit" "$t0"
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
		printf '%s\n' "$tree_before" >"$work/before"
		printf '%s\n' "$tree_after" >"$work/after"
		diff "$work/before" "$work/after" | sed 's/^/#   /'
		failed=$((failed + 1))
	fi
else
	echo "# tree: not a git checkout, so no git status to compare"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
