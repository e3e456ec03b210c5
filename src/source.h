/*
 * source.h: what a connection sends after a reply's first bytes: a file
 * streamed from disk, or a script's or responder's output (dyn.h).
 */

#ifndef CAPSULED_SOURCE_H
#define CAPSULED_SOURCE_H

#include <stddef.h>

struct dyn;

struct source {
	int		 fd;		/* a streamed file, or -1 */
	struct dyn	*dyn;		/* or a dynamic reply, or NULL */
	char		*chunk;		/* the file's bytes being sent */
};

/* What source_next() came to. */
enum source_result {
	SOURCE_DATA,		/* *p, *len: send these */
	SOURCE_WAIT,		/* nothing yet: the ready callback follows */
	SOURCE_END,		/* all sent */
	SOURCE_FAIL		/* broken off: close without close_notify */
};

void	 source_init(struct source *);
int	 source_open(struct source *, int, struct dyn *, void (*)(void *),
	    void *);
int	 source_active(const struct source *);
enum source_result source_next(struct source *, const char **, size_t *);
int	 source_status(const struct source *, int);
int	 source_close(struct source *);

#endif /* CAPSULED_SOURCE_H */
