/*
 * fuzz_location.c: libFuzzer harness for location.c.  The input is cut
 * at its first two NULs into a glob, a path and a meta.  Properties:
 * location_glob_ok and location_match never read past their strings and
 * a glob that matches the path is the one location_match finds; a meta
 * expansion is at most LOCATION_META_MAX bytes and, from a meta and a
 * query without control bytes, holds none (no header can be split);
 * %p never lets a raw space or control byte through; strip's offset
 * lies within the path and starts at a "/".
 */

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "location.h"
#include "fuzz.h"
#include "utf8.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct location	loc;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct location_vars	 v;
	struct buf		 b;
	const char		*err, *p = (const char *)data, *path, *meta;
	char			 pathbuf[GEMINI_REQUEST_MAX + 1];
	size_t			 glen, plen, off;
	int			 m, n;

	glen = strnlen(p, len);
	if (glen >= len || glen >= sizeof(loc.glob))
		return 0;
	memcpy(loc.glob, p, glen + 1);
	path = p + glen + 1;
	plen = strnlen(path, len - glen - 1);
	if (glen + 1 + plen >= len || plen >= sizeof(pathbuf))
		return 0;
	memcpy(pathbuf, path, plen + 1);
	meta = path + plen + 1;
	if (memchr(meta, '\0', len - glen - plen - 2) == NULL)
		return 0;
	(void)location_glob_ok(loc.glob, &err);
	m = location_match(&loc, 1, pathbuf);
	FUZZ_ASSERT(m == 0 || m == -1, "a match is the location or none");
	memset(&v, 0, sizeof(v));
	v.path = pathbuf;
	v.pathlen = plen;
	v.query = pathbuf;
	v.querylen = plen;
	v.name = "example.org";
	v.port = 1965;
	buf_init(&b);
	if (location_expand(meta, &v, &b) == 0) {
		FUZZ_ASSERT(b.len <= LOCATION_META_MAX, "meta within its limit");
		/*
		 * parseloc.c takes UTF-8 metas only, and gemini.c and
		 * gopher.c UTF-8 requests: half a character on each side
		 * of a %q would make a C1 control of nothing.
		 */
		if (fuzz_no_controls(meta, strlen(meta)) &&
		    utf8_valid(meta, strlen(meta)) &&
		    fuzz_no_controls(pathbuf, plen) &&
		    utf8_valid(pathbuf, plen))
			FUZZ_ASSERT(fuzz_no_controls(b.data ? b.data : "", b.len),
			    "no control byte in an expanded meta");
	}
	buf_free(&b);
	buf_init(&b);
	v.query = NULL;
	if (location_expand("%p", &v, &b) == 0)
		FUZZ_ASSERT(memchr(b.data ? b.data : "", ' ', b.len) == NULL &&
		    fuzz_no_controls(b.data ? b.data : "", b.len),
		    "%p is percent-encoded");
	buf_free(&b);
	for (n = 0; n < 4; n++)
		if (plen > 0 && pathbuf[0] == '/' &&
		    location_strip(pathbuf, plen, n, &off) == 0)
			FUZZ_ASSERT(off < plen && pathbuf[off] == '/' &&
			    (n > 0 || off == 0), "strip leaves a path");
	return 0;
}
