"""
test_retire.py: TIMEOUT_RETIRE, by its effect.  A client reads a 16 MiB
streamed file slowly (8 KiB every 50 ms, about 160 KB/s: 100 s for the
whole file) while SIGHUP retires the worker serving it.  The retired
worker keeps the client for 60 s after the reload, then exits, cutting
it short; all that time the client kept making progress, so the default
10 s response deadline, which counts inactivity, never cut it.  The
test waits a minute for that, so a sanitizer build is spared it (the
retirement's other paths run there in test_reload.py).

It runs in the background while the other files run (test-background:
yes): it only waits, and binds no fixed port.

asan: left out (a minute of waiting for one constant)
"""

import os
import socket
import threading
import time

from harness import Daemon, check, done, plan, wait_for

plan(2)

STREAM = os.urandom(16 * 1024 * 1024)
retire = {}


def gone(pid):
    """pid has exited: no such process, or a zombie nobody reaps."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except OSError:
        return True


def slow_reader(port):
    """Slowly until the retired worker has exited; what the kernel still
    holds of the response then comes at full speed."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.settimeout(20)
    s.connect(("127.0.0.1", port))
    s.sendall(b"/big.bin\r\n")
    got, end = 0, "eof"
    try:
        while True:
            b = s.recv(8192)
            if not b:
                break
            got += len(b)
            if got > 65536 and "reading" not in retire:
                retire["reading"] = time.monotonic()
            if "exited" not in retire:
                time.sleep(0.05)
    except ConnectionResetError:
        end = "reset"
    except socket.timeout:
        end = "timeout"
    retire["got"], retire["end"] = got, end
    s.close()


d = Daemon({"index.gmi": "# Home\n", "big.bin": STREAM}, workers=1)
rc = None
try:
    old = d.workers()[0]
    reader = threading.Thread(target=slow_reader, args=(d.gopher_port,))
    reader.start()
    wait_for(lambda: "reading" in retire, 10)
    reloaded = d.reload()
    t0 = time.monotonic()
    # When the parent has reaped the retired worker, it has exited.
    wait_for(lambda: gone(old), 90, 0.05)
    retire["exited"] = time.monotonic()
    reader.join(60)
finally:
    rc = d.stop()

took = retire.get("exited", 0) - t0
check(reloaded and 59 <= took < 65 and
      0 < retire.get("got", 0) < len(STREAM) and retire.get("end") == "eof",
      "retire: a retired worker keeps a client that is still reading, then "
      "exits %.1f s after the reload (TIMEOUT_RETIRE 60), cutting it after "
      "%.0f s of slow reading that no 10 s response deadline cut (%d of %d "
      "bytes)" % (took, retire.get("exited", 0) - retire.get("reading", 0),
                  retire.get("got", 0), len(STREAM)), retire)
check(gone(old) and rc == 0,
      "retire: the retired worker is gone; the daemon stops with 0",
      (old, rc))

done()
