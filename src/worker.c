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
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capsuled.h"
#include "config.h"
#include "conn.h"
#include "listen.h"
#include "log.h"
#include "msg.h"
#include "sandbox.h"
#include "tlsio.h"
#include "worker.h"

static struct event_base	*worker_evbase;
static struct event		*worker_ev_pipe;
static struct event		*worker_ev_retire;
static int			 worker_pipe;
static struct msg_reader	 worker_msgs;
static int			 worker_retiring;
static size_t			 worker_max_fds = 1024;	/* for connections */

/* The connection table is full: no more accepting for now. */
static int
worker_full(void)
{
	return conn_fds() >= worker_max_fds;
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
	if (worker_retiring && conn_count() == 0)
		event_base_loopbreak(worker_evbase);
}

/* listen.c's callback: a new connection; 1 when the table is full. */
static int
worker_accept(struct listener *l, int fd, const struct sockaddr_storage *ss,
    socklen_t len)
{
	conn_accept(l, fd, ss, len);
	return worker_full();
}

/*
 * The parent's messages: MSG_RETIRE, or EOF (the parent died), or an
 * error, all mean: retire.  Closing our end afterwards tells the parent
 * we no longer accept (worker_retire does that after listen_stop).
 */
static void
worker_pipe_cb(int fd, short ev, void *arg)
{
	static struct msg	 m;
	const char		*err;
	int			 n, rc = 0;

	(void)ev;
	(void)arg;
	if ((n = msg_read(fd, &worker_msgs)) == -1 &&
	    (errno == EINTR || errno == EAGAIN))
		return;
	while (n > 0 && (rc = msg_get(&worker_msgs, &m, &err)) != 0) {
		if (rc == -1) {
			log_warnx("parent: %s", err);
			break;
		}
		if (m.fd != -1)
			close(m.fd);
		if (m.type == MSG_RETIRE)
			break;
		log_warnx("parent: unexpected message %u", m.type);
	}
	if (n > 0 && rc == 0)
		return;		/* the rest of a frame is on its way */
	worker_retire();
}

static void
worker_signal(int sig, short ev, void *arg)
{
	(void)sig;
	(void)ev;
	(void)arg;
	worker_retire();
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
worker_main(struct config *conf, int pipefd)
{
	struct event	*ev_term, *ev_int;
	sigset_t	 set;

	log_procname("worker");
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
	if ((worker_evbase = event_base_new()) == NULL)
		fatalx("event_base_new failed");
	conn_init(worker_evbase, conf, worker_conn_changed);
	tlsio_worker(conf);
	if (listen_start(conf, worker_evbase, worker_accept) == -1)
		fatalx("cannot start listening");
	worker_ev_pipe = event_new(worker_evbase, pipefd, EV_READ | EV_PERSIST,
	    worker_pipe_cb, NULL);
	ev_term = evsignal_new(worker_evbase, SIGTERM, worker_signal, NULL);
	ev_int = evsignal_new(worker_evbase, SIGINT, worker_signal, NULL);
	if (worker_ev_pipe == NULL || ev_term == NULL || ev_int == NULL ||
	    event_add(worker_ev_pipe, NULL) == -1 ||
	    evsignal_add(ev_term, NULL) == -1 ||
	    evsignal_add(ev_int, NULL) == -1)
		fatalx("cannot set up worker events");
	/* Everything is open: from here on, only what serving needs. */
	sandbox_worker(conf);

	event_base_dispatch(worker_evbase);
	exit(0);
}
