/*
 * sandbox.h: what a worker or the key process may still do once it
 * serves, and the parent's checks of the chroot directory and user.
 */

#ifndef CAPSULED_SANDBOX_H
#define CAPSULED_SANDBOX_H

#include <stddef.h>

#define SANDBOX_NOBODY		"nobody"	/* when no user is set */
#define SANDBOX_FDS_MAX		256	/* descriptors a child may keep */

struct config;

int	 sandbox_prepare(struct config *, int, const char **);
void	 sandbox_closefds(const int *, size_t);
void	 sandbox_worker(const struct config *);
void	 sandbox_spawner(const struct config *, const int *, size_t);
void	 sandbox_keyproc(const struct config *);
void	 sandbox_runner(const struct config *);

#endif /* CAPSULED_SANDBOX_H */
