"""
test_haproxy.py: two capsuled instances behind Debian's HAProxy in TCP
mode with send-proxy-v2, all on loopback high ports.  Requests spread
over both instances; their access logs show the real client address
(the client connects from 127.0.0.2, HAProxy from 127.0.0.1); Gopher
menus name the balancer's public port; a rolling reload (SIGHUP to each
instance in turn under load) loses no request; and when one instance
stops, HAProxy's health check sends everything to the other with no
failure after the switch.
"""

import os
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import threading
import time

from harness import (Daemon, check, client_context, done, menu_ok, plan,
                     wait_for)

plan(10)

CLIENT_ADDR = "127.0.0.2"

INSTANCE = """{user}prefork 2
timeout request 5
access-log "{dir}/access.log"
server "localhost" {{
\troot "{root}"
\tcert "{crt}"
\tkey "{key}"
\tpublic gemini port {public_gemini}
\tpublic gopher port {public_gopher}
\tlisten gemini on 127.0.0.1 port {gemini_port} proxy-protocol
\tlisten gopher on 127.0.0.1 port {gopher_port} proxy-protocol
}}
"""

HAPROXY = """global
\tmaxconn 4000
defaults
\tmode tcp
\ttimeout connect 2s
\ttimeout client 20s
\ttimeout server 20s
\tretries 3
\toption redispatch
frontend gemini
\tbind fd@{fg_fd}
\tdefault_backend gemini
backend gemini
\tbalance roundrobin
\tdefault-server send-proxy-v2 check inter 200ms fall 2 rise 2
\tserver a 127.0.0.1:{ag}
\tserver b 127.0.0.1:{bg}
frontend gopher
\tbind fd@{fo_fd}
\tdefault_backend gopher
backend gopher
\tbalance roundrobin
\tdefault-server send-proxy-v2 check inter 200ms fall 2 rise 2
\tserver a 127.0.0.1:{ao}
\tserver b 127.0.0.1:{bo}
"""

PAGE = "# Scaled out\n\n" + "A line of the guide.\n" * 100
PAGE2 = "# Scaled out again\n\n" + "A line of the new guide.\n" * 100


class Instance(Daemon):
    def __init__(self, public_gemini, public_gopher):
        self.public_gemini = public_gemini
        self.public_gopher = public_gopher
        super().__init__(files={"index.gmi": PAGE}, conf=INSTANCE)

    def access(self):
        path = os.path.join(self.dir, "access.log")
        if not os.path.exists(path):
            return []
        with open(path) as f:
            return [x for x in f.read().splitlines() if x]


def gemini_req(port, path="/"):
    sock = socket.socket()
    sock.settimeout(10)
    sock.bind((CLIENT_ADDR, 0))
    sock.connect(("127.0.0.1", port))
    tls = client_context().wrap_socket(sock, server_hostname="localhost",
                                       suppress_ragged_eofs=False)
    data = b""
    try:
        tls.sendall(b"gemini://localhost:%d%s\r\n" % (port, path.encode()))
        while True:
            b = tls.recv(65536)
            if not b:
                break
            data += b
    except (ssl.SSLError, OSError) as e:
        data += b"<" + repr(e).encode() + b">"
    finally:
        tls.close()
    return data


def gopher_req(port, sel=b"/"):
    sock = socket.socket()
    sock.settimeout(10)
    sock.bind((CLIENT_ADDR, 0))
    data = b""
    try:
        sock.connect(("127.0.0.1", port))
        sock.sendall(sel + b"\r\n")
        while True:
            b = sock.recv(65536)
            if not b:
                break
            data += b
    except OSError as e:
        data += b"<" + repr(e).encode() + b">"
    finally:
        sock.close()
    return data


class Load:
    """Clients asking over both protocols until stopped (bounded)."""

    def __init__(self, fg, fo, want_gem, want_gopher, clients=4):
        """want_gem, want_gopher: the answer expected, or a function
        that says whether an answer is one of those expected."""
        self.fg, self.fo = fg, fo
        self.want = tuple(w if callable(w) else (lambda r, w=w: r == w)
                          for w in (want_gem, want_gopher))
        self.lock = threading.Lock()
        self.log = []	# (time, ok)
        self.stop_ev = threading.Event()
        self.threads = [threading.Thread(target=self.run, args=(i,))
                        for i in range(clients)]
        for t in self.threads:
            t.start()

    def run(self, n):
        deadline = time.time() + 60
        i = 0
        while not self.stop_ev.is_set() and time.time() < deadline and \
                i < 20000:
            i += 1
            if (i + n) % 2:
                ok = self.want[0](gemini_req(self.fg))
            else:
                ok = self.want[1](gopher_req(self.fo))
            with self.lock:
                self.log.append((time.time(), ok))

    def stop(self):
        self.stop_ev.set()
        for t in self.threads:
            t.join(70)
        return self.log


if shutil.which("haproxy") is None:
    check(False, "haproxy is installed (apt-get install haproxy)")
    done()


def held_socket():
    """A listening socket on a port the kernel picked, which HAProxy
    inherits (bind fd@N): its port is known before HAProxy starts, and
    nothing else can take it meanwhile (HAProxy refuses port 0)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(128)
    os.set_inheritable(s.fileno(), True)
    return s


front_gem, front_gopher = held_socket(), held_socket()
fg, fo = front_gem.getsockname()[1], front_gopher.getsockname()[1]
a = Instance(fg, fo)
b = Instance(fg, fo)
tmp = tempfile.mkdtemp()
cfg = os.path.join(tmp, "haproxy.cfg")
with open(cfg, "w") as f:
    f.write(HAPROXY.format(fg_fd=front_gem.fileno(),
                           fo_fd=front_gopher.fileno(), ag=a.gemini_port,
                           bg=b.gemini_port, ao=a.gopher_port,
                           bo=b.gopher_port))
hap = subprocess.Popen(["haproxy", "-db", "-f", cfg],
                       pass_fds=(front_gem.fileno(), front_gopher.fileno()),
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
# HAProxy has them now: ours would keep accepting connections too.
front_gem.close()
front_gopher.close()
try:
    deadline = time.time() + 10
    want_gem = b""
    while time.time() < deadline and not want_gem.startswith(b"20 "):
        time.sleep(0.2)
        want_gem = gemini_req(fg)
    check(want_gem == b"20 text/gemini\r\n" + PAGE.encode(),
          "haproxy: a Gemini request through the balancer is served",
          want_gem[:100])
    want_gopher = gopher_req(fo)
    check(want_gopher.startswith(b"iScaled out\t\tlocalhost\t%d\r\n" % fo),
          "haproxy: Gopher menus name the balancer's public port",
          want_gopher[:100])
    time.sleep(1)	# both servers seen up by the health checks

    for i in range(20):
        gemini_req(fg)
        gopher_req(fo)
    wait_for(lambda: len(a.access()) + len(b.access()) >= 40, 5)
    la, lb = a.access(), b.access()
    check(len(la) >= 10 and len(lb) >= 10,
          "haproxy: requests spread over both instances (%d and %d "
          "access lines)" % (len(la), len(lb)))
    check(all(" %s " % CLIENT_ADDR in x for x in la + lb),
          "haproxy: every access line shows the real client address %s" %
          CLIENT_ADDR, [x for x in la + lb if CLIENT_ADDR not in x][:3])

    # Rolling reload under load, to new content: while it rolls, each
    # answer is the old page or the new one, whole; afterwards, the new.
    new_gem = b"20 text/gemini\r\n" + PAGE2.encode()
    new_title = b"iScaled out again\t\tlocalhost\t%d\r\n" % fo

    def old_or_new_gopher(r):
        return r == want_gopher or (r.startswith(new_title) and
                                    menu_ok(r)[0])

    for inst in (a, b):
        with open(os.path.join(inst.root, "index.gmi"), "w") as f:
            f.write(PAGE2)
    load = Load(fg, fo, lambda r: r in (want_gem, new_gem), old_or_new_gopher)
    time.sleep(0.5)
    ra = a.reload()
    time.sleep(0.5)
    rb = b.reload()
    time.sleep(0.5)
    log = load.stop()
    bad = [t for t, ok in log if not ok]
    check(ra and rb, "haproxy: both instances reloaded")
    check(len(log) > 50 and not bad, "haproxy: a rolling reload under load "
          "loses no request (%d answered, %d failed)" % (len(log), len(bad)))
    after = [gemini_req(fg) for _ in range(6)]
    after_g = [gopher_req(fo) for _ in range(6)]
    check(all(r == new_gem for r in after) and
          all(r.startswith(new_title) and menu_ok(r)[0] and r == after_g[0]
              for r in after_g),
          "haproxy: after the rolling reload both instances serve the new "
          "page on both protocols", (after[0][:60], after_g[0][:60]))
    want_gem, want_gopher = new_gem, after_g[0]

    # Failover: stop one instance while the load runs.
    load = Load(fg, fo, want_gem, want_gopher)
    time.sleep(0.5)
    t_stop = time.time()
    rc = a.stop()
    time.sleep(1.5)		# > fall 2 x inter 200 ms
    t_switched = time.time()
    time.sleep(1.5)
    log = load.stop()
    during = [t for t, ok in log if not ok and t_stop <= t < t_switched]
    after = [t for t, ok in log if t >= t_switched]
    after_bad = [t for t, ok in log if not ok and t >= t_switched]
    check(rc == 0, "haproxy: the stopped instance exited cleanly")
    check(len(after) > 20 and not after_bad,
          "haproxy: after the switch every request is served by the other "
          "instance (%d answered, %d failed; %d failed during the switch)" %
          (len(after), len(after_bad), len(during)))
    nb = len(b.access())
    r = gemini_req(fg)
    check(r == want_gem and wait_for(lambda: len(b.access()) == nb + 1),
          "haproxy: the remaining instance answers alone", r[:60])
finally:
    hap.send_signal(signal.SIGTERM)
    try:
        hap.wait(10)
    except subprocess.TimeoutExpired:
        hap.kill()
    a.stop()
    b.stop()
    shutil.rmtree(tmp, ignore_errors=True)

done()
