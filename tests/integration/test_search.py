"""
test_search.py: the capsule's search from real clients, over both
protocols.  On the shipped guide: the Gemini input prompt, result pages
for percent-encoded and UTF-8 queries (Python TLS and `openssl
s_client`), 59 for over-long, badly escaped and non-UTF-8 queries; the
Gopher root's one type 7 item, result menus over raw sockets (CRLF and
bare LF), `curl gopher://.../7/search%09...` and `lynx -dump`, whose
items open the same pages; type 3 lines for bad queries; the help menu
for a search without words.  On temporary capsules: the type 7 item
added to a root that lacks one (gemtext and gophermap), paths that need
encoding, the capsule's own /search shadowed, and a page added to the
capsule found after SIGHUP.
"""

import os
import re
import shutil
import subprocess
import time

from harness import Daemon, check, done, menu_ok, s_client, plan

plan(61)

CAPSULE = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..",
                                       "capsule"))
WHY = "/guide/why-it-matters.gmi"
WHY_TITLE = b"Why it matters early in a health and care career"


def gem_search(d, query):
    """A Gemini request for the search; query is sent as it is."""
    url = d.url("/search") + ("" if query is None else "?" + query)
    return d.gemini(url)


def items(menu, kind=None):
    """(type, display, selector) of every item line of a Gopher menu; a
    label wrapped onto the info lines after its item ("i  " and the
    rest) is joined back."""
    out = []
    last = None
    for line in menu.split(b"\r\n"):
        f = line.split(b"\t")
        if len(f) != 4:
            continue
        if line[:3] == b"i  " and last is not None:
            last[1] += b" " + f[0][3:]
            continue
        last = None
        if line[:1] != b"i" and (kind is None or line[:1] == kind):
            last = [line[:1], f[0][1:], f[1]]
            out.append(last)
    return [tuple(x) for x in out]


def menu_text(menu):
    """The display strings of a menu's lines, joined by spaces: its text
    whatever the wrapping."""
    return b" ".join(l.split(b"\t")[0][1:].strip()
                     for l in menu.split(b"\r\n") if b"\t" in l)


def shipped(d):
    # Gemini: the prompt, then results.
    for q in (None, ""):
        r, clean = gem_search(d, q)
        check(r == b"10 Search the capsule\r\n" and clean,
              "gemini: /search%s asks for input with close_notify" %
              ("" if q is None else "?"), r)
    r, _ = gem_search(d, "%20%20")
    check(r == b"10 Search the capsule\r\n",
          "gemini: a query of spaces asks again", r)
    r, clean = gem_search(d, "decisions")
    check(r.startswith(b"20 text/gemini\r\n# Search results\n") and clean,
          "gemini: decisions answers a gemtext page", r[:80])
    check(("\n=> %s " % WHY).encode() + WHY_TITLE + b"\n" in r,
          "gemini: decisions finds the page on decisions", r)
    check(re.search(rb"\n> [^\n]*challenging decisions day in", r),
          "gemini: the result has an excerpt around the hit", r)
    r, _ = gem_search(d, "colleagues")
    check(("\n=> %s " % WHY).encode() in r and
          b"1 page contains every word of: colleagues" in r,
          "gemini: colleagues finds the page about colleagues", r)
    r, _ = gem_search(d, "making%20challenging%20DECISIONS")
    check(("\n=> %s " % WHY).encode() in r,
          "gemini: percent-encoded words, any case, all found", r)
    r, _ = gem_search(d, "King%E2%80%99s%20Fund")
    check(("\n=> %s " % WHY).encode() in r,
          "gemini: an encoded UTF-8 apostrophe inside a word", r)
    r, _ = gem_search(d, "team%20decisions")
    check(b"No page contains every word of: team decisions" in r and
          b"\n=> / Back to the index\n" in r and b"\n=> /search " in r,
          "gemini: no hit says so and links back to the index", r)
    r, _ = gem_search(d, "leadership")
    links = re.findall(rb"\n=> (\S+) ", r)
    check(b"6 pages contain every word of: leadership" in r and
          links[:2] == [b"/", b"/guide/what-leadership-means.gmi"],
          "gemini: leadership lists every page, title hits first", links)
    for link in links:
        g, _ = d.gemini(d.url(link.decode()))
        check(g.startswith(b"20 ") or g.startswith(b"10 "),
              "gemini: result link %s opens" % link.decode(), g[:40])
    r, _ = gem_search(d, "a" * 256)
    check(r.startswith(b"20 text/gemini\r\n"),
          "gemini: a query of 256 bytes is answered", r[:60])
    r, clean = gem_search(d, "a" * 257)
    check(r == b"59 Search query too long\r\n" and clean,
          "gemini: a query of 257 bytes is 59", r)
    r, _ = gem_search(d, "%41" * 256)
    check(r.startswith(b"20 "), "gemini: the limit counts decoded bytes",
          r[:60])
    r, _ = gem_search(d, "caf%E9")
    check(r == b"59 Search query is not UTF-8\r\n",
          "gemini: a Latin-1 encoded query is 59", r)
    r, _ = gem_search(d, "a%2")
    check(r.startswith(b"59 "), "gemini: a broken escape is 59", r)
    r, _ = gem_search(d, "a%00b")
    check(r == b"59 Bad search query\r\n", "gemini: an encoded NUL is 59",
          r)
    raw = b"gemini://localhost:%d/search?caf\xe9\r\n" % d.gemini_port
    r, _ = d.gemini(raw, raw=True)
    check(r.startswith(b"59 "), "gemini: raw non-UTF-8 bytes are 59", r)
    out = s_client(d.gemini_port, d.url("/search?colleagues"))
    check(out.startswith(b"20 text/gemini\r\n") and
          ("=> %s " % WHY).encode() in out,
          "gemini: openssl s_client finds colleagues", out[:200])
    out = s_client(d.gemini_port, d.url("/search"))
    check(out == b"10 Search the capsule\r\n",
          "gemini: openssl s_client gets the prompt", out)

    # Gopher: the root menu's search item, results, errors.
    root = d.gopher("/")
    sevens = items(root, b"7")
    check(sevens == [(b"7", b"Search the guide", b"/search")],
          "gopher: the root menu has one type 7 item, from the index's "
          "link", sevens)
    m = d.gopher("/search\tdecisions")
    ok, why = menu_ok(m)
    check(ok, "gopher: results are a well-formed menu", why)
    found = items(m, b"1")
    check((b"1", WHY_TITLE, WHY.encode()) in found,
          "gopher: decisions finds the page as a type 1 item", m)
    check(re.search(rb"\t/guide/why-it-matters.gmi\t[^\r]*\r\n"
                    rb"(i  [^\r]*\r\n)*"
                    rb"i> [^\t]*challenging\t[^\r]*\r\ni> decisions", m),
          "gopher: excerpt info lines follow the item", m)
    check((b"7", b"Search again", b"/search") in items(m),
          "gopher: the results offer a new search as type 7", m)
    for _, _, sel in found:
        page = d.gopher(sel.decode())
        check(menu_ok(page)[0] and not page.startswith(b"3"),
              "gopher: result selector %s opens the page" % sel.decode(),
              page[:80])
    m = d.gopher(b"/search\tcolleagues\n", raw=True)
    check((b"1", WHY_TITLE, WHY.encode()) in items(m),
          "gopher: a request ended by a bare LF", m)
    m = d.gopher("search\tColleagues")
    check((b"1", WHY_TITLE, WHY.encode()) in items(m),
          "gopher: selector without a slash, words in any case", m)
    m = d.gopher("/search\tteam decisions")
    check(b"No page contains every word of: team decisions" in
          menu_text(m) and
          (b"1", b"Back to the index", b"/") in items(m) and menu_ok(m)[0],
          "gopher: no hit says so and offers the index", m)
    for req, name in (("/search", "without a search string"),
                      ("/search\t", "with an empty search string"),
                      ("/search\t?!", "with no words")):
        m = d.gopher(req)
        check(menu_ok(m)[0] and b"iThis is the capsule's search." in m and
              (b"7", b"Search the capsule", b"/search") in items(m),
              "gopher: a search %s answers a help menu" % name, m)
    m = d.gopher("/search\t" + "x" * 257)
    check(m == b"3Search query too long\t\terror.host\t1\r\n.\r\n",
          "gopher: an over-long query is a type 3 line", m)
    m = d.gopher("/search\t" + "x" * 256)
    check(menu_ok(m)[0] and b"iNo page contains" in m,
          "gopher: a query of 256 bytes is answered", m[:80])
    m = d.gopher(b"/search\tcaf\xe9\r\n", raw=True)
    check(m.startswith(b"3") and m.endswith(b"\r\n.\r\n"),
          "gopher: a non-UTF-8 query is a type 3 line", m)

    out = subprocess.run(["curl", "-s", "--max-time", "10",
                          "gopher://127.0.0.1:%d/7/search%%09leadership" %
                          d.gopher_port], capture_output=True, timeout=20)
    check(out.returncode == 0 and b"6 pages contain every word of: "
          b"leadership" in menu_text(out.stdout) and
          b"1What leadership means\t/guide/what-leadership-means.gmi\t"
          in out.stdout,
          "gopher: curl gopher://.../7/search%09leadership lists the pages",
          out)
    if shutil.which("lynx"):
        out = subprocess.run(
            ["lynx", "-dump", "gopher://127.0.0.1:%d/7/search%%09decisions" %
             d.gopher_port], capture_output=True, timeout=20, text=True)
        # Wrapped lines joined, quote marks dropped.
        words = " ".join(w for w in out.stdout.split() if w != ">")
        check("Why it matters early in a health and care career" in
              words and "challenging decisions" in words and
              "/1/guide/why-it-matters.gmi" in out.stdout,
              "gopher: lynx -dump of the search shows the result and its "
              "link", out.stdout)
        out = subprocess.run(
            ["lynx", "-dump", "gopher://127.0.0.1:%d/" % d.gopher_port],
            capture_output=True, timeout=20, text=True)
        check("/7/search" in out.stdout,
              "gopher: lynx -dump of the root shows the search item",
              out.stdout)
    else:
        check(False, "lynx is installed (apt-get install lynx)")


def pane(tmux):
    return subprocess.run(tmux + ["capture-pane", "-p", "-t", "0"],
                          capture_output=True, text=True, timeout=10).stdout


def wait_pane(tmux, texts, timeout=10):
    deadline = time.time() + timeout
    screen = ""
    while time.time() < deadline:
        screen = pane(tmux)
        if all(t in screen for t in texts):
            return True, screen
        time.sleep(0.2)
    return False, screen


def amfora(d):
    """amfora in a private tmux server: the prompt, then the results."""
    if not (shutil.which("amfora") and shutil.which("tmux")):
        check(False, "amfora and tmux are installed (apt-get install "
              "amfora tmux)")
        return
    home = os.path.join(d.dir, "amfora-home")
    os.makedirs(home)
    tmux = ["tmux", "-L", "capsuled-search-%d" % os.getpid()]
    cmd = ("env HOME={0} XDG_CONFIG_HOME={0}/.config XDG_CACHE_HOME="
           "{0}/.cache XDG_DATA_HOME={0}/.local TERM=xterm-256color "
           "amfora {1}").format(home, d.url("/search"))
    subprocess.run(tmux + ["new-session", "-d", "-x", "120", "-y", "40",
                           cmd], check=True, timeout=10)
    try:
        ok, screen = wait_pane(tmux, ["Search the capsule", "Send"])
        check(ok, "amfora: /search shows the input prompt", screen)
        subprocess.run(tmux + ["send-keys", "-t", "0", "-l", "colleagues"],
                       timeout=10)
        wait_pane(tmux, ["colleagues"], 5)
        # Enter moves from the field to Send, Enter again sends.
        for _ in range(3):
            subprocess.run(tmux + ["send-keys", "-t", "0", "Enter"],
                           timeout=10)
            ok, screen = wait_pane(tmux, ["Search results",
                                          "Why it matters early"], 3)
            if ok:
                break
        check(ok and "1 page contains every word of: colleagues" in screen,
              "amfora: the search finds the page about colleagues", screen)
    finally:
        subprocess.run(tmux + ["kill-server"], timeout=10,
                       stderr=subprocess.DEVNULL)


def temp_capsules():
    files = {
        "index.gmi": "# Home\n=> notes/ Notes\n",
        "notes/index.gmi": "# Notes index\nAbout widgets.\n",
        "notes/my notes.gmi": "Widgets and gadgets, no heading here.\n",
        "search": "a file the search shadows\n",
    }
    d = Daemon(files)
    try:
        root = d.gopher("/")
        check(items(root, b"7") == [(b"7", b"Search the capsule",
                                     b"/search")],
              "gopher: a root without a search link gets one type 7 item",
              root)
        check(menu_ok(root)[0], "gopher: the root menu stays well-formed",
              root)
        idx = d.gopher("/index.gmi")
        check(items(idx, b"7") == [],
              "gopher: the item is the root menu's, not the page's", idx)
        r, _ = gem_search(d, "widgets")
        check(b"\n=> /notes/ Notes index\n" in r and
              b"\n=> /notes/my%20notes.gmi my notes.gmi\n" in r,
              "gemini: a directory's index is linked as the directory, "
              "paths are encoded, no heading gives the file name", r)
        m = d.gopher("/search\twidgets")
        check((b"1", b"my notes.gmi", b"/notes/my notes.gmi") in items(m) and
              (b"1", b"Notes index", b"/notes/") in items(m),
              "gopher: the same pages, selectors decoded", m)
        r, _ = gem_search(d, None)
        check(r.startswith(b"10 ") and "is the search" in d.logtext(),
              "the capsule's own /search is shadowed, with a warning",
              d.logtext()[-400:])

        # A page added to the capsule is found after SIGHUP.
        r, _ = gem_search(d, "zanzibar")
        check(b"No page contains every word of: zanzibar" in r,
              "reload: the word is not found before", r)
        with open(os.path.join(d.root, "notes", "trip.gmi"), "w") as f:
            f.write("# Trip\nA week in Zanzibar.\n")
        check(d.reload(), "reload: SIGHUP succeeds", d.logtext()[-300:])
        deadline = time.time() + 10
        while time.time() < deadline:
            r, _ = gem_search(d, "zanzibar")
            m = d.gopher("/search\tZANZIBAR")
            if b"=> /notes/trip.gmi Trip" in r and \
                    (b"1", b"Trip", b"/notes/trip.gmi") in items(m):
                break
            time.sleep(0.1)
        check(b"\n=> /notes/trip.gmi Trip\n> A week in Zanzibar.\n" in r,
              "reload: the new page is found on Gemini after SIGHUP", r)
        check((b"1", b"Trip", b"/notes/trip.gmi") in items(m),
              "reload: the new page is found on Gopher after SIGHUP", m)
        g, _ = d.gemini(d.url("/notes/trip.gmi"))
        check(g.startswith(b"20 "), "reload: ordinary pages still served",
              g[:40])
    finally:
        d.stop()

    d = Daemon({"gophermap": "Hand-made menu\n1Notes\t/notes/\n",
                "notes/a.gmi": "# A\ntext\n"})
    try:
        root = d.gopher("/")
        check(root.startswith(b"iHand-made menu\t") and
              items(root, b"7") == [(b"7", b"Search the capsule",
                                     b"/search")],
              "gopher: a gophermap root gets the type 7 item too", root)
    finally:
        d.stop()


d = Daemon(root=CAPSULE)
try:
    shipped(d)
    amfora(d)
finally:
    d.stop()
temp_capsules()
done()
