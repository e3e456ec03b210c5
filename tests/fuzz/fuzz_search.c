/*
 * fuzz_search.c: libFuzzer harness for the search, the way a reader
 * reaches it: a query, from both protocols, through the index to the
 * results page (Gemini) or menu (Gopher).  The input is up to
 * FUZZ_PAGES gemtext pages and a query, separated by NUL bytes (the last
 * piece is the query); the pages are indexed by indexer_build, the query
 * goes to search_query, to results_gemini percent-encoded (so that it
 * decodes to the same bytes) and to results_gopher as a Gopher search
 * string would arrive.
 *
 * Properties: the index counts its pages; a query result lists at most
 * SEARCH_RESULTS_MAX pages, best first, no more than match, each once;
 * every listed page has every query word (or, for a word of
 * SEARCH_PREFIX_MIN bytes or more, a word it begins) in its text; a
 * Gemini reply is one of the prompt, a 59 line or a results page whose
 * body is UTF-8 without a control character (LF ends lines) and whose
 * lines start only as the page's own do (no text from the query or a
 * page can make a heading or a link); a Gopher reply is a well-formed
 * menu (fuzz.h) with the end marker, or one type-3 line; and when both
 * protocols accept the query they list the same pages in the same order.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fuzz.h"
#include "results.h"
#include "search.h"
#include "utf8.h"

#define FUZZ_PAGES	16

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	*fuzz_block;

static void *
fuzz_alloc(void *arg, size_t n)
{
	(void)arg;
	FUZZ_ASSERT(fuzz_block == NULL, "the index is one block");
	return fuzz_block = malloc(n);
}

/* Does text have a word equal to w (or beginning with it, if prefix)? */
static int
fuzz_has_word(const char *text, size_t len, const char *w, size_t wlen,
    int prefix)
{
	char	term[SEARCH_TERM_MAX + 1];
	size_t	off = 0, start, n;

	while ((n = words_next(text, len, &off, term, &start)) > 0)
		if (n == wlen ? memcmp(term, w, wlen) == 0 :
		    prefix && n > wlen && memcmp(term, w, wlen) == 0)
			return 1;
	return 0;
}

/* Every listed page has every word searched for: the first ones given. */
static void
fuzz_check_hits(const struct search_index *ix, const char *q, size_t qlen,
    const struct search_result *r)
{
	struct search_doc	 d;
	char			 words[SEARCH_WORDS_MAX][SEARCH_TERM_MAX + 1];
	size_t			 lens[SEARCH_WORDS_MAX], nw = 0, off = 0, start;
	size_t			 n, i, j;

	FUZZ_ASSERT(r->nhits <= SEARCH_RESULTS_MAX && r->nhits <= r->matches,
	    "at most SEARCH_RESULTS_MAX pages, no more than match");
	while (nw < SEARCH_WORDS_MAX &&
	    (n = words_next(q, qlen, &off, words[nw], &start)) > 0) {
		for (i = 0; i < nw && strcmp(words[i], words[nw]) != 0; i++)
			;
		if (i == nw)
			lens[nw++] = n;
	}
	FUZZ_ASSERT(r->nwords == nw, "the words searched for are the "
	    "query's first distinct ones");
	for (i = 0; i < r->nhits; i++) {
		FUZZ_ASSERT(r->hits[i].page < search_count(ix),
		    "a hit is a page of the index");
		if (i > 0)
			FUZZ_ASSERT(r->hits[i].score <= r->hits[i - 1].score,
			    "best first");
		for (j = 0; j < i; j++)
			FUZZ_ASSERT(r->hits[j].page != r->hits[i].page,
			    "each page once");
		search_doc(ix, r->hits[i].page, &d);
		for (j = 0; j < nw; j++)
			FUZZ_ASSERT(fuzz_has_word(d.text, d.textlen, words[j],
			    lens[j], lens[j] >= SEARCH_PREFIX_MIN) ||
			    fuzz_has_word(d.title, d.titlelen, words[j],
			    lens[j], lens[j] >= SEARCH_PREFIX_MIN),
			    "a listed page has every word");
	}
}

/* The page number of "/pN.gmi" followed by stop at s, or -1. */
static int
fuzz_page_at(const char *s, const char *end, char stop)
{
	int	p = 0, digits = 0;

	if (end - s < 3 || memcmp(s, "/p", 2) != 0)
		return -1;
	for (s += 2; s < end && *s >= '0' && *s <= '9' && digits < 3; s++) {
		p = p * 10 + (*s - '0');
		digits++;
	}
	if (digits == 0 || end - s < 5 || memcmp(s, ".gmi", 4) != 0 ||
	    s[4] != stop)
		return -1;
	return p;
}

/* The "=> /pN.gmi" links (Gemini) or type 1 selectors (Gopher), in order. */
static size_t
fuzz_pages(const char *s, size_t len, int gopher, int *pages, size_t max)
{
	const char	*line = s, *end = s + len, *lf, *tab;
	size_t		 n = 0;
	int		 p;

	for (; line < end; line = lf + 1) {
		if ((lf = memchr(line, '\n', end - line)) == NULL)
			lf = end;
		if (gopher)
			p = *line == '1' && (tab = memchr(line, '\t',
			    lf - line)) != NULL ? fuzz_page_at(tab + 1, lf,
			    '\t') : -1;
		else
			p = lf - line > 3 && memcmp(line, "=> ", 3) == 0 ?
			    fuzz_page_at(line + 3, lf, ' ') : -1;
		if (p != -1 && n < max)
			pages[n++] = p;
	}
	return n;
}

/* A Gemini results body: UTF-8, no control but LF, known line starts. */
static void
fuzz_gemini_page(const char *s, size_t len)
{
	static const char	*const starts[] = {
		"=> /", "> ", "No page contains every word of: ",
		"1 page contains every word of: ", "Only the first ",
		"The search stopped early", "The best ",
	};
	const char		*line = s, *end = s + len, *lf;
	size_t			 i, n;

	FUZZ_ASSERT(utf8_valid(s, len), "the page is UTF-8");
	for (i = 0; i < len; i++)
		FUZZ_ASSERT(s[i] == '\n' || fuzz_no_controls(s + i, 1),
		    "no control byte but LF in the page");
	for (i = 0; i + 1 < len; i++)
		FUZZ_ASSERT(!((unsigned char)s[i] == 0xc2 &&
		    (unsigned char)s[i + 1] >= 0x80 &&
		    (unsigned char)s[i + 1] <= 0x9f), "no C1 control");
	FUZZ_ASSERT(len >= 18 && memcmp(s, "# Search results\n\n", 18) == 0,
	    "the page starts with its heading");
	for (line = s + 18; line < end; line = lf + 1) {
		if ((lf = memchr(line, '\n', end - line)) == NULL)
			lf = end;
		n = (size_t)(lf - line);
		if (n == 0)
			continue;
		for (i = 0; i < sizeof(starts) / sizeof(starts[0]); i++)
			if (n >= strlen(starts[i]) &&
			    memcmp(line, starts[i], strlen(starts[i])) == 0)
				break;
		if (i == sizeof(starts) / sizeof(starts[0]) &&
		    !(n > 2 && line[0] >= '1' && line[0] <= '9' &&
		    memmem(line, n, " pages contain every word of: ",
		    30) != NULL))
			FUZZ_ASSERT(0, "a line of the page starts as only the "
			    "page's own lines do");
	}
}

static void
fuzz_queries(const struct snapshot_search *ss, const char *q, size_t qlen)
{
	struct buf	 g, m;
	int		 gp[SEARCH_RESULTS_MAX + 1], mp[SEARCH_RESULTS_MAX + 1];
	size_t		 i, ng, nm, hl = ss->headerlen;
	int		 gs, ms;

	buf_init(&g);
	for (i = 0; i < qlen; i++)
		buf_addf(&g, "%%%02X", (unsigned char)q[i]);
	buf_init(&m);
	gs = results_gemini(ss, g.data != NULL ? g.data : "", g.len, &m);
	FUZZ_ASSERT(!m.failed, "the Gemini reply was built");
	if (gs == 20) {
		FUZZ_ASSERT(m.len >= hl && memcmp(m.data, ss->header, hl) == 0,
		    "20 with the page's header");
		fuzz_gemini_page(m.data + hl, m.len - hl);
	} else if (gs == 10)
		FUZZ_ASSERT(m.len == ss->inputlen &&
		    memcmp(m.data, ss->input, m.len) == 0, "10: the prompt");
	else
		FUZZ_ASSERT(gs == 59 && m.len > 5 && memcmp(m.data, "59 ",
		    3) == 0 && memchr(m.data, '\n', m.len) ==
		    m.data + m.len - 1, "else one 59 line");
	ng = gs == 20 ? fuzz_pages(m.data + hl, m.len - hl, 0, gp,
	    SEARCH_RESULTS_MAX + 1) : 0;
	buf_free(&g);
	buf_reset(&m);

	ms = results_gopher(ss, q, qlen, &m);
	FUZZ_ASSERT(!m.failed && m.len >= 3 &&
	    memcmp(m.data + m.len - 3, ".\r\n", 3) == 0,
	    "a Gopher reply ends with the end marker");
	fuzz_line = NULL;
	fuzz_menu(m.data, m.len - 3);
	if (ms == 3)
		FUZZ_ASSERT(m.data[0] == '3' && memchr(m.data, '\n', m.len) ==
		    m.data + m.len - 4, "an error is one type 3 line");
	nm = ms == 0 ? fuzz_pages(m.data, m.len, 1, mp,
	    SEARCH_RESULTS_MAX + 1) : 0;
	/* Both answered with results: the same pages, in the same order. */
	if (gs == 20 && ms == 0)
		FUZZ_ASSERT(ng == nm && memcmp(gp, mp, ng * sizeof(*gp)) == 0,
		    "both protocols list the same pages in the same order");
	buf_free(&m);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct search_source	 src[FUZZ_PAGES];
	struct snapshot_search	 ss;
	struct search_index	*ix;
	struct search_result	 r;
	char			 paths[FUZZ_PAGES][16], *names[FUZZ_PAGES];
	const char		*p = (const char *)data, *end = p + size, *nul;
	const char		*err, *q;
	void			*scratch;
	size_t			 n = 0, qlen;

	/* Pages, NUL-separated; what follows the last NUL is the query. */
	while (n < FUZZ_PAGES && (nul = memchr(p, '\0', end - p)) != NULL) {
		snprintf(paths[n], sizeof(paths[n]), "/p%zu.gmi", n);
		names[n] = paths[n] + 1;
		src[n].path = paths[n];
		src[n].pathlen = strlen(paths[n]);
		src[n].name = names[n];
		src[n].namelen = strlen(names[n]);
		src[n].text = p;
		src[n].textlen = (size_t)(nul - p);
		n++;
		p = nul + 1;
	}
	q = p;
	qlen = (size_t)(end - p);
	fuzz_block = NULL;
	FUZZ_ASSERT(indexer_build(src, n, 0, fuzz_alloc, NULL, &ix, &err) == 0,
	    "the index is built");
	FUZZ_ASSERT(search_count(ix) == n, "the index counts its pages");
	if ((scratch = calloc(1, search_scratch_size(ix))) == NULL)
		abort();
	FUZZ_ASSERT(search_query(ix, q, qlen, scratch,
	    search_scratch_size(ix), &r) == 0, "the query runs");
	fuzz_check_hits(ix, q, qlen, &r);
	free(scratch);

	memset(&ss, 0, sizeof(ss));
	ss.index = ix;
	ss.prompt = SEARCH_PROMPT;
	ss.promptlen = strlen(SEARCH_PROMPT);
	ss.input = "10 " SEARCH_PROMPT "\r\n";
	ss.inputlen = strlen(ss.input);
	ss.header = "20 text/gemini\r\n";
	ss.headerlen = strlen(ss.header);
	ss.host = "localhost";
	ss.gopher_port = 70;
	fuzz_queries(&ss, q, qlen);
	free(fuzz_block);
	return 0;
}
