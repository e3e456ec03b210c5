/*
 * test_response.c: gemini_parse_response, the check of the header a
 * CGI script or FastCGI responder writes before capsuled passes
 * anything on: two digits of a defined status, a space, at most 1024
 * bytes of UTF-8 meta without control bytes, CRLF.  Each row gives
 * bytes and what must come of them (1: a header, 0: not yet, -1: never
 * one, with the reason); each accepted header is also checked to give
 * 0 for every proper prefix, whatever follows it.  Then every status
 * from 00 to 99, and meta of 1024 bytes (accepted) and 1025 (refused,
 * and refused as soon as the 1025th byte is there, not when CRLF
 * comes).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gemini.h"
#include "unit.h"

#define S(s)	(s), (sizeof(s) - 1)

#define E_START	"the header does not start with a status"
#define E_SPACE	"no space after the status"
#define E_LONG	"the header is too long"
#define E_CRLF	"the header does not end with CRLF"
#define E_STAT	"not a Gemini status"
#define E_CTRL	"a control byte in the meta"
#define E_UTF8	"the meta is not UTF-8"

struct resp_test {
	const char	*name;
	const char	*in;
	size_t		 len;
	int		 rc;
	const char	*err;		/* rc -1 */
	int		 status;	/* rc 1 */
	const char	*meta;
	size_t		 hdrlen;
};

static const struct resp_test resp_tests[] = {
	{ "a page", S("20 text/gemini\r\n"), 1, NULL, 20, "text/gemini", 16 },
	{ "a page and its body", S("20 text/gemini\r\n# Hi\r\n"), 1, NULL, 20,
	    "text/gemini", 16 },
	{ "parameters in the meta", S("20 text/gemini; lang=fr; "
	    "charset=utf-8\r\n"), 1, NULL, 20,
	    "text/gemini; lang=fr; charset=utf-8", 40 },
	{ "no meta at all", S("20\r\nbody"), 1, NULL, 20, "", 4 },
	{ "an empty meta after the space", S("20 \r\n"), 1, NULL, 20, "", 5 },
	{ "an input prompt", S("10 Your name?\r\n"), 1, NULL, 10,
	    "Your name?", 15 },
	{ "a sensitive input prompt", S("11 Password\r\n"), 1, NULL, 11,
	    "Password", 13 },
	{ "a redirect", S("31 gemini://example.org/new\r\n"), 1, NULL, 31,
	    "gemini://example.org/new", 29 },
	{ "a failure", S("51 Not found\r\n"), 1, NULL, 51, "Not found", 14 },
	{ "62, the last defined status", S("62 no\r\n"), 1, NULL, 62, "no",
	    7 },
	{ "UTF-8 in the meta", S("20 text/plain; x=caf\xc3\xa9 \xe4\xb8\xad "
	    "\xf0\x9f\x98\x80\r\n"), 1, NULL, 20,
	    "text/plain; x=caf\xc3\xa9 \xe4\xb8\xad \xf0\x9f\x98\x80", 33 },
	{ "a second header is body", S("20 a\r\n20 b\r\n"), 1, NULL, 20, "a",
	    6 },
	{ "a bare LF in the body is body", S("20 a\r\n\n\r"), 1, NULL, 20,
	    "a", 6 },
	{ "spaces kept in the meta", S("20  a b \r\n"), 1, NULL, 20, " a b ",
	    10 },

	{ "nothing yet", S(""), 0, NULL, 0, NULL, 0 },
	{ "one digit", S("2"), 0, NULL, 0, NULL, 0 },
	{ "two digits", S("20"), 0, NULL, 0, NULL, 0 },
	{ "a CR after the status", S("20\r"), 0, NULL, 0, NULL, 0 },
	{ "meta without its CR", S("20 text/gemini"), 0, NULL, 0, NULL, 0 },
	{ "CR without its LF yet", S("20 text/gemini\r"), 0, NULL, 0, NULL, 0 },

	{ "status 22 is not defined", S("22 x\r\n"), -1, E_STAT, 0, NULL, 0 },
	{ "status 99 is not defined", S("99 x\r\n"), -1, E_STAT, 0, NULL, 0 },
	{ "status 00 is not defined", S("00 x\r\n"), -1, E_STAT, 0, NULL, 0 },
	{ "status 12 is not defined", S("12\r\n"), -1, E_STAT, 0, NULL, 0 },
	{ "a letter for a digit", S("2x text\r\n"), -1, E_START, 0, NULL, 0 },
	{ "a letter first", S("x"), -1, E_START, 0, NULL, 0 },
	{ "a space first", S(" 20 x\r\n"), -1, E_START, 0, NULL, 0 },
	{ "one digit and CRLF", S("2\r\n"), -1, E_START, 0, NULL, 0 },
	{ "CRLF alone", S("\r\n"), -1, E_START, 0, NULL, 0 },
	{ "an HTTP status line", S("HTTP/1.0 200 OK\r\n"), -1, E_START, 0,
	    NULL, 0 },
	{ "a CGI/1.1 header", S("Content-Type: text/gemini\r\n\r\n"), -1,
	    E_START, 0, NULL, 0 },
	{ "three digits", S("200 text/gemini\r\n"), -1, E_SPACE, 0, NULL, 0 },
	{ "no space", S("20text/gemini\r\n"), -1, E_SPACE, 0, NULL, 0 },
	{ "a TAB for the space", S("20\ttext/gemini\r\n"), -1, E_SPACE, 0,
	    NULL, 0 },
	{ "no space, refused at the third byte", S("20x"), -1, E_SPACE, 0,
	    NULL, 0 },
	{ "LF without CR", S("20 text/gemini\n"), -1, E_CRLF, 0, NULL, 0 },
	{ "LF without CR, and more", S("20 text/gemini\nbody\r\n"), -1, E_CRLF,
	    0, NULL, 0 },
	{ "LF, then a CR as the last byte: refused, not awaited",
	    S("20 a\nb\r"), -1, E_CRLF, 0, NULL, 0 },
	{ "LF without CR after the status", S("20\n"), -1, E_SPACE, 0, NULL,
	    0 },
	{ "CR without LF", S("20 text/gemini\rx"), -1, E_CRLF, 0, NULL, 0 },
	{ "CR CR LF", S("20 text/gemini\r\r\n"), -1, E_CRLF, 0, NULL, 0 },
	{ "CR without LF after the status", S("20\rx"), -1, E_CRLF, 0, NULL,
	    0 },
	{ "a TAB in the meta", S("20 text/gemini;\tx\r\n"), -1, E_CTRL, 0,
	    NULL, 0 },
	{ "a NUL in the meta", S("20 text\0gemini\r\n"), -1, E_CTRL, 0, NULL,
	    0 },
	{ "ESC in the meta", S("20 \x1b[31mred\r\n"), -1, E_CTRL, 0, NULL, 0 },
	{ "DEL in the meta", S("20 text\x7f\r\n"), -1, E_CTRL, 0, NULL, 0 },
	{ "0x01 in the meta", S("44 \x01\r\n"), -1, E_CTRL, 0, NULL, 0 },
	{ "0xff in the meta", S("20 text/\xff\r\n"), -1, E_UTF8, 0, NULL, 0 },
	{ "a cut UTF-8 sequence", S("20 caf\xc3\r\n"), -1, E_UTF8, 0, NULL, 0 },
	{ "an overlong /", S("31 \xc0\xaf\r\n"), -1, E_UTF8, 0, NULL, 0 },
	{ "a surrogate", S("20 \xed\xa0\x80\r\n"), -1, E_UTF8, 0, NULL, 0 },
	{ "past U+10FFFF", S("20 \xf4\x90\x80\x80\r\n"), -1, E_UTF8, 0, NULL,
	    0 },
	{ "Latin-1", S("20 text/plain; x=caf\xe9\r\n"), -1, E_UTF8, 0, NULL,
	    0 },
};

static void
check_row(const struct resp_test *t)
{
	const char	*meta = NULL, *err = NULL;
	size_t		 metalen = 0, hdrlen = 0, k;
	int		 status = -1, rc, ok;
	char		*copy;

	/* The bytes alone in a buffer of their size: no read past it. */
	if ((copy = malloc(t->len + 1)) == NULL)
		abort();
	memcpy(copy, t->in, t->len);
	rc = gemini_parse_response(copy, t->len, &status, &meta, &metalen,
	    &hdrlen, &err);
	if (t->rc == 1)
		ok = rc == 1 && status == t->status && hdrlen == t->hdrlen &&
		    metalen == strlen(t->meta) && meta >= copy &&
		    meta + metalen <= copy + hdrlen &&
		    memcmp(meta, t->meta, metalen) == 0;
	else if (t->rc == -1)
		ok = rc == -1 && err != NULL && strcmp(err, t->err) == 0;
	else
		ok = rc == 0;
	UNIT_CHECK(ok, "%s: %d%s%s", t->name, t->rc, t->rc == -1 ? ", " : "",
	    t->rc == -1 ? t->err : "");
	if (!ok)
		printf("#   got %d (%s), status %d, hdrlen %zu, metalen %zu\n",
		    rc, rc == -1 && err ? err : "-", status, hdrlen, metalen);
	if (t->rc == 1) {
		for (k = 0; k < t->hdrlen; k++)
			if (gemini_parse_response(copy, k, &status, &meta,
			    &metalen, &hdrlen, &err) != 0)
				break;
		UNIT_CHECK(k == t->hdrlen, "%s: 0 for each proper prefix",
		    t->name);
		if (k != t->hdrlen)
			printf("#   not 0 for the first %zu bytes\n", k);
	}
	free(copy);
}

static int
count_checks(void)
{
	size_t	i;
	int	n = 0;

	for (i = 0; i < sizeof(resp_tests) / sizeof(resp_tests[0]); i++)
		n += resp_tests[i].rc == 1 ? 2 : 1;
	return n;
}

/* The statuses of the Gemini specification. */
static int
defined(int s)
{
	return s == 10 || s == 11 || s == 20 || s == 30 || s == 31 ||
	    (s >= 40 && s <= 44) || (s >= 50 && s <= 53) || s == 59 ||
	    (s >= 60 && s <= 62);
}

static void
test_statuses(void)
{
	const char	*meta, *err;
	char		 h[8];
	size_t		 metalen, hdrlen;
	int		 s, status, rc, bad = -1, n = 0;

	for (s = 0; s < 100; s++) {
		snprintf(h, sizeof(h), "%02d m\r\n", s);
		err = NULL;
		status = -1;
		rc = gemini_parse_response(h, 6, &status, &meta, &metalen,
		    &hdrlen, &err);
		if (defined(s) ? rc != 1 || status != s || hdrlen != 6 :
		    rc != -1 || err == NULL || strcmp(err, E_STAT) != 0) {
			if (bad == -1)
				bad = s;
		}
		n += defined(s);
	}
	UNIT_CHECK(bad == -1 && n == 18, "statuses 00 to 99: the 18 defined "
	    "ones accepted, every other refused");
	if (bad != -1)
		printf("#   first wrong: %02d\n", bad);
}

/* "20 " and n bytes of meta, then what follows (bytes at p[3 + n]). */
static char *
long_meta(size_t n, const char *tail, size_t taillen)
{
	char	*p;

	if ((p = malloc(3 + n + taillen)) == NULL)
		abort();
	memcpy(p, "20 ", 3);
	memset(p + 3, 'm', n);
	memcpy(p + 3 + n, tail, taillen);
	return p;
}

static void
test_meta_length(void)
{
	const char	*meta, *err;
	char		*p;
	size_t		 metalen = 0, hdrlen = 0, k;
	int		 status, rc;

	p = long_meta(GEMINI_META_MAX, S("\r\nbody"));
	rc = gemini_parse_response(p, 3 + GEMINI_META_MAX + 6, &status,
	    &meta, &metalen, &hdrlen, &err);
	UNIT_CHECK(rc == 1 && metalen == GEMINI_META_MAX &&
	    hdrlen == 3 + GEMINI_META_MAX + 2, "meta of exactly %d bytes "
	    "accepted", GEMINI_META_MAX);
	for (k = 0; k < 3 + GEMINI_META_MAX + 2; k++)
		if (gemini_parse_response(p, k, &status, &meta, &metalen,
		    &hdrlen, &err) != 0)
			break;
	UNIT_CHECK(k == 3 + GEMINI_META_MAX + 2, "meta of %d bytes: 0 for "
	    "each proper prefix (%zu)", GEMINI_META_MAX, k);
	free(p);

	p = long_meta(GEMINI_META_MAX + 1, S("\r\n"));
	err = NULL;
	rc = gemini_parse_response(p, 3 + GEMINI_META_MAX + 3, &status,
	    &meta, &metalen, &hdrlen, &err);
	UNIT_CHECK(rc == -1 && err != NULL && strcmp(err, E_LONG) == 0,
	    "meta of %d bytes and CRLF refused: too long",
	    GEMINI_META_MAX + 1);
	if (rc != -1)
		printf("#   got %d, metalen %zu\n", rc, metalen);
	err = NULL;
	rc = gemini_parse_response(p, 3 + GEMINI_META_MAX + 2, &status,
	    &meta, &metalen, &hdrlen, &err);
	UNIT_CHECK(rc == -1 && err != NULL && strcmp(err, E_LONG) == 0,
	    "meta of %d bytes and CR refused, not awaiting LF",
	    GEMINI_META_MAX + 1);
	err = NULL;
	rc = gemini_parse_response(p, 3 + GEMINI_META_MAX + 1, &status,
	    &meta, &metalen, &hdrlen, &err);
	UNIT_CHECK(rc == -1 && err != NULL && strcmp(err, E_LONG) == 0,
	    "meta of %d bytes refused as soon as the last byte is there",
	    GEMINI_META_MAX + 1);
	rc = gemini_parse_response(p, 3 + GEMINI_META_MAX, &status,
	    &meta, &metalen, &hdrlen, &err);
	UNIT_CHECK(rc == 0, "meta of %d bytes, no CR yet: not complete",
	    GEMINI_META_MAX);
	free(p);

	/* A long run without any CR is refused whatever its length. */
	p = long_meta(5000, S(""));
	for (k = 3 + GEMINI_META_MAX + 1; k <= 5003; k++) {
		err = NULL;
		if (gemini_parse_response(p, k, &status, &meta, &metalen,
		    &hdrlen, &err) != -1 || strcmp(err, E_LONG) != 0)
			break;
	}
	UNIT_CHECK(k == 5004, "every length from %d bytes up refused",
	    3 + GEMINI_META_MAX + 1);
	free(p);
}

int
main(void)
{
	size_t	i;

	UNIT_PLAN(count_checks() + 1 + 7);
	for (i = 0; i < sizeof(resp_tests) / sizeof(resp_tests[0]); i++)
		check_row(&resp_tests[i]);
	test_statuses();
	test_meta_length();
	UNIT_DONE();
}
