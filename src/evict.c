/*
 * evict.c: which connection gives up its place when a worker's table of
 * connections is full.  Connections without a complete request wait in
 * two queues, in the order they were accepted: those that have not sent
 * a byte (a silent slowloris), and those that have started (a TLS
 * handshake, part of a request line, a PROXY header).  The one to go is
 * the oldest silent one, else the oldest of the others: so a flood of
 * silent connections only ever displaces itself, and a reader whose
 * ClientHello is in is displaced only once no silent connection is
 * left.  A connection that is being answered is in neither queue and is
 * never evicted.  This file never touches a socket: conn.c closes what
 * evict_pick() names, and the worker decides when to ask.  Evictions
 * are logged once per EVICT_LOG_INTERVAL with their count, never one
 * line each.
 */

#include <sys/queue.h>

#include <time.h>

#include "evict.h"
#include "log.h"

TAILQ_HEAD(evict_queue, evict_entry);

static struct evict_queue	evict_q[EVICT_CLASSES] = {
	TAILQ_HEAD_INITIALIZER(evict_q[EVICT_SILENT]),
	TAILQ_HEAD_INITIALIZER(evict_q[EVICT_STARTED])
};
static size_t			evict_n;
static size_t			evict_unlogged;	/* since the last line */
static time_t			evict_logged;

/*
 * e's connection waits, in class cl, for its request.  A connection
 * moving on (silent -> started) goes to the tail of the next queue: its
 * age there counts from its first byte, which is what a silent flood
 * cannot fake.
 */
void
evict_wait(struct evict_entry *e, enum evict_class cl, void *owner)
{
	evict_done(e);
	e->owner = owner;
	e->queued = 1 + (int)cl;
	TAILQ_INSERT_TAIL(&evict_q[cl], e, q);
	evict_n++;
}

/* Its request is complete, or it is gone: no longer evictable. */
void
evict_done(struct evict_entry *e)
{
	if (e->queued == 0)
		return;
	TAILQ_REMOVE(&evict_q[e->queued - 1], e, q);
	e->queued = 0;
	evict_n--;
}

/* Bytes have come: a silent connection moves to the started queue. */
void
evict_started(struct evict_entry *e, void *owner)
{
	if (e->queued == 1 + EVICT_SILENT)
		evict_wait(e, EVICT_STARTED, owner);
}

/* Say how many went, at most once per interval. */
static void
evict_log(void)
{
	struct timespec	now;

	evict_unlogged++;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (evict_logged != 0 && now.tv_sec - evict_logged <
	    EVICT_LOG_INTERVAL)
		return;
	log_warnx("connection table full: closed %zu waiting connection%s "
	    "(the longest without a request)%s", evict_unlogged,
	    evict_unlogged == 1 ? "" : "s", evict_logged != 0 ?
	    " since the last report" : "");
	evict_logged = now.tv_sec;
	evict_unlogged = 0;
}

/*
 * The connection to close to make room, taken off its queue; NULL when
 * every connection is being answered.
 */
void *
evict_pick(void)
{
	struct evict_entry	*e;
	int			 cl;

	for (cl = 0; cl < EVICT_CLASSES; cl++) {
		if ((e = TAILQ_FIRST(&evict_q[cl])) == NULL)
			continue;
		evict_done(e);
		evict_log();
		return e->owner;
	}
	return NULL;
}

size_t
evict_count(void)
{
	return evict_n;
}
