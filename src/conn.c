/*
 * conn.c: one client connection in a worker, from accept to close:
 * TLS handshake, reading the request line, answering from the snapshot,
 * close_notify, and a lingering close so that the response is never cut
 * by a reset.  Each phase has a deadline.  The request path allocates
 * nothing for prepared content: the reply points into the snapshot.
 * Protocol rules live in gemini.c and gopher.c, not here.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <netdb.h>

#include <errno.h>
#include <event.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "capsuled.h"

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
	const char		*next;		/* queued after wp */
	size_t			 nextlen;
	char			*owned;		/* a reply built for this conn */
	int			 filefd;	/* streamed file */
	char			*chunk;
	int			 status;
	int			 acked;		/* Finished ACKed at once */
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
};

TAILQ_HEAD(connlist, conn);

static struct connlist	conn_cache = TAILQ_HEAD_INITIALIZER(conn_cache);
static size_t		conn_ncache;
static size_t		conn_live;
static size_t		conn_max = 1024;
static char		conn_scratch[GOPHER_REQUEST_MAX + 2];

static void	conn_io(int, short, void *);
static void	conn_timeout(int, short, void *);
static void	conn_write(struct conn *);
static void	conn_linger(struct conn *);
static void	conn_read(struct conn *);
static void	conn_handshake(struct conn *);
static void	conn_sniff(struct conn *);
static void	conn_proxy(struct conn *);

size_t
conn_count(void)
{
	return conn_live;
}

void
conn_set_limit(size_t max)
{
	conn_max = max > 0 ? max : 1;
}

int
conn_at_limit(void)
{
	return conn_live >= conn_max;
}

static void
conn_elapsed(const struct conn *c, struct timeval *tv)
{
	struct timespec	now;
	long long	ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (now.tv_sec - c->start.tv_sec) * 1000LL +
	    (now.tv_nsec - c->start.tv_nsec) / 1000000;
	tv->tv_sec = ms / 1000;
	tv->tv_usec = (ms % 1000) * 1000;
}

/* Arm the deadline: secs from now, or from accept when from_start. */
static void
conn_deadline(struct conn *c, int secs, int from_start)
{
	struct timeval	tv = { secs, 0 }, el;

	if (from_start) {
		conn_elapsed(c, &el);
		if (el.tv_sec >= secs) {
			tv.tv_sec = 0;
			tv.tv_usec = 0;
		} else {
			tv.tv_sec = secs - el.tv_sec - (el.tv_usec > 0);
			tv.tv_usec = el.tv_usec > 0 ? 1000000 - el.tv_usec : 0;
		}
	}
	evtimer_add(&c->tmo, &tv);
}

static void
conn_want(struct conn *c, short what)
{
	if (c->evwhat == what)
		return;
	if (c->evwhat != 0)
		event_del(&c->ev);
	event_assign(&c->ev, worker_base(), c->fd, what | EV_PERSIST,
	    conn_io, c);
	event_add(&c->ev, NULL);
	c->evwhat = what;
}

static const char *
conn_peer(struct conn *c)
{
	static char	host[NI_MAXHOST];

	/* Only log_debug() uses it: no formatting when it prints nothing. */
	if (log_getverbose() < 1)
		return "";
	if (getnameinfo((struct sockaddr *)&c->peer, c->peerlen, host,
	    sizeof(host), NULL, 0, NI_NUMERICHOST) != 0)
		return "?";
	return host;
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
	int	was_full = conn_at_limit();

	conn_log(c);
	if (c->evwhat != 0)
		event_del(&c->ev);
	evtimer_del(&c->tmo);
	if (c->tls != NULL)
		tlsio_free(c->tls);
	if (c->fd != -1)
		close(c->fd);
	if (c->filefd != -1)
		close(c->filefd);
	free(c->owned);
	free(c->chunk);
	conn_live--;
	if (conn_ncache < CONN_CACHE) {
		TAILQ_INSERT_HEAD(&conn_cache, c, entry);
		conn_ncache++;
	} else {
		free(c->rbuf);
		free(c);
	}
	if (was_full && !conn_at_limit())
		listen_limit(0);
	worker_conn_closed();
}

static enum io_result
conn_io_read(struct conn *c, void *p, size_t len, size_t *n)
{
	ssize_t	r;

	if (c->tls != NULL && c->state != CONN_LINGER)
		return tlsio_read(c->tls, p, len, n);
	*n = 0;
	if ((r = read(c->fd, p, len)) > 0) {
		*n = (size_t)r;
		return IO_DONE;
	}
	if (r == 0)
		return IO_EOF;
	if (errno == EAGAIN || errno == EINTR)
		return IO_WANT_READ;
	return IO_ERROR;
}

static enum io_result
conn_io_write(struct conn *c, const void *p, size_t len, size_t *n)
{
	ssize_t	r;

	if (c->tls != NULL)
		return tlsio_write(c->tls, p, len, n);
	*n = 0;
	if ((r = send(c->fd, p, len, MSG_NOSIGNAL)) >= 0) {
		*n = (size_t)r;
		return IO_DONE;
	}
	if (errno == EAGAIN || errno == EINTR)
		return IO_WANT_WRITE;
	return IO_ERROR;
}

/* Answer with bytes that live as long as the snapshot (or longer). */
static void
conn_reply(struct conn *c, const char *p, size_t len)
{
	c->wp = p;
	c->wlen = len;
}

/* Answer with a reply built for this connection; c owns it now. */
static void
conn_reply_buf(struct conn *c, struct buf *b)
{
	size_t	len;

	if ((c->owned = buf_release(b, &len)) == NULL) {
		c->wlen = 0;
		return;
	}
	conn_reply(c, c->owned, len);
}

static void
conn_reply_status(struct conn *c, int status)
{
	size_t	len;

	c->status = status;
	c->wp = gemini_status(status, &len);
	c->wlen = len;
}

static void
conn_gopher_error(struct conn *c, const char *msg)
{
	struct buf	b;

	buf_init(&b);
	gopher_error(&b, msg);
	c->status = 3;
	conn_reply_buf(c, &b);
}

/* Send a snapshot answer, opening the file first if it is streamed. */
static int
conn_snapshot(struct conn *c, const struct snapshot *snap,
    const struct snapshot_resp *r)
{
	if (r->stream == NULL) {
		conn_reply(c, r->data, r->len);
		return 0;
	}
	c->filefd = snapshot_open(snapshot_rootfd(snap), r->stream, 0);
	if (c->filefd == -1 ||
	    (c->chunk == NULL && (c->chunk = malloc(STREAM_CHUNK)) == NULL)) {
		log_warn("open %s", r->stream);
		return -1;
	}
	if (r->header != NULL)
		conn_reply(c, r->header, r->headerlen);
	return 0;
}

/*
 * The name a client gave in TLS (SNI) is the host it set the connection
 * up for: it must be one of the names of the server that answers, or
 * the request was meant for another server (53).  Without SNI (an
 * IP-literal URL, or an old client), or for an IP-literal URL, for
 * which RFC 6066 has no SNI, the URL's host alone decides.
 */
static int
conn_sni_ok(struct conn *c, const struct server *srv, const struct uri *u)
{
	const char	*sni = tlsio_servername(c->tls);

	if (sni == NULL || *sni == '\0' || u->ipliteral)
		return 1;
	return config_server_named(srv, sni, strlen(sni));
}

static void
conn_gemini(struct conn *c, const char *line, size_t len)
{
	struct gemini_request	 req;
	struct snapshot_resp	 r;
	struct server		*srv;
	struct buf		 b;
	struct sockaddr_storage	 ss;
	socklen_t		 sslen = sizeof(ss);
	char			 local[NI_MAXHOST];
	const char		*err, *lp = NULL;
	int			 status;

	/* SNI chooses among the servers on this address. */
	srv = c->srv = config_listener_server(c->l, tlsio_servername(c->tls));
	if ((status = gemini_parse_request(line, len, &req, &err)) != 0) {
		log_debug("%s: gemini: %s", conn_peer(c), err);
		conn_reply_status(c, status);
		return;
	}
	/*
	 * An IP-literal URL must name the address the client reached:
	 * the balancer's, when a PROXY header said which, else ours.
	 */
	if (req.uri.ipliteral) {
		if (c->locallen > 0) {
			memcpy(&ss, &c->local, c->locallen);
			sslen = c->locallen;
		}
		if ((c->locallen > 0 || getsockname(c->fd,
		    (struct sockaddr *)&ss, &sslen) == 0) &&
		    getnameinfo((struct sockaddr *)&ss, sslen, local,
		    sizeof(local), NULL, 0, NI_NUMERICHOST) == 0)
			lp = local;
	}
	if (!config_server_uri(srv, &req.uri, lp) ||
	    !gemini_port_matches(&req.uri, config_public_port(c->l, srv)) ||
	    !conn_sni_ok(c, srv, &req.uri)) {
		log_debug("%s: gemini: not our host or port, or not the "
		    "host named in SNI", conn_peer(c));
		conn_reply_status(c, 53);
		return;
	}
	if (results_match(snapshot_search(srv->snap), req.path, req.pathlen)) {
		buf_init(&b);
		c->status = results_gemini(snapshot_search(srv->snap),
		    req.uri.query, req.uri.querylen, &b);
		conn_reply_buf(c, &b);
		return;
	}
	if (snapshot_lookup(srv->snap, PROTO_GEMINI, req.path, req.pathlen,
	    &r) == -1) {
		conn_reply_status(c, 51);
		return;
	}
	c->status = r.status;
	if (conn_snapshot(c, srv->snap, &r) == -1)
		conn_reply_status(c, 40);
}

static void
conn_gopher(struct conn *c, const char *line, size_t len)
{
	static struct gopher_request	 req;
	struct snapshot_resp		 r;
	struct server			*srv = c->srv = c->l->server;
	struct buf			 b;
	const char			*err;

	if (gopher_parse_request(line, len, &req, &err) == -1) {
		log_debug("%s: gopher: %s", conn_peer(c), err);
		conn_gopher_error(c, err);
		return;
	}
	if (req.url) {
		buf_init(&b);
		gopher_url_page(&b, req.path, req.pathlen);
		conn_reply_buf(c, &b);
		return;
	}
	if (results_match(snapshot_search(srv->snap), req.path, req.pathlen)) {
		buf_init(&b);
		c->status = results_gopher(snapshot_search(srv->snap),
		    req.search, req.searchlen, &b);
		conn_reply_buf(c, &b);
		return;
	}
	if (snapshot_lookup(srv->snap, PROTO_GOPHER, req.path, req.pathlen,
	    &r) == -1) {
		conn_gopher_error(c, "Not found");
		return;
	}
	if (conn_snapshot(c, srv->snap, &r) == -1)
		conn_gopher_error(c, "Temporary failure");
}

static void
conn_request(struct conn *c, const char *line, size_t len)
{
	conn_keep_request(c, line, len);
	if (c->l->proto == PROTO_GEMINI)
		conn_gemini(c, line, len);
	else
		conn_gopher(c, line, len);
	c->state = CONN_WRITE;
	conn_deadline(c, worker_config()->timeout_response, 0);
	conn_write(c);
}

static void
conn_too_long(struct conn *c)
{
	if (c->l->proto == PROTO_GEMINI)
		conn_reply_status(c, 59);
	else
		conn_gopher_error(c, "Request too long");
	c->state = CONN_WRITE;
	conn_deadline(c, worker_config()->timeout_response, 0);
	conn_write(c);
}

/*
 * The handshake is done and the request is not here yet.  A client
 * with Nagle on (OpenSSL's s_client, Python, ...) holds its request
 * until we ACK its Finished, and with no session ticket to send our
 * kernel delays that ACK by 40 ms.  TCP_QUICKACK sends the pending ACK
 * now.  Once per connection; a failure only costs latency.
 */
static void
conn_quickack(struct conn *c)
{
	int	on = 1;

	if (c->tls == NULL || c->acked)
		return;
	c->acked = 1;
	(void)setsockopt(c->fd, IPPROTO_TCP, TCP_QUICKACK, &on, sizeof(on));
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
		if (res == IO_WANT_READ || res == IO_WANT_WRITE) {
			conn_quickack(c);
			conn_want(c, res == IO_WANT_READ ? EV_READ : EV_WRITE);
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
			conn_keep_request(c, p, len);
			conn_too_long(c);
			return;
		}
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
	switch (tlsio_handshake(c->tls)) {
	case IO_DONE:
		c->state = CONN_READ;
		conn_deadline(c, worker_config()->timeout_request, 1);
		conn_read(c);
		break;
	case IO_WANT_READ:
		conn_want(c, EV_READ);
		break;
	case IO_WANT_WRITE:
		conn_want(c, EV_WRITE);
		break;
	default:
		log_debug("%s: handshake: %s", conn_peer(c),
		    tlsio_error(c->tls));
		conn_free(c);
		break;
	}
}

/* Next bytes to write: the queued part, then file chunks.  0: done. */
static int
conn_refill(struct conn *c)
{
	ssize_t	n;

	if (c->next != NULL) {
		conn_reply(c, c->next, c->nextlen);
		c->next = NULL;
		return 1;
	}
	if (c->filefd == -1)
		return 0;
	if ((n = read(c->filefd, c->chunk, STREAM_CHUNK)) == -1 &&
	    errno == EINTR)
		return 1;
	if (n <= 0) {
		close(c->filefd);
		c->filefd = -1;
		return n == 0 ? 0 : -1;
	}
	conn_reply(c, c->chunk, (size_t)n);
	return 1;
}

static void
conn_shutdown(struct conn *c)
{
	switch (tlsio_close(c->tls)) {
	case IO_WANT_READ:
		conn_want(c, EV_READ);
		break;
	case IO_WANT_WRITE:
		conn_want(c, EV_WRITE);
		break;
	default:
		conn_linger(c);
		break;
	}
}

/* The whole response is out: close_notify (TLS), then linger. */
static void
conn_done(struct conn *c)
{
	conn_log(c);
	if (c->tls != NULL) {
		c->state = CONN_SHUTDOWN;
		conn_shutdown(c);
	} else
		conn_linger(c);
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
		if (res == IO_WANT_READ || res == IO_WANT_WRITE) {
			conn_want(c, res == IO_WANT_READ ? EV_READ : EV_WRITE);
			conn_deadline(c, worker_config()->timeout_response, 0);
			return;
		}
		conn_free(c);	/* the client went away */
		return;
	}
	/* Let other connections have their turn. */
	conn_want(c, EV_WRITE);
	conn_deadline(c, worker_config()->timeout_response, 0);
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
 * TLS handshake record) and plain Gopher to the rest.
 */
static void
conn_start(struct conn *c)
{
	if (c->l->proto == PROTO_GEMINI) {
		conn_deadline(c, worker_config()->timeout_handshake, 1);
		conn_start_tls(c);
	} else if (c->l->flags & LISTEN_TLS) {
		c->state = CONN_SNIFF;
		conn_deadline(c, worker_config()->timeout_request, 1);
		conn_sniff(c);
	} else {
		c->state = CONN_READ;
		conn_deadline(c, worker_config()->timeout_request, 1);
		conn_read(c);
	}
}

static void
conn_sniff(struct conn *c)
{
	unsigned char	first;
	ssize_t		n;

	n = recv(c->fd, &first, 1, MSG_PEEK);
	if (n == -1 && (errno == EAGAIN || errno == EINTR)) {
		conn_want(c, EV_READ);
		return;
	}
	if (n <= 0) {
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
 * Read a PROXY protocol header without reading one byte past it: peek,
 * let proxy.c say where the header ends, and consume only that much.
 * Bytes of an unfinished header are all header bytes (v1 ends at the
 * first CRLF, v2 says its length), so they are consumed and kept.
 */
static void
conn_proxy(struct conn *c)
{
	struct proxy_result	 r;
	unsigned char		 hdr[PROXY_HEADER_MAX];
	const char		*err;
	ssize_t			 n;
	size_t			 take;
	int			 rc;

	if (c->rlen > 0)
		memcpy(hdr, c->rbuf, c->rlen);
	n = recv(c->fd, hdr + c->rlen, sizeof(hdr) - c->rlen, MSG_PEEK);
	if (n == -1 && (errno == EAGAIN || errno == EINTR)) {
		conn_want(c, EV_READ);
		return;
	}
	if (n <= 0 || (rc = proxy_parse(hdr, c->rlen + n, &r, &err)) == -1) {
		if (n > 0)
			log_debug("%s: %s", conn_peer(c), err);
		conn_free(c);
		return;
	}
	take = rc == 1 ? r.hdrlen - c->rlen : (size_t)n;
	if (read(c->fd, hdr + c->rlen, take) != (ssize_t)take) {
		conn_free(c);
		return;
	}
	if (rc == 0) {
		if (c->rbuf == NULL &&
		    (c->rbuf = malloc(GOPHER_REQUEST_MAX + 2)) == NULL) {
			conn_free(c);
			return;
		}
		memcpy(c->rbuf + c->rlen, hdr + c->rlen, take);
		c->rlen += take;
		conn_want(c, EV_READ);
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

/* A new connection from listen.c; the conn takes over fd. */
int
conn_accepted(struct listener *l, int fd, struct sockaddr_storage *ss,
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
	c->filefd = -1;
	memcpy(&c->peer, ss, sslen);
	c->peerlen = sslen;
	clock_gettime(CLOCK_MONOTONIC, &c->start);
	evtimer_assign(&c->tmo, worker_base(), conn_timeout, c);
	conn_live++;
	if (l->flags & LISTEN_PROXY) {
		c->state = CONN_PROXY;
		conn_deadline(c, worker_config()->timeout_request, 0);
		conn_proxy(c);
	} else
		conn_start(c);
	return 0;
}
