"""
test_limits.py: the limits of capsuled(8) and capsuled.conf(5) that
concern the capsule and the command line, each at its boundary: the
last value allowed is served, the first one past it is not.

- SNAPSHOT_MAX_DEPTH: 32 directory levels are served; a 33rd fails the
  reload, which keeps the old content.
- snapshot-max (SNAPSHOT_MAX_DEFAULT, 1 GiB) bounds everything a
  snapshot holds, the files in memory and what is made of them: 1008 MiB
  of files checks clean (capsuled -n), exactly 1 GiB of files does not
  (the replies and the index need room too) and the refusal names the
  file and the limit; snapshot-max 2G holds that 1 GiB.
- SNAPSHOT_GMI_MAX: a gemtext file of exactly 16 MiB is served, one of
  16 MiB + 1 is skipped, and the log says so.
- inline-max: a file of exactly that size is held in memory (changing
  it on disk changes nothing until a reload), one byte more is streamed
  from disk (the change shows at once); gemtext is always held.
- What is never served: names with control bytes or invalid UTF-8, and
  FIFOs (whose open would block the walk), sockets and devices.
- PROXY_HEADER_MAX: a v2 header of exactly 536 bytes, then the request,
  is served; one of 537 is refused, at once.
- Quick mode: -j from 1 to 64, at most eight -p (and -g), unknown flags
  and bad values print the usage and exit 1, -V prints the version.
- capsuled -n binds no socket and creates no file: no pid file, log
  file or access log, and no bind() under strace.
"""

import os
import re
import socket
import stat
import struct
import subprocess
import time

from harness import (CAPSULED, SERVER, TEST_USER, Daemon, check, done,
                     plain_raw, plan, wait_for)

plan(33)

MIB = 1024 * 1024
# LeakSanitizer cannot run under ptrace: under strace, a sanitizer build
# (tests/hardening/test_asan.sh) looks for no leaks.
NO_LSAN = dict(os.environ, ASAN_OPTIONS=os.environ.get("ASAN_OPTIONS", "") +
               ":detect_leaks=0")


def run(argv, timeout=60, env=None):
    p = subprocess.run(argv, capture_output=True, timeout=timeout, env=env)
    return p.returncode, p.stdout.decode(errors="replace"), \
        p.stderr.decode(errors="replace")


def sparse(path, size):
    """A file of size bytes that costs no disk: reading it gives zeros."""
    with open(path, "wb") as f:
        f.truncate(size)
    os.chmod(path, 0o644)


def rewrite(path, byte):
    """The same size, other bytes, the same inode: a held copy stays
    as it was, a streamed file shows the change."""
    size = os.path.getsize(path)
    with open(path, "r+b") as f:
        f.write(byte * size)


def pre(size):
    """Gemtext of exactly size bytes: one preformatted line (cheap to
    render: a menu cuts it at 67 columns)."""
    return b"```\n" + b"a" * (size - 9) + b"\n```\n"


# --- SNAPSHOT_MAX_DEPTH ----------------------------------------------------
deep = "d/" * 32
d = Daemon({"index.gmi": "# Home\n", deep + "deep.gmi": "# 32 levels\n"})
try:
    r, _ = d.gemini(d.url("/" + deep + "deep.gmi"))
    check(r == b"20 text/gemini\r\n# 32 levels\n",
          "depth: a page 32 directories down (SNAPSHOT_MAX_DEPTH) is "
          "served", r)
    os.makedirs(os.path.join(d.root, deep, "d"))
    with open(os.path.join(d.root, deep, "d", "deeper.gmi"), "w") as f:
        f.write("# 33 levels\n")
    check(not d.reload() and "directories nested too deep" in d.logtext(),
          "depth: a 33rd level fails the reload, saying why",
          d.logtext()[-300:])
    r, _ = d.gemini(d.url("/" + deep + "deep.gmi"))
    r2, _ = d.gemini(d.url("/" + deep + "d/deeper.gmi"))
    check(r == b"20 text/gemini\r\n# 32 levels\n" and
          r2 == b"51 Not found\r\n",
          "depth: and the old content stays", (r, r2))
finally:
    d.stop()

# --- snapshot-max, with -n (it builds the snapshot, serves nothing) -----
BIG = """{user}inline-max 16M
""" + SERVER
d = Daemon(None, conf=BIG, start=False)
os.makedirs(d.root)
for i in range(63):
    sparse(os.path.join(d.root, "part%02d.bin" % i), 16 * MIB)
t0 = time.monotonic()
rc, out, err = run([CAPSULED, "-n", "-f", d.conf], timeout=120)
check(rc == 0 and "configuration OK" in err,
      "bytes: 63 files of 16 MiB, 1008 MiB, are held under the default "
      "snapshot-max of 1 GiB (%.1f s)" % (time.monotonic() - t0),
      (rc, err[-300:]))
sparse(os.path.join(d.root, "part63.bin"), 16 * MIB)
rc, out, err = run([CAPSULED, "-n", "-f", d.conf], timeout=120)
check(rc == 1 and re.search(r"/part\d\d\.bin: the snapshot would pass "
                            r"snapshot-max \(1024 MiB\)", err),
      "bytes: exactly 1 GiB of files is more than the default snapshot-max, "
      "and the refusal names the file and the limit", (rc, err[-300:]))
d.write_conf(BIG.replace("inline-max 16M",
                        "inline-max 16M\nsnapshot-max 2G"))
rc, out, err = run([CAPSULED, "-n", "-f", d.conf], timeout=120)
check(rc == 0 and "configuration OK" in err,
      "bytes: snapshot-max 2G holds the 1 GiB", (rc, err[-300:]))
for name in os.listdir(d.root):
    os.unlink(os.path.join(d.root, name))

# --- SNAPSHOT_GMI_MAX ---------------------------------------------------
d = Daemon({"index.gmi": "# Home\n", "max.gmi": pre(16 * MIB),
            "over.gmi": pre(16 * MIB + 1)})
try:
    r, clean = d.gemini(d.url("/max.gmi"), timeout=30)
    check(r == b"20 text/gemini\r\n" + pre(16 * MIB) and clean,
          "gmi: a gemtext file of exactly 16 MiB (SNAPSHOT_GMI_MAX) is "
          "served whole", (len(r), r[:40]))
    r, _ = d.gemini(d.url("/over.gmi"))
    check(r == b"51 Not found\r\n" and
          "capsule: /over.gmi: gemtext over 16777216 bytes, skipped" in
          d.logtext(), "gmi: 16 MiB + 1 is skipped, and the log says so",
          (r, d.logtext()[-300:]))
finally:
    d.stop()

# --- inline-max --------------------------------------------------------
INLINE = """{user}inline-max 64K
""" + SERVER
d = Daemon({"index.gmi": "# Home\n", "held.bin": b"\0" * 65536,
            "streamed.bin": b"s" * 65537,
            "page.gmi": "# Page\n" + "x" * 70000 + "\n"}, conf=INLINE)
try:
    rewrite(os.path.join(d.root, "held.bin"), b"\xff")
    rewrite(os.path.join(d.root, "streamed.bin"), b"S")
    rewrite(os.path.join(d.root, "page.gmi"), b"P")
    r, _ = d.gemini(d.url("/held.bin"))
    g = d.gopher("/held.bin")
    check(r == b"20 application/octet-stream\r\n" + b"\0" * 65536 and
          g == b"\0" * 65536, "inline-max: a file of exactly inline-max "
          "(64K) is held: the copy from the snapshot, on both protocols",
          (r[:40], g[:10]))
    r, _ = d.gemini(d.url("/streamed.bin"))
    g = d.gopher("/streamed.bin")
    check(r == b"20 application/octet-stream\r\n" + b"S" * 65537 and
          g == b"S" * 65537, "inline-max: one byte more is streamed from "
          "disk: the file as it is now", (r[:40], g[:10]))
    r, _ = d.gemini(d.url("/page.gmi"))
    check(r.startswith(b"20 text/gemini\r\n# Page\nxxx"),
          "inline-max: gemtext larger than inline-max is still held",
          r[:40])
finally:
    d.stop()

# --- Never served: bad names, FIFOs, sockets, devices -------------------
d = Daemon({"index.gmi": "# Home\n", "special/ok.txt": "ok\n"}, start=False)
sp = os.path.join(d.root, "special").encode()
for bad in (b"ctl\x01name.txt", b"tab\tname.txt", b"bad\xffname.txt",
            b"del\x7fname.txt"):
    with open(os.path.join(sp, bad), "w") as f:
        f.write("never\n")
os.mkfifo(os.path.join(sp, b"fifo"))
unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
unix.bind(os.path.join(sp, b"sock").decode())
have_dev = os.geteuid() == 0
if have_dev:
    os.mknod(os.path.join(sp, b"null"), 0o666 | stat.S_IFCHR,
             os.makedev(1, 3))
t0 = time.monotonic()
d.start()
try:
    check(time.monotonic() - t0 < 10, "special: a FIFO in the capsule does "
          "not hold up the start (%.1f s)" % (time.monotonic() - t0))
    r, _ = d.gemini(d.url("/special/"))
    check(r == b"20 text/gemini\r\n# Index of /special/\n\n"
          b"=> ../ Parent directory\n=> ok.txt ok.txt\n",
          "special: the Gemini listing shows the regular file only", r)
    g = d.gopher("/special/")
    items = [l for l in g.split(b"\r\n") if l[:1] not in (b"i", b".", b"")
             and not l.startswith(b"1Parent directory\t")]
    check(len(items) == 1 and items[0].startswith(b"0ok.txt\t"),
          "special: so does the Gopher listing", g)
    got = [d.gemini(d.url("/special/" + n))[0]
           for n in ("fifo", "sock", "null")]
    check(got == [b"51 Not found\r\n"] * 3 and have_dev,
          "special: a FIFO, a socket and a device are not found (device "
          "made: %s)" % have_dev, got)
    check(d.logtext().count("name is not printable UTF-8, skipped") == 4,
          "special: the four bad names are logged as skipped",
          d.logtext()[-600:])
finally:
    d.stop()
    unix.close()

# --- PROXY_HEADER_MAX ----------------------------------------------------
PROXIED = """{user}server "localhost" {{
\troot "{root}"
\tlisten gopher on 127.0.0.1 port {gopher_port} proxy-protocol
}}
"""
V2 = b"\r\n\r\n\x00\r\nQUIT\n"


def v2(total):
    """A v2 PROXY TCP4 header of total bytes: 16, 12 of addresses and
    the rest an unknown TLV (type 0xee), which is to be skipped."""
    tlv = total - 16 - 12
    body = (socket.inet_aton("192.0.2.77") + socket.inet_aton("192.0.2.1") +
            struct.pack("!HH", 4000, 70) +
            struct.pack("!BH", 0xee, tlv - 3) + b"t" * (tlv - 3))
    return V2 + b"\x21\x11" + struct.pack("!H", len(body)) + body


d = Daemon({"index.gmi": "# Proxied\n"}, conf=PROXIED)
try:
    hdr = v2(536)
    r = plain_raw("127.0.0.1", d.gopher_port, hdr + b"/\r\n")
    check(len(hdr) == 536 and r.startswith(b"iProxied\t"),
          "proxy: a v2 header of exactly 536 bytes (PROXY_HEADER_MAX), "
          "then the request: served", r[:60])
    t0 = time.monotonic()
    r = plain_raw("127.0.0.1", d.gopher_port, v2(537) + b"/\r\n")
    took = time.monotonic() - t0
    check(r in (b"", b"<reset>") and took < 1,
          "proxy: 537 bytes: closed without a reply, at once (%.2f s)" %
          took, r[:60])
finally:
    d.stop()

# --- Quick-mode flags -----------------------------------------------------
d = Daemon({"index.gmi": "# Home\n"}, start=False)
base = [CAPSULED, "-n", "-c", d.crt, "-k", d.key]
if TEST_USER:
    base += ["-u", TEST_USER]
for j, good in (("0", False), ("1", True), ("64", True), ("65", False)):
    rc, out, err = run(base + ["-j", j, d.root])
    check((rc, "configuration OK" in err, "usage:" in err) ==
          ((0, True, False) if good else (1, False, True)),
          "flags: -j %s is %s" % (j, "taken" if good else
                                  "a usage error"), (rc, err[-300:]))
ports = []
for i in range(9):
    ports += ["-p", "127.0.0.1:0"]
rc, out, err = run(base + ports[:16] + [d.root])
check(rc == 0 and "configuration OK" in err,
      "flags: eight -p are taken", (rc, err[-300:]))
rc, out, err = run(base + ports + [d.root])
check(rc == 1 and "usage:" in err, "flags: a ninth -p is a usage error",
      (rc, err[-300:]))
rc, out, err = run(base + [x.replace("-p", "-g") for x in ports] + [d.root])
check(rc == 1 and "usage:" in err, "flags: so is a ninth -g",
      (rc, err[-300:]))
for argv, name in ((["-x"], "an unknown flag"),
                   (["-p", "127.0.0.1:65536"], "a port above 65535"),
                   (["-p", "127.0.0.1:-1"], "a negative port"),
                   (["-j", "two"], "-j that is not a number"),
                   ([d.root, d.root], "two roots")):
    rc, out, err = run(base + argv + ([] if argv[-1] == d.root else
                                      [d.root]))
    check(rc == 1 and "usage:" in err and "configuration OK" not in err,
          "flags: %s prints the usage and exits 1" % name, (rc, err[-300:]))
rc, out, err = run([CAPSULED, "-V"])
check(rc == 0 and re.fullmatch(r"capsuled \d+\.\d+\.\d+\n", out) and
      err == "", "flags: -V prints the version and exits 0", (rc, out, err))

# --- capsuled -n: no socket, no file --------------------------------------
NOFILE = """{user}log "{dir}/messages.log"
access-log "{dir}/access.log"
""" + SERVER
d = Daemon({"index.gmi": "# Home\n"}, conf=NOFILE, start=False)
before = sorted(os.listdir(d.dir))
pidfile = os.path.join(d.dir, "capsuled.pid")
trace = os.path.join(d.dir, "trace")
rc, out, err = run(["strace", "-f", "-qq", "-e", "trace=bind,listen",
                    "-o", trace, CAPSULED, "-n", "-f", d.conf, "-P",
                    pidfile], env=NO_LSAN)
after = sorted(x for x in os.listdir(d.dir) if x != "trace")
check(rc == 0 and "configuration OK" in err and after == before,
      "-n: no pid file, log file or access log is created", (rc, err,
                                                             before, after))
calls = open(trace).read() if os.path.exists(trace) else None
check(calls is not None and not re.search(r"\b(bind|listen)\(", calls),
      "-n: and no socket is bound or listened on (strace)", calls)

done()
