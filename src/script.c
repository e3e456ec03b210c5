/*
 * script.c: the CGI runner's scripts, from start to reaping.  A script
 * is started with vfork (the runner shares its generation's snapshots
 * with the parent, and fork would copy their page tables for each
 * request) and execve: its own process group, so that a timeout or its
 * end kills every process it left behind; stdin from /dev/null; stdout
 * a pipe whose read end goes to the worker; stderr a pipe the runner
 * reads and logs, escaped (log.c) and bounded; no descriptor of the
 * runner's; limits on core size, CPU time, address space and open files;
 * only the environment it is handed.  The child between vfork and
 * execve makes system calls only.
 *
 * It never reads a request or writes to a client; which script may run
 * and with what is runner.c's decision.
 */

#include <sys/types.h>
#include <sys/resource.h>
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
#include "log.h"
#include "script.h"

struct script {
	pid_t		 pid;		/* and process group; 0 once reaped */
	int		 errfd;		/* its stderr, -1 once closed */
	struct timespec	 deadline;	/* kill; after its end: stop reading */
	char		 name[SCRIPT_NAME_MAX];
	char		 line[SCRIPT_LINE_MAX];
	size_t		 linelen;
	int		 lines;		/* logged from its stderr */
	int		 cut;		/* the rest of a long line is dropped */
};

static struct script	*script_tab;
static size_t		 script_n;
static size_t		 script_max;
static int		 script_timeout;	/* s */
static int		 script_null = -1;	/* /dev/null, for stdin */
static int		 script_sigpipe[2] = { -1, -1 };

/* SIGCHLD wakes the runner's poll: a script's end is acted on at once. */
static void
script_sigchld(int sig)
{
	int	saved = errno;
	ssize_t	n;

	(void)sig;
	/* A full pipe already holds a wakeup: nothing is lost. */
	n = write(script_sigpipe[1], "", 1);
	(void)n;
	errno = saved;
}

/* Set up for at most max scripts of at most timeout seconds each. */
int
script_init(size_t max, int timeout, const char **errstr)
{
	struct sigaction	sa;

	if ((script_tab = calloc(max, sizeof(*script_tab))) == NULL) {
		*errstr = "out of memory";
		return -1;
	}
	script_max = max;
	script_timeout = timeout;
	if ((script_null = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1) {
		*errstr = "cannot open /dev/null";
		return -1;
	}
	if (pipe2(script_sigpipe, O_CLOEXEC | O_NONBLOCK) == -1) {
		*errstr = "cannot make a pipe";
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = script_sigchld;
	sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGCHLD, &sa, NULL) == -1) {
		*errstr = "cannot catch SIGCHLD";
		return -1;
	}
	return 0;
}

size_t
script_count(void)
{
	return script_n;
}

static void
script_after(struct timespec *t, long ms)
{
	clock_gettime(CLOCK_MONOTONIC, t);
	t->tv_sec += ms / 1000;
	t->tv_nsec += (ms % 1000) * 1000000;
	if (t->tv_nsec >= 1000000000) {
		t->tv_sec++;
		t->tv_nsec -= 1000000000;
	}
}

static long
script_ms_until(const struct timespec *t, const struct timespec *now)
{
	return (t->tv_sec - now->tv_sec) * 1000 +
	    (t->tv_nsec - now->tv_nsec) / 1000000;
}

/* In the child, between vfork and execve: system calls only. */
__attribute__((__noreturn__))
static void
script_child(const struct script_start *st, int out, int err)
{
	struct rlimit	 rl;
	sigset_t	 none;
	int		 sig;

	(void)setpgid(0, 0);
	for (sig = 1; sig < NSIG; sig++)
		(void)signal(sig, SIG_DFL);
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	rl.rlim_cur = rl.rlim_max = 0;
	(void)setrlimit(RLIMIT_CORE, &rl);
	rl.rlim_cur = rl.rlim_max = (rlim_t)script_timeout + 1;
	(void)setrlimit(RLIMIT_CPU, &rl);
	rl.rlim_cur = rl.rlim_max = SCRIPT_AS_MAX;
	(void)setrlimit(RLIMIT_AS, &rl);
	rl.rlim_cur = rl.rlim_max = SCRIPT_NOFILE_MAX;
	(void)setrlimit(RLIMIT_NOFILE, &rl);
	if (dup2(script_null, 0) == -1 || dup2(out, 1) == -1 ||
	    dup2(err, 2) == -1 || chdir(st->dir) == -1)
		_exit(127);
	(void)close_range(3, ~0U, 0);
	execve(st->file, st->argv, st->envp);
	_exit(127);
}

static int
script_pipe(int p[2], int nonblock_read)
{
	if (pipe2(p, O_CLOEXEC) == -1)
		return -1;
	if (nonblock_read &&
	    fcntl(p[0], F_SETFL, fcntl(p[0], F_GETFL) | O_NONBLOCK) == -1) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	return 0;
}

/*
 * Run st.  0: *outfd is the read end of its output (non-blocking), for
 * the worker; -1 with errno (EAGAIN: max scripts run now).
 */
int
script_run(const struct script_start *st, int *outfd)
{
	struct script	*s;
	sigset_t	 all, old;
	int		 out[2], err[2], saved;
	pid_t		 pid;

	if (script_n == script_max) {
		errno = EAGAIN;
		return -1;
	}
	if (script_pipe(out, 1) == -1)
		return -1;
	if (script_pipe(err, 1) == -1) {
		saved = errno;
		close(out[0]);
		close(out[1]);
		errno = saved;
		return -1;
	}
	/* No handler of ours may run in the child, which shares our memory. */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	pid = vfork();
	if (pid == 0)
		script_child(st, out[1], err[1]);
	saved = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(out[1]);
	close(err[1]);
	if (pid == -1) {
		close(out[0]);
		close(err[0]);
		errno = saved;
		return -1;
	}
	/* Either of us may come first: the group exists before any kill. */
	(void)setpgid(pid, pid);
	s = &script_tab[script_n++];
	memset(s, 0, sizeof(*s));
	s->pid = pid;
	s->errfd = err[0];
	strlcpy(s->name, st->name, sizeof(s->name));
	script_after(&s->deadline, (long)script_timeout * 1000);
	*outfd = out[0];
	return 0;
}

/* Log what a script wrote to stderr, a line at a time. */
static void
script_log_line(struct script *s)
{
	char	esc[SCRIPT_LINE_MAX * 4 + 8];

	if (s->lines < SCRIPT_LINES_MAX) {
		log_escape(esc, sizeof(esc), s->line, s->linelen);
		log_warnx("script %s: %s", s->name, esc);
	}
	else if (s->lines == SCRIPT_LINES_MAX)
		log_warnx("script %s: more on stderr, not logged", s->name);
	s->lines++;
	s->linelen = 0;
}

static void
script_stderr_bytes(struct script *s, const char *p, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (p[i] == '\n') {
			if (!s->cut)
				script_log_line(s);
			s->cut = 0;
			s->linelen = 0;
		} else if (s->cut)
			continue;
		else if (s->linelen == sizeof(s->line)) {
			script_log_line(s);
			s->cut = 1;
		} else
			s->line[s->linelen++] = p[i];
	}
}

static void
script_close_err(struct script *s)
{
	if (s->errfd == -1)
		return;
	if (s->linelen > 0 && !s->cut)
		script_log_line(s);
	close(s->errfd);
	s->errfd = -1;
}

/* Read a script's stderr until it would block, a bounded amount. */
static void
script_read_err(struct script *s)
{
	char	buf[4096];
	ssize_t	n;
	int	rounds;

	for (rounds = 0; rounds < SCRIPT_READS_MAX; rounds++) {
		if ((n = read(s->errfd, buf, sizeof(buf))) > 0) {
			script_stderr_bytes(s, buf, (size_t)n);
			continue;
		}
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			return;
		script_close_err(s);
		return;
	}
}

static void
script_ended(struct script *s, int status)
{
	if (WIFSIGNALED(status) && WTERMSIG(status) != SIGKILL)
		log_warnx("script %s: killed by signal %d", s->name,
		    WTERMSIG(status));
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		log_warnx("script %s: cannot be run", s->name);
	else if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
		log_info("script %s: exit status %d", s->name,
		    WEXITSTATUS(status));
	/* What it left running would hold its output open. */
	(void)kill(-s->pid, SIGKILL);
	s->pid = 0;
	script_after(&s->deadline, SCRIPT_DRAIN_MS);
}

/* Reap every script that ended. */
static void
script_reap(void)
{
	pid_t	pid;
	size_t	i;
	int	status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		for (i = 0; i < script_n; i++)
			if (script_tab[i].pid == pid) {
				script_ended(&script_tab[i], status);
				break;
			}
}

/* The SIGCHLD pipe and the scripts' stderr, for the runner's poll. */
size_t
script_fds(struct pollfd *pfd, size_t max)
{
	size_t	i, n = 0;

	if (max == 0)
		return 0;
	pfd[n].fd = script_sigpipe[0];
	pfd[n].events = POLLIN;
	pfd[n++].revents = 0;
	for (i = 0; i < script_n && n < max; i++)
		if (script_tab[i].errfd != -1) {
			pfd[n].fd = script_tab[i].errfd;
			pfd[n].events = POLLIN;
			pfd[n++].revents = 0;
		}
	return n;
}

/* Milliseconds until a script's next deadline; -1: none runs. */
int
script_wait_ms(void)
{
	struct timespec	now;
	long		ms, best = -1;
	size_t		i;

	clock_gettime(CLOCK_MONOTONIC, &now);
	for (i = 0; i < script_n; i++) {
		ms = script_ms_until(&script_tab[i].deadline, &now);
		if (ms < 0)
			ms = 0;
		if (best == -1 || ms < best)
			best = ms;
	}
	return best > 0 ? (int)best + 1 : (int)best;
}

/*
 * After the runner's poll: read stderr that is ready (pfd, n entries,
 * as script_fds made them), reap, enforce deadlines (a running script
 * past its time is killed with its group; an ended one whose stderr is
 * still held open by something that escaped the group stops being
 * read), and forget what is done.
 */
void
script_ready(const struct pollfd *pfd, size_t n)
{
	struct timespec	 now;
	struct script	*s;
	size_t		 i, j;
	char		 drain[64];

	while (read(script_sigpipe[0], drain, sizeof(drain)) > 0)
		;
	for (j = 0; j < n; j++) {
		if (pfd[j].revents == 0 || pfd[j].fd == script_sigpipe[0])
			continue;
		for (i = 0; i < script_n; i++)
			if (script_tab[i].errfd == pfd[j].fd) {
				script_read_err(&script_tab[i]);
				break;
			}
	}
	script_reap();
	clock_gettime(CLOCK_MONOTONIC, &now);
	for (i = script_n; i-- > 0; ) {
		s = &script_tab[i];
		if (script_ms_until(&s->deadline, &now) <= 0) {
			if (s->pid != 0) {
				log_warnx("script %s: killed after %d s",
				    s->name, script_timeout);
				(void)kill(-s->pid, SIGKILL);
				script_after(&s->deadline, SCRIPT_DRAIN_MS);
			} else
				script_close_err(s);
		}
		if (s->pid == 0 && s->errfd == -1)
			script_tab[i] = script_tab[--script_n];
	}
}
