"""
test_check.py: what `capsuled -n` says beyond "the files load".
- A certificate whose names do not cover the server's name or one of its
  aliases is a warning naming the certificate, the names it has and the
  name it lacks; wildcards and IP aliases are matched as TLS clients
  match them.  "configuration OK" still ends the report, exit 0.
- A private key readable by others is a warning (mode 0644), one that
  only its owner or group reads (0600, 0640) is not.
- Run with no -f, no quick-mode option and no /etc/capsuled.conf, -n
  says that it is checking quick mode and with which files.
"""

import os
import subprocess
import tempfile

import harness
from harness import CAPSULED, check, done, free_port, plan

plan(13)

TMP = tempfile.mkdtemp(dir=harness._TMP)


def make_cert(name, cn, sans):
    crt = os.path.join(TMP, name + ".crt")
    key = os.path.join(TMP, name + ".key")
    argv = ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
            "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
            "-subj", "/CN=" + cn, "-keyout", key, "-out", crt]
    if sans:
        argv += ["-addext", "subjectAltName=" + ",".join(sans)]
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    os.chmod(key, 0o600)
    return crt, key


def conf(name, crt, key, aliases=()):
    root = os.path.join(TMP, "capsule")
    os.makedirs(root, exist_ok=True)
    with open(os.path.join(root, "index.gmi"), "w") as f:
        f.write("# x\n")
    path = os.path.join(TMP, name + ".conf")
    with open(path, "w") as f:
        f.write('server "%s" {\n\troot "%s"\n\tcert "%s"\n\tkey "%s"\n' %
                (name, root, crt, key))
        for a in aliases:
            f.write('\talias "%s"\n' % a)
        f.write("\tlisten gemini on 127.0.0.1 port %d\n}\n" % free_port())
    return path


def check_n(path, cwd=None, args=None):
    p = subprocess.run([CAPSULED, "-n"] + (args if args is not None else
                                           ["-f", path]),
                       capture_output=True, text=True, timeout=30, cwd=cwd)
    return p.returncode, p.stderr


crt, key = make_cert("example.org", "example.org",
                     ["DNS:example.org", "DNS:www.example.org"])
rc, err = check_n(conf("example.org", crt, key, ["www.example.org"]))
check(rc == 0 and "warning" not in err and
      err.strip().endswith("configuration OK"),
      "-n: names covered, key private: no warning", err)

rc, err = check_n(conf("example.org", crt, key,
                       ["www.example.org", "gemini.example.net"]))
check(rc == 0 and ("capsuled: warning: %s: the certificate's names "
                   "(example.org, www.example.org) do not cover alias "
                   "\"gemini.example.net\" of server \"example.org\"" % crt)
      in err and err.strip().endswith("configuration OK, 1 warning"),
      "-n: an alias the certificate does not name is a warning", err)

rc, err = check_n(conf("other.org", crt, key))
check(rc == 0 and "do not cover server \"other.org\"" in err,
      "-n: a server name the certificate does not name is a warning", err)

wild, wkey = make_cert("wild", "wild", ["DNS:*.example.org"])
rc, err = check_n(conf("a.example.org", wild, wkey, ["b.example.org"]))
check(rc == 0 and "warning" not in err,
      "-n: a wildcard covers one label", err)
rc, err = check_n(conf("a.example.org", wild, wkey,
                       ["example.org", "x.y.example.org"]))
check(rc == 0 and err.count("warning: ") == 2 and
      "cover alias \"example.org\"" in err and
      "cover alias \"x.y.example.org\"" in err,
      "-n: a wildcard covers neither the bare domain nor two labels", err)

cn, cnkey = make_cert("cnonly", "cn.example.org", [])
rc, err = check_n(conf("cn.example.org", cn, cnkey, ["other.example.org"]))
check(rc == 0 and err.count("warning: ") == 1 and
      "(cn.example.org) do not cover alias \"other.example.org\"" in err,
      "-n: without DNS names the subject's CN is the name", err)

ip, ipkey = make_cert("ip", "localhost", ["DNS:localhost", "IP:127.0.0.1"])
rc, err = check_n(conf("localhost", ip, ipkey, ["127.0.0.1", "192.0.2.1"]))
check(rc == 0 and err.count("warning: ") == 1 and
      "cover alias \"192.0.2.1\"" in err,
      "-n: an IP alias must be an IP name of the certificate", err)

for mode, warned in ((0o644, True), (0o604, True), (0o640, False),
                     (0o600, False)):
    os.chmod(key, mode)
    rc, err = check_n(conf("example.org", crt, key))
    said = ("capsuled: warning: %s: the private key is readable by others "
            "(mode %04o)" % (key, mode)) in err
    check(rc == 0 and said == warned,
          "-n: a key of mode %04o is %s" % (mode, "a warning" if warned
                                            else "fine"), err)
os.chmod(key, 0o600)

if os.path.exists("/etc/capsuled.conf"):
    for what in ("says it checks quick mode", "is quiet with options"):
        check(True, "-n quick mode (%s): not checked, /etc/capsuled.conf "
              "exists on this machine" % what)
else:
    empty = tempfile.mkdtemp(dir=TMP)
    rc, err = check_n(None, cwd=empty, args=[])
    check(rc == 1 and "capsuled: no -f, no quick-mode option and no "
          "/etc/capsuled.conf: checking quick mode: capsule/ as localhost "
          "with certs/localhost.crt and certs/localhost.key" in err and
          "capsule: No such file or directory" in err and
          err.index("quick mode") < err.index("capsule: No such"),
          "-n without a configuration says it checks quick mode, before "
          "the missing capsule", err)
    rc, err = check_n(None, cwd=empty, args=["-H", "localhost"])
    check(rc == 1 and "checking quick mode" not in err,
          "-n with quick-mode options does not say it", err)

done()
