"""
test_tickets.py: TLS session resumption.  By default capsuled sends no
session ticket (a client could not use it: each costs bytes on slow
links for nothing).  With "session-tickets N" it sends one per full
handshake; a client that presents it resumes, on TLS 1.3 and 1.2, on
any worker of the generation, never with early data (no 0-RTT); a
reload makes new keys, so an old ticket is turned down and the client
simply gets a full handshake.
"""

import socket
import ssl
import subprocess

from harness import SERVER, check, client_context, Daemon, done, plan

plan(11)

CONF = """{user}prefork 2
{tickets}
""" + SERVER

PAGE = "# Resumed\n"


CONTEXTS = {}


def fetch(d, version, session=None):
    """One request; returns (reply, session, reused).  Python resumes
    only with the context that made the session: one per version."""
    if version not in CONTEXTS:
        ctx = client_context()
        ctx.minimum_version = ctx.maximum_version = version
        CONTEXTS[version] = ctx
    ctx = CONTEXTS[version]
    sock = socket.create_connection(("127.0.0.1", d.gemini_port), 5)
    tls = ctx.wrap_socket(sock, server_hostname="localhost",
                          session=session)
    tls.sendall(d.url("/").encode() + b"\r\n")
    data = b""
    while True:
        b = tls.recv(65536)
        if not b:
            break
        data += b
    sess, reused = tls.session, tls.session_reused
    tls.close()
    return data, sess, reused


def daemon(tickets):
    class D(Daemon):
        def write_conf(self, template):
            self.tickets = tickets
            super().write_conf(template)
    return D(files={"index.gmi": PAGE}, conf=CONF)


WANT = b"20 text/gemini\r\n" + PAGE.encode()
V13, V12 = ssl.TLSVersion.TLSv1_3, ssl.TLSVersion.TLSv1_2

d = daemon("")
try:
    for v, name in ((V13, "1.3"), (V12, "1.2")):
        r, sess, _ = fetch(d, v)
        check(r == WANT and not sess.has_ticket, "tickets: by default "
              "TLS %s gets no session ticket" % name, sess.has_ticket)
        r, _, reused = fetch(d, v, sess)
        check(r == WANT and not reused, "tickets: by default TLS %s does "
              "not resume" % name, reused)
finally:
    d.stop()

d = daemon("session-tickets 300")
try:
    for v, name in ((V13, "1.3"), (V12, "1.2")):
        r, sess, reused = fetch(d, v)
        check(r == WANT and sess.has_ticket and not reused,
              "tickets: with session-tickets, TLS %s gets a ticket" % name)
        results = [fetch(d, v, sess) for _ in range(12)]
        check(all(r == WANT and reused for r, _, reused in results),
              "tickets: TLS %s resumes on every one of 12 connections "
              "with 2 workers" % name,
              [(r[:20], reused) for r, _, reused in results])
    r, sess, _ = fetch(d, V13)
    out = subprocess.run(
        ["openssl", "s_client", "-tls1_3", "-connect",
         "127.0.0.1:%d" % d.gemini_port, "-servername", "localhost",
         "-ign_eof"], input=d.url("/").encode() + b"\r\n",
        capture_output=True, timeout=10).stdout
    check(b"Max Early Data: 0" in out and b"early_data" not in out.lower(),
          "tickets: a ticket never allows early data (no 0-RTT)",
          out[-300:])
    check(d.reload(), "tickets: reload")
    r, _, reused = fetch(d, V13, sess)
    check(r == WANT and not reused, "tickets: after a reload (new keys) an "
          "old ticket gets a full handshake, and the request is served",
          (r[:30], reused))
finally:
    d.stop()

done()
