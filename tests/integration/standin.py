#!/usr/bin/env python3
"""
standin.py: a stand-in for capsuled that serves nothing right, for
test_standin.py to point the rules suites at (CAPSULED=standin.py).  It
takes the same command line (quick-mode flags or -f FILE, of which it
reads only the listen, cert and key lines), binds the same loopback
addresses (port 0 too) and logs its ports as capsuled does, so that the
harness starts it like the real daemon.  Then, by CAPSULED_STANDIN:

  silent  accepts every connection (and a TLS handshake on Gemini
          ports), reads, and never answers or closes;
  same    answers every request with the same bytes: a one-item
          Gopher menu, or "20 text/gemini" and a page, then closes.

It is not a server: it only listens on the loopback addresses it is
given, holds each connection until its client leaves, and exits when
signalled.
"""

import os
import re
import socket
import ssl
import sys
import threading

MODE = os.environ.get("CAPSULED_STANDIN", "silent")
GOPHER_SAME = b"iAlways the same\t\tlocalhost\t70\r\n.\r\n"
GEMINI_SAME = b"20 text/gemini\r\n# Always the same\n"


def split(spec):
    """[addr:]port as -p/-g take it: (address, port)."""
    m = re.fullmatch(r"\[([^]]+)\]:(\d+)|(?:([^:]+):)?(\d+)", spec)
    if m is None:
        sys.exit("standin: bad address " + spec)
    if m.group(1):
        return m.group(1), int(m.group(2))
    return m.group(3) or "127.0.0.1", int(m.group(4))


def from_args(argv):
    """(listeners [(proto, addr, port)], cert, key) from the flags."""
    listeners, cert, key, conf = [], None, None, None
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("-p", "-g"):
            addr, port = split(argv[i + 1])
            listeners.append(("gemini" if a == "-p" else "gopher", addr,
                              port))
        elif a == "-c":
            cert = argv[i + 1]
        elif a == "-k":
            key = argv[i + 1]
        elif a == "-f":
            conf = argv[i + 1]
        if a in ("-p", "-g", "-c", "-k", "-f", "-H", "-j", "-u", "-P"):
            i += 2
        else:
            i += 1
    if conf is not None:
        with open(conf) as f:
            text = f.read()
        for proto, addr, port in re.findall(
                r"listen (gemini|gopher) on (\S+) port (\d+)", text):
            listeners.append((proto, addr.strip("[]"), int(port)))
        cert = cert or (re.findall(r'\bcert "([^"]+)"', text) or [None])[0]
        key = key or (re.findall(r'\bkey "([^"]+)"', text) or [None])[0]
    return listeners, cert, key


def serve(conn, tls_ctx):
    """One client, as MODE says; held until the client leaves."""
    try:
        if tls_ctx is not None:
            conn = tls_ctx.wrap_socket(conn, server_side=True)
        data = b""
        while True:
            b = conn.recv(65536)
            if not b:
                break
            data += b
            if MODE == "same" and (b"\n" in data or len(data) > 4096):
                conn.sendall(GEMINI_SAME if tls_ctx else GOPHER_SAME)
                if tls_ctx is not None:
                    conn = conn.unwrap()
                break
    except (OSError, ssl.SSLError):
        pass
    finally:
        conn.close()


def accept_loop(sock, tls_ctx):
    while True:
        conn, _ = sock.accept()
        threading.Thread(target=serve, args=(conn, tls_ctx),
                         daemon=True).start()


def main():
    listeners, cert, key = from_args(sys.argv[1:])
    tls_ctx = None
    if cert and key:
        # Whatever TLS the library will speak: it restricts nothing.
        tls_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls_ctx.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
        tls_ctx.set_ciphers("DEFAULT@SECLEVEL=0")
        tls_ctx.load_cert_chain(cert, key)
    threads = []
    for proto, addr, port in listeners:
        family = socket.AF_INET6 if ":" in addr else socket.AF_INET
        s = socket.socket(family, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((addr, port))
        s.listen(128)
        shown = "[%s]" % addr if ":" in addr else addr
        print("parent: %s on %s:%d for localhost" %
              (proto, shown, s.getsockname()[1]), flush=True)
        threads.append(threading.Thread(
            target=accept_loop,
            args=(s, tls_ctx if proto == "gemini" else None), daemon=True))
    print("parent: capsuled standin-%s: 1 workers, 0 paths" % MODE,
          flush=True)
    for t in threads:
        t.start()
    threading.Event().wait()


if __name__ == "__main__":
    main()
