/*
 * test_gopher.c: table-driven checks of gopher.c against docs/design.md
 * section 4.  Requests end with CRLF or a bare LF; a selector becomes a
 * normalized path, Gopher+ suffixes are ignored, "URL:" selectors are
 * recognized and hostile input is refused.  Menu lines are checked byte
 * for byte: four TAB-separated fields, CRLF, no TAB/CR/LF inside a field,
 * display strings cut at 67 columns on a character boundary.  The URL
 * page must escape everything and link only to harmless schemes; text
 * must never contain a line that is just "."; gophermaps are rendered
 * with relative selectors, hosts and ports filled in.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capsuled.h"
#include "buf.h"
#include "gopher.h"
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
	{ "complete: CRLF", S("/a\r\n"), 1, 3 },
	{ "complete: bare LF", S("/a\n"), 1, 2 },
	{ "complete: empty line LF", S("\n"), 1, 0 },
	{ "complete: empty line CRLF", S("\r\n"), 1, 1 },
	{ "complete: bytes after LF ignored", S("/a\nrest"), 1, 2 },
	{ "complete: search with TAB", S("/s\tq w\r\n"), 1, 7 },
	{ "complete: nothing yet", S(""), 0, 0 },
	{ "complete: no LF yet", S("/a"), 0, 0 },
	{ "complete: CR without LF waits", S("/a\r"), 0, 0 },
};

struct req_test {
	const char	*name;
	const char	*in;
	size_t		 len;
	int		 rc;
	const char	*path;		/* when rc == 0 */
	const char	*search;	/* NULL: none */
	int		 url;
};

/* A row for a request gopher_parse_request must refuse. */
#define REJECT(name, in)	{ (name), S(in), -1, NULL, NULL, 0 }

static const struct req_test req_tests[] = {
	{ "request: empty is /", S(""), 0, "/", NULL, 0 },
	{ "request: / is /", S("/"), 0, "/", NULL, 0 },
	{ "request: guide/ becomes /guide/", S("guide/"), 0, "/guide/",
	    NULL, 0 },
	{ "request: /guide/leading.gmi", S("/guide/leading.gmi"), 0,
	    "/guide/leading.gmi", NULL, 0 },
	{ "request: CR stripped", S("/a\r"), 0, "/a", NULL, 0 },
	{ "request: CR alone is root", S("\r"), 0, "/", NULL, 0 },
	{ "request: search words", S("/a\tsearch words"), 0, "/a",
	    "search words", 0 },
	{ "request: search and CR", S("/a\tq\r"), 0, "/a", "q", 0 },
	{ "request: empty search", S("/a\t"), 0, "/a", "", 0 },
	{ "request: Gopher+ + ignored", S("/a\t+"), 0, "/a", NULL, 0 },
	{ "request: Gopher+ $ ignored", S("/a\t$"), 0, "/a", NULL, 0 },
	{ "request: Gopher+ ! ignored", S("/a\t!"), 0, "/a", NULL, 0 },
	{ "request: Gopher+ +VIEWS ignored", S("/a\t+VIEWS"), 0, "/a",
	    NULL, 0 },
	{ "request: Gopher+ + with CR ignored", S("/a\t+\r"), 0, "/a",
	    NULL, 0 },
	{ "request: search before Gopher+ kept", S("/a\tq\t+"), 0, "/a",
	    "q", 0 },
	{ "request: search $x is a search", S("/a\t$x"), 0, "/a", "$x", 0 },
	{ "request: search +word is a search", S("/a\t+word"), 0, "/a",
	    "+word", 0 },
	{ "request: search +two words is a search", S("/a\t+two words"), 0,
	    "/a", "+two words", 0 },
	{ "request: Gopher+ view +text/plain ignored", S("/a\t+text/plain"),
	    0, "/a", NULL, 0 },
	{ "request: Gopher+ !+ABSTRACT ignored", S("/a\t!+ABSTRACT"), 0,
	    "/a", NULL, 0 },
	{ "request: dot segments normalized", S("/a/./b/../c"), 0, "/a/c",
	    NULL, 0 },
	{ "request: UTF-8 selector", S("/caf\xc3\xa9"), 0, "/caf\xc3\xa9",
	    NULL, 0 },
	{ "request: selectors are not percent-decoded", S("/a%20b"), 0,
	    "/a%20b", NULL, 0 },
	{ "request: URL: selector", S("URL:https://x"), 0, "https://x", NULL,
	    1 },
	{ "request: URL: with CR", S("URL:https://x/\r"), 0, "https://x/",
	    NULL, 1 },
	{ "request: URL: with Gopher+", S("URL:https://x/\t+"), 0,
	    "https://x/", NULL, 1 },
	{ "request: url: is not URL:", S("url:x"), 0, "/url:x", NULL, 0 },

	REJECT("request: refuses /..", "/.."),
	REJECT("request: refuses ..", ".."),
	REJECT("request: refuses /a/../..", "/a/../.."),
	REJECT("request: refuses ../etc/passwd", "../etc/passwd"),
	REJECT("request: refuses control char", "/a\x01" "b"),
	REJECT("request: refuses ESC", "/a\x1b"),
	REJECT("request: refuses DEL", "/a\x7f"),
	REJECT("request: refuses C1 CSI", "/a\xc2\x9b" "31m"),
	REJECT("request: refuses C1 NEL", "/a\xc2\x85"),
	REJECT("request: refuses NUL", "/a\0b"),
	REJECT("request: refuses CR inside", "/a\rb"),
	REJECT("request: refuses invalid UTF-8", "/\xff"),
	REJECT("request: refuses overlong UTF-8", "/\xc0\xaf"),
	REJECT("request: refuses invalid UTF-8 in search", "/a\tq\xff"),
	REJECT("request: refuses control char in URL:", "URL:http://x/\x01"),
};

struct item_test {
	const char	*name;
	char		 type;
	const char	*display;
	size_t		 dlen;
	const char	*sel;
	size_t		 slen;
	const char	*host;
	int		 port;
	int		 rc;
	const char	*want;		/* "" when rc == -1 */
};

static const struct item_test item_tests[] = {
	{ "item: exact bytes", '1', S("Label"), S("/sel"), "host", 70, 0,
	    "1Label\t/sel\thost\t70\r\n" },
	{ "item: type 0, other port", '0', S("About"), S("/about.txt"),
	    "example.org", 7070, 0,
	    "0About\t/about.txt\texample.org\t7070\r\n" },
	{ "item: empty selector", '1', S("Root"), S(""), "h", 70, 0,
	    "1Root\t\th\t70\r\n" },
	{ "item: empty display", '1', S(""), S("/x"), "h", 70, 0,
	    "1\t/x\th\t70\r\n" },
	{ "item: URL: selector", 'h', S("Web"), S("URL:https://e.org/"), "h",
	    70, 0, "hWeb\tURL:https://e.org/\th\t70\r\n" },
	{ "item: TAB in display replaced", '1', S("a\tb"), S("/x"), "h", 70,
	    0, "1a b\t/x\th\t70\r\n" },
	{ "item: CR and LF in display replaced", '1', S("a\r\nb"), S("/x"),
	    "h", 70, 0, "1a  b\t/x\th\t70\r\n" },
	{ "item: NUL in display replaced", '1', S("a\0b"), S("/x"), "h", 70,
	    0, "1a b\t/x\th\t70\r\n" },
	{ "item: UTF-8 display kept", '1', S("caf\xc3\xa9"), S("/x"), "h", 70,
	    0, "1caf\xc3\xa9\t/x\th\t70\r\n" },
	{ "item: invalid UTF-8 in display becomes ?", '1', S("a\xff" "b"),
	    S("/x"), "h", 70, 0, "1a?b\t/x\th\t70\r\n" },
	{ "item: C1 CSI in display becomes a space", '1',
	    S("a\xc2\x9b" "31mb"), S("/x"), "h", 70, 0,
	    "1a 31mb\t/x\th\t70\r\n" },
	{ "item: C1 U+0080 and U+009F become spaces", '1',
	    S("\xc2\x80" "a\xc2\x9f"), S("/x"), "h", 70, 0,
	    "1 a \t/x\th\t70\r\n" },
	{ "item: U+00A0 (not C1) kept", '1', S("a\xc2\xa0" "b"), S("/x"),
	    "h", 70, 0, "1a\xc2\xa0" "b\t/x\th\t70\r\n" },
	{ "item: selector with C1 refused", '1', S("L"), S("/a\xc2\x9b"),
	    "h", 70, -1, "" },
	{ "item: host with C1 refused", '1', S("L"), S("/x"),
	    "h\xc2\x9bx", 70, -1, "" },
	{ "item: selector with TAB refused", '1', S("L"), S("/a\tb"), "h", 70,
	    -1, "" },
	{ "item: selector with CR refused", '1', S("L"), S("/a\rb"), "h", 70,
	    -1, "" },
	{ "item: selector with LF refused", '1', S("L"), S("/a\nb"), "h", 70,
	    -1, "" },
	{ "item: selector with NUL refused", '1', S("L"), S("/a\0b"), "h", 70,
	    -1, "" },
	{ "item: host with TAB refused", '1', S("L"), S("/x"), "h\tx", 70, -1,
	    "" },
	{ "item: selector with a control byte refused", '1', S("L"),
	    S("/a\x01b"), "h", 70, -1, "" },
	{ "item: selector with DEL refused", '1', S("L"), S("/a\x7f"), "h",
	    70, -1, "" },
	{ "item: host with a control byte refused", '1', S("L"), S("/x"),
	    "h\x1bx", 70, -1, "" },
	{ "item: empty host refused", '1', S("L"), S("/x"), "", 70, -1, "" },
	{ "item: TAB as type refused", '\t', S("L"), S("/x"), "h", 70, -1,
	    "" },
	{ "item: NUL as type refused", '\0', S("L"), S("/x"), "h", 70, -1,
	    "" },
};

struct text_test {
	const char	*name;
	const char	*in;
	size_t		 len;
	int		 rc;
	const char	*want;
	size_t		 wantlen;
};

static const struct text_test text_tests[] = {
	{ "text: \".\" line becomes \". \"", S("a\n.\nb\n"), 1,
	    S("a\n. \nb\n") },
	{ "text: \".\\r\\n\" line becomes \". \\r\\n\"",
	    S("a\r\n.\r\nb\r\n"), 1, S("a\r\n. \r\nb\r\n") },
	{ "text: first line \".\"", S(".\nx\n"), 1, S(". \nx\n") },
	{ "text: whole file \".\"", S("."), 1, S(". ") },
	{ "text: whole file \".\\r\\n\"", S(".\r\n"), 1, S(". \r\n") },
	{ "text: last line \".\" without LF", S("a\n."), 1, S("a\n. ") },
	{ "text: \".\" twice", S(".\n.\n"), 1, S(". \n. \n") },
	{ "text: no end marker added", S("a\n"), 0, S("a\n") },
	{ "text: \"..\" unchanged", S("a\n..\nb\n"), 0, S("a\n..\nb\n") },
	{ "text: \".x\" unchanged", S(".x\n"), 0, S(".x\n") },
	{ "text: \" .\" unchanged", S(" .\n"), 0, S(" .\n") },
	{ "text: \". \" unchanged", S(". \n"), 0, S(". \n") },
	{ "text: \"x.\" unchanged", S("x.\n"), 0, S("x.\n") },
	{ "text: empty", S(""), 0, S("") },
	{ "text: empty lines unchanged", S("\n\n"), 0, S("\n\n") },
	{ "text: no final LF unchanged", S("a\nb"), 0, S("a\nb") },
	{ "text: binary bytes unchanged", S("\0\xff\t\r\n"), 0,
	    S("\0\xff\t\r\n") },
};

struct map_test {
	const char	*name;
	const char	*in;
	const char	*dir;
	const char	*want;
};

static const struct map_test map_tests[] = {
	{ "map: text line is info", "Welcome\n", "/d/",
	    "iWelcome\t\th\t7070\r\n" },
	{ "map: empty line is info", "\n", "/d/", "i\t\th\t7070\r\n" },
	{ "map: CRLF lines", "a\r\nb\r\n", "/d/",
	    "ia\t\th\t7070\r\nib\t\th\t7070\r\n" },
	{ "map: last line without LF", "a", "/d/", "ia\t\th\t7070\r\n" },
	{ "map: relative selector gets dir", "0About\tabout.txt\n", "/d/",
	    "0About\t/d/about.txt\th\t7070\r\n" },
	{ "map: relative directory selector", "1Sub\tsub/\n", "/d/",
	    "1Sub\t/d/sub/\th\t7070\r\n" },
	{ "map: absolute selector kept", "1Abs\t/abs\n", "/d/",
	    "1Abs\t/abs\th\t7070\r\n" },
	{ "map: empty selector kept", "1Root\t\n", "/d/",
	    "1Root\t\th\t7070\r\n" },
	{ "map: URL: selector kept", "hWeb\tURL:https://e.org/\n", "/d/",
	    "hWeb\tURL:https://e.org/\th\t7070\r\n" },
	{ "map: host and port given", "1Far\t/x\tother.org\t7071\n", "/d/",
	    "1Far\t/x\tother.org\t7071\r\n" },
	{ "map: host given, port missing is 70", "1Far\t/x\tother.org\n",
	    "/d/", "1Far\t/x\tother.org\t70\r\n" },
	{ "map: host and port empty are ours", "1Here\t/x\t\t\n", "/d/",
	    "1Here\t/x\th\t7070\r\n" },
	{ "map: host empty, port given", "1Here\t/x\t\t7000\n", "/d/",
	    "1Here\t/x\th\t7000\r\n" },
	{ "map: bad port is 70", "1Far\t/x\tother.org\tabc\n", "/d/",
	    "1Far\t/x\tother.org\t70\r\n" },
	{ "map: port 0 is 70", "1Far\t/x\tother.org\t0\n", "/d/",
	    "1Far\t/x\tother.org\t70\r\n" },
	{ "map: port 65536 is 70", "1Far\t/x\tother.org\t65536\n", "/d/",
	    "1Far\t/x\tother.org\t70\r\n" },
	{ "map: Gopher+ fifth field ignored",
	    "1Far\t/x\tother.org\t7071\t+\n", "/d/",
	    "1Far\t/x\tother.org\t7071\r\n" },
	{ "map: CRLF item line", "1Far\t/x\tother.org\t7071\r\n", "/d/",
	    "1Far\t/x\tother.org\t7071\r\n" },
	{ "map: i line with TAB", "iText\t\n", "/d/",
	    "iText\t\th\t7070\r\n" },
	{ "map: \".\" ends the map", "a\n.\nb\n", "/d/",
	    "ia\t\th\t7070\r\n" },
	{ "map: \".\\r\\n\" ends the map", "a\r\n.\r\nb\r\n", "/d/",
	    "ia\t\th\t7070\r\n" },
	{ "map: \"..\" is text", "..\n", "/d/", "i..\t\th\t7070\r\n" },
	{ "map: control byte in selector makes an info line",
	    "0Ctl\tsel\x01\n", "/d/", "i0Ctl\t\th\t7070\r\n" },
	{ "map: control byte in host makes an info line",
	    "1H\t/x\th\x01st\t70\n", "/d/", "i1H\t\th\t7070\r\n" },
	{ "map: root dir prefix", "0F\tf.txt\n", "/",
	    "0F\t/f.txt\th\t7070\r\n" },
	{ "map: mixed",
	    "Hello\n\n1Sub\tsub/\n0Abs\t/a.txt\th2\t71\n.\n",
	    "/d/",
	    "iHello\t\th\t7070\r\n"
	    "i\t\th\t7070\r\n"
	    "1Sub\t/d/sub/\th\t7070\r\n"
	    "0Abs\t/a.txt\th2\t71\r\n" },
};

/* A new string: head, n copies of c, tail.  The caller frees it. */
static char *
repeat(const char *head, int c, size_t n, const char *tail)
{
	char	*s;
	size_t	 hl = strlen(head), tl = strlen(tail);

	if ((s = malloc(hl + n + tl + 1)) == NULL) {
		perror("malloc");
		exit(1);
	}
	memcpy(s, head, hl);
	memset(s + hl, c, n);
	memcpy(s + hl + n, tail, tl + 1);
	return s;
}

static int
contains(const struct buf *b, const char *needle)
{
	size_t	n = strlen(needle), i;

	for (i = 0; i + n <= b->len; i++)
		if (memcmp(b->data + i, needle, n) == 0)
			return 1;
	return 0;
}

static void
test_complete(void)
{
	const struct complete_test	*t;
	size_t				 i, linelen;
	int				 rc;

	for (i = 0; i < sizeof(complete_tests) / sizeof(complete_tests[0]);
	    i++) {
		t = &complete_tests[i];
		linelen = 99999;
		rc = gopher_line_complete(t->in, t->len, &linelen);
		UNIT_CHECK(rc == t->rc && (rc != 1 || linelen == t->linelen),
		    "%s", t->name);
		if (rc != t->rc || (rc == 1 && linelen != t->linelen))
			printf("#   want %d/%zu got %d/%zu\n", t->rc,
			    t->linelen, rc, linelen);
	}
}

static int
search_eq(const struct gopher_request *req, const char *want)
{
	if (want == NULL)
		return req->search == NULL;
	return req->search != NULL && req->searchlen == strlen(want) &&
	    memcmp(req->search, want, req->searchlen) == 0;
}

static void
test_request(void)
{
	const struct req_test	*t;
	struct gopher_request	*req;
	const char		*err;
	char			*big;
	size_t			 i;
	int			 rc, ok;

	/* On the heap, as conn.c would have it: the struct is 4 KiB. */
	if ((req = malloc(sizeof(*req))) == NULL) {
		perror("malloc");
		exit(1);
	}
	for (i = 0; i < sizeof(req_tests) / sizeof(req_tests[0]); i++) {
		t = &req_tests[i];
		memset(req, 0x55, sizeof(*req));
		err = NULL;
		rc = gopher_parse_request(t->in, t->len, req, &err);
		ok = rc == t->rc;
		if (ok && rc == 0)
			ok = req->pathlen == strlen(t->path) &&
			    memcmp(req->path, t->path, req->pathlen) == 0 &&
			    req->path[req->pathlen] == '\0' &&
			    search_eq(req, t->search) && req->url == t->url;
		if (ok && rc == -1)
			ok = err != NULL;
		UNIT_CHECK(ok, "%s", t->name);
		if (ok)
			continue;
		printf("#   rc: want %d got %d (%s)\n", t->rc, rc,
		    err != NULL ? err : "no errstr");
		if (rc == 0) {
			unit_show("path", req->path, req->pathlen);
			if (req->search != NULL)
				unit_show("search", req->search,
				    req->searchlen);
			printf("#   url: %d\n", req->url);
		}
	}

	/* Length limit: GOPHER_REQUEST_MAX bytes, not counting the CR. */
	big = repeat("", 'a', GOPHER_REQUEST_MAX + 1, "\r");
	big[0] = '/';
	rc = gopher_parse_request(big, GOPHER_REQUEST_MAX, req, &err);
	UNIT_CHECK(rc == 0 && req->pathlen == GOPHER_REQUEST_MAX,
	    "request: GOPHER_REQUEST_MAX bytes accepted");
	rc = gopher_parse_request(big, GOPHER_REQUEST_MAX + 1, req, &err);
	UNIT_CHECK(rc == -1, "request: GOPHER_REQUEST_MAX + 1 refused");
	big[GOPHER_REQUEST_MAX] = '\r';
	rc = gopher_parse_request(big, GOPHER_REQUEST_MAX + 1, req, &err);
	UNIT_CHECK(rc == 0 && req->pathlen == GOPHER_REQUEST_MAX,
	    "request: GOPHER_REQUEST_MAX bytes + CR accepted");
	free(big);

	/* The longest selector without a leading slash still fits. */
	big = repeat("", 'a', GOPHER_REQUEST_MAX, "");
	rc = gopher_parse_request(big, GOPHER_REQUEST_MAX, req, &err);
	UNIT_CHECK(rc == 0 && req->pathlen == GOPHER_REQUEST_MAX + 1 &&
	    req->path[0] == '/' && req->path[req->pathlen] == '\0',
	    "request: GOPHER_REQUEST_MAX bytes without slash get one");
	free(big);
	free(req);
}

/*
 * gopher_item with display (dlen bytes) must show exactly the first
 * wantlen bytes of want.
 */
static void
check_display(const char *name, const char *display, size_t dlen,
    const char *want, size_t wantlen)
{
	struct buf	b, w;

	buf_init(&b);
	buf_init(&w);
	buf_addc(&w, '1');
	buf_add(&w, want, wantlen);
	buf_adds(&w, "\t/x\th\t70\r\n");
	if (gopher_item(&b, '1', display, dlen, "/x", 2, "h", 70) == -1)
		UNIT_CHECK(0, "%s (refused)", name);
	else
		unit_bytes_eq(name, b.data, b.len, w.data, w.len);
	buf_free(&b);
	buf_free(&w);
}

static void
test_item(void)
{
	const struct item_test	*t;
	struct buf		 b, d;
	char			*s;
	size_t			 i;
	int			 rc;

	buf_init(&b);
	for (i = 0; i < sizeof(item_tests) / sizeof(item_tests[0]); i++) {
		t = &item_tests[i];
		buf_reset(&b);
		buf_adds(&b, "pre");
		rc = gopher_item(&b, t->type, t->display, t->dlen, t->sel,
		    t->slen, t->host, t->port);
		if (rc != t->rc) {
			UNIT_CHECK(0, "%s", t->name);
			printf("#   rc: want %d got %d\n", t->rc, rc);
			continue;
		}
		/* On -1 nothing at all may have been appended. */
		UNIT_STR_EQ(t->name, b.data + 3, b.len - 3, t->want);
	}

	/* Display strings are cut at 67 columns, on a character boundary. */
	s = repeat("", 'a', 70, "");
	check_display("item: display of 70 columns cut to 67", s, 70, s, 67);
	check_display("item: display of exactly 67 columns kept", s, 67, s,
	    67);
	free(s);
	s = repeat("", 'a', 66, "\xc3\xa9xyz");
	check_display("item: 2-byte char at column 67 kept whole", s,
	    strlen(s), s, 68);
	free(s);
	s = repeat("", 'a', 66, "\xe4\xb8\xad");
	check_display("item: wide char at column 67 left out", s, strlen(s),
	    s, 66);
	free(s);
	buf_init(&d);
	for (i = 0; i < 70; i++)
		buf_adds(&d, "\xc3\xa9");
	check_display("item: 70 two-byte chars cut to 67", d.data, d.len,
	    d.data, 67 * 2);
	buf_free(&d);
	s = repeat("", 'a', 66, "e\xcc\x81\xcc\xa7" "bc");
	check_display("item: combining marks at column 67 stay with it", s,
	    strlen(s), s, 66 + 5);
	free(s);
	buf_free(&b);
}

static void
test_info_error(void)
{
	struct buf	 b;
	char		*s;

	buf_init(&b);
	gopher_info(&b, S("Hello, world"), "h", 70);
	UNIT_STR_EQ("info: exact bytes", b.data, b.len,
	    "iHello, world\t\th\t70\r\n");

	buf_reset(&b);
	gopher_info(&b, S(""), "example.org", 7070);
	UNIT_STR_EQ("info: empty text", b.data, b.len,
	    "i\t\texample.org\t7070\r\n");

	buf_reset(&b);
	gopher_info(&b, S("a\tb\rc\nd"), "h", 70);
	UNIT_STR_EQ("info: TAB CR LF replaced", b.data, b.len,
	    "ia b c d\t\th\t70\r\n");

	buf_reset(&b);
	gopher_info(&b, S("."), "h", 70);
	UNIT_STR_EQ("info: \".\" is an info line", b.data, b.len,
	    "i.\t\th\t70\r\n");

	buf_reset(&b);
	s = repeat("", 'x', 100, "");
	gopher_info(&b, s, 100, "h", 70);
	free(s);
	s = repeat("i", 'x', 67, "\t\th\t70\r\n");
	UNIT_STR_EQ("info: cut at 67 columns", b.data, b.len, s);
	free(s);

	buf_reset(&b);
	gopher_info(&b, S("\xc2\x9b" "2J\xc2\x85"), "h", 70);
	UNIT_STR_EQ("info: C1 controls replaced", b.data, b.len,
	    "i 2J \t\th\t70\r\n");

	buf_reset(&b);
	s = repeat("", 'x', 1100, "");
	gopher_info_pre(&b, s, 1100, "h", 70);
	free(s);
	s = repeat("i", 'x', 1024, "\t\th\t70\r\n");
	UNIT_STR_EQ("info: preformatted kept to 1024 columns", b.data, b.len,
	    s);
	free(s);

	buf_reset(&b);
	gopher_info_pre(&b, S("a\tb\xc2\x9b"), "h", 70);
	UNIT_STR_EQ("info: preformatted TAB and C1 replaced", b.data, b.len,
	    "ia b \t\th\t70\r\n");

	buf_reset(&b);
	gopher_error(&b, "Not found");
	UNIT_STR_EQ("error: exact bytes", b.data, b.len,
	    "3Not found\t\terror.host\t1\r\n.\r\n");

	buf_reset(&b);
	gopher_error(&b, "bad\tthing\r\n");
	UNIT_STR_EQ("error: TAB CR LF in message replaced", b.data, b.len,
	    "3bad thing  \t\terror.host\t1\r\n.\r\n");
	buf_free(&b);
}

struct page_test {
	const char	*name;
	const char	*url;
	int		 live;		/* want href and refresh */
	const char	*has[3];	/* substrings that must appear */
	const char	*hasnot[3];	/* substrings that must not */
};

static const struct page_test page_tests[] = {
	{ "url page: https link", "https://e.org/", 1,
	    { "href=\"https://e.org/\"", "url=https://e.org/\"", NULL },
	    { NULL } },
	{ "url page: gemini link", "gemini://g.org/x.gmi", 1,
	    { "href=\"gemini://g.org/x.gmi\"", NULL }, { NULL } },
	{ "url page: escapes & < > \" '",
	    "https://e.org/?a=1&b=<2>\"'", 1,
	    { "https://e.org/?a=1&amp;b=&lt;2&gt;&quot;&#39;", NULL },
	    { "<2>", "&b=", NULL } },
	{ "url page: quote cannot close the attribute",
	    "https://x/\"><script>alert(1)</script>", 1,
	    { "&quot;&gt;&lt;script&gt;", NULL },
	    { "<script>", "\"><", NULL } },
	{ "url page: single quote escaped", "https://x/'onmouseover='a()",
	    1, { "&#39;onmouseover=&#39;", NULL }, { "'onmouseover", NULL } },
	{ "url page: javascript: has no href, no refresh",
	    "javascript:alert(1)", 0, { "javascript:alert(1)", NULL },
	    { NULL } },
	{ "url page: JavaScript: mixed case",
	    "JaVaScRiPt:alert(1)", 0, { NULL }, { NULL } },
	{ "url page: data: has no href",
	    "data:text/html,<script>alert(1)</script>", 0,
	    { "data:text/html,&lt;script&gt;", NULL }, { "<script>", NULL } },
	{ "url page: vbscript: has no href", "vbscript:msgbox(1)", 0,
	    { NULL }, { NULL } },
	{ "url page: leading space is not a scheme", " https://e.org/", 0,
	    { NULL }, { NULL } },
	{ "url page: bare https:// has no href", "https://", 0,
	    { NULL }, { NULL } },
	{ "url page: empty URL", "", 0, { NULL }, { NULL } },
};

static void
test_url_page(void)
{
	const struct page_test	*t;
	struct buf		 b;
	size_t			 i, j;
	int			 ok;

	buf_init(&b);
	for (i = 0; i < sizeof(page_tests) / sizeof(page_tests[0]); i++) {
		t = &page_tests[i];
		buf_reset(&b);
		gopher_url_page(&b, t->url, strlen(t->url));
		ok = !b.failed && b.len > 15 &&
		    memcmp(b.data, "<!DOCTYPE html>", 15) == 0 &&
		    contains(&b, "</html>");
		if (t->live)
			ok = ok && contains(&b, "<a href=\"") &&
			    contains(&b, "http-equiv=\"refresh\"");
		else
			ok = ok && !contains(&b, "href") &&
			    !contains(&b, "refresh") &&
			    !contains(&b, "url=");
		for (j = 0; j < 3 && t->has[j] != NULL; j++)
			ok = ok && contains(&b, t->has[j]);
		for (j = 0; j < 3 && t->hasnot[j] != NULL; j++)
			ok = ok && !contains(&b, t->hasnot[j]);
		UNIT_CHECK(ok, "%s", t->name);
		if (!ok)
			unit_show("page", b.data, b.len);
	}
	buf_free(&b);
}

static void
test_text(void)
{
	const struct text_test	*t;
	struct buf		 b;
	size_t			 i;
	int			 rc;

	buf_init(&b);
	for (i = 0; i < sizeof(text_tests) / sizeof(text_tests[0]); i++) {
		t = &text_tests[i];
		buf_reset(&b);
		rc = gopher_text(&b, t->in, t->len);
		if (rc != t->rc) {
			UNIT_CHECK(0, "%s", t->name);
			printf("#   rc: want %d got %d\n", t->rc, rc);
			continue;
		}
		unit_bytes_eq(t->name, b.data != NULL ? b.data : "", b.len,
		    t->want, t->wantlen);
	}
	buf_free(&b);
}

static void
test_map(void)
{
	const struct map_test	*t;
	struct buf		 b;
	char			*s;
	size_t			 i;

	buf_init(&b);
	for (i = 0; i < sizeof(map_tests) / sizeof(map_tests[0]); i++) {
		t = &map_tests[i];
		buf_reset(&b);
		gopher_map(&b, t->in, strlen(t->in), t->dir, "h", 7070);
		UNIT_STR_EQ(t->name, b.data != NULL ? b.data : "", b.len,
		    t->want);
	}

	buf_reset(&b);
	s = repeat("", 'x', 80, "\n");
	gopher_map(&b, s, strlen(s), "/d/", "h", 7070);
	free(s);
	s = repeat("i", 'x', 67, "\t\th\t7070\r\n");
	UNIT_STR_EQ("map: long info line cut at 67", b.data, b.len, s);
	free(s);

	/* A NUL would cut the host short: the line becomes text instead. */
	buf_reset(&b);
	gopher_map(&b, "1H\t/x\t\0h\t70\n", 12, "/d/", "h", 7070);
	UNIT_STR_EQ("map: NUL in host makes an info line", b.data, b.len,
	    "i1H\t\th\t7070\r\n");
	buf_free(&b);
}

int
main(void)
{
	UNIT_PLAN(154);
	test_complete();
	test_request();
	test_item();
	test_info_error();
	test_url_page();
	test_text();
	test_map();
	UNIT_DONE();
}
