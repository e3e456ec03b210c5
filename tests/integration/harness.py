"""
harness.py: what every integration test needs.  It starts the real
capsuled (from $CAPSULED) on loopback high ports with a temporary capsule
and a certificate made for the test, and speaks Gemini and Gopher to it
byte for byte.  Nothing here listens beyond 127.0.0.1 and ::1, and every
wait is bounded.

A test file calls plan(N) before its first check, N being the number of
check() calls it is going to make (sums over the lists it loops over are
fine: plan(len(BAD) + 3)); it prints the plan line "1..N".  Each check()
prints "ok - name" or "not ok - name"; done() ends the file, failing it
when a check failed or the count is not the plan.  tests/run.sh counts
the lines and counts every planned check that never ran (the file
crashed, hung or exited early) as failed.
"""

import atexit
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time

CAPSULED = os.environ.get("CAPSULED", os.path.join(
    os.path.dirname(__file__), "..", "..", "build", "capsuled"))
FAILED = 0
_PLANNED = None
_RAN = 0
_CERTS = {}
_TMP = tempfile.mkdtemp(prefix="capsuled-it-")
# As root, workers run as this user (chrooted and sandboxed), as they
# would in production; CAPSULED_TEST_USER= (empty) keeps them root.
TEST_USER = os.environ.get("CAPSULED_TEST_USER", "nobody") \
    if os.geteuid() == 0 else ""
# The workers' user must be able to reach streamed files.
os.chmod(_TMP, 0o755)
# Every Daemon started, so that none outlives the test (see _stop_all).
_DAEMONS = []


def _stop_all():
    """Stop whatever daemon a test left running: at done(), at an exit
    by an exception, and when tests/run.sh's timeout sends SIGTERM."""
    for d in _DAEMONS:
        d.stop(timeout=5)


def _sigterm(sig, frame):
    print("# SIGTERM: the test was stopped (run.sh's timeout?)")
    sys.stdout.flush()
    raise SystemExit(128 + sig)


signal.signal(signal.SIGTERM, _sigterm)
atexit.register(_stop_all)


def plan(n):
    """Announce the number of checks this file makes (before the first).
    Under a sanitizer build done() adds one check of its own."""
    global _PLANNED
    if os.environ.get("CAPSULED_SANITIZED"):
        n += 1
    _PLANNED = n
    print("1..%d" % n)
    sys.stdout.flush()


def check(cond, name, detail=None):
    """Report one check; detail is shown only when it fails."""
    global FAILED, _RAN
    _RAN += 1
    if cond:
        print("ok - " + name)
    else:
        FAILED += 1
        print("not ok - " + name)
        if detail is not None:
            for line in repr(detail)[:2000].splitlines():
                print("#   " + line)
    sys.stdout.flush()
    return cond


# What a sanitizer writes when it finds something (ASan, LSan, UBSan).
SANITIZER_MARKS = ("==ERROR: ", ": runtime error: ", "ERROR: Can't open file")
SANITIZER_STATUS = 66   # exitcode= in tests/hardening/test_asan.sh


def _report_files():
    """Reports the sanitizers wrote to their log_path files."""
    found = []
    for var in ("ASAN_OPTIONS", "UBSAN_OPTIONS"):
        for opt in os.environ.get(var, "").split(":"):
            if not opt.startswith("log_path="):
                continue
            path = opt[len("log_path="):]
            where, base = os.path.split(path)
            try:
                names = os.listdir(where or ".")
            except OSError:
                continue
            found += [os.path.join(where, n) for n in names
                      if n.startswith(base + ".")]
    return sorted(set(found))


def sanitizer_reports():
    """With CAPSULED_SANITIZED set (tests/hardening/test_asan.sh), no
    daemon of this run may have reported anything: not in its log (where
    chrooted workers' reports would go), not in a log_path file (where
    those of a detached daemon go), and none may have exited with the
    sanitizers' status (a leak found at exit), parent or worker."""
    found, logs = [], 0
    for top, _, files in os.walk(_TMP):
        if "log" not in files:
            continue
        logs += 1
        with open(os.path.join(top, "log"), errors="replace") as f:
            text = f.read()
        for mark in SANITIZER_MARKS + ("with status %d" % SANITIZER_STATUS,):
            at = text.find(mark)
            if at != -1:
                found.append(text[max(0, at - 200):at + 1500])
                break
    reports = _report_files()
    for path in reports[:2]:
        with open(path, errors="replace") as f:
            found.append(path + ": " + f.read()[:1500])
    statuses = [d.proc.returncode for d in _DAEMONS
                if d.proc.returncode == SANITIZER_STATUS]
    if statuses:
        found.append("%d daemons exited with status %d" %
                     (len(statuses), SANITIZER_STATUS))
    check(not found and not reports,
          "sanitizer: no report in the %d daemon logs or in report files, "
          "no daemon exited %d" % (logs, SANITIZER_STATUS), found[:3])


def done():
    _stop_all()
    if os.environ.get("CAPSULED_SANITIZED"):
        sanitizer_reports()
    shutil.rmtree(_TMP, ignore_errors=True)
    if _PLANNED is None:
        print("# no plan: call plan(N) before the first check")
    elif _RAN != _PLANNED:
        print("# planned %d checks, ran %d" % (_PLANNED, _RAN))
    sys.stdout.flush()
    sys.exit(1 if FAILED or _RAN != _PLANNED else 0)


def cert(host="localhost"):
    """A throw-away EC P-256 certificate for host, made once per run."""
    if host not in _CERTS:
        crt = os.path.join(_TMP, host + ".crt")
        key = os.path.join(_TMP, host + ".key")
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
             "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
             "-subj", "/CN=" + host, "-addext",
             "subjectAltName=DNS:" + host,
             "-keyout", key, "-out", crt],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _CERTS[host] = (crt, key)
    return _CERTS[host]


# Their /proc/PID/comm; the CGI runner only runs where scripts are set up.
HELPER_NAMES = ("capsuled-keys", "capsuled-spawn", "capsuled-cgi")


def child_pids(parent, comm=None):
    """PIDs of parent's children whose name (/proc/PID/comm) is comm,
    or, with comm None, of those that are no helper (the workers)."""
    out = subprocess.run(["pgrep", "-P", str(parent)],
                         capture_output=True, text=True).stdout
    pids = []
    for p in out.split():
        try:
            with open("/proc/%s/comm" % p) as f:
                name = f.read().strip()
        except OSError:
            continue
        if name == comm or (comm is None and name not in HELPER_NAMES):
            pids.append(int(p))
    return sorted(pids)


def worker_pids(parent):
    """The workers among parent's children (a worker keeps the
    binary's name; the key process is capsuled-keys)."""
    return child_pids(parent)


def limit_nofile(pid, limit):
    """Set process pid's RLIMIT_NOFILE (soft and hard) to limit.
    Lowering another user's limit takes CAP_SYS_RESOURCE, which a
    container's root may lack: prlimit acts as the process's own user
    (and group) when that is not root."""
    ids = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(("Uid:", "Gid:")):
                ids[line[:3]] = line.split()[1]
    as_user = []
    if os.geteuid() == 0 and ids["Uid"] != "0":
        as_user = ["setpriv", "--reuid=" + ids["Uid"],
                   "--regid=" + ids["Gid"], "--clear-groups"]
    subprocess.run(as_user + ["prlimit", "--pid", str(pid),
                              "--nofile=%d:%d" % (limit, limit)],
                   check=True)


def tree_copy(dest):
    """The source tree as a fresh clone of it would be, in dest: every
    file git tracks or would track (committed or not; nothing ignored:
    no build/, no certs), or, outside a git checkout, the tree without
    its build directories.  Returns dest."""
    top = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
    p = subprocess.run(["git", "-C", top, "ls-files", "-z", "-co",
                        "--exclude-standard"], capture_output=True)
    if p.returncode == 0:
        for rel in p.stdout.decode().split("\0"):
            src = os.path.join(top, rel)
            if rel and os.path.lexists(src) and not os.path.isdir(src):
                os.makedirs(os.path.join(dest, os.path.dirname(rel)),
                            exist_ok=True)
                shutil.copy2(src, os.path.join(dest, rel),
                             follow_symlinks=False)
    else:
        shutil.copytree(top, dest, symlinks=True, ignore=shutil.ignore_patterns(
            "build", "build-*", "*.o", "*.crt", "*.key", "__pycache__"))
    return dest


def free_port(family=socket.AF_INET, addr="127.0.0.1"):
    """A port the kernel says is free right now on addr.  Another process
    may take it before the daemon binds it: where the daemon binds, give
    it port 0 and read the port it got (Daemon.port(), listening())."""
    s = socket.socket(family, socket.SOCK_STREAM)
    s.bind((addr, 0))
    port = s.getsockname()[1]
    s.close()
    return port


# The parent's line for each socket it listens on, at start and for the
# new ones of a reload: "gemini on [::1]:40123 for a.test, b.test".
LISTENING = re.compile(r"parent: (gemini|gopher) on (\[[^]]*\]|[^\s:]+):"
                       r"(\d+) for (.*)$", re.M)


def listening(text):
    """(protocol, address, port, [servers]) of every listening line in a
    daemon log, in order; an IPv6 address comes without brackets."""
    return [(m.group(1), m.group(2).strip("[]"), int(m.group(3)),
             m.group(4).split(", ")) for m in LISTENING.finditer(text)]


def write_tree(root, files):
    """files maps relative path -> bytes or str (a trailing / = dir)."""
    for rel, data in files.items():
        path = os.path.join(root, rel)
        if rel.endswith("/"):
            os.makedirs(path, exist_ok=True)
            continue
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data.encode() if isinstance(data, str) else data)


# The one server every configuration-file test needs; a test puts its
# own top-level directives in front (Daemon.write_conf fills it in).
SERVER = """server "localhost" {{
\troot "{root}"
\tcert "{crt}"
\tkey "{key}"
\tlisten gemini on 127.0.0.1 port {gemini_port}
\tlisten gopher on 127.0.0.1 port {gopher_port}
}}
"""

class Daemon:
    """A capsuled serving a temporary capsule on loopback ports.

    The daemon binds port 0, so the kernel picks free ports, and says in
    its log which it got; start() reads them from there: gemini_port and
    gopher_port are then the first ports on 127.0.0.1, and port() finds
    any other (an IPv6 address, another server's, one a reload added on
    another address).  A configuration template gets 0 for {gemini_port}
    and {gopher_port} before the start, the ports bound after it (which a
    reload keeps on the same sockets)."""

    def __init__(self, files=None, root=None, host="localhost", workers=2,
                 ipv6=False, args=(), start=True, conf=None):
        self.host = host
        self.dir = tempfile.mkdtemp(dir=_TMP)
        os.chmod(self.dir, 0o755)
        self.root = root or os.path.join(self.dir, "capsule")
        if files is not None:
            os.makedirs(self.root, exist_ok=True)
            write_tree(self.root, files)
        self.crt, self.key = cert(host)
        self.gemini_port = 0
        self.gopher_port = 0
        self.listeners = []
        self.ipv6 = ipv6
        self.log = os.path.join(self.dir, "log")
        self.argv = [CAPSULED, "-d", "-v", "-H", host,
                     "-p", "127.0.0.1:0", "-g", "127.0.0.1:0",
                     "-c", self.crt, "-k", self.key, "-j", str(workers)]
        if ipv6:
            self.argv += ["-p", "[::1]:0", "-g", "[::1]:0"]
        if TEST_USER:
            self.argv += ["-u", TEST_USER]
        self.argv += list(args) + [self.root]
        if conf is not None:
            # A configuration file instead of the flags: conf is a
            # template over this daemon's attributes ({root},
            # {gemini_port}, {gopher_port}, {crt}, {key}, {dir}, {user}).
            self.conf = os.path.join(self.dir, "capsuled.conf")
            self.write_conf(conf)
            self.argv = [CAPSULED, "-d", "-v", "-f", self.conf] + list(args)
        self.proc = None
        self._logstart = 0
        if start:
            self.start()

    def write_conf(self, template):
        user = 'user "%s"\n' % TEST_USER if TEST_USER else ""
        with open(self.conf, "w") as f:
            f.write(template.format(user=user, **self.__dict__))

    def start(self, timeout=10):
        self.logf = open(self.log, "ab")
        self._logstart = self.logf.tell()
        self.proc = subprocess.Popen(self.argv, stdout=self.logf,
                                     stderr=subprocess.STDOUT)
        if self not in _DAEMONS:
            _DAEMONS.append(self)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("capsuled exited: " + self.logtext())
            # The listening lines come before this one.
            text = self.logtext()[self._logstart:]
            if re.search(r"parent: capsuled \S+: \d+ workers", text):
                self.learn_ports(text)
                if self._accepting():
                    return
            time.sleep(0.05)
        raise RuntimeError("capsuled did not start: " + self.logtext())

    def learn_ports(self, text):
        """Take the ports from the listening lines of text (the log of
        this run, or of a daemon the test started another way)."""
        self.listeners = listening(text)
        for proto in ("gemini", "gopher"):
            mine = [p for pr, a, p, _ in self.listeners if pr == proto]
            v4 = [p for pr, a, p, _ in self.listeners
                  if pr == proto and a == "127.0.0.1"]
            if mine:
                setattr(self, proto + "_port", (v4 or mine)[0])

    def port(self, proto, addr="127.0.0.1", server=None):
        """The port bound for proto on addr (serving server, if given),
        as the last line about it says (a reload may have bound it
        anew); failing that, the first port of proto anywhere; 0 if
        there is none."""
        found = [p for pr, a, p, names in self.listeners
                 if pr == proto and a == addr and
                 (server is None or server in names)]
        if found:
            return found[-1]
        found = [p for pr, a, p, names in self.listeners if pr == proto and
                 (server is None or server in names)]
        return found[0] if found else 0

    def _accepting(self):
        """Every socket it said it listens on takes connections."""
        for _, addr, port, _ in self.listeners:
            try:
                socket.create_connection((addr, port), 1).close()
            except OSError:
                return False
        return bool(self.listeners)

    def logtext(self):
        with open(self.log, "rb") as f:
            return f.read().decode(errors="replace")

    def log_has(self, text):
        return text in self.logtext()

    def workers(self):
        """PIDs of the worker processes (children of the parent)."""
        return worker_pids(self.proc.pid)

    def keyproc(self):
        """PIDs of the key processes (capsuled-keys) of the parent."""
        return child_pids(self.proc.pid, "capsuled-keys")

    def send(self, sig):
        self.proc.send_signal(sig)

    def _reloads(self):
        text = self.logtext()
        return text.count("serving "), text.count("reload failed")

    def reload(self, timeout=10):
        """SIGHUP, then wait until the parent logs how it went.
        Returns True if the new content is being served."""
        ok0, bad0 = self._reloads()
        self.send(signal.SIGHUP)
        deadline = time.time() + timeout
        while time.time() < deadline:
            ok, bad = self._reloads()
            if ok > ok0:
                # A reload logs the sockets it bound anew.
                self.listeners = listening(self.logtext()[self._logstart:])
                return True
            if bad > bad0:
                return False
            time.sleep(0.02)
        raise RuntimeError("no answer to SIGHUP: " + self.logtext())

    def stop(self, sig=signal.SIGTERM, timeout=15):
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return None

    # Protocols ------------------------------------------------------

    def gemini(self, request, sni="default", addr="127.0.0.1", timeout=5,
               raw=False):
        """Send request (str or bytes, CRLF added unless raw) over TLS
        to the Gemini port on addr.  Returns (response bytes, clean)
        where clean says the server ended with close_notify."""
        if isinstance(request, str):
            request = request.encode()
        if not raw:
            request += b"\r\n"
        if sni == "default":
            sni = self.host
        port = self.gemini_port if addr == "127.0.0.1" else \
            self.port("gemini", addr)
        return gemini_raw(addr, port, request, sni, timeout)

    def gopher(self, request, addr="127.0.0.1", timeout=5, raw=False):
        if isinstance(request, str):
            request = request.encode()
        if not raw:
            request += b"\r\n"
        port = self.gopher_port if addr == "127.0.0.1" else \
            self.port("gopher", addr)
        return plain_raw(addr, port, request, timeout)

    def url(self, path="/", addr="127.0.0.1"):
        """A Gemini URL for path, naming the port of the listener on
        addr (IPv6 listeners have ports of their own)."""
        port = self.gemini_port if addr == "127.0.0.1" else \
            self.port("gemini", addr)
        return "gemini://%s:%d%s" % (self.host, port, path)


def wait_for(pred, timeout=10, step=0.05):
    """Poll pred until it holds or timeout seconds pass (bounded)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return True
        time.sleep(step)
    return pred()


def refused(port, addr="127.0.0.1"):
    """Does nothing listen on addr:port?"""
    try:
        socket.create_connection((addr, port), 1).close()
        return False
    except OSError:
        return True


def read_all(sock, timeout=5):
    """Everything sock receives until EOF."""
    sock.settimeout(timeout)
    data = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk


def client_context():
    """A client that tells a close_notify from a bare TCP close.  Debian
    12's python3 (3.11.2-6+deb12u9 on) sets OP_IGNORE_UNEXPECTED_EOF by
    default, which makes the two look alike (recv() returns b"" for
    both); without it OpenSSL reports the bare close (ragged())."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.options &= ~getattr(ssl, "OP_IGNORE_UNEXPECTED_EOF", 0)
    return ctx


def ragged(e):
    """Is the exception e a TLS connection closed without close_notify?
    SSLEOFError in most Python versions, a plain SSLError with the
    reason UNEXPECTED_EOF_WHILE_READING in some (Debian 12's)."""
    return isinstance(e, ssl.SSLEOFError) or (
        isinstance(e, ssl.SSLError) and
        getattr(e, "reason", None) == "UNEXPECTED_EOF_WHILE_READING")


# What gemini_raw and plain_raw append when the server neither answered
# nor closed within the timeout: a hang is never taken for a close.
TIMEOUT = b"<timeout>"
RESET = b"<reset>"
# CAPSULED_TEST_WAIT caps those timeouts (seconds): test_standin.py runs
# whole suites against a server that never answers, which would wait out
# every one of them; the real daemon answers in milliseconds.
WAIT = float(os.environ.get("CAPSULED_TEST_WAIT") or 0)


def capped(timeout):
    """A client timeout, capped by CAPSULED_TEST_WAIT when it is set."""
    return min(timeout, WAIT) if WAIT > 0 else timeout


def gemini_raw(addr, port, data, sni, timeout=5, ctx=None):
    """Send data over TLS and read until the server closes.  Returns
    (bytes, clean): clean says it ended with close_notify; a server
    silent for timeout seconds without closing leaves TIMEOUT at the
    end of the bytes."""
    ctx = ctx or client_context()
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.settimeout(capped(timeout))
    sock.connect((addr, port))
    tls = ctx.wrap_socket(sock, server_hostname=sni,
                          suppress_ragged_eofs=False)
    chunks = []
    clean = False
    try:
        tls.sendall(data)
        while True:
            b = tls.recv(65536)
            if not b:
                clean = True
                break
            chunks.append(b)
    except (ConnectionResetError, BrokenPipeError):
        pass
    except socket.timeout:
        chunks.append(TIMEOUT)
    except ssl.SSLError as e:
        if not ragged(e):
            raise
    finally:
        tls.close()
    return b"".join(chunks), clean


def plain_raw(addr, port, data, timeout=5):
    """Send data and read until the server closes.  A close by reset
    leaves RESET at the end of what came, a server silent for timeout
    seconds without closing TIMEOUT."""
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.settimeout(capped(timeout))
    sock.connect((addr, port))
    chunks = []
    try:
        try:
            sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass        # it stopped reading; what it said comes next
        while True:
            b = sock.recv(65536)
            if not b:
                break
            chunks.append(b)
    except ConnectionResetError:
        chunks.append(RESET)
    except socket.timeout:
        chunks.append(TIMEOUT)
    finally:
        sock.close()
    return b"".join(chunks)


def s_client(port, request, sni="localhost", extra=(), timeout=10):
    """The request through `openssl s_client`; returns its stdout."""
    argv = ["openssl", "s_client", "-quiet", "-connect",
            "127.0.0.1:%d" % port] + list(extra)
    if sni:
        argv += ["-servername", sni]
    p = subprocess.run(argv, input=request.encode() + b"\r\n",
                       capture_output=True, timeout=timeout)
    return p.stdout


def gopher_menu(lines, port, host="localhost"):
    """The bytes a menu of lines must be, written out from the rules
    (DESIGN.md section 4), not asked of the server under test: "itext"
    is an info line, "TDisplay\tselector" an item, both on host and
    port; then ".CRLF"."""
    out = []
    for line in lines:
        if isinstance(line, str):
            line = line.encode()
        sel = b"\t" if b"\t" not in line else b""
        out.append(line + sel + b"\t" + host.encode() + b"\t" +
                   str(port).encode() + b"\r\n")
    return b"".join(out) + b".\r\n"


def menu_lines(data):
    """Split a Gopher menu into lines; checks of its form are the
    caller's."""
    return data.split(b"\r\n")


def menu_ok(data):
    """Every line has 4 TAB fields, no stray CR/LF/NUL, and the menu
    ends with .CRLF.  Returns (ok, reason)."""
    if not data.endswith(b"\r\n.\r\n"):
        return False, "no .CRLF end"
    body = data[:-len(b".\r\n")]
    for line in body.split(b"\r\n")[:-1]:
        if line.count(b"\t") != 3:
            return False, "not 4 fields: %r" % line
        if b"\r" in line or b"\n" in line or b"\0" in line:
            return False, "control byte in %r" % line
        if line == b".":
            return False, "bare dot line"
    return True, ""
