/*
 * chan.h: request and answer over a channel between a worker and a
 * helper process (the key process, the spawner): the worker's side
 * (chan_call) and the helper's loop (chan_serve).
 */

#ifndef CAPSULED_CHAN_H
#define CAPSULED_CHAN_H

#include <stddef.h>
#include <stdint.h>

#include "capsuled.h"
#include "msg.h"

struct pollfd;

#define CHAN_F_ID		1	/* every request's first field: u32 */
#define CHAN_RECONNECT_MS	2000	/* wait for a restarted helper */
#define CHAN_SERVE_MAX		256	/* channels a helper answers at once */
#define CHAN_EXTRA_MAX		(SCRIPTS_MAX + 1) /* a helper's own fds */

/* A worker's channel to one helper. */
struct chan {
	int			 fd;		/* -1: none now */
	int			 down;		/* none to be had: fail fast */
	uint16_t		 renew;		/* message that brings a new one */
	int			 (*reconnect)(uint16_t);
	uint32_t		 seq;
	struct msg_reader	 rd;
	struct msg		 reply;
};

void	 chan_init(struct chan *, int, uint16_t, int (*)(uint16_t));
void	 chan_replace(struct chan *, int);
int	 chan_call(struct chan *, uint16_t, const void *, size_t, int, int);
int	 chan_reply_field(const struct msg *, uint16_t, const void **,
	    size_t *);
int	 chan_request_id(const struct msg *, uint32_t *);
int	 chan_answer(int, uint16_t, uint32_t, const void *, size_t, int);
/*
 * A helper's loop: its answer to each request, and for a helper that
 * also watches descriptors of its own (the CGI runner: its scripts'
 * stderr), those, a tick and whether work is left once every channel
 * has closed.  Any but answer may be NULL.
 */
struct chan_hooks {
	int	(*answer)(int, const struct msg *);
	size_t	(*fds)(struct pollfd *, size_t);	/* fill, return count */
	void	(*ready)(const struct pollfd *, size_t);
	int	(*wait_ms)(void);			/* -1: no tick due */
	int	(*busy)(void);
};

void	 chan_serve(int, const struct chan_hooks *);

#endif /* CAPSULED_CHAN_H */
