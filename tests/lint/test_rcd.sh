#!/bin/sh
# test_rcd.sh: static checks of every file in rc.d/, each in the terms of
# the shell that will run it.  Syntax with that shell's -n (mksh, a pdksh
# like OpenBSD's ksh, for the OpenBSD script; the POSIX sh for the rest),
# and shellcheck -S warning with the matching -s.  The systemd unit is
# checked by tests/integration/test_systemd.py, which needs the build.
#
# Warnings excluded, and why:
#   SC2034 (variable appears unused) in the OpenBSD, FreeBSD and OpenRC
#     scripts: they set variables that the framework they are sourced by
#     reads (daemon, daemon_flags, rcvar, command, pidfile, extra_commands,
#     command_args, ...).  shellcheck cannot see rc.subr or openrc-run.
#   SC2154 (referenced but not assigned) in the OpenBSD script: pexp,
#     daemon_rtable and _rc_actions are set by rc.subr before rc_cmd runs
#     the script's functions.
# Nothing is excluded for the Debian script or the settings files.
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1

report() {
	if [ "$1" -eq 0 ]; then echo "ok - $2"; else echo "not ok - $2"; fi
}

# lint FILE SHELL SYNTAX-COMMAND [SHELLCHECK-EXCLUSIONS]: two checks; a
# tool that is not installed fails its check.
lint() {
	if command -v "$3" >/dev/null 2>&1; then
		out=$($3 -n "$1" 2>&1)
		report $? "$3 -n $1"
		[ -z "$out" ] || echo "$out" | sed 's/^/#   /'
	else
		echo "not ok - $3 -n $1 ($3 is not installed: apt-get install $3)"
	fi
	if command -v shellcheck >/dev/null 2>&1; then
		out=$(shellcheck -S warning -s "$2" ${4:+-e "$4"} "$1" 2>&1)
		[ -z "$out" ]
		report $? "shellcheck -s $2${4:+ -e $4} $1"
		[ -z "$out" ] || echo "$out" | sed 's/^/#   /'
	else
		echo "not ok - shellcheck $1 (shellcheck is not installed:" \
		    "apt-get install shellcheck)"
	fi
}

# Two checks per shell file, then the count, the LSB header and four
# executable bits.
files=$(find rc.d -type f | sort)
shells=$(echo "$files" | grep -v -e '\.service$' -e '/README$' \
    -e '\.example$' | wc -l)
echo "1..$((2 * shells + 6))"

found=0
for f in $files; do
	found=$((found + 1))
	case $f in
	rc.d/openbsd/*)
		lint "$f" ksh mksh SC2034,SC2154 ;;
	rc.d/freebsd/*|rc.d/openrc/capsuled)
		lint "$f" sh sh SC2034 ;;
	rc.d/sysv/*|rc.d/openrc/*.confd)
		lint "$f" sh sh ;;
	rc.d/systemd/*.service|rc.d/README|rc.d/*.example)
		found=$((found - 1)) ;;
	*)
		echo "not ok - $f: no check knows this file (add one here)" ;;
	esac
done
[ "$found" -ge 6 ]
report $? "rc.d: the six shell files are all there ($found checked)"

# The LSB header that insserv and systemd's sysv generator read.
f=rc.d/sysv/capsuled
missing=
for k in Provides Required-Start Required-Stop Default-Start Default-Stop \
    Short-Description; do
	sed -n '/^### BEGIN INIT INFO$/,/^### END INIT INFO$/p' "$f" |
	    grep -q "^# $k: " || missing="$missing $k"
done
[ -z "$missing" ]
report $? "$f: LSB header has every field"
[ -z "$missing" ] || echo "#   missing:$missing"

# Executable bits: init systems refuse scripts that are not.
for f in rc.d/openbsd/capsuled rc.d/freebsd/capsuled rc.d/sysv/capsuled \
    rc.d/openrc/capsuled; do
	[ -x "$f" ]
	report $? "$f is executable"
done
