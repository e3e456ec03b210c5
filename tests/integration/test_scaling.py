"""
test_scaling.py: one daemon, many hosts; and a daemon behind a balancer.
Two servers share a Gemini port: SNI picks the certificate (its subject
is checked) and the capsule, aliases count as the server's names, a URL
host that is not the chosen server's gets 53, no SNI gets the first
server.  Public ports: menus name them and Gemini URLs must use them.
The Gopher port with "tls" speaks TLS (curl gophers://) and plain Gopher
on the same socket.  PROXY protocol v1 and v2 listeners take the client
address from the header (the access log shows it), read a header that
arrives in pieces, and close connections with a missing, malformed or
never-finished header.
"""

import os
import socket
import ssl
import struct
import subprocess
import time

from harness import (Daemon, cert, check, client_context, done, gemini_raw,
                     menu_ok, plain_raw, plan, wait_for, write_tree)

plan(34)

VHOSTS = """{user}prefork 2
server "a.test" {{
\troot "{root}"
\tcert "{crt}"
\tkey "{key}"
\talias "www.a.test"
\tpublic gopher port 70
\tlisten gemini on 127.0.0.1 port {gemini_port}
\tlisten gopher on 127.0.0.1 port {gopher_port} tls
}}
server "b.test" {{
\troot "{root_b}"
\tcert "{crt_b}"
\tkey "{key_b}"
\tlisten gemini on 127.0.0.1 port {gemini_port}
\tlisten gopher on 127.0.0.1 port {gopher_b}
}}
"""


class VhostDaemon(Daemon):
    """A Daemon whose config also names a second server, b.test."""

    def __init__(self, **kw):
        self.crt_b, self.key_b = cert("b.test")
        self.gopher_b = 0
        self.root_b = None
        super().__init__(start=False, host="a.test", **kw)
        self.root_b = os.path.join(self.dir, "capsule-b")
        write_tree(self.root_b, {"index.gmi": "# Capsule B\n"})
        self.write_conf(VHOSTS)
        self.start()
        # Both Gopher ports are on 127.0.0.1: the log says whose is whose.
        self.gopher_port = self.port("gopher", server="a.test")
        self.gopher_b = self.port("gopher", server="b.test")


def subject_cn(port, sni):
    """The CN of the certificate the server sends for sni."""
    sock = socket.create_connection(("127.0.0.1", port), 5)
    tls = client_context().wrap_socket(sock, server_hostname=sni)
    der = tls.getpeercert(binary_form=True)
    tls.close()
    pem = ssl.DER_cert_to_PEM_cert(der)
    out = subprocess.run(["openssl", "x509", "-noout", "-subject"],
                         input=pem.encode(), capture_output=True).stdout
    return out.decode().strip().split("CN", 1)[-1].lstrip(" =")


FILES = {
    "index.gmi": "# Capsule A\n=> gemini://www.a.test/page.gmi Page\n",
    "page.gmi": "# Page of A\n",
}

d = VhostDaemon(files=FILES, conf=VHOSTS)
try:
    port = d.gemini_port
    check(subject_cn(port, "a.test") == "a.test",
          "vhost: SNI a.test gets the certificate of a.test")
    check(subject_cn(port, "b.test") == "b.test",
          "vhost: SNI b.test gets the certificate of b.test")
    r, _ = d.gemini("gemini://a.test:%d/" % port, sni="a.test")
    check(r.startswith(b"20 text/gemini\r\n# Capsule A"),
          "vhost: a.test serves capsule A", r)
    r, _ = d.gemini("gemini://b.test:%d/" % port, sni="b.test")
    check(r == b"20 text/gemini\r\n# Capsule B\n",
          "vhost: b.test serves capsule B", r)
    r, _ = d.gemini("gemini://b.test:%d/" % port, sni="a.test")
    check(r == b"53 Proxy request refused\r\n",
          "vhost: SNI a.test with URL host b.test gets 53", r)
    r, _ = d.gemini("gemini://a.test:%d/" % port, sni="b.test")
    check(r == b"53 Proxy request refused\r\n",
          "vhost: SNI b.test with URL host a.test gets 53", r)
    r, _ = d.gemini("gemini://www.a.test:%d/page.gmi" % port,
                    sni="www.a.test")
    check(r == b"20 text/gemini\r\n# Page of A\n",
          "vhost: an alias reaches its server", r)
    r, _ = d.gemini("gemini://127.0.0.1:%d/" % port, sni=None)
    check(r.startswith(b"20 text/gemini\r\n# Capsule A"),
          "vhost: no SNI (IP literal) goes to the first server", r)
    r, _ = d.gemini("gemini://c.test:%d/" % port, sni="c.test")
    check(r == b"53 Proxy request refused\r\n",
          "vhost: an unknown host gets 53", r)

    # Gopher for a.test names the public port and treats the alias as us.
    menu = plain_raw("127.0.0.1", d.gopher_port, b"/\r\n")
    ok, why = menu_ok(menu)
    check(ok and b"1Page\t/page.gmi\ta.test\t70\r\n" in menu,
          "public port: the menu names a.test port 70, the alias link is "
          "local", menu)
    menu_b = plain_raw("127.0.0.1", d.gopher_b, b"/\r\n")
    check(menu_b.startswith(b"iCapsule B\t\tb.test\t%d" % d.gopher_b),
          "vhost: b.test has its own Gopher port and menu", menu_b)

    # Gopher over TLS and plain Gopher on the same port.
    r, clean = gemini_raw("127.0.0.1", d.gopher_port, b"/\r\n", "a.test")
    check(r == menu and clean, "gopher tls: a TLS client gets the menu, "
          "then close_notify", r[:80])
    out = subprocess.run(["curl", "-sSk", "--max-time", "10",
                          "gophers://127.0.0.1:%d/1/" % d.gopher_port],
                         capture_output=True, timeout=20)
    check(out.returncode == 0 and out.stdout == menu,
          "gopher tls: curl -k gophers:// reads the menu", out.stderr)
    out = subprocess.run(["curl", "-sS", "--max-time", "10",
                          "gopher://127.0.0.1:%d/1/page.gmi" %
                          d.gopher_port], capture_output=True, timeout=20)
    check(out.returncode == 0 and out.stdout.startswith(b"iPage of A\t"),
          "gopher tls: plain curl gopher:// still works on that port",
          out.stderr)
    r = plain_raw("127.0.0.1", d.gopher_b, b"\x16\x03\x01\x00\x05hello\r\n")
    check(r.startswith(b"3"), "gopher tls: a port without tls treats "
          "TLS bytes as a (bad) selector", r[:60])
finally:
    d.stop()

PROXIED = """{user}prefork 1
timeout request 2
access-log "{dir}/access.log"
server "localhost" {{
\troot "{root}"
\tcert "{crt}"
\tkey "{key}"
\tlisten gemini on 127.0.0.1 port {gemini_port} proxy-protocol
\tlisten gopher on 127.0.0.1 port {gopher_port} proxy-protocol
}}
"""

V2SIG = b"\r\n\r\n\x00\r\nQUIT\n"


def v2_header(src, dst, sport, dport, local=False):
    if local:
        return V2SIG + b"\x20\x00\x00\x00"
    if ":" in src:
        body = (socket.inet_pton(socket.AF_INET6, src) +
                socket.inet_pton(socket.AF_INET6, dst) +
                struct.pack("!HH", sport, dport))
        return V2SIG + b"\x21\x21" + struct.pack("!H", len(body)) + body
    body = (socket.inet_aton(src) + socket.inet_aton(dst) +
            struct.pack("!HH", sport, dport))
    return V2SIG + b"\x21\x11" + struct.pack("!H", len(body)) + body


def tls_after(port, header, request, sni="localhost", pause=0.0):
    """Send header (maybe in two pieces), then TLS with request."""
    sock = socket.create_connection(("127.0.0.1", port), 5)
    if pause:
        sock.sendall(header[:5])
        time.sleep(pause)
        sock.sendall(header[5:])
    else:
        sock.sendall(header)
    tls = client_context().wrap_socket(sock, server_hostname=sni)
    tls.sendall(request)
    data = b""
    try:
        while True:
            b = tls.recv(65536)
            if not b:
                break
            data += b
    except (ssl.SSLError, OSError):
        pass
    tls.close()
    return data


def closed_without_reply(port, data, wait=6):
    sock = socket.create_connection(("127.0.0.1", port), 5)
    sock.settimeout(wait)
    t0 = time.time()
    try:
        sock.sendall(data)
        got = sock.recv(65536)
    except socket.timeout:
        got = b"<still open>"
    except OSError:
        got = b""
    sock.close()
    return got, time.time() - t0


def access_lines(d):
    path = os.path.join(d.dir, "access.log")
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return f.read().splitlines()


d = Daemon(files={"index.gmi": "# Behind a balancer\n"}, conf=PROXIED)
try:
    url = d.url("/").encode() + b"\r\n"
    r = tls_after(d.gemini_port, b"PROXY TCP4 192.0.2.7 198.51.100.1 "
                  b"56324 %d\r\n" % d.gemini_port, url)
    check(r.startswith(b"20 text/gemini\r\n# Behind"),
          "proxy v1: TLS after the header is served", r)
    r = plain_raw("127.0.0.1", d.gopher_port,
                  v2_header("2001:db8::7", "2001:db8::1", 4000, 70) +
                  b"/\r\n")
    check(r.startswith(b"iBehind a balancer\t"),
          "proxy v2: Gopher after a TCP6 header is served", r)
    r = tls_after(d.gemini_port, v2_header("203.0.113.5", "198.51.100.1",
                                           1234, d.gemini_port), url,
                  pause=0.3)
    check(r.startswith(b"20 "), "proxy v2: a header in two pieces is "
          "read whole, not past its end", r)
    r = plain_raw("127.0.0.1", d.gopher_port,
                  v2_header("", "", 0, 0, local=True) + b"/\r\n")
    check(r.startswith(b"iBehind"), "proxy v2: LOCAL (a health check) "
          "is served with the socket's address", r)
    r = tls_after(d.gemini_port, b"PROXY TCP4 192.0.2.8 198.51.100.1 "
                  b"1 %d\r\n" % d.gemini_port,
                  b"gemini://198.51.100.1:%d/\r\n" % d.gemini_port,
                  sni=None)
    check(r.startswith(b"20 "), "proxy: an IP-literal URL naming the "
          "balancer's address (from the header) is ours", r)
    r = tls_after(d.gemini_port, b"PROXY TCP4 192.0.2.8 198.51.100.1 "
                  b"1 %d\r\n" % d.gemini_port,
                  b"gemini://203.0.113.9:%d/\r\n" % d.gemini_port,
                  sni=None)
    check(r == b"53 Proxy request refused\r\n", "proxy: an IP-literal URL "
          "naming another address gets 53", r)
    # The balancer listens on 1965 and forwards to our own port: the
    # header says which port the client reached, and URLs name that one.
    r = tls_after(d.gemini_port, b"PROXY TCP4 192.0.2.8 198.51.100.1 "
                  b"1 1965\r\n", b"gemini://localhost:1965/\r\n")
    check(r.startswith(b"20 "), "proxy: a URL naming the port the header "
          "says the client reached is ours (no public port set)", r)
    r = tls_after(d.gemini_port, b"PROXY TCP4 192.0.2.8 198.51.100.1 "
                  b"1 1965\r\n", b"gemini://localhost/\r\n")
    check(r.startswith(b"20 "), "proxy: a URL without a port means 1965, "
          "which the client reached", r)
    r = tls_after(d.gemini_port, v2_header("2001:db8::8", "2001:db8::1", 1,
                                           11965),
                  b"gemini://localhost:11965/\r\n")
    check(r.startswith(b"20 "), "proxy v2: the destination port of a TCP6 "
          "header counts the same", r)
    r = tls_after(d.gemini_port, b"PROXY TCP4 192.0.2.8 198.51.100.1 "
                  b"1 1965\r\n", b"gemini://localhost:%d/\r\n" %
                  d.gemini_port)
    check(r == b"53 Proxy request refused\r\n", "proxy: a URL naming our "
          "own port, which the client did not reach, gets 53", r)
    r = tls_after(d.gemini_port, v2_header("", "", 0, 0, local=True),
                  url)
    check(r.startswith(b"20 "), "proxy: a LOCAL header (a health check) "
          "keeps the listener's port", r)

    got, _ = closed_without_reply(d.gopher_port, b"/\r\n")
    check(got == b"", "proxy: a request without a header is closed "
          "unanswered", got)
    got, _ = closed_without_reply(d.gopher_port,
                                  b"PROXY TCP4 1.2.3.4 x 1 2\r\n/\r\n")
    check(got == b"", "proxy: a malformed v1 header is closed", got)
    got, _ = closed_without_reply(d.gopher_port, b"PROXY " + b"x" * 200)
    check(got == b"", "proxy: an over-long v1 header is closed", got)
    # "timeout request 2": not at once, not much later.
    got, took = closed_without_reply(d.gopher_port, b"PROXY TCP4 1.2.3.4")
    check(got == b"" and 1.8 <= took < 4,
          "proxy: a header that never ends is closed by the request "
          "deadline, 2 s (%.1f s)" % took, got)

    # One more request, and its line: the one worker (prefork 1) has
    # finished with every connection before it, refused ones included.
    r = plain_raw("127.0.0.1", d.gopher_port,
                  b"PROXY TCP4 192.0.2.99 198.51.100.1 9 70\r\n/\r\n")
    check(r.startswith(b"iBehind") and
          wait_for(lambda: any(" 192.0.2.99 gopher " in x
                               for x in access_lines(d))),
          "proxy: a last request through a header is served and logged", r)
    lines = access_lines(d)
    check(any(" 192.0.2.7 gemini " in x for x in lines),
          "proxy: the access log shows the v1 client address", lines)
    check(any(" 2001:db8::7 gopher " in x for x in lines),
          "proxy: the access log shows the v2 client address", lines)
    # Twelve served: the v1, the v2, the header in pieces, LOCAL (with
    # the socket's address, 127.0.0.1), the two IP literals, the five of
    # the port rule (one LOCAL again) and the last.  A refused
    # connection would add a line, from 127.0.0.1.
    local = [x for x in lines if " 127.0.0.1 " in x]
    check(len(lines) == 12 and len(local) == 2,
          "proxy: refused headers leave no access line (12 lines, two from "
          "127.0.0.1: the LOCAL health checks)", lines)
finally:
    d.stop()

done()
