/*
 * sandbox.c: what a process can still do once it serves.  Every
 * sandboxed process (a worker, the key process, the spawner) closes every
 * descriptor it was not meant to have, then, when started as root,
 * chroots into an empty directory and becomes the configured user for
 * good (never root: with no user, "nobody"), then confines itself with
 * Landlock (landlock.c: nothing at all for a worker or the key
 * process, reading beneath the capsule roots for the spawner; no TCP
 * bind or connect)
 * and last with its seccomp allow-list (seccomp.c), or pledge(2) on
 * OpenBSD.  Each step can only take rights away.  The parent's side is
 * sandbox_prepare(): it checks (and for the default, creates) the
 * chroot directory and settles which user the others become.  Nothing
 * here knows about requests.
 */

#include <sys/types.h>
#include <sys/stat.h>

#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "landlock.h"
#include "log.h"
#include "sandbox.h"
#include "seccomp.h"

#define SANDBOX_KEEP_MAX	(SANDBOX_FDS_MAX + 8)

/* A sanitizer's leak check at exit reads /proc: no chroot then. */
#if defined(__SANITIZE_ADDRESS__)
#define SANDBOX_SANITIZER	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANDBOX_SANITIZER	1
#endif
#endif

/*
 * Parent side, at startup, on reload and for -n: the chroot directory
 * must exist, be a directory, and be writable by root alone, or the
 * worker could be handed a tree someone else controls.  The default one
 * is created when it is missing (unless only checking), because not
 * every system has /var/empty.  Started as root with no user, the other
 * processes become SANDBOX_NOBODY, never root.
 */
int
sandbox_prepare(struct config *conf, int check, const char **errstr)
{
	static char	 err[PATH_MAX + 128];
	static int	 warned;
	struct stat	 st;
	const char	*dir = conf->chroot;

	if (geteuid() != 0)
		return 0;
	if (conf->user[0] == '\0') {
		if (config_set_user(conf, SANDBOX_NOBODY, errstr) == -1)
			return -1;
		if (!warned++)
			log_warnx("no user set: workers run as %s",
			    SANDBOX_NOBODY);
	}
	if (dir[0] == '\0')
		return 0;
	if (stat(dir, &st) == -1) {
		if (errno != ENOENT || !conf->chroot_default)
			goto syserr;
		if (check)
			return 0;	/* it will be created */
		if (mkdir(dir, 0755) == -1 || stat(dir, &st) == -1)
			goto syserr;
		log_info("created the empty chroot directory %s", dir);
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != 0 ||
	    (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		snprintf(err, sizeof(err), "chroot %s: must be a directory "
		    "owned by root and writable only by root", dir);
		*errstr = err;
		return -1;
	}
	return 0;
syserr:
	snprintf(err, sizeof(err), "chroot %s: %s", dir, strerror(errno));
	*errstr = err;
	return -1;
}

static int
sandbox_intcmp(const void *a, const void *b)
{
	int	x = *(const int *)a, y = *(const int *)b;

	return x < y ? -1 : x > y;
}

/* Close from..to (to -1: all above from). */
static void
sandbox_close_range(int from, int to)
{
	long	max;
	int	fd;

	if (close_range((unsigned)from, to == -1 ? ~0U : (unsigned)to,
	    0) == 0)
		return;
	/* Before Linux 5.9: one at a time, up to the descriptor limit. */
	max = to != -1 ? to : sysconf(_SC_OPEN_MAX);
	for (fd = from; fd <= max; fd++)
		(void)close(fd);
}

/*
 * Close every descriptor above 2 but the n in keep and the log's own.
 * The syslog connection is not one we know the number of: it is closed
 * first and made again afterwards (before any chroot).
 */
void
sandbox_closefds(const int *keep, size_t n)
{
	int	fds[SANDBOX_KEEP_MAX];
	size_t	k = 0, i;
	int	next = STDERR_FILENO + 1;

	for (i = 0; i < n && k < SANDBOX_FDS_MAX; i++)
		if (keep[i] > STDERR_FILENO)
			fds[k++] = keep[i];
	k += log_fds(fds + k, SANDBOX_KEEP_MAX - k);
	qsort(fds, k, sizeof(fds[0]), sandbox_intcmp);
	log_disconnect();
	for (i = 0; i < k; i++) {
		if (fds[i] > next)
			sandbox_close_range(next, fds[i] - 1);
		if (fds[i] >= next)
			next = fds[i] + 1;
	}
	sandbox_close_range(next, -1);
	log_reconnect();
}

/* Switch to the user for good, and make sure there is no way back. */
static void
sandbox_drop(const struct config *conf)
{
	uid_t	ruid, euid, suid;
	gid_t	rgid, egid, sgid, groups[2];
	int	n;

	if (conf->uid == 0)
		fatalx("refusing to run as root");
	if (setgroups(1, &conf->gid) == -1 ||
	    setresgid(conf->gid, conf->gid, conf->gid) == -1 ||
	    setresuid(conf->uid, conf->uid, conf->uid) == -1)
		fatal("cannot switch to user %s", conf->user);
	if (getresuid(&ruid, &euid, &suid) == -1 ||
	    getresgid(&rgid, &egid, &sgid) == -1 ||
	    ruid != conf->uid || euid != conf->uid || suid != conf->uid ||
	    rgid != conf->gid || egid != conf->gid || sgid != conf->gid)
		fatalx("user %s: ids not switched", conf->user);
	n = getgroups(2, groups);
	if (n != 1 || groups[0] != conf->gid)
		fatalx("user %s: supplementary groups remain", conf->user);
	if (setuid(0) != -1 || seteuid(0) != -1)
		fatalx("user %s: root could be regained", conf->user);
	if (conf->gid != 0 && (setgid(0) != -1 || setegid(0) != -1))
		fatalx("user %s: group 0 could be regained", conf->user);
}

/* Root's part: an empty root directory, then the unprivileged user. */
static void
sandbox_enter(const struct config *conf)
{
	if (geteuid() != 0)
		return;
#ifdef SANDBOX_SANITIZER
	log_warnx("built with a sanitizer: no chroot");
#else
	if (conf->chroot[0] != '\0' &&
	    (chroot(conf->chroot) == -1 || chdir("/") == -1))
		fatal("chroot %s", conf->chroot);
#endif
	sandbox_drop(conf);
}

/* Say once per process kind what the kernel could not enforce. */
static void
sandbox_landlock(const int *dirs, size_t n, const char *who)
{
	static int	 told;
	const char	*err;
	int		 abi;

#ifdef SANDBOX_SANITIZER
	/* A test build: its leak check at exit reads /proc. */
	log_warnx("built with a sanitizer: no Landlock");
	(void)dirs;
	(void)n;
	(void)who;
	(void)told;
	(void)err;
	(void)abi;
	return;
#endif
#ifdef CAPSULED_SANDBOX_TEST
	/* Only the test binary: show what holds without Landlock. */
	if (getenv("CAPSULED_TEST_NO_LANDLOCK") != NULL) {
		log_warnx("test: no Landlock");
		return;
	}
#endif
	if ((abi = landlock_restrict(dirs, n, 0, &err)) == -1)
		fatal("%s: %s", who, err);
	if (abi == 0 && !told++)
		log_warnx("Landlock is not available in this kernel: the %s "
		    "is confined by chroot, user and seccomp only", who);
	else if (abi > 0)
		log_debug("Landlock ABI %d", abi);
}

#ifdef CAPSULED_SANDBOX_TEST
/*
 * Only in build/capsuled-sandboxtest: SIGUSR2 makes the worker call
 * execve(2), which the sandbox must answer by killing it.  If the call
 * returns, the sandbox let it through: exit 99 to say so.
 */
static void
sandbox_test_violate(int sig)
{
	(void)sig;
	execl("/bin/sh", "sh", "-c", "exit 98", (char *)NULL);
	_exit(99);
}
#endif

/*
 * In a worker, after its descriptors are open and before it serves:
 * Landlock lets it open nothing at all (streamed files come from the
 * spawner, stream.c).
 */
void
sandbox_worker(const struct config *conf)
{
	const char	*err;

	sandbox_enter(conf);
	sandbox_landlock(NULL, 0, "worker");
#if defined(__OpenBSD__)
	if (pledge("stdio rpath inet recvfd", NULL) == -1)
		fatal("pledge");
	(void)err;
#else
	if (seccomp_apply(SECCOMP_WORKER, &err) == -1)
		fatal("worker: %s", err);
#endif
#ifdef CAPSULED_SANDBOX_TEST
	signal(SIGUSR2, sandbox_test_violate);
#endif
}

/*
 * In the spawner: reading beneath the capsule roots (the n descriptors
 * of roots) and nothing else.
 */
void
sandbox_spawner(const struct config *conf, const int *roots, size_t n)
{
	const char	*err;

	sandbox_enter(conf);
	sandbox_landlock(roots, n, "spawner");
#if defined(__OpenBSD__)
	if (pledge("stdio rpath sendfd", NULL) == -1)
		fatal("pledge");
	(void)err;
#else
	if (seccomp_apply(SECCOMP_SPAWNER, &err) == -1)
		fatal("spawner: %s", err);
#endif
}

/*
 * In the CGI runner: the user (never root) and no new privileges, so
 * that no script gains any through a set-user-ID file.  No chroot,
 * Landlock or seccomp: scripts would inherit them, and a script must
 * be able to run its interpreter and keep its data.
 */
void
sandbox_runner(const struct config *conf)
{
	if (geteuid() == 0)
		sandbox_drop(conf);
#ifdef __linux__
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		fatal("runner: prctl(PR_SET_NO_NEW_PRIVS)");
#endif
}

/* In the key process, once its keys are loaded: nothing but signing. */
void
sandbox_keyproc(const struct config *conf)
{
	const char	*err;

	sandbox_enter(conf);
	sandbox_landlock(NULL, 0, "key process");
#if defined(__OpenBSD__)
	if (pledge("stdio", NULL) == -1)
		fatal("pledge");
	(void)err;
#else
	if (seccomp_apply(SECCOMP_KEYPROC, &err) == -1)
		fatal("key process: %s", err);
#endif
}
