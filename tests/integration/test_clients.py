"""
test_clients.py: real interactive clients, driven under tmux the way a
reader would use them, open the shipped guide and follow a link:
amfora on Gemini, sacc and bombadillo on Gopher.  Each runs in its own
tmux server (a private socket) with a throw-away HOME, so no earlier
trust-on-first-use record or configuration can interfere; the screen is
polled with capture-pane under a bounded timeout, never slept on
blindly.  (lynx -dump and curl read the Gopher side in test_gopher.py
and test_capsule.py.)
"""

import os
import shutil
import subprocess
import tempfile
import time

from harness import Daemon, check, done, plan

plan(9)

CAPSULE = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..",
                                       "capsule"))
TITLE = "enhance: spotlight on leadership"
PART = "What leadership means"
COLS = 132
NUDGE_AFTER = 5         # s without the expected screen before a redraw


class Screen:
    """One client in a detached tmux session of its own."""

    def __init__(self, name, argv, home):
        self.sock = "capsuled-test-%d-%s" % (os.getpid(), name)
        env = ["env", "HOME=" + home, "XDG_CONFIG_HOME=" + home + "/.config",
               "XDG_DATA_HOME=" + home + "/.local/share",
               "XDG_CACHE_HOME=" + home + "/.cache", "LANG=C.UTF-8",
               "TERM=xterm-256color", "PAGER=cat"]
        self.nudges = 0
        self.tmux("new-session", "-d", "-x", str(COLS), "-y", "45", "-s", "t",
                  " ".join("'%s'" % a for a in env + argv))

    def tmux(self, *args):
        return subprocess.run(["tmux", "-L", self.sock, "-f", "/dev/null"] +
                              list(args), capture_output=True, text=True,
                              timeout=10)

    def text(self):
        return self.tmux("capture-pane", "-p", "-t", "t").stdout

    def keys(self, *keys):
        self.tmux("send-keys", "-t", "t", *keys)

    def wait(self, pred, timeout=20):
        """Poll the screen until pred(text) holds; the last text.

        amfora and bombadillo now and then finish loading a page (their
        status line says so) without drawing it until the next terminal
        event -- a race in the clients' own drawing, one run in a few.
        So after NUDGE_AFTER seconds without the expected screen, resize
        the window by one column and back: the SIGWINCH makes the client
        redraw what it has, as a reader's terminal would."""
        deadline = time.time() + timeout
        nudge = time.time() + NUDGE_AFTER
        text = ""
        while time.time() < deadline:
            text = self.text()
            if pred(text):
                return True, text
            if time.time() > nudge:
                self.redraw()
                nudge = time.time() + NUDGE_AFTER
            time.sleep(0.1)
        return False, text

    def redraw(self):
        self.nudges += 1
        self.tmux("resize-window", "-t", "t", "-x", str(COLS - 1))
        time.sleep(0.2)
        self.tmux("resize-window", "-t", "t", "-x", str(COLS))

    def press(self, keys, pred, tries=3, timeout=6):
        """Send keys until pred(text) holds: a client still busy drawing
        may drop a key, so try again, a bounded number of times."""
        ok, text = False, ""
        for _ in range(tries):
            before = self.text()
            for k in keys:
                self.keys(*k)
            ok, text = self.wait(pred, timeout)
            if ok:
                break
            if text != before:
                # The key was taken; the client is just slow.
                return self.wait(pred, 20)
        return ok, text

    def close(self):
        if self.nudges:
            print("# %s: the screen was redrawn %d time(s) by a resize"
                  % (self.sock, self.nudges))
        self.tmux("kill-server")


def have(tool):
    if shutil.which(tool):
        return True
    check(False, "%s is installed (apt-get install %s)" % (tool, tool))
    return False


d = Daemon(root=CAPSULE, ipv6=True)
home = tempfile.mkdtemp(dir=d.dir)
try:
    if have("tmux") and have("amfora"):
        s = Screen("amfora", ["amfora", d.url("/")], home + "/amfora")
        try:
            ok, text = s.wait(lambda t: TITLE in t and "[1]" in t)
            check(ok, "amfora: opens the guide over Gemini",
                  None if ok else text + d.logtext()[-3000:])
            # The links are numbered; a digit follows one.
            ok, text = s.press([("1",)], lambda t: "# " + PART in t and
                               "/guide/what-leadership-means.gmi" in t)
            check(ok, "amfora: follows the link to part 1 of the guide",
                  text)
            ok, text = s.wait(lambda t: "Leadership is within everybody"
                              in t)
            check(ok, "amfora: shows the page's text", text)
            # And on, by the page's own "Next" link.
            ok, text = s.press([("1",)], lambda t:
                               "/guide/why-it-matters.gmi" in t and
                               "# Why it matters early" in t)
            check(ok, "amfora: follows the page's Next link to part 2", text)
        finally:
            s.keys("q")
            s.close()

    if have("tmux") and have("sacc"):
        s = Screen("sacc", ["sacc", "gopher://127.0.0.1:%d/" %
                            d.gopher_port], home + "/sacc")
        try:
            ok, text = s.wait(lambda t: TITLE in t and PART in t)
            check(ok, "sacc: opens the guide over Gopher", text)
            # g goes to the top, J to the next item that is a link, l
            # follows it.
            ok, text = s.press([("g",), ("J",), ("l",)], lambda t:
                               PART in t and "=====" in t and
                               "what-leadership-means.gmi" in t)
            check(ok, "sacc: follows the first link to part 1", text)
            ok, text = s.press([("h",)], lambda t: TITLE in t)
            check(ok, "sacc: goes back to the menu", text)
        finally:
            s.keys("q")
            s.close()

    if have("tmux") and have("bombadillo"):
        s = Screen("bombadillo", ["bombadillo", "gopher://127.0.0.1:%d/" %
                                  d.gopher_port], home + "/bombadillo")
        try:
            ok, text = s.wait(lambda t: TITLE in t and "[1]" in t)
            check(ok, "bombadillo: opens the guide over Gopher", text)
            # A link number then Enter follows it.
            ok, text = s.press([("1", "Enter")], lambda t: PART in t and
                               "what-leadership-means.gmi" in t and
                               "Leadership is within everybody" in t)
            check(ok, "bombadillo: follows link 1 to part 1", text)
        finally:
            s.keys("Escape", ":quit", "Enter")
            s.close()
finally:
    d.stop()

done()
