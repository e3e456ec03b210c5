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
import tempfile

from harness import Daemon, check, done, plan
from screen import Screen, have

plan(9)

CAPSULE = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..",
                                       "capsule"))
TITLE = "enhance: spotlight on leadership"
# On Gopher the title is wrapped at 29 columns: its first line.
GOPHER_TITLE = "enhance: spotlight on"
PART = "What leadership means"


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
            ok, text = s.wait(lambda t: GOPHER_TITLE in t and PART in t)
            check(ok, "sacc: opens the guide over Gopher", text)
            # g goes to the top, J to the next item that is a link, l
            # follows it.
            ok, text = s.press([("g",), ("J",), ("l",)], lambda t:
                               PART in t and "=====" in t and
                               "what-leadership-means.gmi" in t)
            check(ok, "sacc: follows the first link to part 1", text)
            ok, text = s.press([("h",)], lambda t: GOPHER_TITLE in t)
            check(ok, "sacc: goes back to the menu", text)
        finally:
            s.keys("q")
            s.close()

    if have("tmux") and have("bombadillo"):
        s = Screen("bombadillo", ["bombadillo", "gopher://127.0.0.1:%d/" %
                                  d.gopher_port], home + "/bombadillo")
        try:
            ok, text = s.wait(lambda t: GOPHER_TITLE in t and "[1]" in t)
            check(ok, "bombadillo: opens the guide over Gopher", text)
            # A link number then Enter follows it.
            ok, text = s.press([("1", "Enter")], lambda t: PART in t and
                               "what-leadership-means.gmi" in t and
                               "is within everybody." in t)
            check(ok, "bombadillo: follows link 1 to part 1", text)
        finally:
            s.keys("Escape", ":quit", "Enter")
            s.close()
finally:
    d.stop()

done()
