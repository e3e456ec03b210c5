/*
 * results.c: the search as the reader sees it.  A request for
 * SEARCH_PATH (Gemini: the query after '?', percent-encoded; Gopher: the
 * search string after the TAB) becomes the input prompt, an error, or a
 * page of results: a gemtext page on Gemini, the same page rendered as a
 * Gopher menu on Gopher, so that both list the same pages in the same
 * order with the same excerpts.
 *
 * Excerpts are cut here too.  Pure: no I/O.  A query works in one
 * scratch block per process, sized once for the index: nothing is
 * allocated per query but the reply, whose size is bounded by
 * SEARCH_RESULTS_MAX and the title and excerpt limits.
 */

#include <stdlib.h>
#include <string.h>

#include "capsuled.h"
#include "buf.h"
#include "gemtext.h"
#include "gopher.h"
#include "results.h"
#include "search.h"
#include "searchindex.h"
#include "uri.h"
#include "utf8.h"

#define RESULTS_TOO_LONG	"Search query too long"
#define RESULTS_BAD_QUERY	"Bad search query"
#define RESULTS_NOT_UTF8	"Search query is not UTF-8"
#define RESULTS_EXCERPT_LEAD	30	/* columns shown before the hit */

static void	*results_scratch;
static size_t	 results_scratchsize;

int
results_match(const struct snapshot_search *ss, const char *path, size_t len)
{
	return ss != NULL && len == strlen(SEARCH_PATH) &&
	    memcmp(path, SEARCH_PATH, len) == 0;
}

/*
 * The scratch a query needs, zeroed once.  It only grows (a worker may
 * serve several capsules); it is never freed while the process serves.
 */
static void *
results_scratch_for(const struct search_index *ix)
{
	size_t	need = search_scratch_size(ix);
	void	*p;

	if (need > results_scratchsize) {
		if ((p = calloc(1, need)) == NULL)
			return NULL;
		free(results_scratch);
		results_scratch = p;
		results_scratchsize = need;
	}
	return results_scratch;
}

/*
 * Copy text, controls (C0, DEL, C1) as spaces and stray bytes as '?',
 * while it fits.
 */
static size_t
results_copy(char *out, size_t size, size_t o, const char *s, size_t len)
{
	size_t	i = 0, n, c;

	while (i < len) {
		c = utf8_control(s + i, len - i);
		if (c != 0 || (n = utf8_charlen(s + i, len - i)) == 0) {
			if (o + 1 >= size)
				break;
			out[o++] = c != 0 ? ' ' : '?';
			i += c != 0 ? c : 1;
			continue;
		}
		if (o + n >= size)
			break;
		memcpy(out + o, s + i, n);
		o += n;
		i += n;
	}
	out[o] = '\0';
	return o;
}

/*
 * A short excerpt around the hit at byte offset hit of the gemtext t:
 * part of the line it is on (without its
 * gemtext markup), about SEARCH_EXCERPT_COLS columns, cut at word and
 * character boundaries, with "…" where text was left out.  Returns its
 * length in out (NUL-terminated, at most size - 1 bytes).
 */
size_t
results_excerpt(const char *t, size_t len, size_t hit, char *out, size_t size)
{
	size_t	ls, le, vs, s, n, o = 0, j, cols;
	int	cut_end = 0;

	if (size == 0)
		return 0;
	out[0] = '\0';
	if (hit > len)
		hit = len;
	for (ls = hit; ls > 0 && t[ls - 1] != '\n'; ls--)
		;
	for (le = hit; le < len && t[le] != '\n'; le++)
		;
	if (le > ls && t[le - 1] == '\r')
		le--;
	if (ls == 0 && le >= 3 && memcmp(t, "\xef\xbb\xbf", 3) == 0)
		ls = 3;
	vs = ls + words_line_text(t + ls, le - ls);
	if (vs > hit)
		vs = hit;
	s = vs;
	cols = utf8_columns(t + vs, hit - vs);
	if (cols > RESULTS_EXCERPT_LEAD) {
		s = vs + utf8_cut(t + vs, hit - vs,
		    cols - RESULTS_EXCERPT_LEAD);
		for (j = s; j < hit; j++) {
			if (t[j] == ' ') {
				s = j + 1;
				break;
			}
		}
		o = results_copy(out, size, o, "\xe2\x80\xa6", 3);
	}
	n = utf8_cut(t + s, le - s, SEARCH_EXCERPT_COLS);
	if (n < le - s) {
		cut_end = 1;
		for (j = s + n; j > hit; j--) {
			if (t[j] == ' ') {
				n = j - s;
				break;
			}
		}
	}
	while (n > 0 && (t[s + n - 1] == ' ' || t[s + n - 1] == '\t'))
		n--;
	o = results_copy(out, size, o, t + s, n);
	if (cut_end)
		o = results_copy(out, size, o, "\xe2\x80\xa6", 3);
	return o;
}

/*
 * Text for a gemtext line: controls (C0, DEL, C1) become spaces, stray
 * bytes '?'.
 */
static void
results_text(struct buf *b, const char *s, size_t len, size_t maxcols)
{
	size_t	i = 0, n, cut = utf8_cut(s, len, maxcols);

	while (i < cut) {
		if ((n = utf8_control(s + i, cut - i)) != 0)
			buf_addc(b, ' ');
		else if ((n = utf8_charlen(s + i, cut - i)) == 0)
			buf_addc(b, '?');
		else
			buf_add(b, s + i, n);
		i += n ? n : 1;
	}
	if (cut < len)
		buf_adds(b, "\xe2\x80\xa6");
}

/*
 * The results as gemtext (no header).  No line starts with text from
 * the query or a page, so neither can turn into a link or a heading.
 */
static void
results_page(const struct snapshot_search *ss, const char *q, size_t qlen,
    const struct search_result *r, struct buf *b)
{
	struct search_doc	 d;
	char			 ex[SEARCH_EXCERPT_MAX];
	size_t			 i, exlen;

	buf_adds(b, "# Search results\n\n");
	if (r->matches == 0)
		buf_adds(b, "No page contains every word of: ");
	else if (r->matches == 1)
		buf_adds(b, "1 page contains every word of: ");
	else
		buf_addf(b, "%zu pages contain every word of: ", r->matches);
	results_text(b, q, qlen, SEARCH_QUERY_MAX);
	buf_addc(b, '\n');
	if (r->dropped)
		buf_addf(b, "Only the first %d words were searched for.\n",
		    SEARCH_WORDS_MAX);
	if (r->partial)
		buf_adds(b, "The search stopped early, so some pages may be "
		    "missing: try more specific words.\n");
	for (i = 0; i < r->nhits; i++) {
		search_doc(ss->index, r->hits[i].page, &d);
		exlen = results_excerpt(d.text, d.textlen, r->hits[i].first, ex,
		    sizeof(ex));
		buf_adds(b, "\n=> ");
		uri_path_encode(b, d.path, d.pathlen);
		buf_addc(b, ' ');
		results_text(b, d.title, d.titlelen, SEARCH_TITLE_COLS);
		buf_addc(b, '\n');
		if (exlen > 0) {
			buf_adds(b, "> ");
			buf_add(b, ex, exlen);
			buf_addc(b, '\n');
		}
	}
	if (r->matches > r->nhits)
		buf_addf(b, "\nThe best %zu of %zu pages are shown.\n",
		    r->nhits, r->matches);
	buf_adds(b, "\n=> " SEARCH_PATH " Search again\n");
	buf_adds(b, "=> / Back to the index\n");
}

/* Returns 0 with r filled, or -1 when no scratch could be had. */
static int
results_run(const struct snapshot_search *ss, const char *q, size_t qlen,
    struct search_result *r)
{
	void	*scratch;

	if ((scratch = results_scratch_for(ss->index)) == NULL)
		return -1;
	return search_query(ss->index, q, qlen, scratch, results_scratchsize,
	    r);
}

/*
 * Answer a Gemini request for the search; query is the raw query (after
 * '?', still percent-encoded), NULL when there was none.  The whole
 * response goes into b; returns its status.
 */
int
results_gemini(const struct snapshot_search *ss, const char *query,
    size_t querylen, struct buf *b)
{
	struct search_result		 r;
	char				 q[GEMINI_REQUEST_MAX + 1];
	size_t				 qlen;

	if (query == NULL || querylen == 0) {
		buf_add(b, ss->input, ss->inputlen);
		return 10;
	}
	if (querylen > GEMINI_REQUEST_MAX ||
	    uri_query_decode(query, querylen, q, sizeof(q), &qlen) == -1) {
		buf_adds(b, "59 " RESULTS_BAD_QUERY "\r\n");
		return 59;
	}
	if (qlen > SEARCH_QUERY_MAX) {
		buf_adds(b, "59 " RESULTS_TOO_LONG "\r\n");
		return 59;
	}
	if (!utf8_valid(q, qlen)) {
		buf_adds(b, "59 " RESULTS_NOT_UTF8 "\r\n");
		return 59;
	}
	if (results_run(ss, q, qlen, &r) == -1) {
		buf_adds(b, "40 Temporary failure\r\n");
		return 40;
	}
	if (r.nwords == 0) {
		buf_add(b, ss->input, ss->inputlen);
		return 10;
	}
	buf_add(b, ss->header, ss->headerlen);
	results_page(ss, q, qlen, &r, b);
	return 20;
}

/* The Gopher side's ctx: results are rendered as pages are. */
static void
results_ctx(const struct snapshot_search *ss, struct gemtext_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->host = ss->host;
	ctx->port = ss->gopher_port;
	ctx->dir = "/";
	ctx->search = SEARCH_PATH;
	ctx->wrap = ss->gopher_wrap;
}

/* A search item asked for without words: say how to use it. */
static void
results_gopher_help(const struct snapshot_search *ss, struct buf *b)
{
	/* Wrapped like any page, at the server's width. */
	static const char	 help[] = "This is the capsule's search. Open "
	    "it as a search (type 7) item: your client asks for the words "
	    "to look for, and every page that has all of them is listed.\n"
	    "\n";
	struct gemtext_ctx	 ctx;

	results_ctx(ss, &ctx);
	gemtext_to_gopher(help, sizeof(help) - 1, &ctx, b);
	gopher_item(b, '7', ss->prompt, ss->promptlen, SEARCH_PATH,
	    strlen(SEARCH_PATH), ss->host, ss->gopher_port);
	gopher_item(b, '1', "Back to the index", 17, "/", 1, ss->host,
	    ss->gopher_port);
	buf_adds(b, ".\r\n");
}

/*
 * Answer a Gopher request for the search; search is the string after
 * the selector's TAB, NULL when there was none.  The whole response
 * goes into b; returns 0, or 3 for an error item.
 */
int
results_gopher(const struct snapshot_search *ss, const char *search,
    size_t len, struct buf *b)
{
	struct search_result		 r;
	struct gemtext_ctx		 ctx;
	struct buf			 page;

	if (search == NULL || len == 0) {
		results_gopher_help(ss, b);
		return 0;
	}
	if (len > SEARCH_QUERY_MAX) {
		gopher_error(b, RESULTS_TOO_LONG);
		return 3;
	}
	if (!utf8_valid(search, len) || memchr(search, '\0', len) != NULL) {
		gopher_error(b, RESULTS_NOT_UTF8);
		return 3;
	}
	if (results_run(ss, search, len, &r) == -1) {
		gopher_error(b, "Temporary failure");
		return 3;
	}
	if (r.nwords == 0) {
		results_gopher_help(ss, b);
		return 0;
	}
	buf_init(&page);
	results_page(ss, search, len, &r, &page);
	results_ctx(ss, &ctx);
	if (page.failed)
		b->failed = 1;
	else
		gemtext_to_gopher(page.data, page.len, &ctx, b);
	buf_free(&page);
	buf_adds(b, ".\r\n");
	return 0;
}
