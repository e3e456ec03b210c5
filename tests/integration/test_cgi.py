"""
test_cgi.py: CGI scripts (issue 12), end to end, on both protocols.
Real sh and python3 scripts in a location with cgi on: every variable
of the contract and nothing else of capsuled's environment; the Gopher
rendering of a script's gemtext is byte for byte that of the same text
as a static page; 1x, 3x, 4x and non-gemtext bodies on Gopher; a type-7
search to a script; scripts that print garbage, exit early, hang, leave
a child running, write 50 MB to a slow reader or flood stderr; 100 at
once, max-scripts, a reload while scripts run; the runner's scripts are
never root and cannot ptrace the key process or a worker.  (That a
worker of a capsule with scripts still cannot exec is test_confine's.)
"""

import hashlib
import os
import re
import signal
import socket
import ssl
import subprocess
import threading
import time

from harness import (Daemon, TEST_USER, check, child_pids, client_context,
                     done, plan, wait_for, _TMP)

plan(53)

BIG = 50 * 1024 * 1024

PAGE = """# A page
Text in a paragraph that is long enough to be wrapped on Gopher, more \
than sixty-seven columns wide for certain.

=> page.gmi Myself, relatively
=> /cgi/env.py The environment
=> gemini://example.org/ Elsewhere
```
preformatted	text
```
* an item
"""

SCRIPTS = {
    # The contract's variables, exactly as the script sees them.
    "env.py": """#!/usr/bin/python3
import os, sys
sys.stdout.write("20 text/plain\\r\\n")
for k in sorted(os.environ):
    sys.stdout.write("%s=%s\\n" % (k, os.environ[k]))
""",
    "page.sh": "#!/bin/sh\nprintf '20 text/gemini\\r\\n'\ncat page.gmi\n",
    "hello.py": """#!/usr/bin/python3
print("20 text/gemini\\r")
print("# Hello from python")
print("=> /cgi/page.sh The page")
""",
    "status.sh": """#!/bin/sh
case $PATH_INFO in
/10) printf '10 Your name\\r\\n' ;;
/30) printf '30 /cgi/page.gmi\\r\\n' ;;
/51) printf '51 Not here, sorry\\r\\n' ;;
/plain) printf '20 text/plain\\r\\n.\\nplain text\\n' ;;
/bad) printf '99 no such status\\r\\n' ;;
/lf) printf '20 text/gemini\\n# lf\\n' ;;
/nospace) printf '20text/gemini\\r\\n' ;;
/meta1024) printf '20 %s\\r\\n' "$(head -c 1024 /dev/zero | tr '\\0' a)" ;;
/meta1025) printf '20 %s\\r\\n' "$(head -c 1025 /dev/zero | tr '\\0' a)" ;;
/ctl) printf '20 text/\\001gemini\\r\\n' ;;
/redirect-empty) printf '30\\r\\n' ;;
esac
""",
    "garbage.sh": "#!/bin/sh\necho 'hello, I am not a header'\n",
    "early.sh": "#!/bin/sh\nexit 3\n",
    "partial.sh": "#!/bin/sh\nprintf '20 text/gem'\nexit 0\n",
    "hang.sh": "#!/bin/sh\nexec sleep 61\n",
    "fork.sh": """#!/bin/sh
sleep 62 &
printf '20 text/plain\\r\\nforked\\n'
""",
    "big.sh": """#!/bin/sh
printf '20 application/octet-stream\\r\\n'
head -c %d /dev/zero
""" % BIG,
    "stderr.sh": """#!/bin/sh
printf 'one\\033[31mred\\\\line\\n' >&2
head -c 2000000 /dev/zero | tr '\\0' x | fold -w 100 >&2
printf '20 text/plain\\r\\nstill fine\\n'
""",
    "slow.sh": "#!/bin/sh\nsleep 2\nprintf '20 text/plain\\r\\nslow done\\n'\n",
    "quick.sh": "#!/bin/sh\nprintf '20 text/plain\\r\\nquick %s\\n' "
                "\"$QUERY_STRING\"\n",
    "id.sh": "#!/bin/sh\nprintf '20 text/plain\\r\\n%s %s\\n' "
             "\"$(id -u)\" \"$(id -g)\"\n",
    # An attacker's script: ptrace and /proc/PID/mem of the pids given.
    "attack.py": """#!/usr/bin/python3
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
out = []
for pid in os.environ.get("QUERY_STRING", "").split("+"):
    r = libc.ptrace(16, int(pid), 0, 0)
    e = ctypes.get_errno()
    try:
        open("/proc/%s/mem" % pid, "rb").read(1)
        mem = "read"
    except OSError as x:
        mem = "e%d" % x.errno
    out.append("%s:%d:%d:%s" % (pid, r, e, mem))
sys.stdout.write("20 text/plain\\r\\n" + " ".join(out) + "\\n")
""",
}

FILES = {"index.gmi": "# Home\n\n=> /cgi/page.sh A script's page\n",
         "cgi/page.gmi": PAGE, "cgi/data.txt": "not a script\n"}
FILES.update({"cgi/" + k: v for k, v in SCRIPTS.items()})

CONF = """{user}timeout cgi 3
max-scripts 100
max-connections-per-address off
server "localhost" {{
\troot "{root}"
\tcert "{crt}"
\tkey "{key}"
\tlisten gemini on 127.0.0.1 port {gemini_port}
\tlisten gopher on 127.0.0.1 port {gopher_port}
\tlocation "/cgi/*" {{
\t\tcgi on
\t\tparam MY_SETTING "from the config"
\t}}
}}
"""


def client_cert():
    crt = os.path.join(_TMP, "reader.crt")
    key = os.path.join(_TMP, "reader.key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-days", "30",
                    "-subj", "/CN=reader/O=Readers", "-keyout", key, "-out",
                    crt], capture_output=True, timeout=30, check=True)
    out = subprocess.run(["openssl", "x509", "-in", crt, "-noout",
                          "-fingerprint", "-sha256"], capture_output=True,
                         text=True, timeout=30).stdout
    fp = out.split("=", 1)[1].strip().replace(":", "").lower()
    return crt, key, "SHA256:" + fp


def gemini(d, path, who=None, timeout=10):
    ctx = client_context()
    if who:
        ctx.load_cert_chain(who[0], who[1])
    s = socket.create_connection(("127.0.0.1", d.gemini_port), timeout)
    t = ctx.wrap_socket(s, server_hostname="localhost")
    t.sendall(("gemini://localhost:%d%s\r\n" % (d.gemini_port, path))
              .encode())
    data = b""
    try:
        while True:
            b = t.recv(65536)
            if not b:
                break
            data += b
    except (ssl.SSLError, OSError):
        pass
    t.close()
    return data


def envmap(data):
    body = data.split(b"\r\n", 1)[1].decode()
    return dict(line.split("=", 1) for line in body.splitlines() if line)


def gopher(d, sel, timeout=10):
    return d.gopher(sel, timeout=timeout)


def procs(pattern):
    return subprocess.run(["pgrep", "-f", pattern], capture_output=True,
                          text=True).stdout.split()


os.environ["CAPSULED_TEST_CANARY"] = "leaked"
d = Daemon(files=FILES, conf=CONF)
del os.environ["CAPSULED_TEST_CANARY"]
for name in SCRIPTS:
    os.chmod(os.path.join(d.root, "cgi", name), 0o755)
check(d.reload(), "reload: the scripts are executable now")
crt, key, fp = client_cert()
try:
    runner = child_pids(d.proc.pid, "capsuled-cgi")
    check(len(runner) == 1, "a CGI runner (capsuled-cgi) runs beside the "
          "workers", runner)

    # The contract, on Gemini with a client certificate.
    r = gemini(d, "/cgi/env.py/extra/path?a%20b&c", (crt, key))
    check(r.startswith(b"20 text/plain\r\n"), "python3: a Gemini response",
          r[:80])
    env = envmap(r)
    want = {
        "GATEWAY_INTERFACE": "CGI/1.1", "SERVER_PROTOCOL": "GEMINI",
        "SERVER_NAME": "localhost", "SERVER_PORT": str(d.gemini_port),
        "SERVER_SOFTWARE": "capsuled/0.1.0", "REQUEST_METHOD": "GET",
        "GEMINI_URL": "gemini://localhost:%d/cgi/env.py/extra/path?a%%20b&c"
                      % d.gemini_port,
        "GEMINI_URL_PATH": "/cgi/env.py/extra/path",
        "SCRIPT_NAME": "/cgi/env.py", "PATH_INFO": "/extra/path",
        "SCRIPT_FILENAME": os.path.realpath(d.root) + "/cgi/env.py",
        "DOCUMENT_ROOT": os.path.realpath(d.root),
        "QUERY_STRING": "a%20b&c", "GEMINI_SEARCH_STRING": "a b&c",
        "REMOTE_ADDR": "127.0.0.1", "REMOTE_HOST": "127.0.0.1",
        "AUTH_TYPE": "Certificate", "REMOTE_USER": "reader",
        "TLS_CLIENT_HASH": fp, "TLS_VERSION": "TLSv1.3",
        "MY_SETTING": "from the config",
        "PATH": "/usr/local/bin:/usr/bin:/bin",
    }
    bad = {k: (env.get(k), v) for k, v in want.items() if env.get(k) != v}
    check(not bad, "Gemini: every variable has its value", bad)
    check("CN=reader" in env.get("TLS_CLIENT_SUBJECT", "") and
          "CN=reader" in env.get("TLS_CLIENT_ISSUER", "") and
          re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$",
                   env.get("TLS_CLIENT_NOT_BEFORE", "")) and
          re.match(r"\d{4}-", env.get("TLS_CLIENT_NOT_AFTER", "")) and
          env.get("TLS_CIPHER", "").startswith("TLS_"),
          "Gemini: the certificate's subject, issuer and dates, the cipher",
          env)
    # (Python itself sets LC_CTYPE in a C locale, PEP 538.)
    allowed = set(want) | {"TLS_CLIENT_SUBJECT", "TLS_CLIENT_ISSUER",
                           "TLS_CLIENT_NOT_BEFORE", "TLS_CLIENT_NOT_AFTER",
                           "TLS_CIPHER", "LC_CTYPE"}
    check(set(env) == allowed and "leaked" not in r.decode(),
          "Gemini: nothing else, none of the daemon's own environment",
          sorted(set(env) ^ allowed))
    env = envmap(gemini(d, "/cgi/env.py"))
    check("QUERY_STRING" not in env and "AUTH_TYPE" not in env and
          "TLS_CLIENT_HASH" not in env and env.get("PATH_INFO") == "",
          "Gemini: no query, no certificate: those are not set", env)

    # Gopher: a search (type 7) to the script.
    g = gopher(d, "/cgi/env.py\tsearch words 100%")
    env = envmap(b"x\r\n" + g)
    want = {"SERVER_PROTOCOL": "GOPHER", "SERVER_PORT": str(d.gopher_port),
            "SELECTOR": "/cgi/env.py", "SEARCHREQUEST": "search words 100%",
            "QUERY_STRING": "search%20words%20100%25",
            "GEMINI_SEARCH_STRING": "search words 100%",
            "SCRIPT_NAME": "/cgi/env.py", "REMOTE_ADDR": "127.0.0.1"}
    bad = {k: (env.get(k), v) for k, v in want.items() if env.get(k) != v}
    check(not bad and "TLS_VERSION" not in env,
          "Gopher: a type-7 search reaches the script, encoded and raw",
          bad or env)

    # One source: the script's gemtext on Gopher is the static page's.
    static = gopher(d, "/cgi/page.gmi")
    dynamic = gopher(d, "/cgi/page.sh")
    check(static.startswith(b"iA page") and dynamic == static,
          "Gopher: a script's gemtext renders exactly as the same static "
          "page", (static[:200], dynamic[:200]))
    check(gemini(d, "/cgi/page.sh") == b"20 text/gemini\r\n" +
          PAGE.encode(), "Gemini: the script's bytes as written")
    g = gopher(d, "/cgi/hello.py")
    check(g.startswith(b"iHello from python\t") and
          b"\n1The page\t/cgi/page.sh\tlocalhost\t%d\r\n" % d.gopher_port
          in g and g.endswith(b".\r\n"),
          "Gopher: python3's page, a link to a script is a menu item", g)
    home = gopher(d, "/")
    check(b"1A script's page\t/cgi/page.sh\t" in home,
          "Gopher: a static page links to a script as a menu", home)

    # The other statuses on Gopher.
    g = gopher(d, "/cgi/status.sh/10")
    check(g == b"7Your name\t/cgi/status.sh/10\tlocalhost\t%d\r\n.\r\n" %
          d.gopher_port, "Gopher: 10 is a search item to the same selector",
          g)
    g = gopher(d, "/cgi/status.sh/30")
    check(g.startswith(b"0/cgi/page.gmi\t/cgi/page.gmi\tlocalhost\t") or
          g.startswith(b"1/cgi/page.gmi\t/cgi/page.gmi\tlocalhost\t"),
          "Gopher: 30 is an item for the target", g)
    g = gopher(d, "/cgi/status.sh/51")
    check(g.startswith(b"3Not here, sorry\t") and g.endswith(b".\r\n"),
          "Gopher: 51 is a type-3 line with the meta", g)
    g = gopher(d, "/cgi/status.sh/plain")
    check(g == b".\nplain text\n", "Gopher: a text/plain body goes out as "
          "it is", g)
    check(gemini(d, "/cgi/status.sh/10") == b"10 Your name\r\n" and
          gemini(d, "/cgi/status.sh/51") == b"51 Not here, sorry\r\n",
          "Gemini: 10 and 51 as the script wrote them")

    # Bad output: 42, and the Gopher form.
    cases = ["garbage.sh", "early.sh", "partial.sh", "status.sh/bad",
             "status.sh/lf", "status.sh/nospace", "status.sh/meta1025",
             "status.sh/ctl", "status.sh/redirect-empty"]
    for c in cases:
        r = gemini(d, "/cgi/" + c)
        g = gopher(d, "/cgi/" + c)
        check(re.match(rb"42 [^\r\n]+\r\n$", r) and g.startswith(b"3") and
              g.endswith(b".\r\n"), "bad output (%s): 42, a type-3 line" % c,
              (r, g))
    r = gemini(d, "/cgi/status.sh/meta1024")
    check(r == b"20 " + b"a" * 1024 + b"\r\n", "a meta of 1024 bytes passes",
          r[:40])
    check(d.log_has("no such status") is False and
          d.log_has("not a Gemini status"),
          "the log says what was wrong with the header")

    # A script that hangs: 42 after timeout cgi, and it is gone.
    t0 = time.time()
    r = gemini(d, "/cgi/hang.sh")
    took = time.time() - t0
    check(r.startswith(b"42 ") and 2.5 < took < 6, "a hanging script: 42 "
          "after timeout cgi (3 s)", (r, took))
    check(wait_for(lambda: not procs("sleep 61"), 5),
          "a hanging script is killed", procs("sleep 61"))
    check(d.log_has("killed after 3 s"), "the log says it was killed")

    # A script that leaves a child holding its output: the reply ends
    # when the script does, and the child is killed with its group.
    t0 = time.time()
    r = gemini(d, "/cgi/fork.sh")
    took = time.time() - t0
    check(r == b"20 text/plain\r\nforked\n" and took < 2,
          "a child left running does not hold the reply open", (r, took))
    check(wait_for(lambda: not procs("sleep 62"), 5),
          "the child is killed with the script's process group",
          procs("sleep 62"))

    # Not executable: served as a file.
    check(gemini(d, "/cgi/data.txt") == b"20 text/plain; charset=utf-8\r\n"
          b"not a script\n", "a file without x in a cgi location is served")

    # stderr: logged, escaped, bounded; the reply is unharmed.
    r = gemini(d, "/cgi/stderr.sh")
    check(r == b"20 text/plain\r\nstill fine\n", "a stderr flood: the "
          "reply is intact", r[:80])
    wait_for(lambda: d.log_has("more on stderr, not logged"), 5)
    log = d.logtext()
    lines = [x for x in log.splitlines() if "stderr.sh: xxxx" in x]
    check(0 < len(lines) <= 32 and d.log_has("more on stderr, not logged"),
          "stderr is logged, at most 32 lines a script", len(lines))
    check("\x1b" not in log and "stderr.sh: one\\x1b[31mred\\x5cline" in
          log, "stderr reaches the log escaped", [x for x in log.splitlines()
                                                  if "one" in x])

    # Never root; no ptrace of the key process or a worker.
    out = gemini(d, "/cgi/id.sh").split(b"\r\n", 1)[1].split()
    check(out and out[0] != b"0" and out[1] != b"0",
          "scripts do not run as root", out)
    if os.geteuid() == 0 and TEST_USER:
        kp = child_pids(d.proc.pid, "capsuled-keys")
        w = d.workers()
        r = gemini(d, "/cgi/attack.py?%d+%d" % (kp[0], w[0]))
        res = r.split(b"\r\n", 1)[1].decode().split()
        check(len(res) == 2 and all(x.split(":")[1] == "-1" and
                                    x.split(":")[2] in ("1", "13") and
                                    x.split(":")[3] in ("e1", "e13")
                                    for x in res),
              "a script (same user) cannot ptrace or read the memory of "
              "the key process or a worker", res)
    else:
        check(False, "the ptrace check needs root and a user")

    # 100 at once.
    results = []

    def one(i):
        try:
            results.append(gemini(d, "/cgi/quick.sh?%d" % i, timeout=30))
        except OSError as e:
            results.append(str(e).encode())
    threads = [threading.Thread(target=one, args=(i,)) for i in range(100)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(40)
    good = sorted(int(r.split()[-1]) for r in results
                  if r.startswith(b"20 text/plain\r\nquick "))
    check(good == list(range(100)), "100 requests at once: each gets its "
          "own script's answer", len(good))

    # A reload while scripts run: they finish; the old runner goes.
    res = []
    t = threading.Thread(target=lambda: res.append(gemini(d, "/cgi/slow.sh")))
    t.start()
    time.sleep(0.5)
    old = child_pids(d.proc.pid, "capsuled-cgi")
    check(d.reload(), "reload while a script runs")
    t.join(15)
    check(res == [b"20 text/plain\r\nslow done\n"], "the running script's "
          "reply arrives whole after the reload", res)
    check(wait_for(lambda: not (set(old) & set(child_pids(
        d.proc.pid, "capsuled-cgi"))), 10) and
          len(child_pids(d.proc.pid, "capsuled-cgi")) == 1,
          "the old runner ends with its scripts; one runner is left")
    check(gemini(d, "/cgi/quick.sh?after") == b"20 text/plain\r\nquick "
          b"after\n", "the new runner serves")

    # The runner dies: the parent starts another, scripts run again.
    rn = child_pids(d.proc.pid, "capsuled-cgi")
    os.kill(rn[0], signal.SIGKILL)
    check(wait_for(lambda: child_pids(d.proc.pid, "capsuled-cgi") not in
                   ([], rn), 10) and
          gemini(d, "/cgi/quick.sh?again") == b"20 text/plain\r\nquick "
          b"again\n", "a killed runner is restarted and scripts run again")
finally:
    d.stop()

# max-scripts: past it, 44; and a big reply with time enough.
LIMITED = CONF.replace("max-scripts 100", "max-scripts 2").replace(
    "timeout cgi 3", "timeout cgi 30")
d = Daemon(files={"cgi/" + n: SCRIPTS[n]
                  for n in ("slow.sh", "quick.sh", "big.sh")}, conf=LIMITED)
for n in ("slow.sh", "quick.sh", "big.sh"):
    os.chmod(os.path.join(d.root, "cgi", n), 0o755)
try:
    check(d.reload(), "max-scripts 2: started")
    # 50 MB to a slow reader: the worker does not buffer it.
    ctx = client_context()
    s = ctx.wrap_socket(socket.create_connection(("127.0.0.1",
                                                  d.gemini_port), 10),
                        server_hostname="localhost")
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    s.sendall(("gemini://localhost:%d/cgi/big.sh\r\n" % d.gemini_port)
              .encode())

    def rss_kb():
        total = 0
        for p in d.workers():
            with open("/proc/%d/status" % p) as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        return total
    got = s.recv(65536)
    base = rss_kb()
    peak = base
    deadline = time.time() + 2
    while time.time() < deadline:
        got += s.recv(4096)
        peak = max(peak, rss_kb())
        time.sleep(0.02)
    check(peak - base < 8192 and len(got) < 16 * 1024 * 1024,
          "a slow reader: the workers' memory stays flat while 50 MB wait",
          (base, peak, len(got)))
    h = hashlib.sha256(got)
    n = len(got)
    s.settimeout(20)
    try:
        while True:
            b = s.recv(1 << 20)
            if not b:
                break
            h.update(b)
            n += len(b)
    except (ssl.SSLError, OSError):
        pass
    s.close()
    hdr = b"20 application/octet-stream\r\n"
    want = hashlib.sha256(hdr + b"\0" * BIG).hexdigest()
    check(n == len(hdr) + BIG and h.hexdigest() == want,
          "a slow reader: then all 50 MB arrive intact (the script was "
          "held up by its pipe, not killed)", n)


    res = []
    threads = [threading.Thread(target=lambda: res.append(
        gemini(d, "/cgi/slow.sh"))) for _ in range(2)]
    for t in threads:
        t.start()
    time.sleep(0.7)
    r = gemini(d, "/cgi/quick.sh")
    g = gopher(d, "/cgi/quick.sh")
    check(r == b"44 1\r\n", "max-scripts 2: a third script gets 44", r)
    check(g.startswith(b"3Too many scripts") and g.endswith(b".\r\n"),
          "max-scripts 2: on Gopher, a type-3 line", g)
    for t in threads:
        t.join(15)
    check(res == [b"20 text/plain\r\nslow done\n"] * 2 and
          gemini(d, "/cgi/quick.sh?x") == b"20 text/plain\r\nquick x\n",
          "max-scripts 2: the two finish, then scripts run again", res)
finally:
    d.stop()

# Started as root without a user: scripts run as nobody, never root.
if os.geteuid() == 0:
    d = Daemon(files={"cgi/id.sh": SCRIPTS["id.sh"]}, conf=CONF.replace(
        "{user}", ""))
    os.chmod(os.path.join(d.root, "cgi", "id.sh"), 0o755)
    try:
        d.reload()
        out = gemini(d, "/cgi/id.sh").split(b"\r\n", 1)[-1].split()
        check(out[:1] == [b"65534"], "no user as root: scripts run as "
              "nobody", out)
    finally:
        d.stop()
else:
    check(False, "the no-user check needs root")


# Behind a PROXY header the header's client is the script's REMOTE_ADDR.
d = Daemon(files={"cgi/env.py": SCRIPTS["env.py"]}, conf=CONF.replace(
    "port {gopher_port}\n", "port {gopher_port} proxy-protocol\n"))
os.chmod(os.path.join(d.root, "cgi", "env.py"), 0o755)
try:
    d.reload()
    s = socket.create_connection(("127.0.0.1", d.gopher_port), 10)
    s.sendall(b"PROXY TCP4 192.0.2.7 127.0.0.1 40000 70\r\n"
              b"/cgi/env.py\r\n")
    got = b""
    while True:
        b = s.recv(65536)
        if not b:
            break
        got += b
    s.close()
    env = envmap(b"x\r\n" + got)
    check(env.get("REMOTE_ADDR") == "192.0.2.7" and
          env.get("REMOTE_HOST") == "192.0.2.7",
          "PROXY v1: REMOTE_ADDR is the header's client", env)
finally:
    d.stop()

done()
