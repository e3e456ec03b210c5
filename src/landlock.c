/*
 * landlock.c: confinement with Landlock, which an unprivileged process
 * applies to itself and can never undo.  landlock_restrict() makes a
 * ruleset that handles every file system right the kernel knows (and,
 * from ABI 4, TCP bind and connect; from ABI 6, signals and abstract
 * Unix sockets outside the process's own domain) and grants only
 * reading beneath the directories it is given (none: no file can be
 * opened at all).  Rights a newer kernel adds are denied too, because
 * the handled set is built from the ABI the kernel reports.
 *
 * Without Landlock (kernel before 5.13, or disabled at boot) it says so
 * and returns 0; what then keeps a process in is its chroot, its user,
 * seccomp, and holding no directory descriptor it could climb from.
 * The structures are declared here because the C library's headers may
 * be older than the running kernel; their layout is the kernel's ABI.
 */

#include <sys/types.h>

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#ifdef __linux__
#include <sys/prctl.h>
#include <sys/syscall.h>
#endif

#include "landlock.h"

#ifdef __linux__

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset	444
#define SYS_landlock_add_rule		445
#define SYS_landlock_restrict_self	446
#endif

#define LL_CREATE_RULESET_VERSION	(1U << 0)
#define LL_RULE_PATH_BENEATH		1

/* File system rights, by the ABI that brought them. */
#define LL_FS_EXECUTE		(1ULL << 0)
#define LL_FS_WRITE_FILE	(1ULL << 1)
#define LL_FS_READ_FILE		(1ULL << 2)
#define LL_FS_READ_DIR		(1ULL << 3)
#define LL_FS_ABI1		((1ULL << 13) - 1)	/* ... MAKE_SYM */
#define LL_FS_REFER		(1ULL << 13)		/* ABI 2 */
#define LL_FS_TRUNCATE		(1ULL << 14)		/* ABI 3 */
#define LL_FS_IOCTL_DEV		(1ULL << 15)		/* ABI 5 */
#define LL_NET_BIND_TCP		(1ULL << 0)		/* ABI 4 */
#define LL_NET_CONNECT_TCP	(1ULL << 1)
#define LL_SCOPE_ABSTRACT_UNIX	(1ULL << 0)		/* ABI 6 */
#define LL_SCOPE_SIGNAL		(1ULL << 1)

struct landlock_attr {
	uint64_t	handled_access_fs;
	uint64_t	handled_access_net;	/* ABI 4 */
	uint64_t	scoped;			/* ABI 6 */
};

struct landlock_beneath {
	uint64_t	allowed_access;
	int32_t		parent_fd;
} __attribute__((__packed__));

/* The kernel's Landlock ABI version, or 0 when there is none. */
int
landlock_abi(void)
{
	long	v;

	v = syscall(SYS_landlock_create_ruleset, NULL, 0,
	    LL_CREATE_RULESET_VERSION);
	return v < 0 ? 0 : (int)v;
}

static uint64_t
landlock_fs_rights(int abi)
{
	uint64_t	r = LL_FS_ABI1;

	if (abi >= 2)
		r |= LL_FS_REFER;
	if (abi >= 3)
		r |= LL_FS_TRUNCATE;
	if (abi >= 5)
		r |= LL_FS_IOCTL_DEV;
	return r;
}

/*
 * Restrict this process: read-only beneath each of the n directory
 * descriptors dirs, nothing else on the file system, no TCP bind or
 * connect, no signals or abstract sockets outside its domain.  Needs
 * no_new_privs (set here).  Returns the ABI used, 0 without Landlock,
 * -1 on failure (*errstr).
 */
int
landlock_restrict(const int *dirs, size_t n, int allow_net,
    const char **errstr)
{
	struct landlock_attr	 attr;
	struct landlock_beneath	 rule;
	size_t			 size, i;
	int			 abi, fd;

	if ((abi = landlock_abi()) == 0)
		return 0;
	memset(&attr, 0, sizeof(attr));
	attr.handled_access_fs = landlock_fs_rights(abi);
	size = sizeof(attr.handled_access_fs);
	if (abi >= 4) {
		if (!allow_net)
			attr.handled_access_net = LL_NET_BIND_TCP |
			    LL_NET_CONNECT_TCP;
		size = offsetof(struct landlock_attr, scoped);
	}
	if (abi >= 6) {
		attr.scoped = LL_SCOPE_ABSTRACT_UNIX | LL_SCOPE_SIGNAL;
		size = sizeof(attr);
	}
	if ((fd = (int)syscall(SYS_landlock_create_ruleset, &attr, size,
	    0)) == -1) {
		*errstr = "landlock_create_ruleset failed";
		return -1;
	}
	for (i = 0; i < n; i++) {
		rule.allowed_access = LL_FS_READ_FILE | LL_FS_READ_DIR;
		rule.parent_fd = dirs[i];
		if (syscall(SYS_landlock_add_rule, fd, LL_RULE_PATH_BENEATH,
		    &rule, 0) == -1) {
			close(fd);
			*errstr = "landlock_add_rule failed";
			return -1;
		}
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1 ||
	    syscall(SYS_landlock_restrict_self, fd, 0) == -1) {
		close(fd);
		*errstr = "landlock_restrict_self failed";
		return -1;
	}
	close(fd);
	return abi;
}

#else

int
landlock_abi(void)
{
	return 0;
}

int
landlock_restrict(const int *dirs, size_t n, int allow_net,
    const char **errstr)
{
	(void)dirs;
	(void)n;
	(void)allow_net;
	(void)errstr;
	return 0;
}

#endif
