"""
test_sandbox.py: the workers' sandbox, checked from outside through
/proc.  As root: every worker runs as the configured user with no other
group, in the chroot directory, with no_new_privs and a seccomp filter
(Seccomp: 2); the parent stays root and unfiltered.  Inside the sandbox
TLS handshakes, Gopher, files streamed from disk on both protocols, and
access lines all work under a concurrent load without a worker dying;
workers of a reload and of a log reopen are sandboxed too, and retiring
workers exit cleanly.  A worker of build/capsuled-sandboxtest makes a
forbidden system call on SIGUSR2: it alone is killed (SIGSYS) and the
parent replaces it.  A chroot directory others may write is refused.
Without root none of this can be set up: the test says so and fails.
"""

import os
import signal
import subprocess
import tempfile
import threading
import time

from harness import (_TMP, CAPSULED, SERVER, check, Daemon, done, gemini_raw,
                     plain_raw, wait_for, plan)

plan(26)

if os.geteuid() != 0:
    check(False, "sandbox: these tests need root (chroot, setresuid); "
          "CI runs them as root")
    done()

BIG = bytes(range(256)) * (3 * 4096 + 7)      # 3 MiB + 1792: streamed

CONF = """user "nobody"
chroot "{chroot}"
prefork 2
access-log "{dir}/access.log"
""" + SERVER


def status(pid):
    fields = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            key, _, value = line.partition(":")
            fields[key] = value.split()
    return fields



def make_chroot(mode=0o755):
    path = tempfile.mkdtemp(dir=_TMP, prefix="chroot-")
    os.chmod(path, mode)
    return path


def check_workers(d, chroot, label):
    pids = d.workers()
    ok = len(pids) == 2
    why = []
    for pid in pids:
        st = status(pid)
        root = os.readlink("/proc/%d/root" % pid)
        good = (st["Uid"] == ["65534"] * 4 and st["Gid"] == ["65534"] * 4
                and st["Groups"] == ["65534"] and st["Seccomp"] == ["2"]
                and st["NoNewPrivs"] == ["1"] and root == chroot)
        if not good:
            why.append((pid, st["Uid"], st["Gid"], st["Groups"],
                        st["Seccomp"], st["NoNewPrivs"], root))
        ok = ok and good
    check(ok, "sandbox: %s: workers run as nobody:nogroup, chrooted, "
          "no_new_privs, Seccomp 2" % label, why or pids)
    return pids


chroot = make_chroot()
files = {"index.gmi": "# Home\n=> big.bin Big\n", "big.bin": BIG,
         "small.txt": "small\n"}
d = Daemon(files, conf=CONF.replace("{chroot}", chroot))
try:
    first = check_workers(d, chroot, "first generation")
    st = status(d.proc.pid)
    check(st["Uid"][0] == "0" and st["Seccomp"] == ["0"],
          "sandbox: the parent stays root and unfiltered",
          (st["Uid"], st["Seccomp"]))

    # Everything a worker does, many times over, from four clients.
    want = {
        "gem-index": b"20 text/gemini\r\n# Home\n=> big.bin Big\n",
        "gem-big": b"20 application/octet-stream\r\n" + BIG,
        "gopher-small": b"small\n",
        "gopher-big": BIG,
        "gem-missing": b"51 Not found\r\n",
    }
    stats = {"ok": 0, "bad": []}
    lock = threading.Lock()

    def one(kind):
        if kind.startswith("gem"):
            path = {"gem-index": "/", "gem-big": "/big.bin",
                    "gem-missing": "/nope"}[kind]
            r, clean = gemini_raw("127.0.0.1", d.gemini_port,
                                  (d.url(path) + "\r\n").encode(),
                                  "localhost", timeout=20)
            return r if clean else b"unclean:" + r[:40]
        sel = b"/small.txt" if kind == "gopher-small" else b"/big.bin"
        return plain_raw("127.0.0.1", d.gopher_port, sel + b"\r\n",
                         timeout=20)

    def load(n):
        kinds = sorted(want)
        deadline = time.time() + 90
        for i in range(40):
            if time.time() > deadline:
                break
            kind = kinds[(i + n) % len(kinds)]
            try:
                r = one(kind)
            except OSError as e:
                r = repr(e).encode()
            with lock:
                if r == want[kind]:
                    stats["ok"] += 1
                else:
                    stats["bad"].append((kind, len(r), r[:60]))

    threads = [threading.Thread(target=load, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    check(stats["ok"] == 160 and not stats["bad"],
          "sandbox: 160 requests (TLS, Gopher, streamed 3 MiB files) all "
          "answered correctly (%d)" % stats["ok"], stats["bad"][:4])
    check(d.workers() == first and "killed by signal" not in d.logtext(),
          "sandbox: no worker died under the load",
          (first, d.workers(), d.logtext()[-300:]))
    with open(os.path.join(d.dir, "access.log")) as f:
        lines = f.read().splitlines()
    check(len(lines) == 160, "sandbox: a sandboxed worker writes one "
          "access line per request (%d)" % len(lines))

    # A reload: the new generation is sandboxed, the old one exits
    # cleanly on pipe EOF (a retired worker killed would be logged).
    check(d.reload(), "sandbox: reload succeeds")
    check(wait_for(lambda: not set(first) & set(d.workers()) and
                   len(d.workers()) == 2),
          "sandbox: the old generation retires", d.workers())
    second = check_workers(d, chroot, "after a reload")
    # SIGUSR1 starts a generation too.
    d.send(signal.SIGUSR1)
    check(wait_for(lambda: "reopened the log files" in d.logtext() and
                   not set(second) & set(d.workers()) and
                   len(d.workers()) == 2),
          "sandbox: SIGUSR1 starts a new generation", d.workers())
    check_workers(d, chroot, "after SIGUSR1")
    # Gone from /proc: the parent has reaped them.
    check(wait_for(lambda: not any(os.path.exists("/proc/%d" % p)
                                   for p in first + second)),
          "sandbox: both retired generations have exited and been reaped",
          [p for p in first + second if os.path.exists("/proc/%d" % p)])
    r, _ = d.gemini(d.url("/big.bin"))
    check(r == want["gem-big"], "sandbox: still streaming after two new "
          "generations", len(r))
finally:
    d.stop()
# Once the parent has exited, its log says everything it ever will.
check(d.proc.returncode == 0 and "shutting down" in d.logtext() and
      "killed by signal" not in d.logtext() and
      "exited with status" not in d.logtext(),
      "sandbox: every worker, retired or stopped by SIGTERM, exited "
      "cleanly inside the sandbox, and the daemon with 0",
      d.logtext()[-500:])

# A forbidden system call kills that worker only.
d = Daemon(files, conf=CONF.replace("{chroot}", chroot), start=False)
d.argv[0] = CAPSULED + "-sandboxtest"
d.start()
try:
    before = check_workers(d, chroot, "test binary")
    victim, other = before[0], before[1]
    os.kill(victim, signal.SIGUSR2)
    check(wait_for(lambda: "worker %d killed by signal %d" %
                   (victim, signal.SIGSYS) in d.logtext()),
          "seccomp: a forbidden system call kills the worker with SIGSYS",
          d.logtext()[-400:])
    check("exited with status 99" not in d.logtext(),
          "seccomp: the forbidden call never returned")
    check(d.proc.poll() is None and other in d.workers(),
          "seccomp: the parent and the other worker live on",
          d.workers())
    check(wait_for(lambda: len(d.workers()) == 2 and
                   victim not in d.workers()),
          "seccomp: the parent starts a replacement", d.workers())
    after = [p for p in d.workers() if p != other]
    check(after and status(after[0])["Seccomp"] == ["2"],
          "seccomp: the replacement is sandboxed too")
    r, _ = d.gemini(d.url("/"))
    check(r == want["gem-index"], "seccomp: still serving", r)
finally:
    d.stop()

# Quick mode: -u nobody and the default chroot, /var/empty.
d = Daemon(files, args=["-u", "nobody"])
try:
    for pid in d.workers():
        if os.readlink("/proc/%d/root" % pid) != "/var/empty":
            break
    else:
        pid = None
    check(pid is None and d.workers(), "sandbox: quick mode chroots "
          "workers into /var/empty by default", pid)
    st = os.stat("/var/empty")
    check(st.st_uid == 0 and st.st_mode & 0o022 == 0,
          "sandbox: /var/empty is root's and not writable by others")
finally:
    d.stop()

# A chroot directory others can write is refused, at start and by -n.
bad = make_chroot(0o777)
d = Daemon(files, conf=CONF.replace("{chroot}", bad), start=False)
p = subprocess.run([CAPSULED, "-n", "-f", d.conf], capture_output=True,
                   timeout=30)
msg = "chroot %s: must be a directory owned by root and writable only " \
      "by root" % bad
check(p.returncode == 1 and msg in p.stderr.decode(),
      "sandbox: -n refuses a chroot directory others can write",
      p.stderr)
p = subprocess.run([CAPSULED, "-d", "-f", d.conf], capture_output=True,
                   timeout=30)
check(p.returncode == 1 and msg in p.stderr.decode(),
      "sandbox: so does startup", p.stderr)
missing = os.path.join(_TMP, "no-such-chroot")
d.write_conf(CONF.replace("{chroot}", missing))
p = subprocess.run([CAPSULED, "-n", "-f", d.conf], capture_output=True,
                   timeout=30)
check(p.returncode == 1 and ("chroot %s: No such file or directory" %
                             missing) in p.stderr.decode(),
      "sandbox: a configured chroot that does not exist is named",
      p.stderr)
check(not os.path.exists(missing), "sandbox: and it is not created")

done()
