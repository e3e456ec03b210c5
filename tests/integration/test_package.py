"""
test_package.py: the Debian package, from the tree to a purge.
asan: left out (it builds and installs its own binary, not $CAPSULED)
test-timeout: 600

In a copy of the tree as a fresh clone has it, `dpkg-buildpackage -us
-uc -b` builds capsuled_VERSION_ARCH.deb (VERSION as capsuled -V says)
and lintian reports no error.  The test then runs in network and mount
namespaces of its own: the packaged server listens on * port 1965 and
70, which only the namespace's loopback can reach, and policy-rc.d is
swapped by a bind mount no other process sees.

- dpkg -i under a policy-rc.d that says no: installed, not started;
  the system user _capsuled exists; /etc/capsuled.conf and
  /etc/default/capsuled are conffiles; the capsule is a copy of the
  guide; the SysV links and the systemd enablement are in place; the
  unit as installed passes systemd-analyze verify (this machine has no
  systemd as PID 1, so that is as far as the unit goes).
- capsuled -n names the certificate it would make and makes nothing.
- /etc/init.d/capsuled start: the certificate is made (its fingerprint
  printed, the file's, and the one served), both protocols answer on
  127.0.0.1 and ::1, ports 1965 and 70, byte for byte (Gemini: the page
  as on disk; Gopher: what the tree's own build serves from the same
  capsule), the workers run as _capsuled, chrooted into
  /var/lib/capsuled/empty, under seccomp.
- dpkg -i again under a policy-rc.d that says yes: the maintainer
  scripts stop and start it (invoke-rc.d), a new parent serves with the
  same certificate.
- stop, then dpkg --purge: no process, no service, and no file with
  "capsuled" in its name that was not there before (configuration,
  state directory, certificates, links, dpkg's own records).

Needs root, dpkg-dev, debhelper, lintian, unshare; refuses to run where
capsuled is installed already (it would be purged).  At most one run at
a time per machine (a lock in /run/lock, or /tmp).
"""

import fcntl
import glob
import hashlib
import os
import shutil
import socket
import ssl
import subprocess
import sys
import time

NS_MARK = "CAPSULED_PACKAGE_NS"
NEEDS = ("dpkg-buildpackage", "dh", "lintian", "unshare", "dpkg",
         "systemd-analyze", "ip", "getent")

if os.environ.get(NS_MARK) != "1" and os.geteuid() == 0 and \
        all(shutil.which(t) for t in NEEDS):
    os.environ[NS_MARK] = "1"
    os.execvp("unshare", ["unshare", "--net", "--mount", "--propagation",
                          "private", sys.executable, os.path.abspath(__file__)])

from harness import (CAPSULED, HELPER_NAMES, check, child_pids,  # noqa: E402
                     done, free_port, gemini_raw, plain_raw, plan,
                     tree_copy, wait_for, worker_pids)

DAEMON = "/usr/sbin/capsuled"
POLICY = "/usr/sbin/policy-rc.d"
STATE = "/var/lib/capsuled"
CRT = STATE + "/certs/localhost.crt"
KEY = STATE + "/certs/localhost.key"
PATH = "/usr/sbin:/usr/bin:/sbin:/bin"
SCAN = ("/etc", "/lib/systemd", "/usr/lib/systemd", "/usr/sbin", "/usr/bin",
        "/usr/share/doc", "/usr/share/man", "/usr/share/capsuled",
        "/var/lib", "/var/log", "/run")
# /run/lock where the system has one (boot makes it), else /tmp.
LOCK = os.path.join("/run/lock" if os.path.isdir("/run/lock") else "/tmp",
                    "capsuled-package-test.lock")


def run(argv, timeout=120, env=None, cwd=None):
    e = {"PATH": PATH, "LANG": "C", "DEBIAN_FRONTEND": "noninteractive"}
    e.update(env or {})
    try:
        p = subprocess.run(argv, env=e, cwd=cwd, capture_output=True,
                           text=True, timeout=timeout)
        return p.returncode, p.stdout + p.stderr
    except subprocess.TimeoutExpired as ex:
        return None, "timed out after %ds: %s" % (timeout, ex)


def dpkg(*args):
    """dpkg, waiting (bounded) while another dpkg or apt holds its lock."""
    deadline = time.time() + 120
    while True:
        rc, out = run(["dpkg"] + list(args), timeout=300)
        if rc == 0 or "lock" not in out or time.time() > deadline:
            return rc, out
        time.sleep(2)


def prerequisites():
    if os.geteuid() != 0:
        return "root (dpkg -i)"
    for t in NEEDS:
        if shutil.which(t) is None:
            return t
    if os.environ.get(NS_MARK) != "1":
        return "private namespaces (unshare failed)"
    rc, out = run(["dpkg-query", "-W", "-f=${db:Status-Abbrev}",
                   "capsuled"])
    if rc == 0 and out.strip() not in ("", "un", "pn"):
        return "capsuled not installed already (this test purges it)"
    return None


def names_with_capsuled():
    """Every path under SCAN whose name holds "capsuled"."""
    found = set()
    for top in SCAN:
        for d, dirs, files in os.walk(top):
            if d.startswith("/run/lock"):
                continue
            for n in dirs + files:
                if "capsuled" in n:
                    found.add(os.path.join(d, n))
    return found


def procs_of(exe):
    """Processes running exe in this test's mount namespace (a container
    or chroot elsewhere may run its own /usr/sbin/capsuled)."""
    pids = []
    ours = os.readlink("/proc/self/ns/mnt")
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                if os.readlink("/proc/%s/exe" % d) == exe and \
                        os.readlink("/proc/%s/ns/mnt" % d) == ours:
                    pids.append(int(d))
            except OSError:
                pass
    return sorted(pids)


def status_field(pid, field):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(field + ":"):
                    return line.split(":", 1)[1].split()
    except OSError:
        pass
    return None


def policy(tmp, allow):
    """policy-rc.d says yes (0) or no (101) to every action, for this
    namespace only."""
    path = os.path.join(tmp, "policy-%s" % ("yes" if allow else "no"))
    with open(path, "w") as f:
        f.write("#!/bin/sh\nexit %d\n" % (0 if allow else 101))
    os.chmod(path, 0o755)
    run(["umount", POLICY])
    return run(["mount", "--bind", path, POLICY])[0] == 0


def fingerprint(der):
    h = hashlib.sha256(der).hexdigest().upper()
    return ":".join(h[i:i + 2] for i in range(0, len(h), 2))


def served_cert(addr):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    with socket.socket(fam) as s:
        s.settimeout(5)
        s.connect((addr, 1965))
        with ctx.wrap_socket(s, server_hostname="localhost") as t:
            return fingerprint(t.getpeercert(binary_form=True))


def file_fp(path):
    rc, out = run(["openssl", "x509", "-in", path, "-noout",
                   "-fingerprint", "-sha256"])
    return out.strip().split("=", 1)[1] if rc == 0 else None


def gemini(addr, path="/"):
    try:
        return gemini_raw(addr, 1965, ("gemini://localhost%s\r\n" %
                                       path).encode(), "localhost")[0]
    except OSError as e:
        return ("<%s>" % e).encode()


def gopher(addr, port=70, selector="/"):
    try:
        return plain_raw(addr, port, selector.encode() + b"\r\n")
    except OSError as e:
        return ("<%s>" % e).encode()


def reference_gopher(tmp, capsule, selectors):
    """What the tree's own build serves over Gopher from capsule when
    its menus name localhost port 70."""
    port = free_port()
    conf = os.path.join(tmp, "ref.conf")
    with open(conf, "w") as f:
        f.write('prefork 1\nuser "nobody"\nserver "localhost" {\n\troot "%s"\n'
                '\tpublic gopher port 70\n'
                '\tlisten gopher on 127.0.0.1 port %d\n}\n' % (capsule, port))
    p = subprocess.Popen([CAPSULED, "-d", "-f", conf],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: gopher("127.0.0.1", port).endswith(b".\r\n"), 10)
        return {s: gopher("127.0.0.1", port, s) for s in selectors}
    finally:
        p.terminate()
        p.wait(20)


def exec_programs(paths):
    """The programs a unit and its drop-ins run (Exec*= lines)."""
    progs = set()
    for path in paths:
        with open(path) as f:
            for line in f:
                key, _, value = line.strip().partition("=")
                if key.startswith("Exec") and value.strip():
                    progs.add(value.strip().lstrip("@-:+!").split()[0])
    return sorted(progs)


def provided(prog, deb):
    """Is prog shipped by capsuled, by a package it depends on, or by an
    Essential one (there on every Debian system)?  (ok, who)"""
    rc, out = run(["dpkg", "-S", prog])
    if rc != 0:
        return False, out.strip()
    owners = [o.strip() for o in out.split(":", 1)[0].split(",")]
    depends = run(["dpkg-deb", "-f", deb, "Depends"])[1]
    names = {d.strip().split()[0] for d in depends.split(",") if d.strip()}
    for o in owners:
        ess = run(["dpkg-query", "-W", "-f=${Essential}", o])[1].strip()
        if o == "capsuled" or o in names or ess == "yes":
            return True, o
    return False, out.strip()


def running():
    """(parent pid from the pid file, its workers)."""
    try:
        with open("/run/capsuled.pid") as f:
            pid = int(f.read().strip())
    except (OSError, ValueError):
        return None, []
    return pid, worker_pids(pid)


ADDRS = ("127.0.0.1", "::1")
plan(31 + 3 * len(ADDRS))
missing = prerequisites()
if missing is not None:
    check(False, "package: prerequisites: needs " + missing)
    done()

lockf = open(LOCK, "w")
deadline = time.time() + 300
while True:
    try:
        fcntl.flock(lockf, fcntl.LOCK_EX | fcntl.LOCK_NB)
        break
    except OSError:
        if time.time() > deadline:
            check(False, "package: another run held %s for 300 s" % LOCK)
            done()
        time.sleep(1)

run(["ip", "link", "set", "lo", "up"])
tmp = os.path.join("/tmp", "capsuled-package-%d" % os.getpid())
os.makedirs(tmp)
made_policy = not os.path.exists(POLICY)
user_before = run(["getent", "passwd", "_capsuled"])[0] == 0
installed = False
before = set()
try:
    if made_policy:
        # Nothing to bind-mount over: a file for the mount's sake, which
        # says no to every other process while this test runs.
        with open(POLICY, "w") as f:
            f.write("#!/bin/sh\nexit 101\n")
        os.chmod(POLICY, 0o755)
    before = names_with_capsuled()
    check(not procs_of(DAEMON), "package: no packaged capsuled runs before")

    # --- build ---------------------------------------------------------
    src = tree_copy(os.path.join(tmp, "capsuled"))
    t0 = time.time()
    rc, out = run(["nice", "dpkg-buildpackage", "-us", "-uc", "-b"],
                  cwd=src, timeout=900,
                  env={"DEB_BUILD_OPTIONS": "parallel=2"})
    build_s = time.time() - t0
    check(rc == 0, "package: dpkg-buildpackage -us -uc -b in a fresh copy "
          "(%.0f s)" % build_s, out[-3000:])
    rc, version = run(["dpkg-parsechangelog", "-S", "Version"], cwd=src)
    arch = run(["dpkg", "--print-architecture"])[1].strip()
    deb = os.path.join(tmp, "capsuled_%s_%s.deb" % (version.strip(), arch))
    check(os.path.isfile(deb), "package: it makes capsuled_VERSION_ARCH.deb",
          sorted(os.listdir(tmp)))
    rc, v = run([os.path.join(src, "build", "capsuled"), "-V"])
    check(v.strip() == "capsuled " + version.strip(),
          "package: its version is capsuled -V's", (v, version))
    changes = glob.glob(os.path.join(tmp, "*.changes"))
    t0 = time.time()
    rc, lint = run(["lintian", "--pedantic"] + changes, timeout=300)
    print("# lintian: %.0f s" % (time.time() - t0))
    tags = [ln for ln in lint.splitlines() if ln[:2] in
            ("E:", "W:", "I:", "P:", "X:")]
    for t in tags:
        print("# lintian: " + t)
    check(rc is not None and not [t for t in tags if t.startswith("E:")],
          "package: lintian reports no error (%d other tags)" % len(tags),
          lint)
    if not os.path.isfile(deb):
        raise SystemExit

    # --- install, policy-rc.d says no --------------------------------
    t_install = time.time()
    check(policy(tmp, False), "package: policy-rc.d says no (bind mount)")
    rc, out = dpkg("-i", deb)
    installed = True
    check(rc == 0, "package: dpkg -i", out)
    check("policy-rc.d denied" in out and not procs_of(DAEMON),
          "package: policy-rc.d is honoured: not started", out)
    rc, pw = run(["getent", "passwd", "_capsuled"])
    fields = pw.strip().split(":")
    check(rc == 0 and len(fields) == 7 and int(fields[2]) < 1000 and
          fields[6] == "/usr/sbin/nologin",
          "package: system user _capsuled, no login shell", pw)
    rc, conffiles = run(["dpkg-query", "-W", "-f=${Conffiles}", "capsuled"])
    check("/etc/capsuled.conf " in conffiles and
          "/etc/default/capsuled " in conffiles,
          "package: /etc/capsuled.conf and /etc/default/capsuled are "
          "conffiles", conffiles)
    rc, out = run(["diff", "-r", os.path.join(src, "capsule"),
                   STATE + "/capsule"])
    check(rc == 0, "package: /var/lib/capsuled/capsule is the guide", out)
    check(glob.glob("/etc/rc2.d/S*capsuled") and
          glob.glob("/etc/rc0.d/K*capsuled") and os.path.islink(
              "/etc/systemd/system/multi-user.target.wants/"
              "capsuled.service"),
          "package: enabled for SysV runlevels and systemd")
    unit = "/lib/systemd/system/capsuled.service"
    rc, out = run(["systemd-analyze", "verify", "--man=no", unit])
    check(rc == 0 and out.strip() == "", "package: systemd-analyze verify "
          "of the installed unit (and its drop-in) reports nothing", out)
    progs = exec_programs([unit, unit + ".d/debian.conf"])
    whose = [(p,) + provided(p, deb) for p in progs]
    check(progs and all(ok for _, ok, _ in whose),
          "package: every program the unit runs comes with the package, "
          "a package it depends on, or an Essential one", whose)
    with open(unit) as f:
        text = f.read()
    with open(unit + ".d/debian.conf") as f:
        dropin = f.read()
    check("ExecStart=/usr/sbin/capsuled -P " in text and
          "StateDirectory=capsuled" in text and
          "ExecStartPre=\nExecStartPre=/usr/sbin/capsuled -n" in dropin,
          "package: the unit runs /usr/sbin/capsuled; the drop-in keeps "
          "the check and drops /var/empty")

    rc, out = run([DAEMON, "-n", "-f", "/etc/capsuled.conf"])
    check(rc == 0 and "would make a self-signed certificate " + CRT in out
          and not os.path.exists(STATE + "/certs"),
          "package: capsuled -n would make the certificate, makes nothing",
          (rc, out))

    # --- start through the init script --------------------------------
    rc, out = run(["/etc/init.d/capsuled", "start"])
    check(rc == 0, "package: /etc/init.d/capsuled start", out)
    # The init script returns once the pid file is there; the workers
    # are forked just after.
    nworkers = min(max(os.sysconf("SC_NPROCESSORS_ONLN"), 1), 64)
    wait_for(lambda: len(running()[1]) >= nworkers, 10)
    pid, workers = running()
    check(pid is not None and os.readlink("/proc/%d/exe" % pid) == DAEMON and
          len(workers) == nworkers, "package: a parent and its %d "
          "workers run" % nworkers,
          (pid, workers))
    printed = [ln.split("fingerprint ", 1)[1].strip()
               for ln in out.splitlines() if "SHA-256 fingerprint" in ln]
    check(os.path.isfile(CRT) and os.path.isfile(KEY) and
          os.stat(KEY).st_mode & 0o777 == 0o600 and
          os.stat(KEY).st_uid == 0 and printed == [file_fp(CRT)],
          "package: the certificate was made at start (key 0600 root), "
          "its fingerprint printed", (printed, out))
    uid = fields[2] if len(fields) == 7 else None
    # The packaged configuration runs no scripts: no CGI runner.
    always = [n for n in HELPER_NAMES if n != "capsuled-cgi"]
    helpers = [h for name in HELPER_NAMES for h in child_pids(pid, name)]
    bad = [] if len(helpers) == len(always) else [("helpers", helpers)]
    for w in workers + helpers:
        u, g = status_field(w, "Uid"), status_field(w, "Gid")
        if u is None or set(u) != {uid} or g is None or len(set(g)) != 1:
            bad.append((w, "uid/gid", u, g))
        if status_field(w, "Seccomp") != ["2"]:
            bad.append((w, "seccomp", status_field(w, "Seccomp")))
        try:
            root = os.readlink("/proc/%d/root" % w)
        except OSError as e:
            root = str(e)
        if root != STATE + "/empty":
            bad.append((w, "root", root))
    check(workers and not bad, "package: workers, key process and "
          "spawner run as _capsuled, chrooted into /var/lib/capsuled/empty, "
          "under seccomp", bad)
    with open(STATE + "/capsule/index.gmi", "rb") as f:
        index = f.read()
    with open(STATE + "/capsule/guide/why-it-matters.gmi", "rb") as f:
        page = f.read()
    sels = ("/", "/guide/", "/guide/why-it-matters.gmi")
    want = reference_gopher(tmp, os.path.join(src, "capsule"), sels)
    for addr in ADDRS:
        check(gemini(addr) == b"20 text/gemini\r\n" + index and
              gemini(addr, "/guide/why-it-matters.gmi") ==
              b"20 text/gemini\r\n" + page,
              "package: Gemini on %s port 1965, byte for byte" % addr,
              gemini(addr)[:200])
        got = {s: gopher(addr, 70, s) for s in sels}
        check(got == want and got["/"].endswith(b"\r\n.\r\n") and
              b"\tlocalhost\t70\r\n" in got["/"],
              "package: Gopher on %s port 70, byte for byte as the tree's "
              "build serves it" % addr, (got["/"][:300], want["/"][:300]))
        check(served_cert(addr) == file_fp(CRT),
              "package: %s serves the certificate made" % addr)
    rc, out = run(["/etc/init.d/capsuled", "status"])
    check(rc == 0, "package: status says running", out)

    # --- reinstall, policy-rc.d says yes ------------------------------
    fp0 = file_fp(CRT)
    check(policy(tmp, True), "package: policy-rc.d says yes")
    rc, out = dpkg("-i", deb)
    pid2, workers2 = running()
    check(rc == 0 and pid2 is not None and pid2 != pid and
          os.readlink("/proc/%d/exe" % pid2) == DAEMON,
          "package: dpkg -i again restarts it through invoke-rc.d",
          (rc, out, pid, pid2))
    check(wait_for(lambda: gemini("127.0.0.1").startswith(b"20 ")) and
          served_cert("127.0.0.1") == fp0 == file_fp(CRT),
          "package: the restarted server reuses the certificate")
    rc, out = run(["/etc/init.d/capsuled", "reload"])
    check(rc == 0 and wait_for(
        lambda: gemini("::1") == b"20 text/gemini\r\n" + index),
        "package: reload, still serving", out)

    # --- stop and purge ------------------------------------------------
    rc, out = run(["/etc/init.d/capsuled", "stop"])
    check(rc == 0 and wait_for(lambda: not procs_of(DAEMON), 10) and
          not os.path.exists("/run/capsuled.pid"),
          "package: stop leaves no process and no pid file", out)
    rc, out = run(["/etc/init.d/capsuled", "status"])
    check(rc == 3, "package: status after stop is 3", out)
    rc, out = dpkg("--purge", "capsuled")
    installed = rc != 0
    check(rc == 0, "package: dpkg --purge", out)
    rc, st = run(["dpkg-query", "-W", "-f=${db:Status-Abbrev}", "capsuled"])
    check(rc != 0 or st.strip() in ("", "un", "pn"),
          "package: dpkg knows it no more", st)
    after = names_with_capsuled()
    check(after == before and not os.path.exists(STATE) and
          not os.path.exists("/etc/capsuled.conf") and
          not glob.glob("/etc/rc?.d/*capsuled"),
          "package: purge leaves no file behind (configuration, "
          "/var/lib/capsuled, certificates, links, dpkg's records)",
          sorted(after ^ before))
    check(not procs_of(DAEMON) and not os.path.exists(
        "/etc/init.d/capsuled"), "package: no process, no service left")
    print("# from dpkg -i to the purge: %.0f s" % (time.time() - t_install))
finally:
    if installed:
        run(["/etc/init.d/capsuled", "stop"])
        dpkg("--purge", "capsuled")
    for p in procs_of(DAEMON):
        os.kill(p, 9)
    # Whatever a broken package left (its checks failed above) goes too.
    for p in sorted(names_with_capsuled() - before, reverse=True):
        if os.path.isdir(p) and not os.path.islink(p):
            shutil.rmtree(p, ignore_errors=True)
        elif os.path.lexists(p):
            os.unlink(p)
    run(["umount", POLICY])
    if made_policy:
        os.unlink(POLICY)
    if not user_before:
        # Debian keeps a package's system user after a purge; this test
        # leaves the machine as it found it.
        run(["userdel", "_capsuled"])
        if run(["getent", "group", "_capsuled"])[0] == 0:
            run(["groupdel", "_capsuled"])
    shutil.rmtree(tmp, ignore_errors=True)
done()
