/*
 * indexer.c: builds the search index of a capsule's gemtext pages.
 * Words come from the visible text of every line (headings, paragraphs,
 * list items, quotes, link labels, preformatted text; never link URLs),
 * cut by words.c.  Each (word, page) pair gets a weight: a hit in the
 * page's title (its first heading) counts SEARCH_WEIGHT_TITLE, one in
 * another heading SEARCH_WEIGHT_HEADING, body hits count up to
 * SEARCH_TF_CAP; and the offset of the hit to show, preferably one in
 * the text rather than the title.  Each word gets its rarity (inverse
 * document frequency).  Building uses temporary heap memory; the result
 * is laid out in one block from the caller's allocator (searchindex.h).
 * Pure: no I/O.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "search.h"
#include "searchindex.h"

#define SEARCH_WEIGHT_TITLE	8	/* a hit in the page's title */
#define SEARCH_WEIGHT_HEADING	3	/* a hit in another heading */
#define SEARCH_TF_CAP		5	/* body hits that still add weight */

#define CLASS_BODY	0
#define CLASS_HEADING	1
#define CLASS_TITLE	2

/* While building: one word and one (word, page) posting. */
struct indexer_term {
	uint32_t	 name;		/* offset in the pool */
	uint32_t	 len;
	uint32_t	 hash;
	uint32_t	 lastpage;	/* page of the posting at slot */
	uint32_t	 slot;
	uint32_t	 npost;
};

struct indexer_post {		/* 16 bytes: there are millions */
	uint32_t	 term;
	uint32_t	 page;
	uint32_t	 first:31;	/* pages are at most SNAPSHOT_GMI_MAX */
	uint32_t	 firsttitle:1;	/* first is only the title's hit */
	uint16_t	 body;
	uint8_t		 heading;
	uint8_t		 title;
};

struct indexer {
	struct indexer_term	*terms;
	size_t			 nterms;
	size_t			 termcap;
	uint32_t		*table;		/* term + 1, 0 free */
	size_t			 tmask;
	char			*pool;
	size_t			 poollen;
	size_t			 poolcap;
	struct indexer_post	*posts;
	size_t			 nposts;
	size_t			 postcap;
	size_t			 max;		/* working bytes; 0: no limit */
	size_t			 held;		/* working bytes allocated */
	int			 over;		/* max would have been passed */
};

static const char	*indexer_sort_pool;	/* for indexer_cmp */

/*
 * Count bytes of working memory about to be allocated; -1 (and over)
 * when they would pass the caller's limit, which is how a page of
 * millions of distinct words is refused at its budget, not after.
 */
static int
indexer_take(struct indexer *x, size_t bytes)
{
	if (x->max != 0 && (bytes > x->max || x->held > x->max - bytes)) {
		x->over = 1;
		return -1;
	}
	x->held += bytes;
	return 0;
}

/* p with room for need elements of size bytes, or NULL (p kept). */
static void *
indexer_grow(struct indexer *x, void *p, size_t *cap, size_t need,
    size_t size)
{
	size_t	ncap = *cap ? *cap : 64;

	if (need <= *cap)
		return p;
	while (ncap < need)
		ncap *= 2;
	if (ncap > SIZE_MAX / size ||
	    indexer_take(x, (ncap - *cap) * size) == -1)
		return NULL;
	if ((p = reallocarray(p, ncap, size)) != NULL)
		*cap = ncap;
	return p;
}

static int
indexer_rehash(struct indexer *x)
{
	size_t		 size = (x->tmask + 1) * 2, i, slot;
	uint32_t	*t;

	if (size < 1024)
		size = 1024;
	if (indexer_take(x, size * sizeof(*t)) == -1 ||
	    (t = calloc(size, sizeof(*t))) == NULL)
		return -1;
	if (x->table != NULL)
		x->held -= (x->tmask + 1) * sizeof(*t);
	for (i = 0; i < x->nterms; i++) {
		slot = x->terms[i].hash & (size - 1);
		while (t[slot] != 0)
			slot = (slot + 1) & (size - 1);
		t[slot] = (uint32_t)i + 1;
	}
	free(x->table);
	x->table = t;
	x->tmask = size - 1;
	return 0;
}

/* The id of a word, added if new; -1 when memory ran out. */
static long
indexer_word(struct indexer *x, const char *w, size_t len)
{
	struct indexer_term	*t;
	void			*np;
	uint32_t		 h = hash_bytes(w, len);
	size_t			 slot;

	if (x->table == NULL || (x->nterms + 1) * 2 > x->tmask + 1)
		if (indexer_rehash(x) == -1)
			return -1;
	for (slot = h & x->tmask; x->table[slot] != 0;
	    slot = (slot + 1) & x->tmask) {
		t = &x->terms[x->table[slot] - 1];
		if (t->hash == h && t->len == len &&
		    memcmp(x->pool + t->name, w, len) == 0)
			return (long)(x->table[slot] - 1);
	}
	if (x->nterms >= UINT32_MAX - 1)
		return -1;
	if ((np = indexer_grow(x, x->terms, &x->termcap, x->nterms + 1,
	    sizeof(*x->terms))) == NULL)
		return -1;
	x->terms = np;
	if ((np = indexer_grow(x, x->pool, &x->poolcap, x->poollen + len + 1,
	    1)) == NULL)
		return -1;
	x->pool = np;
	t = &x->terms[x->nterms];
	t->name = (uint32_t)x->poollen;
	t->len = (uint32_t)len;
	t->hash = h;
	t->lastpage = UINT32_MAX;
	t->npost = 0;
	memcpy(x->pool + x->poollen, w, len + 1);
	x->poollen += len + 1;
	x->table[slot] = (uint32_t)x->nterms + 1;
	return (long)x->nterms++;
}

/* Count one hit of word w at offset off of page. */
static int
indexer_hit(struct indexer *x, uint32_t page, const char *w, size_t len,
    size_t off, int class)
{
	struct indexer_term	*t;
	struct indexer_post	*p;
	void			*np;
	long			 id;

	if ((id = indexer_word(x, w, len)) == -1)
		return -1;
	t = &x->terms[id];
	if (t->lastpage != page) {
		if ((np = indexer_grow(x, x->posts, &x->postcap, x->nposts + 1,
		    sizeof(*x->posts))) == NULL)
			return -1;
		x->posts = np;
		p = &x->posts[x->nposts];
		memset(p, 0, sizeof(*p));
		p->term = (uint32_t)id;
		p->page = page;
		p->first = (uint32_t)off & 0x7fffffff;
		p->firsttitle = class == CLASS_TITLE;
		t->lastpage = page;
		t->slot = (uint32_t)x->nposts++;
		t->npost++;
	}
	p = &x->posts[t->slot];
	/* Show a hit in the text rather than the title repeated. */
	if (p->firsttitle && class != CLASS_TITLE) {
		p->first = (uint32_t)off & 0x7fffffff;
		p->firsttitle = 0;
	}
	if (class == CLASS_TITLE && p->title < UINT8_MAX)
		p->title++;
	else if (class == CLASS_HEADING && p->heading < UINT8_MAX)
		p->heading++;
	else if (class == CLASS_BODY && p->body < UINT16_MAX)
		p->body++;
	return 0;
}

static int
indexer_text(struct indexer *x, uint32_t page, const char *text, size_t from,
    size_t to, int class)
{
	char	term[SEARCH_TERM_MAX + 1];
	size_t	off = from, start, len;

	while ((len = words_next(text, to, &off, term, &start)) > 0)
		if (indexer_hit(x, page, term, len, start, class) == -1)
			return -1;
	return 0;
}

/* A heading: the page's title if it is the first one with text. */
static int
indexer_title(struct search_page *pg, const char *s, size_t len)
{
	if (pg->title != NULL || len == 0)
		return CLASS_HEADING;
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	pg->title = s;
	pg->titlelen = (uint32_t)len;
	return CLASS_TITLE;
}

/* Index one page; its title (first heading) is returned in pg. */
static int
indexer_page(struct indexer *x, uint32_t page, const char *text, size_t len,
    struct search_page *pg)
{
	size_t	off = 0, n, end, vis;
	int	pre = 0, class;

	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		off = 3;
	while (off < len) {
		const char	*lf = memchr(text + off, '\n', len - off);

		end = lf != NULL ? (size_t)(lf - text) : len;
		n = end - off;
		if (n > 0 && text[off + n - 1] == '\r')
			n--;
		if (n >= 3 && memcmp(text + off, "```", 3) == 0)
			pre = !pre;
		else if (pre) {
			if (indexer_text(x, page, text, off, off + n,
			    CLASS_BODY) == -1)
				return -1;
		} else {
			vis = words_line_text(text + off, n);
			class = CLASS_BODY;
			if (n > 0 && text[off] == '#')
				class = indexer_title(pg, text + off + vis,
				    n - vis);
			if (indexer_text(x, page, text, off + vis, off + n,
			    class) == -1)
				return -1;
		}
		off = end + 1;
	}
	return 0;
}

/* 16 * log2(num / den) for num >= den, to a sixteenth. */
static unsigned
indexer_log2x16(uint64_t num, uint64_t den)
{
	uint64_t	x = num * 65536 / den;
	unsigned	bits = 0;

	while (x >> (bits + 1) != 0)
		bits++;
	if (bits < 16)
		return 0;
	return (bits - 16) * 16 + (unsigned)((x >> (bits - 4)) & 0xf);
}

static size_t
indexer_varint_len(uint32_t v)
{
	size_t	n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

static unsigned char *
indexer_varint_put(unsigned char *p, uint32_t v)
{
	while (v >= 0x80) {
		*p++ = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	*p++ = (unsigned char)v;
	return p;
}

static uint32_t
indexer_weight(const struct indexer_post *p)
{
	uint32_t	w;

	w = (p->body < SEARCH_TF_CAP ? p->body : SEARCH_TF_CAP) +
	    SEARCH_WEIGHT_HEADING * (uint32_t)p->heading +
	    SEARCH_WEIGHT_TITLE * (uint32_t)p->title;
	return w > UINT16_MAX ? UINT16_MAX : w;
}

static int
indexer_cmp(const void *a, const void *b)
{
	const struct indexer_term	*ta = a, *tb = b;

	return strcmp(indexer_sort_pool + ta->name,
	    indexer_sort_pool + tb->name);
}

/*
 * Lay the index out in one block from alloc: header, pages, the sorted
 * word table, the words, the posting lists.
 */
static int
indexer_finish(struct indexer *x, struct search_page *pages, size_t npages,
    void *(*alloc)(void *, size_t), void *arg, struct search_index **out)
{
	struct search_index	*ix;
	struct search_term	*terms;
	uint32_t		*rank = NULL, *start = NULL, *order = NULL;
	unsigned char		*post, *w;
	char			*names;
	size_t			 i, j, postbytes = 0, size, prev;
	int			 rc = -1;

	/* Sort the words; posts keep their page order per word. */
	indexer_sort_pool = x->pool;
	for (i = 0; i < x->nterms; i++)
		x->terms[i].slot = (uint32_t)i;	/* old id */
	/* No gemtext, no words, no terms array: qsort(NULL) is undefined. */
	if (x->nterms > 0)
		qsort(x->terms, x->nterms, sizeof(*x->terms), indexer_cmp);
	if (indexer_take(x, (x->nterms + 1) * 2 * sizeof(*rank) +
	    (x->nposts + 1) * sizeof(*order)) == -1 ||
	    (rank = calloc(x->nterms + 1, sizeof(*rank))) == NULL ||
	    (start = calloc(x->nterms + 1, sizeof(*start))) == NULL ||
	    (order = calloc(x->nposts + 1, sizeof(*order))) == NULL)
		goto done;
	for (i = 0; i < x->nterms; i++) {
		rank[x->terms[i].slot] = (uint32_t)i;
		start[i + 1] = start[i] + x->terms[i].npost;
	}
	for (i = 0; i < x->nposts; i++) {
		struct indexer_post	*p = &x->posts[i];
		uint32_t		 r = rank[p->term];

		order[start[r]++] = (uint32_t)i;
		postbytes += indexer_varint_len(p->page) +
		    indexer_varint_len(indexer_weight(p)) +
		    indexer_varint_len(p->first);
	}
	size = sizeof(*ix) + npages * sizeof(*pages) +
	    x->nterms * sizeof(*terms) + x->poollen + postbytes;
	if (postbytes > UINT32_MAX || x->poollen > UINT32_MAX ||
	    (ix = alloc(arg, size)) == NULL)
		goto done;
	ix->bytes = size;
	ix->npages = (uint32_t)npages;
	ix->nterms = (uint32_t)x->nterms;
	memcpy((char *)(ix + 1), pages, npages * sizeof(*pages));
	ix->pages = (const struct search_page *)(ix + 1);
	terms = (struct search_term *)((char *)(ix + 1) +
	    npages * sizeof(*pages));
	names = (char *)(terms + x->nterms);
	post = (unsigned char *)names + x->poollen;
	ix->terms = terms;
	ix->names = names;
	ix->post = post;
	w = post;
	for (i = 0, j = 0; i < x->nterms; i++) {
		const struct indexer_term	*t = &x->terms[i];
		size_t			 k, end = j + t->npost;

		terms[i].name = (uint32_t)(names - ix->names);
		terms[i].len = (uint16_t)t->len;
		terms[i].post = (uint32_t)(w - post);
		terms[i].npost = t->npost;
		terms[i].idf = (uint16_t)(16 + indexer_log2x16(npages + 1,
		    t->npost));
		memcpy(names, x->pool + t->name, t->len + 1);
		names += t->len + 1;
		for (prev = 0, k = j; k < end; k++) {
			const struct indexer_post *p = &x->posts[order[k]];

			w = indexer_varint_put(w, p->page - (uint32_t)prev);
			w = indexer_varint_put(w, indexer_weight(p));
			w = indexer_varint_put(w, p->first);
			prev = p->page;
		}
		j = end;
	}
	*out = ix;
	rc = 0;
done:
	free(rank);
	free(start);
	free(order);
	return rc;
}

/*
 * Build the index of n pages.  The index is one block from alloc(arg,
 * size), which must stay valid as long as the index is used (the
 * snapshot's arena); the pages' strings are referenced, not copied.
 * Building takes working memory (the words, the postings, a hash
 * table) of at most max bytes (0: no limit); past it the build fails
 * and says so.
 */
int
indexer_build(const struct search_source *src, size_t n, size_t max,
    void *(*alloc)(void *, size_t), void *arg, struct search_index **out,
    const char **errstr)
{
	static char		 err[96];
	struct indexer		 x;
	struct search_page	*pages = NULL;
	size_t			 i;
	int			 rc = -1;

	*out = NULL;
	memset(&x, 0, sizeof(x));
	x.max = max;
	if (n >= UINT32_MAX || (pages = calloc(n + 1, sizeof(*pages))) == NULL)
		goto nomem;
	for (i = 0; i < n; i++) {
		if (src[i].textlen > 0x7fffffff ||
		    src[i].pathlen >= UINT32_MAX) {
			*errstr = "page too large to index";
			goto done;
		}
		pages[i].path = src[i].path;
		pages[i].pathlen = (uint32_t)src[i].pathlen;
		pages[i].text = src[i].text;
		pages[i].textlen = (uint32_t)src[i].textlen;
		if (indexer_page(&x, (uint32_t)i, src[i].text, src[i].textlen,
		    &pages[i]) == -1)
			goto nomem;
		if (pages[i].title == NULL) {
			pages[i].title = src[i].name;
			pages[i].titlelen = (uint32_t)src[i].namelen;
		}
	}
	if (indexer_finish(&x, pages, n, alloc, arg, out) == -1)
		goto nomem;
	rc = 0;
	goto done;
nomem:
	*errstr = "out of memory";
	if (x.over) {
		snprintf(err, sizeof(err), "indexing would take more than "
		    "%zu MiB", max / (1024 * 1024));
		*errstr = err;
	}
done:
	free(pages);
	free(x.terms);
	free(x.table);
	free(x.pool);
	free(x.posts);
	return rc;
}
