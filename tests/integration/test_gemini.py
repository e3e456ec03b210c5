"""
test_gemini.py: the Gemini side of a running capsuled, byte for byte:
status codes, MIME types, redirects, directory index, close_notify, IPv4
and IPv6, through Python's TLS client and through `openssl s_client`.
"""

import os

from harness import Daemon, check, done, s_client, plan

plan(43)

GUIDE = "# Guide\n\n=> part.gmi Part\n"
FILES = {
    "index.gmi": "# Home\n\nWelcome.\n=> guide/ The guide\n",
    "guide/index.gmi": GUIDE,
    "guide/part.gmi": "# Part\n",
    "notes.txt": "plain text\n",
    "image.png": b"\x89PNG\r\n\x1a\n\0\0binary",
    "blob": b"\0\1\2\3",
    "README": "no extension but text\n",
    "empty/": "",
    ".hidden.gmi": "# secret\n",
    "guide/.git/config": "secret\n",
}

d = Daemon(FILES, ipv6=True)
try:
    r, clean = d.gemini(d.url("/"))
    check(r == b"20 text/gemini\r\n# Home\n\nWelcome.\n=> guide/ The guide\n",
          "gemini: / answers 20 text/gemini with index.gmi", r)
    check(clean, "gemini: close_notify after a complete response")

    r, _ = d.gemini(d.url(""))
    check(r.startswith(b"20 text/gemini\r\n# Home"),
          "gemini: empty path is served as / without a redirect", r)

    r, _ = d.gemini(d.url("/guide"))
    check(r == b"31 /guide/\r\n",
          "gemini: directory without slash answers 31 to the slash form", r)

    r, _ = d.gemini(d.url("/guide/"))
    check(r == b"20 text/gemini\r\n" + GUIDE.encode(),
          "gemini: directory answers its index.gmi", r)

    r, _ = d.gemini(d.url("/guide/part.gmi"))
    check(r == b"20 text/gemini\r\n# Part\n", "gemini: .gmi page", r)

    r, _ = d.gemini(d.url("/notes.txt"))
    check(r == b"20 text/plain; charset=utf-8\r\nplain text\n",
          "gemini: .txt is text/plain", r)

    r, _ = d.gemini(d.url("/image.png"))
    check(r == b"20 image/png\r\n\x89PNG\r\n\x1a\n\0\0binary",
          "gemini: .png is image/png, bytes intact", r)

    r, _ = d.gemini(d.url("/blob"))
    check(r == b"20 application/octet-stream\r\n\0\1\2\3",
          "gemini: unknown binary is application/octet-stream", r)

    r, _ = d.gemini(d.url("/README"))
    check(r.startswith(b"20 text/plain"),
          "gemini: extensionless UTF-8 text is text/plain", r)

    r, _ = d.gemini(d.url("/empty/"))
    check(r.startswith(b"20 text/gemini\r\n# Index of /empty/"),
          "gemini: directory without index.gmi gets a listing", r)

    r, clean = d.gemini(d.url("/missing.gmi"))
    check(r == b"51 Not found\r\n", "gemini: missing path answers 51 with "
          "an empty body", r)
    check(clean, "gemini: close_notify after a 51")

    for path in ("/.hidden.gmi", "/guide/.git/config"):
        r, _ = d.gemini(d.url(path))
        check(r == b"51 Not found\r\n",
              "gemini: dotfile %s is never served" % path, r)

    r, _ = d.gemini("gemini://elsewhere.example:%d/" % d.gemini_port)
    check(r == b"53 Proxy request refused\r\n",
          "gemini: foreign host answers 53", r)
    for scheme in ("http", "https", "gopher"):
        r, _ = d.gemini("%s://localhost:%d/" % (scheme, d.gemini_port))
        check(r == b"53 Proxy request refused\r\n",
              "gemini: %s: scheme answers 53" % scheme, r)
    r, _ = d.gemini("gemini://localhost:1/")
    check(r == b"53 Proxy request refused\r\n",
          "gemini: a port we do not listen on answers 53", r)

    r, _ = d.gemini("gemini://LOCALHOST:%d/guide/part.gmi" % d.gemini_port)
    check(r.startswith(b"20 "), "gemini: host compares without case", r)

    r, _ = d.gemini("gemini://127.0.0.1:%d/" % d.gemini_port, sni=None)
    check(r.startswith(b"20 text/gemini"),
          "gemini: IP-literal URL without SNI goes to the default host", r)

    for bad in ("/", "//localhost/", "localhost/", "", "not a uri",
                d.url("/#frag"), "gemini://user@localhost:%d/" %
                d.gemini_port, d.url("/../etc/passwd"),
                d.url("/%2e%2e/etc/passwd"), d.url("/guide/..%2f..%2f"),
                d.url("/a%00b")):
        r, _ = d.gemini(bad)
        check(r == b"59 Bad request\r\n", "gemini: %r answers 59" % bad, r)

    # 1024 bytes before CRLF is legal, 1025 is not.
    base = d.url("/")
    r, _ = d.gemini(base + "x" * (1024 - len(base)))
    check(r == b"51 Not found\r\n", "gemini: a 1024-byte request is read "
          "(51 for a missing page)", r)
    r, _ = d.gemini(base + "x" * (1025 - len(base)))
    check(r == b"59 Bad request\r\n", "gemini: a 1025-byte request gets 59",
          r)

    r, _ = d.gemini(d.url("/", addr="::1"), addr="::1")
    check(r.startswith(b"20 text/gemini"), "gemini: served over IPv6 ::1", r)

    # The same through openssl s_client, the way an admin would check.
    out = s_client(d.gemini_port, d.url("/guide/part.gmi"))
    check(out == b"20 text/gemini\r\n# Part\n",
          "s_client: 20 and the page", out)
    out = s_client(d.gemini_port, d.url("/nope"))
    check(out == b"51 Not found\r\n", "s_client: 51", out)
    out = s_client(d.gemini_port, "https://localhost/")
    check(out == b"53 Proxy request refused\r\n", "s_client: 53", out)
    out = s_client(d.gemini_port, "//localhost/")
    check(out == b"59 Bad request\r\n", "s_client: 59", out)
    out = s_client(d.gemini_port, d.url("/guide"))
    check(out == b"31 /guide/\r\n", "s_client: 31", out)
finally:
    rc = d.stop()
check(rc == 0, "gemini: SIGTERM ends the daemon with status 0", rc)

# lang from the command line is not in quick mode; the directory test
# above covered listings.  A root that does not exist is a startup error.
d = Daemon(root=os.path.join(os.path.dirname(__file__), "nonexistent"),
           start=False)
import subprocess  # noqa: E402
p = subprocess.run(d.argv, capture_output=True, timeout=10)
check(p.returncode != 0 and b"nonexistent" in p.stderr,
      "startup: a missing capsule is a clear error", p.stderr)

done()
