"""
test_sysv.py: the Debian SysV init script, end to end.  `make install`
into a temporary DESTDIR (PREFIX=/usr), then drive the installed
sysv/capsuled with start-stop-daemon and /lib/lsb/init-functions, as
init would, against a defaults file (CAPSULED_DEFAULTS) that points it
at the installed binary, a temporary capsule and certificate, loopback
high ports and a pid file in the temporary directory: nothing under
/etc or /run is touched.  start serves both protocols; status is 0;
reload after a capsule change serves the new page; a reload with a
broken setup is refused and the old content stays; restart gives a new
parent; stop waits for the graceful exit and leaves no process; status
is then 3; start with a broken setup fails and starts nothing.
"""

import os
import shutil
import time

from harness import check, done, plan
from rcdlib import (all_children, alive, bound_ports, check_install,
                    check_install_uninstall, children, gemini_get,
                    gopher_get, kill_all, make_capsule, pgrep_full,
                    procs_of, quick_args, read_pidfile, run, status_field,
                    tempdir, wait_for, write_page)

plan(34)

tmp = tempdir("capsuled-sysv-")
dest = os.path.join(tmp, "dest")
ex = check_install("sysv", dest)
check_install_uninstall("sysv", os.path.join(tmp, "dest2"))
script = os.path.join(ex, "sysv", "capsuled")
daemon = dest + "/usr/sbin/capsuled"
capsule = os.path.join(tmp, "capsule")
pidfile = os.path.join(tmp, "run", "capsuled.pid")
os.makedirs(os.path.dirname(pidfile))
make_capsule(capsule, "Before")
args = quick_args(0, 0, capsule)
key = args[args.index("-k") + 1]
defaults = os.path.join(tmp, "default")
with open(defaults, "w") as f:
    f.write('DAEMON="%s"\nDAEMON_ARGS="%s"\nPIDFILE="%s"\n' %
            (daemon, " ".join(args), pidfile))
ENV = {"CAPSULED_DEFAULTS": defaults}


def init(action):
    return run([script, action], ENV)


def gem():
    """The Gemini port the running daemon bound (port 0)."""
    return bound_ports(read_pidfile(pidfile))[0]


def goph():
    return bound_ports(read_pidfile(pidfile))[1]


def serving(text):
    return text.encode() in gemini_get(gem) and \
        text.encode() in gopher_get(goph)


def running():
    """(parent pid from the pid file, every process of the binary)."""
    return read_pidfile(pidfile), procs_of(daemon)


try:
    rc, out = init("status")
    check(rc == 3, "sysv: status before start is 3 (not running)", out)

    rc, out = init("start")
    check(rc == 0, "sysv: start exits 0", out)
    pid, procs = running()
    check(pid is not None and alive(pid) and
          os.readlink("/proc/%d/exe" % pid) == daemon,
          "sysv: the pid file names the running capsuled", (pid, procs))
    workers = children(pid) if pid else []
    check(len(workers) == 2 and
          sorted([pid] + all_children(pid)) == procs,
          "sysv: one parent, its two workers, key process and spawner run",
          (pid, workers, procs))
    if os.geteuid() == 0:
        uids = [status_field(w, "Uid") for w in workers]
        nobody = str(__import__("pwd").getpwnam("nobody").pw_uid)
        check(all(u is not None and set(u) == {nobody} for u in uids),
              "sysv: workers run as nobody", uids)
    r = gemini_get(gem)
    check(r.startswith(b"20 text/gemini\r\n# Before"),
          "sysv: Gemini request served after start", r)
    g = gopher_get(goph)
    check(b"Before" in g and g.endswith(b".\r\n"),
          "sysv: Gopher request served after start", g)

    rc, out = init("status")
    check(rc == 0 and "is running" in out, "sysv: status is 0 (running)",
          (rc, out))

    rc, out = init("start")
    check(rc == 0 and running() == (pid, procs),
          "sysv: start when running exits 0 and starts nothing new",
          (rc, out, running()))

    rc, out = init("configtest")
    check(rc == 0, "sysv: configtest exits 0 on a good setup", out)

    make_capsule(capsule, "After")
    write_page(capsule, "new.gmi", "# New page\n")
    rc, out = init("reload")
    check(rc == 0, "sysv: reload exits 0", out)
    check(wait_for(lambda: serving("After")),
          "sysv: the changed page is served on both protocols after reload",
          (gemini_get(gem), gopher_get(goph)))
    r = gemini_get(gem, "/new.gmi")
    check(r == b"20 text/gemini\r\n# New page\n",
          "sysv: a new page is served after reload", r)
    check(read_pidfile(pidfile) == pid, "sysv: reload keeps the parent",
          (pid, read_pidfile(pidfile)))

    # A broken setup (the key is gone): reload refuses, nothing changes.
    shutil.move(key, key + ".away")
    make_capsule(capsule, "Never")
    rc, out = init("reload")
    check(rc not in (0, None) and key in out,
          "sysv: reload with a missing key fails and names the file",
          (rc, out))
    time.sleep(0.5)
    check(serving("After") and read_pidfile(pidfile) == pid,
          "sysv: after a refused reload the old content is still served",
          (gemini_get(gem), gopher_get(goph)))
    rc, out = init("restart")
    check(rc not in (0, None) and alive(pid) and serving("After"),
          "sysv: restart with a broken setup fails before stopping",
          (rc, out))
    shutil.move(key + ".away", key)

    rc, out = init("restart")
    newpid = read_pidfile(pidfile)
    check(rc == 0 and newpid is not None and newpid != pid and
          alive(newpid) and not alive(pid),
          "sysv: restart exits 0 with a new parent", (rc, out, pid, newpid))
    check(wait_for(lambda: serving("Never")),
          "sysv: served after restart", gemini_get(gem))

    pid, procs = running()
    t0 = time.time()
    rc, out = init("stop")
    took = time.time() - t0
    check(rc == 0, "sysv: stop exits 0 (in %.1f s)" % took, out)
    check(not any(alive(p) for p in procs),
          "sysv: the parent and every worker are gone after stop", procs)
    check(procs_of(daemon) == [] and pgrep_full(daemon) == [],
          "sysv: pgrep finds no capsuled after stop",
          (procs_of(daemon), pgrep_full(daemon)))
    check(not os.path.exists(pidfile), "sysv: the pid file is removed")
    rc, out = init("status")
    check(rc == 3, "sysv: status after stop is 3 (not running)", (rc, out))
    rc, out = init("stop")
    check(rc == 0, "sysv: stop when stopped exits 0", out)

    shutil.move(key, key + ".away")
    rc, out = init("start")
    check(rc == 1 and key in out,
          "sysv: start with a missing key exits 1 and names the file",
          (rc, out))
    check(procs_of(daemon) == [] and not os.path.exists(pidfile),
          "sysv: a failed start leaves no process and no pid file",
          procs_of(daemon))
    shutil.move(key + ".away", key)

    rc, out = init("bogus")
    check(rc == 3 and "Usage" in out, "sysv: an unknown action exits 3",
          (rc, out))
finally:
    kill_all(daemon)
    shutil.rmtree(tmp, ignore_errors=True)
done()
