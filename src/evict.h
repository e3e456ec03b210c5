/*
 * evict.h: which connection gives up its place when a worker's
 * connection table is full.
 */

#ifndef CAPSULED_EVICT_H
#define CAPSULED_EVICT_H

#include <sys/queue.h>

#include <stddef.h>

#define EVICT_LOG_INTERVAL	60	/* s between lines about evictions */

/* How far a connection has come without a complete request. */
enum evict_class {
	EVICT_SILENT,		/* not one byte yet */
	EVICT_STARTED,		/* a handshake or a request under way */
	EVICT_CLASSES
};

/* Embedded in a connection; all zeros is "not waiting". */
struct evict_entry {
	TAILQ_ENTRY(evict_entry)	 q;
	void				*owner;
	int				 queued;	/* 1 + its class */
};

void	 evict_wait(struct evict_entry *, enum evict_class, void *);
void	 evict_done(struct evict_entry *);
void	 evict_started(struct evict_entry *, void *);
void	*evict_pick(void);
size_t	 evict_count(void);

#endif /* CAPSULED_EVICT_H */
