/*
 * trim.h: a worker gives memory back to the system after a burst.
 */

#ifndef CAPSULED_TRIM_H
#define CAPSULED_TRIM_H

#include <stddef.h>

#define TRIM_MIN_CONNS	64	/* connections gone before trimming */
#define TRIM_DELAY_MS	1000	/* after the count fell, before trimming */

struct event_base;

int	 trim_init(struct event_base *);
void	 trim_note(size_t);

#endif /* CAPSULED_TRIM_H */
