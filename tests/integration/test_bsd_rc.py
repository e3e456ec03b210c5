"""
test_bsd_rc.py: the OpenBSD and FreeBSD rc.d scripts, run on Linux
against stand-ins for rc.subr.  Neither BSD runs here, and their rc.subr
cannot be shipped (every line here is our own), so each stand-in below
reproduces only the parts of its rc.subr(8) the script relies on, as the
manual and the rc.subr source describe them: how flags are read from the
site's configuration, how the daemon is started, checked, reloaded and
stopped, when the configuration test runs.  What this checks is the
scripts' own logic with the real daemon (the order of the flags, the
pid file option, pkill -o picking the parent and not a worker, the
configuration test refusing a broken setup before anything happens),
not compatibility with the real rc.subr; sh -n, mksh -n and shellcheck
are in tests/lint/test_rcd.sh.

OpenBSD: the script runs under mksh (a pdksh, like OpenBSD's ksh); its
copy sources the stand-in instead of /etc/rc.d/rc.subr and names the
installed binary in daemon=; OpenBSD's pgrep/pkill -T (routing table)
is dropped by a wrapper, Linux's have no such option.  FreeBSD: the
installed script unchanged except for the rc.subr path; the binary is
chosen with capsuled_program, which rc.subr honours for any script.
"""

import os
import shutil
import time

from harness import check, done, plan
from rcdlib import (all_children, alive, bound_ports, check_install,
                    children, gemini_get, gopher_get, kill_all,
                    make_capsule, procs_of, quick_args, read_pidfile, run,
                    tempdir, wait_for, write_page)

plan(30)

OPENBSD_RC_SUBR = r"""
# Stand-in for OpenBSD's /etc/rc.d/rc.subr (see test_bsd_rc.py).
_rc_actions="start stop restart reload check configtest"
readonly _rc_actions
_name=${0##*/}

# rc.conf.local: the test exports capsuled_flags and capsuled_timeout.
eval _rcflags=\${${_name}_flags}
eval _rctimeout=\${${_name}_timeout}
[ -n "${_rcflags}" ] && daemon_flags=${_rcflags}
[ -n "${_rctimeout}" ] && daemon_timeout=${_rctimeout}
[ -z "${daemon_timeout}" ] && daemon_timeout=30
daemon_rtable=0
pexp="$(eval echo ${daemon}${daemon_flags:+ ${daemon_flags}})"

# OpenBSD's pgrep and pkill select a routing table with -T.
_rc_strip_T() {
	_cmd=$1
	shift
	set -A _args
	while [ $# -gt 0 ]; do
		if [ "$1" = -T ]; then
			shift 2
			continue
		fi
		_args[${#_args[*]}]=$1
		shift
	done
	command "$_cmd" "${_args[@]}"
}
pgrep() { _rc_strip_T pgrep "$@"; }
pkill() { _rc_strip_T pkill "$@"; }

rc_exec() { sh -c "$*"; }
rc_start() { rc_exec "${daemon} ${daemon_flags}"; }
rc_check() { pgrep -T "${daemon_rtable}" -xf "${pexp}" >/dev/null; }
rc_reload() { pkill -HUP -T "${daemon_rtable}" -xf "${pexp}"; }
rc_stop() { pkill -T "${daemon_rtable}" -xf "${pexp}"; }

_rc_configtest() {
	if typeset -f rc_configtest >/dev/null; then
		rc_configtest
	fi
}

_rc_wait() {	# _rc_wait up|down
	_i=0
	while [ $_i -lt $((daemon_timeout * 10)) ]; do
		if rc_check; then
			[ $1 = up ] && return 0
		else
			[ $1 = down ] && return 0
		fi
		sleep .1
		_i=$((_i + 1))
	done
	return 1
}

rc_cmd() {
	case $1 in
	check)
		rc_check ;;
	configtest)
		typeset -f rc_configtest >/dev/null || exit 1
		rc_configtest ;;
	start)
		rc_check && exit 0
		_rc_configtest || exit 1
		if typeset -f rc_pre >/dev/null; then
			rc_pre || exit 1
		fi
		rc_start || exit 1
		_rc_wait up ;;
	stop)
		rc_check || exit 0
		rc_stop
		_rc_wait down ;;
	reload)
		rc_check || exit 1
		_rc_configtest || exit 1
		rc_reload ;;
	restart)
		_rc_configtest || exit 1
		$0 stop && $0 start ;;
	*)
		echo "usage: $0 [-df] ${_rc_actions}" >&2
		exit 1 ;;
	esac
}
"""

FREEBSD_RC_SUBR = r"""
# Stand-in for FreeBSD's /etc/rc.subr (see test_bsd_rc.py).
checkyesno() {
	eval _value=\$$1
	case $_value in
	[Yy][Ee][Ss]|[Tt][Rr][Uu][Ee]|[Oo][Nn]|1) return 0 ;;
	*) return 1 ;;
	esac
}

# /etc/rc.conf: the test names its own with RC_CONF.
load_rc_config() {
	[ -r "$RC_CONF" ] && . "$RC_CONF"
}

# The pid in the file, if that process runs the command.
check_pidfile() {
	_procname=$2
	[ -r "$1" ] || return 0
	read -r _pid <"$1" || return 0
	set -- $(ps -o args= -p "$_pid" 2>/dev/null)
	[ "$1" = "$_procname" ] && echo "$_pid"
}

wait_for_pids() {
	for _p; do
		while kill -0 "$_p" 2>/dev/null &&
		    [ "$(ps -o stat= -p "$_p")" != Z ]; do
			sleep .1
		done
	done
}

run_rc_command() {
	rc_arg=$1
	eval _override=\$${name}_program
	command=${_override:-$command}
	eval rc_flags=\$${name}_flags
	rc_pid=$(check_pidfile "$pidfile" "$command")
	case " start stop restart status $extra_commands " in
	*" $rc_arg "*) ;;
	*) echo "$0: unknown directive '$rc_arg'." >&2; return 1 ;;
	esac
	case $rc_arg in
	stop|status) ;;
	*)
		if ! checkyesno "$rcvar"; then
			echo "Cannot '$rc_arg' $name. Set $rcvar to YES."
			return 0
		fi ;;
	esac
	eval _cmd=\$${rc_arg}_cmd _precmd=\$${rc_arg}_precmd
	if [ "$rc_arg" = start ]; then
		for _f in $required_files; do
			if [ ! -r "$_f" ]; then
				echo "$0: required file $_f not readable" >&2
				return 1
			fi
		done
	fi
	if [ -n "$_cmd" ]; then
		if [ -n "$_precmd" ]; then eval "$_precmd" || return 1; fi
		eval "$_cmd"
		return
	fi
	case $rc_arg in
	start)
		if [ -n "$rc_pid" ]; then
			echo "$name already running? (pid=$rc_pid)." >&2
			return 1
		fi
		if [ -n "$_precmd" ]; then eval "$_precmd" || return 1; fi
		echo "Starting $name."
		eval "$command $rc_flags $command_args" ;;
	stop)
		if [ -z "$rc_pid" ]; then
			echo "$name not running? (check $pidfile)." >&2
			return 1
		fi
		if [ -n "$_precmd" ]; then eval "$_precmd" || return 1; fi
		echo "Stopping $name."
		kill -TERM "$rc_pid" || return 1
		wait_for_pids "$rc_pid" ;;
	reload)
		if [ -z "$rc_pid" ]; then
			echo "$name not running? (check $pidfile)." >&2
			return 1
		fi
		if [ -n "$_precmd" ]; then eval "$_precmd" || return 1; fi
		kill -HUP "$rc_pid" ;;
	restart)
		if [ -n "$_precmd" ]; then eval "$_precmd" || return 1; fi
		( run_rc_command stop )
		( run_rc_command start ) ;;
	status)
		if [ -n "$rc_pid" ]; then
			echo "$name is running as pid $rc_pid."
		else
			echo "$name is not running."
			return 1
		fi ;;
	esac
}
"""


def drive(name, rc, pidof, env_flags, capsule, key, daemon):
    """The life both scripts must handle; pidof() finds the parent, and
    through it the ports it bound (port 0), again after a restart."""

    def gem():
        return bound_ports(pidof())[0]

    def goph():
        return bound_ports(pidof())[1]

    def serving(text):
        return text.encode() in gemini_get(gem) and \
            text.encode() in gopher_get(goph)

    status, out = rc("start")
    check(status == 0 and wait_for(lambda: serving("Before")),
          "%s: start exits 0 and both protocols are served" % name,
          (status, out))
    pid = pidof()
    check(pid is not None and len(children(pid)) == 2 and
          len(all_children(pid)) == 4 and
          sorted([pid] + all_children(pid)) == procs_of(daemon),
          "%s: one parent, two workers, a key process and a spawner run" %
          name, (pid, out))
    status, out = rc("configtest")
    check(status == 0, "%s: configtest exits 0 on a good setup" % name, out)

    workers = children(pid)
    make_capsule(capsule, "After")
    write_page(capsule, "new.gmi", "# New page\n")
    status, out = rc("reload")
    check(status == 0 and wait_for(lambda: serving("After")) and
          gemini_get(gem, "/new.gmi") == b"20 text/gemini\r\n# New page\n",
          "%s: reload exits 0 and the changed capsule is served" % name,
          (status, out))
    check(pidof() == pid and all(not alive(w) for w in workers) and
          wait_for(lambda: len(children(pid)) == 2),
          "%s: reload signals the parent only, which replaces its workers"
          % name, (pid, pidof(), workers, children(pid)))

    shutil.move(key, key + ".away")
    make_capsule(capsule, "Never")
    status, out = rc("reload")
    time.sleep(0.5)
    check(status != 0 and serving("After"),
          "%s: reload with a missing key is refused, old content stays"
          % name, (status, out))
    status, out = rc("restart")
    check(status != 0 and alive(pid) and serving("After"),
          "%s: restart with a missing key fails before stopping" % name,
          (status, out))
    shutil.move(key + ".away", key)

    status, out = rc("restart")
    check(status == 0 and wait_for(lambda: serving("Never")) and
          pidof() not in (None, pid),
          "%s: restart exits 0 with a new parent" % name, (status, out))

    procs = procs_of(daemon)
    status, out = rc("stop")
    check(status == 0 and not any(alive(p) for p in procs) and
          procs_of(daemon) == [],
          "%s: stop exits 0 and no capsuled process is left" % name,
          (status, out, procs_of(daemon)))


tmp = tempdir("capsuled-bsd-")
dest = os.path.join(tmp, "dest")
daemon = None
try:
    ex = check_install("bsd", dest)
    daemon = dest + "/usr/sbin/capsuled"
    capsule = os.path.join(tmp, "capsule")
    args = " ".join(quick_args(0, 0, capsule))
    key = quick_args(0, 0, capsule)
    key = key[key.index("-k") + 1]

    # --- OpenBSD -----------------------------------------------------
    if check(shutil.which("mksh") is not None,
             "openbsd: mksh is installed (apt-get install mksh)"):
        make_capsule(capsule, "Before")
        stub = os.path.join(tmp, "openbsd-rc.subr")
        with open(stub, "w") as f:
            f.write(OPENBSD_RC_SUBR)
        d = os.path.join(tmp, "openbsd", "rc.d")
        os.makedirs(d)
        script = os.path.join(d, "capsuled")
        with open(os.path.join(ex, "openbsd", "capsuled")) as f:
            text = f.read()
        check(". /etc/rc.d/rc.subr\n" in text and
              'daemon="/usr/sbin/capsuled"\n' in text,
              "openbsd: the script sources rc.subr and names the binary")
        text = text.replace(". /etc/rc.d/rc.subr\n", ". %s\n" % stub)
        text = text.replace('daemon="/usr/sbin/capsuled"',
                            'daemon="%s"' % daemon)
        with open(script, "w") as f:
            f.write(text)
        os.chmod(script, 0o755)     # restart runs "$0 stop"
        env = {"capsuled_flags": args, "capsuled_timeout": "20"}

        def obsd(action):
            return run(["mksh", script, action], env)

        def obsd_parent():
            p = run(["pgrep", "-o", "-xf", "%s %s" % (daemon, args)])[1]
            return int(p) if p.strip().isdigit() else None

        status, out = obsd("check")
        check(status == 1, "openbsd: check before start is 1", out)
        drive("openbsd", obsd, obsd_parent, env, capsule, key, daemon)
        status, out = obsd("check")
        check(status == 1, "openbsd: check after stop is 1", out)

    # --- FreeBSD -----------------------------------------------------
    kill_all(daemon)
    make_capsule(capsule, "Before")
    stub = os.path.join(tmp, "freebsd-rc.subr")
    with open(stub, "w") as f:
        f.write(FREEBSD_RC_SUBR)
    script = os.path.join(tmp, "freebsd", "capsuled")
    os.makedirs(os.path.dirname(script))
    with open(os.path.join(ex, "freebsd", "capsuled")) as f:
        text = f.read()
    check(". /etc/rc.subr\n" in text,
          "freebsd: the script sources /etc/rc.subr")
    with open(script, "w") as f:
        f.write(text.replace(". /etc/rc.subr\n", ". %s\n" % stub))
    pidfile = os.path.join(tmp, "freebsd.pid")
    rcconf = os.path.join(tmp, "rc.conf")

    def write_rcconf(extra=""):
        with open(rcconf, "w") as f:
            f.write('capsuled_enable="YES"\ncapsuled_program="%s"\n'
                    'capsuled_config=""\ncapsuled_flags="%s"\n'
                    'capsuled_pidfile="%s"\n%s' % (daemon, args, pidfile,
                                                    extra))

    def fbsd(action):
        return run(["sh", script, action], {"RC_CONF": rcconf})

    write_rcconf()
    status, out = fbsd("status")
    check(status == 1 and "not running" in out,
          "freebsd: status before start is 1", out)
    drive("freebsd", fbsd, lambda: read_pidfile(pidfile), {}, capsule, key,
          daemon)
    status, out = fbsd("status")
    check(status == 1 and "not running" in out,
          "freebsd: status after stop is 1", out)

    # The configuration file is a required file, and the default flags
    # read it.
    write_rcconf('capsuled_config="%s/missing.conf"\n' % tmp)
    status, out = fbsd("start")
    check(status != 0 and "missing.conf" in out and procs_of(daemon) == [],
          "freebsd: start without the configuration file is refused",
          (status, out))
    with open(rcconf, "w") as f:
        f.write('capsuled_enable="NO"\n')
    status, out = fbsd("start")
    check(status == 0 and "Set capsuled_enable" in out and
          procs_of(daemon) == [],
          "freebsd: capsuled_enable=NO starts nothing", (status, out))
finally:
    if daemon is not None:
        kill_all(daemon)
    shutil.rmtree(tmp, ignore_errors=True)
done()
