"""
test_config.py: capsuled -f.  A configuration file serves Gemini and
Gopher; two servers on one Gemini address are told apart by SNI (their
own certificate and capsule) and the URL host must match; each server
keeps its own Gopher address.  -n checks a file without binding and
names what is wrong; -f and quick-mode flags do not mix.  SIGHUP re-reads
the file: a new address is bound, a kept one keeps its socket, a removed
one is closed, and a broken file keeps everything as it was.
"""

import os
import socket
import ssl
import subprocess
import time

from harness import (CAPSULED, SERVER, cert, check, client_context, Daemon,
                     done, gemini_raw, plain_raw, refused, wait_for, plan)

plan(48)

CONF = """# test configuration
{user}prefork 2
timeout request 2
""" + SERVER


def run(argv, timeout=30):
    p = subprocess.run(argv, capture_output=True, timeout=timeout)
    return p.returncode, p.stderr.decode(errors="replace")


def peer_cert(port, sni):
    """DER of the certificate the server presents for sni."""
    sock = socket.create_connection(("127.0.0.1", port), 5)
    tls = client_context().wrap_socket(sock, server_hostname=sni)
    der = tls.getpeercert(binary_form=True)
    tls.close()
    return der


def der_of(crt):
    with open(crt) as f:
        return ssl.PEM_cert_to_DER_cert(f.read())


def listening_inodes(port):
    """Inodes of the sockets listening on 127.0.0.1:port."""
    want = "0100007F:%04X" % port
    found = set()
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            cols = line.split()
            if cols[1] == want and cols[3] == "0A":
                found.add(cols[9])
    return found



def line_of(path, text):
    """The 1-based line of path that contains text."""
    with open(path) as f:
        for n, line in enumerate(f, 1):
            if text in line:
                return n
    return 0



# --- one server from a file --------------------------------------------
d = Daemon({"index.gmi": "# Home\n=> a.gmi A\n", "a.gmi": "# A\n"},
           conf=CONF)
try:
    r, clean = d.gemini(d.url("/a.gmi"))
    check(r == b"20 text/gemini\r\n# A\n" and clean,
          "file: Gemini served from a -f configuration", r)
    g = d.gopher("/a.gmi")
    check(g.startswith(b"iA\t"), "file: Gopher served from a -f "
          "configuration", g)
    check(len(d.workers()) == 2, "file: prefork 2 starts two workers",
          d.workers())
    # timeout request 2: an idle client is dropped after about 2 s.
    s = socket.create_connection(("127.0.0.1", d.gopher_port), 5)
    t0 = time.time()
    s.settimeout(8)
    try:
        gone = s.recv(1) == b""
    except OSError:
        gone = True
    took = time.time() - t0
    s.close()
    check(gone and 1.5 < took < 5, "file: timeout request 2 closes an "
          "idle connection after 2 s (%.1f s)" % took)

    # -n on the running setup: checks, binds nothing (the ports are
    # taken by the running daemon, so a bind would fail), exits 0.
    rc, err = run([CAPSULED, "-n", "-f", d.conf])
    check(rc == 0 and "configuration OK" in err,
          "-n: a good file exits 0 and says so", (rc, err))

    # Reload: add an address, change lang.  The file still says port 0
    # for the kept addresses, which must keep the ports they got.
    kept = listening_inodes(d.gemini_port)
    d.write_conf(CONF.replace(
        "port {gopher_port}\n",
        "port {gopher_port}\n\tlisten gemini on 127.0.0.2 port 0\n"
        "\tlang \"fr\"\n").replace("{gemini_port}", "0").replace(
            "{gopher_port}", "0"))
    check(d.reload(), "reload: an edited file is read again", d.logtext())
    extra = d.port("gemini", "127.0.0.2")
    r, _ = gemini_raw("127.0.0.2", extra,
                      ("gemini://localhost:%d/a.gmi\r\n" % extra).encode(),
                      "localhost")
    check(r == b"20 text/gemini; lang=fr\r\n# A\n",
          "reload: a new address is bound and the new lang applies", r)
    check(kept and listening_inodes(d.gemini_port) == kept,
          "reload: an address kept across the reload keeps its socket",
          (kept, listening_inodes(d.gemini_port)))
    r, _ = d.gemini(d.url("/a.gmi"))
    g = d.gopher("/")
    check(r == b"20 text/gemini; lang=fr\r\n# A\n" and
          b"\tlocalhost\t%d\r\n" % d.gopher_port in g,
          "reload: port 0 kept: URLs with the port bound are still ours, "
          "menus still name it", (r, g[:200]))

    # Reload with a broken file: nothing changes.
    with open(d.conf, "a") as f:
        f.write("max-connections many\n")
    check(not d.reload(), "reload: a broken file fails the reload")
    check("reload failed, keeping the current content: %s:%d: "
          "max-connections: \"many\" is not a number" %
          (d.conf, line_of(d.conf, "many")) in d.logtext(),
          "reload: the failure names file and line", d.logtext()[-400:])
    r, _ = gemini_raw("127.0.0.2", extra,
                      ("gemini://localhost:%d/a.gmi\r\n" % extra).encode(),
                      "localhost")
    check(r.startswith(b"20 text/gemini; lang=fr"),
          "reload: after a broken file the old setup still serves", r)

    # Remove the extra address again: it is closed.
    d.write_conf(CONF)
    check(d.reload(), "reload: back to the first file")
    check(wait_for(lambda: refused(extra, "127.0.0.2")),
          "reload: a removed address is closed")
    r, _ = d.gemini(d.url("/a.gmi"))
    check(r == b"20 text/gemini\r\n# A\n", "reload: the kept address "
          "still serves", r)
finally:
    d.stop()

# --- search off / search "prompt" ----------------------------------------
d = Daemon({"index.gmi": "# Home\nteam decisions\n"},
           conf=CONF.replace("\troot", '\tsearch "Find pages"\n\troot'))
try:
    r, _ = d.gemini(d.url("/search"))
    check(r == b"10 Find pages\r\n", "search: the prompt comes from the "
          "file", r)
    d.write_conf(CONF.replace("\troot", "\tsearch off\n\troot"))
    check(d.reload(), "search: reload with search off")
    r, _ = d.gemini(d.url("/search?team"))
    check(r == b"51 Not found\r\n", "search: search off turns it off", r)
finally:
    d.stop()

# --- two servers on one Gemini address ------------------------------------
two = """{user}prefork 1
server "a.test" {{
\troot "{dir}/a"
\tcert "{crt_a}"
\tkey "{key_a}"
\tlisten gemini on 127.0.0.1 port {gemini_port}
\tlisten gopher on 127.0.0.1 port {gopher_port}
}}
server "b.test" {{
\troot "{dir}/b"
\tcert "{crt_b}"
\tkey "{key_b}"
\tlisten gemini on 127.0.0.1 port {gemini_port}
\tlisten gopher on 127.0.0.1 port {gopher_b}
}}
"""
d = Daemon(None, start=False, conf="")
d.crt_a, d.key_a = cert("a.test")
d.crt_b, d.key_b = cert("b.test")
d.gopher_b = 0
os.makedirs(os.path.join(d.dir, "a"))
os.makedirs(os.path.join(d.dir, "b"))
with open(os.path.join(d.dir, "a", "index.gmi"), "w") as f:
    f.write("# Capsule A\n")
with open(os.path.join(d.dir, "b", "index.gmi"), "w") as f:
    f.write("# Capsule B\n")
d.write_conf(two)
try:
    d.start()
    d.gopher_port = d.port("gopher", server="a.test")
    d.gopher_b = d.port("gopher", server="b.test")
    port = d.gemini_port
    check(peer_cert(port, "a.test") == der_of(d.crt_a),
          "vhost: SNI a.test gets a.test's certificate")
    check(peer_cert(port, "b.test") == der_of(d.crt_b),
          "vhost: SNI b.test gets b.test's certificate")
    r, _ = gemini_raw("127.0.0.1", port, ("gemini://b.test:%d/\r\n" %
                                          port).encode(), "b.test")
    check(r == b"20 text/gemini\r\n# Capsule B\n",
          "vhost: SNI and URL b.test get capsule B", r)
    r, _ = gemini_raw("127.0.0.1", port, ("gemini://a.test:%d/\r\n" %
                                          port).encode(), "a.test")
    check(r == b"20 text/gemini\r\n# Capsule A\n",
          "vhost: SNI and URL a.test get capsule A", r)
    r, _ = gemini_raw("127.0.0.1", port, ("gemini://a.test:%d/\r\n" %
                                          port).encode(), "b.test")
    check(r.startswith(b"53 "), "vhost: URL host other than the SNI "
          "server gets 53", r)
    r, _ = gemini_raw("127.0.0.1", port, ("gemini://127.0.0.1:%d/\r\n" %
                                          port).encode(), None)
    check(r == b"20 text/gemini\r\n# Capsule A\n",
          "vhost: no SNI (IP literal) gets the first server", r)
    g = plain_raw("127.0.0.1", d.gopher_port, b"/\r\n")
    check(g.startswith(b"iCapsule A\t"), "vhost: a.test's Gopher address "
          "serves capsule A", g)
    g = plain_raw("127.0.0.1", d.gopher_b, b"/\r\n")
    check(g.startswith(b"iCapsule B\t"), "vhost: b.test's Gopher address "
          "serves capsule B", g)
finally:
    d.stop()

# --- -n and bad files -----------------------------------------------------
d = Daemon({"index.gmi": "# x\n"}, start=False, conf=CONF)


def check_n(text, want, name):
    d.write_conf(text)
    if callable(want):
        want = want()
    rc, err = run([CAPSULED, "-n", "-f", d.conf])
    check(rc == 1 and want in err, "-n: " + name, (rc, err, want))


check_n(CONF + "bogus 1\n", lambda: "%s:%d: unknown directive bogus" %
        (d.conf, line_of(d.conf, "bogus")),
        "a syntax error is reported as file:line")
check_n(CONF.replace("{crt}", "{dir}/missing.crt"),
        "certificate %s/missing.crt: No such file or directory" % d.dir,
        "a missing certificate is named")
check_n(CONF.replace("{key}", "{crt}"), d.crt,
        "a key file that holds no key is named")
other_key = cert("other.test")[1]
check_n(CONF.replace("{key}", other_key), other_key,
        "a key that does not match the certificate is named")
check_n(CONF.replace("{root}", "{dir}/nowhere"),
        "%s/nowhere: No such file or directory" % d.dir,
        "a missing capsule is named")
rc, err = run([CAPSULED, "-n", "-f", os.path.join(d.dir, "none.conf")])
check(rc == 1 and "none.conf: No such file or directory" in err,
      "-n: a missing configuration file is named", (rc, err))
rc, err = run([CAPSULED, "-n", "-f", d.conf, "-H", "example.org"])
check(rc == 1 and "cannot be combined" in err and "usage:" in err,
      "-f with a quick-mode flag is a usage error", (rc, err))
rc, err = run([CAPSULED, "-n", "-f", d.conf, d.root])
check(rc == 1 and "cannot be combined" in err,
      "-f with a root directory is a usage error", (rc, err))
# A bad file at startup: exit 1 with file:line, no usage noise.
d.write_conf(CONF.replace("prefork 2", "prefork 2 3"))
rc, err = run([CAPSULED, "-d", "-f", d.conf])
check(rc == 1 and ("%s:%d: expected end of line, got 3" %
                   (d.conf, line_of(d.conf, "prefork"))) in err
      and "usage:" not in err, "startup: a bad file exits 1 naming "
      "file:line", (rc, err))

# The shipped example, pointed at this test's files, checks clean.
example = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                       "..", "rc.d", "capsuled.conf.example")
with open(example) as f:
    text = f.read()
for old, new in (('"_capsuled"', '"nobody"'),
                 ("/var/log/capsuled/access.log", d.dir + "/access.log"),
                 ("/var/capsuled/example.org", d.root),
                 ("/etc/ssl/example.org.crt", d.crt),
                 ("/etc/ssl/private/example.org.key", d.key),
                 ("port 1965", "port %d" % d.gemini_port),
                 ("port 70\n", "port %d\n" % d.gopher_port)):
    check(old in text, "example: has %s" % old)
    text = text.replace(old, new)
os.makedirs(d.root, exist_ok=True)
with open(d.conf, "w") as f:
    f.write(text)
rc, err = run([CAPSULED, "-n", "-f", d.conf])
check(rc == 0 and "configuration OK" in err,
      "example: rc.d/capsuled.conf.example is a valid configuration",
      (rc, err))

# -n with quick-mode flags still works, and checks the capsule.
rc, err = run([CAPSULED, "-n", "-c", d.crt, "-k", d.key,
               os.path.join(d.dir, "nowhere")])
check(rc == 1 and "nowhere: No such file or directory" in err,
      "-n: quick mode names a missing capsule", (rc, err))
os.makedirs(d.root, exist_ok=True)
rc, err = run([CAPSULED, "-n", "-c", d.crt, "-k", d.key, d.root])
check(rc == 0 and "configuration OK" in err,
      "-n: quick mode on a good setup exits 0", (rc, err))

# Which configuration: with no flags /etc/capsuled.conf, with quick-mode
# flags never.  Checked in a mount namespace whose /etc is an overlay, so
# the host's /etc is untouched.
if os.geteuid() != 0:
    check(False, "default file: needs root for a private /etc (overlay "
          "in a mount namespace); CI runs as root")
else:
    upper = os.path.join(d.dir, "upper")
    work = os.path.join(d.dir, "work")
    os.makedirs(upper)
    os.makedirs(work)
    script = ("mount -t overlay overlay -o lowerdir=/etc,upperdir={u},"
              "workdir={w} /etc && printf 'prefork 1\\nbogus\\n' > "
              "/etc/capsuled.conf && {bin} -n; echo \"rc=$?\" && "
              "{bin} -n -c {crt} -k {key} {root}; echo \"rc=$?\"").format(
                  u=upper, w=work, bin=CAPSULED, crt=d.crt, key=d.key,
                  root=d.root)
    p = subprocess.run(["unshare", "-m", "sh", "-c", script],
                       capture_output=True, timeout=60)
    out = p.stdout.decode() + p.stderr.decode()
    check("/etc/capsuled.conf:2: unknown directive bogus" in out and
          out.count("rc=1") == 1,
          "default file: with no flags /etc/capsuled.conf is read", out)
    check("configuration OK" in out and "rc=0" in out,
          "default file: quick-mode flags ignore /etc/capsuled.conf", out)
    check(not os.path.exists("/etc/capsuled.conf") or
          "bogus" not in open("/etc/capsuled.conf").read(),
          "default file: the host's /etc is untouched")

done()
