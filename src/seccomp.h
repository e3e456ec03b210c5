/*
 * seccomp.h: the system calls each sandboxed process may still make
 * (Linux; elsewhere these do nothing).
 */

#ifndef CAPSULED_SECCOMP_H
#define CAPSULED_SECCOMP_H

enum seccomp_role {
	SECCOMP_WORKER,
	SECCOMP_SPAWNER,
	SECCOMP_KEYPROC
};

int	 seccomp_apply(enum seccomp_role, const char **);

#endif /* CAPSULED_SECCOMP_H */
