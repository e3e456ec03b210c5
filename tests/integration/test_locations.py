"""
test_locations.py: location blocks and client certificates (issue 11),
end to end.  A capsule with a moved section (31, with strip), a retired
page (52), a members' area for a CA's certificates and a private page
for two listed fingerprints, answered to openssl s_client and Python's
ssl module presenting no certificate, self-signed ones, CA-signed ones,
an expired and a not yet valid one (all made here, with openssl); the
same on plain Gopher and on Gopher over TLS; per-location lang, default
type, index and auto index; the search never shows what a location
keeps back; a CertificateRequest only from a server that reads
certificates; -n and reloads with broken locations; amfora following the
redirect under tmux.
"""

import os
import re
import socket
import ssl
import subprocess

from harness import (CAPSULED, Daemon, cert, check, done, plan, wait_for,
                     _TMP)
from screen import Screen, have

plan(43)

CA_DIR = os.path.join(_TMP, "ca")


def run(*argv, stdin=None):
    return subprocess.run(argv, capture_output=True, text=True,
                          input=stdin, timeout=30)


def make_ca():
    os.makedirs(CA_DIR)
    with open(os.path.join(CA_DIR, "ca.cnf"), "w") as f:
        f.write("[ ca ]\ndefault_ca = mini\n[ mini ]\ndir = %s\n"
                "database = $dir/index.txt\nnew_certs_dir = $dir\n"
                "serial = $dir/serial\ndefault_md = sha256\npolicy = any\n"
                "unique_subject = no\n[ any ]\ncommonName = supplied\n"
                % CA_DIR)
    open(os.path.join(CA_DIR, "index.txt"), "w").close()
    with open(os.path.join(CA_DIR, "serial"), "w") as f:
        f.write("1000\n")
    run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
        "ec_paramgen_curve:P-256", "-nodes", "-days", "30", "-subj",
        "/CN=Members CA", "-keyout", ca("ca.key"), "-out", ca("ca.crt"))


def ca(name):
    return os.path.join(CA_DIR, name)


def self_signed(name):
    run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
        "ec_paramgen_curve:P-256", "-nodes", "-days", "30", "-subj",
        "/CN=" + name, "-keyout", ca(name + ".key"), "-out",
        ca(name + ".crt"))
    return ca(name + ".crt"), ca(name + ".key")


def ca_signed(name, start=None, end=None):
    run("openssl", "req", "-newkey", "ec", "-pkeyopt",
        "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=" + name,
        "-keyout", ca(name + ".key"), "-out", ca(name + ".csr"))
    argv = ["openssl", "ca", "-batch", "-config", ca("ca.cnf"), "-cert",
            ca("ca.crt"), "-keyfile", ca("ca.key"), "-in", ca(name + ".csr"),
            "-out", ca(name + ".crt"), "-notext"]
    argv += ["-startdate", start] if start else []
    argv += ["-enddate", end] if end else ["-days", "30"]
    r = run(*argv)
    if r.returncode != 0:
        raise RuntimeError(r.stderr)
    return ca(name + ".crt"), ca(name + ".key")


def fingerprint(crt):
    out = run("openssl", "x509", "-in", crt, "-noout", "-fingerprint",
              "-sha256").stdout
    return "SHA256:" + out.split("=", 1)[1].strip().replace(":", "")


make_ca()
ALICE = self_signed("alice")
CAROL = self_signed("carol")
MALLORY = self_signed("mallory")
BOB = ca_signed("bob")
OLD = ca_signed("old", "20200101000000Z", "20200201000000Z")
FUTURE = ca_signed("future", "20990101000000Z", "20990201000000Z")

FILES = {
    "index.gmi": "# Home\n\n=> /old/guide.gmi The old guide\n",
    "new/guide.gmi": "# New guide\n\nThe guide moved here.\n",
    "gone.gmi": "# Gone\n",
    "members/index.gmi": "# Members\n\nmembersonlyword is here.\n",
    "private/index.gmi": "# Private\n\nprivateonlyword is here.\n",
    "fr/index.gmi": "# Bonjour\n",
    "types/data.xyz": "some data\n",
    "main/index.gmi": "# The index\n",
    "main/main.gmi": "# The main page\n",
    "bare/file.txt": "text\n",
}

CONF = """{user}server "localhost" {{
\troot "{root}"
\tcert "{crt}"
\tkey "{key}"
\tlisten gemini on 127.0.0.1 port {gemini_port}
\tlisten gopher on 127.0.0.1 port {gopher_port}
\tlisten gopher on 127.0.0.2 port 0 tls
\tlocation "/old/*" {{
\t\tstrip 1
\t\tblock return 31 "/new%%p"
\t}}
\tlocation "/gone.gmi" {{ block return 52 "This page was retired" }}
\tlocation "/members/*" {{ require client ca "%(ca)s" }}
\tlocation "/private/*" {{
\t\tallow client "%(alice)s"
\t\tallow client "%(carol)s"
\t}}
\tlocation "/fr/*" {{ lang "fr" }}
\tlocation "/types/*" {{ default type "text/x-custom" }}
\tlocation "/main/*" {{ index "main.gmi" }}
\tlocation "/bare/*" {{ auto index off }}
}}
""" % {"ca": ca("ca.crt"), "alice": fingerprint(ALICE[0]),
       "carol": "SHA256:" + fingerprint(CAROL[0])[7:].lower()}


def s_client(d, path, who=None, port=None, host="127.0.0.1"):
    """The first line of the answer, through openssl s_client."""
    argv = ["openssl", "s_client", "-quiet", "-connect",
            "%s:%d" % (host, port or d.gemini_port), "-servername",
            "localhost"]
    if who:
        argv += ["-cert", who[0], "-key", who[1]]
    r = run(*argv, stdin="gemini://localhost:%d%s\r\n" % (d.gemini_port,
                                                          path))
    return r.stdout.split("\n")[0].rstrip("\r"), r.stdout


def py_ssl(d, path, who=None, port=None, host="127.0.0.1", raw=None):
    """The whole answer, through Python's ssl module."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    if who:
        ctx.load_cert_chain(who[0], who[1])
    s = socket.create_connection((host, port or d.gemini_port), 5)
    t = ctx.wrap_socket(s, server_hostname="localhost")
    t.sendall(raw if raw is not None else
              ("gemini://localhost:%d%s\r\n" % (d.gemini_port, path))
              .encode())
    data = b""
    while True:
        b = t.recv(4096)
        if not b:
            break
        data += b
    t.close()
    return data


d = Daemon(files=FILES, conf=CONF)
try:
    # Gemini, through openssl s_client.
    got = {p: s_client(d, p)[0] for p in ("/old/guide.gmi", "/gone.gmi",
                                           "/members/")}
    check(got["/old/guide.gmi"] == "31 /new/guide.gmi",
          "moved: strip 1 and %p send /old/guide.gmi to /new/guide.gmi",
          got)
    check(got["/gone.gmi"] == "52 This page was retired",
          "retired: 52 with the configured text", got)
    check(got["/members/"] == "60 Client certificate required",
          "members: no certificate, 60", got)
    cases = [("a self-signed certificate", ALICE, "61 "),
             ("the CA's certificate", BOB, "20 text/gemini"),
             ("an expired one of the CA's", OLD, "62 "),
             ("a not yet valid one of the CA's", FUTURE, "62 ")]
    for what, who, want in cases:
        line, whole = s_client(d, "/members/", who)
        check(line.startswith(want) and (want != "20 text/gemini" or
                                         "membersonlyword" in whole),
              "members: %s gets %s" % (what, want.strip()), whole[:200])
    check(s_client(d, "/members/none.gmi")[0].startswith("60 ") and
          s_client(d, "/members/none.gmi", BOB)[0].startswith("51"),
          "members: a missing page is 60 without a certificate (nothing "
          "said about what is there), 51 with one")
    for what, who, want in [("alice's", ALICE, "20 "),
                            ("carol's (listed in lower case)", CAROL, "20 "),
                            ("mallory's, not listed", MALLORY, "61 "),
                            ("the CA's, not listed", BOB, "61 "),
                            ("none", None, "60 ")]:
        line, whole = s_client(d, "/private/", who)
        check(line.startswith(want), "private: %s certificate gets %s" %
              (what, want.strip()), whole[:200])

    # The same through Python's ssl module.
    for what, who, want in [("the CA's", BOB, b"20 text/gemini"),
                            ("a self-signed", ALICE, b"61 "),
                            ("an expired", OLD, b"62 ")]:
        r = py_ssl(d, "/members/", who)
        check(r.startswith(want), "python ssl: %s certificate on the "
              "members' area gets %s" % (what, want.decode().strip()),
              r[:100])
    r = py_ssl(d, "/private/", ALICE)
    check(r.startswith(b"20 ") and b"privateonlyword" in r,
          "python ssl: alice reads the private page", r[:100])

    # Per-location settings.
    r = py_ssl(d, "/fr/")
    check(r.startswith(b"20 text/gemini; lang=fr\r\n"),
          "lang: a location's lang is in its header", r[:60])
    r = py_ssl(d, "/types/data.xyz")
    check(r.startswith(b"20 text/x-custom\r\n"),
          "default type: an unknown extension gets the location's", r[:60])
    r = py_ssl(d, "/main/")
    check(b"# The main page" in r, "index: the location's index file "
          "answers for its directory", r[:80])
    r = py_ssl(d, "/bare/")
    check(r.startswith(b"51"), "auto index off: a directory without its "
          "index is not found", r[:60])
    r = py_ssl(d, "/bare/file.txt")
    check(r.startswith(b"20 "), "auto index off: its files still are",
          r[:60])
    r = py_ssl(d, "/")
    check(b"lang=" not in r.split(b"\r\n")[0] and b"# Home" in r,
          "lang: other pages have the server's (none)", r[:60])

    # The search keeps what the locations keep.
    r = py_ssl(d, "/search?membersonlyword")
    r2 = py_ssl(d, "/search?privateonlyword")
    r3 = py_ssl(d, "/search?moved")
    check(r.startswith(b"20 ") and b"/members/" not in r and
          b"/private/" not in r2 and b"/new/guide.gmi" in r3,
          "search: pages a location keeps back are not found; others are",
          (r[:200], r2[:200], r3[:200]))

    # Plain Gopher.
    g = d.gopher("/old/guide.gmi")
    check(b"\t/new/guide.gmi\tlocalhost\t%d\r\n" % d.gopher_port in g and
          g.startswith(b"iMoved to /new/guide.gmi") and g.endswith(b".\r\n"),
          "gopher: the redirect is a menu with an item for the new "
          "selector", g)
    g = d.gopher("/gone.gmi")
    check(g.startswith(b"3This page was retired\t"), "gopher: 52 is a "
          "type-3 line with its text", g)
    g = d.gopher("/members/")
    check(g.startswith(b"3") and b"client certificate" in g and
          b"membersonlyword" not in g, "gopher: a certificate location is "
          "refused on plain Gopher", g)
    g = d.gopher("/fr/")
    check(g.startswith(b"iBonjour"), "gopher: other locations serve as "
          "before", g[:60])

    # Gopher over TLS: the certificate counts there too.
    tport = d.port("gopher", "127.0.0.2")
    r = py_ssl(d, None, BOB, tport, "127.0.0.2", b"/members/\r\n")
    check(b"iMembers" in r and b"membersonlyword" in r,
          "gopher tls: the CA's certificate opens the members' area", r)
    r = py_ssl(d, None, None, tport, "127.0.0.2", b"/members/\r\n")
    check(r.startswith(b"3Client certificate required"),
          "gopher tls: none gets a type-3 line saying so", r)
    r = py_ssl(d, None, ALICE, tport, "127.0.0.2", b"/members/\r\n")
    check(r.startswith(b"3Certificate not authorised"),
          "gopher tls: a self-signed one gets a type-3 line", r)
    r = py_ssl(d, None, OLD, tport, "127.0.0.2", b"/members/\r\n")
    check(r.startswith(b"3Certificate not valid"),
          "gopher tls: an expired one gets a type-3 line (62)", r)

    # A reload with a broken location keeps what is served.
    good = open(d.conf).read()
    with open(d.conf, "w") as f:
        f.write(good.replace('{ lang "fr" }', '{ lang "fr"\n\t\tbogus }'))
    check(not d.reload() and d.log_has("bogus is not allowed in a location "
                                        "block"),
          "reload: an unknown directive in a location fails the reload, "
          "with file and line")
    check(s_client(d, "/members/")[0].startswith("60 ") and
          py_ssl(d, "/fr/").startswith(b"20 text/gemini; lang=fr"),
          "reload: the running locations still hold")
    with open(d.conf, "w") as f:
        f.write(good.replace(ca("ca.crt"), ca("missing.crt")))
    n = run(CAPSULED, "-n", "-f", d.conf)
    line = [i + 1 for i, l in enumerate(good.splitlines())
            if "require client ca" in l][0]
    check(n.returncode == 1 and "%s:%d: require client ca %s: cannot read "
          "certificates from it" % (d.conf, line, ca("missing.crt")) in
          n.stderr, "-n: an unreadable CA file is an error with its line",
          n.stderr)
    check(not d.reload() and s_client(d, "/members/", BOB)[0].startswith(
          "20 "), "reload: a missing CA file fails it; the old CA still "
          "serves")
    with open(d.conf, "w") as f:
        f.write(good.replace('"/bare/*"', '"bare/*"'))
    n = run(CAPSULED, "-n", "-f", d.conf)
    check(n.returncode == 1 and "a location must start with / or a "
          "wildcard" in n.stderr and re.search(r"\.conf:\d+: location",
                                               n.stderr),
          "-n: a location that no path can match is an error", n.stderr)
    with open(d.conf, "w") as f:
        f.write(good)
    check(d.reload(), "reload: the good file again")

    # amfora follows the redirect.
    if have("tmux") and have("amfora"):
        home = os.path.join(d.dir, "amfora")
        s = Screen("amfora-loc", ["amfora", d.url("/old/guide.gmi")], home)
        try:
            # amfora asks before it follows a redirect; Yes is the
            # button it offers first.
            ok, text = s.wait(lambda t: "Follow redirect?" in t and
                              "/new/guide.gmi" in t)
            if ok:
                ok, text = s.press([("Enter",)], lambda t:
                                   "The guide moved here" in t)
            check(ok, "amfora: follows the 31 from /old/guide.gmi to "
                  "/new/guide.gmi", text)
        finally:
            s.keys("q")
            s.close()
finally:
    d.stop()


# A CertificateRequest only from a server that reads certificates.
TWO = """{user}server "plain.test" {{
\troot "{root}"
\tcert "{dir}/p.crt"
\tkey "{dir}/p.key"
\tlisten gemini on 127.0.0.1 port {gemini_port}
\tlisten gopher on 127.0.0.1 port {gopher_port}
}}
server "members.test" {{
\troot "{root}"
\tcert "{dir}/m.crt"
\tkey "{dir}/m.key"
\tlisten gemini on 127.0.0.1 port {gemini_port}
\tlocation "/members/*" {{ require client certificate }}
}}
"""
d = Daemon(files=FILES, conf=TWO, start=False)
for host, short in (("plain.test", "p"), ("members.test", "m")):
    c, k = cert(host)
    for src, dst in ((c, short + ".crt"), (k, short + ".key")):
        with open(src, "rb") as f, open(os.path.join(d.dir, dst), "wb") as o:
            o.write(f.read())
try:
    d.start()
    sizes = {}
    for host in ("plain.test", "members.test"):
        for version in ("-tls1_3", "-tls1_2"):
            r = run("openssl", "s_client", "-msg", version, "-connect",
                    "127.0.0.1:%d" % d.gemini_port, "-servername", host,
                    stdin="gemini://%s:%d/members/\r\n" %
                    (host, d.gemini_port))
            m = re.search(r"<<< TLS 1\.[23], Handshake \[length ([0-9a-f]+)"
                          r"\], CertificateRequest", r.stdout)
            sizes[host, version] = int(m.group(1), 16) + 4 if m else 0
    print("# CertificateRequest, bytes of handshake message (plus the "
          "record's 5 and, in TLS 1.3, its AEAD tag): %s" % sizes)
    check(sizes["plain.test", "-tls1_3"] == 0 and
          sizes["plain.test", "-tls1_2"] == 0,
          "certificate request: none from a server without a rule that "
          "reads certificates", sizes)
    check(sizes["members.test", "-tls1_3"] > 0 and
          sizes["members.test", "-tls1_2"] > 0,
          "certificate request: one from the server that has such a rule, "
          "on TLS 1.3 and 1.2", sizes)
    r = run("openssl", "s_client", "-quiet", "-connect",
            "127.0.0.1:%d" % d.gemini_port, "-servername", "members.test",
            stdin="gemini://members.test:%d/members/\r\n" % d.gemini_port)
    check(r.stdout.startswith("60 "), "require client certificate: none "
          "gets 60", r.stdout[:80])
    r = run("openssl", "s_client", "-quiet", "-connect",
            "127.0.0.1:%d" % d.gemini_port, "-servername", "members.test",
            "-cert", ALICE[0], "-key", ALICE[1],
            stdin="gemini://members.test:%d/members/\r\n" % d.gemini_port)
    check(r.stdout.startswith("20 "), "require client certificate: any "
          "certificate will do, self-signed included", r.stdout[:80])
finally:
    d.stop()

done()
