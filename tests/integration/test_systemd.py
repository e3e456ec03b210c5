"""
test_systemd.py: the systemd unit, checked as far as a machine without
systemd as PID 1 allows, each check against what the unit file says:

- systemd-analyze verify on the unit as installed by `make install`
  (binary path pointed at the installed copy): no warning at all; and a
  copy with a misspelt key does warn, so the check can fail.
- systemd-analyze security --offline: the exposure score stays low.
- CapabilityBoundingSet and NoNewPrivileges, reproduced with setpriv(1)
  (as root, which the unit also runs as): capsuled binds a port below
  1024, serves both protocols, its workers drop to nobody with no
  capabilities, it reloads and stops cleanly.  Without
  CAP_NET_BIND_SERVICE the same start fails, so the emulation is real.
- SystemCallFilter, RestrictAddressFamilies, ProcSubset and the
  read-only file system: every system call capsuled makes over a whole
  life (check, start, both protocols, reload, stop), as strace records
  it, is in the unit's allow-list (groups expanded by systemd-analyze);
  every socket family is allowed; no /proc file outside the process's
  own is opened; nothing is opened for writing but the pid file and
  /dev/null (PrivateDevices keeps it).
"""

import os
import re
import shutil
import signal
import socket
import subprocess

from harness import check, done, plan
from rcdlib import (alive, bound_ports, check_install, children, gemini_get,
                    gopher_get, kill_all, make_capsule, procs_of, quick_args,
                    read_pidfile, run, status_field, tempdir, wait_for)

plan(25)

UNIT = "capsuled.service"
CAP_BITS = {
    "CAP_CHOWN": 0, "CAP_DAC_OVERRIDE": 1, "CAP_DAC_READ_SEARCH": 2,
    "CAP_FOWNER": 3, "CAP_FSETID": 4, "CAP_KILL": 5, "CAP_SETGID": 6,
    "CAP_SETUID": 7, "CAP_SETPCAP": 8, "CAP_NET_BIND_SERVICE": 10,
    "CAP_NET_RAW": 13, "CAP_SYS_CHROOT": 18, "CAP_SYS_ADMIN": 21,
    "CAP_SYS_RESOURCE": 24,
}


def unit_settings(path):
    """[(section, key, value)] in file order (keys may repeat)."""
    out, section = [], None
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line[0] in "#;":
                continue
            if line.startswith("["):
                section = line.strip("[]")
                continue
            key, _, value = line.partition("=")
            out.append((section, key.strip(), value.strip()))
    return out


def setting(settings, key):
    vals = [v for s, k, v in settings if k == key]
    return vals[-1] if vals else None


def expand_filter(tokens):
    """System call names allowed by a SystemCallFilter= allow-list."""
    names, seen = set(), set()
    todo = list(tokens)
    while todo:
        t = todo.pop()
        if not t.startswith("@"):
            names.add(t)
            continue
        if t in seen:
            continue
        seen.add(t)
        p = subprocess.run(["systemd-analyze", "syscall-filter",
                            "--no-pager", t], capture_output=True, text=True)
        for line in p.stdout.splitlines()[1:]:
            line = line.strip()
            if line and not line.startswith("#"):
                todo.append(line)
    return names


def low_ports(n=2):
    """n ports below 1024 that are free on 127.0.0.1 (we are root)."""
    got = []
    for port in range(700, 1024):
        s = socket.socket()
        try:
            s.bind(("127.0.0.1", port))
            got.append(port)
        except OSError:
            pass
        finally:
            s.close()
        if len(got) == n:
            return got
    return None


def cap_mask(caps):
    m = 0
    for c in caps:
        m |= 1 << CAP_BITS[c]
    return m


def start_logged(argv, log):
    f = open(log, "ab")
    return subprocess.Popen(argv, stdout=f, stderr=subprocess.STDOUT)


def logtext(log):
    with open(log, "rb") as f:
        return f.read().decode(errors="replace")


tmp = tempdir("capsuled-systemd-")
dest = os.path.join(tmp, "dest")
daemon = None
procs = []
try:
    ex = check_install("systemd", dest)
    daemon = dest + "/usr/sbin/capsuled"
    installed = os.path.join(ex, "systemd", UNIT)
    settings = unit_settings(installed)
    check(setting(settings, "ExecStart") is not None and
          setting(settings, "ExecStart").startswith("/usr/sbin/capsuled -P "),
          "systemd: ExecStart runs /usr/sbin/capsuled with -P first",
          setting(settings, "ExecStart"))

    # --- systemd-analyze verify / security ---------------------------
    if shutil.which("systemd-analyze") is None:
        check(False, "systemd: systemd-analyze is installed "
              "(apt-get install systemd)")
        raise SystemExit
    vdir = os.path.join(tmp, "verify")
    os.makedirs(vdir)
    unit = os.path.join(vdir, UNIT)
    with open(installed) as f:
        text = f.read().replace("/usr/sbin/capsuled", daemon)
    with open(unit, "w") as f:
        f.write(text)
    rc, out = run(["systemd-analyze", "verify", "--man=no", unit])
    check(rc == 0 and out.strip() == "",
          "systemd: systemd-analyze verify reports nothing", out)
    bogus = os.path.join(vdir, "bogus", UNIT)
    os.makedirs(os.path.dirname(bogus))
    with open(bogus, "w") as f:
        f.write(text.replace("[Service]\n", "[Service]\nProtectSytem=yes\n"))
    rc, out = run(["systemd-analyze", "verify", "--man=no", bogus])
    check("Unknown key" in out and "ProtectSytem" in out,
          "systemd: verify does flag a misspelt key (control)", out)
    rc, out = run(["systemd-analyze", "security", "--offline=true",
                   "--no-pager", unit])
    m = re.search(r"Overall exposure level for %s: ([0-9.]+)" %
                  re.escape(UNIT), out)
    score = float(m.group(1)) if m else None
    check(score is not None and score <= 3.0,
          "systemd: exposure score %s (systemd-analyze security; want "
          "<= 3.0)" % score, out[-3000:])

    # --- capabilities and no_new_privs, as the unit grants them -------
    caps = setting(settings, "CapabilityBoundingSet").split()
    nnp = setting(settings, "NoNewPrivileges") == "yes"
    check(set(caps) <= set(CAP_BITS) and nnp,
          "systemd: bounding set %s, NoNewPrivileges=yes" % " ".join(caps),
          caps)
    capsule = os.path.join(tmp, "capsule")
    make_capsule(capsule, "Before")
    lp = low_ports() if os.geteuid() == 0 else None
    if not check(lp is not None, "systemd: running as root with two free "
                 "ports below 1024 on 127.0.0.1"):
        raise SystemExit

    def setpriv(capset):
        bound = ",".join(["-all"] + ["+" + c[4:].lower() for c in capset])
        argv = ["setpriv", "--bounding-set", bound, "--inh-caps", "-all"]
        if nnp:
            argv.append("--no-new-privs")
        return argv

    log = os.path.join(tmp, "caps.log")
    pidfile = os.path.join(tmp, "caps.pid")
    args = quick_args(lp[0], lp[1], capsule)
    p = start_logged(setpriv(caps) + [daemon, "-d", "-P", pidfile] + args,
                     log)
    up = wait_for(lambda: read_pidfile(pidfile) is not None and
                  b"Before" in gopher_get(lp[1]))
    check(up, "systemd: with only the unit's capabilities capsuled binds "
          "ports %d and %d" % tuple(lp), logtext(log))
    r = gemini_get(lp[0])
    check(r.startswith(b"20 text/gemini\r\n# Before"),
          "systemd: Gemini served on a port below 1024", r)
    pid = p.pid
    eff = status_field(pid, "CapEff")
    bnd = status_field(pid, "CapBnd")
    want = "%016x" % cap_mask(caps)
    check(eff == [want] and bnd == [want] and
          status_field(pid, "NoNewPrivs") == ["1"],
          "systemd: the parent holds exactly the bounding set",
          (eff, bnd, want))
    workers = children(pid)
    nobody = str(__import__("pwd").getpwnam("nobody").pw_uid)
    check(len(workers) == 2 and
          all(set(status_field(w, "Uid") or []) == {nobody} and
              status_field(w, "CapEff") == ["0" * 16] for w in workers),
          "systemd: workers run as nobody with no capabilities",
          [(w, status_field(w, "Uid"), status_field(w, "CapEff"))
           for w in workers])
    make_capsule(capsule, "After")
    os.kill(pid, signal.SIGHUP)
    check(wait_for(lambda: b"After" in gemini_get(lp[0])),
          "systemd: reload (SIGHUP) works with the unit's capabilities",
          logtext(log))
    check(wait_for(lambda: not set(workers) & set(children(pid))),
          "systemd: the old workers are retired after the reload",
          (workers, children(pid)))
    procs = procs_of(daemon)
    p.send_signal(signal.SIGTERM)
    try:
        code = p.wait(30)
    except subprocess.TimeoutExpired:
        code = None
    check(code == 0 and procs_of(daemon) == [] and
          not any(alive(x) for x in procs),
          "systemd: SIGTERM stops it cleanly with the unit's capabilities",
          (code, procs_of(daemon)))

    without = [c for c in caps if c != "CAP_NET_BIND_SERVICE"]
    p = start_logged(setpriv(without) + [daemon, "-d"] + args, log + ".2")
    try:
        code = p.wait(15)
    except subprocess.TimeoutExpired:
        p.kill()
        code = None
    check(code not in (0, None) and "ermission denied" in logtext(log + ".2"),
          "systemd: without CAP_NET_BIND_SERVICE the bind fails (control)",
          (code, logtext(log + ".2")))

    # --- system calls, socket families, files, under strace ----------
    if not check(shutil.which("strace") is not None,
                 "systemd: strace is installed (apt-get install strace)"):
        raise SystemExit
    trace = os.path.join(tmp, "trace")
    args = quick_args(0, 0, capsule)
    pidfile = os.path.join(tmp, "trace.pid")

    def gem():
        """The Gemini port the traced daemon bound (port 0)."""
        return bound_ports(read_pidfile(pidfile))[0]

    def goph():
        return bound_ports(read_pidfile(pidfile))[1]
    rc, out = run(["strace", "-f", "-qq", "-o", trace + ".n", daemon,
                   "-n"] + args)
    check(rc == 0, "systemd: capsuled -n under strace", out)
    # Without -d, as the unit starts it: capsuled detaches (strace -f
    # follows) and logs to syslog.
    p = start_logged(["strace", "-f", "-qq", "-o", trace, daemon,
                      "-P", pidfile] + args, log + ".3")
    up = wait_for(lambda: read_pidfile(pidfile) is not None and
                  b"After" in gemini_get(gem), timeout=20)
    g = gopher_get(goph)
    make_capsule(capsule, "Traced")
    pid = read_pidfile(pidfile)
    if pid:
        os.kill(pid, signal.SIGHUP)
    reloaded = wait_for(lambda: b"Traced" in gemini_get(gem) and
                        b"Traced" in gopher_get(goph), timeout=20)
    if pid:
        os.kill(pid, signal.SIGTERM)
    try:
        code = p.wait(60)
    except subprocess.TimeoutExpired:
        p.kill()
        code = None
    check(up and b"After" in g and reloaded and code == 0,
          "systemd: a whole life under strace: start, both protocols, "
          "reload, stop", (up, g[:200], reloaded, code, logtext(log + ".3")))

    lines = []
    for path in (trace + ".n", trace):
        with open(path, errors="replace") as f:
            lines += f.read().splitlines()
    call = re.compile(r"^\d+\s+(?:<\.\.\. )?([a-z0-9_]+)[( ]")
    used = set()
    for line in lines:
        m = call.match(line)
        if m:
            used.add(m.group(1))
    allowed = expand_filter(setting(settings, "SystemCallFilter").split())
    missing = sorted(used - allowed)
    check(used and not missing,
          "systemd: all %d system calls capsuled made are in "
          "SystemCallFilter" % len(used), missing)
    check(used - expand_filter(["@basic-io"]),
          "systemd: the same calls against @basic-io alone do not all pass "
          "(control)")

    families = set(re.findall(r"\bsocket\((AF_[A-Z0-9]+)", "\n".join(lines)))
    permitted = set(setting(settings, "RestrictAddressFamilies").split())
    check(families and families <= permitted,
          "systemd: socket families %s are in RestrictAddressFamilies" %
          " ".join(sorted(families)), families - permitted)

    paths = re.findall(r'^\d+\s+(?:open|openat|openat2|creat)\(.*?"([^"]*)"'
                       r'(.*)$', "\n".join(lines), re.M)
    proc_bad = sorted({path for path, _ in paths
                       if path.startswith("/proc/") and
                       not re.match(r"/proc/(self|thread-self|\d+)/", path)})
    check(setting(settings, "ProcSubset") == "pid" and not proc_bad,
          "systemd: the unit says ProcSubset=pid, and no /proc file "
          "outside the process's own is opened", proc_bad)
    writes = sorted({path for path, rest in paths
                     if re.search(r"O_(WRONLY|RDWR|CREAT)", rest)})
    check(set(writes) <= {pidfile, "/dev/null"} and pidfile in writes,
          "systemd: nothing but the pid file and /dev/null is opened for "
          "writing (ProtectSystem=strict)", writes)
except SystemExit:
    pass
finally:
    if daemon is not None:
        kill_all(daemon)
    shutil.rmtree(tmp, ignore_errors=True)
done()
