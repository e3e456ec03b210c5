/*
 * beneath.c: open a path below a directory descriptor without following
 * any symlink and without leaving that directory, whatever is swapped
 * into the tree meanwhile.  Linux has openat2(2) for exactly this; other
 * systems walk the path one component at a time with O_NOFOLLOW.  The
 * path must be relative, without "." or ".." components.
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#ifdef __linux__
#include <sys/syscall.h>
#include <linux/openat2.h>

#include "beneath.h"
#endif


static int
beneath_valid(const char *rel)
{
	const char	*p = rel, *slash;
	size_t		 n;

	if (*rel == '/' || *rel == '\0')
		return 0;
	for (;;) {
		slash = strchr(p, '/');
		n = slash != NULL ? (size_t)(slash - p) : strlen(p);
		if (n == 0 || (n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.'))
			return strcmp(rel, ".") == 0;
		if (slash == NULL)
			return 1;
		p = slash + 1;
	}
}

/* Portable fallback: one component at a time, never following links. */
static int
beneath_walk(int dirfd, const char *rel, int flags)
{
	char	 comp[NAME_MAX + 1];
	const char *p = rel, *slash;
	size_t	 n;
	int	 fd = dirfd, next;

	while ((slash = strchr(p, '/')) != NULL) {
		n = slash - p;
		if (n > NAME_MAX) {
			errno = ENAMETOOLONG;
			goto fail;
		}
		memcpy(comp, p, n);
		comp[n] = '\0';
		next = openat(fd, comp,
		    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd != dirfd)
			close(fd);
		if (next == -1)
			return -1;
		fd = next;
		p = slash + 1;
	}
	next = openat(fd, p, flags | O_NOFOLLOW);
	if (fd != dirfd) {
		int	saved = errno;

		close(fd);
		errno = saved;
	}
	return next;
fail:
	if (fd != dirfd)
		close(fd);
	return -1;
}

int
beneath_open(int dirfd, const char *rel, int flags)
{
#ifdef SYS_openat2
	struct open_how	how;
	int		fd;
#endif

	if (!beneath_valid(rel)) {
		errno = EINVAL;
		return -1;
	}
#ifdef SYS_openat2
	memset(&how, 0, sizeof(how));
	how.flags = (unsigned int)flags;
	how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
	    RESOLVE_NO_MAGICLINKS;
	fd = (int)syscall(SYS_openat2, dirfd, rel, &how, sizeof(how));
	/* Old kernels (before 5.6) and some sandboxes lack openat2. */
	if (fd != -1 || (errno != ENOSYS && errno != EPERM))
		return fd;
#endif
	if (strcmp(rel, ".") == 0)
		return openat(dirfd, rel, flags | O_NOFOLLOW);
	return beneath_walk(dirfd, rel, flags);
}
