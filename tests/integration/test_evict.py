"""
test_evict.py: a full connection table never locks real readers out.
One worker with max-connections 20 and long deadlines (so that only
eviction closes anything), attackers on 127.0.0.2, readers on
127.0.0.3.

1. 60 silent connections to the Gemini port: the 40 oldest are closed,
   the 20 newest stay; readers are answered in well under a second, on
   both ports, while the table is full of silent attackers.
2. Silent connections go before those that have started: with 5
   connections that sent a byte (the oldest) and 15 silent ones, a new
   reader displaces the oldest silent one and no started one.
3. A connection being answered is never evicted: a download stalled by
   its client survives 21 evictions among connections that each started
   a request (so that eviction reaches the started ones), and arrives
   whole afterwards.
4. With nothing evictable (every descriptor held by a stalled download)
   the worker stops accepting: a new request waits, and is answered as
   soon as a download ends.
"""

import os
import socket
import ssl
import time

from harness import (check, client_context, Daemon, done, plan, SERVER,
                     wait_for)

plan(12)

TABLE = 20
ATTACKER = "127.0.0.2"
READER = "127.0.0.3"
BIG = 24 << 20     # more than the kernel buffers between us

CONF = """prefork 1
max-connections %d
timeout handshake 60
timeout request 60
timeout response 60
inline-max 65536
{user}
""" % TABLE


def connect(port, src=ATTACKER, rcvbuf=None):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf is not None:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.bind((src, 0))
    s.settimeout(5)
    s.connect(("127.0.0.1", port))
    return s


def closed_by_server(s):
    """Has the server closed s (EOF or reset), without waiting?"""
    s.setblocking(False)
    try:
        return s.recv(1, socket.MSG_PEEK) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True
    finally:
        s.settimeout(5)


def reader_gemini(d):
    """One reader's Gemini request from READER: (seconds, good)."""
    t = time.monotonic()
    r, clean = gemini_from(d, READER)
    return time.monotonic() - t, r.startswith(b"20 text/gemini\r\n") and clean


def gemini_from(d, src):
    """A request for / from src: (reply, ended by close_notify)."""
    sock = connect(d.gemini_port, src)
    tls = client_context().wrap_socket(sock, server_hostname="localhost",
                                       suppress_ragged_eofs=False)
    data, clean = b"", False
    try:
        tls.sendall((d.url("/") + "\r\n").encode())
        while True:
            b = tls.recv(65536)
            if not b:
                clean = True
                break
            data += b
    except (OSError, ssl.SSLError):
        pass
    finally:
        tls.close()
    return data, clean


def reader_gopher(d):
    t = time.monotonic()
    s = connect(d.gopher_port, READER)
    s.sendall(b"/\r\n")
    data = b""
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            data += b
    except OSError:
        pass
    s.close()
    return time.monotonic() - t, data.endswith(b".\r\n") and b"Home" in data


def streaming(d):
    """How many files the worker is streaming (descriptors to big.bin)."""
    n = 0
    for w in d.workers():
        for fd in os.listdir("/proc/%d/fd" % w):
            try:
                if os.readlink("/proc/%d/fd/%s" % (w, fd)).endswith(
                        "big.bin"):
                    n += 1
            except OSError:
                pass
    return n


def close_all(socks):
    for s in socks:
        s.close()


d = Daemon({"index.gmi": "# Home\n", "big.bin": os.urandom(BIG)},
           conf=CONF + SERVER)
try:
    # 1. A silent flood: the oldest go, the newest stay.
    flood = [connect(d.gemini_port) for _ in range(60)]
    went = wait_for(lambda: sum(closed_by_server(s) for s in flood) >= 40,
                    10)
    gone = [closed_by_server(s) for s in flood]
    check(went and gone == [True] * 40 + [False] * 20,
          "evict: of 60 silent Gemini connections (table 20) the 40 oldest "
          "are closed and the 20 newest stay open", gone)
    times = []
    good = True
    for _ in range(5):
        t, ok = reader_gemini(d)
        times.append(t)
        good = good and ok
    check(good and max(times) < 1.0,
          "evict: 5 Gemini readers answered while silent attackers fill "
          "the table (slowest %.0f ms)" % (max(times) * 1000), times)
    close_all(flood)
    flood = [connect(d.gopher_port) for _ in range(60)]
    wait_for(lambda: sum(closed_by_server(s) for s in flood) >= 40, 10)
    times = []
    good = True
    for _ in range(5):
        t, ok = reader_gopher(d)
        times.append(t)
        good = good and ok
    check(good and max(times) < 1.0,
          "evict: 5 Gopher readers answered while silent attackers fill "
          "the table (slowest %.0f ms)" % (max(times) * 1000), times)
    still = sum(not closed_by_server(s) for s in flood)
    check(still == TABLE - 1,
          "evict: the first reader displaced one silent attacker and the "
          "others took the place it left (%d of 60 still open)" % still,
          still)
    close_all(flood)
    time.sleep(0.5)

    # 2. Silent before started.
    started = [connect(d.gemini_port) for _ in range(5)]
    for s in started:
        s.sendall(b"\x16")      # a TLS record begins: now in a handshake
    time.sleep(0.3)
    silent = [connect(d.gemini_port) for _ in range(TABLE - 5)]
    time.sleep(0.3)
    t, ok = reader_gemini(d)
    time.sleep(0.2)
    check(ok and t < 1.0, "evict: a reader is answered with the table full "
          "of started and silent connections (%.0f ms)" % (t * 1000))
    check(not any(closed_by_server(s) for s in started),
          "evict: the 5 connections that had sent a byte all stay open")
    gone = [closed_by_server(s) for s in silent]
    check(gone[0] and not any(gone[1:]),
          "evict: the oldest silent connection made room, and only it",
          gone)
    close_all(started + silent)
    time.sleep(0.5)

    # 3. Being answered: never evicted.
    dl = connect(d.gopher_port, READER, rcvbuf=4096)
    dl.sendall(b"/big.bin\r\n")
    first = b""
    for _ in range(20):         # read a little, so that the worker
        first += dl.recv(65536)         # has been woken to write more
        time.sleep(0.02)
    time.sleep(0.5)             # the server is now blocked writing to it
    # Each attacker starts a request and is seen to (so no silent one
    # is left to go first) before the next comes: every eviction then
    # takes the oldest of those that started.
    flood = []
    for i in range(TABLE - 1 + 20):
        s = connect(d.gopher_port)
        s.sendall(b"/partial")
        flood.append(s)
        time.sleep(0.05 if i >= TABLE - 1 else 0.01)
    time.sleep(0.3)
    gone = sum(closed_by_server(s) for s in flood)
    # The download holds two descriptors: its socket and its file.
    alive = (closed_by_server(dl), streaming(d))
    check(alive == (False, 1) and gone == len(flood) - (TABLE - 2),
          "evict: a stalled download survives %d evictions among "
          "connections with a partial request (the worker still streams "
          "its file)" % gone, alive)
    close_all(flood)
    got = len(first)
    dl.settimeout(20)
    try:
        while True:
            b = dl.recv(1 << 20)
            if not b:
                break
            got += len(b)
    except OSError:
        pass
    dl.close()
    check(got == BIG, "evict: the download then arrives whole (%d of %d "
          "bytes)" % (got, BIG))
    time.sleep(0.5)

    # 4. Nothing evictable: accepting pauses, and resumes.
    dls = []
    for _ in range(TABLE // 2):     # each holds a socket and a file
        s = connect(d.gopher_port, READER, rcvbuf=4096)
        s.sendall(b"/big.bin\r\n")
        s.recv(4096)
        dls.append(s)
    time.sleep(0.5)
    late = connect(d.gopher_port, READER)
    late.sendall(b"/\r\n")
    late.settimeout(1.5)
    try:
        early = late.recv(65536)
    except socket.timeout:
        early = None
    check(early is None, "evict: with every descriptor held by a download "
          "being answered, a new request waits", early)
    dls[0].close()          # one download ends
    late.settimeout(5)
    data = b""
    t = time.monotonic()
    try:
        while True:
            b = late.recv(65536)
            if not b:
                break
            data += b
    except OSError:
        pass
    late.close()
    check(data.endswith(b".\r\n") and time.monotonic() - t < 2,
          "evict: it is answered once a download ends (%.0f ms)"
          % ((time.monotonic() - t) * 1000), data[:80])
    close_all(dls[1:])
    time.sleep(0.3)
    check(d.proc.poll() is None and
          d.gemini(d.url("/"))[0].startswith(b"20 "),
          "evict: the daemon still serves afterwards")
finally:
    d.stop()
done()
