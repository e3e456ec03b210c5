"""
rcdlib.py: what the init-script tests share.  `make install` into a
temporary DESTDIR, a capsule and certificate for the daemon, loopback
ports, bounded waits, and a look at the processes an installed capsuled
runs as (found by their executable's path, which is unique to the test's
DESTDIR, so no other capsuled on the machine is ever touched).
"""

import os
import signal
import subprocess
import tempfile
import time

from harness import (cert, check, gemini_raw, plain_raw,  # noqa: F401
                     wait_for)

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILT = os.path.abspath(os.environ.get(
    "CAPSULED", os.path.join(TOP, "build", "capsuled")))
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def tempdir(prefix):
    """A directory readable by the workers' user (mkdtemp makes 0700)."""
    d = tempfile.mkdtemp(prefix=prefix)
    os.chmod(d, 0o755)
    return d


def make_install(destdir, prefix="/usr", target="install", extra=()):
    """`make install` (or target) with the build the tests run against.
    Returns (exit status, output)."""
    env = dict(os.environ)
    for k in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES"):
        env.pop(k, None)
    p = subprocess.run(
        ["make", "-C", TOP, target, "DESTDIR=" + destdir,
         "PREFIX=" + prefix, "BUILD=" + os.path.dirname(BUILT)] +
        list(extra), env=env, capture_output=True, text=True, timeout=300)
    return p.returncode, p.stdout + p.stderr


def check_install_uninstall(label, destdir):
    """The default PREFIX keeps the scripts' /usr/local paths; MANDIR
    moves the manual pages; uninstall removes every file it put."""
    extra = ["MANDIR=/opt/man"]
    rc, out = make_install(destdir, "/usr/local", "install", extra)
    files = sorted(os.path.relpath(os.path.join(d, f), destdir)
                   for d, _, fs in os.walk(destdir) for f in fs)
    ok = rc == 0 and "usr/local/sbin/capsuled" in files and \
        "opt/man/man8/capsuled.8" in files and \
        "usr/local/share/examples/capsuled/sysv/capsuled" in files
    check(ok, "%s: make install PREFIX=/usr/local MANDIR=/opt/man" % label,
          (rc, out, files))
    with open(destdir + "/usr/local/share/examples/capsuled/sysv/"
              "capsuled") as f:
        check("DAEMON=/usr/local/sbin/capsuled\n" in f.read(),
              "%s: with PREFIX=/usr/local the scripts are unchanged" % label)
    rc, out = make_install(destdir, "/usr/local", "uninstall", extra)
    left = [os.path.join(d, f) for d, _, fs in os.walk(destdir) for f in fs]
    check(rc == 0 and left == [] and
          not os.path.exists(destdir + "/usr/local/share/examples/capsuled"),
          "%s: make uninstall removes every installed file" % label,
          (rc, out, left))


def check_install(label, destdir, prefix="/usr"):
    """make install put every file where the README says, with the
    binary's path rewritten.  Returns the example directory."""
    rc, out = make_install(destdir, prefix)
    check(rc == 0, "%s: make install DESTDIR PREFIX=%s" % (label, prefix),
          out)
    root = destdir + prefix
    ex = root + "/share/examples/capsuled"
    want = {
        root + "/sbin/capsuled": 0o755,
        root + "/share/man/man8/capsuled.8": 0o644,
        ex + "/openbsd/capsuled": 0o755,
        ex + "/freebsd/capsuled": 0o755,
        ex + "/sysv/capsuled": 0o755,
        ex + "/openrc/capsuled": 0o755,
        ex + "/systemd/capsuled.service": 0o644,
        ex + "/sysv/capsuled.default": 0o644,
        ex + "/openrc/capsuled.confd": 0o644,
    }
    if os.path.exists(os.path.join(TOP, "src", "capsuled.conf.5")):
        want[root + "/share/man/man5/capsuled.conf.5"] = 0o644
    if os.path.exists(os.path.join(TOP, "rc.d", "capsuled.conf.example")):
        want[ex + "/capsuled.conf"] = 0o644
    bad = []
    for path, mode in sorted(want.items()):
        try:
            got = os.stat(path).st_mode & 0o7777
        except OSError as e:
            bad.append("%s: %s" % (path, e.strerror))
            continue
        if got != mode:
            bad.append("%s: mode %o, want %o" % (path, got, mode))
    check(not bad, "%s: install puts every file, with its mode" % label,
          bad)
    named = []
    for f in ("openbsd/capsuled", "freebsd/capsuled", "sysv/capsuled",
              "openrc/capsuled", "systemd/capsuled.service"):
        with open(os.path.join(ex, f)) as fp:
            text = fp.read()
        if "/usr/local/sbin/capsuled" in text and prefix != "/usr/local":
            named.append(f + " still names /usr/local/sbin/capsuled")
        if prefix + "/sbin/capsuled" not in text:
            named.append(f + " does not name %s/sbin/capsuled" % prefix)
    check(not named, "%s: installed init files name %s/sbin/capsuled" %
          (label, prefix), named)
    return ex


def make_capsule(root, title):
    os.makedirs(root, exist_ok=True)
    os.chmod(root, 0o755)
    write_page(root, "index.gmi", "# %s\n=> page.gmi A page\n" % title)
    write_page(root, "page.gmi", "# A page\nText.\n")


def write_page(root, name, text):
    path = os.path.join(root, name)
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.chmod(path + ".tmp", 0o644)
    os.replace(path + ".tmp", path)


def quick_args(gemini_port, gopher_port, capsule, workers=2):
    """Quick-mode flags for a loopback capsuled; workers run as nobody
    when the test runs as root, as they would in production."""
    crt, key = cert("localhost")
    args = ["-H", "localhost", "-p", "127.0.0.1:%d" % gemini_port,
            "-g", "127.0.0.1:%d" % gopher_port, "-c", crt, "-k", key,
            "-j", str(workers)]
    if os.geteuid() == 0:
        args += ["-u", "nobody"]
    return args + [capsule]


def ports():
    """Port 0 for both: the daemon binds free ports (bound_ports)."""
    return 0, 0


def bound_ports(pid):
    """(gemini, gopher): the TCP ports the capsuled parent pid listens on,
    told apart by the order it bound them, which is the order of their
    descriptors (quick mode binds every -p, then every -g; nothing is
    closed in between).  (0, 0) while it does not listen yet."""
    inodes = {}
    try:
        for fd in os.listdir("/proc/%d/fd" % pid):
            try:
                target = os.readlink("/proc/%d/fd/%s" % (pid, fd))
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes[target[8:-1]] = int(fd)
    except (OSError, TypeError):
        return 0, 0
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            for line in f.readlines()[1:]:
                cols = line.split()
                if cols[3] == "0A" and cols[9] in inodes:
                    found.append((inodes[cols[9]],
                                  int(cols[1].rsplit(":", 1)[1], 16)))
    found.sort()
    return (found[0][1], found[1][1]) if len(found) >= 2 else (0, 0)


def _port(port):
    """A port, or a function that finds it (after a restart, anew)."""
    return port() if callable(port) else port


def gemini_get(port, path="/"):
    try:
        port = _port(port)
        r, _ = gemini_raw("127.0.0.1", port,
                          ("gemini://localhost:%d%s\r\n" %
                           (port, path)).encode(), "localhost", timeout=5)
        return r
    except OSError as e:
        return ("<%s>" % e).encode()


def gopher_get(port, selector="/"):
    try:
        return plain_raw("127.0.0.1", _port(port),
                         selector.encode() + b"\r\n", timeout=5)
    except OSError as e:
        return ("<%s>" % e).encode()



def procs_of(exe):
    """PIDs of the processes running the executable exe."""
    pids = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            if os.readlink("/proc/%s/exe" % d) == exe:
                pids.append(int(d))
        except OSError:
            pass
    return sorted(pids)


def pgrep_full(exe):
    """pgrep's view: processes whose command line starts with exe."""
    p = subprocess.run(["pgrep", "-f", "^" + exe + " "],
                       capture_output=True, text=True)
    return sorted(int(x) for x in p.stdout.split())


def all_children(pid):
    """Every child of pid: its workers, key process and spawner."""
    p = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True,
                       text=True)
    return sorted(int(x) for x in p.stdout.split())


def children(pid):
    """The workers among pid's children (the key process is named
    capsuled-keys)."""
    p = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True,
                       text=True)
    out = []
    for x in p.stdout.split():
        try:
            with open("/proc/%s/comm" % x) as f:
                if f.read().strip() not in ("capsuled-keys",
                                            "capsuled-spawn"):
                    out.append(int(x))
        except OSError:
            pass
    return sorted(out)


def status_field(pid, field):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(field + ":"):
                    return line.split(":", 1)[1].split()
    except OSError:
        pass
    return None


def alive(pid):
    """pid runs.  A zombie does not: a daemon that detached is reaped by
    init, which in a container may take its time."""
    state = status_field(pid, "State")
    return state is not None and state[0] not in ("Z", "X")


def read_pidfile(path):
    try:
        with open(path) as f:
            return int(f.read().strip() or "0")
    except (OSError, ValueError):
        return None


def kill_all(exe):
    """Leave nothing behind: SIGKILL whatever still runs exe (only ever
    a path inside the test's own temporary directory)."""
    for pid in procs_of(exe):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def run(argv, env=None, timeout=120, input=None):
    """Run argv with a clean environment plus env; returns
    (status, output)."""
    e = {"PATH": PATH, "LANG": "C"}
    e.update(env or {})
    try:
        p = subprocess.run(argv, env=e, capture_output=True, text=True,
                           timeout=timeout, input=input)
        return p.returncode, p.stdout + p.stderr
    except subprocess.TimeoutExpired as ex:
        return None, "timed out after %ds: %s" % (timeout, ex)
