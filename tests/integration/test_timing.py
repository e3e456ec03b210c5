"""
test_timing.py: the deadlines and rates of capsuled(8) and
capsuled.conf(5) by their effect on real connections and processes,
each at its boundary (TIMEOUT_RETIRE, which takes a minute, is
test_retire.py's).

- timeout response: with 2, a reader that keeps making progress for
  twice that gets the whole page and close_notify; one that stops is
  cut 2 s after it stopped.
- timeout handshake: with 2, a silent TLS client is closed at 2 s; a
  silent Gopher client (no handshake) is not.
- max-connections: with 3 silent clients open, a fourth is answered at
  once: the oldest silent one is closed to make room (eviction), the
  other two stay, and the worker never holds more than 3.
- TIMEOUT_LINGER: after a TLS response, and after a Gopher response to
  a client that sent more than its request, the worker waits 2 s for
  the client's FIN, no longer; a client that closes is let go at once,
  and so is a Gopher client with nothing unread.
- RESPAWN_MIN_INTERVAL: a worker that dies after a long life is
  replaced at once; one that dies within its first second is replaced
  1 s after its death.
- The parent killed: every worker and helper exits.
- ACCEPT_BACKOFF_MS: out of descriptors, a worker tries accept(2) again
  every 100 ms: about 20 tries in 2 s under strace.
"""

import os
import signal
import socket
import ssl
import subprocess
import time

from harness import (SERVER, Daemon, check, client_context, done,
                     limit_nofile, plan, wait_for)

plan(14)

MIB = 1024 * 1024
STREAM = os.urandom(16 * MIB)


def sockets(pid):
    """How many sockets pid holds (listeners and channels included)."""
    n = 0
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            if os.readlink("/proc/%d/fd/%s" % (pid, fd)).startswith(
                    "socket:"):
                n += 1
        except OSError:
            pass
    return n


def gone(pid):
    """pid has exited: no such process, or a zombie nobody reaps."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except OSError:
        return True


def lived(pid):
    """Seconds since pid started (from /proc, 1/100 s resolution)."""
    with open("/proc/%d/stat" % pid) as f:
        start = int(f.read().rsplit(")", 1)[1].split()[19])
    with open("/proc/uptime") as f:
        up = float(f.read().split()[0])
    return up - start / os.sysconf("SC_CLK_TCK")


def settle(pid, base, timeout=5):
    """Seconds until pid holds base sockets again (None if never)."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if sockets(pid) <= base:
            return time.monotonic() - t0
        time.sleep(0.02)
    return None


# --- timeout response 2 -------------------------------------------
RESP = """{user}prefork 1
timeout response 2
""" + SERVER
d = Daemon({"index.gmi": "# Home\n", "big.bin": STREAM}, conf=RESP)
try:
    # 64 KiB every 20 ms at most: over 5 s for 16 MiB, the server
    # blocked on a full socket all along but for the last 4 MB or so.
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.settimeout(10)
    s.connect(("127.0.0.1", d.gemini_port))
    tls = client_context().wrap_socket(s, server_hostname="localhost",
                                       suppress_ragged_eofs=False)
    tls.sendall(d.url("/big.bin").encode() + b"\r\n")
    t0, data, clean = time.monotonic(), [], False
    try:
        while True:
            b = tls.recv(65536)
            if not b:
                clean = True
                break
            data.append(b)
            time.sleep(0.006)
    except (ssl.SSLError, OSError):
        pass
    took = time.monotonic() - t0
    tls.close()
    data = b"".join(data)
    want = b"20 application/octet-stream\r\n" + STREAM
    check(data == want and clean and took > 4,
          "timeout response 2: a reader that keeps making progress for "
          "%.1f s gets the whole 16 MiB and close_notify" % took,
          (len(data), clean))

    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.settimeout(10)
    s.connect(("127.0.0.1", d.gopher_port))
    n0 = d.logtext().count("response deadline passed")
    s.sendall(b"/big.bin\r\n")
    s.recv(4096)
    stopped = time.monotonic()
    cut = wait_for(lambda: d.logtext().count(
        "response deadline passed") > n0, 8, 0.02)
    took = time.monotonic() - stopped
    s.close()
    check(cut and 1.8 <= took < 3.5,
          "timeout response 2: a reader that stops is cut 2 s later "
          "(%.2f s)" % took, d.logtext()[-300:])
finally:
    d.stop()

# --- timeout handshake 2 --------------------------------------------
HAND = """{user}prefork 1
timeout handshake 2
""" + SERVER
d = Daemon({"index.gmi": "# Home\n"}, conf=HAND)
try:
    tls_quiet = socket.create_connection(("127.0.0.1", d.gemini_port), 5)
    gopher_quiet = socket.create_connection(("127.0.0.1", d.gopher_port),
                                            5)
    t0 = time.monotonic()
    tls_quiet.settimeout(6)
    try:
        closed = tls_quiet.recv(1) == b""
    except OSError as e:
        closed = isinstance(e, ConnectionResetError)
    took = time.monotonic() - t0
    check(closed and 1.8 <= took < 3.5,
          "timeout handshake 2: a client that never starts TLS is "
          "closed at 2 s (%.2f s)" % took)
    gopher_quiet.settimeout(0.5)
    try:
        gopher_quiet.recv(1)
        still = False
    except socket.timeout:
        still = True
    except OSError:
        still = False
    check(still, "timeout handshake 2: a silent Gopher client (no "
          "handshake) is still open then (the request deadline is 10 s)")
    tls_quiet.close()
    gopher_quiet.close()
finally:
    d.stop()

# --- max-connections 3 ---------------------------------------------
CAP = """{user}prefork 1
max-connections 3
""" + SERVER
d = Daemon({"index.gmi": "# Capped\n"}, conf=CAP)
try:
    w = d.workers()[0]
    s0 = sockets(w)
    idle = []
    for _ in range(3):
        idle.append(socket.create_connection(("127.0.0.1", d.gopher_port),
                                             5))
        time.sleep(0.05)        # accepted in this order
    wait_for(lambda: sockets(w) - s0 >= 3, 5)
    held = sockets(w) - s0
    fourth = socket.create_connection(("127.0.0.1", d.gopher_port), 5)
    fourth.sendall(b"/\r\n")
    fourth.settimeout(3)
    t0 = time.monotonic()
    try:
        r = fourth.recv(4096)
    except OSError:
        r = b""
    took = time.monotonic() - t0
    idle[0].settimeout(2)
    try:
        first_closed = idle[0].recv(1) == b""
    except OSError:
        first_closed = True
    others = []
    for s in idle[1:]:
        s.setblocking(False)
        try:
            others.append(s.recv(1) != b"")
        except BlockingIOError:
            others.append(True)
        except OSError:
            others.append(False)
    check(r.startswith(b"iCapped\t") and took < 1,
          "max-connections 3: a fourth client is answered at once while "
          "three silent ones hold the table (%.2f s)" % took, r[:40])
    check(held == 3 and first_closed and all(others) and
          "connection table full" in d.logtext(),
          "max-connections 3: the oldest silent one was closed to make "
          "room, the other two stay, the worker held 3",
          (held, first_closed, others))
    for s in idle[1:] + [fourth]:
        s.close()
finally:
    d.stop()

# --- TIMEOUT_LINGER -------------------------------------------------
d = Daemon({"index.gmi": "# Home\n"}, workers=1)
try:
    w = d.workers()[0]
    time.sleep(0.2)
    s0 = sockets(w)

    def tls_response(hold):
        s = socket.create_connection(("127.0.0.1", d.gemini_port), 5)
        tls = client_context().wrap_socket(
            s, server_hostname="localhost", suppress_ragged_eofs=False)
        tls.sendall(d.url("/").encode() + b"\r\n")
        while tls.recv(4096):
            pass
        if not hold:
            tls.close()
        return settle(w, s0), tls

    def gopher_response(extra, hold=True):
        s = socket.create_connection(("127.0.0.1", d.gopher_port), 5)
        s.sendall(b"/\r\n" + extra)
        s.settimeout(5)
        while s.recv(4096):
            pass
        if not hold:
            s.close()
        return settle(w, s0), s

    t, c = tls_response(hold=True)
    check(t is not None and 1.8 <= t < 3,
          "linger: after a TLS response the worker waits 2 s "
          "(TIMEOUT_LINGER) for a client that does not close (%s s)" %
          ("%.2f" % t if t is not None else "never"))
    c.close()
    t, c = tls_response(hold=False)
    check(t is not None and t < 0.5,
          "linger: one that closes is let go at once (%s s)" %
          ("%.2f" % t if t is not None else "never"))
    # More than one read takes (4098 bytes): some stay unread.
    t, c = gopher_response(b"x" * 10000)
    check(t is not None and 1.8 <= t < 3,
          "linger: after a Gopher response with bytes left unread, "
          "2 s too (%s s)" % ("%.2f" % t if t is not None else "never"))
    c.close()
    t, c = gopher_response(b"")
    check(t is not None and t < 0.5,
          "linger: with nothing unread, a Gopher client that stays is "
          "closed at once (%s s)" % ("%.2f" % t if t is not None
                                     else "never"))
    c.close()
finally:
    d.stop()

# --- RESPAWN_MIN_INTERVAL -----------------------------------------
d = Daemon({"index.gmi": "# Home\n"}, workers=1)
try:
    first = d.workers()[0]
    time.sleep(1.2)             # a long life, as lives go here
    os.kill(first, signal.SIGKILL)
    t0 = time.monotonic()
    wait_for(lambda: d.workers() not in ([], [first]), 5, 0.005)
    at_once = time.monotonic() - t0
    second = d.workers()
    check(len(second) == 1 and second != [first] and at_once < 0.5,
          "respawn: a worker that lived over a second is replaced at "
          "once (%.2f s)" % at_once, second)
    age = lived(second[0]) if second else 9
    os.kill(second[0], signal.SIGKILL)
    t0 = time.monotonic()
    wait_for(lambda: d.workers() not in ([], second), 5, 0.005)
    later = time.monotonic() - t0
    third = d.workers()
    check(len(third) == 1 and third != second and age < 0.8 and
          0.9 <= later < 1.5,
          "respawn: one that died %.2f s after it started is replaced "
          "1 s (RESPAWN_MIN_INTERVAL) after its death (%.2f s)" %
          (age, later), third)
finally:
    d.stop()

# --- The parent dies ----------------------------------------------
d = Daemon({"index.gmi": "# Home\n"}, workers=2)
kids = [int(p) for p in subprocess.run(
    ["pgrep", "-P", str(d.proc.pid)], capture_output=True,
    text=True).stdout.split()]
os.kill(d.proc.pid, signal.SIGKILL)
d.proc.wait()
check(len(kids) >= 2 and wait_for(lambda: all(gone(p) for p in kids), 5),
      "parent killed: its %d children (workers and helpers) exit" %
      len(kids), [p for p in kids if not gone(p)])

# --- ACCEPT_BACKOFF_MS ----------------------------------------------
d = Daemon({"index.gmi": "# Home\n"}, workers=1)
try:
    w = d.workers()[0]
    limit = len(os.listdir("/proc/%d/fd" % w)) + 5
    limit_nofile(w, limit)
    crowd = [socket.create_connection(("127.0.0.1", d.gopher_port), 5)
             for _ in range(20)]
    short = wait_for(lambda: "Too many open files" in d.logtext(), 5)
    trace = os.path.join(d.dir, "accept.trace")
    subprocess.run(["timeout", "-s", "INT", "2", "strace", "-qq",
                    "-e", "trace=accept4", "-o", trace, "-p", str(w)],
                   capture_output=True, timeout=20)
    with open(trace) as f:
        tries = sum("EMFILE" in line for line in f)
    check(short and 12 <= tries <= 28,
          "accept backoff: out of descriptors, accept(2) is tried about "
          "every 100 ms (ACCEPT_BACKOFF_MS): %d tries in 2 s" % tries)
    for s in crowd:
        s.close()
finally:
    d.stop()
done()
