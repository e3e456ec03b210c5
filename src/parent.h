/*
 * parent.h: the parent process's main loop, after startup.
 */

#ifndef CAPSULED_PARENT_H
#define CAPSULED_PARENT_H

struct config;
struct load_opts;

int	 parent_start(struct config *, const char **);
int	 parent_check(struct config *, const char **);
__attribute__((__noreturn__))
void	 parent_main(struct config *, const struct load_opts *,
	    const char *);

#endif /* CAPSULED_PARENT_H */
