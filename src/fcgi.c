/*
 * fcgi.c: the FastCGI 1.0 records capsuled writes to a responder (one
 * BEGIN_REQUEST with the responder role, the parameters as name-value
 * pairs cut into PARAMS records, an empty PARAMS and an empty STDIN:
 * a Gemini request has no body) and reads back (STDOUT, STDERR,
 * END_REQUEST), one request per connection.  Reading checks every length
 * against the bytes there before it looks at them, so a hostile
 * responder can make the request fail but never overrun the reader.
 * Pure: no socket, no allocation but the caller's buffer.
 */

#include <string.h>

#include "buf.h"
#include "fcgi.h"

static void
fcgi_header(struct buf *b, uint8_t type, size_t len)
{
	unsigned char	h[FCGI_HEADER];

	h[0] = 1;				/* version */
	h[1] = type;
	h[2] = FCGI_REQUEST_ID >> 8;
	h[3] = FCGI_REQUEST_ID & 0xff;
	h[4] = (unsigned char)(len >> 8);
	h[5] = (unsigned char)(len & 0xff);
	h[6] = 0;				/* no padding */
	h[7] = 0;
	buf_add(b, h, sizeof(h));
}

/* BEGIN_REQUEST: the responder role, and close the connection after. */
void
fcgi_begin(struct buf *b)
{
	static const unsigned char	body[8] = { 0, 1, 0, 0, 0, 0, 0, 0 };

	fcgi_header(b, FCGI_BEGIN_REQUEST, sizeof(body));
	buf_add(b, body, sizeof(body));
}

static void
fcgi_length(struct buf *b, size_t n)
{
	unsigned char	l[4];

	if (n < 128) {
		buf_addc(b, (int)n);
		return;
	}
	l[0] = (unsigned char)((n >> 24) | 0x80);
	l[1] = (unsigned char)(n >> 16);
	l[2] = (unsigned char)(n >> 8);
	l[3] = (unsigned char)n;
	buf_add(b, l, sizeof(l));
}

/* One name-value pair, into b (which holds the pairs, not records). */
void
fcgi_param(struct buf *b, const char *name, size_t nlen, const char *value,
    size_t vlen)
{
	fcgi_length(b, nlen);
	fcgi_length(b, vlen);
	buf_add(b, name, nlen);
	buf_add(b, value, vlen);
}

/*
 * The pairs (len bytes) as PARAMS records of at most FCGI_CONTENT_MAX
 * bytes (a pair may go on in the next record), then the empty one that
 * ends them.
 */
void
fcgi_params_records(struct buf *b, const char *pairs, size_t len)
{
	size_t	n;

	while (len > 0) {
		n = len < FCGI_CONTENT_MAX ? len : FCGI_CONTENT_MAX;
		fcgi_header(b, FCGI_PARAMS, n);
		buf_add(b, pairs, n);
		pairs += n;
		len -= n;
	}
	fcgi_header(b, FCGI_PARAMS, 0);
}

/* The end of the (empty) request body. */
void
fcgi_stdin_end(struct buf *b)
{
	fcgi_header(b, FCGI_STDIN, 0);
}

void
fcgi_reader_init(struct fcgi_reader *r)
{
	memset(r, 0, sizeof(*r));
}

/* A record's header is complete: check it, learn what follows. */
static int
fcgi_reader_header(struct fcgi_reader *r, const char **errstr)
{
	const unsigned char	*h = r->hdr;
	uint16_t		 id = (uint16_t)(h[2] << 8 | h[3]);

	if (h[0] != 1) {
		*errstr = "not FastCGI version 1";
		return -1;
	}
	r->type = h[1];
	r->left = (size_t)h[4] << 8 | h[5];
	r->pad = h[6];
	if (r->type != FCGI_STDOUT && r->type != FCGI_STDERR &&
	    r->type != FCGI_END_REQUEST && r->type != FCGI_UNKNOWN_TYPE) {
		*errstr = "a FastCGI record a responder does not send";
		return -1;
	}
	if (id != FCGI_REQUEST_ID && !(id == 0 &&
	    r->type == FCGI_UNKNOWN_TYPE)) {
		*errstr = "a FastCGI record for another request";
		return -1;
	}
	if (r->type == FCGI_END_REQUEST && r->left != sizeof(r->body)) {
		*errstr = "END_REQUEST of the wrong size";
		return -1;
	}
	r->bodylen = 0;
	return 0;
}

/* END_REQUEST's body is complete. */
static void
fcgi_reader_end(struct fcgi_reader *r)
{
	const unsigned char	*c = r->body;

	r->app_status = (uint32_t)c[0] << 24 | (uint32_t)c[1] << 16 |
	    (uint32_t)c[2] << 8 | c[3];
	r->proto_status = c[4];
	r->ended = 1;
}

/*
 * Feed len bytes at p, as they arrive: the content of STDOUT and
 * STDERR records goes to emit(arg, type, bytes, n), in pieces as it
 * comes.  Stops after END_REQUEST (r->ended).  *used is what was
 * consumed; 0, or -1 with *errstr when the bytes are no responder's.
 */
int
fcgi_read(struct fcgi_reader *r, const unsigned char *p, size_t len,
    size_t *used, void (*emit)(void *, int, const unsigned char *, size_t),
    void *arg, const char **errstr)
{
	size_t	i = 0, n;

	while (i < len && !r->ended) {
		if (r->hlen < FCGI_HEADER) {
			r->hdr[r->hlen++] = p[i++];
			if (r->hlen == FCGI_HEADER &&
			    fcgi_reader_header(r, errstr) == -1)
				return -1;
			continue;
		}
		if (r->left > 0) {
			n = len - i < r->left ? len - i : r->left;
			if (r->type == FCGI_END_REQUEST) {
				memcpy(r->body + r->bodylen, p + i, n);
				r->bodylen += n;
			} else if (r->type != FCGI_UNKNOWN_TYPE)
				emit(arg, r->type, p + i, n);
			r->left -= n;
			i += n;
		} else if (r->pad > 0) {
			n = len - i < r->pad ? len - i : r->pad;
			r->pad -= n;
			i += n;
		}
		if (r->left == 0 && r->pad == 0) {
			if (r->type == FCGI_END_REQUEST)
				fcgi_reader_end(r);
			r->hlen = 0;
		}
	}
	*used = i;
	return 0;
}
