/*
 * gen.h: one generation's runtime state, made from a config in the
 * parent (sockets, TLS contexts, snapshots, the chroot, log files) and
 * taken down again.
 */

#ifndef CAPSULED_GEN_H
#define CAPSULED_GEN_H

struct config;

int	 gen_setup(struct config *, struct config *, int, const char **);
int	 gen_commit(struct config *, const char **);
void	 gen_free(struct config *);
void	 gen_log_listeners(const struct config *, int);

#endif /* CAPSULED_GEN_H */
