"""
test_gopher.py: the Gopher side of a running capsuled, byte for byte:
menus generated from gemtext, files by type, gophermap overrides, bare-LF
requests, Gopher+ suffixes, type-3 errors, URL: pages, and the same menus
through curl and lynx.
"""

import random
import shutil
import socket
import subprocess
import time

from harness import Daemon, check, done, menu_ok, plan

plan(36)

INDEX = """# Home

Welcome to the test capsule.
=> guide/ The guide
=> notes.txt Notes
=> https://example.org/ The web
=> gopher://example.net:7071/0/x.txt Elsewhere
"""
FILES = {
    "index.gmi": INDEX,
    "guide/index.gmi": "# Guide\n=> part.gmi Part one\n=> / Home\n",
    "guide/part.gmi": "# Part\n\nSome words.\n",
    "notes.txt": "line one\n.\nline three\n",
    "image.png": b"\x89PNG\r\n\x1a\nbinary",
    "mapped/gophermap": "Hand-written menu\n0Notes\t/notes.txt\n1Up\t/\n",
    "mapped/index.gmi": "# Not used on Gopher\n",
    ".secret": "no\n",
    # Over 1 MiB, so it is streamed from disk, and more than the socket
    # buffers hold, so the server is still writing when the client
    # sends its stray bytes.
    "big.bin": random.Random(70).randbytes(3 * 1024 * 1024),
}


def stray_bytes_request(d, stray):
    """Request /big.bin, then (while the reply is still being written)
    send stray bytes the server will never read; read to the end."""
    s = socket.create_connection(("127.0.0.1", d.gopher_port), timeout=10)
    try:
        s.sendall(b"/big.bin\r\n")
        time.sleep(0.2)
        if stray:
            s.sendall(stray)
        time.sleep(0.3)         # the server fills the socket buffers
        data = b""
        while True:
            b = s.recv(65536)
            if not b:
                return data
            data += b
    except (ConnectionResetError, socket.timeout) as e:
        return data + (" <%s>" % e.__class__.__name__).encode()
    finally:
        s.close()


def field_line(kind, display, sel, d):
    return ("%s%s\t%s\tlocalhost\t%d" % (kind, display, sel,
                                         d.gopher_port)).encode()


d = Daemon(FILES, ipv6=True)
try:
    root = d.gopher("")
    ok, why = menu_ok(root)
    check(ok, "gopher: root menu: 4 TAB fields per line, CRLF, .CRLF end",
          why)
    lines = root.split(b"\r\n")
    check(lines[0] == field_line("i", "Home", "", d),
          "gopher: heading becomes an info line", lines[0])
    check(lines[1] == field_line("i", "====", "", d),
          "gopher: H1 is underlined with =", lines[1])
    check(field_line("1", "The guide", "/guide/", d) in lines,
          "gopher: local directory link is a type 1 item", root)
    check(field_line("0", "Notes", "/notes.txt", d) in lines,
          "gopher: .txt link is a type 0 item", root)
    check(("hThe web\tURL:https://example.org/\tlocalhost\t%d" %
           d.gopher_port).encode() in lines,
          "gopher: web link is an h item with URL:", root)
    check(b"0Elsewhere\t/x.txt\texample.net\t7071" in lines,
          "gopher: gopher:// link is a native item", root)

    check(d.gopher("/") == root, "gopher: / is the root")
    check(d.gopher(b"\n", raw=True) == root,
          "gopher: a bare LF request is accepted")
    check(d.gopher(b"/\n", raw=True) == root,
          "gopher: '/' ended by a bare LF")
    check(d.gopher("/\t+") == root, "gopher: Gopher+ '+' suffix ignored")
    check(d.gopher("/\t$") == root, "gopher: Gopher+ '$' suffix ignored")

    part = d.gopher("/guide/part.gmi")
    ok, why = menu_ok(part)
    check(ok and b"iSome words.\t" in part,
          "gopher: a .gmi page is served as a menu", part)
    check(d.gopher("guide/part.gmi") == part,
          "gopher: selector without leading slash is accepted")
    g = d.gopher("/guide/")
    check(field_line("1", "Part one", "/guide/part.gmi", d) in
          g.split(b"\r\n"), "gopher: relative links resolve against the "
          "directory", g)
    check(d.gopher("/guide") == g,
          "gopher: directory without slash gives the same menu")

    notes = d.gopher("/notes.txt")
    check(notes == b"line one\n. \nline three\n",
          "gopher: text file sent as is, a '.' line sent as '. '", notes)
    img = d.gopher("/image.png")
    check(img == b"\x89PNG\r\n\x1a\nbinary", "gopher: binary file intact",
          img)

    # Closing with unread bytes in the socket sends a reset, which
    # throws away the end of the reply still queued: the server must
    # linger then, and may close at once otherwise.
    big = FILES["big.bin"]
    r = stray_bytes_request(d, b"")
    check(r == big, "gopher: a streamed 3 MiB file arrives whole",
          "%d bytes%s" % (len(r), r[-30:] if r != big[:len(r)] else ""))
    r = stray_bytes_request(d, b"junk after the selector\r\n" * 40)
    check(r == big, "gopher: stray bytes after the selector do not cut "
          "the reply (the close lingers)",
          "%d of %d bytes%r" % (len(r), len(big), r[-30:]))
    t0 = time.monotonic()
    r = d.gopher("/notes.txt")
    check(r == notes and time.monotonic() - t0 < 1,
          "gopher: with nothing unread the reply ends at once",
          time.monotonic() - t0)

    m = d.gopher("/mapped/")
    check(m == (field_line("i", "Hand-written menu", "", d) + b"\r\n" +
                field_line("0", "Notes", "/notes.txt", d) + b"\r\n" +
                field_line("1", "Up", "/", d) + b"\r\n.\r\n"),
          "gopher: a gophermap overrides the generated menu", m)
    check(d.gopher("/mapped/gophermap").startswith(b"3"),
          "gopher: the gophermap itself is not served")

    for sel in ("/missing", "/.secret", "/../../etc/passwd", "/guide/../..",
                "/a\x01b"):
        r = d.gopher(sel)
        check(r.startswith(b"3") and r.endswith(b"\r\n.\r\n") and
              r.count(b"\r\n") == 2,
              "gopher: %r answers one type-3 line and .CRLF" % sel, r)

    r = d.gopher("x" * 5000)
    check(r.startswith(b"3") and r.endswith(b".\r\n"),
          "gopher: over-long selector answers type 3", r[:100])

    page = d.gopher('URL:https://example.org/?a=1&b="<script>')
    check(b"<script>" not in page and
          b"https://example.org/?a=1&amp;b=&quot;&lt;script&gt;" in page,
          "gopher: URL: page links the URL, HTML-escaped", page)
    page = d.gopher("URL:javascript:alert(1)")
    check(b"href" not in page and b"refresh" not in page,
          "gopher: URL: page never links a javascript: URL", page)

    check(d.gopher("/", addr="::1") == root, "gopher: served over IPv6 ::1")

    # Real clients.
    out = subprocess.run(["curl", "-sS", "--max-time", "10",
                          "gopher://127.0.0.1:%d/" % d.gopher_port],
                         capture_output=True, timeout=20)
    check(out.returncode == 0 and out.stdout == root,
          "curl gopher:// reads the root menu", out.stderr)
    out = subprocess.run(["curl", "-sS", "--max-time", "10",
                          "gopher://127.0.0.1:%d/0/notes.txt" %
                          d.gopher_port], capture_output=True, timeout=20)
    check(out.returncode == 0 and out.stdout == notes,
          "curl gopher:// reads a text file", out.stderr)
    if shutil.which("lynx"):
        out = subprocess.run(["lynx", "-dump", "-nolist",
                              "gopher://127.0.0.1:%d/" % d.gopher_port],
                             capture_output=True, timeout=20, text=True)
        check("Welcome to the test capsule." in out.stdout and
              "The guide" in out.stdout,
              "lynx -dump shows the generated menu", out.stdout)
    else:
        check(False, "lynx is installed (apt-get install lynx)")
finally:
    rc = d.stop()
check(rc == 0, "gopher: SIGTERM ends the daemon with status 0", rc)

done()
