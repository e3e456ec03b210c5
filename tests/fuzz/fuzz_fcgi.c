/*
 * fuzz_fcgi.c: libFuzzer harness for fcgi_read, the reader of what a
 * FastCGI responder (any process listening on a configured socket, so
 * possibly a hostile one) sends back.  The first byte chooses the mode
 * and the pieces.  In raw mode the other bytes are the stream; in
 * record mode they describe records (type, faults, lengths, padding,
 * content) that the harness writes itself, so that deep, mostly valid
 * streams are explored and a model of the protocol says exactly what
 * must come out: the STDOUT and STDERR content of the records before
 * END_REQUEST, its two statuses, every byte up to the end of its
 * padding used and none after, or the refusal of the first record a
 * responder must not send.  In both modes the stream fed whole, in
 * pieces chosen by the input and one byte at a time must give the same
 * emitted bytes, the same bytes used, the same end and statuses or the
 * same refusal; each piece lies in a buffer of its exact size, so a
 * read past it is caught by ASan, and emitted bytes must lie within it.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fcgi.h"
#include "fuzz.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define E_VERSION	"not FastCGI version 1"
#define E_TYPE		"a FastCGI record a responder does not send"
#define E_ID		"a FastCGI record for another request"
#define E_END		"END_REQUEST of the wrong size"

struct result {
	int			 rc;
	const char		*err;
	size_t			 used;
	int			 ended;
	uint32_t		 app;
	uint8_t			 proto;
	struct buf		 order;	/* each byte emitted, tagged */
	const unsigned char	*piece;
	size_t			 piecelen;
};

static void
collect(void *arg, int type, const unsigned char *p, size_t n)
{
	struct result	*res = arg;
	size_t		 i;

	FUZZ_ASSERT(type == FCGI_STDOUT || type == FCGI_STDERR,
	    "only STDOUT and STDERR content is emitted");
	FUZZ_ASSERT(n > 0 && p >= res->piece &&
	    p + n <= res->piece + res->piecelen,
	    "emitted bytes lie within the piece given");
	for (i = 0; i < n; i++) {
		buf_addc(&res->order, type == FCGI_STDOUT ? 'O' : 'E');
		buf_addc(&res->order, p[i]);
	}
}

/* Feed p in pieces ending at cuts[] and at len. */
static void
feed(const unsigned char *p, size_t len, const size_t *cuts, size_t ncuts,
    struct result *res)
{
	struct fcgi_reader	 r;
	unsigned char		*piece;
	size_t			 start = 0, end, i, used;

	memset(res, 0, sizeof(*res));
	buf_init(&res->order);
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
		FUZZ_ASSERT(res->rc == 0 || res->rc == -1, "returns 0 or -1");
		if (res->rc == -1) {
			FUZZ_ASSERT(res->err != NULL && (strcmp(res->err,
			    E_VERSION) == 0 || strcmp(res->err, E_TYPE) == 0 ||
			    strcmp(res->err, E_ID) == 0 ||
			    strcmp(res->err, E_END) == 0),
			    "a refusal says why");
			break;
		}
		FUZZ_ASSERT(used <= end - start, "uses at most what it got");
		FUZZ_ASSERT(used == end - start || r.ended,
		    "uses every byte until END_REQUEST");
		res->used += used;
		start = end;
	}
	res->ended = r.ended;
	res->app = r.app_status;
	res->proto = r.proto_status;
}

static void
same(const struct result *a, const struct result *b)
{
	FUZZ_ASSERT(a->rc == b->rc, "the same return, whatever the pieces");
	FUZZ_ASSERT(a->rc == 0 || strcmp(a->err, b->err) == 0,
	    "the same refusal, whatever the pieces");
	FUZZ_ASSERT(a->rc == -1 || a->used == b->used,
	    "the same bytes used, whatever the pieces");
	FUZZ_ASSERT(a->ended == b->ended && a->app == b->app &&
	    a->proto == b->proto, "the same end and statuses");
	FUZZ_ASSERT(a->order.len == b->order.len && (a->order.len == 0 ||
	    memcmp(a->order.data, b->order.data, a->order.len) == 0),
	    "the same bytes emitted, in the same order");
}

/* What the model of the protocol says record mode must give. */
struct model {
	int		 rc;
	const char	*err;
	size_t		 used;
	int		 ended;
	uint32_t	 app;
	uint8_t		 proto;
	struct buf	 order;
};

/*
 * Write the records data describes into b, three bytes a record (then
 * its content, from data as far as it goes): a: the type (bits 0-2),
 * id 0 for type 11 (bit 3), length's high bits (3-4), a fault (5-7:
 * 5 a bad version, 6 a bad id, 7 a bad END_REQUEST length); b: the
 * length's low byte (or, type 7, the record type itself); c: padding.
 */
static void
build(const uint8_t *data, size_t len, struct buf *b, struct model *m)
{
	static const int	types[] = { FCGI_STDOUT, FCGI_STDOUT,
				    FCGI_STDERR, FCGI_UNKNOWN_TYPE,
				    FCGI_END_REQUEST, FCGI_STDOUT, FCGI_STDERR,
				    -1 };
	unsigned char		 h[FCGI_HEADER], body[8];
	size_t			 off = 0, clen, n, i, nrecs = 0;
	int			 type, version, id, fault, pad, valid;

	memset(m, 0, sizeof(*m));
	buf_init(&m->order);
	m->rc = 0;
	while (len - off >= 3 && nrecs++ < 64) {
		type = types[data[off] & 7];
		fault = data[off] >> 5;
		clen = data[off + 1] | (size_t)((data[off] >> 3) & 3) << 8;
		if (type == -1) {
			type = data[off + 1];
			clen = data[off + 1];
		}
		id = type == FCGI_UNKNOWN_TYPE && (data[off] & 8) ? 0 : 1;
		pad = data[off + 2];
		off += 3;
		version = 1;
		if (fault == 5)
			version = clen & 1 ? 2 : 0;
		else if (fault == 6)
			id = clen & 1 ? 2 : 256 + id;
		if (type == FCGI_END_REQUEST)
			clen = fault == 7 ? (clen & 1 ? 9 : 7 + (clen & 2) *
			    64) : 8;
		h[0] = (unsigned char)version;
		h[1] = (unsigned char)type;
		h[2] = (unsigned char)(id >> 8);
		h[3] = (unsigned char)id;
		h[4] = (unsigned char)(clen >> 8);
		h[5] = (unsigned char)clen;
		h[6] = (unsigned char)pad;
		h[7] = data[off - 1] & 1;	/* reserved: never looked at */
		buf_add(b, h, sizeof(h));
		n = len - off < clen ? len - off : clen;
		buf_add(b, data + off, n);
		for (i = n; i < clen; i++)
			buf_addc(b, (int)('a' + i % 26));
		off += n;
		for (i = 0; i < (size_t)pad; i++)
			buf_addc(b, '#');
		if (m->ended || m->rc == -1)
			continue;	/* bytes after: never looked at */
		/* The rules of a responder's records, in the reader's order. */
		valid = 0;
		if (version != 1)
			m->err = E_VERSION;
		else if (type != FCGI_STDOUT && type != FCGI_STDERR &&
		    type != FCGI_END_REQUEST && type != FCGI_UNKNOWN_TYPE)
			m->err = E_TYPE;
		else if (id != 1 && !(id == 0 && type == FCGI_UNKNOWN_TYPE))
			m->err = E_ID;
		else if (type == FCGI_END_REQUEST && clen != 8)
			m->err = E_END;
		else
			valid = 1;
		if (!valid) {
			m->rc = -1;
			continue;
		}
		if (type == FCGI_STDOUT || type == FCGI_STDERR)
			for (i = 0; i < clen; i++) {
				buf_addc(&m->order, type == FCGI_STDOUT ?
				    'O' : 'E');
				buf_addc(&m->order, b->data[b->len - pad -
				    clen + i]);
			}
		if (type == FCGI_END_REQUEST) {
			memcpy(body, b->data + b->len - pad - 8, 8);
			m->app = (uint32_t)body[0] << 24 |
			    (uint32_t)body[1] << 16 | (uint32_t)body[2] << 8 |
			    body[3];
			m->proto = body[4];
			m->ended = 1;
			m->used = b->len;
		}
	}
	if (!m->ended)
		m->used = b->len;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct result		 whole, split;
	struct model		 m;
	struct buf		 b;
	const unsigned char	*p;
	size_t			*cuts, ncuts = 0, at, len, i;
	unsigned		 seed;
	int			 structured;

	if (size == 0)
		return 0;
	structured = data[0] & 1;
	seed = data[0] >> 1;
	buf_init(&b);
	memset(&m, 0, sizeof(m));
	if (structured) {
		build(data + 1, size - 1, &b, &m);
		FUZZ_ASSERT(!b.failed, "memory for the stream");
		p = (const unsigned char *)(b.data ? b.data : "");
		len = b.len;
	} else {
		p = data + 1;
		len = size - 1;
	}

	feed(p, len, NULL, 0, &whole);
	if (structured) {
		FUZZ_ASSERT(whole.rc == m.rc, "refused exactly when a record "
		    "breaks the rules");
		FUZZ_ASSERT(m.rc == 0 || strcmp(whole.err, m.err) == 0,
		    "refused for the first broken rule");
		FUZZ_ASSERT(whole.order.len == m.order.len &&
		    (m.order.len == 0 || memcmp(whole.order.data,
		    m.order.data, m.order.len) == 0),
		    "emits the STDOUT and STDERR content, in order");
		FUZZ_ASSERT(m.rc == -1 || (whole.ended == m.ended &&
		    whole.used == m.used), "uses up to END_REQUEST's padding");
		FUZZ_ASSERT(!m.ended || (whole.app == m.app &&
		    whole.proto == m.proto), "END_REQUEST's statuses");
	}

	/* Pieces of 1 to 64 bytes (or more), as the seed says. */
	if ((cuts = calloc(len + 1, sizeof(*cuts))) == NULL)
		abort();
	at = 0;
	for (;;) {
		seed = seed * 1103515245 + 12345;
		at += (seed >> 16) % (seed & 0x100 ? 700 : 64) + 1;
		if (at >= len)
			break;
		cuts[ncuts++] = at;
	}
	feed(p, len, cuts, ncuts, &split);
	same(&whole, &split);
	buf_free(&split.order);
	if (len <= 1024) {
		for (i = 0; i + 1 < len; i++)
			cuts[i] = i + 1;
		feed(p, len, cuts, len > 0 ? len - 1 : 0, &split);
		same(&whole, &split);
		buf_free(&split.order);
	}
	free(cuts);
	buf_free(&whole.order);
	buf_free(&m.order);
	buf_free(&b);
	return 0;
}
