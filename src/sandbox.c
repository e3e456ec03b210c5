/*
 * sandbox.c: what a worker can still do once it serves.  Before its
 * first accept a worker (started as root) chroots into an empty
 * directory, switches to the configured user for good, and then
 * restricts itself: on Linux a seccomp-bpf allow-list of the system
 * calls serving needs (any other call kills the worker, and the parent
 * starts a new one), on OpenBSD pledge(2).  Everything a worker reads
 * afterwards it reaches through descriptors opened before: listening
 * sockets, the capsule roots (streamed files are opened below them, see
 * beneath.c), log files, the syslog socket.  Elsewhere the restriction
 * is a no-op.  The parent's side is sandbox_prepare(): it checks (and
 * for the default, creates) the chroot directory.  Nothing here knows
 * about requests.
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifdef __linux__
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#ifdef HAVE_VALGRIND_H
#include <valgrind/valgrind.h>
#endif
#endif

#include "config.h"
#include "log.h"
#include "sandbox.h"

/* A sanitizer's run-time makes system calls of its own, as valgrind does. */
#if defined(__SANITIZE_ADDRESS__)
#define SANDBOX_SANITIZER	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || \
    __has_feature(undefined_behavior_sanitizer)
#define SANDBOX_SANITIZER	1
#endif
#endif

/*
 * Parent side, at startup, on reload and for -n: the chroot directory
 * must exist, be a directory, and be writable by root alone, or the
 * worker could be handed a tree someone else controls.  The default one
 * is created when it is missing (unless only checking), because not
 * every system has /var/empty.
 */
int
sandbox_prepare(const struct config *conf, int check, const char **errstr)
{
	static char	 err[PATH_MAX + 128];
	struct stat	 st;
	const char	*dir = conf->chroot;

	if (geteuid() != 0)
		return 0;
	if (conf->user[0] == '\0')
		log_warnx("no user set: workers will run as root");
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

/* Switch to the user for good, and make sure there is no way back. */
static void
sandbox_drop(const struct config *conf)
{
	uid_t	ruid, euid, suid;
	gid_t	rgid, egid, sgid, groups[2];
	int	n;

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
	if (conf->uid != 0 && (setuid(0) != -1 || seteuid(0) != -1))
		fatalx("user %s: root could be regained", conf->user);
	if (conf->gid != 0 && conf->uid != 0 &&
	    (setgid(0) != -1 || setegid(0) != -1))
		fatalx("user %s: group 0 could be regained", conf->user);
}

#ifdef __linux__

#if defined(__x86_64__)
#define SANDBOX_ARCH	AUDIT_ARCH_X86_64
#elif defined(__i386__)
#define SANDBOX_ARCH	AUDIT_ARCH_I386
#elif defined(__aarch64__)
#define SANDBOX_ARCH	AUDIT_ARCH_AARCH64
#elif defined(__arm__)
#define SANDBOX_ARCH	AUDIT_ARCH_ARM
#elif defined(__riscv) && __riscv_xlen == 64
#define SANDBOX_ARCH	AUDIT_ARCH_RISCV64
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define SANDBOX_ARCH	AUDIT_ARCH_PPC64LE
#elif defined(__s390x__)
#define SANDBOX_ARCH	AUDIT_ARCH_S390X
#endif

#ifdef SANDBOX_ARCH

/* The low 32 bits of system call argument n. */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define SC_ARG_LO(n)	(offsetof(struct seccomp_data, args[n]))
#else
#define SC_ARG_LO(n)	(offsetof(struct seccomp_data, args[n]) + 4)
#endif

#define SC_KILL		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS)
#define SC_ALLOW(nr)							\
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1),		\
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)
/* Fail with an errno instead of killing: for calls libc may try. */
#define SC_ERRNO(nr, e)							\
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1),		\
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ((e) & SECCOMP_RET_DATA))
/* Allowed unless argument arg has a bit of mask set; then: killed. */
#define SC_ALLOW_UNLESS(nr, arg, mask)					\
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 4),		\
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SC_ARG_LO(arg)),		\
	BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, (mask), 1, 0),		\
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),			\
	SC_KILL

#define SC_OPEN_WRITE	(O_WRONLY | O_RDWR | O_CREAT | O_TRUNC | O_APPEND)

/*
 * setsockopt() of exactly one option (conn.c's TCP_QUICKACK); any other
 * fails with EPERM.  Note the argument loads: every path through here
 * returns, so no later rule sees them in place of the call number.
 */
#define SC_ALLOW_SOCKOPT(level, name)					\
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_setsockopt, 0, 6),	\
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SC_ARG_LO(1)),		\
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (level), 0, 3),		\
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SC_ARG_LO(2)),		\
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (name), 0, 1),		\
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),			\
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA))

/*
 * Every system call a worker makes while serving, found by reading the
 * code paths (libevent's epoll loop, libtls/OpenSSL, glibc's malloc and
 * syslog, beneath.c) and confirmed under load by the tests.  Memory may
 * not become executable and files may only be opened for reading.
 */
static const struct sock_filter sandbox_filter[] = {
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
	    offsetof(struct seccomp_data, arch)),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SANDBOX_ARCH, 1, 0),
	SC_KILL,
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
#ifdef __x86_64__
	/* x32 system calls share the architecture: refuse them all. */
	BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0, 1),
	SC_KILL,
#endif
	/* the event loop and signals */
#ifdef __NR_epoll_wait
	SC_ALLOW(__NR_epoll_wait),
#endif
	SC_ALLOW(__NR_epoll_pwait),
#ifdef __NR_epoll_pwait2
	SC_ALLOW(__NR_epoll_pwait2),
#endif
	SC_ALLOW(__NR_epoll_ctl),
	SC_ALLOW(__NR_rt_sigaction),
	SC_ALLOW(__NR_rt_sigprocmask),
	SC_ALLOW(__NR_rt_sigreturn),
#ifdef __NR_sigreturn
	SC_ALLOW(__NR_sigreturn),
#endif
	SC_ALLOW(__NR_restart_syscall),
	/* time */
	SC_ALLOW(__NR_clock_gettime),
#ifdef __NR_clock_gettime64
	SC_ALLOW(__NR_clock_gettime64),
#endif
	SC_ALLOW(__NR_gettimeofday),
#ifdef __NR_time
	SC_ALLOW(__NR_time),
#endif
	/* sockets */
#ifdef __NR_accept
	SC_ALLOW(__NR_accept),
#endif
	SC_ALLOW(__NR_accept4),
	SC_ALLOW(__NR_recvfrom),
	SC_ALLOW(__NR_recvmsg),		/* the parent's messages (msg.c) */
	SC_ALLOW(__NR_sendto),
	SC_ALLOW(__NR_shutdown),
#ifdef __NR_setsockopt
	SC_ALLOW_SOCKOPT(IPPROTO_TCP, TCP_QUICKACK),
#endif
	SC_ALLOW(__NR_getsockname),
#ifdef __NR_socketcall
	SC_ALLOW(__NR_socketcall),	/* i386: the socket calls */
#endif
	/* glibc's syslog() reconnects after an error: let it fail */
	SC_ERRNO(__NR_socket, EACCES),
	SC_ERRNO(__NR_connect, EACCES),
	/* descriptors and files below the capsule roots, read only */
	SC_ALLOW(__NR_read),
	SC_ALLOW(__NR_write),
	SC_ALLOW(__NR_close),
	SC_ALLOW_UNLESS(__NR_openat, 2, SC_OPEN_WRITE),
#ifdef __NR_openat2
	SC_ALLOW(__NR_openat2),		/* flags are in memory: see below */
#endif
	/* memory (malloc, OpenSSL), never executable */
	SC_ALLOW(__NR_brk),
#ifdef __NR_mmap
	SC_ALLOW_UNLESS(__NR_mmap, 2, PROT_EXEC),
#endif
#ifdef __NR_mmap2
	SC_ALLOW_UNLESS(__NR_mmap2, 2, PROT_EXEC),
#endif
	SC_ALLOW_UNLESS(__NR_mprotect, 2, PROT_EXEC),
	SC_ALLOW(__NR_munmap),
	SC_ALLOW(__NR_mremap),
	SC_ALLOW(__NR_madvise),
	/* randomness for TLS, locks, the process itself */
	SC_ALLOW(__NR_getrandom),
	SC_ALLOW(__NR_futex),
	SC_ALLOW(__NR_getpid),
	SC_ALLOW(__NR_exit),
	SC_ALLOW(__NR_exit_group),
	SC_KILL
};

/*
 * openat2(2) is allowed although its flags cannot be inspected (they are
 * in memory): beneath.c needs it for RESOLVE_BENEATH, and the chroot, the
 * unprivileged user and the read-only capsule are what keep a file from
 * being written.
 */
static void
sandbox_restrict(void)
{
	struct sock_fprog	prog;

#ifdef HAVE_VALGRIND_H
	/* valgrind makes system calls of its own for its guest. */
	if (RUNNING_ON_VALGRIND) {
		log_warnx("running under valgrind: no seccomp filter");
		return;
	}
#endif
#ifdef SANDBOX_SANITIZER
	/* A test build: its leak check at exit would be killed. */
	log_warnx("built with a sanitizer: no seccomp filter");
	return;
#endif
	prog.len = (unsigned short)(sizeof(sandbox_filter) /
	    sizeof(sandbox_filter[0]));
	prog.filter = (struct sock_filter *)sandbox_filter;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		fatal("prctl(PR_SET_NO_NEW_PRIVS)");
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) == -1)
		fatal("seccomp");
}

#else	/* !SANDBOX_ARCH */

static void
sandbox_restrict(void)
{
	log_warnx("no seccomp filter for this architecture");
}

#endif	/* SANDBOX_ARCH */

#elif defined(__OpenBSD__)

/*
 * stdio: read, write, memory, time; inet: accept on the inherited
 * sockets; rpath: files opened below the capsule roots.  unveil(2) is
 * not used: the worker is already chrooted into an empty directory and
 * reaches the capsule only through descriptors it holds.
 */
static void
sandbox_restrict(void)
{
	if (pledge("stdio rpath inet", NULL) == -1)
		fatal("pledge");
}

#else

static void
sandbox_restrict(void)
{
}

#endif

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

/* In a worker, after its descriptors are open and before it serves. */
void
sandbox_worker(const struct config *conf)
{
	if (geteuid() == 0) {
#ifdef SANDBOX_SANITIZER
		/* A test build: its leak check at exit reads /proc. */
		log_warnx("built with a sanitizer: no chroot");
#else
		if (conf->chroot[0] != '\0' &&
		    (chroot(conf->chroot) == -1 || chdir("/") == -1))
			fatal("chroot %s", conf->chroot);
#endif
		if (conf->user[0] != '\0')
			sandbox_drop(conf);
	}
	sandbox_restrict();
#ifdef CAPSULED_SANDBOX_TEST
	signal(SIGUSR2, sandbox_test_violate);
#endif
}
