"""
test_deps.py: .ci/deps, the step `make run`, `make check` and .ci/run
take before anything else, against stand-ins for dpkg-query, apt-get,
id and pkg-config (nothing is installed for real):

- nothing missing: silent, exit 0, apt-get never runs;
- as root on Debian: apt-get update, then apt-get install -y
  --no-install-recommends of exactly the missing packages, in that
  order; a failed install, or a package still missing after it, is
  exit 1;
- not root: exit 1 and a message naming the packages and the command;
- not Debian: fine when pkg-config finds the libraries, else exit 1
  naming them;
- the test set also downloads (never installs) OpenRC's .debs;
- its build set is debian/control's Build-Depends (build-essential
  aside), and the Makefile runs it before run and check.
"""

import os
import shutil
import subprocess
import tempfile

from harness import check, done, plan

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DEPS = os.path.join(TOP, ".ci", "deps")

STUBS = {
    "dpkg-query": """#!/bin/sh
# dpkg-query -W -f=FMT PKG: "ii " when PKG is in $STUB_INSTALLED.
for p; do :; done
grep -qx "$p" "$STUB_INSTALLED" && { printf 'ii '; exit 0; }
exit 1
""",
    "apt-get": """#!/bin/sh
echo "apt-get $*" >>"$STUB_LOG"
case $1 in
update) exit 0 ;;
install)
	[ "${STUB_FAIL:-}" = install ] && exit 100
	shift 3
	[ "${STUB_NOOP:-}" = 1 ] && exit 0
	for p; do echo "$p" >>"$STUB_INSTALLED"; done ;;
download)
	shift
	for p; do : >"${p}_1.0_all.deb"; done ;;
esac
exit 0
""",
    "id": """#!/bin/sh
echo "${STUB_UID:-0}"
""",
    "pkg-config": """#!/bin/sh
echo "pkg-config $*" >>"$STUB_LOG"
exit "${STUB_PC:-0}"
""",
}


def deps_list(which):
    p = subprocess.run(["sh", DEPS, "list-" + which], capture_output=True,
                       text=True)
    return p.stdout.split()


def setup(debian=True):
    d = tempfile.mkdtemp(prefix="capsuled-deps-")
    stubs = os.path.join(d, "bin")
    os.makedirs(stubs)
    for name, text in STUBS.items():
        if not debian and name in ("dpkg-query", "apt-get"):
            continue
        with open(os.path.join(stubs, name), "w") as f:
            f.write(text)
        os.chmod(os.path.join(stubs, name), 0o755)
    for tool in ("grep", "mkdir", "cat"):
        os.symlink(shutil.which(tool), os.path.join(stubs, tool))
    open(os.path.join(d, "installed"), "w").close()
    open(os.path.join(d, "log"), "w").close()
    return d


def run(d, args, installed=(), **env):
    with open(os.path.join(d, "installed"), "w") as f:
        f.write("".join(p + "\n" for p in installed))
    open(os.path.join(d, "log"), "w").close()
    e = {"PATH": os.path.join(d, "bin"), "STUB_INSTALLED":
         os.path.join(d, "installed"), "STUB_LOG": os.path.join(d, "log"),
         "CAPSULED_OPENRC_DEBS": os.path.join(d, "debs")}
    e.update(env)
    p = subprocess.run(["/bin/sh", DEPS] + list(args), env=e,
                       capture_output=True, text=True, timeout=30)
    with open(os.path.join(d, "log")) as f:
        log = f.read().splitlines()
    with open(os.path.join(d, "installed")) as f:
        now = f.read().split()
    return p.returncode, p.stdout + p.stderr, log, now


plan(16)
build = deps_list("build")
test = deps_list("test")
check(build and set(build) <= set(test) and "libtls-dev" in build and
      "debhelper" in test and "lintian" in test,
      "deps: a build set, and a test set that holds it", (build, test))

d = setup()
try:
    rc, out, log, _ = run(d, ["build"], build)
    check(rc == 0 and out == "" and log == [],
          "deps: nothing missing: silent, exit 0, no apt-get", (rc, out, log))

    have = [p for p in build if p not in ("libtls-dev", "libevent-dev")]
    missing = [p for p in build if p in ("libtls-dev", "libevent-dev")]
    rc, out, log, now = run(d, ["build"], have)
    check(rc == 0 and log == ["apt-get update",
                              "apt-get install -y --no-install-recommends " +
                              " ".join(missing)] and
          sorted(now) == sorted(build),
          "deps: as root, apt-get update, then install of exactly the "
          "missing packages", (rc, out, log))

    rc, out, log, _ = run(d, ["build"], have, STUB_FAIL="install")
    check(rc == 1, "deps: a failed apt-get install fails the step",
          (rc, out))
    rc, out, log, _ = run(d, ["build"], have, STUB_NOOP="1")
    check(rc == 1 and "still not installed: " + " ".join(missing) in out,
          "deps: a package still missing after the install fails it",
          (rc, out))

    rc, out, log, _ = run(d, ["build"], have, STUB_UID="1000")
    check(rc == 1 and log == [] and
          "missing Debian packages: " + " ".join(missing) in out and
          "apt-get install --no-install-recommends " + " ".join(missing)
          in out, "deps: not root: exit 1, the packages and the command "
          "named, nothing run", (rc, out, log))

    rc, out, log, now = run(d, ["test"], test)
    check(rc == 0 and log == ["apt-get update"] + [
        "apt-get download openrc librc1 libeinfo1"] and
        sorted(os.listdir(os.path.join(d, "debs"))) ==
        ["libeinfo1_1.0_all.deb", "librc1_1.0_all.deb",
         "openrc_1.0_all.deb"] and "openrc" not in now,
        "deps: test set: OpenRC's .debs downloaded, not installed",
        (rc, out, log))
    rc, out, log, _ = run(d, ["test"], test)
    check(rc == 0 and log == [], "deps: test set, all there: nothing to do",
          (rc, out, log))

    rc, out, log, _ = run(d, ["bogus"])
    check(rc == 2 and "usage" in out, "deps: a bad argument is a usage "
          "error", (rc, out))
finally:
    shutil.rmtree(d, ignore_errors=True)

d = setup(debian=False)
try:
    rc, out, log, _ = run(d, ["build"])
    check(rc == 0 and log == ["pkg-config --exists libtls libevent_core "
                              "libssl libcrypto"],
          "deps: not Debian, pkg-config finds the libraries: exit 0",
          (rc, out, log))
    rc, out, log, _ = run(d, ["build"], STUB_PC="1")
    check(rc == 1 and "libtls" in out and "libtls-dev" in out,
          "deps: not Debian, libraries missing: exit 1, named", (rc, out))
finally:
    shutil.rmtree(d, ignore_errors=True)

with open(os.path.join(TOP, "debian", "control")) as f:
    text = f.read()
bd = text.split("Build-Depends:", 1)[1].split("\n\n", 1)[0]
bd = bd.split("Standards-Version")[0]
names = sorted(x.strip().split()[0] for x in bd.replace("\n", " ").split(",")
               if x.strip() and not x.strip().startswith("debhelper"))
check(names == sorted(p for p in build if p != "build-essential"),
      "deps: the build set is debian/control's Build-Depends", (names, build))

env = dict(os.environ)
for k in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES"):
    env.pop(k, None)
deb = deps_list("deb")
check(set(build) < set(deb) <= set(test) and "debhelper" in deb,
      "deps: the deb set adds debhelper to the build set", deb)
p = subprocess.run(["make", "-n", "deb"], cwd=TOP, env=env,
                   capture_output=True, text=True)
check(p.stdout.splitlines()[:2] == ["sh .ci/deps deb",
                                    "dpkg-buildpackage -us -uc -b"],
      "deps: make deb runs .ci/deps deb, then dpkg-buildpackage",
      p.stdout)
for target, which, then in (("run", "build", "serve"),
                            ("check", "test", "tests")):
    p = subprocess.run(["make", "-n", target], cwd=TOP, env=env,
                       capture_output=True, text=True)
    lines = [ln.strip() for ln in p.stdout.splitlines()]
    check(lines[:1] == ["sh .ci/deps " + which] and
          any(ln.endswith("--no-print-directory " + then) for ln in lines),
          "deps: make %s runs .ci/deps %s, then make %s" %
          (target, which, then), lines[:4])
done()
