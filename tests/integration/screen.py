"""
screen.py: an interactive client under tmux, for the tests that drive
real clients (amfora, sacc, bombadillo) the way a reader would.  Each
runs in its own tmux server (a private socket) with a throw-away HOME,
so no earlier trust-on-first-use record or configuration can interfere;
the screen is polled with capture-pane under a bounded timeout, never
slept on blindly.
"""

import os
import shutil
import subprocess
import time

from harness import check

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


