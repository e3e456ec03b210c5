"""
test_standin.py: proof that the rules suites test the server, not
themselves.  test_gemini_rules.py and test_gopher_rules.py are run,
unchanged, against standin.py instead of capsuled: once against a
server that accepts every connection and never answers or closes, and
once against one that answers every request with the same bytes.  Each
time at least 95% of their planned checks must fail (a check that never
ran, because the suite gave up, counts as failed).  What may still pass
is what any server that leaks nothing and speaks sane TLS gets right:
no byte from outside the capsule, no content without TLS, no early data.

The four runs wait mostly on timeouts, so they run at once, with each
client timeout capped at 0.1 s (CAPSULED_TEST_WAIT; capsuled answers in
milliseconds, the stand-ins never or at once).

asan: left out (no capsuled runs here: the stand-in is the server)
"""

import os
import re
import subprocess
import sys

from harness import check, done, plan

HERE = os.path.dirname(os.path.abspath(__file__))
RUNS = [(suite, mode) for suite in ("test_gemini_rules.py",
                                    "test_gopher_rules.py")
        for mode in ("silent", "same")]

plan(len(RUNS))

procs = []
for suite, mode in RUNS:
    env = dict(os.environ, CAPSULED=os.path.join(HERE, "standin.py"),
               CAPSULED_STANDIN=mode, CAPSULED_TEST_WAIT="0.1")
    env.pop("CAPSULED_SANITIZED", None)
    procs.append(subprocess.Popen(
        [sys.executable, os.path.join(HERE, suite)], env=env, cwd=HERE,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT))
outs = []
for p in procs:
    try:
        out, _ = p.communicate(timeout=200)
    except subprocess.TimeoutExpired:
        p.kill()
        out, _ = p.communicate()
    outs.append(out.decode(errors="replace"))

for (suite, mode), out in zip(RUNS, outs):
    m = re.search(r"^1\.\.(\d+)$", out, re.M)
    planned = int(m.group(1)) if m else 0
    passed = re.findall(r"^ok - (.*)$", out, re.M)
    failed = planned - len(passed)
    check(planned > 50 and failed >= 0.95 * planned,
          "standin: %s against a server that %s: %d of its %d checks fail"
          % (suite, "never answers" if mode == "silent" else
             "answers everything with the same bytes", failed, planned),
          passed)

done()
