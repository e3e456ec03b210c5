"""
test_guestbook.py: issue 12's "done when": the guestbook of
tests/cgi/guestbook.sh, one sh script, takes a message through a Gemini
input prompt (10) in amfora and through a Gopher search item (the same
10, rendered as type 7) in lynx, and shows every message on both; once
as a CGI script (cgi on) and once through Debian's fcgiwrap (fastcgi
socket), both under tmux as a reader would use them.
"""

import os
import re
import shutil
import subprocess

from harness import Daemon, TEST_USER, check, done, plan, wait_for, _TMP
from screen import Screen, have

plan(13)

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "..", "cgi", "guestbook.sh")
DATA = os.path.join(_TMP, "guestbook")
SOCK = os.path.join(DATA, "fcgiwrap.sock")

CONF = """{user}server "localhost" {{
\troot "{root}"
\tcert "{crt}"
\tkey "{key}"
\tlisten gemini on 127.0.0.1 port {gemini_port}
\tlisten gopher on 127.0.0.1 port {gopher_port}
\tlocation "/cgi/*" {{
\t\tcgi on
\t\tparam GUESTBOOK "%(data)s/cgi-messages"
\t}}
\tlocation "/fcgi/*" {{
\t\tfastcgi socket "%(sock)s"
\t\tparam GUESTBOOK "%(data)s/fcgi-messages"
\t}}
}}
""" % {"data": DATA, "sock": SOCK}


def as_user(argv):
    """argv as the test user when root (fcgiwrap must not run scripts as
    root either), with an empty environment."""
    if os.geteuid() == 0 and TEST_USER:
        return ["setpriv", "--reuid=" + TEST_USER, "--regid=nogroup",
                "--clear-groups", "env", "-i"] + argv
    return ["env", "-i"] + argv


def amfora_signs(d, base, message):
    home = os.path.join(d.dir, "amfora-" + base.strip("/"))
    s = Screen("gb-amfora-" + base.strip("/"), ["amfora",
               d.url(base + "guestbook.sh")], home)
    try:
        ok, text = s.wait(lambda t: "Sign the guestbook" in t, 20)
        ok, text = s.press([("1",)], lambda t: "Your message for the "
                           "guestbook" in t and "Send" in t)
        check(ok, "amfora (%s): the link opens the input prompt (10)" % base,
              text)
        s.keys("-l", message)
        s.wait(lambda t: message in t, 5)
        # Enter moves from the field to Send, Enter again sends.
        for _ in range(3):
            s.keys("Enter")
            ok, text = s.wait(lambda t: message in t and "Send" not in t and
                              "# Guestbook" in t, 4)
            if ok:
                break
        check(ok, "amfora (%s): the message is sent and the guestbook, "
              "reached by the 30, shows it" % base, text)
    finally:
        s.close()


def lynx_signs(d, base, message):
    home = os.path.join(d.dir, "lynx-" + base.strip("/"))
    os.makedirs(home, exist_ok=True)
    url = "gopher://127.0.0.1:%d/1%sguestbook.sh" % (d.gopher_port, base)
    s = Screen("gb-lynx-" + base.strip("/"), ["lynx", "-nocolor", url], home)
    try:
        ok, text = s.wait(lambda t: "(DIR) Sign the guestbook" in t, 20)
        s.keys("Enter")
        ok, text = s.wait(lambda t: "(?)  Your message for the guestbook"
                          in t, 10)
        s.keys("Enter")
        ok2, text = s.wait(lambda t: "Enter a database query" in t, 10)
        check(ok and ok2, "lynx (%s): the link is a menu whose search item "
              "asks for the message" % base, text)
        s.keys("-l", message)
        s.keys("Enter")
        s.wait(lambda t: "(DIR) %sguestbook.sh" % base in t, 10)
        s.keys("Enter")
        # Gopher menus wrap at 29 columns (gopher wrap): the message may
        # take two rows, so the screen's words are compared.
        ok, text = s.wait(lambda t: message in " ".join(t.split()) and
                          "Guestbook" in t, 10)
        check(ok, "lynx (%s): the 30 is an item back to the guestbook, "
              "which shows the message" % base, text)
    finally:
        s.close()


def both_show(d, base, messages):
    page, _ = d.gemini(d.url(base + "guestbook.sh"))
    menu = d.gopher(base + "guestbook.sh")
    items = [x for x in page.decode().splitlines() if x.startswith("* ")]
    # An item wider than the wrap continues on the next info lines.
    words = " ".join(" ".join(x[1:].split("\t")[0] for x in
                              menu.decode().splitlines()
                              if x.startswith("i")).split())
    check(all(any(x.endswith(" " + m) for x in items) for m in messages),
          "Gemini (%s): every message, as a list item" % base, page)
    check(all(re.search(r"\* \d{4}-\d\d-\d\d " + re.escape(m) +
                        r"( |$)", words) for m in messages),
          "Gopher (%s): every message, as an info line" % base, menu)


os.makedirs(DATA)
os.chmod(DATA, 0o777)
FILES = {"index.gmi": "# Home\n\n=> /cgi/guestbook.sh Guestbook\n"}
d = Daemon(files=FILES, conf=CONF, start=False)
for sub in ("cgi", "fcgi"):
    os.makedirs(os.path.join(d.root, sub))
    shutil.copy(SCRIPT, os.path.join(d.root, sub, "guestbook.sh"))
    os.chmod(os.path.join(d.root, sub, "guestbook.sh"), 0o755)
wrap = subprocess.Popen(as_user(["/usr/sbin/fcgiwrap", "-s",
                                 "unix:" + SOCK]),
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    check(wait_for(lambda: os.path.exists(SOCK), 10),
          "fcgiwrap listens on its socket", SOCK)
    d.start()
    if have("tmux") and have("amfora") and have("lynx"):
        for base, how in (("/cgi/", "cgi"), ("/fcgi/", "fastcgi")):
            a = "hi from amfora via " + how
            b = "hello from lynx via " + how + " ok"
            amfora_signs(d, base, a)
            lynx_signs(d, base, b)
            both_show(d, base, [a, b])
finally:
    d.stop()
    wrap.terminate()
    try:
        wrap.wait(5)
    except subprocess.TimeoutExpired:
        wrap.kill()
        wrap.wait()

done()
