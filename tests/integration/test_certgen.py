"""
test_certgen.py: the certificate a server gets on first start when it
names no cert and key (src/certgen.c), with the real daemon:

- quick mode without -c/-k: -n says it would make certs/localhost.* and
  creates nothing; the first start makes them (key 0600, certificate
  0644, directory 0700, no temporary file left), logs the SHA-256
  fingerprint, which is the certificate's on disk and the one the
  server presents; the pair is EC P-256, self-signed, valid until
  9999-12-31, for the name, and a client that checks the chain and the
  host name against it accepts it.
- Later starts and reloads reuse it; a certificate removed while the
  server runs is made anew by the next reload.
- The key is made and written by a child process that has exited
  before any worker starts; the parent never opens it (strace; the key
  process reads it).
- A configuration file: cert-dir (created with its parents), one pair
  per server, the aliases (names and an IP address) in the
  subjectAltName, SNI picks each server's own certificate.
- A certificate whose key is gone is refused, never replaced; a key
  without its certificate (an interrupted run) is replaced; a cert-dir
  that is not a directory fails start and -n; -c naming a missing file
  is an error, not a reason to make one; Gopher alone makes nothing.
"""

import hashlib
import os
import re
import shutil
import signal
import socket
import ssl
import stat
import subprocess
import tempfile
import time

from harness import (CAPSULED, TEST_USER, check, done, free_port,
                     gemini_raw, plain_raw, plan, wait_for)

TMP = tempfile.mkdtemp(prefix="capsuled-certgen-")
os.chmod(TMP, 0o755)
FP_MARK = "SHA-256 fingerprint "


def capsule(top):
    root = os.path.join(top, "capsule")
    os.makedirs(root, exist_ok=True)
    os.chmod(top, 0o755)
    with open(os.path.join(root, "index.gmi"), "w") as f:
        f.write("# Made on first start\n")
    return root


class Run:
    """A capsuled started in directory top (its quick-mode certs/ is
    top/certs) with the given arguments; ports are fresh."""

    def __init__(self, top, args=None, conf=None):
        self.top = top
        self.gem, self.gop = free_port(), free_port()
        self.log = os.path.join(top, "log")
        if conf is not None:
            path = os.path.join(top, "capsuled.conf")
            with open(path, "w") as f:
                f.write(conf.format(gem=self.gem, gop=self.gop, top=top,
                                    user=('user "%s"\n' % TEST_USER
                                          if TEST_USER else "")))
            self.argv = [CAPSULED, "-d", "-f", path]
        else:
            self.argv = [CAPSULED, "-d", "-j", "1",
                         "-p", "127.0.0.1:%d" % self.gem,
                         "-g", "127.0.0.1:%d" % self.gop]
            if TEST_USER:
                self.argv += ["-u", TEST_USER]
            self.argv += list(args or []) + ["capsule"]
        self.proc = None

    def check_only(self):
        p = subprocess.run(self.argv[:1] + ["-n"] + self.argv[2:],
                           cwd=self.top, capture_output=True, text=True,
                           timeout=30)
        return p.returncode, p.stdout + p.stderr

    def start(self, prefix=(), env=None):
        f = open(self.log, "ab")
        # Only what this start logs counts: the sockets are bound (and
        # accept into their backlog) before a certificate is made.
        seen = len(self.text())
        self.proc = subprocess.Popen(list(prefix) + self.argv, cwd=self.top,
                                     stdout=f, stderr=subprocess.STDOUT,
                                     env=env)
        f.close()
        ok = wait_for(lambda: self.proc.poll() is not None or
                      ((" on 127.0.0.1:" in self.text()[seen:]) and
                       self.accepting()),
                      timeout=20)
        return ok and self.proc.poll() is None

    def accepting(self):
        try:
            socket.create_connection(("127.0.0.1", self.gem), 1).close()
            return True
        except OSError:
            return False

    def text(self):
        try:
            with open(self.log, "rb") as f:
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    def reload(self):
        n = self.text().count("serving ")
        self.proc.send_signal(signal.SIGHUP)
        return wait_for(lambda: self.text().count("serving ") > n or
                        "reload failed" in self.text(), timeout=15) and \
            "reload failed" not in self.text()

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode if self.proc else None

    def fetch(self, sni="localhost", ctx=None, host=None):
        req = ("gemini://%s:%d/\r\n" % (host or sni, self.gem)).encode()
        try:
            return gemini_raw("127.0.0.1", self.gem, req, sni, ctx=ctx)[0]
        except (OSError, ssl.SSLError) as e:
            return ("<%s>" % e).encode()

    def presented(self, sni="localhost"):
        """SHA-256 of the certificate the server sends, "AB:CD:..."."""
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        with socket.create_connection(("127.0.0.1", self.gem), 5) as s:
            with ctx.wrap_socket(s, server_hostname=sni) as t:
                der = t.getpeercert(binary_form=True)
        return colons(hashlib.sha256(der).hexdigest())


def colons(hexdigest):
    h = hexdigest.upper()
    return ":".join(h[i:i + 2] for i in range(0, len(h), 2))


def openssl(*args, data=None):
    p = subprocess.run(["openssl"] + list(args), capture_output=True,
                       input=data, timeout=30)
    return p.returncode, p.stdout.decode(errors="replace") + \
        p.stderr.decode(errors="replace")


def file_fp(crt):
    rc, out = openssl("x509", "-in", crt, "-noout", "-fingerprint",
                      "-sha256")
    return out.strip().split("=", 1)[1] if rc == 0 and "=" in out else None


def logged_fps(text):
    return [line.split(FP_MARK, 1)[1].strip()
            for line in text.splitlines() if FP_MARK in line]


def listing(d):
    out = []
    for top, dirs, files in os.walk(d):
        for n in dirs + files:
            out.append(os.path.relpath(os.path.join(top, n), d))
    return sorted(out)


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def verifying_ctx(crt):
    """A client that trusts only crt and checks the host name."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(cafile=crt)
    ctx.check_hostname = True
    ctx.verify_mode = ssl.CERT_REQUIRED
    return ctx


runs = []
STRACE_CHECKS = 3


def new_run(name, **kw):
    top = os.path.join(TMP, name)
    os.makedirs(top)
    capsule(top)
    r = Run(top, **kw)
    runs.append(r)
    return r


plan(41 + STRACE_CHECKS)
try:
    # --- quick mode: -n, then the first start ------------------------
    r = new_run("quick")
    before = listing(r.top)
    rc, out = r.check_only()
    check(rc == 0 and "would make a self-signed certificate "
          "certs/localhost.crt and key certs/localhost.key" in out and
          "configuration OK" in out,
          "quick mode -n: says it would make certs/localhost.*", (rc, out))
    check(listing(r.top) == before, "quick mode -n: creates nothing",
          listing(r.top))

    t0 = time.time()
    check(r.start(), "quick mode: starts without -c/-k", r.text())
    started_in = time.time() - t0
    crt = os.path.join(r.top, "certs", "localhost.crt")
    key = os.path.join(r.top, "certs", "localhost.key")
    check(os.path.isfile(crt) and os.path.isfile(key),
          "quick mode: certs/localhost.crt and .key were made",
          listing(r.top))
    check(listing(os.path.join(r.top, "certs")) ==
          ["localhost.crt", "localhost.key"],
          "quick mode: no temporary file is left in certs/",
          listing(os.path.join(r.top, "certs")))
    check(mode(key) == 0o600 and mode(crt) == 0o644 and
          mode(os.path.join(r.top, "certs")) == 0o700,
          "quick mode: key 0600, certificate 0644, directory 0700",
          (oct(mode(key)), oct(mode(crt))))
    fps = logged_fps(r.text())
    disk = file_fp(crt)
    check(len(fps) == 1 and fps[0] == disk,
          "quick mode: the log names the SHA-256 fingerprint of the file",
          (fps, disk))
    served = r.presented()
    check(served == disk, "quick mode: the server presents that "
          "certificate", (served, disk))
    body = r.fetch()
    check(body.startswith(b"20 text/gemini") and b"Made on first start"
          in body, "quick mode: Gemini is served with it", body)

    rc, text = openssl("x509", "-in", crt, "-noout", "-text")
    check("ASN1 OID: prime256v1" in text and
          "Signature Algorithm: ecdsa-with-SHA256" in text,
          "certificate: EC P-256 key, ECDSA with SHA-256", text)
    check("Not After : Dec 31 23:59:59 9999 GMT" in text,
          "certificate: valid until 9999-12-31 (no expiry)", text)
    rc, asn = openssl("asn1parse", "-in", crt)
    check(":99991231235959Z" in asn and "GENERALIZEDTIME" in asn,
          "certificate: notAfter is GeneralizedTime 99991231235959Z", asn)
    check("Subject: CN = localhost" in text and
          "Issuer: CN = localhost" in text and
          "DNS:localhost" in text and "CA:FALSE" in text and
          "TLS Web Server Authentication" in text and
          "Digital Signature" in text,
          "certificate: self-signed for localhost, a server "
          "end-entity certificate", text)
    rc, out = openssl("verify", "-CAfile", crt, crt)
    check(rc == 0, "certificate: its signature verifies (openssl verify)",
          out)
    rc1, pub1 = openssl("x509", "-in", crt, "-noout", "-pubkey")
    rc2, pub2 = openssl("pkey", "-in", key, "-pubout")
    check(rc1 == 0 and rc2 == 0 and pub1 == pub2,
          "key: it is the certificate's key", (pub1, pub2))
    with open(key) as f:
        check(f.read().startswith("-----BEGIN PRIVATE KEY-----"),
              "key: PEM PKCS#8")
    body = r.fetch(ctx=verifying_ctx(crt))
    check(body.startswith(b"20 "), "a client that verifies the chain "
          "and the host name against the certificate accepts it", body)
    check(started_in < 10, "quick mode: first start within 10 s "
          "(%.2f s)" % started_in)

    st0 = os.stat(key)
    check(r.reload(), "reload: succeeds", r.text())
    check(r.presented() == disk and os.stat(key).st_ino == st0.st_ino and
          len(logged_fps(r.text())) == 1,
          "reload: the same certificate and key are used, nothing made",
          r.text())
    check(r.stop() == 0, "quick mode: stops")
    check(r.start(), "second start", r.text())
    check(r.presented() == disk and len(logged_fps(r.text())) == 1 and
          os.stat(key).st_ino == st0.st_ino,
          "second start: reuses the pair, makes none", r.text())

    os.unlink(crt)
    check(r.reload(), "reload without the certificate: succeeds", r.text())
    fps = logged_fps(r.text())
    check(len(fps) == 2 and fps[1] == file_fp(crt) != disk and
          r.presented() == fps[1],
          "reload without the certificate: a new pair is made, logged "
          "and served", (fps, disk))
    check("exited with status" not in r.text() and
          "killed by signal" not in r.text(),
          "reload: the child that made it is not taken for a worker",
          r.text())
    r.stop()

    # --- the parent never makes or writes the key --------------------
    if shutil.which("strace") is None:
        for _ in range(STRACE_CHECKS):
            check(False, "strace is installed (apt-get install strace)")
    else:
        r = new_run("strace")
        trace = os.path.join(r.top, "trace")
        # LeakSanitizer cannot work under ptrace; every other run here
        # looks for leaks.
        env = dict(os.environ)
        if env.get("ASAN_OPTIONS"):
            env["ASAN_OPTIONS"] += ":detect_leaks=0"
        ok = r.start(prefix=["strace", "-f", "-qq", "-o", trace, "-e",
                             "trace=openat,rename,clone,clone3,fork,"
                             "vfork,exit_group", "-e", "signal=none"],
                     env=env)
        check(ok, "strace: starts under strace", r.text())
        # SIGTERM to capsuled, not to strace, which would not pass it on.
        kids = subprocess.run(["pgrep", "-P", str(r.proc.pid)],
                              capture_output=True, text=True).stdout.split()
        for k in kids:
            os.kill(int(k), signal.SIGTERM)
        r.stop()
        with open(trace) as f:
            lines = f.read().splitlines()

        def pid_of(line):
            return int(line.split(None, 1)[0])
        # The first process traced is capsuled's parent (strace runs it).
        parent = pid_of(lines[0]) if lines else -1
        creators = [pid_of(ln) for ln in lines
                    if ".localhost.key." in ln and "O_CREAT" in ln]
        # The key process reads it; the parent never opens it at all.
        touched = [ln for ln in lines if "localhost.key" in ln and
                   pid_of(ln) == parent]
        check(len(creators) == 1 and creators[0] != parent and not touched,
              "strace: a child creates and renames the key; the parent "
              "never opens it", (parent, creators, touched))
        child = creators[0] if creators else -1
        exited = [i for i, ln in enumerate(lines)
                  if pid_of(ln) == child and "exit_group" in ln]
        forked = re.compile(r"^%d\s.*\b(clone3?|v?fork)\b.*\)\s+=\s+"
                            r"(\d+)$" % parent)
        forks = [i for i, ln in enumerate(lines)
                 if forked.match(ln) and
                 int(forked.match(ln).group(2)) != child]
        check(exited and forks and exited[0] < forks[0],
              "strace: the key's process exits before the first "
              "worker is forked", (exited[:1], forks[:1]))

    # --- configuration file: cert-dir, aliases, two servers ----------
    conf = """{user}cert-dir "{top}/state/lib/certs"
server "a.example" {{
\troot "{top}/capsule"
\talias "www.a.example"
\talias "127.0.0.1"
\tlisten gemini on 127.0.0.1 port {gem}
\tlisten gopher on 127.0.0.1 port {gop}
}}
server "b.example" {{
\troot "{top}/capsule"
\tlisten gemini on 127.0.0.1 port {gem}
}}
"""
    r = new_run("conf", conf=conf)
    rc, out = r.check_only()
    check(rc == 0 and out.count("would make") == 2 and
          not os.path.exists(os.path.join(r.top, "state")),
          "cert-dir: -n names both pairs and creates no directory",
          (rc, out))
    check(r.start(), "cert-dir: starts", r.text())
    d = os.path.join(r.top, "state", "lib", "certs")
    check(sorted(os.listdir(d)) == ["a.example.crt", "a.example.key",
                                    "b.example.crt", "b.example.key"] and
          mode(d) == 0o700 and
          mode(os.path.join(r.top, "state", "lib")) == 0o755,
          "cert-dir: created with its parents, one pair per server",
          listing(os.path.join(r.top, "state")))
    acrt = os.path.join(d, "a.example.crt")
    rc, text = openssl("x509", "-in", acrt, "-noout", "-ext",
                       "subjectAltName")
    check("DNS:a.example" in text and "DNS:www.a.example" in text and
          "IP Address:127.0.0.1" in text,
          "cert-dir: the aliases are in the subjectAltName", text)
    check(r.presented("a.example") == file_fp(acrt) and
          r.presented("b.example") == file_fp(os.path.join(
              d, "b.example.crt")) != file_fp(acrt),
          "cert-dir: SNI picks each server's own certificate")
    body = r.fetch(sni="www.a.example", ctx=verifying_ctx(acrt))
    check(body.startswith(b"20 "), "cert-dir: a verifying client "
          "accepts the certificate for an alias", body)
    r.stop()

    # --- what is refused --------------------------------------------
    r = new_run("nokey")
    check(r.start(), "orphan: first start", r.text())
    r.stop()
    crt = os.path.join(r.top, "certs", "localhost.crt")
    key = os.path.join(r.top, "certs", "localhost.key")
    fp0 = file_fp(crt)
    os.unlink(key)
    rc, out = r.check_only()
    check(rc == 1 and "has no key" in out and "pinned" in out,
          "a certificate without its key: -n refuses it", (rc, out))
    check(not r.start() and r.proc.returncode == 1 and
          "has no key" in r.text() and file_fp(crt) == fp0 and
          not os.path.exists(key),
          "a certificate without its key: start refuses, nothing is "
          "replaced", r.text())
    os.unlink(crt)
    with open(key, "w") as f:
        f.write("left over\n")
    check(r.start(), "a key without its certificate: starts", r.text())
    with open(key) as f:
        text = f.read()
    check("BEGIN PRIVATE KEY" in text and file_fp(crt) is not None,
          "a key without its certificate: replaced by a new pair",
          (text[:40], listing(os.path.join(r.top, "certs")), r.text()))
    r.stop()

    r = new_run("notdir")
    with open(os.path.join(r.top, "certs"), "w") as f:
        f.write("a file\n")
    rc, out = r.check_only()
    check(rc == 1 and "cert-dir certs" in out and "Not a directory" in out,
          "cert-dir a file: -n says so", (rc, out))
    check(not r.start() and "Not a directory" in r.text(),
          "cert-dir a file: start fails and says so", r.text())

    r = new_run("explicit", args=["-c", "missing.crt", "-k", "missing.key"])
    check(not r.start() and "missing.crt" in r.text() and
          not os.path.exists(os.path.join(r.top, "certs")),
          "-c naming a missing file: an error, nothing is made", r.text())

    r = new_run("gopher", conf="""{user}cert-dir "{top}/certs"
server "localhost" {{
\troot "{top}/capsule"
\tlisten gopher on 127.0.0.1 port {gop}
}}
""")
    r.gem = r.gop
    ok = r.start()
    got = plain_raw("127.0.0.1", r.gop, b"/\r\n")
    check(ok and b"Made on first start" in got and
          not os.path.exists(os.path.join(r.top, "certs")),
          "Gopher alone: served, no certificate made", (r.text(), got))
    r.stop()
finally:
    for r in runs:
        r.stop()
    # Nothing may outlive the test, whatever failed: every capsuled
    # started here runs in a directory under TMP.
    for d in os.listdir("/proc"):
        try:
            if d.isdigit() and os.readlink("/proc/%s/cwd" % d).startswith(
                    TMP + "/"):
                os.kill(int(d), signal.SIGKILL)
        except OSError:
            pass
    shutil.rmtree(TMP, ignore_errors=True)
done()
