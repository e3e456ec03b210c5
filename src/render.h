/*
 * render.h: the prepared replies of a snapshot being built.
 */

#ifndef CAPSULED_RENDER_H
#define CAPSULED_RENDER_H

#include <stddef.h>

struct snapshot;

int	 render_location(const struct snapshot *, const char *);
const char *render_lang(const struct snapshot *, int);
size_t	 render_header(char *, size_t, const char *, const char *);
int	 render_snapshot(struct snapshot *, const char **);

#endif /* CAPSULED_RENDER_H */
