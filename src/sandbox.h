/*
 * sandbox.h: what a worker may still do once it serves, and the
 * parent's checks of the chroot directory.
 */

#ifndef CAPSULED_SANDBOX_H
#define CAPSULED_SANDBOX_H

struct config;

int	 sandbox_prepare(const struct config *, int, const char **);
void	 sandbox_worker(const struct config *);

#endif /* CAPSULED_SANDBOX_H */
