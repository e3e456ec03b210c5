"""
test_memory.py: what connections cost a worker, and that it gets the
memory back.  One worker; its VmRSS from /proc.

1. Silent connections on the Gemini port cost no TLS state: 2,000 of
   them (connected, not one byte sent) add less than 4 KiB each (with
   TLS state made at accept they cost about 43 KiB), and a reader is
   answered meanwhile.
2. A burst of 1,000 TLS connections held after their handshake, then
   closed: the worker's RSS comes back to within 8 MiB of where it was
   before the burst (without giving memory back it stayed at the
   peak), and a second burst does not leave it higher than the first.

asan: left out (ASan's allocator holds freed memory in its quarantine, so
what comes back is the sanitizer's business, not the worker's)
"""

import os
import resource
import socket
import ssl
import time

from harness import (check, client_context, Daemon, done, plan, SERVER,
                     wait_for)

plan(6)

SILENT = 2000
HELD = 1000

soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
want = 4096 if hard == resource.RLIM_INFINITY else min(hard, 4096)
if soft < want:
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))

CONF = """prefork 1
timeout handshake 120
timeout request 120
max-connections 3000
max-connections-per-address off
{user}
"""


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def settle(pid, seconds=1.0):
    """RSS once it stops moving (bounded)."""
    last = rss_kb(pid)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        time.sleep(seconds)
        now = rss_kb(pid)
        if abs(now - last) < 256:
            return now
        last = now
    return last


def tls_burst(port, n):
    """n TLS connections, each after its handshake, no request."""
    ctx = client_context()
    held = []
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port), 10)
        held.append(ctx.wrap_socket(s, server_hostname="localhost"))
    return held


d = Daemon({"index.gmi": "# Home\n"}, conf=CONF + SERVER)
try:
    w = d.workers()[0]
    for _ in range(3):                  # warm up
        d.gemini(d.url("/"))
    time.sleep(0.5)

    # 1. Silent connections: no TLS state.
    before = settle(w, 0.3)
    silent = [socket.create_connection(("127.0.0.1", d.gemini_port), 5)
              for _ in range(SILENT)]
    wait_for(lambda: len(os.listdir("/proc/%d/fd" % w)) >= SILENT, 10)
    time.sleep(0.5)
    held = rss_kb(w)
    per = (held - before) / SILENT
    check(per < 4, "memory: %d silent Gemini connections cost %.2f KiB "
          "each (RSS %d -> %d KiB)" % (SILENT, per, before, held))
    r, clean = d.gemini(d.url("/"))
    check(r == b"20 text/gemini\r\n# Home\n" and clean,
          "memory: a reader is answered meanwhile", r)
    for s in silent:
        s.close()
    time.sleep(1)

    # 2. Bursts of TLS connections: the memory comes back.
    before = settle(w, 0.5)
    fds = len(os.listdir("/proc/%d/fd" % w))
    peaks, afters = [], []
    for _ in range(2):
        conns = tls_burst(d.gemini_port, HELD)
        time.sleep(0.5)
        peaks.append(rss_kb(w))
        for c in conns:
            c.close()
        # RSS can stand still at its peak for a second before a loaded
        # worker has seen the closes: settle once it has closed them all.
        wait_for(lambda: len(os.listdir("/proc/%d/fd" % w)) <= fds + 2, 10)
        afters.append(settle(w, 1.0))
    check(peaks[0] - before > 8 * 1024,
          "memory: %d TLS connections held after their handshake took "
          "%d KiB (%.1f KiB each)" % (HELD, peaks[0] - before,
                                      (peaks[0] - before) / HELD),
          (before, peaks))
    check(afters[0] - before < 8 * 1024,
          "memory: once they closed the worker came back to %d KiB "
          "(%d before, %d at the peak)" % (afters[0], before, peaks[0]),
          (before, peaks, afters))
    check(afters[1] <= afters[0] + 1024,
          "memory: a second burst left it no higher (%d KiB, first %d)"
          % (afters[1], afters[0]), afters)
    r, clean = d.gemini(d.url("/"))
    check(r == b"20 text/gemini\r\n# Home\n" and clean,
          "memory: and the worker still serves", r)
finally:
    d.stop()
done()
