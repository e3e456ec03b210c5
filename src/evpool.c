/*
 * evpool.c: where libevent keeps its small records.  libevent makes a
 * record of 16 bytes for each descriptor number the first time it sees
 * it, and keeps it for good.  Made from malloc during a burst, those
 * records land in the holes that the TLS state of other connections
 * leaves, one every few pages: after 10,000 TLS connections had come
 * and gone, they held 13 MiB of a worker's heap that malloc_trim()
 * could not give back.  So libevent's allocations of at most
 * EVPOOL_CELL bytes come from cells in a mapping of their own (sized
 * for the worker's descriptor limit, touched only as cells are used),
 * and everything larger goes to malloc as before.  The worker installs
 * this before its first libevent call; nothing else allocates here.
 */

#include <sys/types.h>
#include <sys/mman.h>

#include <event.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "evpool.h"

/* LeakSanitizer must look for pointers in the cells too. */
#if defined(__SANITIZE_ADDRESS__)
#define EVPOOL_LSAN	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define EVPOOL_LSAN	1
#endif
#endif
#ifdef EVPOOL_LSAN
#include <sanitizer/lsan_interface.h>
#endif

union evpool_cell {
	union evpool_cell	*next;		/* when free */
	unsigned char		 bytes[EVPOOL_CELL];
};

static union evpool_cell	*evpool_base;
static size_t			 evpool_cells;	/* in the mapping */
static size_t			 evpool_used;	/* handed out once, at least */
static union evpool_cell	*evpool_free;

static int
evpool_owns(const void *p)
{
	uintptr_t	a = (uintptr_t)p, b = (uintptr_t)evpool_base;

	return a >= b && a < b + evpool_cells * sizeof(union evpool_cell);
}

static void *
evpool_malloc(size_t sz)
{
	union evpool_cell	*c;

	if (sz == 0 || sz > EVPOOL_CELL)
		return malloc(sz);
	if ((c = evpool_free) != NULL)
		evpool_free = c->next;
	else if (evpool_used < evpool_cells)
		c = &evpool_base[evpool_used++];
	else
		return malloc(sz);	/* the pool is full: the heap then */
	return c;
}

static void
evpool_release(void *p)
{
	union evpool_cell	*c = p;

	if (p == NULL)
		return;
	if (!evpool_owns(p)) {
		free(p);
		return;
	}
	c->next = evpool_free;
	evpool_free = c;
}

static void *
evpool_realloc(void *p, size_t sz)
{
	void	*q;

	if (p == NULL)
		return evpool_malloc(sz);
	if (!evpool_owns(p))
		return realloc(p, sz);
	if (sz <= EVPOOL_CELL && sz > 0)
		return p;
	if ((q = malloc(sz)) == NULL)
		return NULL;
	memcpy(q, p, EVPOOL_CELL);
	evpool_release(p);
	return q;
}

/*
 * Room for cells records (a few per descriptor the worker may have)
 * and libevent's allocations routed here; before any libevent call.
 */
int
evpool_init(size_t cells, const char **errstr)
{
	void	*m;

	m = mmap(NULL, cells * sizeof(union evpool_cell),
	    PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS |
	    MAP_NORESERVE, -1, 0);
	if (m == MAP_FAILED) {
		*errstr = "cannot map libevent's pool";
		return -1;
	}
#ifdef EVPOOL_LSAN
	__lsan_register_root_region(m, cells * sizeof(union evpool_cell));
#endif
	evpool_base = m;
	evpool_cells = cells;
	event_set_mem_functions(evpool_malloc, evpool_realloc,
	    evpool_release);
	return 0;
}
