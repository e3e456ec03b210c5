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

#include "capsuled.h"
#include "log.h"
#include "unit.h"

#define S(s)	(s), (sizeof(s) - 1)

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
	n = log_access_format(line, sizeof(line), when, &e);
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
	n = log_access_format(line, sizeof(line), when + 61, &e);
	UNIT_STR_EQ("format: a Gopher line over IPv6", line, n,
	    "2026-11-26T12:01:01+0000 2001:db8::1 gopher example.org "
	    "\"/a\\x09b\" - 0 0\n");

	e.status = 3;
	e.request = NULL;
	e.host = NULL;
	e.peer = NULL;
	n = log_access_format(line, sizeof(line), when, &e);
	UNIT_STR_EQ("format: a Gopher error, nothing known", line, n,
	    "2026-11-26T12:00:00+0000 - gopher - \"\" 3 0 0\n");

	/* The longest request fits one line, which ends in a newline. */
	big = malloc(GEMINI_REQUEST_MAX);
	memset(big, '\r', GEMINI_REQUEST_MAX);
	e.request = big;
	e.requestlen = GEMINI_REQUEST_MAX;
	e.host = "h";
	n = log_access_format(line, sizeof(line), when, &e);
	UNIT_CHECK(n > LOG_REQUEST_MAX * 4 && n < sizeof(line) &&
	    line[n - 1] == '\n' && memchr(line, '\n', n - 1) == NULL &&
	    memchr(line, '\r', n) == NULL,
	    "format: the longest request stays one line (%zu bytes)", n);
	n = log_access_format(line, 40, when, &e);
	UNIT_CHECK(n == 39 && line[38] == '\n' && line[39] == '\0',
	    "format: a short buffer still ends the line");
	free(big);
}

int
main(void)
{
	UNIT_PLAN(35);
	setenv("TZ", "UTC", 1);
	tzset();
	test_escape();
	test_format();
	UNIT_DONE();
}
