/*
 * fuzz_response.c: libFuzzer harness for what capsuled does with a
 * script's output: gemini_parse_response on its first bytes, then, on
 * Gopher, gemtext_stream over the body as it arrives.  The first byte
 * sets the page's port, directory and aliases and seeds the pieces.
 * A header accepted must lie within the bytes and end in CRLF, have a
 * defined status and at most 1024 bytes of UTF-8 meta without control
 * bytes, be exactly what a reference check written here from the
 * Gemini specification accepts, parse the same alone, and give 0 for
 * its proper prefixes; a prefix refused stays refused with more bytes;
 * "not yet" is only said while a header of legal length is still
 * possible.  The body (or, without a header, all the bytes) fed to
 * gemtext_stream in pieces, the rest carried as dyn.c carries it, must
 * give exactly the menu gemtext_to_gopher makes of it whole, and that
 * menu must be well-formed (fuzz.h).
 */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "gemini.h"
#include "gemtext.h"
#include "fuzz.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char *const	fuzz_aliases[] = { "example.org", NULL };

/* The statuses the Gemini specification defines. */
static int
ref_defined(int s)
{
	return s == 10 || s == 11 || s == 20 || s == 30 || s == 31 ||
	    (s >= 40 && s <= 44) || (s >= 50 && s <= 53) || s == 59 ||
	    (s >= 60 && s <= 62);
}

/*
 * The length of the header at the start of p if there is a complete,
 * valid one, else 0: "NN" CRLF or "NN" SP meta CRLF, meta UTF-8
 * without control bytes and at most GEMINI_META_MAX bytes.
 */
static size_t
ref_header(const char *p, size_t len)
{
	size_t	i;

	if (len < 4 || p[0] < '0' || p[0] > '9' || p[1] < '0' ||
	    p[1] > '9' || !ref_defined((p[0] - '0') * 10 + (p[1] - '0')))
		return 0;
	if (p[2] == '\r')
		return p[3] == '\n' ? 4 : 0;
	if (p[2] != ' ')
		return 0;
	for (i = 3; i < len && i <= 3 + GEMINI_META_MAX; i++) {
		if (p[i] == '\r')
			return i + 1 < len && p[i + 1] == '\n' &&
			    utf8_valid(p + 3, i - 3) ? i + 2 : 0;
		if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f)
			return 0;
	}
	return 0;
}

static int
parse(const char *p, size_t len, int *status, const char **meta,
    size_t *metalen, size_t *hdrlen)
{
	const char	*err = NULL;
	int		 rc;

	rc = gemini_parse_response(p, len, status, meta, metalen, hdrlen,
	    &err);
	FUZZ_ASSERT(rc == -1 || rc == 0 || rc == 1, "returns -1, 0 or 1");
	FUZZ_ASSERT(rc != -1 || err != NULL, "a refusal says why");
	return rc;
}

static void
check_header(const char *p, size_t len, unsigned seed)
{
	const char	*meta, *meta2, *cr;
	size_t		 metalen, hdrlen, metalen2, hdrlen2, k, ref;
	int		 status, status2, rc, rck;

	rc = parse(p, len, &status, &meta, &metalen, &hdrlen);
	ref = ref_header(p, len);
	FUZZ_ASSERT((rc == 1) == (ref > 0),
	    "a header exactly when the specification says there is one");
	if (rc == 1) {
		FUZZ_ASSERT(hdrlen == ref, "the header's length");
		FUZZ_ASSERT(hdrlen >= 4 && hdrlen <= len &&
		    hdrlen <= 3 + GEMINI_META_MAX + 2,
		    "the header lies within the bytes and the limit");
		FUZZ_ASSERT(p[hdrlen - 2] == '\r' && p[hdrlen - 1] == '\n' &&
		    memchr(p, '\r', hdrlen - 2) == NULL &&
		    memchr(p, '\n', hdrlen - 2) == NULL,
		    "the header ends at its first CRLF");
		FUZZ_ASSERT(status == (p[0] - '0') * 10 + (p[1] - '0') &&
		    gemini_status_defined(status) && ref_defined(status),
		    "a defined status, the one written");
		FUZZ_ASSERT(metalen <= GEMINI_META_MAX &&
		    (metalen == 0 || (meta == p + 3 &&
		    meta + metalen == p + hdrlen - 2)),
		    "the meta is the bytes between the space and CRLF");
		FUZZ_ASSERT(utf8_valid(meta, metalen) &&
		    fuzz_no_controls(meta, metalen),
		    "the meta is UTF-8 without control bytes");
		FUZZ_ASSERT(parse(p, hdrlen, &status2, &meta2, &metalen2,
		    &hdrlen2) == 1 && status2 == status && hdrlen2 == hdrlen &&
		    meta2 == meta && metalen2 == metalen,
		    "the header alone parses the same");
		for (k = 0; k < hdrlen; k += hdrlen > 64 ? 1 + seed % 7 : 1)
			FUZZ_ASSERT(parse(p, k, &status2, &meta2, &metalen2,
			    &hdrlen2) == 0, "a proper prefix is not yet one");
		FUZZ_ASSERT(parse(p, hdrlen - 1, &status2, &meta2, &metalen2,
		    &hdrlen2) == 0, "without its LF it is not yet one");
	}
	if (rc == 0) {
		/* Not yet: only while a legal header could still come. */
		cr = memchr(p, '\r', len);
		FUZZ_ASSERT(cr == NULL || cr == p + len - 1,
		    "not yet: a CR only as the last byte");
		FUZZ_ASSERT(len <= (cr != NULL ? 3 + GEMINI_META_MAX + 1 :
		    3 + GEMINI_META_MAX), "not yet: still short enough");
		FUZZ_ASSERT(cr != NULL || memchr(p, '\n', len) == NULL,
		    "not yet: no LF seen before a CR");
	}
	/* A refusal is final; so is a header, whatever follows. */
	if (len > 0) {
		k = seed % len;
		rck = parse(p, k, &status2, &meta2, &metalen2, &hdrlen2);
		FUZZ_ASSERT(rck != -1 || rc == -1,
		    "a prefix refused stays refused");
		FUZZ_ASSERT(rck != 1 || (rc == 1 && hdrlen2 == hdrlen),
		    "a header found stays the same header");
	}
}

/* The body in pieces of 1 to 100 bytes, the rest carried. */
static void
check_stream(const char *s, size_t len, const struct gemtext_ctx *ctx,
    unsigned seed)
{
	struct gemtext_stream	 st;
	struct buf		 whole, out, pend;
	char			*copy;
	size_t			 off = 0, n, piece;
	int			 final, apart = seed & 1;

	buf_init(&whole);
	FUZZ_ASSERT(gemtext_to_gopher(s, len, ctx, &whole) == 0,
	    "rendering succeeds");
	fuzz_menu(whole.data, whole.len);
	fuzz_line = NULL;

	memset(&st, 0, sizeof(st));
	buf_init(&out);
	buf_init(&pend);
	for (;;) {
		seed = seed * 1103515245 + 12345;
		piece = (seed >> 16) % (seed & 0x80 ? 100 : 5) + 1;
		if (piece > len - off)
			piece = len - off;
		buf_add(&pend, s + off, piece);
		off += piece;
		final = off == len && !apart;
		if ((copy = malloc(pend.len + 1)) == NULL)
			abort();
		memcpy(copy, pend.data ? pend.data : "", pend.len);
		n = gemtext_stream(&st, copy, pend.len, final, ctx, &out);
		free(copy);
		FUZZ_ASSERT(n <= pend.len, "consumes at most what it got");
		FUZZ_ASSERT(!final || n == pend.len, "the end consumes all");
		FUZZ_ASSERT(final || !st.started || pend.len == n ||
		    memchr(pend.data + n, '\n', pend.len - n) == NULL,
		    "every complete line is consumed");
		if (n > 0) {
			memmove(pend.data, pend.data + n, pend.len - n);
			pend.len -= n;
		}
		if (final)
			break;
		if (off == len) {
			apart = 0;	/* the end, in a call of its own */
			continue;
		}
	}
	FUZZ_ASSERT(!out.failed && out.len == whole.len &&
	    (out.len == 0 || memcmp(out.data, whole.data, out.len) == 0),
	    "in pieces, exactly the menu of the whole");
	buf_free(&pend);
	buf_free(&out);
	buf_free(&whole);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gemtext_ctx	 ctx;
	const char		*p = (const char *)data + 1, *meta;
	size_t			 len, metalen, hdrlen;
	unsigned		 opt, seed;
	int			 status;

	if (size == 0)
		return 0;
	opt = data[0];
	seed = opt >> 4;
	len = size - 1;
	check_header(p, len, seed * 977 + (unsigned)len);

	memset(&ctx, 0, sizeof(ctx));
	ctx.host = "localhost";
	ctx.port = (opt & 3) == 0 ? 70 : (opt & 3) == 1 ? 7070 :
	    (opt & 3) == 2 ? 1 : 65535;
	ctx.dir = opt & 4 ? "/cgi/a b/" : "/";
	ctx.aliases = opt & 8 ? fuzz_aliases : NULL;
	if (parse(p, len, &status, &meta, &metalen, &hdrlen) == 1)
		check_stream(p + hdrlen, len - hdrlen, &ctx, seed);
	else
		check_stream(p, len, &ctx, seed);
	return 0;
}
