#!/usr/bin/env python3
"""
fcgi_responder.py: a FastCGI 1.0 responder for test_fastcgi.py, standard
library only, with well-behaved and misbehaving answers chosen by the
request's path.  It reads what capsuled sends strictly (version 1, one
request id, BEGIN_REQUEST with the responder role, PARAMS ended by an
empty record, STDIN ended by an empty record) and answers as the path
asks.  One thread per connection, so that slow and hanging answers do
not hold the others up.

    fcgi_responder.py (--unix PATH | --tcp HOST) --state DIR

prints "listening PORT" (0 for a unix socket) once it accepts.  The
unix socket is made 0666: the runner that connects runs as the daemon's
user.  It exits on SIGTERM, when its parent goes away, or after
LIFETIME seconds, whichever comes first; every wait in it is bounded.

The path is /PREFIX/MODE/ARG...; PREFIX is the location's (py, tcp, ...),
and GEMINI_URL_PATH says what it is (SCRIPT_NAME may be stripped).
Modes:
  env                  20 text/plain: the params as JSON, in order, and
                       what the request's records were
  file/HOW/REL...      20 text/gemini: DOCUMENT_ROOT/REL, in one record
                       (HOW=one), one byte a record, sent a few records
                       at a time, so that lines and records are cut
                       across the reader's reads (tiny), or records of
                       assorted sizes with padding and STDERR records
                       between them (pad)
  bytes/HOW            20 application/octet-stream: bytes 0-255 four times
  status/NN            NN with STATUS_META[NN]
  stderr               STDERR records that try to forge log lines, then 20
  flood/N              N STDERR records of one line each, then 20
  garbage/KIND         bytes that are no responder's (see GARBAGE)
  noend/early|mid      closes without END_REQUEST: before any output, or
                       after the header and part of the body
  hang                 reads the request and never answers
  idle                 the header and a line, then never more
  big/N/TAG            20 application/octet-stream: N bytes of big_chunk(),
                       writing how many were handed to the socket to
                       DIR/TAG as it goes
  echo                 the header at once, 0.3 s later "echo PATH QUERY"
                       (counted: how many echo requests overlap)
  stats                JSON: the most echo requests in flight at once
  slow                 the header and SLOW_PARTS, a second apart
"""

import hashlib
import json
import os
import select
import signal
import socket
import struct
import sys
import threading
import time

VERSION = 1
BEGIN_REQUEST, ABORT_REQUEST, END_REQUEST, PARAMS, STDIN, STDOUT, STDERR = \
    1, 2, 3, 4, 5, 6, 7
RESPONDER = 1
CONTENT_MAX = 65535
LIFETIME = 600          # s: never outlive a test run
HANG = 30               # s a hanging answer waits for the peer to go
ECHO_DELAY = 0.3
FCGI_HEADER = 8
DRIP = 5                # one-byte records sent together
DRIP_PAUSE = 0.002      # s between them
SLOW_PARTS = [b"slow part one\n", b"slow part two\n", b"slow part three\n"]
STATUS_META = {
    10: "Your name?", 11: "Your secret", 30: "/static/a.gmi",
    31: "gemini://example.org/moved", 40: "Try later", 42: "Script said no",
    44: "5", 51: "Not here", 52: "Gone for good", 59: "Bad request",
    60: "Certificate please",
}
# Bytes that are no responder's answer, by kind.
GARBAGE = {
    # Not FastCGI at all: an HTTP response.
    "http": b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nhello\n",
    # A record type only a web server sends.
    "type": struct.pack(">BBHHBB", VERSION, BEGIN_REQUEST, 1, 8, 0, 0) +
    b"\0\1\0\0\0\0\0\0",
    # STDOUT for a request that was never made.
    "id": struct.pack(">BBHHBB", VERSION, STDOUT, 2, 16, 0, 0) +
    b"20 text/plain\r\nx",
    # END_REQUEST with a body of the wrong size.
    "endsize": struct.pack(">BBHHBB", VERSION, END_REQUEST, 1, 4, 0, 0) +
    b"\0\0\0\0",
}
# STDOUT that is well framed but no Gemini header.
BAD_HEADERS = {
    "noheader": b"hello world\r\n",
    "nocrlf": b"20 text/gemini\n# no CR\n",
    "status": b"99 no such status\r\n",
    "longmeta": b"20 " + b"m" * 2000 + b"\r\n",
    "nometa30": b"30\r\n",
}

_lock = threading.Lock()
_echo_now = 0
_echo_max = 0
_echo_total = 0


def big_chunk(i):
    """The i-th 65,535-byte piece of a big body: distinct per piece, so
    that a lost, doubled or reordered piece changes the hash."""
    return (hashlib.sha256(b"%d" % i).digest() * 2048)[:CONTENT_MAX]


def record(rtype, content=b"", pad=0, rid=1, padbyte=b"\xa5"):
    return struct.pack(">BBHHBB", VERSION, rtype, rid, len(content), pad,
                       0) + content + padbyte * pad


def stdout_records(data, how="one"):
    """data as STDOUT records, cut as how says, then the empty one."""
    out = []
    if how == "tiny":
        out = [record(STDOUT, data[i:i + 1]) for i in range(len(data))]
    elif how == "pad":
        i, n = 0, 0
        sizes = (1, 7, 300, 2, 4096, 13, 65535, 5)
        while i < len(data):
            size = sizes[n % len(sizes)]
            out.append(record(STDOUT, data[i:i + size], pad=(n * 37) % 256,
                              padbyte=bytes([(n * 11) % 256])))
            # STDERR between them: none of it may reach the client.
            out.append(record(STDERR, b"pad-stderr %d\n" % n, pad=3))
            i += size
            n += 1
    else:
        out = [record(STDOUT, data[i:i + CONTENT_MAX])
               for i in range(0, len(data), CONTENT_MAX)]
    out.append(record(STDOUT))
    return b"".join(out)


def send_stdout(sock, data, how):
    """data as stdout_records(), then END_REQUEST; tiny ones trickle:
    DRIP records, a pause, the next DRIP."""
    recs = stdout_records(data, how) + end_request()
    if how != "tiny":
        sock.sendall(recs)
        return
    step = DRIP * (FCGI_HEADER + 1)
    for i in range(0, len(recs), step):
        sock.sendall(recs[i:i + step])
        time.sleep(DRIP_PAUSE)


def end_request(status=0):
    return record(END_REQUEST, struct.pack(">IB3x", status, 0))


class Bad(Exception):
    """What capsuled sent is not a FastCGI request."""


def recv_exact(sock, n):
    data = b""
    while len(data) < n:
        b = sock.recv(n - len(data))
        if not b:
            raise Bad("the request ended after %d of %d bytes" %
                      (len(data), n))
        data += b
    return data


def read_length(buf, i):
    if buf[i] < 128:
        return buf[i], i + 1
    return struct.unpack(">I", buf[i:i + 4])[0] & 0x7fffffff, i + 4


def read_request(sock):
    """The request's params (a list of pairs, in order) and a summary of
    its records; Bad if any of it is not as FastCGI 1.0 says."""
    info = {"records": [], "stdin": 0, "begin": None}
    pairs = b""
    params_done = False
    while True:
        hdr = recv_exact(sock, 8)
        ver, rtype, rid, clen, plen, _ = struct.unpack(">BBHHBB", hdr)
        content = recv_exact(sock, clen) if clen else b""
        if plen:
            recv_exact(sock, plen)
        if ver != VERSION:
            raise Bad("version %d" % ver)
        if info["begin"] is None and rtype != BEGIN_REQUEST:
            raise Bad("record %d before BEGIN_REQUEST" % rtype)
        if info["begin"] is not None and rid != info["begin"]["id"]:
            raise Bad("request id %d, then %d" % (info["begin"]["id"], rid))
        info["records"].append(rtype)
        if rtype == BEGIN_REQUEST:
            if info["begin"] is not None or clen != 8:
                raise Bad("a second or malformed BEGIN_REQUEST")
            role, flags = struct.unpack(">HB5x", content)
            info["begin"] = {"id": rid, "role": role, "flags": flags}
        elif rtype == PARAMS:
            if params_done:
                raise Bad("PARAMS after their end")
            if clen == 0:
                params_done = True
            pairs += content
        elif rtype == STDIN:
            if not params_done:
                raise Bad("STDIN before the end of PARAMS")
            info["stdin"] += clen
            if clen == 0:
                break
        else:
            raise Bad("record type %d from a web server" % rtype)
    params, i = [], 0
    while i < len(pairs):
        nlen, i = read_length(pairs, i)
        vlen, i = read_length(pairs, i)
        if i + nlen + vlen > len(pairs):
            raise Bad("a name-value pair runs past the end")
        params.append((pairs[i:i + nlen].decode("latin-1"),
                       pairs[i + nlen:i + nlen + vlen].decode("latin-1")))
        i += nlen + vlen
    return params, info


def wait_gone(sock, seconds=HANG):
    """Until the peer closes (or seconds pass): a hang that ends."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        r, _, _ = select.select([sock], [], [], 0.5)
        if r:
            try:
                if not sock.recv(4096):
                    return
            except OSError:
                return


def write_progress(state, tag, n):
    path = os.path.join(state, tag)
    with open(path + ".tmp", "w") as f:
        f.write("%d\n" % n)
    os.replace(path + ".tmp", path)


def answer_big(sock, state, n, tag):
    sock.sendall(record(STDOUT, b"20 application/octet-stream\r\n"))
    sent, i = 0, 0
    write_progress(state, tag, 0)
    while sent < n:
        chunk = big_chunk(i)[:n - sent]
        sock.sendall(record(STDOUT, chunk))
        sent += len(chunk)
        i += 1
        write_progress(state, tag, sent)
    sock.sendall(record(STDOUT) + end_request())
    write_progress(state, tag + ".done", sent)


def answer_echo(sock, path, query):
    global _echo_now, _echo_max, _echo_total
    with _lock:
        _echo_now += 1
        _echo_total += 1
        _echo_max = max(_echo_max, _echo_now)
    try:
        sock.sendall(record(STDOUT, b"20 text/plain\r\n"))
        time.sleep(ECHO_DELAY)
        sock.sendall(record(STDOUT, ("echo %s %s\n" % (path, query))
                            .encode("latin-1")) + record(STDOUT) +
                     end_request())
    finally:
        with _lock:
            _echo_now -= 1


def answer(sock, params, info, state):
    env = dict(params)
    parts = env.get("GEMINI_URL_PATH", "").split("/")
    mode = parts[2] if len(parts) > 2 else ""
    args = parts[3:]
    if mode == "env":
        body = json.dumps({"params": params, "begin": info["begin"],
                           "records": info["records"],
                           "stdin": info["stdin"]}).encode()
        sock.sendall(stdout_records(b"20 text/plain\r\n" + body) +
                     end_request())
    elif mode == "file":
        with open(os.path.join(env["DOCUMENT_ROOT"], *args[1:]),
                  "rb") as f:
            data = f.read()
        send_stdout(sock, b"20 text/gemini\r\n" + data, args[0])
    elif mode == "bytes":
        data = b"20 application/octet-stream\r\n" + bytes(range(256)) * 4
        send_stdout(sock, data, args[0])
    elif mode == "status":
        code = int(args[0])
        sock.sendall(stdout_records(("%d %s\r\n" % (code, STATUS_META[code]))
                                    .encode()) + end_request())
    elif mode == "stderr":
        sock.sendall(record(STDERR, b"stderr-mark one\x1b[31m red\x07\n"
                            b"FORGED-LINE parent: capsuled stopped\r\n"
                            b"\x00after-nul\n") +
                     stdout_records(b"20 text/plain\r\nstderr done\n") +
                     end_request())
    elif mode == "flood":
        n = int(args[0])
        sock.sendall(b"".join(record(STDERR, b"flood-line %d\n" % i)
                              for i in range(n)) +
                     stdout_records(b"20 text/plain\r\nflood done\n") +
                     end_request())
    elif mode == "garbage":
        kind = args[0]
        if kind in GARBAGE:
            sock.sendall(GARBAGE[kind])
        else:
            sock.sendall(stdout_records(BAD_HEADERS[kind]) + end_request())
        wait_gone(sock, 5)
    elif mode == "noend":
        if args[0] == "mid":
            sock.sendall(record(STDOUT, b"20 text/gemini\r\n# Cut\n"
                                b"first line\n"))
    elif mode == "hang":
        wait_gone(sock)
    elif mode == "idle":
        sock.sendall(record(STDOUT, b"20 text/plain\r\npartial\n"))
        wait_gone(sock)
    elif mode == "big":
        answer_big(sock, state, int(args[0]), args[1])
    elif mode == "echo":
        answer_echo(sock, env.get("GEMINI_URL_PATH", ""),
                    env.get("QUERY_STRING", ""))
    elif mode == "stats":
        with _lock:
            body = json.dumps({"max": _echo_max, "total": _echo_total})
        sock.sendall(stdout_records(b"20 text/plain\r\n" + body.encode()) +
                     end_request())
    elif mode == "slow":
        sock.sendall(record(STDOUT, b"20 text/plain\r\n" + SLOW_PARTS[0]))
        for part in SLOW_PARTS[1:]:
            time.sleep(1.0)
            sock.sendall(record(STDOUT, part))
        sock.sendall(record(STDOUT) + end_request())
    else:
        sock.sendall(stdout_records(b"51 no such mode\r\n") + end_request())


def serve(sock, state):
    try:
        sock.settimeout(HANG + 5)
        try:
            params, info = read_request(sock)
        except Bad as e:
            sys.stderr.write("fcgi_responder: bad request: %s\n" % e)
            sock.sendall(stdout_records(("42 responder: bad request: %s\r\n"
                                         % e).encode()) + end_request())
            return
        answer(sock, params, info, state)
    except (OSError, ValueError, KeyError, IndexError) as e:
        sys.stderr.write("fcgi_responder: %r\n" % e)
    finally:
        sock.close()


def watchdog(parent):
    """Exit when the test that started us is gone, or LIFETIME is up."""
    end = time.time() + LIFETIME
    while time.time() < end and os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)


def main():
    args = sys.argv[1:]
    opts = dict(zip(args[::2], args[1::2]))
    if len(args) % 2 or not (("--unix" in opts) ^ ("--tcp" in opts)) or \
            "--state" not in opts:
        sys.exit("usage: fcgi_responder.py (--unix PATH | --tcp HOST) "
                 "--state DIR")
    signal.signal(signal.SIGTERM, lambda *a: os._exit(0))
    threading.Thread(target=watchdog, args=(os.getppid(),),
                     daemon=True).start()
    if "--unix" in opts:
        ls = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        ls.bind(opts["--unix"])
        os.chmod(opts["--unix"], 0o666)
        port = 0
    else:
        ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind((opts["--tcp"], 0))
        port = ls.getsockname()[1]
    ls.listen(256)
    print("listening %d" % port)
    sys.stdout.flush()
    while True:
        conn, _ = ls.accept()
        threading.Thread(target=serve, args=(conn, opts["--state"]),
                         daemon=True).start()


if __name__ == "__main__":
    main()
