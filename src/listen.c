/*
 * listen.c: listening sockets and accepting.  The parent binds (and on
 * reload keeps every socket whose address is unchanged, so that no
 * queued connection is lost; an address configured with port 0 keeps
 * the port the kernel picked); workers accept on the inherited sockets.
 * Accepting stops while the worker is at its connection cap, backs off
 * for a moment on EMFILE/ENFILE instead of spinning, and stops for good
 * when the worker retires.  Each accepted descriptor goes to the
 * worker's callback; listen.c knows nothing of connections.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <event.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "capsuled.h"
#include "config.h"
#include "listen.h"
#include "log.h"

#define LISTEN_PAUSE_LIMIT	0x01	/* at the connection cap */
#define LISTEN_PAUSE_FD		0x02	/* out of descriptors */
#define LISTEN_PAUSE_RETIRED	0x04	/* for good */

static struct config	*listen_conf;
static int		(*listen_cb)(struct listener *, int,
			    const struct sockaddr_storage *, socklen_t);
static struct event	*listen_backoff;
static int		 listen_paused;
static int		 listen_active;
static int		 listen_fd_short;	/* in an EMFILE episode */

static int
listen_socket(struct listener *l, const char **errstr)
{
	static char		err[128];
	struct sockaddr_storage	bound;
	socklen_t		len;
	int			fd, on = 1;

	fd = socket(l->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd == -1)
		goto fail;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1)
		goto fail;
	/* One socket per family, so the v6 one must not take v4 too. */
	if (l->ss.ss_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6,
	    IPV6_V6ONLY, &on, sizeof(on)) == -1)
		goto fail;
	/*
	 * No Nagle: a TLS response is a record and then close_notify, and
	 * Nagle would hold the small alert until the client ACKs the
	 * response, adding a round trip (or a delayed-ACK wait, 40 ms on
	 * Linux) to every request.  Accepted sockets inherit the option,
	 * so it costs nothing per connection.
	 */
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)) == -1)
		goto fail;
	if (bind(fd, (struct sockaddr *)&l->ss, l->sslen) == -1)
		goto fail;
	if (listen(fd, LISTEN_BACKLOG) == -1)
		goto fail;
	/* Port 0: the one the kernel picked, before menus name it. */
	len = sizeof(bound);
	if (getsockname(fd, (struct sockaddr *)&bound, &len) == -1)
		goto fail;
	config_listener_port(l, ntohs(bound.ss_family == AF_INET6 ?
	    ((struct sockaddr_in6 *)&bound)->sin6_port :
	    ((struct sockaddr_in *)&bound)->sin_port));
	l->fd = fd;
	return 0;
fail:
	snprintf(err, sizeof(err), "%s: %s", l->name, strerror(errno));
	*errstr = err;
	if (fd != -1)
		close(fd);
	return -1;
}

/*
 * Is old listener o's socket the one new listener l asks for?  An
 * address with a port is on the same address and port, wherever o's
 * port came from; an address with port 0 is one that was configured the
 * same way (for Gopher, by the same server), which keeps the port the
 * kernel picked across reloads.
 */
static int
listen_same(const struct listener *o, const struct listener *l)
{
	if (o->fd == -1 || o->sslen != l->sslen)
		return 0;
	if (l->port != 0)
		return memcmp(&o->ss, &l->ss, l->sslen) == 0;
	return o->proto == l->proto &&
	    memcmp(&o->cfg, &l->cfg, l->sslen) == 0 &&
	    (l->proto == PROTO_GEMINI ||
	    strcmp(o->server->name, l->server->name) == 0);
}

/*
 * Give every listener of conf a socket, taking over the socket of an
 * old listener with the same address when there is one.  On failure the
 * sockets taken over are handed back, so old keeps serving.
 */
int
listen_bind(struct config *conf, struct config *old, const char **errstr)
{
	struct listener	*l, *o;

	TAILQ_FOREACH(l, &conf->listeners, entry) {
		if (old != NULL) {
			TAILQ_FOREACH(o, &old->listeners, entry) {
				if (listen_same(o, l)) {
					l->fd = o->fd;
					o->fd = -1;
					l->reused = o;
					config_listener_port(l, o->port);
					break;
				}
			}
		}
		if (l->fd == -1 && listen_socket(l, errstr) == -1) {
			listen_unbind(conf);
			return -1;
		}
	}
	return 0;
}

/* Undo listen_bind: hand taken-over sockets back, close new ones. */
void
listen_unbind(struct config *conf)
{
	struct listener	*l;

	TAILQ_FOREACH(l, &conf->listeners, entry) {
		if (l->reused != NULL) {
			l->reused->fd = l->fd;
			l->fd = -1;
		} else if (l->fd != -1) {
			close(l->fd);
			l->fd = -1;
		}
		l->reused = NULL;
	}
}

static void
listen_update(void)
{
	struct listener	*l;
	int		 want = listen_paused == 0;

	if (want == listen_active)
		return;
	TAILQ_FOREACH(l, &listen_conf->listeners, entry) {
		if (l->ev == NULL)
			continue;
		if (want)
			event_add(l->ev, NULL);
		else
			event_del(l->ev);
	}
	listen_active = want;
}

static void
listen_backoff_done(int fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	(void)arg;
	listen_paused &= ~LISTEN_PAUSE_FD;
	listen_update();
}

static void
listen_accept(int fd, short ev, void *arg)
{
	struct listener		*l = arg;
	struct sockaddr_storage	 ss;
	struct timeval		 tv = { 0, ACCEPT_BACKOFF_MS * 1000 };
	socklen_t		 len;
	int			 i, s;

	(void)ev;
	for (i = 0; i < ACCEPT_BATCH; i++) {
		len = sizeof(ss);
		s = accept4(fd, (struct sockaddr *)&ss, &len,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (s == -1) {
			switch (errno) {
			case EAGAIN:
			case EINTR:
			case ECONNABORTED:
				return;
			case EMFILE:
			case ENFILE:
				/*
				 * Let closing connections free some first;
				 * say so once, not at every retry.
				 */
				if (!listen_fd_short)
					log_warn("accept on %s, pausing",
					    l->name);
				listen_fd_short = 1;
				listen_paused |= LISTEN_PAUSE_FD;
				listen_update();
				evtimer_add(listen_backoff, &tv);
				return;
			default:
				log_warn("accept on %s", l->name);
				return;
			}
		}
		if (listen_fd_short) {
			log_warnx("accepting again on %s", l->name);
			listen_fd_short = 0;
		}
		if (listen_cb(l, s, &ss, len)) {
			listen_limit(1);
			return;
		}
	}
}

/*
 * In a worker: start accepting on every listener of conf, handing each
 * new connection to cb.
 */
int
listen_start(struct config *conf, struct event_base *base,
    int (*cb)(struct listener *, int, const struct sockaddr_storage *,
    socklen_t))
{
	struct listener	*l;

	listen_conf = conf;
	listen_cb = cb;
	if ((listen_backoff = evtimer_new(base, listen_backoff_done,
	    NULL)) == NULL)
		return -1;
	TAILQ_FOREACH(l, &conf->listeners, entry) {
		l->ev = event_new(base, l->fd, EV_READ | EV_PERSIST,
		    listen_accept, l);
		if (l->ev == NULL || event_add(l->ev, NULL) == -1)
			return -1;
	}
	listen_active = 1;
	return 0;
}

/* Stop or resume accepting because of the connection cap. */
void
listen_limit(int at_limit)
{
	if (listen_conf == NULL)
		return;
	if (at_limit)
		listen_paused |= LISTEN_PAUSE_LIMIT;
	else
		listen_paused &= ~LISTEN_PAUSE_LIMIT;
	listen_update();
}

/*
 * A retiring worker stops accepting for good and closes its copies of
 * the sockets; the parent and the next generation keep them open.
 */
void
listen_stop(void)
{
	struct listener	*l;

	if (listen_conf == NULL)
		return;
	listen_paused |= LISTEN_PAUSE_RETIRED;
	listen_update();
	TAILQ_FOREACH(l, &listen_conf->listeners, entry) {
		if (l->ev != NULL) {
			event_free(l->ev);
			l->ev = NULL;
		}
		if (l->fd != -1) {
			close(l->fd);
			l->fd = -1;
		}
	}
	if (listen_backoff != NULL) {
		event_free(listen_backoff);
		listen_backoff = NULL;
	}
}
