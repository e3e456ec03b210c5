"""
test_logstyle.py: what reaches the logs.
- File names that are not served are logged escaped: a name holding a
  newline and ESC[31m forges no line and sends no escape to a terminal;
  the same for a symlink that leaves the capsule and for the reason a
  reload failed.
- `log style common` and `log style combined` write Apache's formats
  (common with the server name first, as gmid does) to the access log;
  `log style capsuled` is the default's.
- Access lines that go with the daemon's messages to a log file, which
  stamps every line, carry no time of their own (the syslog case is in
  test_daemon.py).
"""

import os
import re
import signal
import subprocess

from harness import SERVER, Daemon, check, done, plan, wait_for

plan(17)

EVIL = "evil\n\x1b[31mFORGED\x9b.gmi"      # "\x9b": U+009B, CSI


def read(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return ""


# Names in messages ------------------------------------------------------
d = Daemon({"index.gmi": "# Home\n"}, start=False)
with open(os.path.join(d.root, EVIL), "w") as f:
    f.write("# x\n")
os.symlink("nowhere", os.path.join(d.root, 'dangling\\"x'))
d.start()
try:
    text = d.logtext()
    check("\x1b" not in text and "\x9b" not in text,
          "names: no ESC and no C1 control from a file name reaches the "
          "log", text)
    check(not any(l.startswith("\x1b[31mFORGED") or l.startswith("[31m")
                  for l in text.splitlines()),
          "names: a newline in a file name forges no log line", text)
    check("capsule: /evil\\x0a\\x1b[31mFORGED\\xc2\\x9b.gmi: name is not "
          "printable UTF-8, skipped" in text,
          "names: the skipped name is logged escaped, as the access log "
          "escapes requests", text)
    check('capsule: /dangling\\x5c\\x22x: broken symlink, skipped' in text,
          "names: a backslash and a quote in a name are escaped too, so "
          "that an escape in the log is never ambiguous", text)
finally:
    d.stop()
# A root that cannot be read: -n says why, naming it escaped.
p = subprocess.run([d.argv[0], "-n", "-H", "localhost", "-c", d.crt, "-k",
                    d.key, os.path.join(d.dir, "no\x1b[2Jroot")],
                   capture_output=True, timeout=30)
err = p.stderr.decode(errors="replace")
check(p.returncode == 1 and "\x1b" not in err and "no\\x1b[2Jroot" in err,
      "names: -n reports a missing root escaped", err)

# log style --------------------------------------------------------------
COMMON = re.compile(r'^localhost 127\.0\.0\.1 - - \[\d\d/[A-Z][a-z]{2}/'
                    r'\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\] "(.*)" (\d+) (\d+)$')
COMBINED = re.compile(r'^127\.0\.0\.1 - - \[\d\d/[A-Z][a-z]{2}/\d{4}:'
                      r'\d\d:\d\d:\d\d [+-]\d{4}\] "(.*)" (\d+) (\d+) '
                      r'"-" "-"$')
for style, rx in (("common", COMMON), ("combined", COMBINED)):
    conf = ('{user}access-log "{dir}/access.log"\nlog style %s\n' % style +
            SERVER)
    d = Daemon({"index.gmi": "# Home\n"}, conf=conf)
    log = os.path.join(d.dir, "access.log")
    try:
        r, _ = d.gemini(d.url("/"))
        d.gemini(d.url("/missing"))
        d.gopher("/")
        d.gopher("/missing")
        check(wait_for(lambda: len(read(log).splitlines()) == 4),
              "style %s: one line per request" % style, read(log))
        got = [rx.match(l) for l in read(log).splitlines()]
        check(len(got) == 4 and all(got),
              "style %s: every line is in Apache's %s format" %
              (style, style), read(log))
        whole = len(got) == 4 and all(got)
        check(whole and got[0].group(1) == d.url("/") and
              got[0].group(2) == "20" and
              int(got[0].group(3)) == len(r) and
              got[1].group(2) == "51",
              "style %s: Gemini request, status and bytes" % style,
              read(log))
        check(whole and got[2].group(1) == "/" and
              got[2].group(2) == "20" and got[3].group(2) == "50",
              "style %s: Gopher served is 20, an error item 50" %
              style, read(log))
    finally:
        d.stop()

conf = '{user}access-log "{dir}/access.log"\nlog style capsuled\n' + SERVER
d = Daemon({"index.gmi": "# Home\n"}, conf=conf)
try:
    d.gemini(d.url("/"))
    log = os.path.join(d.dir, "access.log")
    check(wait_for(lambda: re.match(
        r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4} 127\.0\.0\.1 gemini '
        r'localhost "gemini://localhost:\d+/" 20 \d+ \d+$', read(log))),
          "style capsuled: the default format, by name", read(log))
finally:
    d.stop()

# Access lines in a stamped log ----------------------------------------
conf = '{user}log "{dir}/daemon.log"\n' + SERVER
d = Daemon({"index.gmi": "# Home\n"}, conf=conf, start=False)
pidfile = os.path.join(d.dir, "pid")
daemonlog = os.path.join(d.dir, "daemon.log")
# Detached (no -d), so that messages go to the file; the starting
# process returns once the daemon has written its pid file.
argv = [a for a in d.argv if a != "-d"] + ["-P", pidfile]
p = subprocess.run(argv, capture_output=True, timeout=30)
# The ports it bound: on standard error before it detached, or in its log.
wait_for(lambda: "gemini on" in p.stderr.decode(errors="replace") +
         read(daemonlog))
d.learn_ports(p.stderr.decode(errors="replace") + read(daemonlog))
try:
    check(p.returncode == 0 and wait_for(lambda: "gemini on" in
                                         read(daemonlog)),
          "stamped log: the daemon starts detached, logging to a file",
          (p.stderr, read(daemonlog)))
    d.gemini(d.url("/"))
    check(wait_for(lambda: "access:" in read(daemonlog)),
          "stamped log: the access line is in the daemon's log file",
          read(daemonlog))
    line = [l for l in read(daemonlog).splitlines() if "access:" in l][-1:]
    check(line and re.match(r'^\d{4}-\d\d-\d\dT\S+ capsuled\[\d+\]: '
                            r'worker: access: 127\.0\.0\.1 gemini '
                            r'localhost "', line[0]),
          "stamped log: one time stamp on the line, the log's own", line)
finally:
    pid = read(pidfile).strip()
    if pid.isdigit():
        os.kill(int(pid), signal.SIGTERM)
        wait_for(lambda: not os.path.exists("/proc/" + pid), 20)

done()
