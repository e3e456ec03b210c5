"""
test_feeds.py: gemlogs through the real daemon.
- Gemini: a directory of dated posts lists them newest first in the
  gemfeed form, titled by their first heading (else their slug), then
  the feed and the other entries; atom.xml is application/atom+xml, a
  feed xmllint accepts and Python's xml.etree reads with every element
  RFC 4287 requires, its links gemini:// URLs with the server's name and
  port, titles escaped (<, &, quotes, non-ASCII, control bytes).
- Gopher: the same directory is a phlog menu, posts as type 1 items
  labelled "DATE TITLE", the feed a type 0 item; lynx shows it, amfora
  shows the Gemini listing.
- The author's own atom.xml and index.gmi win; feed-entries and
  feed-title are obeyed; feeds off turns it off.
- A post added is in the listing and the feed after SIGHUP; the search
  finds posts.
"""

import os
import re
import shutil
import subprocess
import tempfile
import time
import xml.etree.ElementTree as ET

from harness import SERVER, Daemon, check, done, menu_ok, plan, refused

plan(28)

ATOM = "{http://www.w3.org/2005/Atom}"
TITLE_NASTY = 'Fish & chips <b>"quoted"</b> caf\u00e9 \x01bell'

FILES = {
    "index.gmi": "# Home\n=> log/ The log\n=> log/atom.xml Its feed\n",
    "log/2026-11-20-second.gmi": "# Second post\n\nIt snowed today.\n",
    "log/2026-11-19-first.gmi": "No heading in this one.\n",
    "log/2026-11-21-nasty.gmi": "# " + TITLE_NASTY + "\n\nA & B < C.\n",
    "log/2026-02-30-not-a-date.gmi": "# Not a post\n",
    "log/notes.gmi": "# Notes\n",
    "log/pics/a.txt": "a\n",
    "own/2026-01-01-x.gmi": "# X\n",
    "own/atom.xml": "<feed>the author's own</feed>\n",
    "indexed/index.gmi": "# My own index\n",
    "indexed/2026-03-03-y.gmi": "# Y\n",
}


class GopherOnly(Daemon):
    """A daemon with no Gemini listener: wait for the Gopher one."""

    def _accepting(self):
        return not refused(self.gopher_port)


def body(r):
    return r.split(b"\r\n", 1)[1] if b"\r\n" in r else b""


def atom_entries(xml):
    root = ET.fromstring(xml)
    return root, root.findall(ATOM + "entry")


def feed_ok(root, entries, base):
    """Every element RFC 4287 requires, as this feed fills them."""
    why = []
    for name in ("id", "title", "updated", "author"):
        if root.find(ATOM + name) is None:
            why.append("feed has no " + name)
    links = root.findall(ATOM + "link")
    if not any(l.get("rel") == "self" and
               l.get("href") == base + "atom.xml" for l in links):
        why.append("no rel=self link to " + base + "atom.xml")
    for e in entries:
        for name in ("id", "title", "updated", "link"):
            if e.find(ATOM + name) is None:
                why.append("entry without " + name)
        if not re.match(r"^\d{4}-\d\d-\d\dT00:00:00Z$",
                        e.findtext(ATOM + "updated") or ""):
            why.append("entry updated " + repr(e.findtext(ATOM +
                                                           "updated")))
        if not (e.findtext(ATOM + "id") or "").startswith(base):
            why.append("entry id " + repr(e.findtext(ATOM + "id")))
    return why


d = Daemon(FILES)
base = "gemini://localhost:%d/log/" % d.gemini_port
try:
    r, _ = d.gemini(d.url("/log/"))
    want = ("# log\n\n"
            "=> 2026-11-21-nasty.gmi 2026-11-21 Fish & chips <b>\"quoted\""
            "</b> caf\u00e9  bell\n"
            "=> 2026-11-20-second.gmi 2026-11-20 Second post\n"
            "=> 2026-11-19-first.gmi 2026-11-19 first\n\n"
            "=> atom.xml Atom feed\n"
            "=> ../ Parent directory\n"
            "=> 2026-02-30-not-a-date.gmi 2026-02-30-not-a-date.gmi\n"
            "=> notes.gmi notes.gmi\n"
            "=> pics/ pics/\n").encode()
    check(r == b"20 text/gemini\r\n" + want,
          "gemini: the gemlog lists posts newest first, titled, then the "
          "feed and the rest (February 30th is no date)", r)

    r, _ = d.gemini(d.url("/log/atom.xml"))
    check(r.startswith(b"20 application/atom+xml\r\n"),
          "gemini: atom.xml is application/atom+xml", r[:60])
    xml = body(r)
    path = os.path.join(d.dir, "feed.xml")
    with open(path, "wb") as f:
        f.write(xml)
    lint = subprocess.run(["xmllint", "--noout", path], capture_output=True,
                          text=True, timeout=20) \
        if shutil.which("xmllint") else None
    check(lint is not None and lint.returncode == 0 and lint.stderr == "",
          "atom: xmllint finds the feed well-formed",
          lint.stderr if lint else "xmllint missing (apt-get install "
          "libxml2-utils)")
    try:
        root, entries = atom_entries(xml)
        parsed = True
    except ET.ParseError as e:
        root, entries, parsed = None, [], False
        print("# " + str(e))
    check(parsed and root.tag == ATOM + "feed",
          "atom: xml.etree reads an Atom feed", xml[:300])
    why = feed_ok(root, entries, base) if parsed else ["not parsed"]
    check(not why, "atom: feed id, title, updated, author, rel=self link; "
          "each entry id, title, updated, link", why)
    check(parsed and root.findtext(ATOM + "id") == base and
          root.findtext(ATOM + "updated") == "2026-11-21T00:00:00Z",
          "atom: the feed's id is the gemlog's URL, updated the newest "
          "post's date", xml[:400])
    titles = [e.findtext(ATOM + "title") for e in entries]
    check(titles == ['Fish & chips <b>"quoted"</b> caf\u00e9  bell',
                     "Second post", "first"],
          "atom: entries newest first, titles escaped and read back as "
          "written (the control byte a space)", titles)
    links = [e.find(ATOM + "link").get("href") for e in entries]
    check(links == [base + "2026-11-21-nasty.gmi",
                    base + "2026-11-20-second.gmi",
                    base + "2026-11-19-first.gmi"],
          "atom: each entry links the post's gemini:// URL, with our name "
          "and port", links)
    sums = [e.findtext(ATOM + "summary") for e in entries]
    check(sums == ["A & B < C.", "It snowed today.",
                   "No heading in this one."],
          "atom: the summary is the first paragraph", sums)
    check(b"&lt;b&gt;" in xml and b"&amp; chips" in xml and b"\x01" not in xml,
          "atom: the raw bytes are escaped, not just parsable", xml[:600])
    link = [l for l in (body(d.gemini(d.url("/"))[0])).split(b"\n")
            if b"atom.xml" in l]
    g, _ = d.gemini(d.url("/log/atom.xml"))
    check(link == [b"=> log/atom.xml Its feed"] and g == r,
          "the root index links the feed like any page", link)

    # Gopher: the phlog.
    m = d.gopher("/log/")
    ok, why = menu_ok(m)
    lines = m.split(b"\r\n")
    items = [l.split(b"\t")[:2] for l in lines if l[:1] in (b"0", b"1")]
    check(ok and items[:4] == [
        [b"12026-11-21 Fish & chips", b"/log/2026-11-21-nasty.gmi"],
        [b"12026-11-20 Second post", b"/log/2026-11-20-second.gmi"],
        [b"12026-11-19 first", b"/log/2026-11-19-first.gmi"],
        [b"0Atom feed", b"/log/atom.xml"]],
          "gopher: the phlog lists posts newest first as type 1 items "
          "labelled DATE TITLE, the feed as a type 0 item", m)
    t = d.gopher("/log/atom.xml")
    check(t == xml, "gopher: the feed is its text", t[:200])
    if shutil.which("lynx"):
        out = subprocess.run(["lynx", "-dump", "-nolist",
                              "gopher://127.0.0.1:%d/1/log/" % d.gopher_port],
                             capture_output=True, text=True, timeout=20)
        words = " ".join(out.stdout.split())
        check("2026-11-20 Second post" in words and
              words.index("2026-11-21") < words.index("2026-11-20") <
              words.index("2026-11-19"),
              "lynx: shows the phlog dated, titled, newest first",
              out.stdout)
    else:
        check(False, "lynx is installed (apt-get install lynx)")
    if shutil.which("amfora") and shutil.which("tmux"):
        sock = "capsuled-feeds-%d" % os.getpid()
        home = tempfile.mkdtemp(dir=d.dir)
        tm = ["tmux", "-L", sock, "-f", "/dev/null"]
        env = ("env HOME=%s XDG_CONFIG_HOME=%s/.config XDG_DATA_HOME=%s/.d "
               "XDG_CACHE_HOME=%s/.c LANG=C.UTF-8 TERM=xterm-256color "
               % (home, home, home, home))
        subprocess.run(tm + ["new-session", "-d", "-x", "132", "-y", "45",
                             "-s", "t", env + "amfora " + d.url("/log/")],
                       timeout=10)
        screen, deadline = "", time.time() + 25
        while time.time() < deadline:
            screen = subprocess.run(tm + ["capture-pane", "-p", "-t", "t"],
                                    capture_output=True, text=True,
                                    timeout=10).stdout
            if "2026-11-19 first" in screen:
                break
            if int(deadline - time.time()) % 5 == 0:
                subprocess.run(tm + ["resize-window", "-t", "t", "-x",
                                     "131"], timeout=10)
                subprocess.run(tm + ["resize-window", "-t", "t", "-x",
                                     "132"], timeout=10)
            time.sleep(0.2)
        subprocess.run(tm + ["kill-server"], timeout=10)
        check("2026-11-20 Second post" in screen and
              screen.find("2026-11-21") < screen.find("2026-11-20") <
              screen.find("2026-11-19"),
              "amfora: shows the gemlog dated, titled, newest first", screen)
    else:
        check(False, "amfora and tmux are installed")

    # The author's own files win.
    r, _ = d.gemini(d.url("/own/atom.xml"))
    check(r == b"20 text/xml\r\n<feed>the author's own</feed>\n",
          "an author's own atom.xml is served, not a generated one", r)
    r, _ = d.gemini(d.url("/indexed/"))
    a, _ = d.gemini(d.url("/indexed/atom.xml"))
    check(r == b"20 text/gemini\r\n# My own index\n" and
          a.startswith(b"20 application/atom+xml\r\n") and
          b"2026-03-03-y.gmi" in a,
          "an author's index.gmi wins; the feed is made all the same",
          (r, a[:80]))

    # A new post after SIGHUP; the search finds posts.
    with open(os.path.join(d.root, "log", "2026-11-22-third.gmi"), "w") as f:
        f.write("# Third post\n\nFresh snow.\n")
    ok = d.reload()
    r, _ = d.gemini(d.url("/log/"))
    a, _ = d.gemini(d.url("/log/atom.xml"))
    check(ok and body(r).split(b"\n")[2] ==
          b"=> 2026-11-22-third.gmi 2026-11-22 Third post",
          "reload: the new post heads the listing", r[:200])
    try:
        first = atom_entries(body(a))[1][0].findtext(ATOM + "title")
    except (ET.ParseError, IndexError):
        first = None
    check(first == "Third post" and b"<updated>2026-11-22T00:00:00Z" in a,
          "reload: the new post heads the feed", a[:500])
    r, _ = d.gemini(d.url("/search?fresh%20snow"))
    check(b"=> /log/2026-11-22-third.gmi Third post" in r,
          "search: posts are found like any page", r)
finally:
    d.stop()

# feed-entries, feed-title; feeds off; no Gemini, no feed.
conf = SERVER.replace("\troot", '\tfeed-entries 2\n\tfeed-title "My '
                      '<Log>"\n\troot', 1)
posts = {"index.gmi": "# Home\n"}
for i in range(1, 6):
    posts["2026-01-0%d-p.gmi" % i] = "# Post %d\n" % i
d = Daemon(posts, conf=conf)
try:
    r, _ = d.gemini(d.url("/"))
    check(r == b"20 text/gemini\r\n# Home\n",
          "root gemlog with an index: the index wins", r)
    a, _ = d.gemini(d.url("/atom.xml"))
    try:
        root, entries = atom_entries(body(a))
        titles = [e.findtext(ATOM + "title") for e in entries]
        ftitle = root.findtext(ATOM + "title")
    except ET.ParseError:
        titles, ftitle = None, None
    check(titles == ["Post 5", "Post 4"] and ftitle == "My <Log>",
          "feed-entries 2 keeps the two newest; feed-title names the feed",
          (titles, ftitle))
finally:
    d.stop()
conf = SERVER.replace("\troot", '\tfeed-title "My Log"\n\troot', 1)
d = Daemon({"2026-01-01-p.gmi": "# P\n"}, conf=conf)
try:
    r, _ = d.gemini(d.url("/"))
    check(body(r).startswith(b"# My Log\n\n=> 2026-01-01-p.gmi 2026-01-01 P\n"),
          "feed-title heads a generated listing", r)
finally:
    d.stop()
# Per location: feeds off in one directory; a post a location blocks
# is no post (its title and summary would tell what it keeps).
conf = SERVER.replace("\troot", '\tlocation "/quiet/*" {{ feeds off }}\n'
                      '\tlocation "/log/2026-05-05-hidden.gmi" {{ block }}\n'
                      '\troot', 1)
d = Daemon({"quiet/2026-01-01-q.gmi": "# Q\n",
            "log/2026-05-04-open.gmi": "# Open\n",
            "log/2026-05-05-hidden.gmi": "# Hidden plans\n\nSecret.\n"},
           conf=conf)
try:
    r, _ = d.gemini(d.url("/quiet/"))
    a, _ = d.gemini(d.url("/quiet/atom.xml"))
    check(body(r).startswith(b"# Index of /quiet/\n") and
          a == b"51 Not found\r\n",
          "feeds off in a location: that directory is no gemlog", (r, a))
    r, _ = d.gemini(d.url("/log/"))
    a, _ = d.gemini(d.url("/log/atom.xml"))
    check(b"=> 2026-05-04-open.gmi 2026-05-04 Open\n" in r and
          a.startswith(b"20 application/atom+xml"),
          "feeds off in a location: the other directory still is", r)
    check(b"Hidden plans" not in r and b"Hidden plans" not in a and
          b"Secret" not in a and b"2026-05-05-hidden.gmi" not in a,
          "a post a location blocks is not in the listing's posts nor the "
          "feed", (r, a))
finally:
    d.stop()
conf = SERVER.replace("\troot", "\tfeeds off\n\troot", 1)
d = Daemon({"2026-01-01-p.gmi": "# P\n"}, conf=conf)
try:
    r, _ = d.gemini(d.url("/"))
    a, _ = d.gemini(d.url("/atom.xml"))
    check(body(r) == b"# Index of /\n\n=> 2026-01-01-p.gmi 2026-01-01-p.gmi\n"
          and a == b"51 Not found\r\n",
          "feeds off: a plain listing and no atom.xml", (r, a))
finally:
    d.stop()
conf = SERVER.replace("\tcert", "\t#cert").replace("\tkey", "\t#key").replace(
    "\tlisten gemini", "\t#listen gemini")
d = GopherOnly({"2026-01-01-p.gmi": "# P\n"}, conf=conf)
try:
    m = d.gopher("/")
    check(b"12026-01-01 P\t/2026-01-01-p.gmi\t" in m and
          b"atom.xml" not in m and d.gopher("/atom.xml").startswith(b"3"),
          "gopher only: a phlog without a feed (it would need gemini:// "
          "URLs)", m)
finally:
    d.stop()

done()
