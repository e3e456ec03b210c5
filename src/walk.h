/*
 * walk.h: the directory walk that fills a snapshot being built.
 */

#ifndef CAPSULED_WALK_H
#define CAPSULED_WALK_H

struct snapshot;

int	 walk_capsule(struct snapshot *, const char **);

#endif /* CAPSULED_WALK_H */
