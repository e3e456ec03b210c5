/*
 * test_log.c: the access log line.  A request is logged as it came,
 * except that nothing in it can forge a line or a field or drive a
 * terminal: control bytes, quotes, backslashes, C1 controls and invalid
 * UTF-8 become \xNN, valid UTF-8 stays, and a long request is cut at
 * LOG_REQUEST_MAX bytes and marked.  The whole line has every field in
 * its place.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "capsuled.h"
#include "log.h"
#include "unit.h"

#define S(s)	(s), (sizeof(s) - 1)
#define CAP	ACCESS_STYLE_CAPSULED

struct escape_test {
	const char	*name;
	const char	*in;
	size_t		 len;
	const char	*want;
};

static const struct escape_test escape_tests[] = {
	{ "plain URL", S("gemini://example.org/a.gmi?q=1"),
	    "gemini://example.org/a.gmi?q=1" },
	{ "empty", S(""), "" },
	{ "CR LF", S("a\r\nb"), "a\\x0d\\x0ab" },
	{ "NUL", S("a\0b"), "a\\x00b" },
	{ "TAB in a Gopher search", S("/s\tquery"), "/s\\x09query" },
	{ "ESC sequence", S("\x1b[31mred"), "\\x1b[31mred" },
	{ "DEL", S("a\x7f"), "a\\x7f" },
	{ "quote and backslash", S("a\"b\\c"), "a\\x22b\\x5cc" },
	{ "UTF-8 kept", S("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
	    "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80" },
	{ "C1 control escaped", S("a\xc2\x9b" "b"), "a\\xc2\\x9bb" },
	{ "NBSP kept", S("a\xc2\xa0" "b"), "a\xc2\xa0" "b" },
	{ "invalid UTF-8", S("a\xff\xc3"), "a\\xff\\xc3" },
	{ "overlong UTF-8", S("\xc0\xaf"), "\\xc0\\xaf" },
	{ "surrogate", S("\xed\xa0\x80"), "\\xed\\xa0\\x80" },
};

/* log_escape into too small a buffer: what fits, never half of it. */
static const struct {
	const char	*name;
	size_t		 size;
	const char	*src;
	const char	*want;
} small_tests[] = {
	{ "three LFs", 1, "\n\n\n", "" },
	{ "three LFs", 4, "\n\n\n", "..." },
	{ "three LFs", 5, "\n\n\n", "\\x0a" },
	{ "three LFs", 6, "\n\n\n", "\\x0a" },
	{ "three LFs", 7, "\n\n\n", "\\x0a" },
	{ "three LFs", 8, "\n\n\n", "\\x0a..." },
	{ "three LFs", 9, "\n\n\n", "\\x0a\\x0a" },
	{ "three LFs", 13, "\n\n\n", "\\x0a\\x0a\\x0a" },
	{ "a, then e-acute", 3, "a\xc3\xa9", "a" },
	{ "a, then e-acute", 4, "a\xc3\xa9", "a\xc3\xa9" },
	{ "a quote", 4, "\"", "..." },
	{ "a quote", 5, "\"", "\\x22" },
};

static void
test_escape(void)
{
	char	out[LOG_REQUEST_MAX * 4 + 4], name[128], *big;
	size_t	i, n;

	for (i = 0; i < sizeof(escape_tests) / sizeof(escape_tests[0]); i++) {
		n = log_escape(out, sizeof(out), escape_tests[i].in,
		    escape_tests[i].len);
		snprintf(name, sizeof(name), "escape: %s",
		    escape_tests[i].name);
		UNIT_STR_EQ(name, out, n, escape_tests[i].want);
	}

	/* Long: cut at LOG_REQUEST_MAX and marked. */
	big = malloc(LOG_REQUEST_MAX * 2);
	memset(big, 'a', LOG_REQUEST_MAX * 2);
	n = log_escape(out, sizeof(out), big, LOG_REQUEST_MAX * 2);
	UNIT_CHECK(n == LOG_REQUEST_MAX + 3 &&
	    strcmp(out + LOG_REQUEST_MAX, "...") == 0 &&
	    strspn(out, "a") == LOG_REQUEST_MAX,
	    "escape: a long request is cut at %d bytes and marked",
	    LOG_REQUEST_MAX);
	n = log_escape(out, sizeof(out), big, LOG_REQUEST_MAX);
	UNIT_CHECK(n == LOG_REQUEST_MAX && strchr(out, '.') == NULL,
	    "escape: exactly %d bytes are not cut", LOG_REQUEST_MAX);

	/* All control bytes: the worst case still fits the buffer. */
	memset(big, '\n', LOG_REQUEST_MAX * 2);
	n = log_escape(out, sizeof(out), big, LOG_REQUEST_MAX * 2);
	UNIT_CHECK(n == LOG_REQUEST_MAX * 4 + 3 && strlen(out) == n,
	    "escape: worst case fits the documented buffer");

	/* A small buffer is never overrun and stays terminated. */
	n = log_escape(out, 8, "abcdefghij", 10);
	UNIT_CHECK(n < 8 && strlen(out) == n, "escape: small buffer, "
	    "terminated, %zu bytes", n);
	/*
	 * Whatever the room, an escape is written whole or not at all, and
	 * "..." says so only where it fits.
	 */
	for (i = 0; i < sizeof(small_tests) / sizeof(small_tests[0]); i++) {
		n = log_escape(out, small_tests[i].size, small_tests[i].src,
		    strlen(small_tests[i].src));
		snprintf(name, sizeof(name), "escape: %s in %zu bytes",
		    small_tests[i].name, small_tests[i].size);
		UNIT_STR_EQ(name, out, n, small_tests[i].want);
	}
	free(big);
}

static void
test_format(void)
{
	struct sockaddr_in	sin;
	struct sockaddr_in6	sin6;
	struct log_access	e;
	char			line[LOG_LINE_MAX], *big;
	size_t			n;
	/* 2026-11-26T12:00:00Z */
	time_t			when = 1795694400;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	inet_pton(AF_INET, "192.0.2.7", &sin.sin_addr);
	memset(&e, 0, sizeof(e));
	e.peer = (struct sockaddr *)&sin;
	e.peerlen = sizeof(sin);
	e.proto = PROTO_GEMINI;
	e.host = "example.org";
	e.request = "gemini://example.org/\x1b";
	e.requestlen = strlen(e.request);
	e.status = 20;
	e.bytes = 1234;
	e.ms = 5;
	n = log_access_format(line, sizeof(line), when, CAP, 1, &e);
	UNIT_STR_EQ("format: a Gemini line", line, n,
	    "2026-11-26T12:00:00+0000 192.0.2.7 gemini example.org "
	    "\"gemini://example.org/\\x1b\" 20 1234 5\n");

	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	inet_pton(AF_INET6, "2001:db8::1", &sin6.sin6_addr);
	e.peer = (struct sockaddr *)&sin6;
	e.peerlen = sizeof(sin6);
	e.proto = PROTO_GOPHER;
	e.request = "/a\tb";
	e.requestlen = 4;
	e.status = 0;
	e.bytes = 0;
	e.ms = 0;
	n = log_access_format(line, sizeof(line), when + 61, CAP, 1, &e);
	UNIT_STR_EQ("format: a Gopher line over IPv6", line, n,
	    "2026-11-26T12:01:01+0000 2001:db8::1 gopher example.org "
	    "\"/a\\x09b\" - 0 0\n");

	e.status = 3;
	e.request = NULL;
	e.host = NULL;
	e.peer = NULL;
	n = log_access_format(line, sizeof(line), when, CAP, 1, &e);
	UNIT_STR_EQ("format: a Gopher error, nothing known", line, n,
	    "2026-11-26T12:00:00+0000 - gopher - \"\" 3 0 0\n");

	/* The longest request fits one line, which ends in a newline. */
	big = malloc(GEMINI_REQUEST_MAX);
	memset(big, '\r', GEMINI_REQUEST_MAX);
	e.request = big;
	e.requestlen = GEMINI_REQUEST_MAX;
	e.host = "h";
	n = log_access_format(line, sizeof(line), when, CAP, 1, &e);
	UNIT_CHECK(n > LOG_REQUEST_MAX * 4 && n < sizeof(line) &&
	    line[n - 1] == '\n' && memchr(line, '\n', n - 1) == NULL &&
	    memchr(line, '\r', n) == NULL,
	    "format: the longest request stays one line (%zu bytes)", n);
	n = log_access_format(line, 40, when, CAP, 1, &e);
	UNIT_CHECK(n == 39 && line[38] == '\n' && line[39] == '\0',
	    "format: a short buffer still ends the line");
	free(big);
}

/* log style common | combined, and lines without a time. */
static void
test_styles(void)
{
	struct sockaddr_in	sin;
	struct log_access	e;
	char			line[LOG_LINE_MAX];
	size_t			n;
	time_t			when = 1795694400;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	inet_pton(AF_INET, "192.0.2.7", &sin.sin_addr);
	memset(&e, 0, sizeof(e));
	e.peer = (struct sockaddr *)&sin;
	e.peerlen = sizeof(sin);
	e.proto = PROTO_GEMINI;
	e.host = "example.org";
	e.request = "gemini://example.org/a \"b\"";
	e.requestlen = strlen(e.request);
	e.status = 51;
	e.bytes = 15;
	e.ms = 3;
	n = log_access_format(line, sizeof(line), when, ACCESS_STYLE_COMMON,
	    1, &e);
	UNIT_STR_EQ("style common: Apache's, the server name first", line, n,
	    "example.org 192.0.2.7 - - [26/Nov/2026:12:00:00 +0000] "
	    "\"gemini://example.org/a \\x22b\\x22\" 51 15\n");
	n = log_access_format(line, sizeof(line), when, ACCESS_STYLE_COMBINED,
	    1, &e);
	UNIT_STR_EQ("style combined: Apache's, referrer and agent \"-\"", line,
	    n, "192.0.2.7 - - [26/Nov/2026:12:00:00 +0000] "
	    "\"gemini://example.org/a \\x22b\\x22\" 51 15 \"-\" \"-\"\n");
	n = log_access_format(line, sizeof(line), when, CAP, 0, &e);
	UNIT_STR_EQ("style capsuled without a time (syslog stamps it)", line, n,
	    "192.0.2.7 gemini example.org "
	    "\"gemini://example.org/a \\x22b\\x22\" 51 15 3\n");
	n = log_access_format(line, sizeof(line), when, ACCESS_STYLE_COMMON,
	    0, &e);
	UNIT_STR_EQ("style common without a time", line, n,
	    "example.org 192.0.2.7 - - "
	    "\"gemini://example.org/a \\x22b\\x22\" 51 15\n");
	n = log_access_format(line, sizeof(line), when + 86400 * 40,
	    ACCESS_STYLE_COMBINED, 1, &e);
	UNIT_CHECK(strncmp(line, "192.0.2.7 - - [05/Jan/2027:12:00:00 +0000] ",
	    43) == 0, "style combined: English month names, cache renewed");

	e.proto = PROTO_GOPHER;
	e.request = "/x";
	e.requestlen = 2;
	e.status = 0;
	n = log_access_format(line, sizeof(line), when, ACCESS_STYLE_COMMON,
	    1, &e);
	UNIT_STR_EQ("style common: Gopher served is 20", line, n,
	    "example.org 192.0.2.7 - - [26/Nov/2026:12:00:00 +0000] "
	    "\"/x\" 20 15\n");
	e.status = 3;
	n = log_access_format(line, sizeof(line), when, ACCESS_STYLE_COMBINED,
	    1, &e);
	UNIT_STR_EQ("style combined: a Gopher error is 50", line, n,
	    "192.0.2.7 - - [26/Nov/2026:12:00:00 +0000] \"/x\" 50 15 "
	    "\"-\" \"-\"\n");
	n = log_access_format(line, sizeof(line), when, CAP, 1, &e);
	UNIT_STR_EQ("style capsuled after the others: its own time again",
	    line, n, "2026-11-26T12:00:00+0000 192.0.2.7 gopher example.org "
	    "\"/x\" 3 15 3\n");
}

/* Names in messages, and the net under every message. */
static void
test_quote(void)
{
	static const struct {
		const char	*name;
		const char	*in;
		const char	*quote;		/* log_quote */
		const char	*clean;		/* log_sanitize */
	} t[] = {
		{ "plain name", "/guide/a.gmi", "/guide/a.gmi", "/guide/a.gmi" },
		{ "newline and ESC", "a\n\x1b[31mb", "a\\x0a\\x1b[31mb",
		    "a\\x0a\\x1b[31mb" },
		{ "C1 CSI", "a\xc2\x9b" "2J", "a\\xc2\\x9b2J",
		    "a\\xc2\\x9b2J" },
		{ "not UTF-8", "a\xff", "a\\xff", "a\\xff" },
		{ "UTF-8 kept", "caf\xc3\xa9", "caf\xc3\xa9", "caf\xc3\xa9" },
		{ "quote and backslash", "a\"\\", "a\\x22\\x5c", "a\"\\" },
		{ "TAB", "a\tb", "a\\x09b", "a\\x09b" },
	};
	char		out[64], *big;
	const char	*q[LOG_QUOTE_SLOTS];
	size_t		i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		UNIT_CHECK(strcmp(log_quote(t[i].in), t[i].quote) == 0,
		    "quote: %s", t[i].name);
		log_sanitize(out, sizeof(out), t[i].in);
		UNIT_CHECK(strcmp(out, t[i].clean) == 0, "sanitize: %s",
		    t[i].name);
	}
	for (i = 0; i < LOG_QUOTE_SLOTS; i++)
		q[i] = log_quote(i % 2 ? "odd" : "even");
	UNIT_CHECK(strcmp(q[0], "even") == 0 && strcmp(q[1], "odd") == 0 &&
	    strcmp(q[LOG_QUOTE_SLOTS - 2], "even") == 0 &&
	    strcmp(q[LOG_QUOTE_SLOTS - 1], "odd") == 0,
	    "quote: %d names in one message stay apart", LOG_QUOTE_SLOTS);
	UNIT_CHECK(strcmp(log_quoten("abc\n", 3), "abc") == 0,
	    "quote: a length, no NUL needed");
	big = malloc(LOG_NAME_MAX + 10);
	memset(big, 'n', LOG_NAME_MAX + 9);
	big[LOG_NAME_MAX + 9] = '\0';
	UNIT_CHECK(strlen(log_quote(big)) == LOG_NAME_MAX + 3 &&
	    strcmp(log_quote(big) + LOG_NAME_MAX, "...") == 0,
	    "quote: a long name is cut at %d bytes and marked", LOG_NAME_MAX);
	free(big);
	log_sanitize(out, 6, "\n\n\n");
	UNIT_CHECK(strcmp(out, "\\x0a") == 0,
	    "sanitize: a small buffer, an escape never split");
}

/* What log_warnx writes to standard error is one line, escaped. */
static void
test_message(void)
{
	char	buf[512];
	FILE	*f;
	size_t	n;
	int	saved;

	fflush(stderr);
	saved = dup(2);
	if ((f = tmpfile()) == NULL || dup2(fileno(f), 2) == -1) {
		UNIT_CHECK(0, "message: a temporary file for stderr");
		return;
	}
	log_warnx("capsule: %s: skipped", "evil\n\x1b[31mforged line");
	log_warnx("raw %s", "x\rcarriage\xc2\x85next");
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	UNIT_STR_EQ("message: control characters never reach the log raw",
	    buf, n, "capsuled: capsule: evil\\x0a\\x1b[31mforged line: "
	    "skipped\ncapsuled: raw x\\x0dcarriage\\xc2\\x85next\n");
}

int
main(void)
{
	UNIT_PLAN(62);
	setenv("TZ", "UTC", 1);
	tzset();
	test_escape();
	test_format();
	test_styles();
	test_quote();
	test_message();
	UNIT_DONE();
}
