/*
 * search.c: the capsule's full-text index and its queries.  Words are
 * cut from the visible text of every gemtext page (headings, paragraphs,
 * list items, quotes, link labels, preformatted text; never link URLs),
 * case-folded (ASCII, Latin-1, Latin Extended-A, Greek, Cyrillic), with
 * punctuation as separators.  The index is one block: a sorted table of
 * words, each with a posting list of (page, weight, first hit) packed as
 * varints, found by binary search.  A query is an AND of its words; a
 * word of SEARCH_PREFIX_MIN bytes or more also matches the index words it
 * begins.  Pages rank by weighted frequency (title and heading hits count
 * more, body hits saturate), rarer words count more, whole-word matches
 * count twice a prefix match; ties go to the page whose hit comes first.
 *
 * Pure: no I/O, no sockets.  A query allocates nothing: it works in a
 * scratch block the caller owns (search_scratch_size bytes, zeroed once)
 * and reads at most SEARCH_WORK_MAX postings; it leaves the block zeroed
 * again, touching only what it used.
 */

#include <stdlib.h>
#include <string.h>

#include "capsuled.h"

#define SEARCH_WEIGHT_TITLE	8	/* a hit in the page's title */
#define SEARCH_WEIGHT_HEADING	3	/* a hit in another heading */
#define SEARCH_TF_CAP		5	/* body hits that still add weight */
#define SEARCH_EXCERPT_LEAD	30	/* columns shown before the hit */

#define CLASS_BODY	0
#define CLASS_HEADING	1
#define CLASS_TITLE	2

struct search_page {
	const char	*path;
	const char	*text;
	const char	*title;
	uint32_t	 pathlen;
	uint32_t	 textlen;
	uint32_t	 titlelen;
};

struct search_term {
	uint32_t	 name;		/* offset in names, NUL-terminated */
	uint32_t	 post;		/* offset in post */
	uint32_t	 npost;		/* pages that have the word */
	uint16_t	 idf;		/* rarity, 16ths of a bit, + 16 */
	uint16_t	 len;
};

struct search_index {
	size_t				 bytes;		/* the whole block */
	uint32_t			 npages;
	uint32_t			 nterms;
	const struct search_page	*pages;
	const struct search_term	*terms;
	const char			*names;
	const unsigned char		*post;
};

/* While building: one word and one (word, page) posting. */
struct build_term {
	uint32_t	 name;		/* offset in the pool */
	uint32_t	 len;
	uint32_t	 hash;
	uint32_t	 lastpage;	/* page of the posting at slot */
	uint32_t	 slot;
	uint32_t	 npost;
};

struct build_post {
	uint32_t	 term;
	uint32_t	 page;
	uint32_t	 first;
	uint16_t	 body;
	uint8_t		 heading;
	uint8_t		 title;
	uint8_t		 firsttitle;	/* first is only the title's hit */
};

struct build {
	struct build_term	*terms;
	size_t			 nterms;
	size_t			 termcap;
	uint32_t		*table;		/* term + 1, 0 free */
	size_t			 tmask;
	char			*pool;
	size_t			 poollen;
	size_t			 poolcap;
	struct build_post	*posts;
	size_t			 nposts;
	size_t			 postcap;
};

/*
 * The case-folded form of a code point that belongs to a word, or 0 for
 * a separator: punctuation, symbols, spaces and controls of every
 * script, so that "it's," and "(it's)" give the same word.
 */
static uint32_t
search_fold(uint32_t c)
{
	if (c < 0x80) {
		if (c >= 'A' && c <= 'Z')
			return c + 0x20;
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
			return c;
		return 0;
	}
	if (c < 0xc0)		/* Latin-1 signs; ª µ º are letters */
		return c == 0xaa || c == 0xb5 || c == 0xba ? c : 0;
	if (c == 0xd7 || c == 0xf7)	/* × ÷ */
		return 0;
	if (c <= 0xde)
		return c + 0x20;
	if (c <= 0xff)
		return c;
	if (c <= 0x17f) {	/* Latin Extended-A: pairs */
		if (c == 0x130)
			return 'i';
		if (c == 0x178)
			return 0xff;
		if ((c < 0x138 || (c >= 0x14a && c < 0x178)) && c % 2 == 0)
			return c + 1;
		if (((c > 0x138 && c < 0x149) || (c > 0x178 && c < 0x17f)) &&
		    c % 2 == 1)
			return c + 1;
		return c;
	}
	if (c >= 0x391 && c <= 0x3a9 && c != 0x3a2)	/* Greek */
		return c + 0x20;
	if (c >= 0x410 && c <= 0x42f)			/* Cyrillic */
		return c + 0x20;
	if (c >= 0x400 && c <= 0x40f)
		return c + 0x50;
	if ((c >= 0x2000 && c <= 0x2bff) ||	/* punctuation, symbols */
	    (c >= 0x2e00 && c <= 0x2e7f) || (c >= 0x3000 && c <= 0x303f) ||
	    (c >= 0xd800 && c <= 0xf8ff) || (c >= 0xfe10 && c <= 0xfe6f) ||
	    (c >= 0xff00 && c <= 0xff0f) || (c >= 0xff1a && c <= 0xff20) ||
	    (c >= 0xff3b && c <= 0xff40) || (c >= 0xff5b && c <= 0xff65) ||
	    c == 0xfeff || c >= 0xfff0 ||
	    (c >= 0x1f000 && c <= 0x1faff) || c >= 0xe0000)
		return 0;
	return c;
}

/* An apostrophe inside a word is dropped: "it's" is the word "its". */
static int
search_apostrophe(uint32_t c)
{
	return c == '\'' || c == 0x2019 || c == 0x2bc;
}

static size_t
search_encode(uint32_t c, char *p)
{
	if (c < 0x80) {
		p[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		p[0] = (char)(0xc0 | (c >> 6));
		p[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		p[0] = (char)(0xe0 | (c >> 12));
		p[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		p[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	p[0] = (char)(0xf0 | (c >> 18));
	p[1] = (char)(0x80 | ((c >> 12) & 0x3f));
	p[2] = (char)(0x80 | ((c >> 6) & 0x3f));
	p[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

/* The folded code point at s (0: separator), its length in *n. */
static uint32_t
search_char(const char *s, size_t len, size_t *n)
{
	uint32_t	cp;

	if ((*n = utf8_next(s, len, &cp)) == 0) {
		*n = 1;		/* a byte that is not UTF-8 separates */
		return 0;
	}
	return search_fold(cp);
}

/*
 * The next word of s at or after *off: its folded form goes into term
 * (SEARCH_TERM_MAX + 1 bytes, NUL-terminated; a longer word is cut at a
 * character boundary), *start is its byte offset in s, and *off moves
 * past it.  Returns the folded length, 0 when no word is left.
 */
size_t
search_word(const char *s, size_t len, size_t *off, char *term, size_t *start)
{
	char		 enc[4];
	size_t		 i = *off, n, m, e, tlen = 0;
	uint32_t	 f, cp;
	int		 inword = 0, full = 0;

	while (i < len) {
		f = search_char(s + i, len - i, &n);
		if (f == 0 && inword && utf8_next(s + i, len - i, &cp) != 0 &&
		    search_apostrophe(cp) && i + n < len &&
		    search_char(s + i + n, len - i - n, &m) != 0) {
			i += n;
			continue;
		}
		if (f == 0) {
			if (inword)
				break;
			i += n;
			continue;
		}
		if (!inword) {
			inword = 1;
			*start = i;
		}
		e = search_encode(f, enc);
		if (!full && tlen + e <= SEARCH_TERM_MAX) {
			memcpy(term + tlen, enc, e);
			tlen += e;
		} else
			full = 1;
		i += n;
	}
	*off = i;
	term[tlen] = '\0';
	return tlen;
}

static uint32_t
search_hash(const char *p, size_t len)
{
	uint32_t	h = 2166136261u;	/* FNV-1a */
	size_t		i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)p[i];
		h *= 16777619u;
	}
	return h;
}

static int
build_grow(void **p, size_t *cap, size_t need, size_t size)
{
	size_t	ncap = *cap ? *cap : 64;
	void	*np;

	if (need <= *cap)
		return 0;
	while (ncap < need)
		ncap *= 2;
	if ((np = reallocarray(*p, ncap, size)) == NULL)
		return -1;
	*p = np;
	*cap = ncap;
	return 0;
}

static int
build_rehash(struct build *b)
{
	size_t		 size = (b->tmask + 1) * 2, i, slot;
	uint32_t	*t;

	if (size < 1024)
		size = 1024;
	if ((t = calloc(size, sizeof(*t))) == NULL)
		return -1;
	for (i = 0; i < b->nterms; i++) {
		slot = b->terms[i].hash & (size - 1);
		while (t[slot] != 0)
			slot = (slot + 1) & (size - 1);
		t[slot] = (uint32_t)i + 1;
	}
	free(b->table);
	b->table = t;
	b->tmask = size - 1;
	return 0;
}

/* The id of a word, added if new; -1 when memory ran out. */
static long
build_term(struct build *b, const char *w, size_t len)
{
	struct build_term	*t;
	uint32_t		 h = search_hash(w, len);
	size_t			 slot;

	if (b->table == NULL || (b->nterms + 1) * 2 > b->tmask + 1)
		if (build_rehash(b) == -1)
			return -1;
	for (slot = h & b->tmask; b->table[slot] != 0;
	    slot = (slot + 1) & b->tmask) {
		t = &b->terms[b->table[slot] - 1];
		if (t->hash == h && t->len == len &&
		    memcmp(b->pool + t->name, w, len) == 0)
			return (long)(b->table[slot] - 1);
	}
	if (b->nterms >= UINT32_MAX - 1 ||
	    build_grow((void **)&b->terms, &b->termcap, b->nterms + 1,
	    sizeof(*b->terms)) == -1 ||
	    build_grow((void **)&b->pool, &b->poolcap, b->poollen + len + 1,
	    1) == -1)
		return -1;
	t = &b->terms[b->nterms];
	t->name = (uint32_t)b->poollen;
	t->len = (uint32_t)len;
	t->hash = h;
	t->lastpage = UINT32_MAX;
	t->npost = 0;
	memcpy(b->pool + b->poollen, w, len + 1);
	b->poollen += len + 1;
	b->table[slot] = (uint32_t)b->nterms + 1;
	return (long)b->nterms++;
}

/* Count one hit of word w at offset off of page. */
static int
build_hit(struct build *b, uint32_t page, const char *w, size_t len,
    size_t off, int class)
{
	struct build_term	*t;
	struct build_post	*p;
	long			 id;

	if ((id = build_term(b, w, len)) == -1)
		return -1;
	t = &b->terms[id];
	if (t->lastpage != page) {
		if (build_grow((void **)&b->posts, &b->postcap, b->nposts + 1,
		    sizeof(*b->posts)) == -1)
			return -1;
		p = &b->posts[b->nposts];
		memset(p, 0, sizeof(*p));
		p->term = (uint32_t)id;
		p->page = page;
		p->first = (uint32_t)off;
		p->firsttitle = class == CLASS_TITLE;
		t->lastpage = page;
		t->slot = (uint32_t)b->nposts++;
		t->npost++;
	}
	p = &b->posts[t->slot];
	/* Show a hit in the text rather than the title repeated. */
	if (p->firsttitle && class != CLASS_TITLE) {
		p->first = (uint32_t)off;
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
build_text(struct build *b, uint32_t page, const char *text, size_t from,
    size_t to, int class)
{
	char	term[SEARCH_TERM_MAX + 1];
	size_t	off = from, start, len;

	while ((len = search_word(text, to, &off, term, &start)) > 0)
		if (build_hit(b, page, term, len, start, class) == -1)
			return -1;
	return 0;
}

static size_t
search_skip_space(const char *s, size_t i, size_t len)
{
	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	return i;
}

/*
 * Where the visible text of a gemtext line starts: after a heading's
 * '#'s, a list bullet, a quote mark, or a link's URL.
 */
static size_t
search_line_text(const char *s, size_t len)
{
	size_t	i = 0;

	if (len >= 2 && s[0] == '=' && s[1] == '>') {
		i = search_skip_space(s, 2, len);
		while (i < len && s[i] != ' ' && s[i] != '\t')
			i++;
		return search_skip_space(s, i, len);
	}
	if (len >= 1 && s[0] == '#') {
		while (i < len && s[i] == '#')
			i++;
		return search_skip_space(s, i, len);
	}
	if (len >= 2 && s[0] == '*' && s[1] == ' ')
		return search_skip_space(s, 2, len);
	if (len >= 1 && s[0] == '>')
		return search_skip_space(s, 1, len);
	return 0;
}

/* Index one page; its title (first heading) is returned in pg. */
static int
build_page(struct build *b, uint32_t page, const char *text, size_t len,
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
			if (build_text(b, page, text, off, off + n,
			    CLASS_BODY) == -1)
				return -1;
		} else {
			vis = search_line_text(text + off, n);
			class = CLASS_BODY;
			if (text[off] == '#' && n > 0) {
				class = CLASS_HEADING;
				if (pg->title == NULL && vis < n) {
					pg->title = text + off + vis;
					pg->titlelen = (uint32_t)(n - vis);
					while (pg->titlelen > 0 &&
					    (pg->title[pg->titlelen - 1] ==
					    ' ' || pg->title[pg->titlelen - 1]
					    == '\t'))
						pg->titlelen--;
					class = CLASS_TITLE;
				}
			}
			if (build_text(b, page, text, off + vis, off + n,
			    class) == -1)
				return -1;
		}
		off = end + 1;
	}
	return 0;
}

/* 16 * log2(num / den) for num >= den, to a sixteenth. */
static unsigned
search_log2x16(uint64_t num, uint64_t den)
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
search_varint_len(uint32_t v)
{
	size_t	n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

static unsigned char *
search_varint_put(unsigned char *p, uint32_t v)
{
	while (v >= 0x80) {
		*p++ = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	*p++ = (unsigned char)v;
	return p;
}

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

static uint32_t
search_weight(const struct build_post *p)
{
	uint32_t	w;

	w = (p->body < SEARCH_TF_CAP ? p->body : SEARCH_TF_CAP) +
	    SEARCH_WEIGHT_HEADING * (uint32_t)p->heading +
	    SEARCH_WEIGHT_TITLE * (uint32_t)p->title;
	return w > UINT16_MAX ? UINT16_MAX : w;
}

static const char	*search_sort_pool;

static int
search_term_cmp(const void *a, const void *b)
{
	const struct build_term	*x = a, *y = b;

	return strcmp(search_sort_pool + x->name, search_sort_pool + y->name);
}

/*
 * Lay the index out in one block from alloc: header, pages, the sorted
 * word table, the words, the posting lists.
 */
static int
build_finish(struct build *b, struct search_page *pages, size_t npages,
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
	search_sort_pool = b->pool;
	for (i = 0; i < b->nterms; i++)
		b->terms[i].slot = (uint32_t)i;	/* old id */
	qsort(b->terms, b->nterms, sizeof(*b->terms), search_term_cmp);
	if ((rank = calloc(b->nterms + 1, sizeof(*rank))) == NULL ||
	    (start = calloc(b->nterms + 1, sizeof(*start))) == NULL ||
	    (order = calloc(b->nposts + 1, sizeof(*order))) == NULL)
		goto done;
	for (i = 0; i < b->nterms; i++) {
		rank[b->terms[i].slot] = (uint32_t)i;
		start[i + 1] = start[i] + b->terms[i].npost;
	}
	for (i = 0; i < b->nposts; i++) {
		struct build_post	*p = &b->posts[i];
		uint32_t		 r = rank[p->term];

		order[start[r]++] = (uint32_t)i;
		postbytes += search_varint_len(p->page) +
		    search_varint_len(search_weight(p)) +
		    search_varint_len(p->first);
	}
	size = sizeof(*ix) + npages * sizeof(*pages) +
	    b->nterms * sizeof(*terms) + b->poollen + postbytes;
	if (postbytes > UINT32_MAX || b->poollen > UINT32_MAX ||
	    (ix = alloc(arg, size)) == NULL)
		goto done;
	ix->bytes = size;
	ix->npages = (uint32_t)npages;
	ix->nterms = (uint32_t)b->nterms;
	memcpy((char *)(ix + 1), pages, npages * sizeof(*pages));
	ix->pages = (const struct search_page *)(ix + 1);
	terms = (struct search_term *)((char *)(ix + 1) +
	    npages * sizeof(*pages));
	names = (char *)(terms + b->nterms);
	post = (unsigned char *)names + b->poollen;
	ix->terms = terms;
	ix->names = names;
	ix->post = post;
	w = post;
	for (i = 0, j = 0; i < b->nterms; i++) {
		const struct build_term	*t = &b->terms[i];
		size_t			 k, end = j + t->npost;

		terms[i].name = (uint32_t)(names - ix->names);
		terms[i].len = (uint16_t)t->len;
		terms[i].post = (uint32_t)(w - post);
		terms[i].npost = t->npost;
		terms[i].idf = (uint16_t)(16 + search_log2x16(npages + 1,
		    t->npost));
		memcpy(names, b->pool + t->name, t->len + 1);
		names += t->len + 1;
		for (prev = 0, k = j; k < end; k++) {
			const struct build_post	*p = &b->posts[order[k]];

			w = search_varint_put(w, p->page - (uint32_t)prev);
			w = search_varint_put(w, search_weight(p));
			w = search_varint_put(w, p->first);
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
 */
int
search_build(const struct search_source *src, size_t n,
    void *(*alloc)(void *, size_t), void *arg, struct search_index **out,
    const char **errstr)
{
	struct build		 b;
	struct search_page	*pages = NULL;
	size_t			 i;
	int			 rc = -1;

	*out = NULL;
	memset(&b, 0, sizeof(b));
	if (n >= UINT32_MAX || (pages = calloc(n + 1, sizeof(*pages))) == NULL)
		goto nomem;
	for (i = 0; i < n; i++) {
		if (src[i].textlen >= UINT32_MAX ||
		    src[i].pathlen >= UINT32_MAX) {
			*errstr = "page too large to index";
			goto done;
		}
		pages[i].path = src[i].path;
		pages[i].pathlen = (uint32_t)src[i].pathlen;
		pages[i].text = src[i].text;
		pages[i].textlen = (uint32_t)src[i].textlen;
		if (build_page(&b, (uint32_t)i, src[i].text, src[i].textlen,
		    &pages[i]) == -1)
			goto nomem;
		if (pages[i].title == NULL) {
			pages[i].title = src[i].name;
			pages[i].titlelen = (uint32_t)src[i].namelen;
		}
	}
	if (build_finish(&b, pages, n, alloc, arg, out) == -1)
		goto nomem;
	rc = 0;
	goto done;
nomem:
	*errstr = "out of memory";
done:
	free(pages);
	free(b.terms);
	free(b.table);
	free(b.pool);
	free(b.posts);
	return rc;
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
search_words(const struct search_index *ix, const char *q, size_t qlen,
    struct query_word *qw, struct search_result *r)
{
	struct query_word	 t;
	size_t			 off = 0, start, len, i, n = 0;
	uint32_t		 k;
	int			 found = 1;

	while ((len = search_word(q, qlen, &off, t.w, &start)) > 0) {
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
	if (!search_words(ix, q, qlen, qw, r) || r->nwords == 0)
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
			break;		/* no page has every word so far */
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

/* A page's path (as linked) and title. */
void
search_page(const struct search_index *ix, uint32_t page, const char **path,
    size_t *pathlen, const char **title, size_t *titlelen)
{
	const struct search_page	*pg = &ix->pages[page];

	*path = pg->path;
	*pathlen = pg->pathlen;
	*title = pg->title;
	*titlelen = pg->titlelen;
}

/* Copy text, controls as spaces and stray bytes as '?', while it fits. */
static size_t
search_copy(char *out, size_t size, size_t o, const char *s, size_t len)
{
	size_t	i = 0, n;

	while (i < len) {
		if ((n = utf8_charlen(s + i, len - i)) == 0 || (n == 1 &&
		    ((unsigned char)s[i] < 0x20 || s[i] == 0x7f))) {
			if (o + 1 >= size)
				break;
			out[o++] = n == 0 ? '?' : ' ';
			i++;
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
 * A short excerpt around a hit: part of the line it is on (without its
 * gemtext markup), about SEARCH_EXCERPT_COLS columns, cut at word and
 * character boundaries, with "…" where text was left out.  Returns its
 * length in out (NUL-terminated, at most size - 1 bytes).
 */
size_t
search_excerpt(const struct search_index *ix, const struct search_hit *h,
    char *out, size_t size)
{
	const struct search_page	*pg = &ix->pages[h->page];
	const char			*t = pg->text;
	size_t				 ls, le, vs, s, hit, n, o = 0, j, cols;
	int				 cut_end = 0;

	if (size == 0)
		return 0;
	out[0] = '\0';
	hit = h->first < pg->textlen ? h->first : pg->textlen;
	for (ls = hit; ls > 0 && t[ls - 1] != '\n'; ls--)
		;
	for (le = hit; le < pg->textlen && t[le] != '\n'; le++)
		;
	if (le > ls && t[le - 1] == '\r')
		le--;
	if (ls == 0 && le >= 3 && memcmp(t, "\xef\xbb\xbf", 3) == 0)
		ls = 3;
	vs = ls + search_line_text(t + ls, le - ls);
	if (vs > hit)
		vs = hit;
	s = vs;
	cols = utf8_columns(t + vs, hit - vs);
	if (cols > SEARCH_EXCERPT_LEAD) {
		s = vs + utf8_cut(t + vs, hit - vs, cols - SEARCH_EXCERPT_LEAD);
		for (j = s; j < hit; j++) {
			if (t[j] == ' ') {
				s = j + 1;
				break;
			}
		}
		o = search_copy(out, size, o, "\xe2\x80\xa6", 3);
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
	o = search_copy(out, size, o, t + s, n);
	if (cut_end)
		o = search_copy(out, size, o, "\xe2\x80\xa6", 3);
	return o;
}
