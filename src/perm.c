/*
 * perm.c: what the workers' user could read.  The parent builds the
 * snapshot as root, which can read everything; a file (or directory)
 * is published only if the user the workers and the spawner run as
 * could read it (a directory: read and search it), judged the way the
 * kernel judges that user: by its uid and its one group (sandbox.c
 * drops every supplementary group), owner bits for the owner, group
 * bits for the group, the others' bits for the rest.  Access control
 * lists are not consulted: a file an ACL opens to the user but its
 * mode does not is left out (the safe way round).  Pure but for
 * perm_reachable's fstatat calls.
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "perm.h"

/* The three permission bits that apply to u for st. */
static mode_t
perm_bits(const struct perm_user *u, const struct stat *st)
{
	if (u->uid == st->st_uid)
		return (st->st_mode >> 6) & 07;
	if (u->gid == st->st_gid)
		return (st->st_mode >> 3) & 07;
	return st->st_mode & 07;
}

/* May u read st, and search it if it is a directory?  1: yes. */
int
perm_may(const struct perm_user *u, const struct stat *st)
{
	mode_t	want = S_ISDIR(st->st_mode) ? 05 : 04;

	if (!u->check)
		return 1;
	return (perm_bits(u, st) & want) == want;
}

/*
 * May u run st (a script under cgi on)?  Not as root, whose own
 * permissions would say yes to anything with one x bit: the bit that
 * applies to the user scripts run as.
 */
int
perm_may_exec(const struct perm_user *u, const struct stat *st)
{
	if (!S_ISREG(st->st_mode))
		return 0;
	if (!u->check)
		return (st->st_mode & 0111) != 0;
	return (perm_bits(u, st) & 01) != 0;
}

/*
 * May u reach rel below the directory rootfd: search the root and every
 * directory on the way?  (For a symlink's target, whose directories are
 * not those the walk went through.)
 */
int
perm_reachable(const struct perm_user *u, int rootfd, const char *rel)
{
	struct stat	 st;
	char		 dir[PATH_MAX];
	const char	*slash;
	size_t		 len;

	if (!u->check)
		return 1;
	if (fstat(rootfd, &st) == -1 || (perm_bits(u, &st) & 01) == 0)
		return 0;
	for (slash = strchr(rel, '/'); slash != NULL;
	    slash = strchr(slash + 1, '/')) {
		if ((len = (size_t)(slash - rel)) >= sizeof(dir))
			return 0;
		memcpy(dir, rel, len);
		dir[len] = '\0';
		if (fstatat(rootfd, dir, &st, AT_SYMLINK_NOFOLLOW) == -1 ||
		    !S_ISDIR(st.st_mode) || (perm_bits(u, &st) & 01) == 0)
			return 0;
	}
	return 1;
}

/* "mode 0600, owner 0:0", for the message that says why. */
void
perm_describe(const struct stat *st, char *buf, size_t size)
{
	snprintf(buf, size, "mode %04o, owner %lu:%lu",
	    (unsigned)(st->st_mode & 07777), (unsigned long)st->st_uid,
	    (unsigned long)st->st_gid);
}
