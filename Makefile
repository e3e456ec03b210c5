# capsuled: Gemini + Gopher from one capsule.
#
#   make           build build/capsuled
#   make run       serve capsule/ on gemini://localhost:1965/ and
#                  gopher://localhost:7070/, loopback only; capsuled
#                  makes certs/localhost.{crt,key} on its first start
#   make check     every test; the last line is "N passed, M failed"
#                  (run and check first install the Debian packages they
#                  need, see .ci/deps; serve and tests skip that step)
#   make fuzz      run each libFuzzer harness for FUZZ_TIME seconds
#   make bench     the benchmark (tests/bench/; minutes; not in check)
#   make deb       the Debian package, ../capsuled_VERSION_ARCH.deb
#                  (dpkg-buildpackage -us -uc -b; cleans build/ first)
#   make install   PREFIX, DESTDIR, MANDIR honoured
#
# GNU make.  On the BSDs use gmake.

PROG =		capsuled
BUILD ?=	build
CC ?=		cc
PKG_CONFIG ?=	pkg-config
PREFIX ?=	/usr/local
SBINDIR ?=	$(PREFIX)/sbin
MANDIR ?=	$(PREFIX)/share/man
EXAMPLEDIR ?=	$(PREFIX)/share/examples/capsuled
DESTDIR ?=

GEMINI_PORT ?=	1965
GOPHER_PORT ?=	7070
RUN_HOST ?=	localhost
# make run listens on loopback only: 127.0.0.1, and ::1 where the
# loopback interface has it (a kernel or container without IPv6 has not).
RUN_ADDRS ?=	127.0.0.1 $(shell grep -qs '^0\{31\}1 ' /proc/net/if_inet6 || \
		    [ ! -e /proc/net ] && echo '[::1]')

PKGS =		libtls libevent_core libssl libcrypto
PKG_CFLAGS :=	$(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS :=	$(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null || \
		    echo -ltls -levent_core -lssl -lcrypto)

WARNINGS =	-Wall -Wextra -Werror -Wshadow -Wpointer-arith \
		-Wmissing-prototypes -Wstrict-prototypes -Wformat=2 \
		-Wno-format-nonliteral
OPT ?=		-O2 -g
CFLAGS ?=	$(OPT)
ALL_CFLAGS =	$(CPPFLAGS) $(CFLAGS) $(WARNINGS) -std=c11 -D_GNU_SOURCE \
		-D_DEFAULT_SOURCE $(COMPAT_DEFS) $(PKG_CFLAGS) -Isrc
LDLIBS =	$(PKG_LIBS)

# What the C library has: probe once, define HAVE_* for it.
probe =		$(shell printf '\043include <string.h>\n\043include <stdlib.h>\nint main(void){%s;return 0;}\n' '$(2)' | \
		    $(CC) -D_GNU_SOURCE -x c -o /dev/null - >/dev/null 2>&1 && echo -D$(1))
COMPAT_DEFS :=	$(call probe,HAVE_STRLCPY,char b[2];strlcpy(b,"a",2)) \
		$(call probe,HAVE_STRTONUM,const char *e;strtonum("1",0,1,&e))
# valgrind cannot run under a seccomp filter: with its header, workers
# skip the filter when they find themselves under valgrind.
COMPAT_DEFS +=	$(shell printf '\043include <valgrind/valgrind.h>\nint main(void){return RUNNING_ON_VALGRIND;}\n' | \
		    $(CC) -x c -o /dev/null - >/dev/null 2>&1 && echo -DHAVE_VALGRIND_H)
COMPAT_SRCS =	$(if $(findstring HAVE_STRLCPY,$(COMPAT_DEFS)),,src/compat/strlcpy.c) \
		$(if $(findstring HAVE_STRTONUM,$(COMPAT_DEFS)),,src/compat/strtonum.c)

# Modules without an event loop or process state: unit-tested and fuzzed
# (msg.c does I/O, but only on descriptors it is handed).
PURE_SRCS =	src/msg.c src/location.c src/fcgi.c src/cgienv.c src/buf.c \
		src/hash.c src/utf8.c \
		src/uri.c src/mime.c src/gemtext.c src/gopher.c src/gemini.c \
		src/proxy.c src/log.c src/words.c src/indexer.c src/search.c \
		src/results.c src/feed.c $(COMPAT_SRCS)
SRCS =		$(PURE_SRCS) src/main.c src/load.c src/gen.c src/parent.c \
		src/worker.c src/listen.c src/conn.c src/sock.c src/serve.c \
		src/tlsio.c src/config.c src/snapshot.c src/build.c src/walk.c \
		src/render.c src/beneath.c src/parse.c src/parseloc.c src/scan.c \
		src/sandbox.c src/signer.c src/keyproc.c src/helper.c src/chan.c \
		src/stream.c src/spawner.c src/perm.c src/seccomp.c src/landlock.c \
		src/rules.c src/clientcert.c src/certgen.c \
		src/certcheck.c src/gemlog.c src/parsedyn.c src/runner.c \
		src/script.c src/dyncall.c src/dyn.c src/servedyn.c \
		src/source.c src/parselimit.c src/deadline.c src/evict.c src/trim.c \
		src/evpool.c src/quota.c
HDRS =		$(wildcard src/*.h)
OBJS =		$(SRCS:src/%.c=$(BUILD)/obj/%.o)
PURE_OBJS =	$(PURE_SRCS:src/%.c=$(BUILD)/obj/%.o)

UNIT_TESTS =	$(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_*.c))

# The parser's test also needs config.c (it stubs what that pulls in).
PARSE_OBJS =	$(BUILD)/obj/parse.o $(BUILD)/obj/parseloc.o $(BUILD)/obj/scan.o \
		$(BUILD)/obj/parsedyn.o $(BUILD)/obj/parselimit.o \
		$(BUILD)/obj/config.o

# Only for tests: workers make a forbidden system call on SIGUSR2.
SANDBOXTEST =	$(BUILD)/$(PROG)-sandboxtest
SANDBOXTEST_OBJS = $(filter-out $(BUILD)/obj/sandbox.o,$(OBJS)) \
		$(BUILD)/obj/sandbox-test.o

.PHONY: all run serve check tests deb unit integration clean install \
	asan fuzz fuzz-build hardening bench

all: $(BUILD)/$(PROG)

# What is built depends on the flags it was built with, kept in
# $(BUILD)/.flags and rewritten only when they change: a probe that a
# newly installed package changes (valgrind's header, pkg-config's
# answers), as between make run and make check on a fresh machine,
# rebuilds what was built without it.
BUILD_FLAGS =	$(CC) $(ALL_CFLAGS) $(LDFLAGS) $(LDLIBS)

$(BUILD)/.flags: FORCE
	@mkdir -p $(dir $@)
	@echo '$(BUILD_FLAGS)' | cmp -s - $@ || echo '$(BUILD_FLAGS)' >$@

.PHONY: FORCE
FORCE:

$(BUILD)/$(PROG): $(OBJS) $(BUILD)/.flags
	$(CC) $(LDFLAGS) -o $@ $(OBJS) $(LDLIBS)

$(BUILD)/obj/%.o: src/%.c $(HDRS) $(BUILD)/.flags
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c tests/unit/unit.h $(PURE_OBJS) \
    $(BUILD)/.flags
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/unit -o $@ $< $(PURE_OBJS)

$(BUILD)/tests/test_parse: tests/unit/test_parse.c tests/unit/unit.h \
    $(PURE_OBJS) $(PARSE_OBJS) $(BUILD)/.flags
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/unit -o $@ $< $(PURE_OBJS) $(PARSE_OBJS)

$(BUILD)/tests/test_evict: tests/unit/test_evict.c tests/unit/unit.h \
    $(PURE_OBJS) $(BUILD)/obj/evict.o $(BUILD)/.flags
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/unit -o $@ $< $(PURE_OBJS) \
	    $(BUILD)/obj/evict.o

$(BUILD)/tests/test_quota: tests/unit/test_quota.c tests/unit/unit.h \
    $(PURE_OBJS) $(BUILD)/obj/quota.o $(BUILD)/.flags
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/unit -o $@ $< $(PURE_OBJS) \
	    $(BUILD)/obj/quota.o

$(BUILD)/obj/sandbox-test.o: src/sandbox.c $(HDRS) $(BUILD)/.flags
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -DCAPSULED_SANDBOX_TEST -c -o $@ src/sandbox.c

$(SANDBOXTEST): $(SANDBOXTEST_OBJS) $(BUILD)/.flags
	$(CC) $(LDFLAGS) -o $@ $(SANDBOXTEST_OBJS) $(LDLIBS)

# run and check: first the Debian packages they need (.ci/deps), then
# make again, since pkg-config's flags above were read before they were
# installed.
run:
	@sh .ci/deps build
	@$(MAKE) --no-print-directory serve

check:
	@sh .ci/deps test
	@$(MAKE) --no-print-directory tests

deb:
	@sh .ci/deps deb
	dpkg-buildpackage -us -uc -b

# As root, workers drop to nobody, as they would in production.  With
# no -c and -k, capsuled makes certs/$(RUN_HOST).crt and .key (EC
# P-256, self-signed) on its first start and reuses them afterwards.
RUN_USER :=	$(shell [ "$$(id -u)" = 0 ] && echo "-u nobody")
RUN_LISTEN =	$(foreach a,$(RUN_ADDRS),-p $(a):$(GEMINI_PORT) \
		    -g $(a):$(GOPHER_PORT))

serve: all
	@echo "capsuled: serving capsule/ on gemini://$(RUN_HOST):$(GEMINI_PORT)/" \
	    "and gopher://$(RUN_HOST):$(GOPHER_PORT)/ (on $(RUN_ADDRS) only);" \
	    "Ctrl-C stops it"
	./$(BUILD)/$(PROG) -d -H $(RUN_HOST) $(RUN_LISTEN) $(RUN_USER) capsule

unit: $(UNIT_TESTS)

# Only for tests: makes a live process run one system call (ptrace).
INJECT =	$(BUILD)/tools/inject

$(INJECT): tests/tools/inject.c $(BUILD)/.flags
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ tests/tools/inject.c

# make check runs each fuzzer for CHECK_FUZZ_TIME seconds (from the seed
# corpus, which holds what longer runs found), so that the whole suite
# stays well inside 15 minutes; make fuzz runs them for FUZZ_TIME.
CHECK_FUZZ_TIME ?= 8

tests: all unit $(SANDBOXTEST) $(INJECT) hardening
	@TESTS="$(TESTS)" TEST_TIMEOUT="$(TEST_TIMEOUT)" \
	    ASAN_BUILD=$(ASAN_BUILD) FUZZ_BUILD=$(FUZZ_BUILD) \
	    FUZZ_TIME=$(CHECK_FUZZ_TIME) sh tests/run.sh $(BUILD)

# Hardening (issue 3): libFuzzer harnesses (tests/fuzz) and a clang
# ASan+UBSan build of the daemon that the integration suite runs once;
# tests/hardening runs them, and the unit tests under valgrind.
FUZZ_CC ?=	clang
FUZZ_TIME ?=	60
FUZZ_BUILD ?=	build-fuzz
ASAN_BUILD ?=	build-asan
SAN_FLAGS =	-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
		-fno-sanitize-recover=all
FUZZ_CFLAGS =	$(SAN_FLAGS) $(WARNINGS) -std=c11 -D_GNU_SOURCE \
		-D_DEFAULT_SOURCE $(COMPAT_DEFS) $(PKG_CFLAGS) -Isrc
FUZZERS =	$(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_OBJS =	$(PURE_SRCS:src/%.c=$(FUZZ_BUILD)/obj/%.o)

FUZZ_FLAGS =	$(FUZZ_CC) $(FUZZ_CFLAGS)

$(FUZZ_BUILD)/.flags: FORCE
	@mkdir -p $(dir $@)
	@echo '$(FUZZ_FLAGS)' | cmp -s - $@ || echo '$(FUZZ_FLAGS)' >$@

$(FUZZ_BUILD)/obj/%.o: src/%.c $(HDRS) $(FUZZ_BUILD)/.flags
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FUZZ_OBJS) \
    $(FUZZ_BUILD)/.flags
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_OBJS)

# The configuration parser's harness also needs the parser itself.
FUZZ_PARSE_OBJS = $(FUZZ_BUILD)/obj/parse.o $(FUZZ_BUILD)/obj/parseloc.o \
		$(FUZZ_BUILD)/obj/scan.o $(FUZZ_BUILD)/obj/parsedyn.o \
		$(FUZZ_BUILD)/obj/parselimit.o $(FUZZ_BUILD)/obj/config.o

$(FUZZ_BUILD)/fuzz_conf: tests/fuzz/fuzz_conf.c tests/fuzz/fuzz.h \
    $(FUZZ_OBJS) $(FUZZ_PARSE_OBJS)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_OBJS) \
	    $(FUZZ_PARSE_OBJS) -ldl

.PRECIOUS: $(FUZZ_BUILD)/obj/%.o

fuzz-build: $(FUZZERS:%=$(FUZZ_BUILD)/fuzz_%)

fuzz: fuzz-build
	@FUZZ_BUILD=$(FUZZ_BUILD) FUZZ_TIME=$(FUZZ_TIME) \
	    sh tests/hardening/test_fuzz.sh

asan:
	@$(MAKE) --no-print-directory BUILD=$(ASAN_BUILD) CC=$(FUZZ_CC) \
	    CFLAGS="$(SAN_FLAGS)" LDFLAGS="-fsanitize=address,undefined" all

hardening: asan fuzz-build

# The benchmark: load generator and floor responders, then the run.
BENCH_LIBS :=	$(shell $(PKG_CONFIG) --libs libtls libssl libcrypto \
		    2>/dev/null || echo -ltls -lssl -lcrypto)

$(BUILD)/bench/%: tests/bench/%.c $(BUILD)/.flags
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(BENCH_LIBS)

bench: all $(BUILD)/bench/loadgen $(BUILD)/bench/floor \
	    $(BUILD)/bench/fcgi_responder
	BUILD=$(abspath $(BUILD)) python3 tests/bench/bench.py

clean:
	rm -rf $(BUILD) $(FUZZ_BUILD) $(ASAN_BUILD)

# Install: the daemon, its manual pages, and under EXAMPLEDIR the example
# configuration and one directory of init scripts per init system.  The
# rc.d files name the default binary, /usr/local/sbin/capsuled; the
# installed copies name $(SBINDIR)/capsuled instead.
RCD_SCRIPTS =	openbsd/capsuled freebsd/capsuled sysv/capsuled \
		openrc/capsuled
RCD_DATA =	systemd/capsuled.service sysv/capsuled.default \
		openrc/capsuled.confd
MAN5 =		$(wildcard src/capsuled.conf.5)
CONF_EXAMPLE =	$(wildcard rc.d/capsuled.conf.example)

.PHONY: uninstall

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 \
	    $(DESTDIR)$(EXAMPLEDIR)
	install -m 755 $(BUILD)/$(PROG) $(DESTDIR)$(SBINDIR)/$(PROG)
	install -m 644 src/capsuled.8 $(DESTDIR)$(MANDIR)/man8/capsuled.8
	$(if $(MAN5),install -d $(DESTDIR)$(MANDIR)/man5)
	$(if $(MAN5),install -m 644 $(MAN5) $(DESTDIR)$(MANDIR)/man5/capsuled.conf.5)
	$(if $(CONF_EXAMPLE),install -m 644 $(CONF_EXAMPLE) \
	    $(DESTDIR)$(EXAMPLEDIR)/capsuled.conf)
	@set -e; for f in $(RCD_SCRIPTS) $(RCD_DATA); do \
		case " $(RCD_SCRIPTS) " in \
		*" $$f "*) mode=755 ;; \
		*) mode=644 ;; \
		esac; \
		dst="$(DESTDIR)$(EXAMPLEDIR)/$$f"; \
		echo "install -m $$mode rc.d/$$f $$dst"; \
		install -d "$${dst%/*}"; \
		sed 's|/usr/local/sbin/capsuled|$(SBINDIR)/capsuled|g' \
		    "rc.d/$$f" >"$$dst.tmp"; \
		chmod "$$mode" "$$dst.tmp"; \
		mv -f "$$dst.tmp" "$$dst"; \
	done

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/$(PROG) \
	    $(DESTDIR)$(MANDIR)/man8/capsuled.8 \
	    $(DESTDIR)$(MANDIR)/man5/capsuled.conf.5 \
	    $(DESTDIR)$(EXAMPLEDIR)/capsuled.conf \
	    $(RCD_SCRIPTS:%=$(DESTDIR)$(EXAMPLEDIR)/%) \
	    $(RCD_DATA:%=$(DESTDIR)$(EXAMPLEDIR)/%)
	for d in $(sort $(dir $(RCD_SCRIPTS) $(RCD_DATA))); do \
		rmdir "$(DESTDIR)$(EXAMPLEDIR)/$$d" 2>/dev/null || true; \
	done
	rmdir $(DESTDIR)$(EXAMPLEDIR) 2>/dev/null || true

# The search's benchmark (tests/bench/search/): index memory and query
# latency on the shipped capsule and on BENCH_SEARCH_PAGES generated
# pages, in process and end to end.  Not part of make check.
BENCH_SEARCH_PAGES ?=	10000
BENCH_SEARCH_OBJS =	$(PURE_OBJS) $(BUILD)/obj/snapshot.o \
			$(BUILD)/obj/build.o $(BUILD)/obj/walk.o \
			$(BUILD)/obj/render.o $(BUILD)/obj/beneath.o \
			$(BUILD)/obj/perm.o

.PHONY: bench-search

$(BUILD)/bench/bench_search: tests/bench/search/bench_search.c \
    $(BENCH_SEARCH_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(BENCH_SEARCH_OBJS)

bench-search: all $(BUILD)/bench/bench_search
	./$(BUILD)/bench/bench_search -n $(BENCH_SEARCH_PAGES) capsule
	CAPSULED=$(CURDIR)/$(BUILD)/capsuled \
	    BENCH_SEARCH=$(CURDIR)/$(BUILD)/bench/bench_search \
	    python3 tests/bench/search/e2e.py $(BENCH_SEARCH_PAGES)
