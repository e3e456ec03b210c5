/*
 * chan.c: one request, one answer, over a socketpair between a worker
 * and a helper process, in msg.c frames.  A request's payload is msg.c
 * fields whose first is CHAN_F_ID, a number the answer repeats, so that
 * the late answer to a request that timed out is recognised and dropped
 * instead of being taken for the next one's.
 *
 * The worker waits for the answer (at most the caller's timeout): one
 * round trip on a local socket, done for a full TLS handshake or a file
 * to stream, never for a request served from the snapshot.  If the
 * channel fails (the helper died), the worker asks its parent for a new
 * one (the parent restarts the helper and hands every worker a channel)
 * and tries once more.  That wait (CHAN_RECONNECT_MS at most) stops
 * the worker's loop, which is why it happens once: if it is in vain,
 * later calls fail at once until a channel arrives.
 *
 * chan_serve() is the helper's side: the control socket brings new
 * channels (MSG_CHANNEL); each request goes to the helper's answer
 * function; the loop ends when the parent has let go (EOF on the
 * control socket) and the last channel has closed.
 */

#include <sys/types.h>

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "chan.h"
#include "log.h"
#include "msg.h"

void
chan_init(struct chan *c, int fd, uint16_t renew, int (*reconnect)(uint16_t))
{
	c->fd = fd;
	c->down = 0;
	c->renew = renew;
	c->reconnect = reconnect;
	msg_reader_init(&c->rd);
}

/* A new channel from the parent: the old one (if any) is done. */
void
chan_replace(struct chan *c, int fd)
{
	if (c->fd != -1)
		close(c->fd);
	msg_reader_clear(&c->rd);
	c->fd = fd;
	c->down = 0;
}

/* The request number of a request or answer. */
int
chan_request_id(const struct msg *m, uint32_t *id)
{
	struct msg_cursor	 cur;
	const void		*p;
	size_t			 len;
	uint16_t		 tag;

	msg_cursor_init(&cur, m->data, m->len);
	if (msg_field_next(&cur, &tag, &p, &len) != 1 || tag != CHAN_F_ID ||
	    len != sizeof(*id))
		return -1;
	memcpy(id, p, sizeof(*id));
	return 0;
}

/* The first field tagged tag of an answer: 0, or -1 when it has none. */
int
chan_reply_field(const struct msg *m, uint16_t tag, const void **p,
    size_t *len)
{
	struct msg_cursor	cur;
	uint16_t		t;
	int			rc;

	msg_cursor_init(&cur, m->data, m->len);
	while ((rc = msg_field_next(&cur, &t, p, len)) == 1)
		if (t == tag)
			return 0;
	return -1;
}

static long
chan_ms_left(const struct timespec *t0, int timeout)
{
	struct timespec	now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return timeout - ((now.tv_sec - t0->tv_sec) * 1000 +
	    (now.tv_nsec - t0->tv_nsec) / 1000000);
}

/*
 * One exchange on the current channel.  0: c->reply is the answer;
 * -1: the channel failed.
 */
static int
chan_exchange(struct chan *c, uint16_t type, const unsigned char *req,
    size_t len, int passfd, int timeout)
{
	struct pollfd	 pfd;
	struct timespec	 t0;
	const char	*err;
	uint32_t	 id;
	long		 left;
	int		 rc, n;

	if (msg_send(c->fd, type, req, len, passfd) == -1)
		return -1;
	memcpy(&id, req + 4, sizeof(id));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		while ((rc = msg_get(&c->rd, &c->reply, &err)) == 1) {
			uint32_t	got;

			if (chan_request_id(&c->reply, &got) == -1)
				return -1;
			if (got == id)
				return 0;
			if (c->reply.fd != -1)	/* a late answer */
				close(c->reply.fd);
		}
		if (rc == -1 || (left = chan_ms_left(&t0, timeout)) <= 0)
			return -1;
		pfd.fd = c->fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, (int)left) == -1 && errno != EINTR)
			return -1;
		if ((n = msg_read(c->fd, &c->rd)) == 0 ||
		    (n == -1 && errno != EAGAIN && errno != EINTR))
			return -1;
	}
}

/*
 * Send a request (fields, the first of them CHAN_F_ID, filled in here)
 * and wait for its answer in c->reply, whose descriptor (if any) the
 * caller now owns.  passfd travels with the request (-1: none).  One
 * more try on a new channel if this one fails.  0, or -1.
 */
int
chan_call(struct chan *c, uint16_t type, const void *req, size_t len,
    int passfd, int timeout)
{
	unsigned char	*buf;
	uint32_t	 id;
	int		 try, rc = -1;

	if (len < 8 || (buf = malloc(len)) == NULL)
		return -1;
	memcpy(buf, req, len);
	if (buf[0] + (buf[1] << 8) != CHAN_F_ID || buf[2] != 4 || buf[3] != 0) {
		free(buf);	/* not a request: no id field first */
		return -1;
	}
	for (try = 0; try < 2 && rc == -1; try++) {
		if (c->fd != -1) {
			id = ++c->seq;
			memcpy(buf + 4, &id, sizeof(id));
			if ((rc = chan_exchange(c, type, buf, len, passfd,
			    timeout)) == 0)
				break;
			chan_replace(c, -1);
		}
		/*
		 * Once a wait for a new channel was in vain, the next calls
		 * fail at once until the parent sends one: a helper that
		 * cannot be restarted must not stall every request.
		 */
		if (c->down || c->reconnect == NULL ||
		    (c->fd = c->reconnect(c->renew)) == -1) {
			c->down = 1;
			break;
		}
		log_info("a helper was restarted: new channel");
	}
	free(buf);
	return rc;
}

/* The helper's answer to request id: fields after the id. */
int
chan_answer(int fd, uint16_t type, uint32_t id, const void *fields,
    size_t len, int passfd)
{
	unsigned char		 buf[MSG_PAYLOAD_MAX];
	struct msg_writer	 w;

	msg_writer_init(&w, buf, sizeof(buf));
	msg_field_u32(&w, CHAN_F_ID, id);
	if (w.failed || len > sizeof(buf) - w.len)
		return -1;
	if (len > 0)
		memcpy(buf + w.len, fields, len);
	return msg_send(fd, type, buf, w.len + len, passfd);
}

struct chan_peer {
	int			 fd;
	struct msg_reader	*rd;
};

static struct chan_peer	chan_peers[CHAN_SERVE_MAX];
static size_t		chan_npeers;
static struct msg	chan_msg;

static void
chan_drop(size_t i)
{
	close(chan_peers[i].fd);
	msg_reader_clear(chan_peers[i].rd);
	free(chan_peers[i].rd);
	chan_peers[i] = chan_peers[--chan_npeers];
}

/* A channel has bytes: answer every whole request; 0: close it. */
static int
chan_serve_one(struct chan_peer *p, int (*answer)(int, const struct msg *))
{
	const char	*err;
	int		 rc, n;

	if ((n = msg_read(p->fd, p->rd)) == -1)
		return errno == EAGAIN || errno == EINTR;
	if (n == 0)
		return 0;
	while ((rc = msg_get(p->rd, &chan_msg, &err)) == 1) {
		rc = answer(p->fd, &chan_msg);
		if (chan_msg.fd != -1)
			close(chan_msg.fd);
		if (rc == -1)
			return 0;
	}
	return rc == 0;
}

/* The parent's messages: new channels.  0 when the parent let go. */
static int
chan_control(int ctl, struct msg_reader *rd)
{
	struct chan_peer	*p;
	const char		*err;
	int			 rc, n;

	if ((n = msg_read(ctl, rd)) == -1)
		return errno == EAGAIN || errno == EINTR;
	if (n == 0)
		return 0;
	while ((rc = msg_get(rd, &chan_msg, &err)) == 1) {
		if (chan_msg.type != MSG_CHANNEL || chan_msg.fd == -1 ||
		    chan_npeers == CHAN_SERVE_MAX) {
			if (chan_msg.fd != -1)
				close(chan_msg.fd);
			continue;
		}
		p = &chan_peers[chan_npeers];
		if ((p->rd = malloc(sizeof(*p->rd))) == NULL) {
			close(chan_msg.fd);
			continue;
		}
		msg_reader_init(p->rd);
		p->fd = chan_msg.fd;
		chan_npeers++;
	}
	return rc == 0;
}

/*
 * A helper's loop: h->answer(fd, request) for every request on every
 * channel (-1 closes that channel), and h's own descriptors and ticks,
 * until the parent has let go, the last channel is closed and h has
 * no work left.
 */
void
chan_serve(int ctl, const struct chan_hooks *h)
{
	static struct msg_reader	 ctlrd;
	static struct pollfd		 pfd[CHAN_SERVE_MAX + 1 +
					    CHAN_EXTRA_MAX];
	size_t				 i, n, first, extra;
	int				 live = 1;

	msg_reader_init(&ctlrd);
	while (live || chan_npeers > 0 || (h->busy != NULL && h->busy())) {
		n = 0;
		first = live ? 1 : 0;
		if (live) {
			pfd[n].fd = ctl;
			pfd[n++].events = POLLIN;
		}
		for (i = 0; i < chan_npeers; i++) {
			pfd[n].fd = chan_peers[i].fd;
			pfd[n++].events = POLLIN;
		}
		extra = h->fds != NULL ? h->fds(pfd + n, CHAN_EXTRA_MAX) : 0;
		if (poll(pfd, n + extra, h->wait_ms != NULL ? h->wait_ms() :
		    -1) == -1) {
			if (errno != EINTR)
				break;
			continue;
		}
		if (h->ready != NULL)
			h->ready(pfd + n, extra);
		if (live && pfd[0].revents != 0 && !chan_control(ctl, &ctlrd)) {
			live = 0;
			close(ctl);
		}
		/* Backwards: chan_drop moves the last channel into i. */
		for (i = chan_npeers; i-- > 0; )
			if (i + first < n && pfd[i + first].revents != 0 &&
			    !chan_serve_one(&chan_peers[i], h->answer))
				chan_drop(i);
	}
	msg_reader_clear(&ctlrd);
}
