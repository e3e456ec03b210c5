/*
 * fuzz_gemtext.c: libFuzzer harness for the gemtext renderer.  Any bytes
 * at all, rendered by gemtext_to_gopher, must give a well-formed Gopher
 * menu (the oracle in fuzz.h) whose items' labels are wrapped to the
 * width asked for: this is what keeps a capsule author's typo, or a
 * hostile file, from breaking every Gopher client that reads the page.
 * The first byte picks the page's directory, port, aliases, how the
 * kind callback types local links and the width (gopher wrap N, from
 * GOPHER_WRAP_MIN to GOPHER_WRAP_MAX, 0 for the default), so those
 * paths are explored too.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "gemtext.h"
#include "fuzz.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char *const	fuzz_aliases[] = { "example.org", NULL };

/* Types a real snapshot hands out, and "not in the capsule". */
static char
fuzz_kind(void *arg, const char *path, size_t len)
{
	static const char	types[] = { '\0', '0', '1', 'I', '9', 'g',
				    'h', 's' };
	unsigned		h = *(const unsigned char *)arg;
	size_t			i;

	FUZZ_ASSERT(len >= 1 && path[0] == '/' &&
	    memchr(path, '\0', len) == NULL, "kind asked about a path");
	for (i = 0; i < len; i++)
		h = h * 31 + (unsigned char)path[i];
	return types[h % sizeof(types)];
}

/*
 * Generated text is wrapped, labels too: an item's display string is at
 * most width wide (only info lines may be wider, for preformatted text).
 */
static void
fuzz_items_wrapped(const char *s, size_t len, size_t width)
{
	const char	*lf, *tab;

	for (; len > 0; len -= (size_t)(lf - s) + 1, s = lf + 1) {
		lf = memchr(s, '\n', len);
		tab = memchr(s, '\t', len);
		FUZZ_ASSERT(lf != NULL && tab != NULL && tab < lf,
		    "a menu line with fields");
		if (s[0] != 'i')
			FUZZ_ASSERT(utf8_columns(s + 1, (size_t)(tab - s) - 1) <=
			    width, "item label wrapped");
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int	 widths[] = { 0, GOPHER_WRAP_MIN, 25,
				    GOPHER_WRAP_DEFAULT, 40, 50, 60,
				    GOPHER_WRAP_MAX };
	struct gemtext_ctx	 ctx;
	struct buf		 b;
	unsigned char		 opt;

	if (size == 0)
		return 0;
	opt = data[0];
	memset(&ctx, 0, sizeof(ctx));
	ctx.host = "localhost";
	ctx.port = (opt & 3) == 0 ? 70 : (opt & 3) == 1 ? 7070 :
	    (opt & 3) == 2 ? 1 : 65535;
	ctx.dir = opt & 4 ? "/a/b c/" : "/";
	ctx.aliases = opt & 8 ? fuzz_aliases : NULL;
	ctx.kind = opt & 16 ? fuzz_kind : NULL;
	ctx.arg = &opt;
	ctx.wrap = widths[opt >> 5];
	buf_init(&b);
	FUZZ_ASSERT(gemtext_to_gopher((const char *)data + 1, size - 1, &ctx,
	    &b) == 0, "rendering succeeds");
	fuzz_menu(b.data, b.len);
	fuzz_items_wrapped(b.data, b.len, ctx.wrap == 0 ? GOPHER_WRAP_DEFAULT :
	    (size_t)ctx.wrap);
	buf_free(&b);
	return 0;
}
