"""
test_quickstart.py: the README's quick start, as a newcomer runs it.  In
a copy of the tree as a fresh clone has it (nothing built, no
certificate), `make run` (on free high ports instead of 1965 and 7070,
the only difference) must:

- check the Debian packages it needs (.ci/deps build: all installed
  here, so it says nothing), build, and say where it serves;
- listen on the loopback addresses only (127.0.0.1, and ::1 where the
  loopback has it): every listening socket on its ports, as ss(8) sees
  them, is one of those;
- make certs/localhost.crt and .key on its first start, logging the
  fingerprint, and serve the shipped guide byte for byte on both
  protocols and both addresses;
- answer the README's search examples with at least one page each;
- stop on Ctrl-C (SIGINT to the terminal's process group) with no
  process left; a second `make run` reuses the certificate;
- rebuild what was built with other flags (make run builds before make
  check installs valgrind, whose header the Makefile probes for), and
  only that.

asan: left out (it builds and runs its own copy, not $CAPSULED)
test-timeout: 600
"""

import os
import re
import shutil
import signal
import subprocess
import tempfile
import time

from harness import (check, done, free_port, gemini_raw, plain_raw, plan,
                     tree_copy, wait_for)

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def has_v6_loopback():
    try:
        with open("/proc/net/if_inet6") as f:
            return any(ln.startswith("0" * 31 + "1 ") for ln in f)
    except OSError:
        return True


MAKE_ENV = dict(os.environ)
for k in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES"):
    MAKE_ENV.pop(k, None)


class MakeRun:
    def __init__(self, src, gem, gop):
        self.log = os.path.join(src, "..", "make-run.log")
        env = MAKE_ENV
        f = open(self.log, "wb")
        # A session of its own: Ctrl-C reaches its whole process group.
        self.proc = subprocess.Popen(
            ["nice", "make", "run", "GEMINI_PORT=%d" % gem,
             "GOPHER_PORT=%d" % gop], cwd=src, env=env, stdout=f,
            stderr=subprocess.STDOUT, start_new_session=True)
        f.close()

    def text(self):
        with open(self.log, "rb") as f:
            return f.read().decode(errors="replace")

    def ctrl_c(self):
        try:
            os.killpg(self.proc.pid, signal.SIGINT)
        except ProcessLookupError:
            pass
        try:
            self.proc.wait(70)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


def listeners(ports):
    """Local addresses of every listening TCP socket on ports."""
    p = subprocess.run(["ss", "-ltnH"], capture_output=True, text=True)
    out = set()
    for line in p.stdout.splitlines():
        f = line.split()
        if len(f) >= 4:
            addr, _, port = f[3].rpartition(":")
            if port.isdigit() and int(port) in ports:
                out.add("%s:%s" % (addr, port))
    return out


def procs_under(path):
    pids = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                if os.readlink("/proc/%s/exe" % d).startswith(path):
                    pids.append(int(d))
            except OSError:
                pass
    return pids


def gemini(addr, port, path="/"):
    try:
        return gemini_raw(addr, port, ("gemini://localhost:%d%s\r\n" %
                                       (port, path)).encode(), "localhost")[0]
    except OSError as e:
        return ("<%s>" % e).encode()


def gopher(addr, port, selector="/"):
    try:
        return plain_raw(addr, port, selector.encode() + b"\r\n")
    except OSError as e:
        return ("<%s>" % e).encode()


def readme_searches():
    """The search examples of README.md: (protocol, decoded query)."""
    with open(os.path.join(TOP, "README.md")) as f:
        text = f.read()
    found = []
    for m in re.finditer(r"gemini://localhost/search\?([^\\\s']+)", text):
        found.append(("gemini", m.group(1).replace("%%20", " ")
                      .replace("%20", " ")))
    for m in re.finditer(r"gopher://localhost:7070/7/search%09([^\s']+)",
                         text):
        found.append(("gopher", m.group(1).replace("%20", " ")))
    return found


addrs = ["127.0.0.1"] + (["::1"] if has_v6_loopback() else [])
searches = readme_searches()
plan(12 + 2 * len(addrs) + len(searches))
tmp = tempfile.mkdtemp(prefix="capsuled-quick-")
runs = []
try:
    src = tree_copy(os.path.join(tmp, "capsuled"))
    check(not os.path.exists(os.path.join(src, "build")) and
          not os.path.exists(os.path.join(src, "certs", "localhost.crt")),
          "quickstart: the copy has no build and no certificate")
    gem, gop = free_port(), free_port()
    r = MakeRun(src, gem, gop)
    runs.append(r)
    up = wait_for(lambda: r.proc.poll() is not None or
                  r.text().count("gopher on ") == len(addrs), timeout=480,
                  step=0.5)
    text = r.text()
    check(up and r.proc.poll() is None, "quickstart: make run builds and "
          "serves", text[-3000:])
    where = ("capsuled: serving capsule/ on gemini://localhost:%d/ and "
             "gopher://localhost:%d/ (on %s only)" %
             (gem, gop, " ".join("[%s]" % a if ":" in a else a
                                 for a in addrs)))
    check(where in text, "quickstart: it says where it serves", text[-2000:])
    check("capsuled: missing" not in text and "installing" not in text,
          "quickstart: the packages were there: .ci/deps said nothing")
    want = set()
    for a in addrs:
        want.add(("[%s]" % a if ":" in a else a) + ":%d" % gem)
        want.add(("[%s]" % a if ":" in a else a) + ":%d" % gop)
    got = listeners((gem, gop))
    check(got == want, "quickstart: it listens on loopback only",
          (sorted(got), sorted(want)))
    crt = os.path.join(src, "certs", "localhost.crt")
    fps = re.findall(r"SHA-256 fingerprint ([0-9A-F:]+)", text)
    p = subprocess.run(["openssl", "x509", "-in", crt, "-noout",
                        "-fingerprint", "-sha256"], capture_output=True,
                       text=True)
    check(len(fps) == 1 and p.stdout.strip().endswith("=" + fps[0]) and
          os.stat(crt.replace(".crt", ".key")).st_mode & 0o777 == 0o600,
          "quickstart: certs/localhost.crt made on the first start, "
          "fingerprint logged", (fps, p.stdout))
    with open(os.path.join(src, "capsule", "index.gmi"), "rb") as f:
        index = f.read()
    menus = set()
    for a in addrs:
        check(gemini(a, gem) == b"20 text/gemini\r\n" + index,
              "quickstart: Gemini on %s serves the guide byte for byte" % a)
        g = gopher(a, gop)
        menus.add(g)
        # The title wrapped at 29 columns, as menus' text is.
        check(g.startswith(b"ienhance: spotlight on\t\tlocalhost\t%d\r\n"
                           b"ileadership\t\tlocalhost\t%d\r\n" %
                           (gop, gop)) and
              g.endswith(b"\r\n.\r\n"),
              "quickstart: Gopher on %s serves the guide's menu" % a, g[:200])
    check(len(menus) == 1, "quickstart: the same menu on every address")
    check(len(searches) >= 3, "quickstart: the README has search examples",
          searches)
    for proto, q in searches:
        if proto == "gemini":
            body = gemini("127.0.0.1", gem, "/search?" +
                          q.replace(" ", "%20"))
        else:
            body = gopher("127.0.0.1", gop, "/search\t" + q)
        # "N pages contain every word of: ..." heads the results.
        m = re.search(rb"(?<![0-9])([0-9]+) pages? contains? every word",
                      body)
        check(m is not None and int(m.group(1)) >= 1, "quickstart: the "
              "README's %s search for %r finds a page" % (proto, q),
              body[:500])

    r.ctrl_c()
    check(r.proc.returncode is not None and wait_for(
        lambda: not procs_under(os.path.join(src, "build")), 10),
        "quickstart: Ctrl-C stops it, no process left",
        procs_under(os.path.join(src, "build")))

    r2 = MakeRun(src, gem, gop)
    runs.append(r2)
    up = wait_for(lambda: r2.proc.poll() is not None or
                  r2.text().count("gopher on ") == len(addrs), timeout=120,
                  step=0.2)
    check(up and "made a self-signed" not in r2.text() and
          gemini("127.0.0.1", gem).startswith(b"20 "),
          "quickstart: a second make run reuses the certificate",
          r2.text()[-1000:])
    r2.ctrl_c()

    def make_hash_o(*args):
        p = subprocess.run(["make", "build/obj/hash.o"] + list(args),
                           cwd=src, env=MAKE_ENV, capture_output=True,
                           text=True, timeout=120)
        return p.stdout + p.stderr
    out = make_hash_o("OPT=-O0")
    check("-O0" in out and "-c -o build/obj/hash.o" in out,
          "quickstart: an object built with other flags is rebuilt", out)
    out = make_hash_o("OPT=-O0")
    check("-c -o build/obj/hash.o" not in out,
          "quickstart: and not again while the flags stay", out)
finally:
    for r in runs:
        if r.proc.poll() is None:
            r.ctrl_c()
    for p in procs_under(os.path.join(tmp, "capsuled", "build")):
        os.kill(p, signal.SIGKILL)
    shutil.rmtree(tmp, ignore_errors=True)
done()
