"""
test_render.py: what readers see of the Gopher side, through the real
daemon and real clients (curl, lynx, sacc, bombadillo under tmux).

- A text file with lines that are a lone "." reaches curl as the
  author's bytes but for ". " on those lines, and lynx and sacc show
  every line, the last one too; no client shows "..".
- Preformatted lines are kept whole (a 90-column line is one info line).
- C1 control characters (U+0080 to U+009F, CSI among them) from gemtext,
  link labels and search queries never reach a menu or a results page on
  either protocol; a file whose name has one is not served.
- At 80 and at 40 columns, lynx, sacc and bombadillo show every word of
  a wrapped paragraph and link label whole, and a long heading's
  underline as one line.
- gopher wrap N (capsuled.conf(5)): at the top level 67 wraps a page's
  paragraph as a greedy wrap at 67 would (some lines far past 29), its
  heading and underline and the search's help no wider than 67, and at
  80 columns lynx, sacc and bombadillo still show every word whole and
  the underline as one line; a server's own gopher wrap 20 beats the
  file's 67.
- A capsule whose pages have no words (empty index.gmi) starts and
  answers, search included (UBSan once aborted it: the ASan run of this
  file, tests/hardening/test_asan.sh, is the check).
"""

import os
import re
import shutil
import subprocess
import tempfile
import textwrap
import time

from harness import SERVER, Daemon, check, done, menu_ok, plan

plan(25 + 4 + 3 + 2)

C1 = re.compile(b"\xc2[\x80-\x9f]")

PARAGRAPH = ("Many health and care workers may see leadership as a concept "
             "that is only relevant to very few of us, and so prioritising "
             "our own leadership skills can fall by the wayside when we are "
             "busy working within services with little extra capacity.")
HEADING = "Why it matters early in a health and care career"
LABEL = "Next: 2. Why it matters early in a health and care career"
ART = ("+" + "-" * 88 + "+")    # 90 columns of ASCII art

FILES = {
    "index.gmi": "# " + HEADING + "\n\n" + PARAGRAPH + "\n\n"
                 "=> next.gmi " + LABEL + "\n",
    "next.gmi": "# Next\n",
    "dots.txt": "line one\n.\nline three\n..\nlast but one\n.\n",
    "pre.gmi": "```\n" + ART + "\n```\n",
    # "\x9b" is U+009B (CSI), "\x85" U+0085 (NEL): C2 9B, C2 85 in UTF-8
    "c1.gmi": "# Title\x9b31m\n\nText\x9b[2J here\x85.\n"
              "=> next.gmi Label\x9b0m\n```\nart\x9b[1m\n```\n",
    "bad\x9bname.gmi": "# hidden\n",
}


def screen_lines(text):
    return [l.rstrip() for l in text.splitlines()]


class Screen:
    """One client at a given width in a private tmux server."""

    def __init__(self, name, cols, argv, home):
        self.sock = "capsuled-render-%d-%s-%d" % (os.getpid(), name, cols)
        os.makedirs(home, exist_ok=True)
        env = ["env", "HOME=" + home, "XDG_CONFIG_HOME=" + home + "/.config",
               "XDG_DATA_HOME=" + home + "/.local/share",
               "XDG_CACHE_HOME=" + home + "/.cache", "LANG=C.UTF-8",
               "TERM=xterm-256color"]
        self.cols = cols
        self.tmux("new-session", "-d", "-x", str(cols), "-y", "60", "-s",
                  "t", " ".join("'%s'" % a for a in env + argv))

    def tmux(self, *args):
        return subprocess.run(["tmux", "-L", self.sock, "-f", "/dev/null"] +
                              list(args), capture_output=True, text=True,
                              timeout=10)

    def text(self):
        return self.tmux("capture-pane", "-p", "-t", "t").stdout

    def wait(self, pred, timeout=20):
        """Poll until pred(screen); a one-column resize after 5 s makes
        a client that loaded but did not draw redraw (test_clients.py)."""
        deadline = time.time() + timeout
        nudge = time.time() + 5
        text = ""
        while time.time() < deadline:
            text = self.text()
            if pred(text):
                return True, text
            if time.time() > nudge:
                self.tmux("resize-window", "-t", "t", "-x",
                          str(self.cols - 1))
                time.sleep(0.2)
                self.tmux("resize-window", "-t", "t", "-x", str(self.cols))
                nudge = time.time() + 5
            time.sleep(0.1)
        return False, text

    def close(self):
        self.tmux("kill-server")


def words_whole(text, words):
    """The words of words that do not appear whole on the screen."""
    tokens = set(text.split())
    return [w for w in words if w not in tokens]


def underline_rows(text, ch):
    """Screen lines that are only ch, after a client's margin (sacc
    draws "   | " before an info line)."""
    rule = re.compile(r"^[\s|]*" + re.escape(ch) + r"+\s*$")
    return [l for l in screen_lines(text) if rule.match(l)]


d = Daemon(files=FILES)
home = tempfile.mkdtemp(dir=d.dir)
try:
    # A lone "." in a text file -------------------------------------
    raw = subprocess.run(["curl", "-s", "gopher://127.0.0.1:%d/0/dots.txt"
                          % d.gopher_port], capture_output=True,
                         timeout=10).stdout
    check(raw == b"line one\n. \nline three\n..\nlast but one\n. \n",
          "curl: a text file comes as written, a lone \".\" as \". \", no "
          "end marker", raw)
    dump = subprocess.run(["lynx", "-dump", "gopher://127.0.0.1:%d/0/dots.txt"
                           % d.gopher_port], capture_output=True, text=True,
                          timeout=20).stdout
    check(screen_lines(dump)[:6] == ["line one", ".", "line three", "..",
                                     "last but one", "."],
          "lynx: shows the text file's lines as the author wrote them",
          dump)
    if shutil.which("sacc"):
        s = Screen("sacc", 80, ["sacc", "gopher://127.0.0.1:%d/0/dots.txt" %
                                d.gopher_port], home + "/sacc")
        try:
            ok, text = s.wait(lambda t: "last but one" in t)
            lines = screen_lines(text)
            at = lines.index("last but one") if ok else 0
            check(ok and lines[at - 4:at + 2] == ["line one", ".",
                                                 "line three", "..",
                                                 "last but one", "."],
                  "sacc: shows every line of the text file, the final "
                  "\".\" too", text)
        finally:
            s.close()
    else:
        check(False, "sacc is installed (apt-get install sacc)")

    # Preformatted text is verbatim ---------------------------------
    menu = d.gopher("/pre.gmi")
    check(menu_ok(menu)[0] and ("i" + ART + "\t\t").encode() in menu,
          "gopher: a 90-column preformatted line is one info line, "
          "verbatim", menu)

    # C1 controls ----------------------------------------------------
    menu = d.gopher("/c1.gmi")
    check(menu_ok(menu)[0] and not C1.search(menu) and
          b"iTitle 31m\t" in menu and b"1Label 0m\t/next.gmi\t" in menu and
          b"iart [1m\t" in menu,
          "gopher: C1 controls in headings, text, labels and "
          "preformatted lines become spaces", menu)
    body, _ = d.gemini(d.url("/search?Title%C2%9B31m"))
    check(body.startswith(b"20 ") and not C1.search(body) and
          b"every word of: Title 31m\n" in body,
          "gemini search: a C1 control in the query is not reflected",
          body)
    menu = d.gopher(b"/search\tTitle\xc2\x9b31m")
    check(menu_ok(menu)[0] and not C1.search(menu),
          "gopher search: a C1 control in the query is not reflected",
          menu)
    r = d.gopher(b"/c1\xc2\x9b.gmi")
    check(r.startswith(b"3control character in selector\t"),
          "gopher: a selector with a C1 control is refused with a type 3 "
          "line that says why", r)
    root, _ = d.gemini(d.url("/bad%C2%9Bname.gmi"))
    check(root.startswith(b"51"), "gemini: a file named with a C1 "
          "control is not served", root)

    # Narrow terminals -----------------------------------------------
    words = PARAGRAPH.split() + LABEL.split() + HEADING.split()
    clients = [
        ("lynx", ["lynx", "gopher://127.0.0.1:%d/" % d.gopher_port]),
        ("sacc", ["sacc", "gopher://127.0.0.1:%d/" % d.gopher_port]),
        ("bombadillo", ["bombadillo", "gopher://127.0.0.1:%d/" %
                        d.gopher_port]),
    ]
    for name, argv in clients:
        if not shutil.which(name):
            for cols in (80, 40):
                for what in ("words", "underline"):
                    check(False, "%s at %d columns (%s): %s is installed "
                          "(apt-get install %s)" % (name, cols, what,
                                                    name, name))
            continue
        for cols in (80, 40):
            s = Screen(name, cols, argv, "%s/%s-%d" % (home, name, cols))
            try:
                ok, text = s.wait(lambda t: "capacity." in t and
                                  "career" in t.split("capacity.")[-1])
                missing = words_whole(text, words)
                check(ok and not missing,
                      "%s at %d columns: every word of the paragraph, "
                      "heading and link label is whole on screen" %
                      (name, cols), (missing, text))
                rules = underline_rows(text, "=")
                check(ok and len(rules) == 1,
                      "%s at %d columns: the heading's underline is one "
                      "line" % (name, cols), text)
            finally:
                s.close()
finally:
    d.stop()

# gopher wrap N --------------------------------------------------------


def displays(menu):
    """(type, display) of each line of a menu."""
    out = []
    for line in menu.split(b"\r\n"):
        if b"\t" in line:
            out.append((line[:1], line[1:line.index(b"\t")].decode()))
    return out


def run_clients(d, cols, words, home):
    for name in ("lynx", "sacc", "bombadillo"):
        if not shutil.which(name):
            check(False, "%s is installed (apt-get install %s)" % (name,
                                                                   name))
            continue
        s = Screen(name, cols, [name, "gopher://127.0.0.1:%d/" %
                                d.gopher_port], "%s/w-%s-%d" % (home, name,
                                                                cols))
        try:
            ok, text = s.wait(lambda t: "capacity." in t and
                              "career" in t.split("capacity.")[-1])
            missing = words_whole(text, words)
            check(ok and not missing and len(underline_rows(text, "=")) == 1,
                  "gopher wrap 67, %s at %d columns: every word whole, "
                  "the underline one line" % (name, cols), (missing, text))
        finally:
            s.close()


w = Daemon(files=FILES, conf="gopher wrap 67\n" + SERVER)
try:
    menu = w.gopher("/")
    lines = displays(menu)
    info = [t for k, t in lines if k == b"i"]
    want = textwrap.wrap(PARAGRAPH, 67)
    check(menu_ok(menu)[0] and all(c in info for c in want) and
          max(len(t) for t in want) > 60,
          "gopher wrap 67: the paragraph wrapped greedily at 67 columns",
          (want, menu))
    check(all(len(t) <= 67 for k, t in lines),
          "gopher wrap 67: no line of the menu wider than 67", menu)
    rule = [t for t in info if t and set(t) == {"="}]
    check(len(rule) == 1 and len(rule[0]) == len(HEADING) and
          HEADING in info and ("1" + LABEL).encode() in menu,
          "gopher wrap 67: the heading and the label on one line each, "
          "the underline as wide as the heading", menu)
    help_menu = w.gopher("/search")
    hl = displays(help_menu)
    check(menu_ok(help_menu)[0] and all(len(t) <= 67 for _, t in hl) and
          max(len(t) for _, t in hl) > 40,
          "gopher wrap 67: the search's help wrapped at 67 too", help_menu)
    run_clients(w, 80, PARAGRAPH.split() + LABEL.split() + HEADING.split(),
                tempfile.mkdtemp(dir=w.dir))
finally:
    w.stop()

w = Daemon(files=FILES, conf="gopher wrap 67\n" +
           SERVER.replace("\troot", "\tgopher wrap 20\n\troot", 1))
try:
    menu = w.gopher("/")
    lines = displays(menu)
    info = [t for k, t in lines if k == b"i"]
    check(menu_ok(menu)[0] and all(len(t) <= 20 for _, t in lines) and
          all(c in info for c in textwrap.wrap(PARAGRAPH, 20)),
          "gopher wrap 20 in the server beats the file's 67", menu)
    r = subprocess.run(["curl", "-s", "gopher://127.0.0.1:%d/1/search" %
                        w.gopher_port], capture_output=True,
                       timeout=10).stdout
    check(all(len(t) <= 20 for _, t in displays(r)) and
          b"This is the" in r,
          "gopher wrap 20: the search's help too (curl)", r)
finally:
    w.stop()

# Pages without a word ---------------------------------------------------
e = Daemon(files={"index.gmi": "", "sub/index.gmi": "", "pre.gmi":
                  "```\n```\n"})
try:
    body, _ = e.gemini(e.url("/"))
    check(body == b"20 text/gemini\r\n", "empty pages: the empty index is "
          "served on Gemini", body)
    menu = e.gopher("/")
    check(menu_ok(menu)[0], "empty pages: the root menu is well-formed",
          menu)
    body, _ = e.gemini(e.url("/search?anything"))
    check(body.startswith(b"20 ") and b"No page contains" in body,
          "empty pages: a search finds nothing and says so", body)
    menu = e.gopher("/search\tanything")
    check(menu_ok(menu)[0] and b"No page contains" in menu,
          "empty pages: the Gopher search says so too", menu)
finally:
    e.stop()

done()
