/*
 * worker.c: a worker process.  It inherits the listening sockets and one
 * generation's snapshots from the parent, sandboxes itself (sandbox.c:
 * chroot, user, seccomp or pledge), and runs one libevent loop that
 * accepts and serves (listen.c, conn.c).  It retires when the parent
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

static struct event_base	*worker_evbase;
static struct config		*worker_conf;
static struct event		*worker_ev_pipe;
static struct event		*worker_ev_retire;
static int			 worker_pipe;
static int			 worker_retiring;

struct event_base *
worker_base(void)
{
	return worker_evbase;
}

const struct config *
worker_config(void)
{
	return worker_conf;
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

void
worker_conn_closed(void)
{
	if (worker_retiring && conn_count() == 0)
		event_base_loopbreak(worker_evbase);
}

/*
 * The parent never writes; EOF (it shut its side down, or died) or an
 * error means: retire.  Closing our end afterwards tells the parent we
 * no longer accept (worker_retire does that after listen_stop).
 */
static void
worker_pipe_cb(int fd, short ev, void *arg)
{
	char	c;

	(void)ev;
	(void)arg;
	if (read(fd, &c, 1) == -1 && (errno == EINTR || errno == EAGAIN))
		return;
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
	worker_conf = conf;
	worker_pipe = pipefd;
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);	/* reloads are the parent's */
	signal(SIGUSR1, SIG_IGN);
	signal(SIGCHLD, SIG_DFL);
	sigemptyset(&set);
	sigprocmask(SIG_SETMASK, &set, NULL);

	conn_set_limit(worker_conn_limit(conf));
	if ((worker_evbase = event_base_new()) == NULL)
		fatalx("event_base_new failed");
	tlsio_worker(conf);
	if (listen_start(conf, worker_evbase) == -1)
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
