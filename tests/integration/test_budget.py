"""
test_budget.py: the snapshot's budget.  test-timeout: 600
- One gemtext file of 16,000,000 empty lines (its Gopher menu would be
  over 300 MB) is refused, naming it and SNAPSHOT_REPLY_MAX, by -n and at
  startup, with the parent's peak memory well under 256 MiB.
- `snapshot-max` bounds the whole snapshot: files, replies and the
  search index (its working memory too); past it the daemon does not
  start, saying which file and which limit.
- On SIGHUP a capsule grown past the budget fails the reload with the
  reason, the old content stays served; once it fits again, the reload
  works.
"""

import json
import os
import subprocess
import sys

from harness import SERVER, CAPSULED, Daemon, check, done, plan

plan(9)

MIB = 1024 * 1024

# Peak resident memory of one run, measured by a process of its own.
MEASURE = """
import json, resource, subprocess, sys
p = subprocess.run(sys.argv[1:], capture_output=True, text=True, timeout=120)
print(json.dumps([p.returncode, p.stderr,
                  resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss]))
"""


def measured(argv):
    out = subprocess.run([sys.executable, "-c", MEASURE] + argv,
                         capture_output=True, text=True, timeout=180)
    rc, err, kib = json.loads(out.stdout)
    return rc, err, kib / 1024


d = Daemon({"index.gmi": b"\n" * 16000000}, start=False)
rc, err, mib = measured([CAPSULED, "-n", "-H", "localhost", "-c", d.crt,
                         "-k", d.key, d.root])
check(rc == 1 and "capsuled: /index.gmi: its reply would pass 64 MiB "
      "(SNAPSHOT_REPLY_MAX)" in err,
      "-n: 16,000,000 empty lines are refused, naming the file and the "
      "limit", err)
if os.environ.get("CAPSULED_SANITIZED"):
    # ASan's shadow memory and quarantine are no measure of ours.
    check(rc == 1, "-n: refused under a sanitizer too (%.0f MiB there, "
          "not compared)" % mib, mib)
else:
    check(mib < 256, "-n: the parent peaks at %.0f MiB before it refuses "
          "(under 256)" % mib, mib)
try:
    d.start(timeout=120)    # refusing takes seconds on a loaded machine
    check(False, "startup: the daemon does not start on that capsule")
except RuntimeError as e:
    check("/index.gmi: its reply would pass 64 MiB" in str(e),
          "startup: the daemon does not start, and says why", str(e))

# snapshot-max: 3 MiB of files in a 2 MiB budget.
conf = '{user}snapshot-max 2M\n' + SERVER
d = Daemon({"index.gmi": "# Home\n", "a.bin": os.urandom(MIB),
            "b.bin": os.urandom(MIB), "c.bin": os.urandom(MIB)},
           conf=conf, start=False)
try:
    d.start()
    check(False, "snapshot-max: 3 MiB of files in 2 MiB do not start")
except RuntimeError as e:
    check("the snapshot would pass snapshot-max (2 MiB)" in str(e) and
          ".bin:" in str(e),
          "snapshot-max: 3 MiB of files in 2 MiB do not start, naming the "
          "file and the limit", str(e))

# The search index counts: a page of 300,000 distinct words (2.4 MB)
# fits in 16 MiB as a file, not with its index.
words = " ".join("w%d" % i for i in range(300000)) + "\n"
conf = '{user}snapshot-max 16M\n' + SERVER
d = Daemon({"index.gmi": "# Home\n", "words.gmi": words}, conf=conf,
           start=False)
try:
    d.start()
    check(False, "snapshot-max: the search index is counted")
except RuntimeError as e:
    check("search index:" in str(e) and ("snapshot-max" in str(e) or
                                          "indexing would take" in str(e)),
          "snapshot-max: the search index is counted, and the message "
          "says so", str(e))
conf2 = '{user}snapshot-max 16M\n' + SERVER.replace(
    "\tlisten gemini", "\tsearch off\n\tlisten gemini", 1)
d2 = Daemon({"index.gmi": "# Home\n", "words.gmi": words}, conf=conf2)
try:
    r, _ = d2.gemini(d2.url("/words.gmi"))
    check(r.startswith(b"20 "), "snapshot-max: without the search the same "
          "capsule fits", r[:40])
finally:
    d2.stop()

# A reload past the budget fails and keeps the content.
conf = '{user}snapshot-max 4M\n' + SERVER
d = Daemon({"index.gmi": "# Old content\n"}, conf=conf)
try:
    with open(os.path.join(d.root, "index.gmi"), "w") as f:
        f.write("# New content\n")
    # Files up to inline-max (1 MiB) are held in memory, and count.
    for i in range(6):
        with open(os.path.join(d.root, "big%d.bin" % i), "wb") as f:
            f.write(os.urandom(900 * 1024))
    ok = d.reload()
    r, _ = d.gemini(d.url("/"))
    check(not ok and "reload failed, keeping the current content: "
          "/big" in d.logtext() and ".bin: the snapshot would pass "
          "snapshot-max (4 MiB)" in d.logtext(),
          "reload: past snapshot-max it fails, saying why",
          d.logtext()[-400:])
    check(r == b"20 text/gemini\r\n# Old content\n",
          "reload: the old content is still served", r)
    for i in range(6):
        os.unlink(os.path.join(d.root, "big%d.bin" % i))
    ok = d.reload()
    r, _ = d.gemini(d.url("/"))
    check(ok and r == b"20 text/gemini\r\n# New content\n",
          "reload: once it fits again, the new content is served", r)
finally:
    d.stop()

done()
