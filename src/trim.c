/*
 * trim.c: a worker gives memory back after a burst of connections.
 * glibc's malloc returns freed memory to the system only from the top
 * of the heap, and a burst leaves long-lived allocations (libevent's
 * per-descriptor slots, the cache of connections) spread through it:
 * after 10,000 TLS connections closed, a worker kept every page, and
 * later bursts grew it further.  malloc_trim(0) hands back every whole
 * free page, wherever it is.  It walks the free lists, so it runs once
 * the number of connections has fallen to half its peak (and by at
 * least TRIM_MIN_CONNS), TRIM_DELAY_MS later so that a burst that ends
 * slowly is trimmed once.  Without glibc this does nothing.  It never
 * touches a connection or a socket.
 */

#include <sys/time.h>

#include <event.h>
#include <stddef.h>

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "trim.h"

static struct event	*trim_ev;
static size_t		 trim_peak;	/* most connections since a trim */
static size_t		 trim_live;

static void
trim_run(int fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
#ifdef __GLIBC__
	(void)malloc_trim(0);
#endif
	trim_peak = trim_live;
}

int
trim_init(struct event_base *base)
{
	if ((trim_ev = evtimer_new(base, trim_run, NULL)) == NULL)
		return -1;
	return 0;
}

/* The worker now has live connections. */
void
trim_note(size_t live)
{
	struct timeval	tv = { TRIM_DELAY_MS / 1000,
			    (TRIM_DELAY_MS % 1000) * 1000 };

	trim_live = live;
	if (live > trim_peak)
		trim_peak = live;
	if (trim_ev == NULL || evtimer_pending(trim_ev, NULL) ||
	    trim_peak - live < TRIM_MIN_CONNS || live > trim_peak / 2)
		return;
	evtimer_add(trim_ev, &tv);
}
