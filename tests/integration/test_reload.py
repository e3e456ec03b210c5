"""
test_reload.py: SIGHUP, SIGTERM and worker supervision on a running
capsuled.  New content appears on both protocols after SIGHUP; ten
SIGHUPs under a concurrent load lose no request; a broken reload keeps
the old content; requests in flight finish on the content they started
with; SIGTERM lets them finish too; a killed worker is replaced.
"""

import os
import signal
import socket
import threading
import time

from harness import (check, Daemon, done, gemini_raw, gopher_menu, plain_raw,
                     plan, read_all, wait_for)

plan(22)

FILES = {
    "index.gmi": "# Home\n=> a.gmi A\n",
    "a.gmi": "# A\n" + "word " * 600 + "\n",
}



d = Daemon(FILES, workers=2)
try:
    r, _ = d.gemini(d.url("/b.gmi"))
    check(r == b"51 Not found\r\n", "reload: page absent before", r)
    with open(os.path.join(d.root, "b.gmi"), "w") as f:
        f.write("# B\nnew page\n")
    before = d.workers()
    check(d.reload(), "reload: SIGHUP with a new page succeeds",
          d.logtext())
    r, _ = d.gemini(d.url("/b.gmi"))
    check(r == b"20 text/gemini\r\n# B\nnew page\n",
          "reload: new page served on Gemini after SIGHUP", r)
    g = d.gopher("/b.gmi")
    check(g.startswith(b"iB\t"), "reload: new page served on Gopher after "
          "SIGHUP", g)
    check(wait_for(lambda: not (set(before) & set(d.workers()))),
          "reload: the old generation of workers exits", (before,
                                                          d.workers()))
    check(len(d.workers()) == 2, "reload: a full new generation runs",
          d.workers())

    # A request in flight keeps the content it started with.
    s = socket.create_connection(("127.0.0.1", d.gopher_port), 5)
    s.sendall(b"/b.g")
    time.sleep(0.2)
    with open(os.path.join(d.root, "b.gmi"), "w") as f:
        f.write("# B2\nchanged\n")
    check(d.reload(), "reload: second SIGHUP succeeds")
    s.sendall(b"mi\r\n")
    data = read_all(s)
    s.close()
    check(data.startswith(b"iB\t"), "reload: a request in flight finishes "
          "on the old content", data)
    g = d.gopher("/b.gmi")
    check(g.startswith(b"iB2\t"), "reload: new requests see the new "
          "content", g)

    # Once the parent says "serving", no old worker takes a connection:
    # every request after each reload sees that reload's content.
    stale = []
    for n in range(5):
        with open(os.path.join(d.root, "c.gmi"), "w") as f:
            f.write("# C%d\n" % n)
        d.reload()
        for _ in range(10):
            r, _ = d.gemini(d.url("/c.gmi"))
            if r != b"20 text/gemini\r\n# C%d\n" % n:
                stale.append((n, r))
    check(not stale, "reload: right after a reload no request gets the "
          "old content (5 reloads x 10 requests)", stale[:3])

    # A reload that fails changes nothing.
    away = d.root + ".away"
    os.rename(d.root, away)
    check(not d.reload(), "reload: with the capsule renamed away it fails")
    check("reload failed, keeping the current content" in d.logtext(),
          "reload: the failure is logged with its reason", d.logtext()[-500:])
    r, _ = d.gemini(d.url("/b.gmi"))
    check(r == b"20 text/gemini\r\n# B2\nchanged\n",
          "reload: the old content is still served after a failed reload",
          r)
    os.rename(away, d.root)

    # Directory symlinks that fan out (8 levels, 10 links each to the
    # next level: 10^7 paths, not one file in them) must hit the limit
    # on files and directories, not walk for hours: the reload fails
    # soon and the old content stays.
    fan = os.path.join(d.root, "fan")
    for lvl in range(8):
        os.makedirs(os.path.join(fan, "d%d" % lvl))
    for lvl in range(7):
        for k in range(10):
            os.symlink("../d%d" % (lvl + 1),
                       os.path.join(fan, "d%d" % lvl, "l%d" % k))
    t0 = time.monotonic()
    failed = not d.reload(timeout=60)
    took = time.monotonic() - t0
    check(failed and "too many files in capsule" in d.logtext() and
          took < 30, "reload: 10^7 symlinked directories stop at the "
          "file and directory limit (%.1f s)" % took, d.logtext()[-300:])
    r, _ = d.gemini(d.url("/b.gmi"))
    check(r == b"20 text/gemini\r\n# B2\nchanged\n",
          "reload: the old content is still served after that", r)
    for lvl in range(7):
        for k in range(10):
            os.unlink(os.path.join(fan, "d%d" % lvl, "l%d" % k))
    for lvl in range(8):
        os.rmdir(os.path.join(fan, "d%d" % lvl))
    os.rmdir(fan)

    # Ten SIGHUPs while four clients keep asking: no request may fail.
    want_gem = b"20 text/gemini\r\n" + FILES["a.gmi"].encode()
    # a.gmi as the rules render it: 600 words wrapped at 29 columns are
    # 100 lines of 6 words, exactly 29 columns each (the last word's
    # space falls at the end of the last line).
    want_gopher = gopher_menu(["iA", "i="] +
                              ["iword" + " word" * 5] * 100, d.gopher_port)
    stop = threading.Event()
    stats = {"ok": 0, "bad": []}
    lock = threading.Lock()

    def load(n):
        deadline = time.time() + 60
        i = 0
        while not stop.is_set() and time.time() < deadline and i < 5000:
            i += 1
            try:
                if (i + n) % 2:
                    r, clean = gemini_raw("127.0.0.1", d.gemini_port,
                                          (d.url("/a.gmi") +
                                           "\r\n").encode(), "localhost")
                    good = r == want_gem and clean
                else:
                    r = plain_raw("127.0.0.1", d.gopher_port, b"/a.gmi\r\n")
                    good = r == want_gopher
            except OSError as e:
                r, good = repr(e).encode(), False
            with lock:
                if good:
                    stats["ok"] += 1
                else:
                    stats["bad"].append(r[:80])

    threads = [threading.Thread(target=load, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    reloads = 0
    for _ in range(10):
        time.sleep(0.15)
        reloads += d.reload()
    time.sleep(0.3)
    stop.set()
    for t in threads:
        t.join(70)
    check(reloads == 10, "load: ten SIGHUPs all succeed", reloads)
    check(stats["ok"] > 100 and not stats["bad"],
          "load: no request lost during ten reloads (%d answered)" %
          stats["ok"], stats["bad"][:5])

    # A worker that dies is replaced.
    victim = d.workers()[0]
    os.kill(victim, signal.SIGKILL)
    check(wait_for(lambda: len(d.workers()) == 2 and
                   victim not in d.workers()),
          "supervision: a killed worker is replaced", d.workers())
    r, _ = d.gemini(d.url("/"))
    check(r.startswith(b"20 "), "supervision: still serving after the "
          "replacement", r)

    # SIGTERM: stop accepting, finish what is in flight, exit 0.
    s = socket.create_connection(("127.0.0.1", d.gopher_port), 5)
    s.sendall(b"/a.g")
    time.sleep(0.2)
    d.send(signal.SIGTERM)
    time.sleep(0.3)
    s.sendall(b"mi\r\n")
    data = read_all(s)
    s.close()
    check(data == want_gopher, "shutdown: a request in flight at SIGTERM "
          "is answered", data[:80])
    rc = d.proc.wait(20)
    check(rc == 0, "shutdown: the daemon exits 0 after SIGTERM", rc)
    try:
        socket.create_connection(("127.0.0.1", d.gopher_port), 1).close()
        refused = False
    except OSError:
        refused = True
    check(refused, "shutdown: nothing listens afterwards")
finally:
    d.stop()

done()
