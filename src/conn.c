/*
 * conn.c: one client connection in a worker, from accept to close: a
 * PROXY header if the listener expects one, the TLS handshake (or, on
 * a Gopher port with tls, the choice between TLS and plain), reading
 * the request line, writing the reply, close_notify, and a lingering
 * close (always after TLS, and after plain Gopher when the client left
 * bytes unread) so that the response is never cut by a reset.  Each
 * phase has a deadline.  What the reply is, serve.c decides; the
 * request path allocates nothing for prepared content, which points
 * into the snapshot.  Protocol rules live in gemini.c and gopher.c.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <event.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "capsuled.h"
#include "config.h"
#include "conn.h"
#include "deadline.h"
#include "evict.h"
#include "gemini.h"
#include "gopher.h"
#include "log.h"
#include "proxy.h"
#include "quota.h"
#include "serve.h"
#include "sock.h"
#include "source.h"
#include "tlsio.h"

#define CONN_CACHE	256		/* freed conns kept for reuse */
#define CONN_WRITE_MAX	(256 * 1024)	/* bytes per wakeup, for fairness */
#define LINGER_MAX	(64 * 1024)	/* bytes discarded while lingering */

enum conn_state {
	CONN_PROXY,		/* reading a PROXY protocol header */
	CONN_SNIFF,		/* Gopher port: TLS or plain? */
	CONN_HANDSHAKE,
	CONN_READ,
	CONN_WRITE,
	CONN_SHUTDOWN,
	CONN_LINGER
};

struct conn {
	TAILQ_ENTRY(conn)	 entry;
	struct listener		*l;
	int			 fd;
	struct tls		*tls;
	enum conn_state		 state;
	short			 evwhat;	/* registered: EV_READ/WRITE */
	struct event		 ev;
	struct event		 tmo;
	struct timespec		 start;
	char			*rbuf;		/* partial request */
	size_t			 rlen;
	const char		*wp;		/* bytes being written */
	size_t			 wlen;
	char			*owned;		/* a reply built for this conn */
	struct source		 src;		/* after wp: a file, a script */
	int			 status;
	int			 acked;		/* sock_ack_late() */
	size_t			 sent;
	size_t			 lingered;
	struct sockaddr_storage	 peer;
	socklen_t		 peerlen;
	struct sockaddr_storage	 local;		/* from a PROXY header */
	socklen_t		 locallen;	/* 0: ask the socket */
	struct server		*srv;		/* the one answering */
	int			 requested;	/* a request was read */
	int			 logged;	/* its access line written */
	size_t			 reqlen;	/* kept in rbuf for the log */
	struct evict_entry	 wait;		/* no whole request yet */
	struct quota_hold	 hold;		/* counted for its address */
};

TAILQ_HEAD(connlist, conn);

static struct connlist	conn_cache = TAILQ_HEAD_INITIALIZER(conn_cache);
static size_t		conn_ncache;
static size_t		conn_live;
static size_t		conn_files;	/* streamed files open */
static char		conn_scratch[GOPHER_REQUEST_MAX + 2];

/* A PROXY header is read into rbuf, which a request line needs anyway. */
_Static_assert(PROXY_HEADER_MAX <= GOPHER_REQUEST_MAX + 2,
    "rbuf holds a PROXY header");
static struct event_base	*conn_base;
static const struct config	*conn_conf;
static void		(*conn_changed)(void);	/* the worker's */

#define conn_peer(c)	log_debug_addr((struct sockaddr *)&(c)->peer, \
			    (c)->peerlen)
#define conn_elapsed(c, tv)	deadline_elapsed(&(c)->start, (tv))
/* Arm the deadline: secs from now, or from accept when from_start. */
#define conn_deadline(c, secs, from_start) \
	deadline_arm(&(c)->tmo, &(c)->start, (secs), (from_start))

static void	conn_io(int, short, void *);
static void	conn_timeout(int, short, void *);
static void	conn_write(struct conn *);
static void	conn_linger(struct conn *);
static void	conn_read(struct conn *);
static void	conn_handshake(struct conn *);
static void	conn_sniff(struct conn *);
static void	conn_proxy(struct conn *);

/*
 * The worker's event loop and settings; changed is called whenever the
 * number of connections or of descriptors they hold changes, so that
 * the worker can pause or resume accepting.
 */
void
conn_init(struct event_base *base, const struct config *conf,
    void (*changed)(void))
{
	conn_base = base;
	conn_conf = conf;
	conn_changed = changed;
}

size_t
conn_count(void)
{
	return conn_live;
}

/*
 * Descriptors held, not clients: a connection that streams a file holds
 * two, and a cap that forgot the second would run into EMFILE instead
 * of pausing accept.
 */
size_t
conn_fds(void)
{
	return conn_live + conn_files;
}

/* The streamed file (or script) is done: give its fd back. */
static void
conn_close_file(struct conn *c)
{
	if (!source_close(&c->src))
		return;
	conn_files--;
	conn_changed();
}

/* Wait for what on the socket; 0: for nothing (a script's turn). */
static void
conn_want(struct conn *c, short what)
{
	if (c->evwhat == what)
		return;
	if (c->evwhat != 0)
		event_del(&c->ev);
	c->evwhat = 0;
	if (what == 0)
		return;
	event_assign(&c->ev, conn_base, c->fd, what | EV_PERSIST,
	    conn_io, c);
	event_add(&c->ev, NULL);
	c->evwhat = what;
}

/* If res says what the socket must be ready for, wait for it: 1. */
static int
conn_wait(struct conn *c, enum io_result res)
{
	if (res != IO_WANT_READ && res != IO_WANT_WRITE)
		return 0;
	conn_want(c, res == IO_WANT_READ ? EV_READ : EV_WRITE);
	return 1;
}

/*
 * Keep (the start of) the request line for the access log, in rbuf:
 * the line may already be there (memmove), and a connection that never
 * sends a request never needs one, which keeps idle clients small.
 */
static void
conn_keep_request(struct conn *c, const char *line, size_t len)
{
	c->requested = 1;
	if (!log_access_enabled())
		return;
	if (c->rbuf == NULL &&
	    (c->rbuf = malloc(GOPHER_REQUEST_MAX + 2)) == NULL)
		return;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	c->reqlen = len > LOG_REQUEST_MAX ? LOG_REQUEST_MAX + 1 : len;
	memmove(c->rbuf, line, c->reqlen);
}

/* The access line, once per request: when it is answered or abandoned. */
static void
conn_log(struct conn *c)
{
	struct log_access	e;
	struct timeval		tv;

	if (!c->requested || c->logged || !log_access_enabled())
		return;
	c->logged = 1;
	c->status = source_status(&c->src, c->status);
	conn_elapsed(c, &tv);
	e.peer = (struct sockaddr *)&c->peer;
	e.peerlen = c->peerlen;
	e.proto = c->l->proto;
	e.host = (c->srv != NULL ? c->srv : c->l->server)->name;
	e.request = c->rbuf != NULL ? c->rbuf : "";
	e.requestlen = c->rbuf != NULL ? c->reqlen : 0;
	e.status = c->status;
	e.bytes = c->sent;
	e.ms = (long)tv.tv_sec * 1000 + tv.tv_usec / 1000;
	log_access(&e);
}

/* Forget a connection for good: no close_notify, no lingering. */
static void
conn_free(struct conn *c)
{
	conn_log(c);
	if (c->evwhat != 0)
		event_del(&c->ev);
	evtimer_del(&c->tmo);
	evict_done(&c->wait);
	quota_leave(&c->hold);
	if (c->tls != NULL)
		tlsio_free(c->tls);
	if (c->fd != -1)
		close(c->fd);
	conn_close_file(c);
	free(c->owned);
	free(c->src.chunk);
	conn_live--;
	if (conn_ncache < CONN_CACHE) {
		TAILQ_INSERT_HEAD(&conn_cache, c, entry);
		conn_ncache++;
	} else {
		free(c->rbuf);
		free(c);
	}
	conn_changed();
}

/*
 * The table is full: close the connection that has waited longest
 * without a complete request (evict.c says which).  -1: none can go.
 */
int
conn_evict(void)
{
	struct conn	*c;

	if ((c = evict_pick()) == NULL)
		return -1;
	log_debug("%s: closed to make room", conn_peer(c));
	conn_free(c);
	return 0;
}

static enum io_result
conn_io_read(struct conn *c, void *p, size_t len, size_t *n)
{
	if (c->tls != NULL && c->state != CONN_LINGER)
		return tlsio_read(c->tls, p, len, n);
	return sock_read(c->fd, p, len, n);
}

static enum io_result
conn_io_write(struct conn *c, const void *p, size_t len, size_t *n)
{
	if (c->tls != NULL)
		return tlsio_write(c->tls, p, len, n);
	return sock_write(c->fd, p, len, n);
}

/* The script (dyn.c) has more for the client, or is done. */
static void
conn_dyn_ready(void *arg)
{
	struct conn	*c = arg;

	conn_deadline(c, conn_conf->timeout_response, 0);
	conn_write(c);
}

/* Point the connection at its reply; it owns what the reply owns. */
static void
conn_answer(struct conn *c, struct reply *r)
{
	c->wp = r->data;
	c->wlen = r->len;
	c->owned = r->owned;
	c->status = r->status;
	c->srv = r->srv;
	evict_done(&c->wait);	/* being answered: never evicted */
	conn_changed();
	if (r->filefd != -1 || r->dyn != NULL) {
		conn_files++;
		conn_changed();
		if (source_open(&c->src, r->filefd, r->dyn, conn_dyn_ready,
		    c) == -1) {
			conn_files--;
			conn_free(c);
			return;
		}
	}
	/* Fewer packets (sock.c); not a script's, which come when written. */
	if (c->tls != NULL && r->dyn == NULL)
		sock_cork(c->fd);
	c->state = CONN_WRITE;
	conn_deadline(c, conn_conf->timeout_response, 0);
	conn_write(c);
}

static void
conn_request(struct conn *c, const char *line, size_t len)
{
	struct serve_in	in;
	struct reply	r;

	conn_keep_request(c, line, len);
	in.sni = c->tls != NULL ? tlsio_servername(c->tls) : NULL;
	if (serve_rate(c->l, in.sni, (struct sockaddr *)&c->peer, c->peerlen,
	    &r)) {
		conn_answer(c, &r);	/* past its rate-limit */
		return;
	}
	in.l = c->l;
	in.fd = c->fd;
	in.local = &c->local;
	in.locallen = c->locallen;
	in.peer = conn_peer(c);
	in.peer_ss = &c->peer;
	in.peerlen = c->peerlen;
	in.tls = c->tls;
	serve_reply_init(&r, c->l->server);
	if (c->l->proto == PROTO_GEMINI)
		serve_gemini(&in, line, len, &r);
	else
		serve_gopher(&in, line, len, &r);
	conn_answer(c, &r);
}

static void
conn_too_long(struct conn *c, const char *line, size_t len)
{
	struct reply	r;

	conn_keep_request(c, line, len);
	serve_reply_init(&r, c->l->server);
	serve_too_long(c->l->proto, &r);
	conn_answer(c, &r);
}

/*
 * Read until the request line is complete.  The common case (the whole
 * line in one read) is handled from a shared scratch buffer; only a
 * request that arrives in pieces gets a buffer of its own.
 */
static void
conn_read(struct conn *c)
{
	size_t		 cap, n, len, linelen;
	enum io_result	 res;
	char		*p;
	int		 done;

	cap = c->l->proto == PROTO_GEMINI ? GEMINI_REQUEST_MAX + 2 :
	    GOPHER_REQUEST_MAX + 2;
	for (;;) {
		p = c->rlen > 0 ? c->rbuf + c->rlen : conn_scratch;
		res = conn_io_read(c, p, cap - c->rlen, &n);
		if (conn_wait(c, res)) {
			if (c->tls != NULL && sock_ack_late(c->fd, &c->acked))
				continue;	/* the request came meanwhile */
			return;
		}
		if (res != IO_DONE) {
			conn_free(c);	/* gone before asking anything */
			return;
		}
		if (c->rlen > 0) {
			c->rlen += n;
			p = c->rbuf;
		}
		len = c->rlen > 0 ? c->rlen : n;
		if (c->l->proto == PROTO_GEMINI)
			done = gemini_line_complete(p, len, &linelen);
		else {
			done = gopher_line_complete(p, len, &linelen);
			if (done == 0 && len == cap)
				done = -1;
		}
		if (done == 1) {
			conn_request(c, p, linelen);
			return;
		}
		if (done == -1) {
			conn_too_long(c, p, len);
			return;
		}
		evict_started(&c->wait, c);
		if (c->rlen == 0) {
			if (c->rbuf == NULL &&
			    (c->rbuf = malloc(GOPHER_REQUEST_MAX + 2)) == NULL) {
				conn_free(c);
				return;
			}
			memcpy(c->rbuf, conn_scratch, n);
			c->rlen = n;
		}
	}
}

static void
conn_handshake(struct conn *c)
{
	enum io_result	res = tlsio_handshake(c->tls);

	if (conn_wait(c, res))
		return;
	if (res != IO_DONE) {
		log_debug("%s: handshake: %s", conn_peer(c),
		    tlsio_error(c->tls));
		conn_free(c);
		return;
	}
	c->state = CONN_READ;
	conn_deadline(c, conn_conf->timeout_request, 1);
	conn_read(c);
}

/*
 * Next bytes to write, from the streamed file or the script.  1: some;
 * 0: done; -1: failed; 2: wait for the script (conn_dyn_ready).
 */
static int
conn_refill(struct conn *c)
{
	switch (source_next(&c->src, &c->wp, &c->wlen)) {
	case SOURCE_DATA:
		return 1;
	case SOURCE_WAIT:
		return 2;
	case SOURCE_END:
		conn_close_file(c);
		return 0;
	default:
		return -1;
	}
}

static void
conn_shutdown(struct conn *c)
{
	if (!conn_wait(c, tlsio_close(c->tls)))
		conn_linger(c);
}

/*
 * The whole response is out: close_notify (TLS), then linger.  A plain
 * connection with nothing unread closes at once: close() then sends a
 * FIN after the queued reply, not a reset, and a Gopher request costs
 * three system calls fewer.  TLS always lingers, for the client's own
 * close_notify that follows ours.
 */
static void
conn_done(struct conn *c)
{
	conn_log(c);
	if (c->tls != NULL) {
		c->state = CONN_SHUTDOWN;
		conn_shutdown(c);
	} else if (sock_unread(c->fd))
		conn_linger(c);
	else
		conn_free(c);
}

static void
conn_write(struct conn *c)
{
	enum io_result	res;
	size_t		n, budget = CONN_WRITE_MAX;
	int		r;

	while (budget > 0) {
		if (c->wlen == 0) {
			if ((r = conn_refill(c)) == 0) {
				conn_done(c);
				return;
			}
			if (r == -1) {
				conn_free(c);
				return;
			}
			if (r == 2) {
				/* dyn.c's deadline (timeout cgi) applies. */
				conn_want(c, 0);
				evtimer_del(&c->tmo);
				return;
			}
			continue;
		}
		res = conn_io_write(c, c->wp, c->wlen, &n);
		if (res == IO_DONE) {
			c->wp += n;
			c->wlen -= n;
			c->sent += n;
			budget -= n < budget ? n : budget;
			continue;
		}
		if (conn_wait(c, res)) {
			conn_deadline(c, conn_conf->timeout_response, 0);
			return;
		}
		conn_free(c);	/* the client went away */
		return;
	}
	/* Let other connections have their turn. */
	conn_want(c, EV_WRITE);
	conn_deadline(c, conn_conf->timeout_response, 0);
}

/* Discard what the client still sends until its FIN, then close. */
static void
conn_drain(struct conn *c)
{
	size_t		n;
	enum io_result	res;

	for (;;) {
		res = conn_io_read(c, conn_scratch, sizeof(conn_scratch), &n);
		if (res == IO_WANT_READ && c->lingered < LINGER_MAX) {
			conn_want(c, EV_READ);
			return;
		}
		if (res != IO_DONE || (c->lingered += n) >= LINGER_MAX) {
			conn_free(c);
			return;
		}
		/* A short read emptied the socket: the FIN comes later. */
		if (n < sizeof(conn_scratch)) {
			conn_want(c, EV_READ);
			return;
		}
	}
}

/*
 * Closing with unread bytes in the socket makes the kernel send a reset,
 * which can destroy the end of a response still in flight.  So: FIN
 * first, then wait (briefly) for the client's FIN before closing.
 */
static void
conn_linger(struct conn *c)
{
	struct timeval	tv = { TIMEOUT_LINGER, 0 };

	c->state = CONN_LINGER;
	if (shutdown(c->fd, SHUT_WR) == -1) {
		conn_free(c);
		return;
	}
	evtimer_add(&c->tmo, &tv);
	/* The client has only just been sent our FIN: wait, don't read. */
	conn_want(c, EV_READ);
}

/* Start TLS on the connection (the first byte said it is TLS). */
static void
conn_start_tls(struct conn *c)
{
	if (tlsio_accept(c->l, c->fd, &c->tls) == -1) {
		conn_free(c);
		return;
	}
	c->state = CONN_HANDSHAKE;
	conn_handshake(c);
}

/*
 * After accept (and after a PROXY header): Gemini is TLS; a Gopher
 * port with "tls" speaks TLS to clients whose first byte is 0x16 (a
 * TLS handshake record) and plain Gopher to the rest.  No TLS state is
 * made before the client's first byte is in (conn_sniff): a silent
 * connection costs its struct conn and its event, not OpenSSL's 40 KB.
 */
static void
conn_start(struct conn *c)
{
	struct reply	r;

	/* Over its address's cap: closed at once, or told (Gopher). */
	switch (serve_admit(c->l, (struct sockaddr *)&c->peer, c->peerlen,
	    &c->hold, &r)) {
	case -1:
		conn_free(c);
		return;
	case 1:
		conn_answer(c, &r);
		return;
	}
	if (c->l->proto == PROTO_GEMINI) {
		c->state = CONN_SNIFF;
		conn_deadline(c, conn_conf->timeout_handshake, 1);
		sock_delayack(c->fd);	/* fewer packets: sock.c */
		conn_want(c, EV_READ);
	} else if (c->l->flags & LISTEN_TLS) {
		c->state = CONN_SNIFF;
		conn_deadline(c, conn_conf->timeout_request, 1);
		conn_sniff(c);
	} else {
		c->state = CONN_READ;
		conn_deadline(c, conn_conf->timeout_request, 1);
		conn_read(c);
	}
}

static void
conn_sniff(struct conn *c)
{
	unsigned char	first;
	int		rc;

	if (c->l->proto == PROTO_GEMINI) {
		conn_start_tls(c);	/* readable: bytes (or EOF) are in */
		return;
	}
	if ((rc = sock_peek(c->fd, &first)) == 0) {
		conn_want(c, EV_READ);
		return;
	}
	if (rc == -1) {
		conn_free(c);
		return;
	}
	if (first == 0x16)
		conn_start_tls(c);
	else {
		c->state = CONN_READ;
		conn_read(c);
	}
}

/*
 * A PROXY protocol header first (sock.c reads exactly its bytes); the
 * part read so far waits in rbuf.  Its addresses replace the socket's.
 */
static void
conn_proxy(struct conn *c)
{
	struct proxy_result	 r;
	const char		*err;
	int			 rc;

	if (c->rbuf == NULL &&
	    (c->rbuf = malloc(GOPHER_REQUEST_MAX + 2)) == NULL) {
		conn_free(c);
		return;
	}
	if ((rc = sock_proxy(c->fd, (unsigned char *)c->rbuf, &c->rlen, &r,
	    &err)) == 0) {
		conn_want(c, EV_READ);
		return;
	}
	if (rc == -1) {
		if (err != NULL)
			log_debug("%s: %s", conn_peer(c), err);
		conn_free(c);
		return;
	}
	c->rlen = 0;
	if (!r.local) {
		memcpy(&c->peer, &r.src, r.srclen);
		c->peerlen = r.srclen;
		memcpy(&c->local, &r.dst, r.dstlen);
		c->locallen = r.dstlen;
	}
	conn_start(c);
}

static void
conn_io(int fd, short what, void *arg)
{
	struct conn	*c = arg;

	(void)fd;
	(void)what;
	evict_started(&c->wait, c);	/* readable: bytes are in */
	switch (c->state) {
	case CONN_PROXY:
		conn_proxy(c);
		break;
	case CONN_SNIFF:
		conn_sniff(c);
		break;
	case CONN_HANDSHAKE:
		conn_handshake(c);
		break;
	case CONN_READ:
		conn_read(c);
		break;
	case CONN_WRITE:
		conn_write(c);
		break;
	case CONN_SHUTDOWN:
		conn_shutdown(c);
		break;
	case CONN_LINGER:
		conn_drain(c);
		break;
	}
}

static void
conn_timeout(int fd, short what, void *arg)
{
	struct conn			*c = arg;
	static const char *const	 phase[] = {
		[CONN_PROXY] = "PROXY header",
		[CONN_SNIFF] = "first byte",
		[CONN_HANDSHAKE] = "TLS handshake",
		[CONN_READ] = "request",
		[CONN_WRITE] = "response",
		[CONN_SHUTDOWN] = "close_notify",
		[CONN_LINGER] = "linger",
	};

	(void)fd;
	(void)what;
	log_debug("%s: %s deadline passed", conn_peer(c), phase[c->state]);
	conn_free(c);
}

/* A new connection (from the worker's accept); the conn takes over fd. */
int
conn_accept(struct listener *l, int fd, const struct sockaddr_storage *ss,
    socklen_t sslen)
{
	struct conn	*c;
	char		*rbuf = NULL;

	if ((c = TAILQ_FIRST(&conn_cache)) != NULL) {
		TAILQ_REMOVE(&conn_cache, c, entry);
		conn_ncache--;
		rbuf = c->rbuf;
	} else if ((c = malloc(sizeof(*c))) == NULL) {
		close(fd);
		return -1;
	}
	memset(c, 0, sizeof(*c));
	c->rbuf = rbuf;
	c->l = l;
	c->fd = fd;
	source_init(&c->src);
	memcpy(&c->peer, ss, sslen);
	c->peerlen = sslen;
	clock_gettime(CLOCK_MONOTONIC, &c->start);
	evtimer_assign(&c->tmo, conn_base, conn_timeout, c);
	evict_wait(&c->wait, EVICT_SILENT, c);
	conn_live++;
	conn_changed();
	if (l->flags & LISTEN_PROXY) {
		c->state = CONN_PROXY;
		conn_deadline(c, conn_conf->timeout_request, 0);
		conn_proxy(c);
	} else
		conn_start(c);
	return 0;
}
