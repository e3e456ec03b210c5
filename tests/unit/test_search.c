/*
 * test_search.c: the capsule's search, table-driven: words (words.c),
 * the index (indexer.c), queries (search.c) and replies (results.c).
 * Covered: cutting words (ASCII, Latin-1, Latin Extended-A, Greek and
 * Cyrillic case folding, punctuation and
 * apostrophes, digits, invalid UTF-8, long words cut at a character
 * boundary, word offsets); what is indexed (visible text, not link URLs;
 * preformatted text; the title); AND semantics, prefixes, ranking by
 * frequency, title and heading weight, whole word over prefix, earlier
 * hit first; the limits (words, results, scratch); excerpts (markup
 * stripped, cut at word and UTF-8 boundaries, control bytes); the Gemini
 * replies (prompt, 59s, result and no-result pages, no injected lines)
 * and the Gopher replies (help menu, type 3, well-formed menus with type
 * 1 and type 7 items); the type 7 item in gemtext rendered for Gopher.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "gemtext.h"
#include "results.h"
#include "search.h"
#include "searchindex.h"
#include "utf8.h"
#include "unit.h"

#define S(s)	(s), (sizeof(s) - 1)
#define E30	"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9" \
		"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9" \
		"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9" \
		"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9" \
		"\xc3\xa9\xc3\xa9"
#define E24	"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9" \
		"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9" \
		"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9" \
		"\xc3\xa9\xc3\xa9\xc3\xa9"
#define E23	"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9" \
		"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9" \
		"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9" \
		"\xc3\xa9\xc3\xa9"
#define A10	"aaaaaaaaaa"

/* Words: the folded words of in, joined by '|'. */
static const struct {
	const char	*name;
	const char	*in;
	size_t		 len;
	const char	*want;
} words[] = {
	{ "empty", S(""), "" },
	{ "only punctuation", S("  ...!?;  "), "" },
	{ "ASCII folded, punctuation stripped", S("Hello, World!"),
	    "hello|world" },
	{ "digits are word characters", S("2024 NHS111"), "2024|nhs111" },
	{ "Latin-1 upper to lower", S("\xc3\x89" "COLE \xc3\xa9" "cole"),
	    "\xc3\xa9" "cole|\xc3\xa9" "cole" },
	{ "Latin-1 range", S("\xc3\x80\xc3\x89\xc3\x8e\xc3\x95\xc3\x9c\xc3\x9e"),
	    "\xc3\xa0\xc3\xa9\xc3\xae\xc3\xb5\xc3\xbc\xc3\xbe" },
	{ "AE and O-slash", S("\xc3\x86R\xc3\x98 \xc3\xa6r\xc3\xb8"),
	    "\xc3\xa6r\xc3\xb8|\xc3\xa6r\xc3\xb8" },
	{ "sharp s stays", S("Stra\xc3\x9f" "e"), "stra\xc3\x9f" "e" },
	{ "times and divide separate", S("3\xc3\x97" "4\xc3\xb7" "2"),
	    "3|4|2" },
	{ "Latin-1 signs separate", S("a\xc2\xa0" "b\xc2\xab" "c\xc2\xbb"),
	    "a|b|c" },
	{ "Latin Extended-A folded", S("\xc5\x81\xc3\x93" "D\xc5\xb9 "
	    "\xc5\x82\xc3\xb3" "d\xc5\xba"),
	    "\xc5\x82\xc3\xb3" "d\xc5\xba|\xc5\x82\xc3\xb3" "d\xc5\xba" },
	{ "dotted capital I", S("\xc4\xb0stanbul"), "istanbul" },
	{ "Y diaeresis", S("\xc5\xb8"), "\xc3\xbf" },
	{ "Greek folded", S("\xce\xa9\xce\x9c\xce\x95\xce\x93\xce\x91"),
	    "\xcf\x89\xce\xbc\xce\xb5\xce\xb3\xce\xb1" },
	{ "Cyrillic folded", S("\xd0\x9f\xd0\xa0\xd0\x98 \xd0\x81"),
	    "\xd0\xbf\xd1\x80\xd0\xb8|\xd1\x91" },
	{ "apostrophe inside a word joins", S("it's King\xe2\x80\x99s"),
	    "its|kings" },
	{ "apostrophes around words separate", S("'quoted' dogs' \xe2\x80\x99x"),
	    "quoted|dogs|x" },
	{ "hyphen and dashes separate",
	    S("cross-cutting \xe2\x80\x94" "dash\xe2\x80\x93" "end"),
	    "cross|cutting|dash|end" },
	{ "quotes and ellipsis separate",
	    S("\xe2\x80\x9cword\xe2\x80\x9d\xe2\x80\xa6" "more"), "word|more" },
	{ "emoji separate", S("emoji\xf0\x9f\x98\x80word"), "emoji|word" },
	{ "invalid byte separates", S("a\xff" "b"), "a|b" },
	{ "truncated sequence separates", S("ab\xc3"), "ab" },
	{ "surrogate bytes separate", S("a\xed\xa0\x80" "b"), "a|b" },
	{ "combining mark stays in the word", S("Cafe\xcc\x81!"),
	    "cafe\xcc\x81" },
	{ "CJK kept as a word", S("\xe4\xb8\xad\xe6\x96\x87\xe3\x80\x82"),
	    "\xe4\xb8\xad\xe6\x96\x87" },
	{ "markup characters separate", S("=> a.gmi ## b * c > d ```e"),
	    "a|gmi|b|c|d|e" },
	{ "long ASCII word cut", S(A10 A10 A10 A10 A10 A10 " next"),
	    A10 A10 A10 A10 "aaaaaaaa|next" },
	{ "long 2-byte word cut at a character", S(E30), E24 },
	{ "odd byte budget never splits", S("a" E30), "a" E23 },
	{ "TAB, CR, LF, NUL separate", S("a\tb\rc\nd\0e"), "a|b|c|d|e" },
};

static void
test_words(void)
{
	char	term[SEARCH_TERM_MAX + 1], got[1024];
	size_t	i, off, start, len, glen;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		off = 0;
		glen = 0;
		got[0] = '\0';
		while ((len = words_next(words[i].in, words[i].len, &off,
		    term, &start)) > 0) {
			if (glen > 0)
				got[glen++] = '|';
			memcpy(got + glen, term, len);
			glen += len;
			if (!utf8_valid(term, len) || strlen(term) != len)
				glen = 0;	/* shows as a mismatch */
		}
		UNIT_STR_EQ(words[i].name, got, glen, words[i].want);
	}
}

static void
test_word_offsets(void)
{
	char	term[SEARCH_TERM_MAX + 1];
	size_t	off = 0, start = 99, len;

	len = words_next(S("  foo, \xc3\x89t\xc3\xa9!"), &off, term, &start);
	UNIT_CHECK(len == 3 && start == 2 && off == 5,
	    "word offsets: first word at 2, ends at 5 (%zu %zu %zu)", len,
	    start, off);
	len = words_next(S("  foo, \xc3\x89t\xc3\xa9!"), &off, term, &start);
	UNIT_CHECK(len == 5 && start == 7 && off == 12,
	    "word offsets: offsets count bytes of the original (%zu %zu %zu)",
	    len, start, off);
	len = words_next(S("  foo, \xc3\x89t\xc3\xa9!"), &off, term, &start);
	UNIT_CHECK(len == 0, "word offsets: then no more words");
}

/* An index over pages given as {path, text}; freed with free(). */
struct page {
	const char	*path;
	const char	*text;
};

static void *
test_alloc(void *arg, size_t n)
{
	(void)arg;
	return malloc(n);
}

static struct search_index *
test_index(const struct page *pages, size_t n)
{
	struct search_source	 src[64];
	struct search_index	*ix;
	const char		*err = NULL, *slash;
	size_t			 i;

	memset(src, 0, sizeof(src));
	for (i = 0; i < n; i++) {
		src[i].path = pages[i].path;
		src[i].pathlen = strlen(pages[i].path);
		src[i].text = pages[i].text;
		src[i].textlen = strlen(pages[i].text);
		slash = strrchr(pages[i].path, '/');
		src[i].name = slash + 1;
		src[i].namelen = strlen(slash + 1);
	}
	if (indexer_build(src, n, 0, test_alloc, NULL, &ix, &err) == -1) {
		printf("# indexer_build: %s\n", err);
		return NULL;
	}
	return ix;
}

static const struct page corpus[] = {
	{ "/a.gmi", "# Team decisions\nHow a team makes decisions.\n" },
	{ "/b.gmi", "# Notes\nDecisions, decisions, decisions: we decide.\n" },
	{ "/c.gmi", "Nothing here but a team.\n"
	    "=> decisions.gmi a link\n" },
	{ "/d/", "# Caf\xc3\xa9 cr\xc3\xa8me\n## Leadership\n"
	    "Colleagues and leadership.\n```\npreformatted WORD\n```\n" },
	{ "/e.gmi", "colleagues colleagues colleagues colleagues "
	    "colleagues colleagues colleagues\n" },
	{ "/f.gmi", "# Budget\nplain text.\n" },
	{ "/g.gmi", "budget budget budget budget budget budget budget\n" },
	{ "/h.gmi", "# x\nplan\n" },
	{ "/i.gmi", "# y\nplanning\n" },
	{ "/j.gmi", "once: rare\n" },
	{ "/k.gmi", "twice: rare rare\n" },
	{ "/l.gmi", "thrice: rare rare rare\n" },
	{ "/m.gmi", "early same\n" },
	{ "/n.gmi", "later on, the same\n" },
};

/* Query: the paths of the hits, best first, joined by ' '. */
static const struct {
	const char	*q;
	const char	*want;
	size_t		 matches;
} queries[] = {
	{ "decisions", "/a.gmi /b.gmi", 2 },
	{ "team decisions", "/a.gmi", 1 },
	{ "TEAM", "/a.gmi /c.gmi", 2 },
	{ "decisions team", "/a.gmi", 1 },
	{ "team, (decisions)!", "/a.gmi", 1 },
	{ "zzz", "", 0 },
	{ "team zzz", "", 0 },
	{ "gmi", "", 0 },
	{ "caf\xc3\xa9", "/d/", 1 },
	{ "CAF\xc3\x89", "/d/", 1 },
	{ "cafe", "", 0 },
	{ "word", "/d/", 1 },
	{ "leadership", "/d/", 1 },
	{ "colleagues", "/e.gmi /d/", 2 },
	{ "budget", "/f.gmi /g.gmi", 2 },
	{ "plan", "/h.gmi /i.gmi", 2 },
	{ "deci", "/a.gmi /b.gmi", 2 },
	{ "decid", "/b.gmi", 1 },
	{ "de", "", 0 },
	{ "rare", "/l.gmi /k.gmi /j.gmi", 3 },
	{ "same", "/m.gmi /n.gmi", 2 },
	{ "team team TEAM", "/a.gmi /c.gmi", 2 },
	{ "crème colleagues leadership word", "/d/", 1 },
};

static void
test_queries(const struct search_index *ix, void *scratch, size_t size)
{
	struct search_result	 r;
	struct search_doc	 d;
	char			 got[512], name[128];
	size_t			 i, j, glen;
	int			 rc;

	for (i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
		rc = search_query(ix, queries[i].q, strlen(queries[i].q),
		    scratch, size, &r);
		glen = 0;
		for (j = 0; j < r.nhits; j++) {
			search_doc(ix, r.hits[j].page, &d);
			if (glen > 0)
				got[glen++] = ' ';
			memcpy(got + glen, d.path, d.pathlen);
			glen += d.pathlen;
		}
		snprintf(name, sizeof(name), "query \"%s\"", queries[i].q);
		UNIT_STR_EQ(name, got, glen, queries[i].want);
		UNIT_CHECK(rc == 0 && r.matches == queries[i].matches,
		    "query \"%s\": %zu matches (got %zu)", queries[i].q,
		    queries[i].matches, r.matches);
	}
	for (i = 0; i < size; i++)
		if (((unsigned char *)scratch)[i] != 0)
			break;
	UNIT_CHECK(i == size, "queries leave the scratch zeroed");
}

static void
test_query_limits(const struct search_index *ix, void *scratch, size_t size)
{
	struct search_result	r;
	const char		*q;

	q = "!!! ... ---";
	search_query(ix, q, strlen(q), scratch, size, &r);
	UNIT_CHECK(r.nwords == 0 && r.nhits == 0,
	    "query without words: nwords 0");
	q = "one two three four five six seven eight nine ten";
	search_query(ix, q, strlen(q), scratch, size, &r);
	UNIT_CHECK(r.nwords == SEARCH_WORDS_MAX && r.dropped,
	    "query: words past SEARCH_WORDS_MAX are dropped and flagged");
	q = "a a a a a a a a a a a a b";
	search_query(ix, q, strlen(q), scratch, size, &r);
	UNIT_CHECK(r.nwords == 2 && !r.dropped,
	    "query: repeated words count once");
	q = "team";
	UNIT_CHECK(search_query(ix, q, 4, scratch, size - 1, &r) == -1,
	    "query: too small a scratch is refused");
	UNIT_CHECK(search_count(ix) == sizeof(corpus) / sizeof(corpus[0]),
	    "index: every page counted");
	UNIT_CHECK(search_bytes(ix) > 0 && search_bytes(ix) < 8192,
	    "index: compact (%zu bytes for %zu pages)", search_bytes(ix),
	    search_count(ix));
}

static void
test_titles(const struct search_index *ix)
{
	struct search_doc	d;

	search_doc(ix, 0, &d);
	UNIT_STR_EQ("title: first heading", d.title, d.titlelen,
	    "Team decisions");
	search_doc(ix, 3, &d);
	UNIT_STR_EQ("title: first heading of several", d.title, d.titlelen,
	    "Caf\xc3\xa9 cr\xc3\xa8me");
	search_doc(ix, 2, &d);
	UNIT_STR_EQ("title: the file name without a heading", d.title,
	    d.titlelen, "c.gmi");
	UNIT_CHECK(d.text == corpus[2].text && d.textlen ==
	    strlen(corpus[2].text), "doc: the page's text, not a copy");
}

/* More pages than are listed: the best SEARCH_RESULTS_MAX, in order. */
static void
test_results_cap(void)
{
	struct page		 p[40];
	char			 text[40][64], path[40][16];
	struct search_index	*ix;
	struct search_result	 r;
	void			*scratch;
	size_t			 i;
	int			 ordered = 1;

	for (i = 0; i < 40; i++) {
		snprintf(path[i], sizeof(path[i]), "/p%02zu.gmi", i);
		/* Later pages have the word later in the line. */
		snprintf(text[i], sizeof(text[i]), "%.*s common\n", (int)i,
		    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
		p[i].path = path[i];
		p[i].text = text[i];
	}
	if ((ix = test_index(p, 40)) == NULL) {
		UNIT_CHECK(0, "results cap: index built");
		return;
	}
	scratch = calloc(1, search_scratch_size(ix));
	search_query(ix, "common", 6, scratch, search_scratch_size(ix), &r);
	for (i = 0; i < r.nhits; i++)
		if (r.hits[i].page != i)
			ordered = 0;
	UNIT_CHECK(r.matches == 40 && r.nhits == SEARCH_RESULTS_MAX,
	    "results cap: 40 matches, %d listed (got %zu, %zu)",
	    SEARCH_RESULTS_MAX, r.matches, r.nhits);
	UNIT_CHECK(ordered, "results cap: the earliest hits are kept, in "
	    "order");
	free(scratch);
	free(ix);
}

/*
 * A query that would read more than SEARCH_WORK_MAX postings stops
 * there and says so: 70000 pages share one text with 16 words that all
 * begin with "aaa", so "aaa" expands to 16 lists of 70000.
 */
static void
test_work_limit(void)
{
	static const char	 text[] = "aaa0 aaa1 aaa2 aaa3 aaa4 aaa5 aaa6 "
	    "aaa7 aaa8 aaa9 aaaa aaab aaac aaad aaae aaaf\n";
	struct search_source	*src;
	struct search_index	*ix;
	struct search_result	 r;
	struct snapshot_search	 ss;
	struct buf		 b;
	const char		*err;
	void			*scratch;
	size_t			 i, n = 70000;

	if ((src = calloc(n, sizeof(*src))) == NULL)
		return;
	for (i = 0; i < n; i++) {
		src[i].path = "/p.gmi";
		src[i].pathlen = 6;
		src[i].text = text;
		src[i].textlen = sizeof(text) - 1;
		src[i].name = "p.gmi";
		src[i].namelen = 5;
	}
	if (indexer_build(src, n, 0, test_alloc, NULL, &ix, &err) == -1) {
		UNIT_CHECK(0, "work limit: index built (%s)", err);
		free(src);
		return;
	}
	scratch = calloc(1, search_scratch_size(ix));
	search_query(ix, "aaa", 3, scratch, search_scratch_size(ix), &r);
	UNIT_CHECK(r.partial && r.matches > 0 && r.matches <= n &&
	    r.nhits == SEARCH_RESULTS_MAX,
	    "work limit: a query past SEARCH_WORK_MAX stops, flagged partial");
	search_query(ix, "aaa0", 4, scratch, search_scratch_size(ix), &r);
	UNIT_CHECK(!r.partial && r.matches == n,
	    "work limit: a query below it is complete (%zu)", r.matches);
	memset(&ss, 0, sizeof(ss));
	ss.index = ix;
	ss.header = "20 text/gemini\r\n";
	ss.headerlen = strlen(ss.header);
	buf_init(&b);
	results_gemini(&ss, "aaa", 3, &b);
	buf_addc(&b, '\0');
	UNIT_CHECK(strstr(b.data, "\nThe search stopped early") != NULL,
	    "work limit: the page says the results may be incomplete");
	buf_free(&b);
	free(scratch);
	free(ix);
	free(src);
}

static void
test_empty_index(void)
{
	struct search_index	*ix = test_index(NULL, 0);
	struct search_result	 r;
	char			 scratch[64];

	UNIT_CHECK(ix != NULL && search_count(ix) == 0, "empty index builds");
	if (ix == NULL)
		return;
	memset(scratch, 0, sizeof(scratch));
	UNIT_CHECK(search_query(ix, "a", 1, scratch, sizeof(scratch),
	    &r) == 0 && r.matches == 0, "empty index: no match");
	free(ix);
}

/*
 * The working memory of a build is bounded: a page of 100,000 distinct
 * words needs more than a mebibyte, so with that limit it is refused,
 * and says so; without one, or with a small page, it builds.
 */
static void
test_build_limit(void)
{
	struct search_source	 src;
	struct search_index	*ix = NULL;
	struct buf		 text;
	const char		*err = NULL;
	size_t			 i;
	int			 rc;

	buf_init(&text);
	for (i = 0; i < 100000; i++)
		buf_addf(&text, "w%zu ", i);
	memset(&src, 0, sizeof(src));
	src.path = "/big.gmi";
	src.pathlen = 8;
	src.text = text.data;
	src.textlen = text.len;
	src.name = "big.gmi";
	src.namelen = 7;
	rc = indexer_build(&src, 1, 1024 * 1024, test_alloc, NULL, &ix,
	    &err);
	UNIT_CHECK(rc == -1 && ix == NULL && err != NULL &&
	    strcmp(err, "indexing would take more than 1 MiB") == 0,
	    "build limit: 100,000 distinct words are refused at 1 MiB (%s)",
	    err != NULL ? err : "no error");
	rc = indexer_build(&src, 1, 0, test_alloc, NULL, &ix, &err);
	UNIT_CHECK(rc == 0 && ix != NULL && search_terms(ix) == 100000,
	    "build limit: none, and the same page builds");
	free(ix);
	ix = NULL;
	src.textlen = 600;
	rc = indexer_build(&src, 1, 1024 * 1024, test_alloc, NULL, &ix, &err);
	UNIT_CHECK(rc == 0 && ix != NULL, "build limit: a small page fits");
	free(ix);
	buf_free(&text);
}

/* Excerpt of the first hit of a word in a one-page index. */
static const struct {
	const char	*name;
	const char	*text;
	const char	*q;
	const char	*want;
} excerpts[] = {
	{ "paragraph", "Plain text with a hit.\n", "hit",
	    "Plain text with a hit." },
	{ "link label without its URL", "=> /x.gmi A hit here\n", "hit",
	    "A hit here" },
	{ "list item", "* item with hit\n", "hit", "item with hit" },
	{ "quote", ">  quoted hit\n", "hit", "quoted hit" },
	{ "heading after the title", "# T\n## Sub hit\n", "hit", "Sub hit" },
	{ "title alone", "# Only hit\ntext\n", "hit", "Only hit" },
	{ "body rather than the title", "# Hit\nthe hit again\n", "hit",
	    "the hit again" },
	{ "CRLF line", "x\r\nthe hit\r\ny\r\n", "hit", "the hit" },
	{ "BOM", "\xef\xbb\xbfhit first\n", "hit", "hit first" },
	{ "control bytes become spaces", "a\tb\x01hit\n", "hit",
	    "a b hit" },
	{ "C1 controls become spaces", "a\xc2\x9b" "b\xc2\x85hit\n", "hit",
	    "a b hit" },
	{ "long line cut at both ends",
	    "one two three four five six seven eight nine ten eleven "
	    "twelve thirteen hit fourteen fifteen sixteen seventeen "
	    "eighteen nineteen twenty twentyone twentytwo twentythree "
	    "twentyfour twentyfive twentysix\n", "hit",
	    "\xe2\x80\xa6" "ten eleven twelve thirteen hit fourteen "
	    "fifteen sixteen seventeen eighteen nineteen twenty "
	    "twentyone\xe2\x80\xa6" },
};

static void
test_excerpts(void)
{
	struct page		 p;
	struct search_index	*ix;
	struct search_result	 r;
	char			 scratch[64], out[SEARCH_EXCERPT_MAX], name[96];
	size_t			 i, n;

	for (i = 0; i < sizeof(excerpts) / sizeof(excerpts[0]); i++) {
		p.path = "/p.gmi";
		p.text = excerpts[i].text;
		snprintf(name, sizeof(name), "excerpt: %s", excerpts[i].name);
		if ((ix = test_index(&p, 1)) == NULL) {
			UNIT_CHECK(0, "%s", name);
			continue;
		}
		memset(scratch, 0, sizeof(scratch));
		search_query(ix, excerpts[i].q, strlen(excerpts[i].q),
		    scratch, sizeof(scratch), &r);
		n = r.nhits == 1 ? results_excerpt(p.text, strlen(p.text),
		    r.hits[0].first, out, sizeof(out)) : 0;
		UNIT_STR_EQ(name, out, n, excerpts[i].want);
		free(ix);
	}
}

/* A line of 'é' words: every excerpt is valid UTF-8 within its bounds. */
static void
test_excerpt_utf8(void)
{
	struct page		 p;
	struct search_index	*ix;
	struct search_result	 r;
	struct buf		 b;
	char			 scratch[64], out[SEARCH_EXCERPT_MAX], small[8];
	size_t			 n, k;

	buf_init(&b);
	for (k = 0; k < 40; k++)
		buf_adds(&b, "\xc3\xa9\xc3\xa9\xc3\xa9 \xe4\xb8\xad\xe4\xb8\xad ");
	buf_adds(&b, "target");
	for (k = 0; k < 40; k++)
		buf_adds(&b, " \xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9");
	buf_addc(&b, '\0');
	p.path = "/u.gmi";
	p.text = b.data;
	if ((ix = test_index(&p, 1)) == NULL) {
		UNIT_CHECK(0, "excerpt UTF-8: index");
		buf_free(&b);
		return;
	}
	memset(scratch, 0, sizeof(scratch));
	search_query(ix, "target", 6, scratch, sizeof(scratch), &r);
	n = results_excerpt(b.data, b.len, r.hits[0].first, out,
	    sizeof(out));
	UNIT_CHECK(n > 0 && utf8_valid(out, n) && strstr(out, "target") &&
	    utf8_columns(out, n) <= SEARCH_EXCERPT_COLS + 2,
	    "excerpt UTF-8: valid, has the hit, at most %d columns (%zu)",
	    SEARCH_EXCERPT_COLS + 2, utf8_columns(out, n));
	n = results_excerpt(b.data, b.len, r.hits[0].first, small,
	    sizeof(small));
	UNIT_CHECK(n < sizeof(small) && utf8_valid(small, n),
	    "excerpt UTF-8: a small buffer is filled to a character boundary");
	free(ix);
	buf_free(&b);
}

/* Lines of a Gopher menu: four TAB fields, CRLF, ".\r\n" at the end. */
static int
menu_ok(const char *m, size_t len)
{
	const char	*line = m, *end = m + len, *crlf;
	size_t		 tabs;

	if (len < 3 || memcmp(end - 3, ".\r\n", 3) != 0)
		return 0;
	end -= 3;
	while (line < end) {
		if ((crlf = memchr(line, '\r', end - line)) == NULL ||
		    crlf + 1 >= end + 1 || crlf[1] != '\n')
			return 0;
		for (tabs = 0; line < crlf; line++) {
			if (*line == '\t')
				tabs++;
			if (*line == '\n' || *line == '\0')
				return 0;
		}
		if (tabs != 3)
			return 0;
		line = crlf + 2;
	}
	return 1;
}

static void
test_gemini(const struct snapshot_search *ss)
{
	static const struct {
		const char	*name;
		const char	*q;	/* NULL: no '?' */
		int		 status;
		const char	*prefix;
		const char	*has;
	} t[] = {
		{ "no query: the prompt", NULL, 10,
		    "10 Search the capsule\r\n", NULL },
		{ "empty query: the prompt", "", 10,
		    "10 Search the capsule\r\n", NULL },
		{ "only a space: the prompt", "%20", 10,
		    "10 Search the capsule\r\n", NULL },
		{ "percent-encoded words", "team%20decisions", 20,
		    "20 text/gemini\r\n# Search results\n\n"
		    "1 page contains every word of: team decisions\n",
		    "\n=> /a.gmi Team decisions\n> How a team makes "
		    "decisions.\n" },
		{ "plus is a separator", "team+decisions", 20,
		    "20 text/gemini\r\n", "=> /a.gmi Team decisions\n" },
		{ "encoded UTF-8", "CAF%C3%89", 20, "20 text/gemini\r\n",
		    "=> /d/ Caf\xc3\xa9 cr\xc3\xa8me\n" },
		{ "several results", "colleagues", 20, "20 text/gemini\r\n",
		    "2 pages contain every word of: colleagues\n\n"
		    "=> /e.gmi e.gmi\n" },
		{ "no hit says so and links back", "zzz", 20,
		    "20 text/gemini\r\n# Search results\n\n"
		    "No page contains every word of: zzz\n\n"
		    "=> /search Search again\n=> / Back to the index\n", NULL },
		{ "bad escape: 59", "a%2", 59, "59 Bad search query\r\n",
		    NULL },
		{ "NUL: 59", "a%00b", 59, "59 Bad search query\r\n", NULL },
		{ "not UTF-8: 59", "caf%E9", 59,
		    "59 Search query is not UTF-8\r\n", NULL },
		{ "newline in the query stays in its line", "x%0A=>%20/evil",
		    20, "20 text/gemini\r\n",
		    "every word of: x => /evil\n" },
		{ "C1 in the query becomes a space", "zzz%C2%9B31m", 20,
		    "20 text/gemini\r\n", "every word of: zzz 31m\n" },
	};
	struct buf	b;
	char		name[128];
	size_t		i, plen;
	int		status, ok;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		buf_init(&b);
		status = results_gemini(ss, t[i].q, t[i].q ? strlen(t[i].q) : 0,
		    &b);
		buf_addc(&b, '\0');
		plen = strlen(t[i].prefix);
		ok = status == t[i].status && b.len > plen &&
		    memcmp(b.data, t[i].prefix, plen) == 0 &&
		    (t[i].has == NULL || strstr(b.data, t[i].has) != NULL) &&
		    strstr(b.data, "\n=> /evil") == NULL &&
		    strstr(b.data, "\xc2\x9b") == NULL;
		snprintf(name, sizeof(name), "gemini search: %s", t[i].name);
		UNIT_CHECK(ok, "%s", name);
		if (!ok)
			unit_show("got", b.data, b.len - 1);
		buf_free(&b);
	}
}

static void
test_gemini_length(const struct snapshot_search *ss)
{
	char		q[SEARCH_QUERY_MAX * 3 + 4];
	struct buf	b;
	int		status;

	memset(q, 'a', SEARCH_QUERY_MAX);
	buf_init(&b);
	status = results_gemini(ss, q, SEARCH_QUERY_MAX, &b);
	UNIT_CHECK(status == 20, "gemini search: %d bytes is accepted",
	    SEARCH_QUERY_MAX);
	buf_free(&b);
	memset(q, 'a', SEARCH_QUERY_MAX + 1);
	buf_init(&b);
	status = results_gemini(ss, q, SEARCH_QUERY_MAX + 1, &b);
	UNIT_STR_EQ("gemini search: one byte more is 59", b.data, b.len,
	    "59 Search query too long\r\n");
	UNIT_CHECK(status == 59, "gemini search: status 59 returned");
	buf_free(&b);
	/* The limit is on the decoded query, not its encoding. */
	memset(q, 0, sizeof(q));
	for (status = 0; status < SEARCH_QUERY_MAX; status++)
		memcpy(q + status * 3, "%41", 3);
	buf_init(&b);
	status = results_gemini(ss, q, strlen(q), &b);
	UNIT_CHECK(status == 20, "gemini search: %d encoded bytes decode to "
	    "%d and are accepted", SEARCH_QUERY_MAX * 3, SEARCH_QUERY_MAX);
	buf_free(&b);
}

static void
test_gopher(const struct snapshot_search *ss)
{
	static const struct {
		const char	*name;
		const char	*q;
		const char	*has;
	} t[] = {
		{ "no search string: help menu", NULL,
		    "7Search the capsule\t/search\th\t70\r\n"
		    "1Back to the index\t/\th\t70\r\n.\r\n" },
		{ "empty search string: help menu", "",
		    "7Search the capsule\t/search\th\t70\r\n" },
		{ "no words: help menu", " ... ",
		    "7Search the capsule\t/search\th\t70\r\n" },
		{ "results are type 1 items", "team decisions",
		    "\r\n1Team decisions\t/a.gmi\th\t70\r\n"
		    "i> How a team makes decisions.\t\th\t70\r\n" },
		{ "directory pages keep their selector", "leadership",
		    "\r\n1Caf\xc3\xa9 cr\xc3\xa8me\t/d/\th\t70\r\n" },
		{ "search again is a type 7 item", "team",
		    "\r\n7Search again\t/search\th\t70\r\n"
		    "1Back to the index\t/\th\t70\r\n.\r\n" },
		{ "no hit says so", "zzz",
		    "iNo page contains every word\t\th\t70\r\n"
		    "iof: zzz\t\th\t70\r\n" },
		{ "C1 in the search string becomes a space",
		    "zzz\xc2\x9b" "31m", "iof: zzz 31m\t\th\t70\r\n" },
	};
	struct buf	b;
	char		name[128], q[SEARCH_QUERY_MAX + 2];
	size_t		i;
	int		ok;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		buf_init(&b);
		results_gopher(ss, t[i].q, t[i].q ? strlen(t[i].q) : 0, &b);
		ok = menu_ok(b.data, b.len);
		buf_addc(&b, '\0');
		ok = ok && strstr(b.data, t[i].has) != NULL &&
		    strstr(b.data, "\xc2\x9b") == NULL;
		snprintf(name, sizeof(name), "gopher search: %s", t[i].name);
		UNIT_CHECK(ok, "%s", name);
		if (!ok)
			unit_show("got", b.data, b.len - 1);
		buf_free(&b);
	}
	memset(q, 'a', sizeof(q));
	buf_init(&b);
	results_gopher(ss, q, SEARCH_QUERY_MAX + 1, &b);
	UNIT_STR_EQ("gopher search: too long is a type 3 line", b.data, b.len,
	    "3Search query too long\t\terror.host\t1\r\n.\r\n");
	buf_free(&b);
	buf_init(&b);
	results_gopher(ss, q, SEARCH_QUERY_MAX, &b);
	UNIT_CHECK(menu_ok(b.data, b.len), "gopher search: %d bytes answer "
	    "a menu", SEARCH_QUERY_MAX);
	buf_free(&b);
	buf_init(&b);
	results_gopher(ss, "caf\xe9", 4, &b);
	UNIT_STR_EQ("gopher search: not UTF-8 is a type 3 line", b.data,
	    b.len, "3Search query is not UTF-8\t\terror.host\t1\r\n.\r\n");
	buf_free(&b);
}

static void
test_gemtext_item(void)
{
	static const char	 page[] = "=> /search Find\n=> search Rel\n"
	    "=> gemini://h/search?x Abs\n=> /searching Other\n";
	struct gemtext_ctx	 ctx;
	struct buf		 b;

	memset(&ctx, 0, sizeof(ctx));
	ctx.host = "h";
	ctx.port = 70;
	ctx.dir = "/";
	ctx.search = SEARCH_PATH;
	buf_init(&b);
	gemtext_to_gopher(page, sizeof(page) - 1, &ctx, &b);
	UNIT_STR_EQ("gemtext: links to the search become type 7", b.data,
	    b.len, "7Find\t/search\th\t70\r\n7Rel\t/search\th\t70\r\n"
	    "7Abs\t/search\th\t70\r\n9Other\t/searching\th\t70\r\n");
	buf_free(&b);
	ctx.search = NULL;
	buf_init(&b);
	gemtext_to_gopher(page, 16, &ctx, &b);
	UNIT_CHECK(b.len > 0 && b.data[0] != '7',
	    "gemtext: without a search the link is no type 7 item");
	buf_free(&b);
}

int
main(void)
{
	struct search_index	*ix;
	struct snapshot_search	 ss;
	void			*scratch;
	size_t			 size;

	UNIT_PLAN(145);
	test_words();
	test_word_offsets();
	if ((ix = test_index(corpus, sizeof(corpus) /
	    sizeof(corpus[0]))) == NULL) {
		UNIT_CHECK(0, "corpus index built");
		UNIT_DONE();
	}
	size = search_scratch_size(ix);
	scratch = calloc(1, size);
	test_queries(ix, scratch, size);
	test_query_limits(ix, scratch, size);
	test_titles(ix);
	test_results_cap();
	test_work_limit();
	test_empty_index();
	test_build_limit();
	test_excerpts();
	test_excerpt_utf8();

	memset(&ss, 0, sizeof(ss));
	ss.index = ix;
	ss.prompt = "Search the capsule";
	ss.promptlen = strlen(ss.prompt);
	ss.input = "10 Search the capsule\r\n";
	ss.inputlen = strlen(ss.input);
	ss.header = "20 text/gemini\r\n";
	ss.headerlen = strlen(ss.header);
	ss.host = "h";
	ss.gopher_port = 70;
	UNIT_CHECK(results_match(&ss, S("/search")) &&
	    !results_match(&ss, S("/search/")) &&
	    !results_match(&ss, S("/searc")) &&
	    !results_match(NULL, S("/search")),
	    "results_match: only the search path, only when on");
	test_gemini(&ss);
	test_gemini_length(&ss);
	test_gopher(&ss);
	test_gemtext_item();
	free(scratch);
	free(ix);
	UNIT_DONE();
}
