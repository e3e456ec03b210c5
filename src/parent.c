/*
 * parent.c: the parent process after startup.  It never reads from the
 * network.  It forks one generation of workers per configuration,
 * replaces a worker that dies, and on SIGHUP builds a whole new
 * configuration (sockets, TLS contexts, snapshots); only if all of it
 * succeeds does a new generation start and the old one retire, so a
 * broken reload changes nothing.  SIGUSR1 reopens the log files and
 * starts a new generation on the same configuration.  SIGTERM/SIGINT retire every worker,
 * wait for them (bounded) and exit 0.  Signals reach the loop through a
 * self-pipe, so no work is done in a signal handler.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "capsuled.h"
#include "config.h"
#include "gen.h"
#include "load.h"
#include "log.h"
#include "helper.h"
#include "listen.h"
#include "msg.h"
#include "parent.h"
#include "quota.h"
#include "sandbox.h"
#include "signer.h"
#include "snapshot.h"
#include "worker.h"

/*
 * Each worker has a socketpair to the parent, which carries messages
 * (msg.c).  The parent sends MSG_RETIRE to retire the worker; the
 * worker closes its end once it has stopped accepting, which the parent
 * reads as EOF.  So a reload can wait until no old worker takes new
 * connections before it says the new content is served.  A worker also
 * retires at EOF: when the parent dies.
 */
struct worker {
	TAILQ_ENTRY(worker)	 entry;
	pid_t			 pid;
	int			 sock;		/* -1 once the worker let go */
	int			 retired;	/* asked to go */
	int			 gen;
	long long		 started;	/* parent_ms() */
	struct quota		*quota;		/* the table it counts in */
};

TAILQ_HEAD(workerlist, worker);

TAILQ_HEAD(helperlist, helper);

static struct workerlist	 parent_workers =
	    TAILQ_HEAD_INITIALIZER(parent_workers);
static struct helperlist	 parent_helpers =
	    TAILQ_HEAD_INITIALIZER(parent_helpers);
static time_t			 parent_restart_at[HELPER_ROLES];
static struct config		*parent_conf;
static int			 parent_gen;
static int			 parent_sigpipe[2] = { -1, -1 };
static const char		*parent_pidfile;
static const struct load_opts	*parent_opts;

static void
parent_sighandler(int sig)
{
	unsigned char	c = (unsigned char)sig;
	int		saved = errno;

	/* A full pipe already holds a wake-up (warn_unused_result). */
	if (write(parent_sigpipe[1], &c, 1) == -1)
		errno = saved;
	errno = saved;
}

static void
parent_signals(void)
{
	struct sigaction	sa;
	int			sigs[] = { SIGHUP, SIGTERM, SIGINT, SIGCHLD,
				    SIGUSR1 };
	size_t			i;

	if (pipe(parent_sigpipe) == -1)
		fatal("pipe");
	for (i = 0; i < 2; i++) {
		fcntl(parent_sigpipe[i], F_SETFL, O_NONBLOCK);
		fcntl(parent_sigpipe[i], F_SETFD, FD_CLOEXEC);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = parent_sighandler;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/*
 * In any child the parent forks: the parent's own descriptors (its
 * signal pipe, its ends of the workers' and helpers' sockets) are not
 * the child's; keep is one to leave open.
 */
static void
parent_child_close(int keep)
{
	struct worker	*w;
	struct helper	*h;

	TAILQ_FOREACH(w, &parent_workers, entry)
		if (w->sock != -1 && w->sock != keep)
			close(w->sock);
	TAILQ_FOREACH(h, &parent_helpers, entry)
		if (h->ctl != -1 && h->ctl != keep)
			close(h->ctl);
	close(parent_sigpipe[0]);
	close(parent_sigpipe[1]);
	signal(SIGHUP, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	signal(SIGUSR1, SIG_DFL);
}

/*
 * A helper keeps nothing of the parent's but its control socket, the
 * log and, for the spawner, the capsule roots of its generation: no
 * listener, no other child's socket.  (The CGI runner finds scripts by
 * their paths: a script gets no descriptor of capsuled's.)
 */
static void
parent_helper_cleanup(struct config *conf, enum helper_role role, int ctl)
{
	struct server	*s;
	int		 keep[SANDBOX_FDS_MAX];
	size_t		 n = 0;

	parent_child_close(ctl);
	keep[n++] = ctl;
	if (role == HELPER_SPAWNER)
		TAILQ_FOREACH(s, &conf->servers, entry)
			if (s->snap != NULL && snapshot_rootfd(s->snap) != -1 &&
			    n < SANDBOX_FDS_MAX)
				keep[n++] = snapshot_rootfd(s->snap);
	sandbox_closefds(keep, n);
}

static struct helper **
parent_helper_slot(struct config *conf, enum helper_role role)
{
	return &conf->helpers[role];
}

/*
 * A helper of conf's generation: its key process (none when nothing
 * speaks TLS), its spawner or its CGI runner (none when no location
 * runs scripts).  0, or -1 with *errstr (a key cannot be loaded, ...).
 */
static int
parent_helper(struct config *conf, enum helper_role role, int gen,
    const char **errstr)
{
	struct helper	*h, **slot = parent_helper_slot(conf, role);

	*slot = NULL;
	if ((role == HELPER_KEYPROC && signer_count(conf->signer) == 0) ||
	    (role == HELPER_RUNNER && !conf->dynamic))
		return 0;
	if ((h = calloc(1, sizeof(*h))) == NULL) {
		*errstr = "out of memory";
		return -1;
	}
	if (helper_start(h, role, conf, parent_helper_cleanup, errstr) == -1) {
		free(h);
		return -1;
	}
	h->gen = gen;
	TAILQ_INSERT_TAIL(&parent_helpers, h, entry);
	*slot = h;
	return 0;
}

/* Let go of a generation's helpers: they end with its workers. */
static void
parent_helpers_release(struct config *conf)
{
	int	r;

	for (r = 0; r < HELPER_ROLES; r++)
		if (conf->helpers[r] != NULL)
			helper_release(conf->helpers[r]);
}

/* All helpers of a generation, the key process first; or none. */
static int
parent_helpers_start(struct config *conf, int gen, const char **errstr)
{
	int	r;

	for (r = 0; r < HELPER_ROLES; r++)
		if (parent_helper(conf, (enum helper_role)r, gen,
		    errstr) == -1) {
			parent_helpers_release(conf);
			return -1;
		}
	return 0;
}

/*
 * A current helper died: start another and give every worker of the
 * generation a channel to it.  Workers waiting for it (they wait
 * CHAN_RECONNECT_MS) then carry on.
 */
static void
parent_helper_restart(enum helper_role role)
{
	struct worker	*w;
	struct helper	*h;
	const char	*err;
	uint16_t	 type = helper_renew_msg(role);
	int		 fd, n = 0;

	parent_restart_at[role] = 0;
	if (parent_helper(parent_conf, role, parent_gen, &err) == -1) {
		log_warnx("cannot restart a helper: %s", err);
		parent_restart_at[role] = time(NULL) + RESPAWN_MIN_INTERVAL;
		return;
	}
	if ((h = *parent_helper_slot(parent_conf, role)) == NULL)
		return;
	TAILQ_FOREACH(w, &parent_workers, entry) {
		if (w->gen != parent_gen || w->retired || w->sock == -1)
			continue;
		if ((fd = helper_channel(h)) == -1)
			continue;
		if (msg_send(w->sock, type, NULL, 0, fd) == 0)
			n++;
		close(fd);
	}
	log_info("%s restarted, %d workers reconnected", helper_name(h), n);
}

static void
parent_close_chans(const int *chans)
{
	int	r;

	for (r = 0; r < HELPER_ROLES; r++)
		if (chans[r] != -1)
			close(chans[r]);
}

/*
 * Milliseconds on the monotonic clock, for the respawn limit: with
 * whole wall-clock seconds, a worker that died 10 ms after it started
 * could be replaced at once (a second boundary in between) or after
 * almost two seconds.
 */
static long long
parent_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Fork one worker of the current generation.  In the child, every
 * descriptor that belongs to another worker or to the previous
 * configuration is closed (and that configuration freed), so that a
 * retiring worker sees EOF on its pipe and old memory is not pinned.
 */
static int
parent_spawn(struct config *old)
{
	struct worker	*w;
	int		 p[2], chans[HELPER_ROLES], r;
	pid_t		 pid;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		return -1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0, p) == -1) {
		free(w);
		return -1;
	}
	for (r = 0; r < HELPER_ROLES; r++)
		chans[r] = parent_conf->helpers[r] != NULL ?
		    helper_channel(parent_conf->helpers[r]) : -1;
	switch (pid = fork()) {
	case -1:
		log_warn("fork");
		close(p[0]);
		close(p[1]);
		parent_close_chans(chans);
		free(w);
		return -1;
	case 0:
		free(w);
		close(p[1]);
		parent_child_close(-1);
		gen_free(old);
		worker_main(parent_conf, p[0], chans);
		/* NOTREACHED */
	}
	close(p[0]);
	parent_close_chans(chans);
	w->pid = pid;
	w->sock = p[1];
	w->gen = parent_gen;
	w->started = parent_ms();
	w->quota = parent_conf->quota;
	TAILQ_INSERT_TAIL(&parent_workers, w, entry);
	return 0;
}

static int
parent_count(int gen)
{
	struct worker	*w;
	int		 n = 0;

	TAILQ_FOREACH(w, &parent_workers, entry)
		if (w->gen == gen)
			n++;
	return n;
}

/*
 * Retire every worker older than gen (all of them if gen is 0).  A
 * worker that cannot be told (its socket is full or gone) is told by
 * EOF instead, which it also reads as "retire".
 */
static void
parent_retire(int gen)
{
	struct worker	*w;

	TAILQ_FOREACH(w, &parent_workers, entry) {
		if ((gen == 0 || w->gen < gen) && !w->retired) {
			if (msg_send(w->sock, MSG_RETIRE, NULL, 0, -1) == -1)
				shutdown(w->sock, SHUT_WR);
			w->retired = 1;
		}
	}
}

/*
 * Wait (at most RETIRE_ACK_MS) until every retired worker has stopped
 * accepting, that is, closed its end of the socketpair (or died).
 */
static void
parent_await_retired(void)
{
	struct pollfd	 pfd[WORKERS_MAX * 4];
	struct worker	*w;
	struct timespec	 t0, now;
	char		 c;
	nfds_t		 n;
	long		 left;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		n = 0;
		TAILQ_FOREACH(w, &parent_workers, entry) {
			if (!w->retired || w->sock == -1)
				continue;
			if (read(w->sock, &c, 1) == 0 ||
			    (errno != EAGAIN && errno != EINTR)) {
				close(w->sock);
				w->sock = -1;
				continue;
			}
			if (n < sizeof(pfd) / sizeof(pfd[0])) {
				pfd[n].fd = w->sock;
				pfd[n++].events = POLLIN;
			}
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		left = RETIRE_ACK_MS - ((now.tv_sec - t0.tv_sec) * 1000 +
		    (now.tv_nsec - t0.tv_nsec) / 1000000);
		if (n == 0 || left <= 0)
			break;
		poll(pfd, n, (int)left);
	}
	if (n > 0)
		log_warnx("%d retiring workers still accepting after %d ms",
		    (int)n, RETIRE_ACK_MS);
}

/*
 * A helper exited.  One the parent has let go of (an old generation's)
 * exits when its work is done; the current key process is restarted,
 * at most once per RESPAWN_MIN_INTERVAL.  1 when pid was a helper.
 */
static int
parent_reap_helper(pid_t pid, int status)
{
	struct helper	*h;
	int		 current;

	TAILQ_FOREACH(h, &parent_helpers, entry)
		if (h->pid == pid)
			break;
	if (h == NULL)
		return 0;
	current = h->ctl != -1;
	if (current) {
		if (WIFSIGNALED(status))
			log_warnx("%s %d killed by signal %d", helper_name(h),
			    (int)pid, WTERMSIG(status));
		else
			log_warnx("%s %d exited with status %d",
			    helper_name(h), (int)pid, WEXITSTATUS(status));
	} else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		log_warnx("retired %s %d ended with status %d",
		    helper_name(h), (int)pid, status);
	helper_release(h);
	TAILQ_REMOVE(&parent_helpers, h, entry);
	if (current && parent_conf != NULL &&
	    *parent_helper_slot(parent_conf, h->role) == h) {
		*parent_helper_slot(parent_conf, h->role) = NULL;
		parent_restart_at[h->role] = time(NULL) +
		    (time(NULL) - h->started < RESPAWN_MIN_INTERVAL ?
		    RESPAWN_MIN_INTERVAL : 0);
	}
	free(h);
	return 1;
}

static void
parent_reap(long long *respawn_at)
{
	struct worker	*w;
	long long	 now;
	pid_t		 pid;
	int		 status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (parent_reap_helper(pid, status))
			continue;
		TAILQ_FOREACH(w, &parent_workers, entry)
			if (w->pid == pid)
				break;
		if (w == NULL)
			continue;
		if (w->sock != -1)
			close(w->sock);
		/*
		 * Its connections may still be counted in the table it
		 * shares with the current workers (a crash, a retire that
		 * ran out of time): the counts start again.
		 */
		if (parent_conf != NULL && w->quota == parent_conf->quota)
			quota_worker_gone(parent_conf->quota, pid);
		if (!w->retired) {
			/* Not asked to go: replace it, but not in a loop. */
			if (WIFSIGNALED(status))
				log_warnx("worker %d killed by signal %d",
				    (int)pid, WTERMSIG(status));
			else
				log_warnx("worker %d exited with status %d",
				    (int)pid, WEXITSTATUS(status));
			now = parent_ms();
			*respawn_at = now + (now - w->started <
			    RESPAWN_MIN_INTERVAL * 1000LL ?
			    RESPAWN_MIN_INTERVAL * 1000LL : 0);
		} else if (WIFSIGNALED(status))
			log_warnx("retired worker %d killed by signal %d",
			    (int)pid, WTERMSIG(status));
		else if (WEXITSTATUS(status) != 0)
			log_warnx("retired worker %d exited with status %d",
			    (int)pid, WEXITSTATUS(status));
		TAILQ_REMOVE(&parent_workers, w, entry);
		free(w);
	}
}

static void
parent_reload(void)
{
	struct config	*conf, *old = parent_conf;
	struct server	*s;
	const char	*err;
	int		 i;

	log_info("reloading");
	if ((conf = load_config(parent_opts, &err)) == NULL) {
		log_warnx("reload failed, keeping the current content: %s",
		    err);
		return;
	}
	if (gen_setup(conf, old, 1, &err) == -1 ||
	    parent_helpers_start(conf, parent_gen + 1, &err) == -1 ||
	    gen_commit(conf, &err) == -1) {
		parent_helpers_release(conf);
		log_warnx("reload failed, keeping the current content: %s",
		    err);
		listen_unbind(conf);
		gen_free(conf);
		return;
	}
	gen_log_listeners(conf, 1);
	parent_conf = conf;
	parent_gen++;
	for (i = 0; i < conf->prefork; i++)
		if (parent_spawn(old) == -1)
			log_warnx("could not start a worker");
	parent_retire(parent_gen);
	/* The old helpers serve the old workers until they go. */
	parent_helpers_release(old);
	gen_free(old);
	parent_await_retired();
	TAILQ_FOREACH(s, &conf->servers, entry)
		log_info("serving %s from %s: %zu paths, %zu KiB", s->name,
		    s->root, snapshot_count(s->snap),
		    snapshot_bytes(s->snap) / 1024);
}

/*
 * SIGUSR1, after logrotate or newsyslog moved the log files away.  The
 * workers cannot reopen a path (they are chrooted and unprivileged), so
 * the parent opens the files anew and starts a new generation of
 * workers on the same configuration and snapshots, which inherits the
 * new descriptors; the old generation finishes its requests, logging
 * them to the old files, and exits.  That costs a fork per worker and
 * no rebuild, keeps workers free of any path to the log files, and
 * loses no line, unlike workers sending every line to the parent.
 */
static void
parent_reopen(void)
{
	const char	*err;
	int		 i;

	if (log_open(parent_conf, &err) == -1) {
		log_warnx("cannot reopen the log files, keeping the old "
		    "ones: %s", err);
		return;
	}
	parent_gen++;
	for (i = 0; i < parent_conf->prefork; i++)
		if (parent_spawn(NULL) == -1)
			log_warnx("could not start a worker");
	parent_retire(parent_gen);
	parent_await_retired();
	log_info("reopened the log files");
}

static void
parent_shutdown(void)
{
	struct pollfd	pfd = { parent_sigpipe[0], POLLIN, 0 };
	struct worker	*w;
	struct helper	*h;
	time_t		deadline = time(NULL) + TIMEOUT_RETIRE + 5;
	unsigned char	sig;
	long long	ignored;

	log_info("shutting down");
	parent_retire(0);
	parent_helpers_release(parent_conf);
	gen_free(parent_conf);
	parent_conf = NULL;
	while ((!TAILQ_EMPTY(&parent_workers) ||
	    !TAILQ_EMPTY(&parent_helpers)) && time(NULL) < deadline) {
		if (poll(&pfd, 1, 1000) > 0)
			while (read(parent_sigpipe[0], &sig, 1) == 1)
				;
		parent_reap(&ignored);
	}
	TAILQ_FOREACH(w, &parent_workers, entry)
		kill(w->pid, SIGKILL);
	TAILQ_FOREACH(h, &parent_helpers, entry)
		kill(h->pid, SIGKILL);
	if (parent_pidfile != NULL)
		unlink(parent_pidfile);
	exit(0);
}

/*
 * The first generation's helpers, before any worker: here a key that
 * cannot be loaded (or does not match its certificate) stops the start.
 */
int
parent_start(struct config *conf, const char **errstr)
{
	return parent_helpers_start(conf, 1, errstr);
}

/*
 * A helper due for a restart (its role), or -1; *timeout (ms, -1: none)
 * is shortened to the next one due.
 */
static int
parent_restart_due(time_t now, int *timeout)
{
	int	r, ms;

	for (r = 0; r < HELPER_ROLES; r++) {
		if (parent_restart_at[r] == 0)
			continue;
		if (parent_restart_at[r] <= now)
			return r;
		ms = (int)(parent_restart_at[r] - now) * 1000;
		if (*timeout == -1 || ms < *timeout)
			*timeout = ms;
	}
	return -1;
}

/*
 * capsuled -n: the keys load and match their certificates.  A key
 * process is started as for serving, then let go, and its exit awaited.
 */
int
parent_check(struct config *conf, const char **errstr)
{
	struct helper	*h;
	int		 status;

	if (parent_helper(conf, HELPER_KEYPROC, 0, errstr) == -1)
		return -1;
	if ((h = conf->helpers[HELPER_KEYPROC]) != NULL) {
		helper_release(h);
		while (waitpid(h->pid, &status, 0) == -1 && errno == EINTR)
			;
		TAILQ_REMOVE(&parent_helpers, h, entry);
		free(h);
		conf->helpers[HELPER_KEYPROC] = NULL;
	}
	return 0;
}

/* The parent's loop; conf is ready (bound, configured, built). */
void
parent_main(struct config *conf, const struct load_opts *opts,
    const char *pidfile)
{
	struct pollfd	 pfd;
	unsigned char	 sig;
	long long	 respawn_at = 0, ms;
	time_t		 now;
	int		 i, timeout;

	parent_conf = conf;
	parent_opts = opts;
	parent_pidfile = pidfile;
	parent_signals();
	parent_gen = 1;
	for (i = 0; i < conf->prefork; i++)
		if (parent_spawn(NULL) == -1)
			fatalx("could not start workers");
	for (;;) {
		now = time(NULL);
		timeout = -1;
		if ((i = parent_restart_due(now, &timeout)) != -1) {
			parent_helper_restart((enum helper_role)i);
			continue;
		}
		if (parent_count(parent_gen) < parent_conf->prefork) {
			ms = parent_ms();
			if (respawn_at <= ms) {
				if (parent_spawn(NULL) == -1)
					respawn_at = ms + 1000;
				continue;
			}
			if (timeout == -1 || respawn_at - ms < timeout)
				timeout = (int)(respawn_at - ms);
		}
		pfd.fd = parent_sigpipe[0];
		pfd.events = POLLIN;
		if (poll(&pfd, 1, timeout) <= 0)
			continue;
		while (read(parent_sigpipe[0], &sig, 1) == 1) {
			switch (sig) {
			case SIGHUP:
				parent_reload();
				break;
			case SIGTERM:
			case SIGINT:
				parent_shutdown();
				break;
			case SIGCHLD:
				parent_reap(&respawn_at);
				break;
			case SIGUSR1:
				parent_reopen();
				break;
			default:
				break;
			}
		}
	}
}
