/*
 * fuzz_gopher_request.c: libFuzzer harness for the Gopher request path:
 * gopher_line_complete on the raw bytes, then gopher_parse_request on
 * the line.  A selector the parser accepts must be one the snapshot can
 * be asked about safely: an absolute, NUL-free path of UTF-8 without
 * control bytes or dot segments (or a URL: selector, whose page is
 * checked to keep the URL HTML-escaped); the search string must lie
 * inside the line and hold no TAB.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capsuled.h"
#include "buf.h"
#include "gopher.h"
#include "utf8.h"
#include "fuzz.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct gopher_request	req;

static size_t
fuzz_count(const struct buf *b, char c)
{
	size_t	i, n = 0;

	for (i = 0; i < b->len; i++)
		n += b->data[i] == c;
	return n;
}

/*
 * The URL page may hold no markup taken from the URL: it must have as
 * many '<', '>', '"' and '\'' as the page for the same URL with every
 * one of those (and '&') replaced by a harmless letter.
 */
static void
fuzz_url_page(const char *url, size_t len)
{
	static char	 tame[GOPHER_REQUEST_MAX + 2];
	struct buf	 b, t;
	size_t		 i;

	for (i = 0; i < len; i++)
		tame[i] = strchr("<>\"'&", url[i]) != NULL && url[i] != '\0' ?
		    'x' : url[i];
	buf_init(&b);
	buf_init(&t);
	gopher_url_page(&b, url, len);
	gopher_url_page(&t, tame, len);
	FUZZ_ASSERT(!b.failed && !t.failed, "URL page built");
	FUZZ_ASSERT(fuzz_count(&b, '<') == fuzz_count(&t, '<') &&
	    fuzz_count(&b, '>') == fuzz_count(&t, '>') &&
	    fuzz_count(&b, '"') == fuzz_count(&t, '"') &&
	    fuzz_count(&b, '\'') == fuzz_count(&t, '\''),
	    "the URL is HTML-escaped in its page");
	buf_free(&b);
	buf_free(&t);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*buf = (const char *)data, *err = NULL;
	size_t		 linelen = 0;
	int		 rc;

	if (gopher_line_complete(buf, size, &linelen) != 1)
		return 0;
	FUZZ_ASSERT(linelen < size && buf[linelen] == '\n' &&
	    memchr(buf, '\n', linelen) == NULL, "the first LF ends the line");
	rc = gopher_parse_request(buf, linelen, &req, &err);
	FUZZ_ASSERT(rc == 0 || rc == -1, "parse result");
	if (rc == -1) {
		FUZZ_ASSERT(err != NULL, "a refusal says why");
		return 0;
	}
	FUZZ_ASSERT(req.pathlen <= GOPHER_REQUEST_MAX + 1 &&
	    req.path[req.pathlen] == '\0' &&
	    memchr(req.path, '\0', req.pathlen) == NULL,
	    "selector is a NUL-free C string");
	FUZZ_ASSERT(fuzz_no_controls(req.path, req.pathlen),
	    "no control byte in a selector");
	FUZZ_ASSERT(utf8_valid(req.path, req.pathlen), "selector is UTF-8");
	if (req.search != NULL)
		FUZZ_ASSERT(req.search >= buf && req.search + req.searchlen <=
		    buf + linelen && memchr(req.search, '\t',
		    req.searchlen) == NULL, "search inside the line, no TAB");
	if (req.url) {
		fuzz_url_page(req.path, req.pathlen);
		return 0;
	}
	FUZZ_ASSERT(req.pathlen >= 1 && req.path[0] == '/',
	    "selector is an absolute path");
	FUZZ_ASSERT(strstr(req.path, "/../") == NULL &&
	    strstr(req.path, "/./") == NULL &&
	    (req.pathlen < 3 || strcmp(req.path + req.pathlen - 3,
	    "/..") != 0) && (req.pathlen < 2 ||
	    strcmp(req.path + req.pathlen - 2, "/.") != 0),
	    "no dot segments in a selector");
	return 0;
}
