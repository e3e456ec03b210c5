/*
 * test_gemstream.c: gemtext_stream, the Gopher rendering of a script's
 * text/gemini output as it arrives.  Whatever the pieces the bytes come
 * in, the menu must be exactly what gemtext_to_gopher makes of the whole
 * document: each document (a BOM, preformatted blocks, CRLF lines, a
 * last line without LF, long lines, a BOM cut short, nothing at all) is
 * fed cut in two at every byte, cut in three at every pair of bytes
 * (short ones), one byte at a time and in pseudo-random pieces, the
 * caller keeping what was not consumed for the next call, as dyn.c
 * does, with the end given with the last piece or in a call of its own.
 * A call must consume every complete line once the first line is known
 * (nothing waits that could go out) and, at the end, everything.  A few
 * documents are also compared with the menu they must give.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capsuled.h"
#include "buf.h"
#include "gemtext.h"
#include "unit.h"

#define S(s)	(s), (sizeof(s) - 1)

#define I(t)	"i" t "\t\th\t70\r\n"

#define X10	"xxxxxxxxxx"
#define W10	"word word "
#define W100	W10 W10 W10 W10 W10 W10 W10 W10 W10 W10

struct doc {
	const char	*name;
	const char	*text;
	size_t		 len;
	const char	*menu;		/* NULL: not written out */
};

static const struct doc docs[] = {
	{ "a BOM, CRLF, a last line without LF",
	    S("\xef\xbb\xbfHello\r\nworld"), I("Hello") I("world") },
	{ "a BOM before a heading", S("\xef\xbb\xbf# T\n"), I("T") I("=") },
	{ "a second BOM is text", S("\xef\xbb\xbf\xef\xbb\xbfx\n"), NULL },
	{ "a BOM alone", S("\xef\xbb\xbf"), "" },
	{ "two bytes of a BOM", S("\xef\xbb"), NULL },
	{ "two bytes of a BOM, then text", S("\xef\xbbx\n"), I("??x") },
	{ "one byte", S("a"), I("a") },
	{ "two bytes and LF", S("a\n"), I("a") },
	{ "a lone LF", S("\n"), I("") },
	{ "nothing", S(""), "" },
	{ "CRLF lines and empty ones", S("a\r\n\r\nb\r\n\r\n"),
	    I("a") I("") I("b") I("") },
	{ "a CR inside a line, a CR at the end", S("a\rb\nlast\r"), NULL },
	{ "preformatted blocks",
	    S("intro\n```alt text\n\tcode\t=> not a link\n# not a heading\n"
	    "```\n* item\n> quote\n```\n   spaced\n``` \nafter\n"),
	    NULL },
	{ "a preformatted block never closed", S("```\nopen\n=> /a A\n"),
	    NULL },
	{ "fences with CRLF and without a last LF",
	    S("```\r\npre\r\n```\r\n# h\r\n```"), NULL },
	{ "short fences are text", S("``\n`\n``x\n"), NULL },
	{ "links, lists and quotes with CRLF",
	    S("=> /d/a.gmi A\r\n=>b.txt B\r\n=> gemini://h/c C\r\n"
	    "=> https://example.org/ W\r\n* one\r\n>q\r\n## two\r\n"), NULL },
	{ "a long paragraph and a long preformatted line",
	    S(W100 W100 W100 W100 W100 "end\n```\n" X10 X10 X10 X10 X10 X10
	    X10 X10 X10 X10 X10 X10 X10 X10 X10 "\n```\n# " W100 "\n"),
	    NULL },
	{ "UTF-8 across the pieces",
	    S("caf\xc3\xa9 \xe4\xb8\xad\xe6\x96\x87 \xf0\x9f\x98\x80\n"
	    "```\n\xe4\xb8\xad\t\xe6\x96\x87\n```\n=> /\xc3\xa9 \xc3\xa9\n"),
	    NULL },
	{ "bytes that are not text", S("a\0b\xff\n\x01\x7f\n\t\tx"), NULL },
};

static struct gemtext_ctx	ctx;

/* Reference: the whole document at once. */
static void
whole(const struct doc *d, struct buf *out)
{
	buf_reset(out);
	if (gemtext_to_gopher(d->text, d->len, &ctx, out) == -1)
		abort();
}

/*
 * Give d to gemtext_stream in pieces ending at cuts[] (and at the end),
 * keeping what a call leaves for the next, each call seeing a buffer of
 * exactly the bytes it is given.  apart: the end is a call of its own.
 * Returns 0, or what went wrong.
 */
static const char *
feed(const struct doc *d, const size_t *cuts, size_t ncuts, int apart,
    struct buf *out)
{
	struct gemtext_stream	 st;
	struct buf		 pend;
	char			*copy;
	size_t			 start = 0, end, i, n;
	int			 final;
	const char		*bad = NULL;

	memset(&st, 0, sizeof(st));
	buf_init(&pend);
	buf_reset(out);
	for (i = 0; i <= ncuts + (apart ? 1 : 0) && bad == NULL; i++) {
		end = i < ncuts ? cuts[i] : d->len;
		buf_add(&pend, d->text + start, end - start);
		start = end;
		final = apart ? i == ncuts + 1 : i == ncuts;
		if ((copy = malloc(pend.len + 1)) == NULL)
			abort();
		memcpy(copy, pend.data ? pend.data : "", pend.len);
		n = gemtext_stream(&st, copy, pend.len, final, &ctx, out);
		free(copy);
		if (n > pend.len)
			bad = "consumed more than it was given";
		else if (final && n != pend.len)
			bad = "the end left bytes unconsumed";
		else if (!final && st.started && n < pend.len &&
		    memchr(pend.data + n, '\n', pend.len - n) != NULL)
			bad = "a complete line was kept back";
		else if (!final && !st.started && pend.len >= 3)
			bad = "three bytes and the BOM still undecided";
		else if (n > 0) {
			memmove(pend.data, pend.data + n, pend.len - n);
			pend.len -= n;
		}
	}
	buf_free(&pend);
	if (bad == NULL && out->failed)
		bad = "out of memory";
	return bad;
}

static int
same(const struct buf *a, const struct buf *b)
{
	return a->len == b->len &&
	    (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

static void
show_diff(const struct buf *want, const struct buf *got)
{
	unit_show("want", want->data ? want->data : "", want->len);
	unit_show("got ", got->data ? got->data : "", got->len);
}

/* Two pieces, cut at every byte, the end with the last or apart. */
static void
check_halves(const struct doc *d, const struct buf *ref, struct buf *out)
{
	const char	*bad = NULL;
	size_t		 k;
	int		 apart;

	for (apart = 0; apart <= 1 && bad == NULL; apart++)
		for (k = 0; k <= d->len && bad == NULL; k++) {
			bad = feed(d, &k, 1, apart, out);
			if (bad == NULL && !same(ref, out))
				bad = "a different menu";
		}
	UNIT_CHECK(bad == NULL, "%s: cut in two at each of %zu bytes, end "
	    "with the last piece or apart", d->name, d->len + 1);
	if (bad != NULL) {
		printf("#   cut at %zu, end %s: %s\n", k - 1, apart == 1 ?
		    "with the last" : "apart", bad);
		show_diff(ref, out);
	}
}

/* Three pieces, at every pair of cuts (only short documents). */
static void
check_thirds(const struct doc *d, const struct buf *ref, struct buf *out)
{
	const char	*bad = NULL;
	size_t		 cuts[2];

	for (cuts[0] = 0; cuts[0] <= d->len && bad == NULL; cuts[0]++)
		for (cuts[1] = cuts[0]; cuts[1] <= d->len && bad == NULL;
		    cuts[1]++) {
			bad = feed(d, cuts, 2, 0, out);
			if (bad == NULL && !same(ref, out))
				bad = "a different menu";
		}
	UNIT_CHECK(bad == NULL, "%s: cut in three, at every pair of bytes",
	    d->name);
	if (bad != NULL) {
		printf("#   cuts at %zu, %zu: %s\n", cuts[0] - 1, cuts[1] - 1,
		    bad);
		show_diff(ref, out);
	}
}

/* One byte at a time; then pseudo-random pieces of 1 to 40 bytes. */
static void
check_small_pieces(const struct doc *d, const struct buf *ref,
    struct buf *out)
{
	const char	*bad;
	size_t		*cuts, n, at, round;
	unsigned long	 seed;

	if ((cuts = calloc(d->len + 1, sizeof(*cuts))) == NULL)
		abort();
	for (n = 0; n + 1 < d->len; n++)
		cuts[n] = n + 1;
	if ((bad = feed(d, cuts, n, 0, out)) == NULL && !same(ref, out))
		bad = "a different menu";
	if (bad == NULL && (bad = feed(d, cuts, n, 1, out)) == NULL &&
	    !same(ref, out))
		bad = "a different menu (end apart)";
	UNIT_CHECK(bad == NULL, "%s: one byte at a time", d->name);
	if (bad != NULL) {
		printf("#   %s\n", bad);
		show_diff(ref, out);
	}
	bad = NULL;
	for (round = 0; round < 20 && bad == NULL; round++) {
		seed = 12345 + round * 7919;
		n = 0;
		at = 0;
		for (;;) {
			seed = seed * 1103515245 + 12345;
			at += 1 + (seed >> 16) % 40;
			if (at >= d->len)
				break;
			cuts[n++] = at;
		}
		bad = feed(d, cuts, n, (int)(round & 1), out);
		if (bad == NULL && !same(ref, out))
			bad = "a different menu";
	}
	UNIT_CHECK(bad == NULL, "%s: 20 rounds of pieces of 1 to 40 bytes",
	    d->name);
	if (bad != NULL) {
		printf("#   round %zu: %s\n", round - 1, bad);
		show_diff(ref, out);
	}
	free(cuts);
}

#define THIRDS_MAX	120	/* longer documents are not cut in 3 */

static int
count_checks(void)
{
	size_t	i;
	int	n = 0;

	for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++)
		n += 3 + (docs[i].menu != NULL) + (docs[i].len <= THIRDS_MAX);
	return n;
}

/* What a caller sees at the start: nothing before a line is complete. */
static void
test_calls(void)
{
	struct gemtext_stream	 st;
	struct buf		 out;
	size_t			 n;

	buf_init(&out);
	memset(&st, 0, sizeof(st));
	n = gemtext_stream(&st, S("a\n"), 0, &ctx, &out);
	UNIT_CHECK(n == 0 && out.len == 0, "two bytes, not the end: wait to "
	    "know there is no BOM");
	n = gemtext_stream(&st, S("a\n"), 1, &ctx, &out);
	UNIT_CHECK(n == 2, "the same two at the end: consumed");
	UNIT_STR_EQ("the same two at the end: one line", out.data, out.len,
	    I("a"));

	buf_reset(&out);
	memset(&st, 0, sizeof(st));
	n = gemtext_stream(&st, S("abc"), 0, &ctx, &out);
	UNIT_CHECK(n == 0 && out.len == 0 && st.started, "a line without "
	    "its LF: nothing consumed, nothing out");
	n = gemtext_stream(&st, S("abc\ndef\nab"), 0, &ctx, &out);
	UNIT_CHECK(n == 8, "two complete lines and a partial one: the "
	    "lines consumed");
	UNIT_STR_EQ("two complete lines: rendered", out.data, out.len,
	    I("abc") I("def"));
	n = gemtext_stream(&st, S(""), 1, &ctx, &out);
	UNIT_CHECK(n == 0 && out.len == 2 * strlen(I("abc")),
	    "the end with nothing left: nothing more");
	buf_free(&out);
}

int
main(void)
{
	struct buf	ref, out;
	size_t		i;

	memset(&ctx, 0, sizeof(ctx));
	ctx.host = "h";
	ctx.port = 70;
	ctx.dir = "/d/";
	UNIT_PLAN(count_checks() + 7);
	buf_init(&ref);
	buf_init(&out);
	for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		whole(&docs[i], &ref);
		if (docs[i].menu != NULL)
			UNIT_STR_EQ(docs[i].name, ref.data ? ref.data : "",
			    ref.len, docs[i].menu);
		check_halves(&docs[i], &ref, &out);
		if (docs[i].len <= THIRDS_MAX)
			check_thirds(&docs[i], &ref, &out);
		check_small_pieces(&docs[i], &ref, &out);
	}
	test_calls();
	buf_free(&ref);
	buf_free(&out);
	UNIT_DONE();
}
