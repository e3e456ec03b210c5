/*
 * test_fcgi.c: fcgi.c, the FastCGI 1.0 records capsuled writes to a
 * responder and reads back from it.  Writing: the exact bytes of
 * BEGIN_REQUEST (responder role, flags 0: close after), of the empty
 * PARAMS and STDIN that end the request, name-value lengths in their
 * one-byte (0 to 127) and four-byte (128 and up, 65535 and past) forms,
 * and the pairs cut into PARAMS records of at most 65535 bytes, a pair
 * going on in the next record, decoded back by a reader written here.
 * Reading: STDOUT and STDERR content with padding, END_REQUEST's
 * statuses, an unknown type 11 record skipped, a bad version, another
 * request's id, an END_REQUEST of the wrong length and every type a
 * responder must not send refused, and nothing consumed after
 * END_REQUEST.  Every stream is also fed split at every byte and one
 * byte at a time, each piece in a buffer of its exact size (valgrind
 * sees a read past it): what comes out must not depend on the pieces.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fcgi.h"
#include "unit.h"

#define S(s)	(s), (sizeof(s) - 1)

#define E_VERSION	"not FastCGI version 1"
#define E_TYPE		"a FastCGI record a responder does not send"
#define E_ID		"a FastCGI record for another request"
#define E_END		"END_REQUEST of the wrong size"

/* Writing ------------------------------------------------------------ */

static void
test_fixed_records(void)
{
	struct buf	b, pair;

	buf_init(&b);
	fcgi_begin(&b);
	unit_bytes_eq("BEGIN_REQUEST: version 1, id 1, 8 bytes; role 1, "
	    "flags 0", b.data, b.len, S("\x01\x01\x00\x01\x00\x08\x00\x00"
	    "\x00\x01\x00\x00\x00\x00\x00\x00"));
	buf_reset(&b);
	fcgi_params_records(&b, "", 0);
	unit_bytes_eq("no parameters: only the empty PARAMS", b.data, b.len,
	    S("\x01\x04\x00\x01\x00\x00\x00\x00"));
	buf_reset(&b);
	fcgi_stdin_end(&b);
	unit_bytes_eq("empty STDIN ends the request body", b.data, b.len,
	    S("\x01\x05\x00\x01\x00\x00\x00\x00"));
	buf_reset(&b);
	fcgi_param(&b, S("SERVER_NAME"), S("example.org"));
	unit_bytes_eq("a pair: lengths, name, value", b.data, b.len,
	    S("\x0b\x0bSERVER_NAMEexample.org"));
	buf_reset(&b);
	buf_init(&pair);
	fcgi_param(&pair, S("A"), S("x"));
	fcgi_params_records(&b, pair.data, pair.len);
	unit_bytes_eq("one short pair: one PARAMS record and the empty one",
	    b.data, b.len, S("\x01\x04\x00\x01\x00\x04\x00\x00"
	    "\x01\x01" "Ax" "\x01\x04\x00\x01\x00\x00\x00\x00"));
	buf_free(&pair);
	buf_free(&b);
}

struct len_test {
	size_t		 nlen;
	size_t		 vlen;
	const char	*lengths;	/* how the two lengths are written */
	size_t		 lenlen;
};

static const struct len_test len_tests[] = {
	{ 0, 0, S("\x00\x00") },
	{ 1, 1, S("\x01\x01") },
	{ 127, 0, S("\x7f\x00") },
	{ 0, 127, S("\x00\x7f") },
	{ 128, 1, S("\x80\x00\x00\x80\x01") },
	{ 1, 128, S("\x01\x80\x00\x00\x80") },
	{ 255, 127, S("\x80\x00\x00\xff\x7f") },
	{ 65535, 65535, S("\x80\x00\xff\xff\x80\x00\xff\xff") },
	{ 65536, 3, S("\x80\x01\x00\x00\x03") },
	{ 3, 1000000, S("\x03\x80\x0f\x42\x40") },
};

/*
 * Read one length as the FastCGI specification defines it (written
 * here from the specification, not from fcgi.c).  0 when cut short.
 */
static int
decode_length(const unsigned char *p, size_t len, size_t *off, size_t *n)
{
	if (*off >= len)
		return 0;
	if ((p[*off] & 0x80) == 0) {
		*n = p[(*off)++];
		return 1;
	}
	if (len - *off < 4)
		return 0;
	*n = (size_t)(p[*off] & 0x7f) << 24 | (size_t)p[*off + 1] << 16 |
	    (size_t)p[*off + 2] << 8 | p[*off + 3];
	*off += 4;
	return 1;
}

static void
test_lengths(void)
{
	const struct len_test	*t;
	struct buf		 b;
	char			*name, *value, what[96];
	size_t			 i, off, n, v;
	int			 ok;

	buf_init(&b);
	for (i = 0; i < sizeof(len_tests) / sizeof(len_tests[0]); i++) {
		t = &len_tests[i];
		name = malloc(t->nlen + 1);
		value = malloc(t->vlen + 1);
		if (name == NULL || value == NULL)
			abort();
		memset(name, 'N', t->nlen);
		memset(value, 'v', t->vlen);
		buf_reset(&b);
		fcgi_param(&b, name, t->nlen, value, t->vlen);
		ok = !b.failed && b.len == t->lenlen + t->nlen + t->vlen &&
		    memcmp(b.data, t->lengths, t->lenlen) == 0 &&
		    memcmp(b.data + t->lenlen, name, t->nlen) == 0 &&
		    memcmp(b.data + t->lenlen + t->nlen, value, t->vlen) == 0;
		/* And the lengths read back as the specification says. */
		off = 0;
		ok = ok && decode_length((unsigned char *)b.data, b.len, &off,
		    &n) && decode_length((unsigned char *)b.data, b.len, &off,
		    &v) && n == t->nlen && v == t->vlen &&
		    off == t->lenlen;
		snprintf(what, sizeof(what), "name of %zu bytes, value of %zu: "
		    "%s length form", t->nlen, t->vlen,
		    t->nlen < 128 && t->vlen < 128 ? "1-byte" : "4-byte");
		UNIT_CHECK(ok, "%s", what);
		if (!ok && b.len >= t->lenlen) {
			unit_show("want", t->lengths, t->lenlen);
			unit_show("got ", b.data, t->lenlen);
		}
		free(name);
		free(value);
	}
	buf_free(&b);
}

/*
 * Walk records of b: each must be version 1, PARAMS, id 1, without
 * padding; their sizes go to sizes[], their content to content.
 */
static int
walk_params(const struct buf *b, size_t *sizes, size_t maxsizes,
    size_t *nsizes, struct buf *content)
{
	const unsigned char	*p = (const unsigned char *)b->data;
	size_t			 off = 0, n;

	*nsizes = 0;
	while (off < b->len) {
		if (b->len - off < FCGI_HEADER || p[off] != 1 ||
		    p[off + 1] != FCGI_PARAMS || p[off + 2] != 0 ||
		    p[off + 3] != 1 || p[off + 6] != 0 || p[off + 7] != 0 ||
		    *nsizes == maxsizes)
			return 0;
		n = (size_t)p[off + 4] << 8 | p[off + 5];
		if (b->len - off - FCGI_HEADER < n)
			return 0;
		buf_add(content, p + off + FCGI_HEADER, n);
		sizes[(*nsizes)++] = n;
		off += FCGI_HEADER + n;
	}
	return 1;
}

struct split_test {
	size_t	len;		/* bytes of pairs */
	size_t	sizes[6];	/* the records' contents, 0 the last */
	size_t	nsizes;
};

static const struct split_test split_tests[] = {
	{ 1, { 1, 0 }, 2 },
	{ 65534, { 65534, 0 }, 2 },
	{ 65535, { 65535, 0 }, 2 },
	{ 65536, { 65535, 1, 0 }, 3 },
	{ 131070, { 65535, 65535, 0 }, 3 },
	{ 131071, { 65535, 65535, 1, 0 }, 4 },
	{ 200000, { 65535, 65535, 65535, 3395, 0 }, 5 },
};

static void
test_params_split(void)
{
	const struct split_test	*t;
	struct buf		 b, content;
	char			*pairs;
	size_t			 i, j, sizes[8], nsizes;
	int			 ok;

	buf_init(&b);
	buf_init(&content);
	for (i = 0; i < sizeof(split_tests) / sizeof(split_tests[0]); i++) {
		t = &split_tests[i];
		if ((pairs = malloc(t->len)) == NULL)
			abort();
		for (j = 0; j < t->len; j++)
			pairs[j] = (char)(j * 7 + j / 251);
		buf_reset(&b);
		buf_reset(&content);
		fcgi_params_records(&b, pairs, t->len);
		ok = !b.failed && walk_params(&b, sizes, 8, &nsizes,
		    &content) && nsizes == t->nsizes &&
		    memcmp(sizes, t->sizes, nsizes * sizeof(sizes[0])) == 0 &&
		    content.len == t->len &&
		    memcmp(content.data, pairs, t->len) == 0;
		UNIT_CHECK(ok, "%zu bytes of pairs: %zu PARAMS records of at "
		    "most 65535, the empty one last, the bytes in order",
		    t->len, t->nsizes);
		if (!ok)
			for (j = 0; j < nsizes && j < 8; j++)
				printf("#   record %zu: %zu bytes\n", j,
				    sizes[j]);
		free(pairs);
	}
	buf_free(&b);
	buf_free(&content);
}

/* Thousands of pairs, some of them long: they cross record boundaries. */
static void
test_params_roundtrip(void)
{
	struct buf	 pairs, b, content;
	char		 name[32], value[300];
	size_t		 i, n, nlen, vlen, off, sizes[16], nsizes;
	size_t		 count = 0, straddle = 0, bound;
	int		 ok;

	buf_init(&pairs);
	buf_init(&b);
	buf_init(&content);
	for (i = 0; i < 3000; i++) {
		nlen = (size_t)snprintf(name, sizeof(name), "VAR_%zu", i);
		vlen = i % 7 == 0 ? 130 + i % 150 : i % 100;
		memset(value, 'a' + (int)(i % 26), vlen);
		bound = (pairs.len / FCGI_CONTENT_MAX + 1) * FCGI_CONTENT_MAX;
		fcgi_param(&pairs, name, nlen, value, vlen);
		if (pairs.len > bound)
			straddle++;
	}
	fcgi_params_records(&b, pairs.data, pairs.len);
	ok = walk_params(&b, sizes, 16, &nsizes, &content) && nsizes >= 3 &&
	    content.len == pairs.len;
	/* Decode the pairs from the records' content, in order. */
	off = 0;
	while (ok && off < content.len) {
		const unsigned char *p = (unsigned char *)content.data;

		ok = decode_length(p, content.len, &off, &nlen) &&
		    decode_length(p, content.len, &off, &vlen) &&
		    content.len - off >= nlen + vlen;
		if (!ok)
			break;
		n = (size_t)snprintf(name, sizeof(name), "VAR_%zu", count);
		i = count;
		ok = nlen == n && memcmp(p + off, name, n) == 0 &&
		    vlen == (i % 7 == 0 ? 130 + i % 150 : i % 100) &&
		    (vlen == 0 || (p[off + nlen] == 'a' + i % 26 &&
		    p[off + nlen + vlen - 1] == 'a' + i % 26));
		off += nlen + vlen;
		count++;
	}
	UNIT_CHECK(ok && count == 3000 && straddle > 0,
	    "3000 pairs (%zu bytes, %zu cut by a record boundary) decode "
	    "back from the records, in order", pairs.len, straddle);
	buf_free(&pairs);
	buf_free(&b);
	buf_free(&content);
}

/* Reading ------------------------------------------------------------ */

/* One record as a responder (a good one or not) would write it. */
struct rec {
	int		 version;
	int		 type;
	int		 id;
	const char	*content;
	size_t		 clen;
	int		 pad;
};

#define OUT(s)		{ 1, FCGI_STDOUT, 1, S(s), 0 }
#define ERR(s)		{ 1, FCGI_STDERR, 1, S(s), 0 }
/* END_REQUEST's body: appStatus (4 bytes), protocolStatus, reserved. */
#define END(a, p)	{ 1, FCGI_END_REQUEST, 1, S(a p "\x00\x00\x00"), 0 }
#define END0		END("\x00\x00\x00\x00", "\x00")

static void
add_rec(struct buf *b, const struct rec *r)
{
	unsigned char	h[FCGI_HEADER];
	int		i;

	h[0] = (unsigned char)r->version;
	h[1] = (unsigned char)r->type;
	h[2] = (unsigned char)(r->id >> 8);
	h[3] = (unsigned char)r->id;
	h[4] = (unsigned char)(r->clen >> 8);
	h[5] = (unsigned char)r->clen;
	h[6] = (unsigned char)r->pad;
	h[7] = 0;
	buf_add(b, h, sizeof(h));
	buf_add(b, r->content, r->clen);
	/* Padding that would show if it were taken for content. */
	for (i = 0; i < r->pad; i++)
		buf_addc(b, '#');
}

/* What one way of feeding a stream gave. */
struct result {
	int		 rc;
	const char	*err;
	size_t		 used;
	int		 ended;
	uint32_t	 app;
	uint8_t		 proto;
	struct buf	 out;		/* STDOUT content */
	struct buf	 errout;	/* STDERR content */
	struct buf	 order;		/* bytes emitted, tagged */
	int		 bad;		/* a broken rule, or 0 */
	const unsigned char *piece;	/* being fed */
	size_t		 piecelen;
};

static void
collect(void *arg, int type, const unsigned char *p, size_t n)
{
	struct result	*res = arg;
	size_t		 i;

	if (type != FCGI_STDOUT && type != FCGI_STDERR)
		res->bad = 1;		/* only these are emitted */
	if (n == 0 || p < res->piece || p + n > res->piece + res->piecelen)
		res->bad = 2;	/* emitted bytes are the caller's */
	buf_add(type == FCGI_STDOUT ? &res->out : &res->errout, p, n);
	for (i = 0; i < n; i++) {
		buf_addc(&res->order, type == FCGI_STDOUT ? 'O' : 'E');
		buf_addc(&res->order, p[i]);
	}
}

static void
result_init(struct result *res)
{
	memset(res, 0, sizeof(*res));
	buf_init(&res->out);
	buf_init(&res->errout);
	buf_init(&res->order);
}

static void
result_free(struct result *res)
{
	buf_free(&res->out);
	buf_free(&res->errout);
	buf_free(&res->order);
}

/*
 * Feed len bytes at p to a new reader in pieces ending at cuts[] (and
 * at len), each piece copied to a buffer of its exact size.  A reader
 * must take every byte of a piece until END_REQUEST, and none after.
 */
static void
feed(const char *p, size_t len, const size_t *cuts, size_t ncuts,
    struct result *res)
{
	struct fcgi_reader	 r;
	unsigned char		*piece;
	size_t			 start = 0, end, i, used;

	result_init(res);
	fcgi_reader_init(&r);
	for (i = 0; i <= ncuts; i++) {
		end = i < ncuts ? cuts[i] : len;
		if ((piece = malloc(end - start + 1)) == NULL)
			abort();
		memcpy(piece, p + start, end - start);
		res->piece = piece;
		res->piecelen = end - start;
		used = (size_t)-1;
		res->err = NULL;
		res->rc = fcgi_read(&r, piece, end - start, &used, collect,
		    res, &res->err);
		free(piece);
		if (res->rc == -1)
			break;
		if (used > end - start)
			res->bad = 3;
		else if (used < end - start && !r.ended)
			res->bad = 4;	/* stopped short, not at the end */
		res->used += used;
		start = end;
	}
	res->ended = r.ended;
	res->app = r.app_status;
	res->proto = r.proto_status;
}

static int
same(const struct result *a, const struct result *b)
{
	return a->rc == b->rc && a->bad == 0 && b->bad == 0 &&
	    (a->err == NULL) == (b->err == NULL) &&
	    (a->err == NULL || strcmp(a->err, b->err) == 0) &&
	    (a->rc == -1 || a->used == b->used) && a->ended == b->ended &&
	    a->app == b->app && a->proto == b->proto &&
	    a->order.len == b->order.len &&
	    (a->order.len == 0 ||
	    memcmp(a->order.data, b->order.data, a->order.len) == 0);
}

static const char	zeros[300];

struct read_test {
	const char	*name;
	struct rec	 recs[8];
	const char	*after;		/* bytes after the records */
	size_t		 afterlen;
	int		 rc;
	const char	*err;
	const char	*out;
	const char	*errout;
	int		 ended;
	uint32_t	 app;
	uint8_t		 proto;
};

static const struct read_test read_tests[] = {
	{ "STDOUT, STDERR, STDOUT, END_REQUEST",
	    { OUT("20 text/gemini\r\nhi\n"), ERR("oops\n"), OUT("more"),
	    END("\x00\x00\x00\x2a", "\x00") }, S(""), 0, NULL,
	    "20 text/gemini\r\nhi\nmore", "oops\n", 1, 42, 0 },
	{ "empty STDOUT and STDERR records give nothing",
	    { OUT(""), ERR(""), OUT("x"), OUT(""), END0 }, S(""), 0, NULL,
	    "x", "", 1, 0, 0 },
	{ "padding is skipped and never emitted",
	    { { 1, FCGI_STDOUT, 1, S("abc"), 5 },
	    { 1, FCGI_STDERR, 1, S("e"), 255 },
	    { 1, FCGI_STDOUT, 1, S(""), 3 },
	    { 1, FCGI_END_REQUEST, 1, S("\x01\x02\x03\x04\x00\x00\x00\x00"),
	    7 } }, S(""), 0, NULL, "abc", "e", 1, 0x01020304, 0 },
	{ "unknown type 11 skipped, with id 0 and id 1",
	    { { 1, FCGI_UNKNOWN_TYPE, 0, S("\x09\x00\x00\x00\x00\x00\x00\x00"),
	    0 }, OUT("o"), { 1, FCGI_UNKNOWN_TYPE, 1,
	    S("\x0c\x00\x00\x00\x00\x00\x00\x00"), 4 }, OUT("k"), END0 },
	    S(""), 0, NULL, "ok", "", 1, 0, 0 },
	{ "bytes after END_REQUEST are not consumed",
	    { OUT("a"), END0 }, S("\x01\x06\x00\x01\x00\x01\x00\x00Z"), 0,
	    NULL, "a", "", 1, 0, 0 },
	{ "END_REQUEST's statuses: 0xffffffff, CANT_MPX_CONN",
	    { END("\xff\xff\xff\xff", "\x01") }, S(""), 0, NULL, "", "", 1,
	    0xffffffff, 1 },
	{ "END_REQUEST's protocol status UNKNOWN_ROLE",
	    { OUT("x"), END("\x00\x00\x01\x00", "\x03") }, S(""), 0, NULL,
	    "x", "", 1, 256, 3 },
	{ "no END_REQUEST yet: all taken, not ended",
	    { OUT("partial"), ERR("e") }, S("\x01\x06\x00\x01\x00\x05"), 0,
	    NULL, "partial", "e", 0, 0, 0 },
	{ "a record cut in its content: what came is emitted",
	    { OUT("whole") }, S("\x01\x06\x00\x01\x00\x09\x00\x00half"), 0,
	    NULL, "wholehalf", "", 0, 0, 0 },
	{ "version 0 refused", { { 0, FCGI_STDOUT, 1, S("x"), 0 } }, S(""),
	    -1, E_VERSION, "", "", 0, 0, 0 },
	{ "version 2 refused after good output",
	    { OUT("ok"), { 2, FCGI_STDOUT, 1, S("x"), 0 } }, S(""), -1,
	    E_VERSION, "ok", "", 0, 0, 0 },
	{ "request id 2 refused", { { 1, FCGI_STDOUT, 2, S("x"), 0 } },
	    S(""), -1, E_ID, "", "", 0, 0, 0 },
	{ "request id 0 on STDOUT refused",
	    { { 1, FCGI_STDOUT, 0, S("x"), 0 } }, S(""), -1, E_ID, "", "", 0,
	    0, 0 },
	{ "request id 257 refused (both bytes read)",
	    { { 1, FCGI_STDERR, 257, S("x"), 0 } }, S(""), -1, E_ID, "", "",
	    0, 0, 0 },
	{ "END_REQUEST for request 0 refused",
	    { { 1, FCGI_END_REQUEST, 0, S("\x00\x00\x00\x00\x00\x00\x00\x00"),
	    0 } }, S(""), -1, E_ID, "", "", 0, 0, 0 },
	{ "unknown type 11 for request 2 refused",
	    { { 1, FCGI_UNKNOWN_TYPE, 2, S("\x09\x00\x00\x00\x00\x00\x00\x00"),
	    0 } }, S(""), -1, E_ID, "", "", 0, 0, 0 },
	{ "END_REQUEST of 7 bytes refused",
	    { OUT("a"), { 1, FCGI_END_REQUEST, 1, S("\x00\x00\x00\x00\x00\x00"
	    "\x00"), 0 } }, S(""), -1, E_END, "a", "", 0, 0, 0 },
	{ "END_REQUEST of 9 bytes refused",
	    { { 1, FCGI_END_REQUEST, 1, S("\x00\x00\x00\x00\x00\x00\x00\x00"
	    "\x00"), 0 } }, S(""), -1, E_END, "", "", 0, 0, 0 },
	{ "END_REQUEST of 0 bytes refused",
	    { { 1, FCGI_END_REQUEST, 1, S(""), 8 } }, S(""), -1, E_END, "",
	    "", 0, 0, 0 },
	{ "END_REQUEST of 264 bytes refused (high length byte)",
	    { { 1, FCGI_END_REQUEST, 1, zeros, 264, 0 } }, S(""), -1, E_END, "",
	    "", 0, 0, 0 },
};

/* Types a responder never sends (it may send 3, 6, 7 and 11). */
static const int refused_types[] = {
	0, FCGI_BEGIN_REQUEST, FCGI_ABORT_REQUEST, FCGI_PARAMS, FCGI_STDIN,
	8, 9, 10, 12, 255
};

/*
 * A stream fed whole must give what want says; then cut in two at
 * every byte, then one byte at a time, it must give the same.  Five
 * checks (READ_CHECKS).
 */
static void
check_stream(const char *name, const char *p, size_t len,
    const struct read_test *want, size_t wantused)
{
	struct result	 whole, split;
	char		 what[160];
	size_t		*cuts, k, bad = 0, n;
	int		 ok;

	feed(p, len, NULL, 0, &whole);
	ok = whole.rc == want->rc && whole.bad == 0 &&
	    (want->err == NULL ? whole.err == NULL : (whole.err != NULL &&
	    strcmp(whole.err, want->err) == 0));
	UNIT_CHECK(ok, "read: %s: returns %d%s%s", name, want->rc,
	    want->err ? ", " : "", want->err ? want->err : "");
	if (!ok)
		printf("#   got %d (%s), bad %d\n", whole.rc,
		    whole.err ? whole.err : "no error", whole.bad);
	snprintf(what, sizeof(what), "read: %s: STDOUT content", name);
	UNIT_STR_EQ(what, whole.out.data ? whole.out.data : "",
	    whole.out.len, want->out);
	snprintf(what, sizeof(what), "read: %s: STDERR content", name);
	UNIT_STR_EQ(what, whole.errout.data ? whole.errout.data : "",
	    whole.errout.len, want->errout);
	ok = whole.ended == want->ended && whole.app == want->app &&
	    whole.proto == want->proto &&
	    (want->rc == -1 || whole.used == wantused);
	UNIT_CHECK(ok, "read: %s: ended %d, statuses %u/%u, %zu bytes used",
	    name, want->ended, (unsigned)want->app, (unsigned)want->proto,
	    want->rc == -1 ? (size_t)0 : wantused);
	if (!ok)
		printf("#   got ended %d, statuses %u/%u, %zu used\n",
		    whole.ended, (unsigned)whole.app, (unsigned)whole.proto,
		    whole.used);

	/* Two pieces, cut at every byte; then one byte at a time. */
	for (k = 1; k < len; k++) {
		feed(p, len, &k, 1, &split);
		if (!same(&whole, &split) && bad == 0)
			bad = k;
		result_free(&split);
	}
	if ((cuts = calloc(len + 1, sizeof(*cuts))) == NULL)
		abort();
	for (n = 0; n + 1 < len; n++)
		cuts[n] = n + 1;
	feed(p, len, cuts, n, &split);
	ok = bad == 0 && same(&whole, &split);
	UNIT_CHECK(ok, "read: %s: the same cut at each of %zu bytes, and "
	    "one byte at a time", name, len);
	if (!ok)
		printf("#   first differing cut: %zu (0: bytewise)\n", bad);
	result_free(&split);
	free(cuts);
	result_free(&whole);
}

static void
test_read_table(void)
{
	const struct read_test	*t;
	struct buf		 b;
	size_t			 i, j, recsend;

	buf_init(&b);
	for (i = 0; i < sizeof(read_tests) / sizeof(read_tests[0]); i++) {
		t = &read_tests[i];
		buf_reset(&b);
		for (j = 0; j < 8 && t->recs[j].version != 0; j++)
			add_rec(&b, &t->recs[j]);
		/* (a version 0 record is a test of its own, alone) */
		if (j == 0)
			add_rec(&b, &t->recs[0]);
		recsend = b.len;
		buf_add(&b, t->after, t->afterlen);
		check_stream(t->name, b.data, b.len, t,
		    t->ended ? recsend : b.len);
	}
	buf_free(&b);
}

static void
test_refused_types(void)
{
	struct rec		 r = { 1, 0, 1, zeros, 8, 0 };
	struct result		 res;
	struct buf		 b;
	size_t			 i;
	int			 ok;

	buf_init(&b);
	for (i = 0; i < sizeof(refused_types) / sizeof(refused_types[0]);
	    i++) {
		buf_reset(&b);
		add_rec(&b, &(struct rec)OUT("before"));
		r.type = refused_types[i];
		add_rec(&b, &r);
		add_rec(&b, &(struct rec)OUT("after"));
		feed(b.data, b.len, NULL, 0, &res);
		ok = res.rc == -1 && res.err != NULL &&
		    strcmp(res.err, E_TYPE) == 0 && res.bad == 0 &&
		    res.out.len == 6 && memcmp(res.out.data, "before", 6) == 0;
		UNIT_CHECK(ok, "read: type %d refused, nothing of it emitted",
		    refused_types[i]);
		if (!ok)
			printf("#   got %d (%s), %zu bytes out\n", res.rc,
			    res.err ? res.err : "no error", res.out.len);
		result_free(&res);
	}
	buf_free(&b);
}

/* A record of 65535 bytes with 255 of padding, then the end. */
static void
test_big_record(void)
{
	struct rec		 r = { 1, FCGI_STDOUT, 1, NULL, 65535, 255 };
	struct result		 whole, split;
	struct buf		 b;
	char			*content;
	size_t			 i, cuts[3] = { 7, 9, 65540 };
	int			 ok;

	if ((content = malloc(65535)) == NULL)
		abort();
	for (i = 0; i < 65535; i++)
		content[i] = (char)('a' + i % 26);
	r.content = content;
	buf_init(&b);
	add_rec(&b, &r);
	add_rec(&b, &(struct rec)END0);
	feed(b.data, b.len, NULL, 0, &whole);
	ok = whole.rc == 0 && whole.bad == 0 && whole.ended &&
	    whole.used == b.len && whole.out.len == 65535 &&
	    memcmp(whole.out.data, content, 65535) == 0;
	UNIT_CHECK(ok, "read: STDOUT of 65535 bytes and 255 of padding");
	feed(b.data, b.len, cuts, 3, &split);
	UNIT_CHECK(same(&whole, &split), "read: the same cut in its header, "
	    "content and padding");
	result_free(&whole);
	result_free(&split);
	buf_free(&b);
	free(content);
}

/* Once ended, a reader takes no more bytes, however they are given. */
static void
test_after_end(void)
{
	struct fcgi_reader	 r;
	struct result		 res;
	struct buf		 b;
	const char		*err = NULL;
	size_t			 used = 99;
	int			 rc;

	result_init(&res);
	buf_init(&b);
	add_rec(&b, &(struct rec)OUT("x"));
	add_rec(&b, &(struct rec)END0);
	fcgi_reader_init(&r);
	res.piece = (unsigned char *)b.data;
	res.piecelen = b.len;
	rc = fcgi_read(&r, (unsigned char *)b.data, b.len, &used, collect,
	    &res, &err);
	UNIT_CHECK(rc == 0 && used == b.len && r.ended, "read: ends with "
	    "END_REQUEST, every byte used");
	buf_reset(&b);
	add_rec(&b, &(struct rec)OUT("more"));
	res.piece = (unsigned char *)b.data;
	res.piecelen = b.len;
	used = 99;
	rc = fcgi_read(&r, (unsigned char *)b.data, b.len, &used, collect,
	    &res, &err);
	UNIT_CHECK(rc == 0 && used == 0 && res.out.len == 1 && res.bad == 0,
	    "read: after END_REQUEST, a new call uses 0 bytes, emits none");
	used = 99;
	rc = fcgi_read(&r, (unsigned char *)b.data, 0, &used, collect, &res,
	    &err);
	UNIT_CHECK(rc == 0 && used == 0, "read: no bytes: 0 used");
	result_free(&res);
	buf_free(&b);
}

#define READ_CHECKS	5

int
main(void)
{
	UNIT_PLAN(5 + (int)(sizeof(len_tests) / sizeof(len_tests[0])) +
	    (int)(sizeof(split_tests) / sizeof(split_tests[0])) + 1 +
	    READ_CHECKS * (int)(sizeof(read_tests) / sizeof(read_tests[0])) +
	    (int)(sizeof(refused_types) / sizeof(refused_types[0])) + 2 + 3);
	test_fixed_records();
	test_lengths();
	test_params_split();
	test_params_roundtrip();
	test_read_table();
	test_refused_types();
	test_big_record();
	test_after_end();
	UNIT_DONE();
}
