#!/bin/sh
# test_fuzz.sh: run every libFuzzer harness of tests/fuzz for FUZZ_TIME
# seconds (default 60) from its committed seed corpus, FUZZ_JOBS at a
# time (default 2), and report for each: executions and seconds, or the
# crash (sanitizer report or broken property) and the input that caused
# it, kept as $FUZZ_BUILD/<harness>-crash-*.  The seeds include every
# input that once crashed a harness, so each run is a regression test.
# The harnesses are built by `make fuzz-build` (clang, libFuzzer).
# test-timeout: 600 (three rounds of FUZZ_TIME=60; more needs TEST_TIMEOUT)
top=$(cd "$(dirname "$0")/../.." && pwd)
fb=${FUZZ_BUILD:-build-fuzz}
case $fb in /*) ;; *) fb=$top/$fb ;; esac
time=${FUZZ_TIME:-60}
jobs=${FUZZ_JOBS:-2}
work=$(mktemp -d "${TMPDIR:-/tmp}/capsuled-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

fuzz_one() {
	name=$1
	out=$work/$name
	mkdir -p "$out/corpus"
	if [ ! -x "$fb/fuzz_$name" ]; then
		echo "not ok - fuzz $name: harness not built (make fuzz-build;" \
		    "needs clang and libclang-rt)" >"$out/result"
		return
	fi
	"$fb/fuzz_$name" -max_total_time="$time" -timeout=10 \
	    -rss_limit_mb=2048 -print_final_stats=1 \
	    -artifact_prefix="$out/" "$out/corpus" \
	    "$top/tests/fuzz/corpus/$name" >"$out/log" 2>&1
	rc=$?
	execs=$(awk '/stat::number_of_executed_units/ { print $2 }' \
	    "$out/log")
	secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' \
	    "$out/log")
	seeds=$(find "$top/tests/fuzz/corpus/$name" -type f | wc -l)
	found=$(find "$out/corpus" -type f | wc -l)
	crashes=$(find "$out" -maxdepth 1 \( -name 'crash-*' -o \
	    -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) |
	    wc -l)
	if [ "$rc" -eq 0 ] && [ "$crashes" -eq 0 ] && [ -n "$execs" ] &&
	    [ "${secs:-0}" -ge "$time" ]; then
		echo "ok - fuzz $name: $execs executions in $secs s, no" \
		    "crash, every property held ($seeds seeds, $found new" \
		    "inputs)" >"$out/result"
		return
	fi
	{
		echo "not ok - fuzz $name: exit $rc after ${execs:-?}" \
		    "executions in ${secs:-?} s"
		grep -E 'property broken|fuzz: in line|ERROR|SUMMARY|#[0-9]+ 0x' \
		    "$out/log" | head -30 | sed 's/^/#   /'
		for a in "$out"/crash-* "$out"/leak-* "$out"/timeout-* \
		    "$out"/oom-*; do
			[ -f "$a" ] || continue
			kept=$fb/$name-$(basename "$a")
			cp "$a" "$kept"
			echo "#   input kept as $kept"
			od -c "$a" | head -8 | sed 's/^/#   /'
		done
	} >"$out/result"
}

names=$(cd "$top/tests/fuzz" && ls fuzz_*.c | sed 's/^fuzz_//; s/\.c$//')
echo "1..$(echo "$names" | wc -w)"
running=0
for name in $names; do
	fuzz_one "$name" &
	running=$((running + 1))
	if [ "$running" -ge "$jobs" ]; then
		wait
		running=0
	fi
done
wait
for name in $names; do
	cat "$work/$name/result"
done
