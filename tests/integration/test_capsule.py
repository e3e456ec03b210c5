"""
test_capsule.py: the shipped capsule (the enhance leadership guide) as
readers get it.  Every page answers 20 on Gemini and is a well-formed
menu on Gopher, every local link on either side leads somewhere that
exists, the guide's own words are there, and `lynx -dump` of the Gopher
root shows the guide.
"""

import os
import re
import shutil
import subprocess

from harness import Daemon, check, done, menu_ok, plan

CAPSULE = os.path.join(os.path.dirname(__file__), "..", "..", "capsule")

d = Daemon(root=os.path.abspath(CAPSULE))
try:
    pages = []
    for dirpath, dirs, files in os.walk(CAPSULE):
        dirs[:] = [x for x in dirs if not x.startswith(".")]
        for name in files:
            if name.endswith(".gmi"):
                rel = os.path.relpath(os.path.join(dirpath, name), CAPSULE)
                pages.append("/" + rel)
    words = ("within everybody", "King\u2019s Fund", "Messenger Review",
             "First Principles", "Learning Hub", "early on in their careers")
    # Per page: 20, a menu, the links on each side; all but the index
    # link back to the start.
    plan(4 + 5 * len(pages) - pages.count("/index.gmi") + len(words) + 2)
    check(len(pages) >= 5, "capsule: the guide has an index and its parts",
          pages)

    home, _ = d.gemini(d.url("/"))
    check(home.startswith(b"20 text/gemini\r\n# enhance: spotlight on "
                          b"leadership"),
          "capsule: the index opens the guide", home[:80])
    check(b"Leadership is within everybody." in home and
          b"\n> At it\xe2\x80\x99s core" in home,
          "capsule: the quotation is a quote line", home)
    check(b"quote HEE facebook" not in home,
          "capsule: the web page chrome is gone")

    text = b""
    for page in pages:
        r, clean = d.gemini(d.url(page))
        text += r
        check(r.startswith(b"20 text/gemini\r\n") and clean,
              "capsule: %s answers 20 on Gemini" % page, r[:60])
        ok, why = menu_ok(d.gopher(page))
        check(ok, "capsule: %s is a well-formed Gopher menu" % page, why)
        if page != "/index.gmi":
            check(b"=> / " in r, "capsule: %s links back to the start" %
                  page, r)
    for w in words:
        check(w.encode() in text, "capsule: the guide says %r" % w)

    # Every local link resolves, on both protocols.
    for page in pages:
        r, _ = d.gemini(d.url(page))
        base = page.rsplit("/", 1)[0] + "/"
        bad, n = [], 0
        for m in re.finditer(rb"^=>\s*(\S+)", r, re.M):
            link = m.group(1).decode()
            if ":" in link:
                continue
            target = os.path.normpath(link if link.startswith("/") else
                                      base + link)
            if link.endswith("/") and target != "/":
                target += "/"
            g, _ = d.gemini(d.url(target))
            n += 1
            want = b"10 " if target == "/search" else b"20 "
            if not g.startswith(want):
                bad.append((link, g[:40]))
        check(n > 0 and not bad, "capsule: the %d local links of %s work "
              "on Gemini" % (n, page), bad)
        bad, n = [], 0
        for line in d.gopher(page).split(b"\r\n"):
            if line[:1] in (b"0", b"1") and line.count(b"\t") == 3:
                sel = line.split(b"\t")[1].decode()
                r2 = d.gopher(sel)
                n += 1
                if r2.startswith(b"3") or not r2:
                    bad.append((sel, r2[:60]))
        check(n > 0 and not bad, "capsule: the %d Gopher items of %s work"
              % (n, page), bad)

    root = d.gopher("/")
    check(b"ienhance: spotlight on\t" in root and b"ileadership\t" in root,
          "capsule: the Gopher root menu is the guide (its title wrapped "
          "at 29 columns)", root[:200])
    if shutil.which("lynx"):
        out = subprocess.run(["lynx", "-dump", "-nolist",
                              "gopher://127.0.0.1:%d/" % d.gopher_port],
                             capture_output=True, timeout=20, text=True)
        # Wrapped lines joined, quote marks dropped.
        words = " ".join(w for w in out.stdout.split() if w != ">")
        check("enhance: spotlight on leadership" in words and
              "1. What leadership means" in words and
              "Leadership is within everybody." in words,
              "capsule: lynx -dump of the Gopher menu shows the guide",
              out.stdout)
    else:
        check(False, "lynx is installed (apt-get install lynx)")
finally:
    d.stop()

done()
