/*
 * test_proxy.c: proxy_parse against the PROXY protocol's two versions:
 * whole headers of each address family, headers that arrive in pieces,
 * LOCAL/UNKNOWN (keep the socket's address), and malformed or oversized
 * headers, which must be refused rather than half-read.
 */

#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdio.h>
#include <string.h>

#include "proxy.h"
#include "unit.h"

#define S(s)	(const unsigned char *)(s), (sizeof(s) - 1)

struct v1_test {
	const char	*name;
	const char	*in;
	int		 want;		/* 1, 0, -1 */
	size_t		 hdrlen;
	const char	*addr;		/* NULL: local */
	int		 port;
};

static const struct v1_test v1_tests[] = {
	{ "v1 TCP4", "PROXY TCP4 192.0.2.7 198.51.100.1 56324 1965\r\n"
	    "gemini://x/\r\n", 1, 46, "192.0.2.7", 56324 },
	{ "v1 TCP6", "PROXY TCP6 2001:db8::7 2001:db8::1 4000 70\r\n/\r\n",
	    1, 44, "2001:db8::7", 4000 },
	{ "v1 UNKNOWN", "PROXY UNKNOWN\r\n", 1, 15, NULL, 0 },
	{ "v1 UNKNOWN with addresses",
	    "PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n", 1, 35, NULL, 0 },
	{ "v1 partial prefix", "PROX", 0, 0, NULL, 0 },
	{ "v1 partial line", "PROXY TCP4 192.0.2.7 198.5", 0, 0, NULL, 0 },
	{ "v1 bare LF", "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n", -1, 0, NULL, 0 },
	{ "v1 wrong proto", "PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n", -1, 0,
	    NULL, 0 },
	{ "v1 v6 address in TCP4", "PROXY TCP4 ::1 ::1 1 2\r\n", -1, 0,
	    NULL, 0 },
	{ "v1 bad port", "PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n", -1, 0,
	    NULL, 0 },
	{ "v1 leading zero port", "PROXY TCP4 1.2.3.4 5.6.7.8 080 2\r\n", -1,
	    0, NULL, 0 },
	{ "v1 missing field", "PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n", -1, 0,
	    NULL, 0 },
	{ "v1 extra field", "PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n", -1, 0,
	    NULL, 0 },
	{ "v1 double space", "PROXY TCP4  1.2.3.4 5.6.7.8 1 2\r\n", -1, 0,
	    NULL, 0 },
	{ "v1 bad destination", "PROXY TCP4 1.2.3.4 5.6.7 1 2\r\n", -1, 0,
	    NULL, 0 },
	{ "not a header: Gemini request", "gemini://x/\r\n", -1, 0, NULL, 0 },
	{ "not a header: TLS", "\x16\x03\x01", -1, 0, NULL, 0 },
	{ "not a header: 'PROXI'", "PROXI TCP4", -1, 0, NULL, 0 },
};

static void
check_addr(const char *name, const struct proxy_result *r, const char *addr,
    int port)
{
	char		 got[INET6_ADDRSTRLEN] = "";
	const void	*a;
	int		 gport;

	if (r->src.ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)&r->src;

		a = &sin->sin_addr;
		gport = ntohs(sin->sin_port);
		UNIT_CHECK(r->srclen == sizeof(*sin), "%s: srclen", name);
	} else {
		const struct sockaddr_in6 *sin6 = (const void *)&r->src;

		a = &sin6->sin6_addr;
		gport = ntohs(sin6->sin6_port);
		UNIT_CHECK(r->srclen == sizeof(*sin6), "%s: srclen", name);
	}
	inet_ntop(r->src.ss_family, a, got, sizeof(got));
	UNIT_CHECK(strcmp(got, addr) == 0 && gport == port,
	    "%s: client %s port %d (got %s port %d)", name, addr, port, got,
	    gport);
}

static void
test_v1(void)
{
	struct proxy_result	 r;
	const char		*err;
	size_t			 i;
	int			 rc;

	for (i = 0; i < sizeof(v1_tests) / sizeof(v1_tests[0]); i++) {
		const struct v1_test	*t = &v1_tests[i];

		err = NULL;
		rc = proxy_parse((const unsigned char *)t->in, strlen(t->in),
		    &r, &err);
		UNIT_CHECK(rc == t->want, "%s: returns %d (got %d)", t->name,
		    t->want, rc);
		if (t->want == -1)
			UNIT_CHECK(err != NULL, "%s: says why", t->name);
		if (rc != 1 || t->want != 1)
			continue;
		UNIT_CHECK(r.hdrlen == t->hdrlen, "%s: header is %zu bytes "
		    "(got %zu)", t->name, t->hdrlen, r.hdrlen);
		if (t->addr == NULL)
			UNIT_CHECK(r.local, "%s: keeps the socket address",
			    t->name);
		else
			check_addr(t->name, &r, t->addr, t->port);
	}
}

static void
test_v1_limits(void)
{
	unsigned char		 line[200];
	struct proxy_result	 r;
	const char		*err;

	memset(line, 'x', sizeof(line));
	memcpy(line, "PROXY TCP4 ", 11);
	UNIT_CHECK(proxy_parse(line, 106, &r, &err) == 0,
	    "v1: 106 bytes without LF may still complete");
	UNIT_CHECK(proxy_parse(line, 107, &r, &err) == -1,
	    "v1: 107 bytes without LF is refused");
	UNIT_CHECK(proxy_parse(line, sizeof(line), &r, &err) == -1,
	    "v1: a long line is refused, not buffered");
}

/* A v2 header: command, family byte, address block, extra TLV bytes. */
static size_t
v2(unsigned char *b, int cmd, int fam, const void *addr, size_t alen,
    size_t extra)
{
	static const unsigned char	sig[12] = { 0x0d, 0x0a, 0x0d, 0x0a,
	    0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a };
	size_t				len = alen + extra;

	memcpy(b, sig, 12);
	b[12] = 0x20 | cmd;
	b[13] = fam;
	b[14] = len >> 8;
	b[15] = len & 0xff;
	memcpy(b + 16, addr, alen);
	memset(b + 16 + alen, 0, extra);
	return 16 + len;
}

static void
test_v2(void)
{
	unsigned char		 b[2048];
	unsigned char		 a4[12] = { 192, 0, 2, 9, 10, 0, 0, 1,
				    0x1f, 0x90, 0x07, 0xad };
	unsigned char		 a6[36];
	struct proxy_result	 r;
	const char		*err;
	size_t			 n, i;
	int			 ok;

	n = v2(b, 1, 0x11, a4, sizeof(a4), 0);
	UNIT_CHECK(proxy_parse(b, n, &r, &err) == 1 && r.hdrlen == 28,
	    "v2 TCP4: whole header of 28 bytes");
	check_addr("v2 TCP4", &r, "192.0.2.9", 8080);

	ok = 1;
	for (i = 0; i < n; i++)
		if (proxy_parse(b, i, &r, &err) != 0)
			ok = 0;
	UNIT_CHECK(ok, "v2 TCP4: every prefix asks for more bytes");

	memset(a6, 0, sizeof(a6));
	a6[0] = 0x20;
	a6[1] = 0x01;
	a6[2] = 0x0d;
	a6[3] = 0xb8;
	a6[15] = 7;
	a6[32] = 0x04;
	a6[33] = 0xd2;
	n = v2(b, 1, 0x21, a6, sizeof(a6), 0);
	UNIT_CHECK(proxy_parse(b, n, &r, &err) == 1 && r.hdrlen == 52,
	    "v2 TCP6: whole header of 52 bytes");
	check_addr("v2 TCP6", &r, "2001:db8::7", 1234);

	n = v2(b, 1, 0x11, a4, sizeof(a4), 40);
	UNIT_CHECK(proxy_parse(b, n, &r, &err) == 1 && r.hdrlen == 68,
	    "v2 with TLVs: they are part of the header");

	n = v2(b, 0, 0x00, a4, 0, 0);
	UNIT_CHECK(proxy_parse(b, n, &r, &err) == 1 && r.local &&
	    r.hdrlen == 16, "v2 LOCAL (health check): keep the socket "
	    "address");

	n = v2(b, 1, 0x00, a4, 0, 0);
	UNIT_CHECK(proxy_parse(b, n, &r, &err) == 1 && r.local,
	    "v2 PROXY UNSPEC: keep the socket address");

	n = v2(b, 1, 0x11, a4, 8, 0);
	UNIT_CHECK(proxy_parse(b, n, &r, &err) == -1,
	    "v2 TCP4 with a short address block is refused");

	n = v2(b, 1, 0x31, a4, sizeof(a4), 0);
	UNIT_CHECK(proxy_parse(b, n, &r, &err) == -1,
	    "v2 UNIX family is refused");

	n = v2(b, 2, 0x11, a4, sizeof(a4), 0);
	UNIT_CHECK(proxy_parse(b, n, &r, &err) == -1,
	    "v2 unknown command is refused");

	n = v2(b, 1, 0x11, a4, sizeof(a4), 0);
	b[12] = 0x11;
	UNIT_CHECK(proxy_parse(b, n, &r, &err) == -1,
	    "v2 wrong version is refused");

	n = v2(b, 1, 0x11, a4, sizeof(a4), PROXY_HEADER_MAX);
	UNIT_CHECK(proxy_parse(b, 16, &r, &err) == -1,
	    "v2 longer than PROXY_HEADER_MAX is refused at once");

	/* PROXY_HEADER_MAX (536) bytes in all is the longest taken. */
	n = v2(b, 1, 0x11, a4, sizeof(a4), PROXY_HEADER_MAX - 16 - 12);
	UNIT_CHECK(n == 536 && proxy_parse(b, n - 1, &r, &err) == 0 &&
	    proxy_parse(b, n, &r, &err) == 1 && r.hdrlen == 536 && !r.local,
	    "v2 of exactly %d bytes (TLVs after the addresses) is read whole",
	    PROXY_HEADER_MAX);
	n = v2(b, 1, 0x11, a4, sizeof(a4), PROXY_HEADER_MAX - 16 - 12 + 1);
	UNIT_CHECK(n == 537 && proxy_parse(b, 16, &r, &err) == -1 &&
	    proxy_parse(b, n, &r, &err) == -1,
	    "v2 of %d bytes is refused, from its first 16", PROXY_HEADER_MAX + 1);

	n = v2(b, 1, 0x11, a4, sizeof(a4), 0);
	b[5] = 0;
	UNIT_CHECK(proxy_parse(b, n, &r, &err) == -1,
	    "v2 with a broken signature is refused");
	UNIT_CHECK(proxy_parse(b, 3, &r, &err) == 0,
	    "v2: a signature prefix asks for more");
}

int
main(void)
{
	UNIT_PLAN(62);
	test_v1();
	test_v1_limits();
	test_v2();
	UNIT_DONE();
}
