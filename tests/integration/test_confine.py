"""
test_confine.py: confinement tested as an attacker with code inside a
process would test it (issue 13).  As root, tests/tools/inject attaches
to a live worker (and to the key process and the spawner) with ptrace
and makes it call what the attacker would: open /etc/passwd from every
descriptor it holds, create a file, make memory executable, open a
socket, exec, fork, signal, ptrace, an x32 call, an i386 call.  Every
call must fail or kill the process, and service must go on; each call
on the worker's allow-list (harmless arguments) must be let through.  A control makes sure
the injection works (getpid answers the pid).  Then: no private key in
any process's memory but the key process's (scanned before and after a
key rotation), only what the workers' user may read is published, no
inherited descriptor reaches a child, a TLS session of one virtual host
does not resume under another, and killing the key process or the
spawner under load fails no request.
"""

import os
import re
import signal
import socket
import ssl
import subprocess
import threading
import time

from harness import (CAPSULED, check, cert, child_pids, Daemon, done,
                     gemini_raw, plan, wait_for, _TMP)

TOP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
BUILD = os.path.dirname(os.path.abspath(CAPSULED))
INJECT = os.path.join(BUILD, "tools", "inject")
SANDBOXTEST = os.path.join(BUILD, "capsuled-sandboxtest")

# x86_64 system call numbers
NR = dict(read=0, write=1, close=3, poll=7, mmap=9, mprotect=10, munmap=11,
          brk=12, rt_sigaction=13, rt_sigprocmask=14, mremap=25, madvise=28,
          getpid=39, socket=41, connect=42, accept=43, sendto=44,
          recvfrom=45, sendmsg=46, recvmsg=47, shutdown=48, bind=49,
          getsockname=51, setsockopt=54, clone=56, fork=57, execve=59,
          exit=60, kill=62, gettimeofday=96, ptrace=101, time=201, futex=202,
          restart_syscall=219, clock_gettime=228, epoll_wait=232,
          epoll_ctl=233, ppoll=271, epoll_pwait=281, accept4=288,
          exit_group=231, getrandom=318, openat=257, openat2=437,
          epoll_pwait2=441)
# Through int $0x80, the i386 entry: geteuid32 has time's number on
# x86_64, a call the worker may make, so only the architecture check
# stands between it and the kernel.
I386_GETEUID = "i386:201"
X32 = 0x40000000
AT_FDCWD = -100
O_RDONLY, O_WRONLY, O_RDWR = 0, 1, 2
O_CREAT, O_TRUNC, O_APPEND = 0o100, 0o1000, 0o2000
PROT_WRITE = 2
O_DIRECTORY, O_TMPFILE = 0o200000, 0o20200000
PROT_READ, PROT_EXEC = 1, 4
MAP_PRIVATE_ANON = 0x22
SOL_SOCKET, SO_REUSEADDR = 1, 2
IPPROTO_TCP, TCP_NODELAY, TCP_QUICKACK, TCP_CORK = 6, 1, 12, 3
ENOENT, EPERM, EACCES, ENOTDIR, ENOSYS = 2, 1, 13, 20, 38


def inject(pid, name, *args):
    """("ret", n) or ("killed", signal) or ("error", text)."""
    nr = NR.get(name, name) if isinstance(name, str) else name
    p = subprocess.run([INJECT, str(pid), str(nr)] + [str(a) for a in args],
                       capture_output=True, text=True, timeout=10)
    words = p.stdout.split()
    if p.returncode != 0 or len(words) != 2:
        return ("error", p.stderr.strip())
    return (words[0], int(words[1]))


def comm(pid):
    try:
        with open("/proc/%d/comm" % pid) as f:
            return f.read().strip()
    except OSError:
        return None


def status(pid, field):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return line.split(":", 1)[1].split()
    return None


def fds(pid):
    """{fd: target} of a process."""
    out = {}
    d = "/proc/%d/fd" % pid
    for n in os.listdir(d):
        try:
            out[int(n)] = os.readlink(os.path.join(d, n))
        except OSError:
            pass
    return out


def dir_fds(pid):
    return [n for n in fds(pid)
            if os.path.isdir("/proc/%d/fd/%d" % (pid, n))]


def fresh_worker(d, old=()):
    """A worker that is not one of old, once one runs (bounded wait)."""
    found = []

    def ready():
        found[:] = [w for w in d.workers() if w not in old]
        return bool(found) and status(found[0], "Seccomp") == ["2"]
    wait_for(ready, 10)
    return found[0] if found else None


def serving(d):
    try:
        r, _ = d.gemini(d.url("/"))
    except (OSError, ssl.SSLError):
        return False
    g = d.gopher("/")
    return r.startswith(b"20 ") and g.startswith(b"i")


CONF = """{user}prefork 2
inline-max 1000
session-tickets 600
server "localhost" {{
\troot "{root}"
\tcert "{crt}"
\tkey "{key}"
\tlisten gemini on 127.0.0.1 port {gemini_port}
\tlisten gopher on 127.0.0.1 port {gopher_port}
}}
"""

FILES = {
    "index.gmi": "# Confined\n\nA page.\n",
    "big.txt": "x" * 200000 + "\n",
}

plan(83)
if os.geteuid() != 0:
    check(False, "confine: these checks need root (ptrace, setuid, chroot)")
    done()

check(os.access(INJECT, os.X_OK), "confine: the injector is built",
      INJECT)
d = Daemon(files=FILES, conf=CONF)
try:
    # The control: injection really runs a call in the process.
    w = fresh_worker(d)
    r = inject(w, "getpid")
    check(r == ("ret", w), "control: an injected getpid in a worker "
          "returns its pid", r)

    # Who runs as what.
    parent = d.proc.pid
    kp = child_pids(parent, "capsuled-keys")
    sp = child_pids(parent, "capsuled-spawn")
    check(len(kp) == 1 and len(sp) == 1 and len(d.workers()) == 2,
          "processes: a parent, a key process, a spawner, two workers",
          (kp, sp, d.workers()))
    for role, pids in (("worker", d.workers()), ("key process", kp),
                       ("spawner", sp)):
        for p in pids:
            check(status(p, "Uid")[:3] == [str(65534)] * 3 and
                  status(p, "Seccomp") == ["2"] and
                  status(p, "NoNewPrivs") == ["1"] and
                  os.readlink("/proc/%d/root" % p) == "/var/empty",
                  "%s %d: nobody, chrooted to /var/empty, no_new_privs, "
                  "seccomp" % (role, p),
                  (status(p, "Uid"), status(p, "Seccomp"),
                   os.readlink("/proc/%d/root" % p)))

    # A worker holds no directory: nothing to climb from.
    w = fresh_worker(d)
    held = fds(w)
    check(dir_fds(w) == [], "worker: holds no directory descriptor "
          "(%d descriptors: %s)" % (len(held), sorted(set(
              re.sub(r"\[\d+\]", "", t) for t in held.values()))),
          held)
    results = {n: inject(w, "openat", n, "s:../../../../etc/passwd",
                         O_RDONLY) for n in held}
    check(all(r[0] == "ret" and r[1] < 0 for r in results.values()),
          "worker: openat(fd, \"../../../../etc/passwd\") fails from each "
          "of its %d descriptors" % len(held), results)
    r = inject(w, "openat", AT_FDCWD, "s:/etc/passwd", O_RDONLY)
    check(r == ("ret", -ENOENT), "worker: /etc/passwd is not there "
          "(chroot)", r)
    r = inject(w, "openat", AT_FDCWD, "s:/", O_RDONLY | O_DIRECTORY)
    check(r == ("ret", -EACCES), "worker: opening even its own root "
          "directory is refused (Landlock: no file at all)", r)
    r = inject(w, "openat2", AT_FDCWD, "s:/etc/passwd", "b:24", 24)
    check(r == ("ret", -ENOSYS), "worker: openat2 fails (ENOSYS), its "
          "flags being out of seccomp's sight", r)
    check(serving(d), "worker: still serving after the failed calls")

    # Each refused call, in turn: the worker is killed, another serves.
    pwned = "/tmp/capsuled-pwned-%d" % os.getpid()
    fatal = [
        ("openat O_WRONLY|O_CREAT outside the capsule",
         ("openat", AT_FDCWD, "s:" + pwned, O_WRONLY | O_CREAT, 0o644)),
        ("openat O_WRONLY", ("openat", AT_FDCWD, "s:/x", O_WRONLY)),
        ("openat O_RDWR", ("openat", AT_FDCWD, "s:/x", O_RDWR)),
        ("openat O_CREAT (read-only otherwise)",
         ("openat", AT_FDCWD, "s:/x", O_RDONLY | O_CREAT, 0o644)),
        ("openat O_TRUNC", ("openat", AT_FDCWD, "s:/x", O_TRUNC)),
        ("openat O_APPEND", ("openat", AT_FDCWD, "s:/x", O_APPEND)),
        ("openat O_TMPFILE (no other write flag)",
         ("openat", AT_FDCWD, "s:/", O_TMPFILE, 0o600)),
        ("mmap PROT_EXEC", ("mmap", 0, 4096, PROT_READ | PROT_EXEC,
                            MAP_PRIVATE_ANON, -1, 0)),
        ("mprotect PROT_EXEC", ("mprotect", "MAP", 4096,
                                PROT_READ | PROT_EXEC)),
        ("execve", ("execve", "s:/bin/sh", 0, 0)),
        ("fork", ("fork",)),
        ("clone", ("clone", 17, 0, 0, 0, 0)),
        ("kill of the parent", ("kill", d.proc.pid, signal.SIGTERM)),
        ("ptrace", ("ptrace", 0, 0, 0, 0)),
        ("bind", ("bind", 3, 0, 0)),
        ("an x32 call (open)", (X32 | 2, "s:/etc/passwd", O_RDONLY)),
        ("an i386 call (int $0x80, geteuid32: time's number)",
         (I386_GETEUID,)),
    ]
    for what, call in fatal:
        w = fresh_worker(d, ())
        args = list(call[1:])
        if "MAP" in args:	# a page of its own to mprotect
            m = inject(w, "mmap", 0, 4096, PROT_READ, MAP_PRIVATE_ANON, -1, 0)
            args[args.index("MAP")] = m[1] if m[0] == "ret" else 0
        r = inject(w, call[0], *args)
        gone = wait_for(lambda: w not in d.workers(), 5)
        check(r == ("killed", signal.SIGSYS) and gone,
              "worker: %s kills it (SIGSYS)" % what, r)
    check(not os.path.exists(pwned) and
          not os.path.exists("/var/empty" + pwned),
          "worker: the file it tried to create does not exist")
    w = fresh_worker(d)
    results = [inject(w, "setsockopt", 3, SOL_SOCKET, SO_REUSEADDR,
                      "b:4", 4),
               inject(w, "socket", 2, 1, 0),
               inject(w, "connect", 3, "b:16", 16)]
    check(results == [("ret", -EPERM), ("ret", -EACCES), ("ret", -EACCES)],
          "worker: setsockopt SO_REUSEADDR (EPERM), socket and connect "
          "(EACCES) fail without killing", results)
    r = [inject(w, "setsockopt", 9999, IPPROTO_TCP, opt, "b:4", 4)
         for opt in (TCP_QUICKACK, TCP_CORK)]
    check(all(x[0] == "ret" and x[1] != -EPERM for x in r), "worker: "
          "setsockopt TCP_QUICKACK and TCP_CORK are let through (the two "
          "options it sets)", r)
    # The level and the option are checked each on its own.
    results = [inject(w, "setsockopt", 9999, IPPROTO_TCP, TCP_NODELAY,
                      "b:4", 4),
               inject(w, "setsockopt", 9999, SOL_SOCKET, TCP_QUICKACK,
                      "b:4", 4),
               inject(w, "setsockopt", 9999, SOL_SOCKET, TCP_CORK,
                      "b:4", 4)]
    check(results == [("ret", -EPERM)] * 3,
          "worker: setsockopt of another TCP option, and of TCP_QUICKACK's "
          "and TCP_CORK's numbers at the socket level, fail (EPERM)",
          results)

    # What is on the list is let through: mmap and mprotect without
    # PROT_EXEC, and each other call, with arguments that harm nothing
    # (a bad descriptor, a zero length).  A call missing from the list
    # would kill the worker (SIGSYS) instead of returning.
    m = inject(w, "mmap", 0, 4096, PROT_READ, MAP_PRIVATE_ANON, -1, 0)
    p = inject(w, "mprotect", m[1], 4096, PROT_READ | PROT_WRITE) \
        if m[0] == "ret" and m[1] > 0 else None
    check(m[0] == "ret" and m[1] > 0 and p == ("ret", 0),
          "worker: mmap and mprotect without PROT_EXEC are let through",
          (m, p))
    allowed = [
        ("read", -1, 0, 0), ("write", -1, 0, 0), ("close", -1),
        ("recvmsg", -1, 0, 0), ("sendmsg", -1, 0, 0), ("poll", 0, 0, 0),
        ("ppoll", 0, 0, "b:16", 0, 8), ("brk", 0), ("munmap", 0, 0),
        ("mremap", 0, 0, 0, 0), ("madvise", 0, 0, 0),
        ("getrandom", "b:16", 16, 0), ("futex", "b:4", 1, 1),
        ("getpid",), ("clock_gettime", 1, "b:16"),
        ("gettimeofday", "b:16", 0), ("rt_sigaction", 0, 0, 0, 8),
        ("rt_sigprocmask", 0, 0, 0, 8), ("restart_syscall",),
        ("epoll_wait", -1, 0, 1, 0), ("epoll_pwait", -1, 0, 1, 0, 0, 8),
        ("epoll_pwait2", -1, 0, 1, 0, 0, 8), ("epoll_ctl", -1, 1, -1, 0),
        ("time", 0), ("accept", -1, 0, 0), ("accept4", -1, 0, 0, 0),
        ("recvfrom", -1, 0, 0, 0, 0, 0), ("sendto", -1, 0, 0, 0, 0, 0),
        ("shutdown", -1, 0), ("getsockname", -1, 0, 0),
    ]
    refused = [(c[0], r) for c in allowed
               for r in [inject(w, *c)] if r[0] != "ret"]
    check(not refused and w in d.workers(),
          "worker: the %d other calls on its list (rt_sigreturn and the "
          "exits aside) are let through, and it lives" % len(allowed),
          refused)
    # The exits end it as exits do, not by SIGSYS.
    ends = []
    for call in (("exit", 7), ("exit_group", 9)):
        w = fresh_worker(d)
        ends.append(inject(w, *call))
    check(ends == [("exited", 7), ("exited", 9)],
          "worker: exit and exit_group are let through", ends)
    # A worker that died young is replaced RESPAWN_MIN_INTERVAL later:
    # wait for both, not only for one that serves.
    check(wait_for(lambda: len(d.workers()) == 2 and serving(d), 5),
          "worker: after %d killed workers two serve again" % len(fatal),
          d.workers())

    # The key process and the spawner.
    kp = child_pids(parent, "capsuled-keys")[0]
    results = [inject(kp, "openat", AT_FDCWD, "s:/etc/passwd", O_RDONLY),
               inject(kp, "socket", 2, 1, 0)]
    check(results == [("ret", -EACCES), ("ret", -EACCES)],
          "key process: openat and socket fail (EACCES)", results)
    check(dir_fds(kp) == [] and all("socket:" in t or "/dev/null" in t or
                                    t == d.log
                                    for t in fds(kp).values()),
          "key process: holds only sockets and the log", fds(kp))
    r = inject(kp, "execve", "s:/bin/sh", 0, 0)
    check(r == ("killed", signal.SIGSYS), "key process: execve kills it", r)
    check(wait_for(lambda: child_pids(parent, "capsuled-keys") not in
                   ([], [kp]), 5) and serving(d),
          "key process: restarted, and full handshakes go on",
          child_pids(parent, "capsuled-keys"))
    sp = child_pids(parent, "capsuled-spawn")[0]
    roots = dir_fds(sp)
    check(len(roots) == 1 and os.readlink("/proc/%d/fd/%d" %
                                          (sp, roots[0])) == d.root,
          "spawner: holds the capsule root, and no other directory",
          fds(sp))
    r = inject(sp, "openat", roots[0], "s:../../../../etc/passwd", O_RDONLY)
    check(r == ("ret", -EACCES), "spawner: climbing out of the capsule "
          "root is refused (Landlock)", r)
    r = inject(sp, "openat", roots[0], "s:index.gmi", O_RDONLY)
    check(r[0] == "ret" and r[1] >= 0, "spawner: a capsule file opens "
          "(the rule it has)", r)
    r = inject(sp, "openat", roots[0], "s:new", O_WRONLY | O_CREAT, 0o644)
    check(r == ("killed", signal.SIGSYS) and
          not os.path.exists(os.path.join(d.root, "new")),
          "spawner: creating a file in the capsule kills it", r)
    check(wait_for(lambda: child_pids(parent, "capsuled-spawn") not in
                   ([], [sp]), 5) and
          d.gemini(d.url("/big.txt"))[0].startswith(b"20 text/plain"),
          "spawner: restarted, and streamed files are served")
finally:
    d.stop()

# Without Landlock (the test binary can leave it out), what holds is the
# chroot, the user, seccomp, and holding no directory.
d = Daemon(files=FILES, conf=CONF, start=False)
d.argv[0] = SANDBOXTEST
os.environ["CAPSULED_TEST_NO_LANDLOCK"] = "1"
try:
    d.start()
    w = fresh_worker(d)
    check(d.log_has("test: no Landlock"), "no Landlock: the test binary "
          "runs its workers without it")
    r = inject(w, "openat", AT_FDCWD, "s:/", O_RDONLY | O_DIRECTORY)
    check(r[0] == "ret" and r[1] >= 0, "no Landlock: the worker can open "
          "its (empty) root directory", r)
    fd = r[1]
    r = inject(w, "openat", fd, "s:../../../../etc/passwd", O_RDONLY)
    check(r == ("ret", -ENOENT), "no Landlock: \"..\" from it still "
          "reaches nothing (chroot)", r)
    r = inject(w, "openat", fd, "s:x", O_WRONLY | O_CREAT, 0o644)
    check(r == ("killed", signal.SIGSYS) and
          not os.path.exists("/var/empty/x"),
          "no Landlock: creating a file still kills it", r)
    check(wait_for(lambda: serving(d), 5), "no Landlock: service goes on")
finally:
    del os.environ["CAPSULED_TEST_NO_LANDLOCK"]
    d.stop()


# No private key in memory but the key process's -------------------

def key_secrets(key):
    """The EC private scalar (32 bytes) and a line of the PEM text."""
    out = subprocess.run(["openssl", "ec", "-in", key, "-text", "-noout"],
                         capture_output=True, text=True).stdout
    m = re.search(r"priv:\s*\n((?:\s+[0-9a-f:]+\n)+)", out)
    hexs = re.sub(r"[\s:]", "", m.group(1))
    scalar = bytes.fromhex(hexs)[-32:]
    with open(key) as f:
        lines = [l.strip() for l in f if not l.startswith("-----")]
    return scalar, lines[1].encode()


def memory_has(pid, needles):
    """Which of needles occur in pid's readable memory."""
    found = set()
    mem = os.open("/proc/%d/mem" % pid, os.O_RDONLY)
    try:
        with open("/proc/%d/maps" % pid) as f:
            for line in f:
                parts = line.split()
                lo, hi = (int(x, 16) for x in parts[0].split("-"))
                if parts[1][0] != "r" or (len(parts) > 5 and parts[5] in
                                          ("[vvar]", "[vsyscall]")):
                    continue
                try:
                    data = os.pread(mem, hi - lo, lo)
                except OSError:
                    continue
                for n in needles:
                    if n in data:
                        found.add(n)
    finally:
        os.close(mem)
    return found


def fresh_key(d, name):
    crt = os.path.join(d.dir, name + ".crt")
    key = os.path.join(d.dir, name + ".key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
                    "-subj", "/CN=localhost", "-addext",
                    "subjectAltName=DNS:localhost", "-keyout", key,
                    "-out", crt], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return crt, key


d = Daemon(files=FILES, conf=CONF, start=False)
d.crt, d.key = fresh_key(d, "first")
d.write_conf(CONF)
try:
    d.start()
    serving(d)
    old = key_secrets(d.key)
    parent = d.proc.pid
    procs = {"parent": [parent], "workers": d.workers(),
             "spawner": child_pids(parent, "capsuled-spawn")}
    for role, pids in procs.items():
        hits = [memory_has(p, old) for p in pids]
        check(all(not h for h in hits), "memory: the %s hold%s neither the "
              "private scalar nor the PEM text of the key" %
              (role, "" if role == "workers" else "s"), hits)
    kp = child_pids(parent, "capsuled-keys")
    check(len(kp) == 1 and old[0] in memory_has(kp[0], old),
          "memory: the key process holds the scalar (the scan finds it "
          "where it is)", kp)
    # Key rotation: new files, SIGHUP.
    d.crt, d.key = fresh_key(d, "second")
    d.write_conf(CONF)
    new = key_secrets(d.key)
    check(d.reload(), "rotation: the reload with a new key succeeds")
    check(wait_for(lambda: kp[0] not in child_pids(parent, "capsuled-keys"),
                   10), "rotation: the old key process exits once its "
          "workers are gone")
    for role, pids in (("parent", [parent]), ("workers", d.workers()),
                       ("spawner", child_pids(parent, "capsuled-spawn"))):
        hits = [memory_has(p, old + new) for p in pids]
        check(all(not h for h in hits), "rotation: the %s hold%s neither "
              "the old key nor the new one" %
              (role, "" if role == "workers" else "s"), hits)
    kp2 = child_pids(parent, "capsuled-keys")
    h = memory_has(kp2[0], old + new) if kp2 else None
    check(h is not None and new[0] in h and old[0] not in h,
          "rotation: the new key process holds the new key, not the old",
          h)
    out = subprocess.run(["openssl", "s_client", "-connect",
                          "127.0.0.1:%d" % d.gemini_port, "-servername",
                          "localhost"], input="", capture_output=True,
                         text=True, timeout=10).stdout
    fp_new = subprocess.run(["openssl", "x509", "-in", d.crt, "-noout",
                             "-fingerprint", "-sha256"],
                            capture_output=True, text=True).stdout
    served = subprocess.run(["openssl", "x509", "-noout", "-fingerprint",
                             "-sha256"], input=out, capture_output=True,
                            text=True).stdout
    check(served and served == fp_new, "rotation: the new certificate is "
          "served, signed by the new key", (served, fp_new))

    # The key file changes on disk without a reload, then the key
    # process dies: the restarted one must not sign with that key.
    saved = open(d.key, "rb").read()
    crt3, key3 = fresh_key(d, "third")
    os.replace(key3, d.key)
    for p in child_pids(parent, "capsuled-keys"):
        os.kill(p, signal.SIGKILL)
    check(wait_for(lambda: d.log_has("does not match certificate"), 5),
          "key swap: the restart refuses a key that does not match the "
          "certificate")
    try:
        r, _ = d.gemini(d.url("/"))
    except (OSError, ssl.SSLError) as e:
        r = repr(e).encode()
    check(not r.startswith(b"20") and b"SSL" in r, "key swap: no request "
          "is answered with the wrong key (the handshake fails)", r)
    with open(d.key, "wb") as f:
        f.write(saved)
    check(wait_for(lambda: serving(d), 10), "key swap: with the right key "
          "back, the next restart serves again")
finally:
    d.stop()


# Only what the workers' user may read is published ----------------

perm = {
    "index.gmi": "# Public\n",
    "secret.gmi": "# Secret\n",
    "private/inside.gmi": "# Inside\n",
    "group.gmi": "# Group\n",
    "big-secret.bin": "y" * 5000,
    "d/open.gmi": "# Open\n",
    "d/closed.gmi": "# Closed\n",
    "d/shut/x.gmi": "# X\n",
}
d = Daemon(files=perm, conf=CONF, start=False)
os.chmod(os.path.join(d.root, "secret.gmi"), 0o600)
os.chmod(os.path.join(d.root, "private"), 0o700)
os.chown(os.path.join(d.root, "group.gmi"), 0, 65534)
os.chmod(os.path.join(d.root, "group.gmi"), 0o640)
os.chmod(os.path.join(d.root, "big-secret.bin"), 0o600)
os.chmod(os.path.join(d.root, "d", "closed.gmi"), 0o600)
os.chmod(os.path.join(d.root, "d", "shut"), 0o700)
n = subprocess.run([CAPSULED, "-n", "-f", d.conf], capture_output=True,
                   text=True)
check(n.returncode == 1 and "big-secret.bin: user nobody cannot read this "
      "file, which would be streamed (mode 0600" in n.stderr,
      "permissions: -n fails for a streamed file the user cannot read, "
      "and says why", (n.returncode, n.stderr))
os.chmod(os.path.join(d.root, "big-secret.bin"), 0o644)
n = subprocess.run([CAPSULED, "-n", "-f", d.conf], capture_output=True,
                   text=True)
check(n.returncode == 0 and "/secret.gmi: left out: user nobody cannot "
      "read it (mode 0600" in n.stderr and "/private: left out: user "
      "nobody cannot read and search it (mode 0700" in n.stderr,
      "permissions: -n lists what it leaves out, and why", n.stderr)
os.chmod(os.path.join(d.root, "big-secret.bin"), 0o600)
try:
    d.start()
    got = {p: d.gemini(d.url(p))[0][:2] for p in
           ("/", "/secret.gmi", "/private/inside.gmi", "/private/",
            "/group.gmi", "/big-secret.bin")}
    check(got == {"/": b"20", "/secret.gmi": b"51",
                  "/private/inside.gmi": b"51", "/private/": b"51",
                  "/group.gmi": b"20", "/big-secret.bin": b"51"},
          "permissions: a 0600 file, a 0700 directory and an owner-only "
          "streamed file are not served; a file for nobody's group is",
          got)
    g = d.gopher("/secret.gmi")
    check(g.startswith(b"3"), "permissions: on Gopher the 0600 file is "
          "a type-3 line", g[:60])
    idx = d.gemini(d.url("/d/"))[0]
    check(b"open.gmi" in idx and b"closed.gmi" not in idx and
          b"shut" not in idx, "permissions: a listing does not name what "
          "is left out", idx)
finally:
    d.stop()

# A descriptor the starting process had open reaches none of ours.
leak = open(os.path.join(_TMP, "inherited-marker"), "w")
d = Daemon(files=FILES, conf=CONF, start=False)
try:
    d.logf = open(d.log, "ab")
    d.proc = subprocess.Popen(d.argv, stdout=d.logf, stderr=subprocess.STDOUT,
                              pass_fds=(leak.fileno(),))
    wait_for(lambda: re.search(r"capsuled \S+: \d+ workers", d.logtext())
             and len(d.workers()) == 2, 10)
    d.learn_ports(d.logtext())
    serving(d)
    pids = [d.proc.pid] + child_pids(d.proc.pid, "capsuled-keys") + \
        child_pids(d.proc.pid, "capsuled-spawn") + d.workers()
    holders = [p for p in pids if leak.name in fds(p).values()]
    check(len(pids) == 5 and not holders, "inherited: a descriptor open "
          "in the starting process is in none of its 5 processes",
          (pids, holders))
finally:
    d.stop()
    leak.close()


# A ticket from one virtual host does not resume under another ------

VHOSTS = """{user}session-tickets 600
server "a.test" {{
\troot "{root}"
\tcert "{dir}/a.crt"
\tkey "{dir}/a.key"
\tlisten gemini on 127.0.0.1 port {gemini_port}
\tlisten gopher on 127.0.0.1 port {gopher_port}
}}
server "b.test" {{
\troot "{root}"
\tcert "{dir}/b.crt"
\tkey "{dir}/b.key"
\tlisten gemini on 127.0.0.1 port {gemini_port}
}}
"""
d = Daemon(files=FILES, conf=VHOSTS, start=False)
for h in ("a.test", "b.test"):
    c, k = cert(h)
    for src, dst in ((c, "%s.crt" % h[0]), (k, "%s.key" % h[0])):
        with open(src, "rb") as f, open(os.path.join(d.dir, dst), "wb") as o:
            o.write(f.read())
try:
    d.start()
    for version in (ssl.TLSVersion.TLSv1_3, ssl.TLSVersion.TLSv1_2):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        ctx.minimum_version = ctx.maximum_version = version

        def fetch(name, session=None):
            s = socket.create_connection(("127.0.0.1", d.gemini_port), 5)
            t = ctx.wrap_socket(s, server_hostname=name, session=session)
            t.sendall(("gemini://%s:%d/\r\n" % (name, d.gemini_port))
                      .encode())
            data = b""
            while True:
                b = t.recv(4096)
                if not b:
                    break
                data += b
            der = t.getpeercert(binary_form=True)
            out = (data[:2], t.session, t.session_reused,
                   ssl.DER_cert_to_PEM_cert(der))
            t.close()
            return out
        _, sess_a, _, _ = fetch("a.test")
        code, _, reused, pem = fetch("a.test", sess_a)
        check(code == b"20" and reused, "tickets %s: a.test resumes under "
              "a.test" % version.name, (code, reused))
        code, _, reused, pem = fetch("b.test", sess_a)
        with open(os.path.join(d.dir, "b.crt")) as f:
            b_pem = f.read()
        check(code == b"20" and not reused and
              pem.split() == b_pem.split(), "tickets %s: a.test's ticket "
              "under b.test is a full handshake with b.test's "
              "certificate" % version.name, (code, reused))
finally:
    d.stop()


# Killing a helper under load fails no request ----------------------

def load(d, path, seconds, stats, stop):
    """Full handshakes (no resumption), one after another."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    end = time.time() + seconds
    n = 0
    while time.time() < end and not stop.is_set() and n < 2000:
        n += 1
        try:
            r, _ = gemini_raw("127.0.0.1", d.gemini_port,
                              d.url(path).encode() + b"\r\n", "localhost",
                              10, ctx)
            ok = r.startswith(b"20 ")
        except OSError as e:
            r, ok = repr(e).encode(), False
        with stats["lock"]:
            stats["ok" if ok else "bad"].append(r[:80])


for role, path in (("capsuled-keys", "/"), ("capsuled-spawn", "/big.txt")):
    d = Daemon(files=FILES, conf=CONF)
    stats = {"ok": [], "bad": [], "lock": threading.Lock()}
    stop = threading.Event()
    try:
        threads = [threading.Thread(target=load,
                                    args=(d, path, 4, stats, stop))
                   for _ in range(4)]
        for t in threads:
            t.start()
        time.sleep(1.5)
        victim = child_pids(d.proc.pid, role)
        for p in victim:
            os.kill(p, signal.SIGKILL)
        for t in threads:
            t.join(30)
        stop.set()
        restarted = child_pids(d.proc.pid, role)
        check(victim and restarted and restarted != victim and
              len(stats["ok"]) > 50 and not stats["bad"],
              "%s killed under load: restarted, %d answered, none failed" %
              (role, len(stats["ok"])), (victim, restarted, stats["bad"][:3]))
    finally:
        stop.set()
        d.stop()

# With scripts, the workers keep their filter: the runner (not a worker)
# runs them, and a worker that calls execve or fork is still killed.
d = Daemon(files={"index.gmi": "# Scripts\n", "cgi/s.sh": "#!/bin/sh\n"
                  "printf '20 text/plain\\r\\nran\\n'\n"},
           conf=CONF.replace("}}\n", "\tlocation \"/cgi/*\" {{ cgi on }}\n"
                             "}}\n"), start=False)
os.chmod(os.path.join(d.root, "cgi", "s.sh"), 0o755)
try:
    d.start()
    r, _ = d.gemini(d.url("/cgi/s.sh"))
    check(r == b"20 text/plain\r\nran\n" and
          len(child_pids(d.proc.pid, "capsuled-cgi")) == 1,
          "scripts: the runner runs one for a worker", r)
    for what, call in (("execve", ("execve", "s:/bin/sh", 0, 0)),
                       ("fork", ("fork",))):
        w = fresh_worker(d, ())
        r = inject(w, *call)
        gone = wait_for(lambda: w not in d.workers(), 5)
        check(r == ("killed", signal.SIGSYS) and gone and
              status(fresh_worker(d, (w,)), "Seccomp") == ["2"],
              "scripts: a worker that calls %s is still killed" % what, r)
finally:
    d.stop()

# "user root" is refused; no user at all means nobody.
d = Daemon(files=FILES, conf='user "root"\n' + CONF.replace("{user}", ""),
           start=False)
n = subprocess.run([CAPSULED, "-n", "-f", d.conf], capture_output=True,
                   text=True)
check(n.returncode == 1 and "user root: workers must not run as root" in
      n.stderr, "user root: refused", n.stderr)
d = Daemon(files=FILES, conf=CONF.replace("{user}", ""), start=False)
try:
    d.start()
    check(d.log_has("no user set: workers run as nobody") and
          all(status(w, "Uid")[0] == "65534" for w in d.workers()),
          "no user: the workers run as nobody, and the log says so")
finally:
    d.stop()

done()
