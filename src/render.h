/*
 * render.h: the prepared replies of a snapshot being built.
 */

#ifndef CAPSULED_RENDER_H
#define CAPSULED_RENDER_H

#include <stddef.h>

struct snapshot;

size_t	 render_header(const struct snapshot *, char *, size_t,
	    const char *);
int	 render_snapshot(struct snapshot *, const char **);

#endif /* CAPSULED_RENDER_H */
