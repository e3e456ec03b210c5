#!/bin/sh
# test_lint.sh: the static checks the project promises: cppcheck finds
# nothing in src/, every manual page is clean under mandoc -Tlint, and
# every shell script passes sh -n (and shellcheck, where installed).
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1

report() {
	if [ "$1" -eq 0 ]; then echo "ok - $2"; else echo "not ok - $2"; fi
}

need() {
	if command -v "$1" >/dev/null 2>&1; then
		return 0
	fi
	echo "not ok - $1 is installed (apt-get install $2)"
	return 1
}

if need cppcheck cppcheck; then
	queue=$(echo '#include <sys/queue.h>' | cpp -H -o /dev/null 2>&1 |
	    awk '/queue.h/ { print $2; exit }')
	out=$(cppcheck --quiet --enable=warning,portability,performance \
	    --std=c11 -D__linux__ --include="$queue" -Isrc \
	    src/*.c src/compat/*.c 2>&1)
	[ -z "$out" ]
	report $? "cppcheck: no warnings in src/"
	[ -z "$out" ] || echo "$out" | sed 's/^/#   /'
fi

if need mandoc mandoc; then
	for m in src/*.[1-9]; do
		# The pages refer to each other, which mandoc cannot find
		# before they are installed.
		out=$(mandoc -Tlint "$m" 2>&1 |
		    grep -v 'referenced manual not found: Xr capsuled')
		[ -z "$out" ]
		report $? "mandoc -Tlint $m"
		[ -z "$out" ] || echo "$out" | sed 's/^/#   /'
	done
fi

for s in .ci/run tests/run.sh tests/*/*.sh; do
	[ -f "$s" ] || continue
	sh -n "$s" 2>/dev/null || bash -n "$s" 2>/dev/null
	report $? "sh -n $s"
	if command -v shellcheck >/dev/null 2>&1; then
		out=$(shellcheck -S warning "$s" 2>&1)
		[ -z "$out" ]
		report $? "shellcheck $s"
		[ -z "$out" ] || echo "$out" | sed 's/^/#   /'
	fi
done
