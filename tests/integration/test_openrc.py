"""
test_openrc.py: the OpenRC service script, end to end, under the real
openrc-run, without installing OpenRC.  Debian's openrc, librc1 and
libeinfo1 packages (downloaded by .ci/run into
/var/cache/capsuled-ci/openrc, or $CAPSULED_OPENRC_DEBS) are unpacked in
a temporary directory and laid over /usr/lib and /usr/sbin by read-only
overlay mounts in a private mount namespace, with a tmpfs on /run for
OpenRC's state; nothing outside that namespace changes.  The script
installed by `make install` runs from a temporary /etc/init.d beside its
/etc/conf.d, which points it at the installed binary, a temporary
capsule and certificate and loopback high ports.  OpenRC resolves the
script's dependencies against the machine's /etc/init.d, where nothing
provides "net", so the need is void and start goes ahead.

A restart refused by stop_pre (broken setup) exits 1 and leaves the
server running, but Debian's openrc 0.45 then reports the service as
"stopping" until the next successful restart or stop; that is OpenRC's
bookkeeping after any failed stop, and the test does not assert it.
"""

import glob
import os
import shutil
import subprocess
import time

from harness import check, done, plan
from rcdlib import (alive, bound_ports, check_install, gemini_get, gopher_get,
                    kill_all, make_capsule, pgrep_full, procs_of, quick_args,
                    read_pidfile, run, tempdir, wait_for, write_page)

plan(25)

DEBS = os.environ.get("CAPSULED_OPENRC_DEBS", "/var/cache/capsuled-ci/openrc")
STATE_DIRS = ("daemons exclusive failed hotplugged inactive options "
              "scheduled started starting stopping tmp wasinactive")

# Runs inside the new mount namespace, then waits on stdin to keep it.
SETUP = """set -e
mount -t overlay overlay -o "lowerdir=$1/lib:/usr/lib" /usr/lib
mount -t overlay overlay -o "lowerdir=$1/sbin:/usr/sbin" /usr/sbin
mount -t overlay overlay -o "lowerdir=$2:/etc" /etc
mount -t tmpfs tmpfs /run
for d in %s; do mkdir -p /run/openrc/$d; done
touch /run/openrc/softlevel
echo ready
exec cat >/dev/null
""" % STATE_DIRS


def prerequisites():
    debs = sorted(glob.glob(os.path.join(DEBS, "*.deb")))
    names = " ".join(os.path.basename(d) for d in debs)
    if not all(("%s_" % p) in names for p in ("openrc", "librc1",
                                               "libeinfo1")):
        return "openrc, librc1 and libeinfo1 .debs in %s (run .ci/run, " \
            "or apt-get download them there)" % DEBS
    if os.geteuid() != 0:
        return "root, for the mount namespace"
    for tool in ("unshare", "nsenter", "dpkg-deb"):
        if shutil.which(tool) is None:
            return tool
    return None


missing = prerequisites()
if missing is not None:
    check(False, "openrc: prerequisites: needs " + missing)
    done()

tmp = tempdir("capsuled-openrc-")
holder = None
daemon = None
try:
    root = os.path.join(tmp, "openrc")
    for deb in glob.glob(os.path.join(DEBS, "*.deb")):
        subprocess.run(["dpkg-deb", "-x", deb, root], check=True)
    etc_extra = os.path.join(tmp, "etc-extra")
    os.makedirs(etc_extra)
    # Debian's OpenRC reads insserv.conf for LSB virtual facilities.
    open(os.path.join(etc_extra, "insserv.conf"), "w").close()

    dest = os.path.join(tmp, "dest")
    ex = check_install("openrc", dest)
    daemon = dest + "/usr/sbin/capsuled"
    etc = os.path.join(tmp, "etc")
    os.makedirs(os.path.join(etc, "init.d"))
    os.makedirs(os.path.join(etc, "conf.d"))
    script = os.path.join(etc, "init.d", "capsuled")
    shutil.copy2(os.path.join(ex, "openrc", "capsuled"), script)
    capsule = os.path.join(tmp, "capsule")
    pidfile = os.path.join(tmp, "capsuled.pid")
    make_capsule(capsule, "Before")
    args = quick_args(0, 0, capsule)

    def gem():
        """The Gemini port the running daemon bound (port 0)."""
        return bound_ports(read_pidfile(pidfile))[0]

    def goph():
        return bound_ports(read_pidfile(pidfile))[1]
    key = args[args.index("-k") + 1]
    with open(os.path.join(etc, "conf.d", "capsuled"), "w") as f:
        f.write('capsuled_binary="%s"\ncapsuled_args="%s"\npidfile="%s"\n' %
                (daemon, " ".join(args), pidfile))

    holder = subprocess.Popen(
        ["unshare", "--mount", "--propagation", "private", "sh", "-c",
         SETUP, "setup", root, etc_extra],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True)
    line = holder.stdout.readline()
    if not check(line.strip() == "ready",
                 "openrc: private mount namespace with openrc-run set up",
                 line + (holder.stdout.read() if holder.poll() is not None
                         else "")):
        raise SystemExit

    def rc(action):
        return run(["nsenter", "-t", str(holder.pid), "-m", "--",
                    script, action])

    def serving(text):
        return text.encode() in gemini_get(gem) and \
            text.encode() in gopher_get(goph)

    status, out = rc("status")
    check(status == 3 and "stopped" in out,
          "openrc: status before start is 3 (stopped)", (status, out))

    status, out = rc("start")
    check(status == 0, "openrc: start exits 0", out)
    check(wait_for(lambda: read_pidfile(pidfile) is not None),
          "openrc: capsuled writes the pid file")
    pid = read_pidfile(pidfile)
    check(pid is not None and alive(pid) and
          os.readlink("/proc/%d/exe" % pid) == daemon,
          "openrc: the pid file names the running capsuled", pid)
    r = gemini_get(gem)
    check(r.startswith(b"20 text/gemini\r\n# Before"),
          "openrc: Gemini request served after start", r)
    g = gopher_get(goph)
    check(b"Before" in g and g.endswith(b".\r\n"),
          "openrc: Gopher request served after start", g)

    status, out = rc("status")
    check(status == 0 and "started" in out,
          "openrc: status is 0 (started)", (status, out))
    status, out = rc("checkconfig")
    check(status == 0, "openrc: checkconfig exits 0 on a good setup", out)

    make_capsule(capsule, "After")
    write_page(capsule, "new.gmi", "# New page\n")
    status, out = rc("reload")
    check(status == 0, "openrc: reload exits 0", out)
    check(wait_for(lambda: serving("After")),
          "openrc: the changed page is served on both protocols after "
          "reload", (gemini_get(gem), gopher_get(goph)))
    r = gemini_get(gem, "/new.gmi")
    check(r == b"20 text/gemini\r\n# New page\n",
          "openrc: a new page is served after reload", r)
    check(read_pidfile(pidfile) == pid, "openrc: reload keeps the parent")

    shutil.move(key, key + ".away")
    make_capsule(capsule, "Never")
    status, out = rc("reload")
    check(status not in (0, None) and key in out,
          "openrc: reload with a missing key fails and names the file",
          (status, out))
    time.sleep(0.5)
    check(serving("After"),
          "openrc: after a refused reload the old content is still served",
          gemini_get(gem))
    status, out = rc("restart")
    check(status not in (0, None) and alive(pid) and serving("After"),
          "openrc: restart with a broken setup fails before stopping",
          (status, out))
    shutil.move(key + ".away", key)

    status, out = rc("restart")
    check(wait_for(lambda: read_pidfile(pidfile) not in (None, pid)),
          "openrc: restart writes a new pid file", out)
    newpid = read_pidfile(pidfile)
    check(status == 0 and newpid is not None and alive(newpid) and
          not alive(pid), "openrc: restart exits 0 with a new parent",
          (status, out, pid, newpid))
    check(wait_for(lambda: serving("Never")), "openrc: served after restart",
          gemini_get(gem))

    procs = procs_of(daemon)
    t0 = time.time()
    status, out = rc("stop")
    took = time.time() - t0
    check(status == 0, "openrc: stop exits 0 (in %.1f s)" % took, out)
    check(not any(alive(p) for p in procs) and procs_of(daemon) == [] and
          pgrep_full(daemon) == [],
          "openrc: no capsuled process is left after stop",
          (procs, procs_of(daemon), pgrep_full(daemon)))
    status, out = rc("status")
    check(status == 3 and "stopped" in out,
          "openrc: status after stop is 3 (stopped)", (status, out))
except SystemExit:
    pass
finally:
    if daemon is not None:
        kill_all(daemon)
    if holder is not None:
        holder.stdin.close()
        try:
            holder.wait(10)
        except subprocess.TimeoutExpired:
            holder.kill()
            holder.wait()
    shutil.rmtree(tmp, ignore_errors=True)
done()
