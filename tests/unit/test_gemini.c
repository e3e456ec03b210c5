/*
 * test_gemini.c: table-driven checks of gemini.c against the request
 * rules of docs/design.md section 3.  gemini_line_complete: only CRLF ends a
 * request and at most 1024 bytes may come before it.
 * gemini_parse_request: 59 for every malformed request, 53 for another
 * scheme, 0 with a decoded, normalized path otherwise.
 * gemini_host_matches and gemini_port_matches decide whether a request
 * is for us; gemini_status gives the fixed reply lines byte for byte.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gemini.h"
#include "uri.h"
#include "unit.h"

#define S(s)	(s), (sizeof(s) - 1)

struct complete_test {
	const char	*name;
	const char	*in;
	size_t		 len;
	int		 rc;
	size_t		 linelen;	/* when rc == 1 */
};

static const struct complete_test complete_tests[] = {
	{ "complete: CRLF found", S("gemini://h/\r\n"), 1, 11 },
	{ "complete: empty line CRLF", S("\r\n"), 1, 0 },
	{ "complete: bytes after CRLF ignored", S("gemini://h/\r\nxyz"), 1,
	    11 },
	{ "complete: bare LF is not an end", S("gemini://h/\n"), 0, 0 },
	{ "complete: LF then CRLF", S("gemini://h/\nx\r\n"), 1, 13 },
	{ "complete: CR at end of buffer waits", S("gemini://h/\r"), 0, 0 },
	{ "complete: lone CR then CRLF", S("a\rb\r\n"), 1, 3 },
	{ "complete: nothing yet", S(""), 0, 0 },
	{ "complete: no CRLF yet", S("gemini://h/"), 0, 0 },
};

struct parse_test {
	const char	*name;
	const char	*in;
	size_t		 len;
	int		 rc;
	const char	*path;		/* when rc == 0 */
};

static const struct parse_test parse_tests[] = {
	{ "parse: gemini://h/", S("gemini://h/"), 0, "/" },
	{ "parse: gemini://h has path /", S("gemini://h"), 0, "/" },
	{ "parse: GEMINI://H:1965/x", S("GEMINI://H:1965/x"), 0, "/x" },
	{ "parse: query is not path", S("gemini://h/s?a%20b"), 0, "/s" },
	{ "parse: %20 decoded", S("gemini://h/a%20b.gmi"), 0, "/a b.gmi" },
	{ "parse: UTF-8 escapes decoded", S("gemini://h/%C3%A9"), 0,
	    "/\xc3\xa9" },
	{ "parse: raw UTF-8 path", S("gemini://h/\xc3\xa9"), 0,
	    "/\xc3\xa9" },
	{ "parse: /a/./b normalized", S("gemini://h/a/./b"), 0, "/a/b" },
	{ "parse: /a/../b normalized", S("gemini://h/a/../b"), 0, "/b" },
	{ "parse: /a/b/.. normalized", S("gemini://h/a/b/.."), 0, "/a/" },
	{ "parse: IPv6 literal host", S("gemini://[::1]:1965/"), 0, "/" },
	{ "parse: IPv4 literal host", S("gemini://127.0.0.1/"), 0, "/" },
	{ "parse: empty port", S("gemini://h:/x"), 0, "/x" },
	{ "parse: other host is still well-formed", S("gemini://other/"), 0,
	    "/" },

	{ "parse: 59 for empty request", S(""), 59, NULL },
	{ "parse: 59 for /", S("/"), 59, NULL },
	{ "parse: 59 for //host/", S("//host/"), 59, NULL },
	{ "parse: 59 for relative a/b", S("a/b"), 59, NULL },
	{ "parse: 59 for gemini:", S("gemini:"), 59, NULL },
	{ "parse: 59 for gemini:///", S("gemini:///"), 59, NULL },
	{ "parse: 59 for gemini:/x (no authority)", S("gemini:/x"), 59,
	    NULL },
	{ "parse: 59 for gemini://:1965/ (empty host)",
	    S("gemini://:1965/"), 59, NULL },
	{ "parse: 59 for leading BOM", S("\xef\xbb\xbfgemini://h/"), 59,
	    NULL },
	{ "parse: 59 for NUL", S("gemini://h/\0"), 59, NULL },
	{ "parse: 59 for NUL in host", S("gemini://h\0x/"), 59, NULL },
	{ "parse: 59 for invalid UTF-8", S("gemini://h/\xff"), 59, NULL },
	{ "parse: 59 for overlong UTF-8", S("gemini://h/\xc0\xaf"), 59, NULL },
	{ "parse: 59 for userinfo", S("gemini://u@h/"), 59, NULL },
	{ "parse: 59 for fragment", S("gemini://h/#f"), 59, NULL },
	{ "parse: 59 for /../", S("gemini://h/../"), 59, NULL },
	{ "parse: 59 for /..", S("gemini://h/.."), 59, NULL },
	{ "parse: 59 for /a/../..", S("gemini://h/a/../../x"), 59, NULL },
	{ "parse: 59 for %2e%2e", S("gemini://h/%2e%2e"), 59, NULL },
	{ "parse: 59 for %2E%2E/x", S("gemini://h/%2E%2E/x"), 59, NULL },
	{ "parse: 59 for ..%2f", S("gemini://h/..%2f"), 59, NULL },
	{ "parse: 59 for %2F", S("gemini://h/a%2Fb"), 59, NULL },
	{ "parse: 59 for %00", S("gemini://h/a%00"), 59, NULL },
	{ "parse: 59 for %FF", S("gemini://h/%FF"), 59, NULL },
	{ "parse: 59 for bad escape", S("gemini://h/%zz"), 59, NULL },
	{ "parse: 59 for bare LF inside", S("gemini://h/\n"), 59, NULL },
	{ "parse: 59 for CR inside", S("gemini://h/\r"), 59, NULL },
	{ "parse: 59 for space", S("gemini://h/a b"), 59, NULL },
	{ "parse: 59 for port 65536", S("gemini://h:65536/"), 59, NULL },
	{ "parse: 59 for port abc", S("gemini://h:abc/"), 59, NULL },
	{ "parse: 59 for unterminated [", S("gemini://[::1/"), 59, NULL },

	{ "parse: 53 for http:", S("http://h/"), 53, NULL },
	{ "parse: 53 for https:", S("https://h/"), 53, NULL },
	{ "parse: 53 for gopher:", S("gopher://h/"), 53, NULL },
	{ "parse: 53 for foo:bar", S("foo:bar"), 53, NULL },
	{ "parse: 53 for geminis:", S("geminis://h/"), 53, NULL },
	{ "parse: 53 for gemin:", S("gemin://h/"), 53, NULL },
};

struct host_test {
	const char	*name;
	const char	*url;
	const char	*server;
	const char	*local;
	int		 want;
};

static const struct host_test host_tests[] = {
	{ "host: same name", "gemini://example.org/", "example.org", NULL,
	    1 },
	{ "host: case-insensitive", "gemini://ExAmple.ORG/", "example.org",
	    NULL, 1 },
	{ "host: trailing dot", "gemini://example.org./", "example.org",
	    NULL, 1 },
	{ "host: two trailing dots", "gemini://example.org../",
	    "example.org", NULL, 0 },
	{ "host: other name", "gemini://example.com/", "example.org", NULL,
	    0 },
	{ "host: prefix only", "gemini://example/", "example.org", NULL, 0 },
	{ "host: longer name", "gemini://www.example.org/", "example.org",
	    NULL, 0 },
	{ "host: suffix of ours", "gemini://ample.org/", "example.org",
	    NULL, 0 },
	{ "host: IPv6 equals local address", "gemini://[::1]/", "example.org",
	    "::1", 1 },
	{ "host: IPv6 unknown local address", "gemini://[::1]/",
	    "example.org", NULL, 0 },
	{ "host: IPv6 other local address", "gemini://[::1]/", "example.org",
	    "::2", 0 },
	{ "host: IPv6 literal vs IPv4 local", "gemini://[::1]/",
	    "example.org", "127.0.0.1", 0 },
	{ "host: IPv4 equals local address", "gemini://127.0.0.1/",
	    "example.org", "127.0.0.1", 1 },
	{ "host: IPv4 other local address", "gemini://127.0.0.2/",
	    "example.org", "127.0.0.1", 0 },
	{ "host: IPv4 prefix of local", "gemini://127.0.0.1/",
	    "example.org", "127.0.0.10", 0 },
	{ "host: IP literal never matches the name",
	    "gemini://127.0.0.1/", "127.0.0.1", NULL, 0 },
};

struct port_test {
	const char	*name;
	const char	*url;
	int		 port;
	int		 want;
};

static const struct port_test port_tests[] = {
	{ "port: absent means 1965", "gemini://h/", 1965, 1 },
	{ "port: absent is not 1966", "gemini://h/", 1966, 0 },
	{ "port: 1965 given", "gemini://h:1965/", 1965, 1 },
	{ "port: empty means 1965", "gemini://h:/", 1965, 1 },
	{ "port: other given", "gemini://h:1966/", 1965, 0 },
	{ "port: given and listened on", "gemini://h:11965/", 11965, 1 },
	{ "port: IPv6 with port", "gemini://[::1]:7000/", 7000, 1 },
};

struct status_test {
	const char	*name;
	int		 status;
	const char	*want;		/* NULL: no fixed line */
};

static const struct status_test status_tests[] = {
	{ "status: 51", 51, "51 Not found\r\n" },
	{ "status: 53", 53, "53 Proxy request refused\r\n" },
	{ "status: 59", 59, "59 Bad request\r\n" },
	{ "status: 40", 40, "40 Temporary failure\r\n" },
	{ "status: 44", 44, "44 Slow down\r\n" },
	{ "status: 20 has no fixed line", 20, NULL },
	{ "status: 0 has no fixed line", 0, NULL },
};

static void
test_complete(void)
{
	const struct complete_test	*t;
	char				*big;
	size_t				 i, linelen;
	int				 rc;

	for (i = 0; i < sizeof(complete_tests) / sizeof(complete_tests[0]);
	    i++) {
		t = &complete_tests[i];
		linelen = 99999;
		rc = gemini_line_complete(t->in, t->len, &linelen);
		UNIT_CHECK(rc == t->rc && (rc != 1 || linelen == t->linelen),
		    "%s", t->name);
		if (rc != t->rc || (rc == 1 && linelen != t->linelen))
			printf("#   want %d/%zu got %d/%zu\n", t->rc,
			    t->linelen, rc, linelen);
	}

	/* Around the 1024-byte limit. */
	if ((big = malloc(2048)) == NULL) {
		UNIT_CHECK(0, "complete: malloc");
		return;
	}
	memset(big, 'a', 2048);

	memcpy(big + 1024, "\r\n", 2);
	rc = gemini_line_complete(big, 1026, &linelen);
	UNIT_CHECK(rc == 1 && linelen == 1024, "complete: 1024 bytes + CRLF");
	memset(big + 1024, 'a', 2);

	memcpy(big + 1025, "\r\n", 2);
	rc = gemini_line_complete(big, 1027, &linelen);
	UNIT_CHECK(rc == -1, "complete: 1025 bytes + CRLF is too long");
	memset(big + 1025, 'a', 2);

	rc = gemini_line_complete(big, 1024, &linelen);
	UNIT_CHECK(rc == 0, "complete: 1024 bytes without CRLF waits");

	rc = gemini_line_complete(big, 1025, &linelen);
	UNIT_CHECK(rc == -1,
	    "complete: 1025 bytes without CR or LF are refused at once");

	big[1000] = '\r';
	rc = gemini_line_complete(big, 1025, &linelen);
	UNIT_CHECK(rc == -1,
	    "complete: 1025 bytes with a CR inside but not last are refused");
	big[1000] = 'a';

	big[1024] = '\r';
	rc = gemini_line_complete(big, 1025, &linelen);
	UNIT_CHECK(rc == 0, "complete: 1024 bytes + CR waits for LF");
	big[1024] = 'a';

	rc = gemini_line_complete(big, 1026, &linelen);
	UNIT_CHECK(rc == -1, "complete: 1026 bytes without CRLF is too long");

	rc = gemini_line_complete(big, 2048, &linelen);
	UNIT_CHECK(rc == -1, "complete: 2048 bytes without CRLF is too long");

	big[1024] = '\n';
	rc = gemini_line_complete(big, 1026, &linelen);
	UNIT_CHECK(rc == -1, "complete: 1024 bytes + LF + 1 is too long");
	free(big);
}

static void
test_parse(void)
{
	const struct parse_test	*t;
	struct gemini_request	 req;
	const char		*err;
	char			*big;
	size_t			 i;
	int			 rc;

	for (i = 0; i < sizeof(parse_tests) / sizeof(parse_tests[0]); i++) {
		t = &parse_tests[i];
		err = NULL;
		memset(&req, 0x55, sizeof(req));
		rc = gemini_parse_request(t->in, t->len, &req, &err);
		if (rc == 0 && t->rc == 0)
			UNIT_STR_EQ(t->name, req.path, req.pathlen, t->path);
		else {
			UNIT_CHECK(rc == t->rc && err != NULL, "%s", t->name);
			if (rc != t->rc)
				printf("#   want %d got %d (%s)\n", t->rc, rc,
				    err != NULL ? err : "no errstr");
		}
	}

	/* A request of exactly 1024 bytes is legal; 1025 is not. */
	if ((big = malloc(1025)) == NULL) {
		UNIT_CHECK(0, "parse: malloc");
		return;
	}
	memset(big, 'a', 1025);
	memcpy(big, "gemini://h/", 11);
	rc = gemini_parse_request(big, 1024, &req, &err);
	UNIT_CHECK(rc == 0 && req.pathlen == 1024 - 10 &&
	    req.path[req.pathlen] == '\0',
	    "parse: 1024-byte request is accepted");
	rc = gemini_parse_request(big, 1025, &req, &err);
	UNIT_CHECK(rc == 59, "parse: 1025-byte request is 59");
	free(big);

	/* The uri part is filled in for the host and port checks. */
	rc = gemini_parse_request(S("gemini://Example.org:1966/x?q"), &req,
	    &err);
	UNIT_CHECK(rc == 0 && req.uri.hostlen == 11 &&
	    memcmp(req.uri.host, "Example.org", 11) == 0 &&
	    req.uri.port == 1966 && req.uri.querylen == 1,
	    "parse: uri host, port and query filled in");
}

static void
test_host(void)
{
	const struct host_test	*t;
	struct uri		 u;
	const char		*err;
	size_t			 i;
	int			 got;

	for (i = 0; i < sizeof(host_tests) / sizeof(host_tests[0]); i++) {
		t = &host_tests[i];
		if (uri_parse(t->url, strlen(t->url), &u, &err) == -1) {
			UNIT_CHECK(0, "%s (uri_parse: %s)", t->name, err);
			continue;
		}
		got = gemini_host_matches(&u, t->server, t->local);
		UNIT_CHECK(got == t->want, "%s", t->name);
	}
}

static void
test_port(void)
{
	const struct port_test	*t;
	struct uri		 u;
	const char		*err;
	size_t			 i;
	int			 got;

	for (i = 0; i < sizeof(port_tests) / sizeof(port_tests[0]); i++) {
		t = &port_tests[i];
		if (uri_parse(t->url, strlen(t->url), &u, &err) == -1) {
			UNIT_CHECK(0, "%s (uri_parse: %s)", t->name, err);
			continue;
		}
		got = gemini_port_matches(&u, t->port);
		UNIT_CHECK(got == t->want, "%s", t->name);
	}
}

/* "NN meta\r\n": two digits, one space, meta without CR/LF, CRLF. */
static int
status_line_ok(const char *s, size_t len)
{
	size_t	i;

	if (len < 6 || s[0] < '1' || s[0] > '6' || s[1] < '0' ||
	    s[1] > '9' || s[2] != ' ' || s[3] == ' ' ||
	    s[len - 2] != '\r' || s[len - 1] != '\n')
		return 0;
	for (i = 3; i < len - 2; i++)
		if (s[i] == '\r' || s[i] == '\n' || s[i] == '\0')
			return 0;
	return 1;
}

static void
test_status(void)
{
	const struct status_test	*t;
	const char			*line;
	char				 name[128];
	size_t				 i, len;

	for (i = 0; i < sizeof(status_tests) / sizeof(status_tests[0]); i++) {
		t = &status_tests[i];
		len = 0;
		line = gemini_status(t->status, &len);
		if (t->want == NULL) {
			UNIT_CHECK(line == NULL, "%s", t->name);
			continue;
		}
		if (line == NULL) {
			UNIT_CHECK(0, "%s (NULL)", t->name);
			continue;
		}
		UNIT_STR_EQ(t->name, line, len, t->want);
		snprintf(name, sizeof(name), "%s: shape \"NN meta\\r\\n\"",
		    t->name);
		UNIT_CHECK(status_line_ok(line, len) &&
		    line[0] - '0' == t->status / 10 &&
		    line[1] - '0' == t->status % 10, "%s", name);
	}
}

int
main(void)
{
	UNIT_PLAN(107);
	test_complete();
	test_parse();
	test_host();
	test_port();
	test_status();
	UNIT_DONE();
}
