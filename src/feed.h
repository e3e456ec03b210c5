/*
 * feed.h: gemlogs (feed.c, pure): which pages are posts, their dates,
 * titles and summaries, the newest-first listing in the gemfeed form,
 * and the Atom 1.0 feed.
 */

#ifndef CAPSULED_FEED_H
#define CAPSULED_FEED_H

#include <stddef.h>

struct buf;

#define FEED_NAME		"atom.xml"	/* in each gemlog directory */
#define FEED_ENTRIES_DEFAULT	50	/* entries of a feed */
#define FEED_ENTRIES_MAX	1000
#define FEED_TITLE_MAX		200	/* bytes of a title */
#define FEED_SUMMARY_MAX	300	/* bytes of a summary */

/* One post of a gemlog; the strings point into the caller's memory. */
struct feed_post {
	const char	*name;		/* file name in the directory */
	size_t		 namelen;
	char		 date[11];	/* "YYYY-MM-DD" */
	const char	*title;		/* its first heading, else its slug */
	size_t		 titlelen;
	const char	*summary;	/* its first paragraph; NULL: none */
	size_t		 summarylen;
};

/* What a feed says of itself. */
struct feed_info {
	const char	*title;		/* the gemlog's */
	size_t		 titlelen;
	const char	*base;		/* "gemini://host[:port]/dir/" */
	const char	*author;
	size_t		 entries;	/* at most this many entries */
};

int	 feed_date(const char *, size_t, char *);
int	 feed_is_post(const char *, size_t);
void	 feed_post(struct feed_post *, const char *, size_t, const char *,
	    size_t);
void	 feed_sort(struct feed_post *, size_t);
void	 feed_text(struct buf *, const char *, size_t);
void	 feed_link(struct buf *, const struct feed_post *);
void	 feed_xml(struct buf *, const char *, size_t);
void	 feed_atom(struct buf *, const struct feed_info *,
	    const struct feed_post *, size_t);

#endif /* CAPSULED_FEED_H */
