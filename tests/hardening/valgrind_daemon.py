"""
valgrind_daemon.py: the daemon itself under valgrind (memcheck) for a
few requests on both protocols, a SIGHUP reload (a new generation of
workers, the old one retiring) and SIGTERM.  Workers are forked, not
executed, so valgrind follows them: each process writes a log of its
own, and each must report no error and no definite or indirect leak.
"""

import glob
import os
import re
import signal
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..",
                                "integration"))
from harness import Daemon, check, done, plan  # noqa: E402

FILES = {"index.gmi": "# Home\n=> a.gmi A\n", "a.gmi": "# A\ntext\n",
         "notes.txt": "notes\n"}

plan(3)
d = Daemon(FILES, workers=2, start=False)
logs = os.path.join(d.dir, "vg")
os.makedirs(logs)
d.argv = ["valgrind", "--error-exitcode=99",
          "--leak-check=full", "--errors-for-leak-kinds=definite,indirect",
          "--show-leak-kinds=definite,indirect", "--track-fds=no",
          "--log-file=" + os.path.join(logs, "vg.%p")] + d.argv
try:
    d.start(timeout=120)
    answers = []
    for _ in range(3):
        answers.append(d.gemini(d.url("/a.gmi"), timeout=30)[0] ==
                       b"20 text/gemini\r\n# A\ntext\n")
        answers.append(d.gopher("/a.gmi", timeout=30).startswith(b"iA\t"))
        answers.append(d.gemini(d.url("/nope"), timeout=30)[0] ==
                       b"51 Not found\r\n")
        answers.append(d.gopher("/../x", timeout=30).startswith(b"3"))
    with open(os.path.join(d.root, "b.gmi"), "w") as f:
        f.write("# B\n")
    reloaded = d.reload(timeout=120)
    answers.append(d.gemini(d.url("/b.gmi"), timeout=30)[0] ==
                   b"20 text/gemini\r\n# B\n")
    answers.append(d.gopher("/notes.txt", timeout=30) == b"notes\n")
    check(all(answers) and reloaded,
          "valgrind: the daemon under memcheck answers %d requests and a "
          "SIGHUP" % len(answers), answers)
finally:
    rc = d.stop(signal.SIGTERM, timeout=120)
check(rc == 0, "valgrind: the daemon exits 0 after SIGTERM (no error "
      "seen by valgrind in the parent)", rc)

reports = sorted(glob.glob(os.path.join(logs, "vg.*")))
bad = []
for path in reports:
    with open(path) as f:
        text = f.read()
    if "ERROR SUMMARY: 0 errors" not in text or \
            re.search(r"(definitely|indirectly) lost: [1-9]", text) or \
            "Invalid " in text or "uninitialised" in text:
        bad.append(os.path.basename(path))
        for block in re.split(r"\n==\d+== \n", text):
            if "lost in loss record" in block or "Invalid " in block or \
                    "uninitialised" in block:
                bad.append(re.sub(r"==\d+== ", "", block)[:1200])
check(len(reports) >= 5 and not bad,
      "valgrind: %d processes (parent, 2 workers, 2 after the reload): no "
      "error, no definite or indirect leak" % len(reports))
for block in bad:
    print("#   " + block.replace("\n", "\n#   "))
done()
