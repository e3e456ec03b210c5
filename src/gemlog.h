/*
 * gemlog.h: a directory of dated pages made a gemlog while a snapshot is
 * built (gemlog.c): its listing newest first and its atom.xml.
 */

#ifndef CAPSULED_GEMLOG_H
#define CAPSULED_GEMLOG_H

#include <stddef.h>

struct buf;
struct snapshot;

/* What one directory's walk collects. */
struct gemlog {
	int		*posts;		/* entries of its posts */
	size_t		 nposts;
	size_t		 cap;
	size_t		 head;		/* bytes of the listing's header */
	int		 has_feed;	/* the author's own atom.xml */
	int		 on;		/* feeds on here */
};

void	 gemlog_init(struct gemlog *, const struct snapshot *, int, size_t);
int	 gemlog_post(struct gemlog *, const struct snapshot *, int,
	    const char *);
int	 gemlog_finish(struct gemlog *, struct snapshot *, int, const char *,
	    struct buf *, const char **);
void	 gemlog_free(struct gemlog *);

#endif /* CAPSULED_GEMLOG_H */
