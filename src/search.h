/*
 * search.h: the capsule's full-text search, one index per snapshot:
 * words.c cuts words, indexer.c builds the index, search.c queries it
 * (results.h turns results into replies).  Each limit is documented in
 * capsuled.8.
 */

#ifndef CAPSULED_SEARCH_H
#define CAPSULED_SEARCH_H

#include <stddef.h>
#include <stdint.h>

#define SEARCH_PATH		"/search"	/* Gemini path, Gopher selector */
#define SEARCH_PROMPT		"Search the capsule"	/* default prompt */
#define SEARCH_PROMPT_MAX	200	/* bytes of the prompt text */
#define SEARCH_QUERY_MAX	256	/* bytes of a decoded query */
#define SEARCH_WORDS_MAX	8	/* words of a query searched for */
#define SEARCH_TERM_MAX		48	/* bytes of a word; the rest is ignored */
#define SEARCH_PREFIX_MIN	3	/* shorter words match whole words only */
#define SEARCH_EXPAND_MAX	16	/* index words one query word may match */
#define SEARCH_RESULTS_MAX	20	/* pages listed, best first */
#define SEARCH_WORK_MAX		1000000	/* postings one query may read */
#define SEARCH_TITLE_COLS	100	/* columns of a title in the results */
#define SEARCH_EXCERPT_COLS	100	/* columns of an excerpt */
#define SEARCH_EXCERPT_MAX	(SEARCH_EXCERPT_COLS * 4 + 16)	/* bytes */

struct search_index;

/* A page handed to indexer_build; its strings must outlive the index. */
struct search_source {
	const char	*path;		/* where results link to */
	size_t		 pathlen;
	const char	*text;		/* the gemtext */
	size_t		 textlen;
	const char	*name;		/* the title when there is no heading */
	size_t		 namelen;
};

struct search_hit {
	uint32_t	 page;
	uint32_t	 score;
	uint32_t	 first;		/* byte offset of the hit to show */
};

struct search_result {
	size_t			 matches;	/* pages with every word */
	size_t			 nhits;		/* listed in hits, best first */
	struct search_hit	 hits[SEARCH_RESULTS_MAX];
	size_t			 nwords;	/* words searched for */
	int			 dropped;	/* words past SEARCH_WORDS_MAX */
	int			 partial;	/* stopped at SEARCH_WORK_MAX */
};

struct search_doc {
	const char	*path;		/* as results link to it */
	size_t		 pathlen;
	const char	*title;
	size_t		 titlelen;
	const char	*text;		/* the gemtext */
	size_t		 textlen;
};

/* words.c */
size_t	 words_next(const char *, size_t, size_t *, char *, size_t *);
size_t	 words_line_text(const char *, size_t);

/* indexer.c */
int	 indexer_build(const struct search_source *, size_t, size_t,
	    void *(*)(void *, size_t), void *, struct search_index **,
	    const char **);

/* search.c */
size_t	 search_bytes(const struct search_index *);
size_t	 search_count(const struct search_index *);
size_t	 search_terms(const struct search_index *);
size_t	 search_scratch_size(const struct search_index *);
int	 search_query(const struct search_index *, const char *, size_t,
	    void *, size_t, struct search_result *);
void	 search_doc(const struct search_index *, uint32_t,
	    struct search_doc *);

#endif /* CAPSULED_SEARCH_H */
