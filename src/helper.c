/*
 * helper.c: the parent's side of a helper process (the key process,
 * the spawner, the CGI runner).  helper_start()
 * forks it with a control socketpair and waits (at most
 * HELPER_START_MS) until it says it is ready or why it cannot be; in
 * the child a callback of the parent's first closes what the helper
 * must not have, then the role's main function runs.  helper_channel()
 * makes a socketpair for one worker, sends one end to the helper
 * (MSG_CHANNEL) and returns the other for the worker.  helper_release()
 * closes the control socket: a helper exits once its last worker
 * channel has closed too.  Supervising (reaping, restarting) is
 * parent.c's; this file never waits for a child that is running.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "helper.h"
#include "keyproc.h"
#include "log.h"
#include "msg.h"
#include "runner.h"
#include "spawner.h"

const char *
helper_name(const struct helper *h)
{
	switch (h->role) {
	case HELPER_KEYPROC:
		return "key process";
	case HELPER_SPAWNER:
		return "spawner";
	case HELPER_RUNNER:
		return "CGI runner";
	case HELPER_ROLES:
		break;
	}
	return "helper";
}

/* The message that brings a worker a new channel to a role's helper. */
uint16_t
helper_renew_msg(enum helper_role role)
{
	switch (role) {
	case HELPER_KEYPROC:
		return MSG_KEY_CHANNEL;
	case HELPER_SPAWNER:
		return MSG_SPAWN_CHANNEL;
	default:
		return MSG_RUN_CHANNEL;
	}
}

#ifdef __linux__
static const char *
helper_comm(enum helper_role role)
{
	switch (role) {
	case HELPER_KEYPROC:
		return HELPER_KEYPROC_COMM;
	case HELPER_SPAWNER:
		return HELPER_SPAWNER_COMM;
	default:
		return HELPER_RUNNER_COMM;
	}
}
#endif

/* Wait for MSG_READY; on MSG_FAILED its text is the reason. */
static int
helper_await(struct helper *h, const char **errstr)
{
	static char		 err[1024];
	static struct msg	 m;
	struct msg_reader	 rd;
	struct pollfd		 pfd = { h->ctl, POLLIN, 0 };
	struct timespec		 t0, now;
	const char		*e;
	long			 left;
	int			 rc, n;

	msg_reader_init(&rd);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		if ((rc = msg_get(&rd, &m, &e)) == 1) {
			if (m.fd != -1)
				close(m.fd);
			msg_reader_clear(&rd);
			if (m.type == MSG_READY)
				return 0;
			snprintf(err, sizeof(err), "%.*s", (int)m.len,
			    (const char *)m.data);
			*errstr = m.type == MSG_FAILED ? err :
			    "unexpected message";
			return -1;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		left = HELPER_START_MS - ((now.tv_sec - t0.tv_sec) * 1000 +
		    (now.tv_nsec - t0.tv_nsec) / 1000000);
		if (rc == -1 || left <= 0) {
			*errstr = rc == -1 ? e : "no answer in time";
			break;
		}
		if (poll(&pfd, 1, (int)left) == -1 && errno != EINTR)
			break;
		if ((n = msg_read(h->ctl, &rd)) == 0) {
			*errstr = "exited while starting";
			break;
		}
		if (n == -1 && errno != EAGAIN && errno != EINTR)
			break;
	}
	msg_reader_clear(&rd);
	return -1;
}

/*
 * Start a helper for conf.  In the child, cleanup(conf, role, fd)
 * closes what the parent has open and the helper must not inherit (fd
 * is the child's end of the control socket, to keep).  On failure the child is gone
 * (killed and reaped) and *errstr says why.
 */
int
helper_start(struct helper *h, enum helper_role role, struct config *conf,
    void (*cleanup)(struct config *, enum helper_role, int),
    const char **errstr)
{
	static char	err[1100];
	int		sv[2], status;

	memset(h, 0, sizeof(*h));
	h->role = role;
	h->ctl = -1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1) {
		*errstr = strerror(errno);
		return -1;
	}
	switch (h->pid = fork()) {
	case -1:
		*errstr = strerror(errno);
		close(sv[0]);
		close(sv[1]);
		return -1;
	case 0:
		close(sv[0]);
		cleanup(conf, role, sv[1]);
		signal(SIGTERM, SIG_IGN);	/* it ends when its workers do */
		signal(SIGINT, SIG_IGN);
#ifdef __linux__
		/* ps and pgrep tell it from the workers by this name */
		(void)prctl(PR_SET_NAME, helper_comm(role), 0, 0, 0);
#endif
		if (role == HELPER_KEYPROC)
			keyproc_main(conf, sv[1]);
		if (role == HELPER_RUNNER)
			runner_main(conf, sv[1]);
		spawner_main(conf, sv[1]);
		/* NOTREACHED */
	}
	close(sv[1]);
	h->ctl = sv[0];
	h->started = time(NULL);
	if (helper_await(h, errstr) == 0)
		return 0;
	snprintf(err, sizeof(err), "%s: %s", helper_name(h), *errstr);
	*errstr = err;
	kill(h->pid, SIGKILL);
	while (waitpid(h->pid, &status, 0) == -1 && errno == EINTR)
		;
	close(h->ctl);
	h->ctl = -1;
	h->pid = -1;
	return -1;
}

/*
 * A new channel between h and a worker; the worker's end is returned
 * (close-on-exec, blocking), or -1.
 */
int
helper_channel(struct helper *h)
{
	int	sv[2];

	if (h->ctl == -1 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1)
		return -1;
	if (msg_send(h->ctl, MSG_CHANNEL, NULL, 0, sv[0]) == -1) {
		log_warn("%s: cannot hand over a channel", helper_name(h));
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	close(sv[0]);
	return sv[1];
}

/* Let h go: it finishes with the channels it has, then exits. */
void
helper_release(struct helper *h)
{
	if (h->ctl != -1) {
		close(h->ctl);
		h->ctl = -1;
	}
}
