/*
 * perm.h: whether the workers' user may read a file (or read and
 * search a directory, or run a script), decided from its mode and
 * owner.
 */

#ifndef CAPSULED_PERM_H
#define CAPSULED_PERM_H

#include <sys/types.h>
#include <sys/stat.h>

struct perm_user {
	int	 check;		/* 0: whoever we are decides (not root) */
	uid_t	 uid;
	gid_t	 gid;		/* its group: the only one it keeps */
};

int	 perm_may(const struct perm_user *, const struct stat *);
int	 perm_may_exec(const struct perm_user *, const struct stat *);
int	 perm_reachable(const struct perm_user *, int, const char *);
void	 perm_describe(const struct stat *, char *, size_t);

#endif /* CAPSULED_PERM_H */
