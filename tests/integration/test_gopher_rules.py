"""
test_gopher_rules.py: the Gopher rules of docs/design.md section 4 that
test_gopher.py does not already cover, against a capsule full of nasty
gemtext (long lines, TABs, NULs, control bytes, CJK, combining marks,
emoji, invalid UTF-8, lines that are just ".") and of symlinks that try
to leave it.  Every menu line must have four fields without control
characters (C0, DEL, C1), an item's display of at most 67 columns (an
info line's at most 1024, for preformatted text) cut at UTF-8
boundaries, generated text wrapped at 29 columns, and the menu must end
with ".CRLF"; traversal, dotfiles, escaping symlinks and
100 KB selectors get a type-3 line or a closed connection, never a byte
from outside the capsule, and the daemon keeps answering after each.
"""

import os
import re
import socket
import time
import unicodedata

from harness import (RESET, TIMEOUT, Daemon, capped, check, done,
                     gopher_menu, menu_ok, plan)

plan(89)

CJK = "\u4e2d\u6587\u5b57"              # 3 wide characters
COMBINING = "e\u0301"                   # e + combining acute: 1 column
EMOJI = "\U0001f600"                    # wide
NASTY = (
    "# " + CJK * 30 + "\n"
    "## A heading\twith\ttabs and a NUL\0inside\n"
    "### " + COMBINING * 100 + "\n"
    ".\n"
    ".\r\n"
    "..\n"
    "\n"
    "Plain paragraph " + "word " * 60 + "\n"
    "NUL\0in\0text and \x01\x02\x1b[31m escape \x7f bytes\n"
    "C1 \x9b[31m CSI and \x85 NEL and \x9f\n"
    "Invalid UTF-8 \xff\xfe here and a lone \x80 byte\n"
    + "x" * 200 + "\n"
    + CJK * 40 + "\n"
    + "a" + CJK * 40 + "\n"
    + COMBINING * 90 + "\n"
    + EMOJI * 50 + "\n"
    "* list item " + "long " * 30 + "\n"
    "* \t\ttabbed item\n"
    "> quote " + CJK * 30 + "\n"
    ">\n"
    "```\n"
    "\tpre\tformatted\twith\ttabs\n"
    + CJK * 50 + "\n"
    ".\n"
    + "y" * 150 + "\n"
    "```\n"
    "=> part.gmi " + CJK * 40 + "\n"
    "=> part.gmi \tlabel after tabs\n"
    "=> https://example.org/?a=1&b=<x> " + "web " * 30 + "\n"
    "=> gopher://example.net:7071/0/a%09b.txt tab in selector\n"
    "=> gopher://example.net/1/x%0D%0Ay crlf in selector\n"
    "=> gopher://example.net/0/a%00b nul in selector\n"
    "=> gemini://e.org\x1f# control in URL\n"
    "=> bad%0Aname.gmi encoded LF\n"
    "=> %zz bad escape\n"
    "=> ../../../../etc/passwd climbing link\n"
    "=> " + "d/" * 300 + " deep link\n"
    "=>\n"
    "=> \t \n"
)
NASTY_MAP = (
    "i" + CJK * 40 + "\n"
    "0Tab\tin\tfields\textra\tfields\n"
    "1\x01ctl display\t/x\n"
    "1Ctl selector\t/x\x01y\n"
    "1Ctl host\t/x\th\x02st\t70\n"
    "1Bad port\t/x\thost\t99999\n"
    "\tno type\n"
    + "x" * 300 + "\n"
    "..\n"
    ".\n"
    "after the end marker\n"
)


def width(text):
    """Display columns as a terminal counts them: wide 2, combining 0."""
    cols = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        cols += 2 if unicodedata.east_asian_width(ch) in "WF" else 1
    return cols


def strict_menu(data):
    """menu_ok, plus: no control character (C0, DEL, C1) in any field,
    the display is valid UTF-8 of at most 67 columns (an info line's,
    which may be preformatted text, 1024), the type is one printable
    character.  Returns (ok, reason, widest)."""
    ok, why = menu_ok(data)
    if not ok:
        return ok, why, 0
    widest = 0
    for line in data[:-len(b".\r\n")].split(b"\r\n")[:-1]:
        if not line or not 0x21 <= line[0] <= 0x7e:
            return False, "bad type in %r" % line, widest
        if any(b < 0x20 or b == 0x7f for b in line if b != 9) or \
                re.search(b"\xc2[\x80-\x9f]", line):
            return False, "control byte in %r" % line, widest
        display = line[1:].split(b"\t")[0]
        try:
            text = display.decode("utf-8", "strict")
        except UnicodeDecodeError:
            return False, "display not UTF-8 (cut mid-character?): %r" % \
                line, widest
        w = width(text)
        widest = max(widest, w)
        if w > (1024 if line[:1] == b"i" else 67):
            return False, "%d columns: %r" % (w, line), widest
        port = line.split(b"\t")[3]
        if not port.isdigit() or not 1 <= int(port) <= 65535:
            return False, "bad port in %r" % line, widest
    return True, "", widest


def is_error(r):
    """One type-3 line and the end marker, or a connection closed (by
    FIN or RST) within plain_raw's timeout; a server that hangs without
    answering or closing (TIMEOUT) is not an error reply."""
    return (r.startswith(b"3") and r.endswith(b"\r\n.\r\n") and
            r.count(b"\r\n") == 2) or r in (b"", RESET)


FILES = {
    "index.gmi": "# Root\n=> nasty.gmi Nasty\n=> links/ Links\n",
    "part.gmi": "# Part\n",
    "guide/part.gmi": "# Guide part\nguide words\n",
    "guide/.hidden.gmi": "# hidden\nHIDDENWORDS\n",
    ".git/config": "HIDDENWORDS\n",
    ".secret": "HIDDENWORDS\n",
    "mapped/gophermap": NASTY_MAP,
    "\u4e2d\u6587 dir/page.gmi": "# " + CJK + "\n",
    "long-" + "n" * 100 + ".gmi": "# long name\n",
    "notes.txt": ".\nline\n.\r\nend\n.",
}
# "\xff\xfe" and "\x80" above stand for raw bytes that are not UTF-8.
FILES["nasty.gmi"] = NASTY.encode().replace(
    "\xff\xfe".encode(), b"\xff\xfe").replace("\x80".encode(), b"\x80")

d = Daemon(FILES, start=False)
outside = os.path.join(d.dir, "outside")
os.makedirs(outside)
with open(os.path.join(outside, "secret.txt"), "w") as f:
    f.write("TOPSECRET outside the capsule\n")
with open(os.path.join(outside, "secret.gmi"), "w") as f:
    f.write("# TOPSECRET\n")
links = os.path.join(d.root, "links")
os.makedirs(links)
for name, target in (
        ("passwd", "/etc/passwd"),
        ("sibling", "../../outside"),
        ("sibling.txt", "../../outside/secret.txt"),
        ("sibling.gmi", "../../outside/secret.gmi"),
        ("rel", "../../../../../../../.."),
        ("loop", ".."),
        ("self", "."),
        ("dangling", "does-not-exist"),
        ("tohidden", "../.git"),
        ("hidden.txt", "../.secret"),
        ("inside", "../guide"),
        ("inside.gmi", "../guide/part.gmi"),
        ("abs-inside", os.path.join(os.path.realpath(d.root), "guide"))):
    os.symlink(target, os.path.join(links, name))
d.start()

try:
    workers = d.workers()
    # What the rules make of index.gmi and guide/part.gmi: a heading
    # underlined, links as type 1 items, the search item at the end of
    # the root menu.
    root = gopher_menu(["iRoot", "i====", "1Nasty\t/nasty.gmi",
                        "1Links\t/links/", "i",
                        "7Search the capsule\t/search"], d.gopher_port)
    part = gopher_menu(["iGuide part", "i==========", "iguide words"],
                       d.gopher_port)
    check(d.gopher("/") == root, "gopher: the root menu is index.gmi's, "
          "as the rules render it", d.gopher("/"))
    alive = {"count": 0, "bad": []}

    def still_alive(after):
        alive["count"] += 1
        if d.gopher("/") != root:
            alive["bad"].append(after)

    # Menus generated from nasty gemtext, a nasty gophermap, listings.
    widest = 0
    for sel, first in (("/", "iRoot\t"), ("/nasty.gmi", "i" + CJK),
                       ("/mapped/", "ii" + CJK),
                       ("/links/", "iIndex of /links/\t"),
                       ("/guide/", "iIndex of /guide/\t"),
                       ("/\u4e2d\u6587 dir/", "iIndex of /\u4e2d\u6587 dir/\t"),
                       ("/\u4e2d\u6587 dir/page.gmi", "i" + CJK + "\t")):
        m = d.gopher(sel)
        ok, why, w = strict_menu(m)
        widest = max(widest, w)
        if ok and not m.startswith(first.encode()):
            ok, why = False, "not that page's menu: %r" % m[:80]
        check(ok, "gopher menu %r: its own, 4 fields, no TAB/CR/NUL/control "
              "byte inside, <= 67 columns (info 1024) cut at UTF-8 "
              "boundaries, .CRLF last" % sel, why)
    check(widest >= 60, "gopher: long lines were wrapped or cut to fill "
          "the width (widest %d columns)" % widest)
    nasty = d.gopher("/nasty.gmi")
    para = [width(l[1:].split(b"\t")[0].decode())
            for l in nasty.split(b"\r\n")
            if re.match(rb"i(Plain paragraph )?(word ?)+\t", l)]
    check(len(para) > 5 and all(24 < w <= 29 for w in para[:-1]),
          "gopher: a long paragraph is wrapped to fill 29 columns", para)
    pre = [l for l in nasty.split(b"\r\n") if l.startswith(b"i" +
                                                          b"y" * 150)]
    check(len(pre) == 1 and pre[0].startswith(b"i" + b"y" * 150 + b"\t"),
          "gopher: a 150-column preformatted line is kept whole", pre)
    check(nasty.count(b"\r\n") > 40 and b"i.\t" in nasty,
          "gopher: a gemtext line that is just '.' becomes an info line",
          nasty[:200])
    lines = nasty.split(b"\r\n")
    climb = [l for l in lines if l[1:].startswith(b"climbing link\t")]
    check(len(climb) == 1 and climb[0].split(b"\t")[1] == b"/etc/passwd" and
          is_error(d.gopher("/etc/passwd")),
          "gopher: a link climbing out of the capsule is clamped to its "
          "root, where nothing is found", climb)
    bad_sel = [l for l in lines if l[:1] == b"0" and
               (b"a\tb" in l or b"\r" in l.split(b"\t")[1])]
    web = [b"h%s in selector\tURL:gopher://example.net%s\tlocalhost\t%d" %
           (what, sel, d.gopher_port) for what, sel in
           ((b"tab", b":7071/0/a%09b.txt"), (b"crlf", b"/1/x%0D%0Ay"),
            (b"nul", b"/0/a%00b"))]
    check(not bad_sel and all(w in lines for w in web),
          "gopher: links whose selector would hold a TAB, CR or NUL become "
          "URL: items that keep them escaped", (bad_sel, web))
    mapped = d.gopher("/mapped/")
    check(mapped.endswith(b"\r\ni..\t\tlocalhost\t%d\r\n.\r\n" %
                          d.gopher_port) and
          b"after the end marker" not in mapped,
          "gopher: a gophermap ends at its '.' line: the '..' line before "
          "it is the last one shown", mapped[-120:])

    text = d.gopher("/notes.txt")
    check(text == b". \nline\n. \r\nend\n. ",
          "gopher: a text file never yields a line that is just '.'", text)

    # Selector syntax: root forms, Gopher+ suffixes, the search split.
    for sel, name in ((b"\r\n", "empty selector"), (b"/\r\n", "/"),
                      (b"\n", "empty selector, bare LF"),
                      (b"\t\r\n", "empty selector and an empty search"),
                      (b"\t+\r\n", "Gopher+ '+'"),
                      (b"/\t!\r\n", "Gopher+ '!' (attributes)"),
                      (b"/\t$\r\n", "Gopher+ '$' (directory attributes)"),
                      (b"/\t+\t1\r\n", "Gopher+ '+' with a data flag"),
                      (b"/\t+TEXT\r\n", "Gopher+ '+' with a view"),
                      (b"/\tsome words\r\n", "a search string"),
                      (b"/\tsome words\t+\r\n", "a search and Gopher+")):
        r = d.gopher(sel, raw=True)
        check(r == root, "gopher: %s asks for the root" % name, r[:80])
    r = d.gopher("/guide/part.gmi")
    check(r == part, "gopher: a page's menu is its gemtext, as the rules "
          "render it", r)
    r = d.gopher("/guide/part.gmi\tsearch words here")
    check(r == part, "gopher: TAB splits the search string from the "
          "selector", r[:80])
    r = d.gopher("/guide/part.gmi\t\t\t")
    check(r == part, "gopher: extra TABs after the search are ignored",
          r[:80])

    # Traversal in every spelling: nothing from outside, ever.
    probes = [
        "..", "../", "/..", "/../", "../../../../etc/passwd",
        "/guide/../../../etc/passwd", "/./../etc/passwd", "/../capsule/",
        "%2e%2e/etc/passwd", "/%2e%2e/%2e%2e/etc/passwd",
        "/..%2f..%2fetc%2fpasswd", "/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
        "..\\..\\etc\\passwd", "/....//....//etc/passwd",
        "/etc/passwd", "//etc/passwd", "///etc/passwd",
        "/" + os.path.realpath(outside).lstrip("/") + "/secret.txt",
        os.path.realpath(outside) + "/secret.txt",
        "/.secret", "/.git/config", "/.git/", "/guide/.hidden.gmi",
        "/links/passwd", "/links/sibling/secret.txt", "/links/sibling/",
        "/links/sibling.txt", "/links/sibling.gmi", "/links/rel/etc/passwd",
        "/links/loop/index.gmi", "/links/self/index.gmi", "/links/dangling",
        "/links/tohidden/config", "/links/hidden.txt", "/mapped/gophermap",
        "/guide/part.gmi/../../..",
    ]
    leaked = []
    for sel in probes:
        r = d.gopher(sel)
        ok = is_error(r)
        if b"root:" in r or b"TOPSECRET" in r or b"HIDDENWORDS" in r:
            ok = False
            leaked.append(sel)
        check(ok, "gopher: %r gets a type-3 line or a closed connection"
              % sel, r[:120])
        still_alive(sel)
    check(not leaked, "gopher: no byte from outside the capsule or from a "
          "dotfile in any reply", leaked)

    # The same paths on Gemini: 51 or 59, nothing leaks.
    gem_leak = []
    for sel in ("/links/passwd", "/links/sibling/secret.txt",
                "/links/sibling.txt", "/links/sibling.gmi",
                "/links/rel/etc/passwd", "/links/loop/index.gmi",
                "/links/tohidden/config", "/links/hidden.txt", "/.secret",
                "/guide/.hidden.gmi", "/links/dangling"):
        r, _ = d.gemini(d.url(sel))
        if not r.startswith((b"51 ", b"59 ")) or b"TOPSECRET" in r or \
                b"root:" in r or b"HIDDENWORDS" in r:
            gem_leak.append((sel, r[:60]))
    check(not gem_leak, "gemini: escaping symlinks and dotfiles answer "
          "51, nothing leaks", gem_leak)

    # Symlinks that stay inside are served, on both protocols.
    for sel in ("/links/inside/part.gmi", "/links/inside.gmi",
                "/links/abs-inside/part.gmi"):
        r = d.gopher(sel)
        check(r.startswith(b"iGuide part\t") and menu_ok(r)[0],
              "gopher: symlink inside the capsule %s is served" % sel,
              r[:80])
        g, _ = d.gemini(d.url(sel))
        check(g == b"20 text/gemini\r\n# Guide part\nguide words\n",
              "gemini: symlink inside the capsule %s is served" % sel, g)
    listing = d.gopher("/links/")
    names = [l.split(b"\t")[1] for l in listing.split(b"\r\n")
             if l.count(b"\t") == 3 and l[:1] != b"i" and
             l.split(b"\t")[1].startswith(b"/links/")]
    check(b"/links/inside/" in names and b"/links/inside.gmi" in names and
          not any(n.split(b"/")[2].startswith(
              (b"passwd", b"sibling", b"rel", b"loop", b"self", b"dangling",
               b"tohidden", b"hidden")) for n in names),
          "gopher: the listing shows the inside symlinks and none of the "
          "escaping ones", names)
    check("symlink leaves the root" in d.logtext(),
          "capsule: escaping symlinks are logged as skipped")

    # Length: 4096 is legal, 4097 is not, 100 KB never hurts.
    r = d.gopher("/" + "a" * 4095)
    check(is_error(r) and b"Not found" in r,
          "gopher: a 4096-byte selector is read (type 3: not found)", r[:80])
    r = d.gopher("/" + "a" * 4096)
    check(is_error(r) and b"too long" in r,
          "gopher: a 4097-byte selector is refused as too long", r[:80])
    big = [
        ("100 KB selector with CRLF", b"/" + b"a" * 102400 + b"\r\n"),
        ("100 KB selector without any line end", b"/" + b"b" * 102400),
        ("100 KB of ../", b"../" * 34134 + b"\r\n"),
        ("100 KB search string", b"/\t" + b"s" * 102400 + b"\r\n"),
        ("100 KB of NUL bytes", b"\0" * 102400 + b"\r\n"),
        ("100 KB of TABs", b"\t" * 102400 + b"\r\n"),
        ("100 KB of bare LFs", b"\n" * 102400),
    ]
    # Within 5 s: the request deadline (10 s) closing a connection the
    # server forgot would be a hang, not a refusal.
    for name, payload in big:
        r = d.gopher(payload, raw=True, timeout=5)
        check(is_error(r) or (name.endswith("LFs") and r == root),
              "gopher: %s: a type-3 line or a closed connection" % name,
              r[:100])
        still_alive(name)
    # The same, trickled in 8 KB pieces without reading the reply.
    s = socket.create_connection(("127.0.0.1", d.gopher_port), 5)
    s.settimeout(capped(5))
    sent = 0
    try:
        for _ in range(13):
            s.sendall(b"c" * 8192)
            sent += 8192
            time.sleep(0.02)
        reply = s.recv(4096)
    except socket.timeout:
        reply = TIMEOUT
    except OSError:
        reply = b""         # closed, by reset
    s.close()
    check(reply == b"" or is_error(reply),
          "gopher: a 100 KB selector in 8 KB pieces: type 3 or closed "
          "(%d bytes sent before the server stopped reading)" % sent, reply)
    still_alive("trickled selector")

    check(not alive["bad"] and alive["count"] == len(probes) + len(big) + 1,
          "gopher: the root menu still answers after each of %d hostile "
          "requests" % alive["count"], alive["bad"])
    check(workers and d.workers() == workers,
          "gopher: no worker died during the hostile requests",
          (workers, d.workers(), d.logtext()[-1500:]))
finally:
    rc = d.stop()
check(rc == 0, "gopher rules: SIGTERM ends the daemon with status 0", rc)

done()
