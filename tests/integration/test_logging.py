"""
test_logging.py: the access log.  One line per request, written when
the connection finishes, with time, client, protocol, host, the request
(control bytes escaped, long ones cut), status, bytes sent and
milliseconds; no line for a connection that never asked anything; a
client that leaves in the middle of a response is logged with what it
got.  `access-log off` writes nothing; without an access-log directive
the lines go to the daemon's log.  SIGUSR1 after moving the file away
(as logrotate does) sends new lines to a new file and, under a
concurrent load, loses none; if the file cannot be reopened the old one
is kept.
"""

import os
import re
import signal
import socket
import threading
import time

from harness import (SERVER, check, Daemon, done, gemini_raw, plain_raw,
                     wait_for, plan)

plan(25)

LINE = re.compile(r'^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4}) (\S+) '
                  r'(gemini|gopher) (\S+) "((?:[^"\\]|\\x[0-9a-f]{2})*)" '
                  r'(\d+|-) (\d+) (\d+)$')

CONF = """{user}prefork 2
access-log "{dir}/logs/access.log"
""" + SERVER

FILES = {"index.gmi": "# Home\n", "a.gmi": "# A\n",
         "big.bin": b"x" * (8 * 1024 * 1024)}



def lines(path):
    try:
        with open(path) as f:
            return f.read().splitlines()
    except FileNotFoundError:
        return []


def parsed(path):
    return [LINE.match(line) for line in lines(path)]


os.umask(0o022)
d = Daemon(FILES, start=False, conf=CONF)
os.makedirs(os.path.join(d.dir, "logs"))
d.start()
log = os.path.join(d.dir, "logs", "access.log")
try:
    url = d.url("/a.gmi")
    r, _ = d.gemini(url)
    check(wait_for(lambda: len(lines(log)) == 1), "access: one line after "
          "one request", lines(log))
    m = parsed(log)[0]
    check(m is not None and m.group(2) == "127.0.0.1" and
          m.group(3) == "gemini" and m.group(4) == "localhost" and
          m.group(5) == url and m.group(6) == "20" and
          int(m.group(7)) == len(r) and int(m.group(8)) < 5000,
          "access: time, client, protocol, host, request, status, bytes, "
          "ms", lines(log))
    check(abs(time.mktime(time.strptime(m.group(1)[:19],
                                        "%Y-%m-%dT%H:%M:%S")) -
              time.time()) < 120 if m else False,
          "access: the time is now", lines(log))

    # Hostile requests: escaped, cut, still one line each.
    d.gemini(d.url("/\x1b[31mred\"q\\"))
    d.gemini(d.url("/" + "a" * 1500))
    d.gopher("/a.gmi")
    d.gopher("/missing")
    d.gopher("/s\tsearch words")
    d.gopher("/\u00e9t\u00e9\x01x")
    socket.create_connection(("127.0.0.1", d.gopher_port), 5).close()
    check(wait_for(lambda: len(lines(log)) == 7), "access: one line per "
          "request, none for a connection without one (%d)" %
          len(lines(log)), lines(log))
    got = parsed(log)
    check(all(got), "access: every line has the documented form",
          [l for l, m in zip(lines(log), got) if not m])
    reqs = [m.group(5) if m else None for m in got]
    check(reqs[1] is not None and "\\x1b[31mred\\x22q\\x5c" in reqs[1] and
          got[1].group(6) == "59",
          "access: control bytes, quotes and backslashes are escaped",
          reqs[1])
    check(reqs[2] is not None and reqs[2].endswith("...") and
          len(reqs[2]) == 512 + 3 and got[2].group(6) == "59",
          "access: an over-long request is cut at 512 bytes and marked",
          reqs[2])
    check(reqs[3] == "/a.gmi" and got[3].group(3) == "gopher" and
          got[3].group(6) == "-", "access: a Gopher request, status -",
          lines(log)[3])
    check(reqs[4] == "/missing" and got[4].group(6) == "3",
          "access: a Gopher error, status 3", lines(log)[4])
    check(reqs[5] == "/s\\x09search words",
          "access: the Gopher search TAB is escaped", reqs[5])
    check(reqs[6] == "/\u00e9t\u00e9\\x01x",
          "access: UTF-8 kept, control bytes escaped", reqs[6])

    # A client that leaves early is logged with the bytes it got.
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.settimeout(5)
    s.connect(("127.0.0.1", d.gopher_port))
    s.sendall(b"/big.bin\r\n")
    s.recv(1000)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                 b"\x01\x00\x00\x00\x00\x00\x00\x00")
    s.close()
    check(wait_for(lambda: len(lines(log)) == 8, 15),
          "access: a client gone mid-response is logged", lines(log)[-1:])
    m = parsed(log)[-1]
    check(m is not None and m.group(5) == "/big.bin" and
          0 < int(m.group(7)) < len(FILES["big.bin"]),
          "access: with the bytes it was sent", lines(log)[-1:])

    # SIGUSR1 after logrotate's mv: new lines in a new file.
    os.rename(log, log + ".1")
    d.send(signal.SIGUSR1)
    check(wait_for(lambda: "reopened the log files" in d.logtext()),
          "rotate: SIGUSR1 reopens the files", d.logtext()[-300:])
    d.gemini(d.url("/"))
    check(wait_for(lambda: len(lines(log)) == 1) and
          len(lines(log + ".1")) == 8,
          "rotate: the next line lands in the new file, the old file "
          "keeps its 8", (lines(log), len(lines(log + ".1"))))
    check(os.stat(log).st_mode & 0o777 == 0o640,
          "rotate: the new file is created mode 0640",
          oct(os.stat(log).st_mode))

    # Again, under load: every answered request is in one of the files.
    os.remove(log + ".1")
    stop = threading.Event()
    count = [0, 0]
    lock = threading.Lock()

    def load(n):
        deadline = time.time() + 30
        while not stop.is_set() and time.time() < deadline:
            try:
                if n % 2:
                    r, clean = gemini_raw("127.0.0.1", d.gemini_port,
                                          (url + "\r\n").encode(),
                                          "localhost")
                    good = clean and r.startswith(b"20 ")
                else:
                    good = plain_raw("127.0.0.1", d.gopher_port,
                                     b"/a.gmi\r\n").startswith(b"iA")
            except OSError:
                good = False
            with lock:
                count[0 if good else 1] += 1

    threads = [threading.Thread(target=load, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    time.sleep(0.5)
    os.rename(log, log + ".1")
    reopened = d.logtext().count("reopened the log files")
    d.send(signal.SIGUSR1)
    wait_for(lambda: d.logtext().count("reopened the log files") >
             reopened)
    time.sleep(0.5)
    stop.set()
    for t in threads:
        t.join(40)

    def total():
        return len(lines(log)) + len(lines(log + ".1"))

    check(wait_for(lambda: total() == count[0] + 1),
          "rotate: under load no line is lost (%d requests)" % count[0],
          (count, total()))
    check(count[1] == 0, "rotate: no request failed during the reopen",
          count)
    check(len(lines(log)) > 0 and len(lines(log + ".1")) > 1,
          "rotate: lines before and after the reopen are in their files",
          (len(lines(log)), len(lines(log + ".1"))))

    # The directory is gone: reopening fails, the old file is kept.
    os.rename(os.path.join(d.dir, "logs"), os.path.join(d.dir, "away"))
    d.send(signal.SIGUSR1)
    check(wait_for(lambda: "cannot reopen the log files, keeping the old "
                   "ones" in d.logtext()),
          "rotate: a file that cannot be reopened is reported",
          d.logtext()[-300:])
    before = len(lines(os.path.join(d.dir, "away", "access.log")))
    d.gemini(url)
    check(wait_for(lambda: len(lines(os.path.join(
        d.dir, "away", "access.log"))) == before + 1),
          "rotate: and lines still go to the old file")
finally:
    d.stop()

# access-log off: nothing anywhere (by default the lines would go to
# the daemon's log).  Absence is checked once the daemon has exited:
# every line it would ever write is written by then.
d = Daemon(FILES, conf=CONF.replace(
    'access-log "{dir}/logs/access.log"', "access-log off"))
try:
    served = d.gemini(d.url("/"))[0].startswith(b"20 ") and \
        d.gopher("/").startswith(b"iHome")
finally:
    rc = d.stop()
check(served and rc == 0 and "shutting down" in d.logtext() and
      "access:" not in d.logtext() and
      sorted(os.listdir(d.dir)) == ["capsule", "capsuled.conf", "log"],
      "access-log off: two requests served, no access line in the daemon's "
      "log, no file made", (d.logtext(), os.listdir(d.dir)))

d = Daemon(FILES, conf=CONF.replace(
    'access-log "{dir}/logs/access.log"\n', ""))
try:
    d.gemini(d.url("/"))
    check(wait_for(lambda: re.search(
        r'worker: access: \S+ 127\.0\.0\.1 gemini localhost "gemini://'
        r'localhost:\d+/" 20 \d+ \d+\n', d.logtext()) is not None),
          "access-log default: lines go to the daemon's log", d.logtext())
finally:
    d.stop()

# Quick mode: access lines only with -v (the harness passes -v).
d = Daemon(FILES)
try:
    d.gopher("/")
    check(wait_for(lambda: 'gopher localhost "/" - ' in d.logtext()),
          "quick mode -v: access lines on stderr", d.logtext())
finally:
    d.stop()
d = Daemon(FILES, start=False)
d.argv.remove("-v")
d.start()
try:
    served = d.gopher("/").startswith(b"iHome")
finally:
    rc = d.stop()
check(served and rc == 0 and "shutting down" in d.logtext() and
      "access:" not in d.logtext(),
      "quick mode without -v: a request served, and no access line by "
      "the time the daemon has exited", d.logtext())

done()
