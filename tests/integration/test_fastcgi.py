"""
test_fastcgi.py: FastCGI (issue 12), end to end, on both protocols.
Debian's fcgiwrap over a unix socket runs sh scripts: every variable of
the contract on Gemini with a client certificate from Python's ssl
module (TLS_CLIENT_HASH the certificate's own SHA-256), nothing else of
capsuled's environment, and on Gopher a type-7 search reaching
QUERY_STRING percent-encoded and a script's gemtext rendered byte for
byte as the same text placed as a static page.  fcgi_responder.py, over
a unix socket and over TCP: param lines that override and add, strip
and the file prefix for SCRIPT_NAME/PATH_INFO, output cut into one-byte
records and into padded records with STDERR between them, 1x/3x/4x-6x
and non-gemtext bodies on Gopher, STDERR logged escaped and bounded
(DYN_STDERR_LINES), garbage, a close without END_REQUEST, a responder
that never answers or stops halfway (timeout cgi 2), one that is not
there, 50 MB to a slow reader (the worker's memory stays flat, the
responder is held back, the body arrives whole), 100 requests at once,
and a reload while a request is in flight.

test-timeout: 300
"""

import calendar
import hashlib
import json
import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time

from harness import (Daemon, TEST_USER, check, client_context, done,
                     free_port, menu_ok, plan, wait_for, _TMP)

HERE = os.path.dirname(os.path.abspath(__file__))
RESPONDER = os.path.join(HERE, "fcgi_responder.py")
FCGIWRAP = "/usr/sbin/fcgiwrap"
BIG = 50 * 1024 * 1024
CHUNK = 65535           # fcgi_responder.py's big_chunk() piece
CGI_TIMEOUT = 2         # timeout cgi of the second daemon
MARGIN = 3.0            # s, for a loaded 2-core machine


def define(header, name):
    """A #define's number from one of capsuled's headers."""
    with open(os.path.join(HERE, "..", "..", "src", header)) as f:
        m = re.search(r"#define\s+%s\s+(\d+)" % name, f.read())
    return int(m.group(1))


STDERR_LINES = define("dyn.h", "DYN_STDERR_LINES")

# The contract's variables on Gemini with a client certificate (checked
# one by one), the Gopher ones, and what fcgiwrap and sh add themselves.
GEMINI_VARS = [
    "GATEWAY_INTERFACE", "SERVER_PROTOCOL", "SERVER_NAME", "SERVER_PORT",
    "SERVER_SOFTWARE", "REQUEST_METHOD", "GEMINI_URL", "GEMINI_URL_PATH",
    "SCRIPT_NAME", "PATH_INFO", "SCRIPT_FILENAME", "DOCUMENT_ROOT",
    "QUERY_STRING", "GEMINI_SEARCH_STRING", "REMOTE_ADDR", "REMOTE_HOST",
    "TLS_VERSION", "TLS_CIPHER", "AUTH_TYPE", "REMOTE_USER",
    "TLS_CLIENT_HASH", "TLS_CLIENT_SUBJECT", "TLS_CLIENT_ISSUER",
    "TLS_CLIENT_NOT_BEFORE", "TLS_CLIENT_NOT_AFTER"]
GOPHER_VARS = ["SERVER_PROTOCOL", "SERVER_PORT", "SELECTOR", "SEARCHREQUEST",
               "QUERY_STRING", "GEMINI_SEARCH_STRING", "SCRIPT_NAME",
               "PATH_INFO"]
CONTRACT = set(GEMINI_VARS) | {"SELECTOR", "SEARCHREQUEST", "PATH"}
WRAPPER_OWN = {"FCGI_ROLE", "PWD", "SHLVL", "_", "OLDPWD"}
CERT_VARS = {"AUTH_TYPE", "REMOTE_USER", "TLS_CLIENT_HASH",
             "TLS_CLIENT_SUBJECT", "TLS_CLIENT_ISSUER",
             "TLS_CLIENT_NOT_BEFORE", "TLS_CLIENT_NOT_AFTER"}
CANARY = "capsuled-canary-5e1f"
# fcgi_responder.py's garbage, and the reason the log must give for each
# (fcgi.c's and dyn.c's words): a 42 for the wrong reason is a failure.
GARBAGE = {"http": "not FastCGI version 1",
           "type": "a FastCGI record a responder does not send",
           "id": "a FastCGI record for another request",
           "endsize": "END_REQUEST of the wrong size",
           "noheader": "", "nocrlf": "", "status": "", "longmeta": "",
           "nometa30": "a redirect without a target"}
FAILS = [42, 51, 60]
CONCURRENT_GEMINI = 70
CONCURRENT_GOPHER = 30

plan(len(GEMINI_VARS) + 3 + len(GOPHER_VARS) + 3 +       # fcgiwrap
     9 +                                                 # params
     8 +                                                 # records
     3 + 2 * len(FAILS) +                                # conversions
     6 +                                                 # stderr
     len(GARBAGE) + 2 + 5 +                              # garbage, noend
     5 +                                                 # timeouts
     5 +                                                 # not there
     4 + 2 + 4)                                          # big, 100, reload

# A page of gemtext with every kind of line; links only to absolute
# paths and other hosts, so that it renders the same from any directory.
PAGE = """# A page for FastCGI
## A subheading
Text in a paragraph that is long enough to be wrapped on Gopher, more \
than seventy columns wide for certain, with some more words after it.

=> /static/a.gmi A page of gemtext
=> /static/b.txt A text file
=> /static/dir/ A directory
=> /fcgi/page.sh This very page, through fcgiwrap
=> /py/echo A page only a responder knows
=> gemini://example.org/ Elsewhere on Gemini
=> https://example.org/ The web
* an item
* another item
> a quotation
```alt text
preformatted	text, with a tab
```
The end.
"""

FILES = {
    "index.gmi": "# Home\n\n=> /fcgi/page.sh A FastCGI page\n",
    "static/page.gmi": PAGE,
    "static/a.gmi": "# A\n",
    "static/b.txt": "b\n",
    "static/dir/index.gmi": "# Dir\n",
    "static/redirect.gmi": "=> /static/a.gmi\n",
    # Every variable, NUL-separated: values may hold anything.
    "fcgi/env.sh": "#!/bin/sh\nprintf '20 text/plain\\r\\n'\nexec env -0\n",
    "fcgi/page.sh": "#!/bin/sh\nprintf '20 text/gemini\\r\\n'\n"
                    "exec cat \"$DOCUMENT_ROOT/static/page.gmi\"\n",
    # A file of the capsule that is a prefix of /py/env/...: SCRIPT_NAME.
    "py/env": "a file, so that /py/env is the script's name\n",
}

STARTED = []            # processes to stop at the end, whatever happens


def stop_started():
    for p in STARTED:
        if p.poll() is None:
            p.terminate()
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(5)


def as_user(argv):
    """argv as the workers' user when the test runs as root."""
    if TEST_USER:
        return ["setpriv", "--reuid=" + TEST_USER, "--regid=nogroup",
                "--clear-groups"] + argv
    return argv


def start_fcgiwrap(path):
    p = subprocess.Popen(as_user(["env", "-i", FCGIWRAP, "-s",
                                  "unix:" + path]),
                         stdout=subprocess.DEVNULL,
                         stderr=open(os.path.join(SOCKDIR, "fcgiwrap.log"),
                                     "wb"))
    STARTED.append(p)
    wait_for(lambda: os.path.exists(path) or p.poll() is not None, 10)
    return p


def start_responder(where):
    argv = [sys.executable, RESPONDER, "--state", STATE]
    argv += ["--unix", where] if where.startswith("/") else ["--tcp", where]
    p = subprocess.Popen(argv, stdout=subprocess.PIPE,
                         stderr=open(os.path.join(SOCKDIR, "responder.log"),
                                     "ab"))
    STARTED.append(p)
    line = p.stdout.readline().decode()
    if not line.startswith("listening "):
        raise RuntimeError("fcgi_responder.py did not start: %r" % line)
    return int(line.split()[1])


def make_cert():
    crt = os.path.join(_TMP, "alice.crt")
    key = os.path.join(_TMP, "alice.key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-days", "30",
                    "-subj", "/O=Capsule Test/CN=alice", "-keyout", key,
                    "-out", crt], capture_output=True, timeout=30,
                   check=True)
    with open(crt) as f:
        der = ssl.PEM_cert_to_DER_cert(f.read())
    out = subprocess.run(["openssl", "x509", "-in", crt, "-noout",
                          "-startdate", "-enddate"], capture_output=True,
                         text=True, timeout=30, check=True).stdout
    dates = {}
    for line in out.splitlines():
        k, v = line.split("=", 1)
        t = calendar.timegm(time.strptime(v, "%b %d %H:%M:%S %Y %Z"))
        dates[k] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))
    return crt, key, "SHA256:" + hashlib.sha256(der).hexdigest(), dates


class Reply:
    """A Gemini exchange: the bytes, whether it ended with close_notify,
    the TLS version and cipher, and how long it took."""

    def __init__(self, data, clean, version, cipher, elapsed):
        self.data, self.clean = data, clean
        self.version, self.cipher, self.elapsed = version, cipher, elapsed

    def header(self):
        return self.data.split(b"\r\n", 1)[0]

    def body(self):
        return self.data.split(b"\r\n", 1)[1] if b"\r\n" in self.data \
            else b""


def gemini(d, path, who=None, timeout=15):
    ctx = client_context()
    if who:
        ctx.load_cert_chain(who[0], who[1])
    t0 = time.time()
    s = socket.create_connection(("127.0.0.1", d.gemini_port), timeout)
    t = ctx.wrap_socket(s, server_hostname="localhost",
                        suppress_ragged_eofs=False)
    t.sendall(("gemini://localhost:%d%s\r\n" % (d.gemini_port, path))
              .encode())
    chunks, clean = [], False
    try:
        while True:
            b = t.recv(65536)
            if not b:
                clean = True
                break
            chunks.append(b)
    except socket.timeout:
        chunks.append(b"<timeout>")
    except (ssl.SSLError, OSError):
        pass
    version, cipher = t.version(), (t.cipher() or ("",))[0]
    t.close()
    return Reply(b"".join(chunks), clean, version, cipher, time.time() - t0)


def gopher(d, selector, timeout=15):
    if isinstance(selector, str):
        selector = selector.encode()
    t0 = time.time()
    s = socket.create_connection(("127.0.0.1", d.gopher_port), timeout)
    s.sendall(selector + b"\r\n")
    chunks = []
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            chunks.append(b)
    except socket.timeout:
        chunks.append(b"<timeout>")
    except OSError:
        pass
    s.close()
    gopher.elapsed = time.time() - t0
    return b"".join(chunks)


def fcgiwrap_cgi(data):
    """data as fcgiwrap passes a script's output on: it takes the lines
    up to the first empty one for CGI headers and ends each with CRLF.
    Harmless for gemtext; capsuled must send the result unchanged."""
    lines = data.split(b"\n")
    for i, line in enumerate(lines[:-1]):
        if not line.endswith(b"\r"):
            lines[i] = line + b"\r"
        if line in (b"", b"\r"):
            break
    return b"\n".join(lines)


def env0(body):
    """NAME=VALUE\\0... (env -0) as a dict."""
    out = {}
    for item in body.split(b"\0"):
        if item:
            k, _, v = item.partition(b"=")
            out[k.decode()] = v.decode("utf-8", "replace")
    return out


def params_of(reply):
    """What fcgi_responder.py's env mode says it was sent."""
    try:
        p = json.loads(reply.body().decode())
        if isinstance(p, dict) and isinstance(p.get("params"), list):
            return p
    except ValueError:
        pass
    return {"params": [], "begin": None, "records": [0], "stdin": -1}


SOCKDIR = os.path.join(_TMP, "fcgi")
STATE = os.path.join(SOCKDIR, "state")
os.makedirs(STATE)
os.chmod(SOCKDIR, 0o777)        # fcgiwrap, as the workers' user, binds here
WRAP_SOCK = os.path.join(SOCKDIR, "fcgiwrap.sock")
PY_SOCK = os.path.join(SOCKDIR, "py.sock")

CONF = """{user}max-connections-per-address off
server "localhost" {{
\troot "{root}"
\tcert "{crt}"
\tkey "{key}"
\tlisten gemini on 127.0.0.1 port {gemini_port}
\tlisten gopher on 127.0.0.1 port {gopher_port}
\tlocation "/fcgi/*" {{
\t\tfastcgi socket "%(wrap)s"
\t}}
\tlocation "/py/*" {{
\t\tfastcgi socket "%(py)s"
\t\tparam SERVER_NAME "override.example"
\t\tparam CUSTOM_ONE "custom value one"
\t}}
\tlocation "/tcp/*" {{
\t\tfastcgi {{
\t\t\tsocket tcp "127.0.0.1" port %(tcp)d
\t\t\tparam QUERY_STRING "forced=1"
\t\t\tparam CUSTOM_TWO "two"
\t\t\tstrip 1
\t\t}}
\t}}
\tlocation "/none/*" {{ fastcgi socket "%(none)s" }}
\tlocation "/nonetcp/*" {{ fastcgi socket tcp "127.0.0.1" port %(dead)d }}
}}
"""

CONF_TIMEOUT = """{user}timeout cgi %(timeout)d
server "localhost" {{
\troot "{root}"
\tcert "{crt}"
\tkey "{key}"
\tlisten gemini on 127.0.0.1 port {gemini_port}
\tlisten gopher on 127.0.0.1 port {gopher_port}
\tlocation "/py/*" {{ fastcgi socket "%(py)s" }}
}}
"""

try:
    wrap = start_fcgiwrap(WRAP_SOCK)
    start_responder(PY_SOCK)
    tcp_port = start_responder("127.0.0.1")
    os.environ["CAPSULED_TEST_CANARY"] = CANARY
    d = Daemon(files=FILES, conf=CONF % {
        "wrap": WRAP_SOCK, "py": PY_SOCK, "tcp": tcp_port,
        "none": os.path.join(SOCKDIR, "nothing-here.sock"),
        "dead": free_port()})
    del os.environ["CAPSULED_TEST_CANARY"]
    for name in ("env.sh", "page.sh"):
        os.chmod(os.path.join(d.root, "fcgi", name), 0o755)
    root = os.path.realpath(d.root)
    crt, key, fingerprint, dates = make_cert()

    # 1. fcgiwrap on Gemini: the contract, one variable at a time.
    r = gemini(d, "/fcgi/env.sh/extra/path?a%20b%26c", (crt, key))
    env = env0(r.body())
    want = {
        "GATEWAY_INTERFACE": "CGI/1.1", "SERVER_PROTOCOL": "GEMINI",
        "SERVER_NAME": "localhost", "SERVER_PORT": str(d.gemini_port),
        "SERVER_SOFTWARE": "capsuled/", "REQUEST_METHOD": "GET",
        "GEMINI_URL": "gemini://localhost:%d/fcgi/env.sh/extra/path"
                      "?a%%20b%%26c" % d.gemini_port,
        "GEMINI_URL_PATH": "/fcgi/env.sh/extra/path",
        "SCRIPT_NAME": "/fcgi/env.sh", "PATH_INFO": "/extra/path",
        "SCRIPT_FILENAME": root + "/fcgi/env.sh", "DOCUMENT_ROOT": root,
        "QUERY_STRING": "a%20b%26c", "GEMINI_SEARCH_STRING": "a b&c",
        "REMOTE_ADDR": "127.0.0.1", "REMOTE_HOST": "127.0.0.1",
        "TLS_VERSION": r.version, "TLS_CIPHER": r.cipher,
        "AUTH_TYPE": "Certificate", "REMOTE_USER": "alice",
        "TLS_CLIENT_HASH": fingerprint,
        "TLS_CLIENT_SUBJECT": "/O=Capsule Test/CN=alice",
        "TLS_CLIENT_ISSUER": "/O=Capsule Test/CN=alice",
        "TLS_CLIENT_NOT_BEFORE": dates["notBefore"],
        "TLS_CLIENT_NOT_AFTER": dates["notAfter"]}
    for name in GEMINI_VARS:
        got = env.get(name)
        ok = got is not None and (got.startswith(want[name])
                                  if name == "SERVER_SOFTWARE"
                                  else got == want[name])
        check(ok, "fcgiwrap, gemini: %s is %r" % (name, want[name]),
              (got, r.data[:300]))
    extra = set(env) - CONTRACT - WRAPPER_OWN
    leaked = [k for k, v in env.items() if CANARY in k or CANARY in v]
    check(r.header() == b"20 text/plain" and not extra and not leaked,
          "fcgiwrap, gemini: no variable beyond the contract's, nothing of "
          "capsuled's own environment", (extra, leaked, r.data[:200]))
    r = gemini(d, "/fcgi/env.sh")
    env = env0(r.body())
    check(not CERT_VARS & set(env) and env.get("TLS_VERSION") and
          "QUERY_STRING" not in env and env.get("PATH_INFO", "") == "",
          "fcgiwrap, gemini: without a certificate no AUTH_TYPE, "
          "REMOTE_USER or TLS_CLIENT_*; without a query no QUERY_STRING",
          env)
    page = gemini(d, "/fcgi/page.sh")
    static = gemini(d, "/static/page.gmi")
    check(page.data == fcgiwrap_cgi(static.data) and page.clean and
          page.data.startswith(b"20 text/gemini\r\n# A page"),
          "fcgiwrap, gemini: a script's gemtext goes out as fcgiwrap passed "
          "it on (CRLF up to the first empty line: fcgiwrap's doing)",
          (page.data[:200], static.data[:200]))

    # 2. fcgiwrap on Gopher: a type-7 search, the menu rendering.
    search = "search words&more=\u00e9"
    g = gopher(d, ("/fcgi/env.sh/x\t" + search).encode())
    env = env0(g)
    want = {"SERVER_PROTOCOL": "GOPHER", "SERVER_PORT": str(d.gopher_port),
            "SELECTOR": "/fcgi/env.sh/x", "SEARCHREQUEST": search,
            "QUERY_STRING": "search%20words%26more%3D%C3%A9",
            "GEMINI_SEARCH_STRING": search, "SCRIPT_NAME": "/fcgi/env.sh",
            "PATH_INFO": "/x"}
    for name in GOPHER_VARS:
        check(env.get(name) == want[name], "fcgiwrap, gopher search: %s is "
              "%r" % (name, want[name]), (env.get(name), g[:300]))
    check(not (set(env) & (CERT_VARS | {"TLS_VERSION", "TLS_CIPHER"})) and
          not set(env) - CONTRACT - WRAPPER_OWN,
          "fcgiwrap, gopher: no TLS variable, nothing beyond the contract",
          sorted(env))
    gpage = gopher(d, "/fcgi/page.sh")
    gstatic = gopher(d, "/static/page.gmi")
    ok, why = menu_ok(gpage)
    items = [b"1A page only a responder knows\t/py/echo\t",
             b"\t/fcgi/page.sh\tlocalhost\t%d\r\n" % d.gopher_port]
    check(gpage == gstatic and ok and b"iA page for FastCGI" in gpage and
          all(i in gpage for i in items),
          "fcgiwrap, gopher: a script's gemtext is the menu the same text "
          "makes as a static page, byte for byte (links to responders are "
          "menus)", (why, gpage, gstatic))
    check(wrap.poll() is None, "fcgiwrap is still running (no request "
          "upset it)")

    # 3. fcgi_responder.py: params over unix (location param lines) and
    # TCP (a fastcgi block with param and strip).
    r = gemini(d, "/py/env/a/b?x%20y")
    p = params_of(r)
    names = [k for k, _ in p["params"]]
    pd = dict(p["params"])
    check(names.count("SERVER_NAME") == 1 and
          pd.get("SERVER_NAME") == "override.example",
          "unix: a param line replaces capsuled's own variable (one "
          "SERVER_NAME, the configured one)", p["params"])
    check(pd.get("CUSTOM_ONE") == "custom value one",
          "unix: a param line adds a variable of its own", p["params"])
    check(pd.get("SCRIPT_NAME") == "/py/env" and
          pd.get("PATH_INFO") == "/a/b" and
          pd.get("SCRIPT_FILENAME") == root + "/py/env" and
          pd.get("DOCUMENT_ROOT") == root,
          "unix: without strip, SCRIPT_NAME is the longest prefix that is "
          "a file of the capsule, the rest PATH_INFO", pd)
    check(pd.get("QUERY_STRING") == "x%20y" and
          pd.get("GEMINI_SEARCH_STRING") == "x y" and
          len(names) == len(set(names)),
          "unix: the query as it came, every name once", p["params"])
    allowed = CONTRACT | {"CUSTOM_ONE", "CUSTOM_TWO"}
    check(not set(names) - allowed and
          not [v for v in pd.values() if CANARY in v],
          "unix: no parameter beyond the contract and the param lines",
          sorted(set(names) - allowed))
    check(p["begin"] == {"id": 1, "role": 1, "flags": 0} and
          p["records"][-1] == 5 and p["records"].count(1) == 1 and
          p["stdin"] == 0,
          "unix: BEGIN_REQUEST for the responder role without keep-conn, "
          "PARAMS, an empty STDIN", p)
    r = gemini(d, "/tcp/env/a/b?real=2")
    p = params_of(r)
    names = [k for k, _ in p["params"]]
    pd = dict(p["params"])
    check(pd.get("SCRIPT_NAME") == "/tcp" and
          pd.get("PATH_INFO") == "/env/a/b" and
          pd.get("SCRIPT_FILENAME") == root + "/tcp",
          "tcp: strip 1 makes the first component SCRIPT_NAME, the rest "
          "PATH_INFO", pd)
    check(names.count("QUERY_STRING") == 1 and
          pd.get("QUERY_STRING") == "forced=1" and
          pd.get("CUSTOM_TWO") == "two" and "CUSTOM_ONE" not in pd,
          "tcp: the block's param lines override and add (and only its "
          "own location's)", p["params"])
    g = gopher(d, "/tcp/env")
    pd = dict(params_of(Reply(b"\r\n" + g, 1, "", "", 0))["params"])
    check(pd.get("SERVER_PROTOCOL") == "GOPHER" and
          pd.get("SELECTOR") == "/tcp/env" and "TLS_VERSION" not in pd,
          "tcp, gopher: the Gopher variables (a text/plain body goes out "
          "as it is)", g[:300])

    # 4. Records: one byte each, padded with STDERR between, on both
    # protocols, against the static page and the bytes themselves.
    for how in ("tiny", "pad"):
        r = gemini(d, "/py/file/%s/static/page.gmi" % how)
        check(r.data == static.data and r.clean,
              "gemini: output in %s records arrives as the static page's"
              % how, (r.data[:200], static.data[:200]))
        g = gopher(d, "/py/file/%s/static/page.gmi" % how)
        check(g == gstatic, "gopher: output in %s records renders as the "
              "static page's menu" % how, (g, gstatic))
    binary = bytes(range(256)) * 4
    r = gemini(d, "/tcp/bytes/tiny")
    check(r.data == b"20 application/octet-stream\r\n" + binary and r.clean,
          "gemini: binary output in one-byte records, every byte value "
          "intact", r.data[:100])
    g = gopher(d, "/tcp/bytes/pad")
    check(g == binary, "gopher: a 20 other than text/gemini goes out raw "
          "(padded records)", g[:100])
    r = gemini(d, "/py/file/one/static/page.gmi")
    check(r.data == static.data, "gemini: output in one record",
          r.data[:100])
    check("pad-stderr 0" in d.logtext(), "the STDERR records between the "
          "padded ones went to the log, not to the client")

    # 5. Conversions: 1x, 3x, 4x-6x.
    g = gopher(d, "/py/status/10")
    check(g == b"7Your name?\t/py/status/10\tlocalhost\t%d\r\n.\r\n"
          % d.gopher_port, "gopher: 10 is a type-7 item to the same "
          "selector", g)
    g = gopher(d, "/py/status/30")
    gr = gopher(d, "/static/redirect.gmi")
    check(b"\t/static/a.gmi\tlocalhost\t%d\r\n" % d.gopher_port in g and
          g == gr and g.endswith(b".\r\n"),
          "gopher: 30 is a menu with an item for the target (as the link "
          "would be in a page)", (g, gr))
    r = gemini(d, "/py/status/10")
    check(r.data == b"10 Your name?\r\n" and r.clean,
          "gemini: 10 goes out as it came", r.data)
    for code, meta in ((42, b"Script said no"), (51, b"Not here"),
                       (60, b"Certificate please")):
        r = gemini(d, "/py/status/%d" % code)
        check(r.data == b"%d %s\r\n" % (code, meta) and r.clean,
              "gemini: %d goes out as it came" % code, r.data)
        g = gopher(d, "/py/status/%d" % code)
        check(g.startswith(b"3" + meta + b"\t") and g.endswith(b".\r\n") and
              g.count(b"\r\n") == 2,
              "gopher: %d is a type-3 line with its meta" % code, g)

    # 6. STDERR: logged, escaped, bounded.
    r = gemini(d, "/py/stderr")
    check(r.data == b"20 text/plain\r\nstderr done\n",
          "stderr: the response is unaffected", r.data)
    log = d.logtext()
    check("stderr-mark one" in log, "stderr: the responder's STDERR is "
          "logged", log[-500:])
    check("\x1b" not in log and "\x07" not in log and
          not re.search(r"^FORGED-LINE", log, re.M),
          "stderr: logged escaped: no raw control byte, no line of the "
          "responder's own making", [l for l in log.splitlines()
                                     if "stderr-mark" in l or
                                     "FORGED" in l])
    size0 = len(d.logtext().encode())
    r = gemini(d, "/py/flood/5000")
    check(r.data == b"20 text/plain\r\nflood done\n",
          "stderr flood: 5,000 STDERR records, then the response arrives",
          r.data)
    time.sleep(0.3)
    log = d.logtext()
    flood = log.count("flood-line ")
    check(0 < flood <= STDERR_LINES, "stderr flood: at most "
          "DYN_STDERR_LINES (%d) of them logged" % STDERR_LINES, flood)
    grown = len(log.encode()) - size0
    check(grown <= STDERR_LINES * 700 + 2000, "stderr flood: the log "
          "grew by %d bytes, within the bound" % grown, grown)

    # 7. Garbage, and a close without END_REQUEST.
    for kind, why in GARBAGE.items():
        size0 = len(d.logtext())
        r = gemini(d, "/py/garbage/%s" % kind)
        logged = wait_for(lambda: "/py/garbage/%s: %s" % (kind, why) in
                          d.logtext()[size0:], 2)
        check(r.data.startswith(b"42 ") and r.data.count(b"\r\n") == 1 and
              r.data.endswith(b"\r\n") and r.clean and logged,
              "garbage (%s): 42 and nothing of it; logged%s" %
              (kind, ": " + why if why else ""),
              (r.data[:200], d.logtext()[size0:][-300:]))
    g = gopher(d, "/py/garbage/http")
    check(g.startswith(b"3") and b"HTTP" not in g and g.endswith(b".\r\n"),
          "garbage (http), gopher: a type-3 line", g)
    g = gopher(d, "/py/garbage/noheader")
    check(g.startswith(b"3") and b"hello" not in g, "garbage (no header), "
          "gopher: a type-3 line", g)
    r = gemini(d, "/py/noend/early")
    check(r.data.startswith(b"42 ") and r.data.count(b"\r\n") == 1,
          "no END_REQUEST, no output: 42", r.data)
    g = gopher(d, "/py/noend/early")
    check(g.startswith(b"3"), "no END_REQUEST, no output, gopher: type 3",
          g)
    r = gemini(d, "/py/noend/mid")
    check(r.data == b"20 text/gemini\r\n# Cut\nfirst line\n",
          "no END_REQUEST after part of the body: the client has what was "
          "sent", r.data)
    check(not r.clean, "no END_REQUEST after part of the body: the reply "
          "ends without close_notify, so the client can tell it is cut",
          r.data)
    g = gopher(d, "/py/noend/mid")
    check(b"first line" in g and not g.endswith(b".\r\n"),
          "no END_REQUEST after part of the body, gopher: the menu has no "
          "final . line, so the client can tell it is cut", g)

    # 8. Not there: 42 at once, and the daemon serves on.
    workers = d.workers()
    for path in ("/none/x", "/nonetcp/x"):
        r = gemini(d, path)
        check(r.data.startswith(b"42 ") and r.elapsed < 1.5,
              "%s: no responder there, 42 at once (%.2f s)"
              % (path, r.elapsed), r.data)
    g = gopher(d, "/none/x")
    check(g.startswith(b"3") and gopher.elapsed < 1.5, "no responder "
          "there, gopher: a type-3 line at once", g)
    r = gemini(d, "/static/a.gmi")
    check(r.data == b"20 text/gemini\r\n# A\n" and d.workers() == workers
          and d.proc.poll() is None, "after all that the daemon serves on, "
          "with the same workers", (r.data, workers, d.workers()))
    check(wait_for(lambda: "nothing-here.sock" in d.logtext(), 3),
          "the missing responder is named in the log")

    # 9. 50 MB to a slow reader, over TCP.
    base = {w: 0 for w in d.workers()}
    for w in base:
        with open("/proc/%d/status" % w) as f:
            base[w] = int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))
    peak = {"kb": 0}
    sampling = threading.Event()

    def sample():
        while not sampling.is_set():
            for w, b0 in base.items():
                try:
                    with open("/proc/%d/status" % w) as f:
                        kb = int(re.search(r"VmRSS:\s+(\d+)",
                                           f.read()).group(1))
                except (OSError, AttributeError):
                    continue
                peak["kb"] = max(peak["kb"], kb - b0)
            time.sleep(0.05)

    def progress(tag):
        try:
            with open(os.path.join(STATE, tag)) as f:
                return int(f.read() or 0)
        except (OSError, ValueError):
            return 0

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    ctx = client_context()
    raw = socket.socket()
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    raw.settimeout(30)
    raw.connect(("127.0.0.1", d.gemini_port))
    t = ctx.wrap_socket(raw, server_hostname="localhost",
                        suppress_ragged_eofs=False)
    t.sendall(b"gemini://localhost:%d/tcp/big/%d/big1\r\n"
              % (d.gemini_port, BIG))
    got = bytearray(t.recv(65536))
    # Read nothing for a while: the responder must be held back.
    time.sleep(2.0)
    held1 = progress("big1")
    time.sleep(1.5)
    held2 = progress("big1")
    clean = False
    try:
        while True:
            b = t.recv(262144)
            if not b:
                clean = True
                break
            got += b
            if len(got) % (4 << 20) < len(b):
                time.sleep(0.05)        # slow, but not too slow
    except (ssl.SSLError, OSError):
        pass
    t.close()
    sampling.set()
    sampler.join(5)
    check(held2 - held1 <= 2 * CHUNK and held2 < BIG // 2,
          "50 MB: while the client reads nothing the responder is held "
          "back (%d bytes handed over, then %d)" % (held1, held2),
          (held1, held2))
    # Under ASan (CAPSULED_SANITIZED) freed memory waits in the
    # quarantine (256 MiB by default) and still counts as RSS, and
    # OpenSSL frees and takes again its write buffer for every record
    # (SSL_MODE_RELEASE_BUFFERS): the bound is then the quarantine's.
    limit = 8 * 1024 if not os.environ.get("CAPSULED_SANITIZED") else \
        256 * 1024
    check(peak["kb"] < limit, "50 MB: the workers' memory grew by "
          "%d KiB at most" % peak["kb"], peak)
    head = b"20 application/octet-stream\r\n"
    body = bytes(got[len(head):]) if bytes(got[:len(head)]) == head else b""
    check(len(body) == BIG and clean, "50 MB: the body arrived whole "
          "(%d bytes), ended by close_notify" % len(body), len(got))
    h = hashlib.sha256()
    for i in range(BIG // CHUNK + 1):
        h.update((hashlib.sha256(b"%d" % i).digest() * 2048)[:CHUNK]
                 [:max(0, BIG - i * CHUNK)])
    check(hashlib.sha256(body).hexdigest() == h.hexdigest(),
          "50 MB: the body is intact (SHA-256)")

    # 10. 100 at once: Gemini and Gopher, each answered with its own.
    results = {}
    gate = threading.Barrier(CONCURRENT_GEMINI + CONCURRENT_GOPHER)

    def one(i):
        try:
            gate.wait(20)
            if i < CONCURRENT_GEMINI:
                r = gemini(d, "/py/echo?n%d" % i, timeout=30)
                results[i] = r.data if r.clean else b"unclean " + r.data
            else:
                results[i] = gopher(d, "/py/echo\tn %d" % i, timeout=30)
        except Exception as e:      # a failure is a result too
            results[i] = repr(e).encode()

    threads = [threading.Thread(target=one, args=(i,))
               for i in range(CONCURRENT_GEMINI + CONCURRENT_GOPHER)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    bad = {}
    for i in range(CONCURRENT_GEMINI + CONCURRENT_GOPHER):
        want = (b"20 text/plain\r\necho /py/echo n%d\n" % i
                if i < CONCURRENT_GEMINI else
                b"echo /py/echo n%%20%d\n" % i)
        if results.get(i) != want:
            bad[i] = results.get(i)
    check(not bad, "100 at once (%d Gemini, %d Gopher): every one answered "
          "with its own reply" % (CONCURRENT_GEMINI, CONCURRENT_GOPHER),
          dict(list(bad.items())[:5]))
    try:
        stats = json.loads(gemini(d, "/py/stats").body())
    except ValueError:
        stats = {}
    if not isinstance(stats, dict):
        stats = {}
    check(stats.get("max", 0) >= 20, "100 at once: the responder had "
          "%s of them in flight together" % stats.get("max"), stats)

    # 11. A reload while a request is in flight.
    ctx = client_context()
    raw = socket.create_connection(("127.0.0.1", d.gemini_port), 15)
    t = ctx.wrap_socket(raw, server_hostname="localhost",
                        suppress_ragged_eofs=False)
    t.sendall(b"gemini://localhost:%d/py/slow\r\n" % d.gemini_port)
    got = t.recv(65536)
    reloaded = d.reload()
    t_reload = time.time()
    clean = False
    try:
        while True:
            b = t.recv(65536)
            if not b:
                clean = True
                break
            got += b
    except (ssl.SSLError, OSError):
        pass
    t_end = time.time()
    t.close()
    check(reloaded, "reload: the new configuration is served")
    check(got == b"20 text/plain\r\nslow part one\nslow part two\n"
          b"slow part three\n" and clean,
          "reload: the request in flight completes, close_notify at its "
          "end", got)
    check(t_end > t_reload + 0.5, "reload: it was still in flight when "
          "the reload was done (%.2f s later)" % (t_end - t_reload))
    r = gemini(d, "/tcp/env")
    check(r.data.startswith(b"20 text/plain\r\n{"), "reload: FastCGI "
          "requests work after it", r.data[:100])

    # 12. Timeouts, on a daemon with timeout cgi 2.
    d2 = Daemon(files=FILES, conf=CONF_TIMEOUT % {"timeout": CGI_TIMEOUT,
                                                  "py": PY_SOCK})
    r = gemini(d2, "/py/hang")
    check(r.data.startswith(b"42 ") and
          CGI_TIMEOUT - 0.5 <= r.elapsed <= CGI_TIMEOUT + MARGIN,
          "a responder that never answers: 42 after timeout cgi (%.2f s)"
          % r.elapsed, r.data)
    g = gopher(d2, "/py/hang")
    check(g.startswith(b"3") and gopher.elapsed <= CGI_TIMEOUT + MARGIN,
          "a responder that never answers, gopher: type 3 after timeout "
          "cgi (%.2f s)" % gopher.elapsed, g)
    r = gemini(d2, "/py/idle")
    check(r.data == b"20 text/plain\r\npartial\n" and
          r.elapsed <= CGI_TIMEOUT + MARGIN,
          "a responder that stops after the header: the reply ends after "
          "timeout cgi of silence (%.2f s)" % r.elapsed, r.data)
    check(not r.clean, "a responder that stops after the header: no "
          "close_notify, so the client can tell the reply is cut", r.data)
    check(wait_for(lambda: "no response in" in d2.logtext() and
                   "no more output in" in d2.logtext(), 3),
          "timeouts are logged", d2.logtext()[-600:])
finally:
    stop_started()
done()
