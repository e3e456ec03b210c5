/*
 * results.h: a search's replies on both protocols (the Gemini prompt
 * and results page, the Gopher results menu), from what a snapshot
 * offers its search.
 */

#ifndef CAPSULED_RESULTS_H
#define CAPSULED_RESULTS_H

#include <stddef.h>


struct buf;
struct search_index;

/* What a snapshot offers its search; NULL when search is off. */
struct snapshot_search {
	const struct search_index	*index;
	const char			*prompt;	/* the prompt text */
	size_t				 promptlen;
	const char			*input;		/* "10 <prompt>\r\n" */
	size_t				 inputlen;
	const char			*header;	/* "20 text/gemini..." */
	size_t				 headerlen;
	const char			*host;		/* for Gopher menus */
	int				 gopher_port;
	int				 gopher_wrap;	/* columns */
};

int	 results_match(const struct snapshot_search *, const char *, size_t);
size_t	 results_excerpt(const char *, size_t, size_t, char *, size_t);
int	 results_gemini(const struct snapshot_search *, const char *, size_t,
	    struct buf *);
int	 results_gopher(const struct snapshot_search *, const char *, size_t,
	    struct buf *);

#endif /* CAPSULED_RESULTS_H */
