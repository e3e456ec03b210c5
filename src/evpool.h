/*
 * evpool.h: libevent's small allocations, in pages of their own.
 */

#ifndef CAPSULED_EVPOOL_H
#define CAPSULED_EVPOOL_H

#include <stddef.h>

#define EVPOOL_CELL	32	/* bytes: libevent's per-descriptor record */

int	 evpool_init(size_t, const char **);

#endif /* CAPSULED_EVPOOL_H */
