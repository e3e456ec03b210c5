/*
 * search.c: queries over a search index (searchindex.h, built by indexer.c).
 * A query is an AND of its words, cut by words.c; a word of
 * SEARCH_PREFIX_MIN bytes or more also matches up to SEARCH_EXPAND_MAX
 * index words it begins.  Pages rank by the sum over the words of weight
 * times rarity, a whole-word match counting twice a prefix match; ties go
 * to the page whose hit comes first, then to path order.  The best
 * SEARCH_RESULTS_MAX are kept.
 *
 * Pure: no I/O, and a query allocates nothing: it works in a scratch
 * block the caller owns (search_scratch_size bytes, zeroed once), reads
 * at most SEARCH_WORK_MAX postings, and leaves the block zeroed again,
 * touching only what it used.
 */

#include <string.h>

#include "search.h"
#include "searchindex.h"

static uint32_t
search_varint_get(const unsigned char **pp)
{
	const unsigned char	*p = *pp;
	uint32_t		 v = 0;
	int			 shift = 0;

	do {
		v |= (uint32_t)(*p & 0x7f) << shift;
		shift += 7;
	} while ((*p++ & 0x80) != 0 && shift < 35);
	*pp = p;
	return v;
}

size_t
search_bytes(const struct search_index *ix)
{
	return ix->bytes;
}

size_t
search_count(const struct search_index *ix)
{
	return ix->npages;
}

size_t
search_terms(const struct search_index *ix)
{
	return ix->nterms;
}

/* Per page: a mark byte, then score, first hit and a touched list. */
size_t
search_scratch_size(const struct search_index *ix)
{
	return ((ix->npages + 7) & ~(size_t)7) + (size_t)ix->npages * 12 + 16;
}

/* The first word in the table not below w. */
static uint32_t
search_lower_bound(const struct search_index *ix, const char *w)
{
	uint32_t	lo = 0, hi = ix->nterms, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (strcmp(ix->names + ix->terms[mid].name, w) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct query_word {
	char		 w[SEARCH_TERM_MAX + 1];
	size_t		 len;
	uint32_t	 lo;		/* index words [lo, hi) match it */
	uint32_t	 hi;
	int		 exact;		/* lo is the word itself */
	uint64_t	 npost;
};

/* Is a better than b: more score, then an earlier hit, then path order. */
static int
search_better(const struct search_hit *a, const struct search_hit *b)
{
	if (a->score != b->score)
		return a->score > b->score;
	if (a->first != b->first)
		return a->first < b->first;
	return a->page < b->page;
}

static void
search_keep(struct search_result *r, const struct search_hit *h)
{
	size_t	i;

	if (r->nhits == SEARCH_RESULTS_MAX &&
	    !search_better(h, &r->hits[SEARCH_RESULTS_MAX - 1]))
		return;
	i = r->nhits < SEARCH_RESULTS_MAX ? r->nhits++ : SEARCH_RESULTS_MAX - 1;
	while (i > 0 && search_better(h, &r->hits[i - 1])) {
		r->hits[i] = r->hits[i - 1];
		i--;
	}
	r->hits[i] = *h;
}

/* The words of a query, each looked up; 0 if one has no match. */
static int
search_lookup(const struct search_index *ix, const char *q, size_t qlen,
    struct query_word *qw, struct search_result *r)
{
	struct query_word	 t;
	size_t			 off = 0, start, len, i, n = 0;
	uint32_t		 k;
	int			 found = 1;

	while ((len = words_next(q, qlen, &off, t.w, &start)) > 0) {
		for (i = 0; i < n && strcmp(qw[i].w, t.w) != 0; i++)
			;
		if (i < n)
			continue;	/* said twice */
		if (n == SEARCH_WORDS_MAX) {
			r->dropped = 1;
			break;
		}
		t.len = len;
		t.lo = t.hi = search_lower_bound(ix, t.w);
		t.exact = t.lo < ix->nterms &&
		    strcmp(ix->names + ix->terms[t.lo].name, t.w) == 0;
		if (len >= SEARCH_PREFIX_MIN) {
			while (t.hi < ix->nterms &&
			    t.hi - t.lo < SEARCH_EXPAND_MAX &&
			    strncmp(ix->names + ix->terms[t.hi].name, t.w,
			    len) == 0)
				t.hi++;
		} else if (t.exact)
			t.hi++;
		t.npost = 0;
		for (k = t.lo; k < t.hi; k++)
			t.npost += ix->terms[k].npost;
		if (t.hi == t.lo)
			found = 0;
		/* Rarest first: fewer pages stay candidates. */
		for (i = n; i > 0 && qw[i - 1].npost > t.npost; i--)
			qw[i] = qw[i - 1];
		qw[i] = t;
		n++;
	}
	r->nwords = n;
	return found;
}

/*
 * Run a query (UTF-8 text) against the index.  r->nwords == 0 means the
 * query had no word to look for.  scratch must hold
 * search_scratch_size(ix) bytes, all zero before the first query; every
 * query leaves it so.  Returns -1 only when scratch is too small.
 */
int
search_query(const struct search_index *ix, const char *q, size_t qlen,
    void *scratch, size_t size, struct search_result *r)
{
	struct query_word	 qw[SEARCH_WORDS_MAX];
	struct search_hit	 h;
	unsigned char		*mark = scratch;
	uint32_t		*score, *first, *touched;
	size_t			 ntouched = 0, work = 0, i, k, advanced;
	uint32_t		 t, page, weight, off, add, mult;
	const unsigned char	*p;

	memset(r, 0, sizeof(*r));
	if (!search_lookup(ix, q, qlen, qw, r) || r->nwords == 0)
		return 0;
	if (size < search_scratch_size(ix))
		return -1;
	score = (uint32_t *)(mark + ((ix->npages + 7) & ~(size_t)7));
	first = score + ix->npages;
	touched = first + ix->npages;
	for (i = 0; i < r->nwords; i++) {
		advanced = 0;
		for (t = qw[i].lo; t < qw[i].hi; t++) {
			mult = qw[i].exact && t == qw[i].lo ? 2 : 1;
			p = ix->post + ix->terms[t].post;
			page = 0;
			for (k = 0; k < ix->terms[t].npost; k++) {
				page += search_varint_get(&p);
				weight = search_varint_get(&p);
				off = search_varint_get(&p);
				if (++work > SEARCH_WORK_MAX) {
					r->partial = 1;
					goto collect;
				}
				if (page >= ix->npages)
					goto collect;	/* cannot happen */
				if (mark[page] == i) {
					if (i == 0) {
						touched[ntouched++] = page;
						score[page] = 0;
						first[page] = off;
					}
					mark[page] = (unsigned char)(i + 1);
					advanced++;
				} else if (mark[page] != i + 1)
					continue;
				add = weight * ix->terms[t].idf * mult;
				score[page] = score[page] > UINT32_MAX - add ?
				    UINT32_MAX : score[page] + add;
				if (off < first[page])
					first[page] = off;
			}
		}
		if (advanced == 0)
			break;	/* no page has every word so far */
	}
collect:
	for (k = 0; k < ntouched; k++) {
		page = touched[k];
		if (mark[page] == r->nwords) {
			r->matches++;
			h.page = page;
			h.score = score[page];
			h.first = first[page];
			search_keep(r, &h);
		}
		mark[page] = 0;
		score[page] = first[page] = touched[k] = 0;
	}
	return 0;
}

/* What the results show of a page. */
void
search_doc(const struct search_index *ix, uint32_t page, struct search_doc *d)
{
	const struct search_page	*pg = &ix->pages[page];

	d->path = pg->path;
	d->pathlen = pg->pathlen;
	d->title = pg->title;
	d->titlelen = pg->titlelen;
	d->text = pg->text;
	d->textlen = pg->textlen;
}
