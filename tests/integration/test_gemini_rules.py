"""
test_gemini_rules.py: the Gemini rules of docs/design.md section 3 that
test_gemini.py does not already cover, each a named check against the
running daemon: 59 for every kind of malformed request (BOM, NUL raw and
encoded, invalid UTF-8, encoded slashes and dots, control bytes), 53 for
every other scheme, host and port, 20 for the legal variants, the exact
header form of every reply, close_notify after every complete response,
TLS 1.2 and 1.3 only, no 0-RTT, SNI, lang, and no worker lost on the
way.
The deadline rules (bare LF, slow clients, aborted responses) are in
test_slow.py.
"""

import os
import re
import socket
import subprocess
import tempfile
import time

from harness import (Daemon, capped, check, client_context, done, plan,
                     s_client)

plan(93)

FILES = {
    "index.gmi": "# Home\n=> guide/ The guide\n",
    "guide/index.gmi": "# Guide\n=> part.gmi Part\n",
    "guide/part.gmi": "# Part\n",
    "caf\u00e9.gmi": "# Caf\u00e9\n",
    "a b.gmi": "# Space\n",
}
DEFINED = {10, 11, 20, 30, 31, 40, 41, 42, 43, 44, 50, 51, 52, 53, 59, 60,
           61, 62}
HEADER = re.compile(rb"\A([0-9]{2}) ([^\r\n]*)\r\n")

d = Daemon(FILES, ipv6=True)
P = d.gemini_port
seen = []       # (request, response, clean) of every complete exchange


def ask(request, **kw):
    r, clean = d.gemini(request, **kw)
    seen.append((request, r, clean))
    return r


try:
    workers = d.workers()

    # 59: malformed requests, each kind by name.
    bad = [
        ("a leading BOM", b"\xef\xbb\xbf" + d.url("/").encode()),
        ("a BOM alone", b"\xef\xbb\xbf"),
        ("a raw NUL in the path", d.url("/a\0b").encode()),
        ("a raw NUL at the end", d.url("/").encode() + b"\0"),
        ("a raw NUL in the host", b"gemini://local\0host:%d/" % P),
        ("%00 in the path", d.url("/index.gmi%00.txt").encode()),
        ("invalid UTF-8 \\xff", d.url("/").encode() + b"\xff"),
        ("invalid UTF-8: overlong /", d.url("/").encode() + b"\xc0\xaf"),
        ("invalid UTF-8: lone continuation byte",
         d.url("/").encode() + b"\x80"),
        ("invalid UTF-8: truncated sequence",
         d.url("/caf").encode() + b"\xc3"),
        ("invalid UTF-8: surrogate", d.url("/").encode() + b"\xed\xa0\x80"),
        ("invalid UTF-8 after percent-decoding", d.url("/%ff").encode()),
        ("%2F (encoded slash)", d.url("/guide%2Fpart.gmi").encode()),
        ("%2f (encoded slash, lower case)",
         d.url("/guide%2fpart.gmi").encode()),
        ("%2e%2e%2f climbing", d.url("/%2e%2e%2findex.gmi").encode()),
        ("%2E%2E climbing", d.url("/%2E%2E").encode()),
        ("..%2F climbing", d.url("/..%2Fetc").encode()),
        ("/a/../../ climbing", d.url("/guide/../../index.gmi").encode()),
        ("/.. alone", d.url("/..").encode()),
        ("a bare LF inside, then CRLF", d.url("/").encode() + b"\nx"),
        ("a CR inside", d.url("/a\rb").encode()),
        ("a TAB inside", d.url("/a\tb").encode()),
        ("a space inside", d.url("/a b.gmi").encode()),
        ("a bad escape %zz", d.url("/%zz").encode()),
        ("a truncated escape", d.url("/%2").encode()),
        ("gemini: with no authority", b"gemini:/index.gmi"),
        ("gemini:// with an empty host", b"gemini://:%d/" % P),
        ("a port that is not a number", b"gemini://localhost:x/"),
        ("a port above 65535", b"gemini://localhost:65536/"),
        ("a relative reference", b"index.gmi"),
        ("a user and password", b"gemini://u:p@localhost:%d/" % P),
        ("an empty fragment", d.url("/#").encode()),
    ]
    for name, req in bad:
        r = ask(req)
        check(r == b"59 Bad request\r\n", "gemini 59: %s" % name, r)

    # 53: not for us.
    other = [
        ("scheme foo:", b"foo:bar"),
        ("scheme mailto:", b"mailto:someone@localhost"),
        ("scheme file:", b"file:///etc/passwd"),
        ("scheme data:", b"data:text/plain,hello"),
        ("scheme titan:", b"titan://localhost:%d/x;size=1" % P),
        ("scheme GOPHER: in capitals", b"GOPHER://localhost:%d/" % P),
        ("scheme gemini+x:", b"gemini+x://localhost:%d/" % P),
        ("a host name we do not serve", b"gemini://example.org:%d/" % P),
        ("our name as a prefix", b"gemini://localhostx:%d/" % P),
        ("our name as a label", b"gemini://localhost.evil:%d/" % P),
        ("an IP literal that is not our address",
         b"gemini://127.0.0.2:%d/" % P),
        ("an IPv6 literal on an IPv4 connection", b"gemini://[::1]:%d/" % P),
        ("no port: 1965, where we do not listen", b"gemini://localhost/"),
        ("empty port: 1965, where we do not listen",
         b"gemini://localhost:/"),
        ("the port next to ours", b"gemini://localhost:%d/" % (P + 1)),
        ("port 0", b"gemini://localhost:0/"),
    ]
    for name, req in other:
        r = ask(req)
        check(r == b"53 Proxy request refused\r\n", "gemini 53: %s" % name,
              r)

    # 20: what is legal.
    home = b"20 text/gemini\r\n# Home\n=> guide/ The guide\n"
    good = [
        ("the host in mixed case", "gemini://LocalHost:%d/" % P),
        ("the host with a trailing dot", "gemini://localhost.:%d/" % P),
        ("the scheme in capitals", "GEMINI://localhost:%d/" % P),
        ("an explicit port that is ours", "gemini://localhost:%d/" % P),
        ("an empty path, explicit port", "gemini://localhost:%d" % P),
        ("a query on a page", "gemini://localhost:%d/?q=1" % P),
        ("dot segments that stay inside",
         "gemini://localhost:%d/guide/../" % P),
        ("a single dot segment", "gemini://localhost:%d/./" % P),
    ]
    for name, req in good:
        r = ask(req)
        check(r == home, "gemini 20: %s" % name, r)
    r = ask(d.url("/caf%C3%A9.gmi"))
    check(r == "20 text/gemini\r\n# Caf\u00e9\n".encode(),
          "gemini 20: percent-encoded UTF-8 path", r)
    r = ask(d.url("/caf\u00e9.gmi"))
    check(r == "20 text/gemini\r\n# Caf\u00e9\n".encode(),
          "gemini 20: raw UTF-8 path (IRI)", r)
    r = ask(d.url("/a%20b.gmi"))
    check(r == b"20 text/gemini\r\n# Space\n", "gemini 20: %20 in a path", r)
    r = ask(d.url("/guide/part.gmi").encode() + b"\r\nextra bytes",
            raw=True)
    check(r == b"20 text/gemini\r\n# Part\n",
          "gemini 20: bytes after the CRLF are ignored", r)
    r = ask(d.url("/guide/part.gmi"), sni=None)
    check(r == b"20 text/gemini\r\n# Part\n",
          "gemini 20: no SNI, host name URL: the default host serves it", r)
    r = ask("gemini://[::1]:%d/" % d.port("gemini", "::1"), addr="::1",
            sni=None)
    check(r == home, "gemini 20: IPv6-literal URL without SNI goes to the "
          "default host", r)

    # Too long without a CRLF: refused at once, not at the deadline.
    t = time.monotonic()
    r = ask(d.url("/").encode() + b"x" * 1100, raw=True)
    check(r == b"59 Bad request\r\n" and time.monotonic() - t < 3,
          "gemini 59: 1,100 bytes without CRLF, at once (%.2f s)" %
          (time.monotonic() - t), r)
    # Within 5 s, half the request deadline: a hang is no refusal.
    r, _ = d.gemini(b"\xff" * 102400, raw=True, timeout=5)
    check(r in (b"59 Bad request\r\n", b""),
          "gemini 59: 100 KB of junk gets 59 or a closed connection", r)

    # A request that arrives in pieces, one TLS record each.
    ctx = client_context()
    raw = socket.create_connection(("127.0.0.1", P), capped(5))
    tls = ctx.wrap_socket(raw, server_hostname="localhost")
    for piece in (b"gem", b"ini://local", b"host:%d/guide/" % P, b"part.gmi",
                  b"\r", b"\n"):
        tls.sendall(piece)
        time.sleep(0.05)
    data = b""
    while True:
        chunk = tls.recv(4096)
        if not chunk:
            break
        data += chunk
    tls.close()
    check(data == b"20 text/gemini\r\n# Part\n",
          "gemini 20: a request sent in pieces is read whole", data)

    # SNI: the certificate for the name asked, and a request must name
    # the host the TLS connection was made for.
    out = subprocess.run(["openssl", "s_client", "-connect",
                          "127.0.0.1:%d" % P, "-servername", "localhost",
                          "-ign_eof"],
                         input=d.url("/").encode() + b"\r\n",
                         capture_output=True, timeout=20)
    check(re.search(rb"subject=\s*CN\s*=\s*localhost", out.stdout) and
          home in out.stdout,
          "gemini SNI: the certificate for the name given in SNI is sent, "
          "and the home page", out.stdout[-600:])
    r = ask(d.url("/"), sni="LOCALHOST")
    check(r == home, "gemini SNI: compared without case", r)
    r = ask(d.url("/"), sni="other.example")
    check(r == b"53 Proxy request refused\r\n",
          "gemini SNI: a request for another host than SNI named gets 53",
          r)
    r = ask("gemini://127.0.0.1:%d/" % P, sni="localhost")
    check(r == home, "gemini SNI: an IP-literal URL is served whatever "
          "the SNI", r)

    # Every reply: NN SP meta CRLF, a defined code, a body only for 2x.
    bad_form = []
    for req, r, clean in seen:
        m = HEADER.match(r)
        if not m or int(m.group(1)) not in DEFINED or \
                len(m.group(2)) > 1024 or \
                (m.group(1)[:1] != b"2" and len(r) != m.end()) or \
                (m.group(1)[:1] == b"2" and not m.group(2)):
            bad_form.append((req, r[:80]))
    check(not bad_form and len(seen) > 60,
          "gemini: all %d replies are NN<SP>meta<CRLF> with a defined code, "
          "a body only after 20" % len(seen), bad_form[:5])
    codes = sorted({r[:2].decode() for _, r, _ in seen})
    unclean = [(req, r[:40]) for req, r, clean in seen if not clean]
    check(not unclean and codes == ["20", "53", "59"],
          "gemini: close_notify after every complete response (%d "
          "responses; codes %s)" % (len(seen), ",".join(codes)), unclean)
    r, clean = d.gemini(d.url("/guide"))
    check(r == b"31 /guide/\r\n" and clean,
          "gemini: close_notify after a 31 redirect", r)
    r, clean = d.gemini(d.url("/nothing-here"))
    check(r == b"51 Not found\r\n" and clean,
          "gemini: 51 has an empty body and ends with close_notify", r)

    # TLS 1.2 and 1.3 only.  A control server proves that this openssl
    # can still speak 1.0 and 1.1, so the refusals are capsuled's.
    tmp = tempfile.mkdtemp(dir=d.dir)
    for flag, name in (("-tls1", "TLS 1.0"), ("-tls1_1", "TLS 1.1")):
        ctrl = socket.socket()
        ctrl.bind(("127.0.0.1", 0))
        cport = ctrl.getsockname()[1]
        ctrl.close()
        srv = subprocess.Popen(
            ["openssl", "s_server", "-accept", "127.0.0.1:%d" % cport,
             "-cert", d.crt, "-key", d.key, flag, "-cipher",
             "DEFAULT@SECLEVEL=0", "-naccept", "1", "-quiet"],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        try:
            ok = False
            for _ in range(50):
                probe = subprocess.run(
                    ["openssl", "s_client", "-connect",
                     "127.0.0.1:%d" % cport, flag, "-cipher",
                     "DEFAULT@SECLEVEL=0"], input=b"",
                    capture_output=True, timeout=20)
                if b"Cipher is (NONE)" not in probe.stdout and \
                        b"Protocol  :" in probe.stdout:
                    ok = True
                    break
                time.sleep(0.1)
        finally:
            srv.kill()
            srv.wait()
        out = subprocess.run(
            ["openssl", "s_client", "-connect", "127.0.0.1:%d" % P,
             "-servername", "localhost", flag, "-cipher",
             "DEFAULT@SECLEVEL=0"], input=d.url("/").encode() + b"\r\n",
            capture_output=True, timeout=20)
        refused = (b"Cipher is (NONE)" in out.stdout and
                   b"20 text/gemini" not in out.stdout)
        check(ok and refused, "gemini TLS: %s is refused (this openssl "
              "speaks it to a control server: %s)" % (name, ok),
              (out.stdout[-300:], out.stderr[-300:]))
    for flag, name in (("-tls1_2", "TLS 1.2"), ("-tls1_3", "TLS 1.3")):
        out = s_client(P, d.url("/"), extra=[flag])
        check(out == home, "gemini TLS: %s is served" % name, out)

    # No 0-RTT: the tickets allow no early data, and early data offered
    # on resumption is never accepted.
    sess = os.path.join(tmp, "sess.pem")
    early = os.path.join(tmp, "early.txt")
    with open(early, "wb") as f:
        f.write(d.url("/").encode() + b"\r\n")
    first = subprocess.run(
        ["openssl", "s_client", "-connect", "127.0.0.1:%d" % P,
         "-servername", "localhost", "-tls1_3", "-sess_out", sess,
         "-ign_eof", "-msg"], input=d.url("/").encode() + b"\r\n",
        capture_output=True, timeout=20)
    tickets = re.findall(rb"Max Early Data: (\d+)", first.stdout)
    check(all(t == b"0" for t in tickets) and home in first.stdout,
          "gemini 0-RTT: session tickets allow no early data (%d tickets)"
          % len(tickets), first.stdout[-800:])
    if not tickets:
        # capsuled sends no session tickets (libtls cannot resume on
        # OpenSSL 3): with nothing to resume, no early data can be sent.
        check(b"New, TLSv1.3" in first.stdout and
              b"NewSessionTicket" not in first.stdout,
              "gemini 0-RTT: no session ticket, so no resumption to carry "
              "early data", first.stdout[-800:])
    else:
        second = subprocess.run(
            ["openssl", "s_client", "-connect", "127.0.0.1:%d" % P,
             "-servername", "localhost", "-tls1_3", "-sess_in", sess,
             "-early_data", early], input=b"", capture_output=True,
            timeout=20)
        check(b"Early data was accepted" not in second.stdout and
              (b"Early data was not sent" in second.stdout or
               b"Early data was rejected" in second.stdout),
              "gemini 0-RTT: early data on resumption is not accepted",
              second.stdout[-800:])

    # A plain-text request to the TLS port is not answered in clear.
    s = socket.create_connection(("127.0.0.1", P), 5)
    s.settimeout(capped(5))
    s.sendall(d.url("/").encode() + b"\r\n")
    try:
        reply = s.recv(4096)
    except OSError:
        reply = b""
    s.close()
    check(b"20 text/gemini" not in reply and b"# Home" not in reply,
          "gemini TLS: a request without TLS gets no content", reply)

    r = ask(d.url("/"))
    check(r == home, "gemini: still serving after the hostile requests", r)
    check(workers and d.workers() == workers,
          "gemini: no worker died during the hostile requests",
          (workers, d.workers(), d.logtext()[-1500:]))
finally:
    rc = d.stop()
check(rc == 0, "gemini rules: SIGTERM ends the daemon with status 0", rc)

# lang, when configured: on every text/gemini reply, and only there;
# several tags are quoted.
LANG_CONF = """{user}server "localhost" {{
\troot "{root}"
\tcert "{crt}"
\tkey "{key}"
\tlang "%s"
\tlisten gemini on 127.0.0.1 port {gemini_port}
\tlisten gopher on 127.0.0.1 port {gopher_port}
}}
"""
for tags, param in (("en", b"lang=en"), ("en,fr", b'lang="en,fr"')):
    d = Daemon({"index.gmi": "# Home\n", "notes.txt": "notes\n",
                "dir/a.gmi": "# A\n", "empty/": ""}, conf=LANG_CONF % tags)
    try:
        r, _ = d.gemini(d.url("/"))
        check(r == b"20 text/gemini; " + param + b"\r\n# Home\n",
              "gemini lang %s: a page is 20 text/gemini; %s" %
              (tags, param.decode()), r)
        r, _ = d.gemini(d.url("/empty/"))
        check(r.startswith(b"20 text/gemini; " + param + b"\r\n"),
              "gemini lang %s: a generated listing carries it too" % tags, r)
        r, _ = d.gemini(d.url("/notes.txt"))
        check(r == b"20 text/plain; charset=utf-8\r\nnotes\n",
              "gemini lang %s: not on other types" % tags, r)
        r, _ = d.gemini(d.url("/nothing"))
        check(r == b"51 Not found\r\n",
              "gemini lang %s: not on a 51" % tags, r)
        check(d.gopher("/").startswith(b"iHome\t"),
              "gemini lang %s: Gopher is unchanged" % tags)
    finally:
        d.stop()

done()
