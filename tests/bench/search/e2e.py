"""
e2e.py [pages]: the search end to end, against the real daemon serving a
generated capsule (bench_search -g) on loopback.  Prints the latency of
ordinary Gopher requests alone, of search requests over Gopher and Gemini,
and of ordinary requests again while two clients keep searching, so that
the cost of search to everyone else shows.  Each phase is bounded in
count and time; the daemon and the capsule are removed at the end.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..",
                                "integration"))
from harness import Daemon, gemini_raw, plain_raw  # noqa: E402

PAGES = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
BENCH = os.environ.get("BENCH_SEARCH", "build/bench/bench_search")
PHASE_MAX = 15.0	# seconds any one phase may take


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p / 100))]


def report(name, xs):
    print("  %-44s n=%5d  p50 %7.2f  p99 %7.2f  max %7.2f ms" %
          (name, len(xs), pct(xs, 50) * 1e3, pct(xs, 99) * 1e3,
           max(xs) * 1e3))


def timed(fn, count):
    out = []
    deadline = time.time() + PHASE_MAX
    for _ in range(count):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
        if time.time() > deadline:
            break
    return out


def main():
    tmp = tempfile.mkdtemp(prefix="capsuled-e2e-search-")
    root = os.path.join(tmp, "capsule")
    subprocess.run([BENCH, "-g", root, "-n", str(PAGES)], check=True)
    d = Daemon(root=root, workers=2)
    try:
        page = "/d001/p00150.gmi"
        want = plain_raw("127.0.0.1", d.gopher_port, page.encode() +
                         b"\r\n")
        assert want.endswith(b".\r\n"), want[:80]
        print("end to end, %d generated pages, 2 workers, loopback:" %
              PAGES)

        def ordinary():
            r = plain_raw("127.0.0.1", d.gopher_port, page.encode() +
                          b"\r\n")
            assert r == want

        report("gopher page, alone", timed(ordinary, 1000))
        for q in ("leadership", "colleagues decisions", "lead",
                  "health care team"):
            req = ("/search\t" + q + "\r\n").encode()
            report("gopher search %r" % q, timed(
                lambda: plain_raw("127.0.0.1", d.gopher_port, req), 300))
            url = (d.url("/search") + "?" + q.replace(" ", "%20") +
                   "\r\n").encode()
            report("gemini search %r" % q, timed(
                lambda: gemini_raw("127.0.0.1", d.gemini_port, url,
                                   "localhost"), 100))

        stop = threading.Event()
        counts = [0, 0]

        def searcher(n):
            req = b"/search\tlead\r\n"
            deadline = time.time() + PHASE_MAX
            while not stop.is_set() and time.time() < deadline:
                plain_raw("127.0.0.1", d.gopher_port, req)
                counts[n] += 1

        threads = [threading.Thread(target=searcher, args=(n,))
                   for n in range(2)]
        for t in threads:
            t.start()
        t0 = time.time()
        xs = timed(ordinary, 1000)
        stop.set()
        for t in threads:
            t.join(PHASE_MAX + 5)
        report("gopher page, while 2 clients search 'lead'", xs)
        print("  (the 2 clients made %d searches in %.1f s)" %
              (sum(counts), time.time() - t0))
    finally:
        d.stop()
        shutil.rmtree(tmp, ignore_errors=True)


main()
