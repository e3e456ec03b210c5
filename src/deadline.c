/*
 * deadline.c: the time arithmetic of a connection's deadlines: how
 * long since it was accepted (CLOCK_MONOTONIC, to the millisecond),
 * and a libevent timer armed for so many seconds from now or from
 * that start.  It knows nothing of connections beyond their start
 * time and their timer, and never touches a socket.
 */

#include <sys/time.h>

#include <event.h>
#include <time.h>

#include "deadline.h"

/* The time since start, in tv (milliseconds precision). */
void
deadline_elapsed(const struct timespec *start, struct timeval *tv)
{
	struct timespec	now;
	long long	ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (now.tv_sec - start->tv_sec) * 1000LL +
	    (now.tv_nsec - start->tv_nsec) / 1000000;
	tv->tv_sec = ms / 1000;
	tv->tv_usec = (ms % 1000) * 1000;
}

/* Arm tmo: secs from now, or from start when from_start. */
void
deadline_arm(struct event *tmo, const struct timespec *start, int secs,
    int from_start)
{
	struct timeval	tv = { secs, 0 }, el;

	if (from_start) {
		deadline_elapsed(start, &el);
		if (el.tv_sec >= secs) {
			tv.tv_sec = 0;
			tv.tv_usec = 0;
		} else {
			tv.tv_sec = secs - el.tv_sec - (el.tv_usec > 0);
			tv.tv_usec = el.tv_usec > 0 ? 1000000 - el.tv_usec : 0;
		}
	}
	evtimer_add(tmo, &tv);
}
