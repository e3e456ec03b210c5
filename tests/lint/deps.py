#!/usr/bin/env python3
"""deps.py [SRC]: capsuled's dependency rules, checked on src/.

1. No import circles: a file depends on another when it calls a
   function defined there (found by name in the code, comments and
   strings removed); the files must form a graph without cycles.
   Callbacks passed as function pointers are not calls, which is how a
   lower layer hands work back to the one that owns it.
2. Headers by concern, included only where used: every #include "x.h"
   of a .c file must declare something that file uses (a function, a
   macro, a struct or enum it defines, an enum constant), and every
   function, macro or type a file uses from another module's header
   must come from a header it includes itself.
3. No file above 800 lines.

Prints one "ok"/"not ok" line per rule and exits 1 on any failure."""

import os
import re
import sys

SRC = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "src")
LINES_MAX = 800
IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
KEYWORDS = set("""auto break case char const continue default do double else
enum extern float for goto if inline int long register restrict return
short signed sizeof static struct switch typedef union unsigned void
volatile while _Bool""".split())


def strip(text):
    """Code without comments, string and character literals."""
    out = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    out = re.sub(r"//[^\n]*", " ", out)
    out = re.sub(r'"(\\.|[^"\\\n])*"', '""', out)
    out = re.sub(r"'(\\.|[^'\\\n])*'", "''", out)
    return out


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def header_decls(code):
    """What a header declares: names it gives meaning to."""
    names = set()
    guard = None
    for m in re.finditer(r"^#\s*define\s+([A-Za-z_]\w*)", code, re.M):
        if m.group(1).endswith("_H") and guard is None:
            guard = m.group(1)
            continue
        names.add(m.group(1))
    for m in re.finditer(r"\b(struct|enum)\s+(\w+)\s*\{", code):
        names.add(m.group(1) + " " + m.group(2))
    for m in re.finditer(r"\benum\s+\w*\s*\{([^}]*)\}", code):
        for c in re.finditer(r"^\s*([A-Z_][A-Z0-9_]*)", m.group(1), re.M):
            names.add(c.group(1))
    body = re.sub(r"\{[^{}]*\}", ";", code)	# struct bodies out
    body = re.sub(r"\{[^{}]*\}", ";", body)
    for m in re.finditer(r"([a-z_]\w*)\s*\(", body):
        n = m.group(1)
        if n not in KEYWORDS and not n.startswith("__"):
            names.add(n)
    return names


def struct_fields(code):
    """Member names of the structs a header defines, as ".name"."""
    out = set()
    for m in re.finditer(r"\bstruct\s+\w+\s*\{([^}]*)\}", code):
        for d in m.group(1).split(";"):
            d = re.sub(r"\[[^]]*\]|\([^)]*\)\s*\(", " ", d)
            ids = IDENT.findall(d)
            if ids:
                out.add("." + ids[-1])
    return out


def forward_decls(code):
    """struct x; lines: a header may point at a type it does not define."""
    return set("struct " + m.group(1) for m in
               re.finditer(r"^struct\s+(\w+)\s*;", code, re.M))


def used_names(code):
    names = set("." + m.group(1) for m in
                re.finditer(r"(?:->|\.)\s*([A-Za-z_]\w*)", code))
    for m in re.finditer(r"\b(struct|enum)\s+(\w+)", code):
        names.add(m.group(1) + " " + m.group(2))
    names |= set(IDENT.findall(re.sub(r"\b(struct|enum)\s+\w+", " ",
                                      code)))
    return names


def defined_functions(code):
    """Non-static functions defined at file level (KNF: name at column 0)."""
    out = set()
    for m in re.finditer(r"^([a-z_]\w*)\(", code, re.M):
        start = code.rfind("\n", 0, m.start() - 1)
        prev = code[start + 1:m.start() - 1]
        if not prev.startswith("static"):
            out.add(m.group(1))
    return out


def main():
    files = sorted(f for f in os.listdir(SRC) if f.endswith((".c", ".h")))
    code = {f: strip(read(os.path.join(SRC, f))) for f in files}
    raw = {f: read(os.path.join(SRC, f)) for f in files}
    cfiles = [f for f in files if f.endswith(".c")]
    hfiles = [f for f in files if f.endswith(".h")]
    failed = 0

    # 1. calls between files
    owner = {}
    for f in cfiles:
        for fn in defined_functions(code[f]):
            owner[fn] = f
    edges = {f: set() for f in cfiles}
    for f in cfiles:
        for m in re.finditer(r"\b([a-z_]\w*)\s*\(", code[f]):
            g = owner.get(m.group(1))
            if g is not None and g != f:
                edges[f].add(g)
    cycles = find_cycles(edges)
    if cycles:
        failed += 1
        for c in cycles:
            print("#   circle: " + " -> ".join(c + [c[0]]))
        print("not ok - deps: no import circles among src/*.c (%d)" %
              len(cycles))
    else:
        print("ok - deps: no import circles among src/*.c "
              "(%d files, %d call edges)" %
              (len(cfiles), sum(len(e) for e in edges.values())))

    # 2. headers by concern
    decls = {h: header_decls(code[h]) for h in hfiles}
    fields = {h: struct_fields(code[h]) for h in hfiles}
    # a member name says which header only when few headers have it
    count = {}
    for h in hfiles:
        for n in fields[h]:
            count[n] = count.get(n, 0) + 1
    fields = {h: set(n for n in fields[h] if count[n] <= 2) for h in hfiles}
    # capsuled.h brings compat.h, the stand-in for the C library
    if "capsuled.h" in decls and "compat.h" in decls:
        decls["capsuled.h"] |= decls["compat.h"]
    declared_in = {}
    for h, names in decls.items():
        for n in names:
            declared_in.setdefault(n, set()).add(h)
    problems = []
    for f in files:
        incs = re.findall(r'^#\s*include\s+"([^"]+)"', raw[f], re.M)
        body = re.sub(r'^#\s*include[^\n]*', "", code[f], flags=re.M)
        uses = used_names(body)
        own = f[:-2] + ".h"
        for h in incs:
            if h not in decls:
                continue
            if h == own or (f == "capsuled.h" and h == "compat.h"):
                continue
            if not (decls[h] & uses) and not (fields[h] & uses):
                problems.append("%s includes %s but uses nothing of it" %
                                (f, h))
        mine = set(decls.get(f, set())) if f.endswith(".h") else set()
        mine |= forward_decls(code[f])
        for h in incs:
            if h in code:
                mine |= forward_decls(code[h])
        for n in sorted(uses):
            hs = declared_in.get(n)
            if not hs or n in mine:
                continue
            # compat.h stands in for the C library: capsuled.h has it
            if hs == {"compat.h"} and ("capsuled.h" in incs or
                                       f == "capsuled.h"):
                continue
            if f.endswith(".c") and owner.get(n) == f:
                continue
            if not (hs & set(incs)) and f not in hs:
                problems.append("%s uses %s from %s without including it" %
                                (f, n, "/".join(sorted(hs))))
    if problems:
        failed += 1
        for p in problems:
            print("#   " + p)
        print("not ok - deps: each header included where used, and only "
              "there (%d problems)" % len(problems))
    else:
        print("ok - deps: each header included where used, and only there "
              "(%d headers)" % len(hfiles))

    # 3. size
    big = [(f, raw[f].count("\n")) for f in files
           if raw[f].count("\n") > LINES_MAX]
    if big:
        failed += 1
        for f, n in big:
            print("#   %s: %d lines" % (f, n))
        print("not ok - deps: no file in src/ above %d lines" % LINES_MAX)
    else:
        print("ok - deps: no file in src/ above %d lines (largest: %s)" % (
            LINES_MAX, max(((raw[f].count("\n"), f) for f in files))[1]))
    return 1 if failed else 0


def find_cycles(edges):
    """One representative cycle per strongly connected component."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(cycle_in(sorted(comp), edges))

    sys.setrecursionlimit(10000)
    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def cycle_in(comp, edges):
    """A shortest cycle through the component's first file."""
    start, members = comp[0], set(comp)
    prev, queue = {start: None}, [start]
    while queue:
        v = queue.pop(0)
        for w in sorted(edges[v]):
            if w not in members:
                continue
            if w == start:
                path = [v]
                while prev[path[-1]] is not None:
                    path.append(prev[path[-1]])
                return list(reversed(path))
            if w not in prev:
                prev[w] = v
                queue.append(w)
    return comp


if __name__ == "__main__":
    sys.exit(main())
