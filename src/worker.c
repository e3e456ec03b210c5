/*
 * worker.c: a worker process.  It inherits the listening sockets and one
 * generation's snapshots from the parent, sandboxes itself (sandbox.c:
 * chroot, user, seccomp or pledge), and runs one libevent loop.  It owns
 * the connection table's limit: listen.c hands it every accepted socket,
 * conn.c serves it and says when the table changed, and the worker
 * decides when accepting pauses and resumes.  It retires when the parent
 * closes its pipe (a reload or shutdown, or the parent died) or on
 * SIGTERM/SIGINT: it stops accepting, lets the open connections finish
 * within TIMEOUT_RETIRE, and exits.  It never reads the configuration
 * or the capsule itself.
 */

#include <sys/types.h>
#include <sys/resource.h>

#include <errno.h>
#include <event.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capsuled.h"
#include "chan.h"
#include "config.h"
#include "conn.h"
#include "dyn.h"
#include "dyncall.h"
#include "evict.h"
#include "evpool.h"
#include "helper.h"
#include "listen.h"
#include "log.h"
#include "msg.h"
#include "quota.h"
#include "sandbox.h"
#include "signer.h"
#include "snapshot.h"
#include "stream.h"
#include "tlsio.h"
#include "trim.h"
#include "worker.h"

static struct event_base	*worker_evbase;
static struct event		*worker_ev_pipe;
static struct event		*worker_ev_retire;
static struct event		*worker_ev_defer;
static int			 worker_pipe;
static struct msg_reader	 worker_msgs;
static int			 worker_retiring;
static size_t			 worker_max_fds = 1024;	/* for connections */

/*
 * The connection table is full and no connection can make room (every
 * one is being answered): no more accepting for now.
 */
static int
worker_full(void)
{
	return conn_fds() >= worker_max_fds && evict_count() == 0;
}

static void
worker_retire_timeout(int fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	(void)arg;
	log_warnx("retiring with %zu connections still open", conn_count());
	event_base_loopbreak(worker_evbase);
}

static void
worker_retire(void)
{
	struct timeval	tv = { TIMEOUT_RETIRE, 0 };

	if (worker_retiring)
		return;
	worker_retiring = 1;
	listen_stop();
	if (worker_ev_pipe != NULL) {
		event_free(worker_ev_pipe);
		worker_ev_pipe = NULL;
		close(worker_pipe);
	}
	if (conn_count() == 0) {
		event_base_loopbreak(worker_evbase);
		return;
	}
	worker_ev_retire = evtimer_new(worker_evbase, worker_retire_timeout,
	    NULL);
	if (worker_ev_retire != NULL)
		evtimer_add(worker_ev_retire, &tv);
}

/* conn.c's callback: a connection came, went, or opened a file. */
static void
worker_conn_changed(void)
{
	listen_limit(worker_full());
	trim_note(conn_count());
	if (worker_retiring && conn_count() == 0)
		event_base_loopbreak(worker_evbase);
}

/* listen.c's callback: a new connection; 1 when the table is full. */
static int
worker_accept(struct listener *l, int fd, const struct sockaddr_storage *ss,
    socklen_t len)
{
	/* At the limit: the longest waiting without a request goes. */
	if (conn_fds() >= worker_max_fds)
		(void)conn_evict();
	conn_accept(l, fd, ss, len);
	return worker_full();
}

/*
 * One message from the parent: 1 when it says retire.  A new key
 * channel (the key process was restarted) replaces the old one.
 */
static int
worker_message(struct msg *m)
{
	switch (m->type) {
	case MSG_RETIRE:
		return 1;
	case MSG_KEY_CHANNEL:
		if (m->fd != -1) {
			signer_channel(m->fd);
			m->fd = -1;
		}
		return 0;
	case MSG_SPAWN_CHANNEL:
		if (m->fd != -1) {
			stream_channel(m->fd);
			m->fd = -1;
		}
		return 0;
	case MSG_RUN_CHANNEL:
		if (m->fd != -1) {
			dyncall_channel(m->fd);
			m->fd = -1;
		}
		return 0;
	default:
		log_warnx("parent: unexpected message %u", m->type);
		return 0;
	}
}

/*
 * Read what the parent sent and act on every whole message.  1 when
 * the worker must retire: MSG_RETIRE, EOF (the parent died), an error.
 */
static int
worker_read_parent(void)
{
	static struct msg	 m;
	const char		*err;
	int			 n, rc, retire = 0;

	if ((n = msg_read(worker_pipe, &worker_msgs)) == -1 &&
	    (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n <= 0)
		return 1;
	while ((rc = msg_get(&worker_msgs, &m, &err)) == 1) {
		retire |= worker_message(&m);
		if (m.fd != -1)
			close(m.fd);
	}
	if (rc == -1) {
		log_warnx("parent: %s", err);
		return 1;
	}
	return retire;
}

/*
 * The parent's socket is readable.  Closing our end once we retire
 * tells the parent we no longer accept (worker_retire does that after
 * listen_stop).
 */
static void
worker_pipe_cb(int fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	(void)arg;
	if (worker_read_parent())
		worker_retire();
}

/* A retire that was asked for in the middle of a handshake, done now. */
static void
worker_defer_cb(int fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	(void)arg;
	worker_retire();
}

/*
 * chan.c's callback, inside a handshake or a request: a helper is gone.
 * Wait (at most CHAN_RECONNECT_MS) for the parent to hand over a
 * channel to the new one (the message want).  A retire that arrives meanwhile is done once
 * the handshake is over.
 */
static int
worker_reconnect(uint16_t want)
{
	static struct msg	 m;
	struct pollfd		 pfd;
	const char		*err;
	int			 n, rc;

	if (worker_ev_pipe == NULL)
		return -1;	/* retiring: no parent to ask */
	pfd.fd = worker_pipe;
	pfd.events = POLLIN;
	for (;;) {
		while ((rc = msg_get(&worker_msgs, &m, &err)) == 1) {
			if (m.type == want && m.fd != -1)
				return m.fd;
			if (worker_message(&m))
				event_active(worker_ev_defer, EV_TIMEOUT, 1);
			if (m.fd != -1)
				close(m.fd);
		}
		if (rc == -1)
			break;
		if ((n = poll(&pfd, 1, CHAN_RECONNECT_MS)) == 0)
			return -1;
		if (n == -1 && errno != EINTR)
			break;
		if ((n = msg_read(worker_pipe, &worker_msgs)) == 0 ||
		    (n == -1 && errno != EAGAIN && errno != EINTR))
			break;
	}
	event_active(worker_ev_defer, EV_TIMEOUT, 1);
	return -1;
}

static void
worker_signal(int sig, short ev, void *arg)
{
	(void)sig;
	(void)ev;
	(void)arg;
	worker_retire();
}

/*
 * A worker keeps the listeners, its sockets to the parent and the
 * helpers, and the log: nothing else the parent had open reaches it,
 * not even the capsule roots (the spawner opens streamed files).
 */
static void
worker_closefds(struct config *conf, int pipefd, const int *chans)
{
	struct listener	*l;
	struct server	*s;
	int		 keep[SANDBOX_FDS_MAX], r;
	size_t		 n = 0;

	keep[n++] = pipefd;
	for (r = 0; r < HELPER_ROLES; r++)
		if (chans[r] != -1)
			keep[n++] = chans[r];
	TAILQ_FOREACH(l, &conf->listeners, entry)
		if (l->fd != -1 && n < SANDBOX_FDS_MAX)
			keep[n++] = l->fd;
	TAILQ_FOREACH(s, &conf->servers, entry)
		if (s->snap != NULL)
			snapshot_forget_root(s->snap);
	sandbox_closefds(keep, n);
}

/* Descriptors left for connections once listeners and logs have theirs. */
static size_t
worker_conn_limit(const struct config *conf)
{
	struct rlimit	rl;
	size_t		avail;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return 64;
	/* Raise the soft limit as far as the hard one allows. */
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (rl.rlim_cur > 1048576)
			rl.rlim_cur = 1048576;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			getrlimit(RLIMIT_NOFILE, &rl);
	}
	avail = rl.rlim_cur > FD_RESERVE * 2 ? rl.rlim_cur - FD_RESERVE :
	    rl.rlim_cur / 2;
	if (conf->max_connections > 0 &&
	    (size_t)conf->max_connections < avail)
		avail = (size_t)conf->max_connections;
	return avail;
}

void
worker_main(struct config *conf, int pipefd, const int *chans)
{
	struct event	*ev_term, *ev_int;
	const char	*err;
	sigset_t	 set;

	log_procname("worker");
	worker_closefds(conf, pipefd, chans);
	worker_pipe = pipefd;
	msg_reader_init(&worker_msgs);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);	/* reloads are the parent's */
	signal(SIGUSR1, SIG_IGN);
	signal(SIGCHLD, SIG_DFL);
	sigemptyset(&set);
	sigprocmask(SIG_SETMASK, &set, NULL);

	worker_max_fds = worker_conn_limit(conf);
	if (worker_max_fds == 0)
		worker_max_fds = 1;
	/* A record per descriptor, and room for libevent's others. */
	if (evpool_init(worker_max_fds + FD_RESERVE + 1024, &err) == -1)
		fatalx("%s", err);
	if ((worker_evbase = event_base_new()) == NULL)
		fatalx("event_base_new failed");
	conn_init(worker_evbase, conf, worker_conn_changed);
	dyn_init(worker_evbase, conf);
	quota_worker(conf->quota);
	if (trim_init(worker_evbase) == -1)
		fatalx("cannot set up the memory trim");
	tlsio_worker(conf);
	if (listen_start(conf, worker_evbase, worker_accept) == -1)
		fatalx("cannot start listening");
	worker_ev_pipe = event_new(worker_evbase, pipefd, EV_READ | EV_PERSIST,
	    worker_pipe_cb, NULL);
	worker_ev_defer = event_new(worker_evbase, -1, 0, worker_defer_cb,
	    NULL);
	signer_worker(chans[HELPER_KEYPROC], worker_reconnect);
	stream_worker(chans[HELPER_SPAWNER], worker_reconnect);
	dyncall_worker(chans[HELPER_RUNNER], worker_reconnect);
	ev_term = evsignal_new(worker_evbase, SIGTERM, worker_signal, NULL);
	ev_int = evsignal_new(worker_evbase, SIGINT, worker_signal, NULL);
	if (worker_ev_pipe == NULL || worker_ev_defer == NULL ||
	    ev_term == NULL || ev_int == NULL ||
	    event_add(worker_ev_pipe, NULL) == -1 ||
	    evsignal_add(ev_term, NULL) == -1 ||
	    evsignal_add(ev_int, NULL) == -1)
		fatalx("cannot set up worker events");
	/* Everything is open: from here on, only what serving needs. */
	sandbox_worker(conf);

	event_base_dispatch(worker_evbase);
	exit(0);
}
