/*
 * seccomp.c: the system calls a sandboxed process may still make, one
 * allow-list per role, as seccomp-bpf filters (Linux).  Anything not on
 * a list kills the process (SECCOMP_RET_KILL_PROCESS); a few calls that
 * libc makes on its own (syslog reconnecting) fail with an errno
 * instead.  The lists were found by reading the code paths (libevent's
 * epoll loop, libtls/OpenSSL, glibc's malloc and syslog, msg.c) and are
 * confirmed under load by the tests, which also make a live process
 * try each refused call (tests/integration/test_confine.py).
 *
 * Worker: files may only be opened for reading (openat with a write,
 * create, truncate or append flag kills; openat2, whose flags seccomp
 * cannot see, fails with ENOSYS so that beneath.c uses openat);
 * memory never becomes executable; setsockopt only sets TCP_QUICKACK
 * and TCP_CORK;
 * no fork, exec, bind, connect, kill, ptrace.  Spawner: its channels,
 * and opening files for reading (openat2 too: Landlock keeps it to
 * reading beneath the capsule roots).  Key process: its channels
 * (recvmsg, sendmsg, poll), memory, randomness, and nothing that
 * reaches a file or the network.  Elsewhere, and in test builds
 * with a sanitizer or under valgrind (which make calls of their own),
 * nothing is filtered and the log says so.
 */

#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>

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

#include "log.h"
#include "seccomp.h"

/* A sanitizer's run-time makes system calls of its own, as valgrind does. */
#if defined(__SANITIZE_ADDRESS__)
#define SECCOMP_SANITIZER	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || \
    __has_feature(undefined_behavior_sanitizer)
#define SECCOMP_SANITIZER	1
#endif
#endif

#if defined(__linux__)

#if defined(__x86_64__)
#define SC_ARCH		AUDIT_ARCH_X86_64
#elif defined(__i386__)
#define SC_ARCH		AUDIT_ARCH_I386
#elif defined(__aarch64__)
#define SC_ARCH		AUDIT_ARCH_AARCH64
#elif defined(__arm__)
#define SC_ARCH		AUDIT_ARCH_ARM
#elif defined(__riscv) && __riscv_xlen == 64
#define SC_ARCH		AUDIT_ARCH_RISCV64
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define SC_ARCH		AUDIT_ARCH_PPC64LE
#elif defined(__s390x__)
#define SC_ARCH		AUDIT_ARCH_S390X
#endif

#endif

#ifdef SC_ARCH

/* The low 32 bits of system call argument n. */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define SC_ARG_LO(n)	(offsetof(struct seccomp_data, args[n]))
#else
#define SC_ARG_LO(n)	(offsetof(struct seccomp_data, args[n]) + 4)
#endif

#define SC_RET_ERRNO(e)	(SECCOMP_RET_ERRNO | ((e) & SECCOMP_RET_DATA))
#define SC_KILL		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS)
#define SC_ALLOW(nr)							\
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1),		\
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)
/* Fail with an errno instead of killing: for calls libc may try. */
#define SC_ERRNO(nr, e)							\
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1),		\
	BPF_STMT(BPF_RET | BPF_K, SC_RET_ERRNO(e))
/*
 * Allowed unless argument arg has a bit of mask set; then: killed.
 * Every path returns, so no later rule sees the argument in place of
 * the call number.
 */
#define SC_ALLOW_UNLESS(nr, arg, mask)					\
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 4),		\
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SC_ARG_LO(arg)),		\
	BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, (mask), 1, 0),		\
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),			\
	SC_KILL

/* O_TMPFILE includes O_DIRECTORY: only its own bit means "create". */
#define SC_OPEN_WRITE	(O_WRONLY | O_RDWR | O_CREAT | O_TRUNC | O_APPEND | \
			    (O_TMPFILE & ~O_DIRECTORY))

/* setsockopt() of two options of one level; any other fails with EPERM. */
#define SC_ALLOW_SOCKOPTS(level, a, b)					\
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_setsockopt, 0, 7),	\
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SC_ARG_LO(1)),		\
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (level), 0, 3),		\
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SC_ARG_LO(2)),		\
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (a), 2, 0),		\
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (b), 1, 0),		\
	BPF_STMT(BPF_RET | BPF_K, SC_RET_ERRNO(EPERM)),			\
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)

/* The start every filter shares: the architecture, the call number. */
#ifdef __x86_64__
#define SC_HEAD								\
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS,				\
	    offsetof(struct seccomp_data, arch)),			\
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SC_ARCH, 1, 0),		\
	SC_KILL,							\
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS,				\
	    offsetof(struct seccomp_data, nr)),				\
	/* x32 system calls share the architecture: refuse them all. */	\
	BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0, 1),		\
	SC_KILL
#else
#define SC_HEAD								\
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS,				\
	    offsetof(struct seccomp_data, arch)),			\
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SC_ARCH, 1, 0),		\
	SC_KILL,							\
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS,				\
	    offsetof(struct seccomp_data, nr))
#endif

/* What every sandboxed process needs: memory, time, signals, exit. */
#ifdef __NR_mmap
#define SC_MMAP		SC_ALLOW_UNLESS(__NR_mmap, 2, PROT_EXEC),
#else
#define SC_MMAP
#endif
#ifdef __NR_mmap2
#define SC_MMAP2	SC_ALLOW_UNLESS(__NR_mmap2, 2, PROT_EXEC),
#else
#define SC_MMAP2
#endif
#ifdef __NR_clock_gettime64
#define SC_CLOCK64	SC_ALLOW(__NR_clock_gettime64),
#else
#define SC_CLOCK64
#endif
#ifdef __NR_sigreturn
#define SC_SIGRETURN	SC_ALLOW(__NR_sigreturn),
#else
#define SC_SIGRETURN
#endif
#ifdef __NR_poll
#define SC_POLL		SC_ALLOW(__NR_poll),
#else
#define SC_POLL
#endif
#define SC_COMMON							\
	SC_ALLOW(__NR_read),						\
	SC_ALLOW(__NR_write),						\
	SC_ALLOW(__NR_close),						\
	SC_ALLOW(__NR_recvmsg),		/* msg.c */			\
	SC_ALLOW(__NR_sendmsg),						\
	SC_POLL								\
	SC_ALLOW(__NR_ppoll),						\
	SC_ALLOW(__NR_brk),						\
	SC_MMAP								\
	SC_MMAP2							\
	SC_ALLOW_UNLESS(__NR_mprotect, 2, PROT_EXEC),			\
	SC_ALLOW(__NR_munmap),						\
	SC_ALLOW(__NR_mremap),						\
	SC_ALLOW(__NR_madvise),						\
	SC_ALLOW(__NR_getrandom),					\
	SC_ALLOW(__NR_futex),						\
	SC_ALLOW(__NR_getpid),						\
	SC_ALLOW(__NR_clock_gettime),					\
	SC_CLOCK64							\
	SC_ALLOW(__NR_gettimeofday),					\
	SC_ALLOW(__NR_rt_sigaction),					\
	SC_ALLOW(__NR_rt_sigprocmask),					\
	SC_ALLOW(__NR_rt_sigreturn),					\
	SC_SIGRETURN							\
	SC_ALLOW(__NR_restart_syscall),					\
	SC_ALLOW(__NR_exit),						\
	SC_ALLOW(__NR_exit_group),					\
	/* glibc's syslog() reconnects after an error: let it fail */	\
	SC_ERRNO(__NR_socket, EACCES),					\
	SC_ERRNO(__NR_connect, EACCES)

static const struct sock_filter seccomp_worker[] = {
	SC_HEAD,
	SC_COMMON,
	/* the event loop */
#ifdef __NR_epoll_wait
	SC_ALLOW(__NR_epoll_wait),
#endif
	SC_ALLOW(__NR_epoll_pwait),
#ifdef __NR_epoll_pwait2
	SC_ALLOW(__NR_epoll_pwait2),
#endif
	SC_ALLOW(__NR_epoll_ctl),
#ifdef __NR_time
	SC_ALLOW(__NR_time),
#endif
	/* clients */
#ifdef __NR_accept
	SC_ALLOW(__NR_accept),
#endif
	SC_ALLOW(__NR_accept4),
	SC_ALLOW(__NR_recvfrom),
	SC_ALLOW(__NR_sendto),
	SC_ALLOW(__NR_shutdown),
	SC_ALLOW(__NR_getsockname),
#ifdef __NR_setsockopt
	SC_ALLOW_SOCKOPTS(IPPROTO_TCP, TCP_QUICKACK, TCP_CORK),
#endif
#ifdef __NR_socketcall
	SC_ALLOW(__NR_socketcall),	/* i386: the socket calls */
#endif
	/* files below the capsule roots, for reading only */
	SC_ALLOW_UNLESS(__NR_openat, 2, SC_OPEN_WRITE),
#ifdef __NR_openat2
	SC_ERRNO(__NR_openat2, ENOSYS),
#endif
	SC_KILL
};

static const struct sock_filter seccomp_spawner[] = {
	SC_HEAD,
	SC_COMMON,
	SC_ALLOW(__NR_sendto),		/* syslog */
	/* files beneath the capsule roots (Landlock: reading only) */
	SC_ALLOW_UNLESS(__NR_openat, 2, SC_OPEN_WRITE),
#ifdef __NR_openat2
	SC_ALLOW(__NR_openat2),
#endif
	SC_KILL
};

static const struct sock_filter seccomp_keyproc[] = {
	SC_HEAD,
	SC_COMMON,
	SC_ALLOW(__NR_sendto),		/* syslog */
	SC_ERRNO(__NR_openat, EACCES),	/* nothing to open */
	SC_KILL
};

static int
seccomp_load(const struct sock_filter *f, size_t n, const char **errstr)
{
	struct sock_fprog	prog;

	prog.len = (unsigned short)n;
	prog.filter = (struct sock_filter *)(uintptr_t)f;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1) {
		*errstr = "prctl(PR_SET_NO_NEW_PRIVS) failed";
		return -1;
	}
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) == -1) {
		*errstr = "cannot install the seccomp filter";
		return -1;
	}
	return 0;
}

#endif	/* SC_ARCH */

/* Restrict this process to its role's list, for good. */
int
seccomp_apply(enum seccomp_role role, const char **errstr)
{
#ifdef HAVE_VALGRIND_H
	if (RUNNING_ON_VALGRIND) {
		log_warnx("running under valgrind: no seccomp filter");
		return 0;
	}
#endif
#ifdef SECCOMP_SANITIZER
	/* A test build: its leak check at exit would be killed. */
	log_warnx("built with a sanitizer: no seccomp filter");
	return 0;
#endif
#if defined(SC_ARCH)
	switch (role) {
	case SECCOMP_WORKER:
		return seccomp_load(seccomp_worker, sizeof(seccomp_worker) /
		    sizeof(seccomp_worker[0]), errstr);
	case SECCOMP_SPAWNER:
		return seccomp_load(seccomp_spawner, sizeof(seccomp_spawner) /
		    sizeof(seccomp_spawner[0]), errstr);
	default:
		return seccomp_load(seccomp_keyproc, sizeof(seccomp_keyproc) /
		    sizeof(seccomp_keyproc[0]), errstr);
	}
#else
	(void)role;
	(void)errstr;
#if defined(__linux__)
	log_warnx("no seccomp filter for this architecture");
#endif
	return 0;
#endif
}
