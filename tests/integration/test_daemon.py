"""
test_daemon.py: capsuled without -d, as an init system starts it.  It
detaches (the command returns at once, the daemon leads its own session
without a terminal), writes the -P pid file, logs to its `log` file, and
is stopped through the pid file, which it then removes.  SIGUSR1 moves
its messages to a new file after a rotation.  With the default `log
syslog`, messages of the parent and access lines of the (chrooted,
sandboxed) workers reach syslog with facility daemon; as root this is
checked against a private /dev/log in a mount namespace of its own.
"""

import os
import re
import signal
import socket
import subprocess
import time

from harness import (CAPSULED, SERVER, check, Daemon, done, refused, wait_for,
                     plan, worker_pids)

plan(22)

CONF = """{user}prefork 2
{log}
""" + SERVER



def read(path):
    try:
        with open(path) as f:
            return f.read()
    except FileNotFoundError:
        return ""


def alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False


def stat_fields(pid):
    with open("/proc/%d/stat" % pid) as f:
        data = f.read()
    return data[data.rindex(")") + 2:].split()


def children(pid):
    """The workers of pid (not its key process, capsuled-keys)."""
    return worker_pids(pid)



def stop_by_pidfile(pidfile, label):
    pid = int(read(pidfile).strip())
    os.kill(pid, signal.SIGTERM)
    gone = wait_for(lambda: not alive(pid), 20)
    check(gone, "%s: SIGTERM to the pid in the pid file stops it" % label)
    if not gone:
        os.kill(pid, signal.SIGKILL)
    check(wait_for(lambda: not os.path.exists(pidfile)),
          "%s: the pid file is removed at exit" % label)
    return pid


# --- detached, logging to a file ----------------------------------------
d = Daemon({"index.gmi": "# Home\n"}, start=False, conf="")
d.logfile = os.path.join(d.dir, "daemon.log")
d.write_conf(CONF.replace("{log}", 'log "{logfile}"'))
pidfile = os.path.join(d.dir, "capsuled.pid")
t0 = time.time()
p = subprocess.run([CAPSULED, "-f", d.conf, "-P", pidfile],
                   capture_output=True, timeout=30)
check(p.returncode == 0 and p.stdout == b"" and p.stderr == b"" and
      time.time() - t0 < 10,
      "detach: the command returns 0 at once, printing nothing", p)
check(wait_for(lambda: read(pidfile).strip().isdigit()),
      "detach: the pid file is written")
pid = int(read(pidfile).strip() or 0)
try:
    st = stat_fields(pid) if pid and alive(pid) else None
    # fields after the name: state ppid pgrp session tty_nr ...
    check(st is not None and int(st[3]) == pid and int(st[4]) == 0,
          "detach: the daemon leads its own session, without a terminal",
          st)
    check(wait_for(lambda: len(children(pid)) == 2),
          "detach: the pid file names the parent of the workers",
          children(pid))
    # The ports it bound (port 0) are in its log.
    check(wait_for(lambda: "parent: capsuled " in read(d.logfile)) and
          d.learn_ports(read(d.logfile)) is None and d.gemini_port and
          not refused(d.gemini_port) and
          d.gemini(d.url("/"))[0] == b"20 text/gemini\r\n# Home\n",
          "detach: it serves", read(d.logfile))
    text = read(d.logfile)
    check(re.search(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4} "
                    r"capsuled\[%d\]: parent: capsuled \S+: 2 workers" % pid,
                    text, re.M) is not None and "gemini on" in text,
          "detach: messages go to the log file, with time and pid", text)

    # Rotation of the message log.
    os.rename(d.logfile, d.logfile + ".0")
    os.kill(pid, signal.SIGUSR1)
    check(wait_for(lambda: "reopened the log files" in read(d.logfile)),
          "detach: after mv and SIGUSR1 messages go to a new file",
          (read(d.logfile), read(d.logfile + ".0")[-200:]))
    os.kill(pid, signal.SIGHUP)
    check(wait_for(lambda: "serving localhost" in read(d.logfile)),
          "detach: SIGHUP reloads and says so in the log")
finally:
    if pid and alive(pid):
        stop_by_pidfile(pidfile, "detach")
check("shutting down" in read(d.logfile), "detach: shutdown is logged")
check(refused(d.gemini_port), "detach: nothing listens afterwards")

# --- syslog, facility daemon ----------------------------------------------
if os.geteuid() != 0:
    check(False, "syslog: needs root for a private /dev/log (unshare -m); "
          "CI runs as root")
    done()

d = Daemon({"index.gmi": "# Home\n"}, start=False, conf="")
d.write_conf(CONF.replace("{log}", ""))
sockpath = os.path.join(d.dir, "log.sock")
olddev = os.path.join(d.dir, "olddev")
os.makedirs(olddev)
sink = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sink.bind(sockpath)
os.chmod(sockpath, 0o666)
sink.settimeout(0.2)
pidfile = os.path.join(d.dir, "capsuled.pid")
# A mount namespace whose /dev holds null, zero, random, urandom and a
# log symlink to our socket; the host's /dev is untouched.
setup = ("mount --make-rprivate / && mount --bind /dev {old} && "
         "mount -t tmpfs -o mode=755 tmpfs /dev && "
         "for n in null zero random urandom; do touch /dev/$n && "
         "mount --bind {old}/$n /dev/$n; done && umount {old} && "
         "ln -s {sock} /dev/log && exec {bin} -f {conf} -P {pid}").format(
             old=olddev, sock=sockpath, bin=CAPSULED, conf=d.conf,
             pid=pidfile)
p = subprocess.run(["unshare", "-m", "sh", "-c", setup],
                   capture_output=True, timeout=30)
check(p.returncode == 0, "syslog: started in a namespace with a private "
      "/dev/log", p.stderr)
messages = []


def drain():
    while True:
        try:
            messages.append(sink.recv(4096).decode(errors="replace"))
        except socket.timeout:
            return


def seen(pattern):
    drain()
    return any(re.search(pattern, m) for m in messages)


try:
    check(wait_for(lambda: read(pidfile).strip().isdigit()),
          "syslog: the pid file is written")
    pid = int(read(pidfile).strip() or 0)
    # <30>: facility daemon (3) * 8 + info (6).
    check(wait_for(lambda: seen(r"^<30>.*capsuled\[%d\]: parent: capsuled "
                                r"\S+: 2 workers" % pid)),
          "syslog: the parent logs with facility daemon, level info",
          messages[:5])
    check(wait_for(lambda: seen(r"parent: capsuled ")) and
          d.learn_ports("\n".join(messages)) is None and d.gemini_port and
          wait_for(lambda: not refused(d.gemini_port)), "syslog: serving",
          messages[:8])
    r, _ = d.gemini(d.url("/"))
    workers = children(pid)
    # syslog stamps the line: the access line has no time of its own.
    check(wait_for(lambda: seen(
        r'^<30>.*capsuled\[(%s)\]: worker: access: 127\.0\.0\.1 gemini '
        r'localhost "gemini://localhost:%d/" 20 %d \d+$' %
        ("|".join(str(w) for w in workers), d.gemini_port, len(r)))),
          "syslog: a chrooted, sandboxed worker's access line arrives, "
          "without a second time stamp", messages[-3:])
    if not os.environ.get("CAPSULED_SANITIZED"):
        check(all(os.readlink("/proc/%d/root" % w) == "/var/empty" and
                  "Seccomp:\t2" in read("/proc/%d/status" % w)
                  for w in workers), "syslog: (those workers are sandboxed)")
    else:
        # A sanitizer build (tests/hardening/test_asan.sh) has neither
        # filter nor chroot, and its workers say so, through syslog.
        check(workers and all(
            "Seccomp:\t0" in read("/proc/%d/status" % w) and
            seen(r"capsuled\[%d\]: worker: built with a sanitizer: no "
                 r"seccomp filter" % w) for w in workers),
              "syslog: (those workers say they run without the filter "
              "of a sanitizer build)", messages[-6:])

    # syslogd goes away: a worker's syslog() then tries to reconnect,
    # which the sandbox refuses (EACCES) instead of killing the worker.
    sink.close()
    os.unlink(sockpath)
    answers = [d.gemini(d.url("/"))[0] for _ in range(4)]
    check(all(a == r for a in answers) and children(pid) == workers,
          "syslog: with syslog gone workers keep serving and living",
          (answers, workers, children(pid)))
    sink = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sink.bind(sockpath)
    sink.settimeout(0.2)
finally:
    if read(pidfile).strip().isdigit() and alive(int(read(pidfile))):
        stop_by_pidfile(pidfile, "syslog")
check(wait_for(lambda: seen(r"^<30>.*parent: shutting down")),
      "syslog: shutdown is logged", messages[-3:])
sink.close()

done()
