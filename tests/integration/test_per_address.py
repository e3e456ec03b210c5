"""
test_per_address.py: max-connections-per-address and rate-limit, which hold
across all the workers of a server (a table in shared memory), with
clients bound to 127.0.0.2, 127.0.0.3, ... as their source addresses.
To show that a count made in one worker binds the other, one worker is
stopped (SIGSTOP) while the other takes the first connections or
requests, and then the other way round.

1. A cap of 4: four silent connections from one address held by one
   worker, the fifth, taken by the other worker, is closed at once
   without a byte; on Gopher that address gets a type-3 line; a fresh
   address is served; a close makes room.
2. A rate limit of 5 in 60 s: five requests from one address served by
   one worker, the sixth, by the other, gets "44 S" with 55 <= S <= 60,
   on Gopher a type-3 line; a fresh address is served; the access log
   has the 44s; the daemon log names each offender once, however often
   it is refused.
3. A server's own settings (rate-limit 2 3) apply to it and not to the
   other server; its window ends and the address is served again.
4. Behind a balancer (PROXY v2) the header's address is the one
   limited, IPv6 counted by /64, for requests and for connections.
"""

import os
import signal
import socket
import ssl
import struct
import time

from harness import (cert, check, client_context, Daemon, done, plan,
                     wait_for)

plan(18)

CONF = """prefork 2
max-connections-per-address 4
rate-limit 5 60
timeout handshake 60
timeout request 60
access-log "{dir}/access.log"
{user}
server "localhost" {{
\troot "{root}"
\tcert "{crt}"
\tkey "{key}"
\tlisten gemini on 127.0.0.1 port {gemini_port}
\tlisten gopher on 127.0.0.1 port {gopher_port}
}}
server "other.test" {{
\troot "{root}"
\tcert "%s"
\tkey "%s"
\trate-limit 2 3
\tlisten gemini on 127.0.0.1 port 0
}}
"""

PROXIED = """prefork 2
max-connections-per-address 2
rate-limit 3 60
timeout handshake 60
timeout request 60
{user}
server "localhost" {{
\troot "{root}"
\tcert "{crt}"
\tkey "{key}"
\tlisten gemini on 127.0.0.1 port {gemini_port} proxy-protocol
\tlisten gopher on 127.0.0.1 port {gopher_port} proxy-protocol
}}
"""

V2SIG = b"\r\n\r\n\x00\r\nQUIT\n"


def v2_header(src, dst="127.0.0.1", sport=40000, dport=1965):
    if ":" in src:
        body = (socket.inet_pton(socket.AF_INET6, src) +
                socket.inet_pton(socket.AF_INET6, "2001:db8:ffff::1") +
                struct.pack("!HH", sport, dport))
        return V2SIG + b"\x21\x21" + struct.pack("!H", len(body)) + body
    body = (socket.inet_aton(src) + socket.inet_aton(dst) +
            struct.pack("!HH", sport, dport))
    return V2SIG + b"\x21\x11" + struct.pack("!H", len(body)) + body


def connect(port, src):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((src, 0))
    s.settimeout(5)
    s.connect(("127.0.0.1", port))
    return s


def read_all(s):
    data = b""
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            data += b
    except (OSError, ssl.SSLError):
        pass
    return data


def gemini(port, src, host="localhost", header=b""):
    """A Gemini request for / from src (after a PROXY header)."""
    s = connect(port, src)
    if header:
        s.sendall(header)
    try:
        tls = client_context().wrap_socket(s, server_hostname=host)
    except (OSError, ssl.SSLError):
        s.close()
        return b"<no handshake>"
    try:
        tls.sendall(b"gemini://%s:%d/\r\n" % (host.encode(), port))
        return read_all(tls)
    finally:
        tls.close()


def gopher(port, src, header=b""):
    s = connect(port, src)
    s.sendall(header + b"/\r\n")
    data = read_all(s)
    s.close()
    return data


def closed_at_once(s, within=1.0):
    """The server closed s without a byte, within that many seconds."""
    s.settimeout(within)
    try:
        return s.recv(1) == b""
    except socket.timeout:
        return False
    except OSError:
        return True


def still_open(s):
    s.setblocking(False)
    try:
        return s.recv(1, socket.MSG_PEEK) != b""
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        s.settimeout(5)


def sockets(pid):
    n = 0
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            if os.readlink("/proc/%d/fd/%s" % (pid, fd)).startswith(
                    "socket:"):
                n += 1
        except OSError:
            pass
    return n


class Alone:
    """Only worker `run` takes connections: the others are stopped."""

    def __init__(self, d, run):
        self.stopped = [w for w in d.workers() if w != run]

    def __enter__(self):
        for w in self.stopped:
            os.kill(w, signal.SIGSTOP)
        return self

    def __exit__(self, *exc):
        for w in self.stopped:
            os.kill(w, signal.SIGCONT)


def ok20(r):
    return r.startswith(b"20 text/gemini\r\n")


def wait_secs(r):
    """S of a "44 S" reply, or -1."""
    if not r.startswith(b"44 ") or not r.endswith(b"\r\n"):
        return -1
    try:
        return int(r[3:-2])
    except ValueError:
        return -1


ocrt, okey = cert("other.test")
d = Daemon({"index.gmi": "# Home\n"}, conf=CONF % (ocrt, okey))
try:
    wa, wb = d.workers()
    gp, tp = d.gemini_port, d.gopher_port
    op = d.port("gemini", server="other.test")

    # 1. The cap, across the two workers.
    base = sockets(wa)
    with Alone(d, wa):
        held = [connect(gp, "127.0.0.2") for _ in range(4)]
        took = wait_for(lambda: sockets(wa) >= base + 4, 5)
    with Alone(d, wb):
        fifth = connect(gp, "127.0.0.2")
        refused = closed_at_once(fifth)
    fifth.close()
    check(took and refused and all(still_open(s) for s in held),
          "cap: 4 connections from 127.0.0.2 held by one worker, the "
          "fifth closed at once by the other", (took, refused))
    r = gopher(tp, "127.0.0.2")
    check(r == b"3Too many connections from your address\t\terror.host"
          b"\t1\r\n.\r\n", "cap: on Gopher the same address gets a type-3 "
          "line", r)
    check(ok20(gemini(gp, "127.0.0.3")), "cap: a fresh address is served")
    held.pop().close()
    time.sleep(0.3)
    check(ok20(gemini(gp, "127.0.0.2")), "cap: once one of the 4 closes, "
          "the address is served again")
    for s in held:
        s.close()
    time.sleep(0.3)

    # 2. The rate limit, across the two workers.
    with Alone(d, wa):
        first = [gemini(gp, "127.0.0.4") for _ in range(5)]
    with Alone(d, wb):
        sixth = gemini(gp, "127.0.0.4")
    check(all(ok20(r) for r in first) and 55 <= wait_secs(sixth) <= 60,
          "rate: 5 requests from 127.0.0.4 served by one worker, the "
          "sixth, by the other, gets \"44 S\" with S near 60", sixth)
    more = [gemini(gp, "127.0.0.4") for _ in range(4)]
    r = gopher(tp, "127.0.0.4")
    check(r.startswith(b"3Too many requests: try again in ") and
          r.endswith(b" seconds\t\terror.host\t1\r\n.\r\n") and
          all(wait_secs(m) > 0 for m in more),
          "rate: later requests too, and on Gopher a type-3 line saying "
          "when", (r, more))
    check(ok20(gemini(gp, "127.0.0.5")), "rate: a fresh address is "
          "served meanwhile")
    time.sleep(0.3)
    with open(os.path.join(d.dir, "access.log")) as f:
        lines = [l.split() for l in f if " 127.0.0.4 " in l]
    statuses = [l[5] for l in lines]
    check(statuses.count("20") == 5 and statuses.count("44") == 6,
          "rate: the access log shows 5 answers and 6 refusals with 44 "
          "(Gopher's too)", statuses)
    text = d.logtext()
    check(text.count("127.0.0.4: over rate-limit 5 requests in 60 s") == 1
          and "127.0.0.4: over rate-limit 5 requests in 60 s for "
          "localhost: refused" in text,
          "rate: the daemon log names 127.0.0.4 once for its 6 refusals",
          [l for l in text.splitlines() if "over" in l])
    check(text.count("127.0.0.2: over max-connections-per-address 4") == 1,
          "cap: and 127.0.0.2 once for its refused connections",
          [l for l in text.splitlines() if "over" in l])

    # 3. A server's own rate limit, and its window's end.
    r = [gemini(op, "127.0.0.6", "other.test") for _ in range(3)]
    check(ok20(r[0]) and ok20(r[1]) and 1 <= wait_secs(r[2]) <= 3,
          "server: other.test's rate-limit 2 3 refuses the third request",
          r)
    check(ok20(gemini(gp, "127.0.0.6")), "server: localhost still serves "
          "that address (its own count)")
    time.sleep(wait_secs(r[2]) + 0.2)
    check(ok20(gemini(op, "127.0.0.6", "other.test")),
          "server: after the window the address is served again")
finally:
    d.stop()

# 4. Behind a balancer: the PROXY header's address.
d = Daemon({"index.gmi": "# Home\n"}, conf=PROXIED)
try:
    gp = d.gemini_port

    def hdr(src):
        """The header a balancer sends: the client reached it on gp (a
        Gemini URL must name the port the header says)."""
        return v2_header(src, dport=gp)

    r = [gemini(gp, "127.0.0.1", header=hdr("192.0.2.7"))
         for _ in range(4)]
    check(all(ok20(x) for x in r[:3]) and wait_secs(r[3]) > 0,
          "proxy: the fourth request from 192.0.2.7 (header) gets 44", r)
    check(ok20(gemini(gp, "127.0.0.1", header=hdr("192.0.2.8"))),
          "proxy: 192.0.2.8 through the same balancer is served")
    r = [gemini(gp, "127.0.0.1", header=hdr("2001:db8::%d" % i))
         for i in range(1, 5)]
    check(all(ok20(x) for x in r[:3]) and wait_secs(r[3]) > 0,
          "proxy: 2001:db8::1..3 and then ::4 share one /64's count", r)
    check(ok20(gemini(gp, "127.0.0.1",
                      header=hdr("2001:db8:0:1::1"))),
          "proxy: another /64 is counted apart")
    held = []
    for _ in range(2):
        s = connect(gp, "127.0.0.1")
        s.sendall(hdr("192.0.2.9"))
        held.append(s)
    time.sleep(0.3)
    third = connect(gp, "127.0.0.1")
    third.sendall(hdr("192.0.2.9"))
    other = connect(gp, "127.0.0.1")
    other.sendall(hdr("192.0.2.10"))
    refused = closed_at_once(third)
    check(refused and all(still_open(s) for s in held) and
          still_open(other),
          "proxy: a third connection from 192.0.2.9 is closed at once, "
          "one from 192.0.2.10 stays", refused)
    for s in held + [third, other]:
        s.close()
finally:
    d.stop()
done()
