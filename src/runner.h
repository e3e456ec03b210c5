/*
 * runner.h: the CGI runner's process: it runs scripts and reaches
 * FastCGI responders for the workers.
 */

#ifndef CAPSULED_RUNNER_H
#define CAPSULED_RUNNER_H

#define RUNNER_ENV_MAX	96	/* variables in a script's environment */
#define RUNNER_PATH	"/usr/local/bin:/usr/bin:/bin"	/* a script's PATH */

struct config;

__attribute__((__noreturn__))
void	 runner_main(struct config *, int);

#endif /* CAPSULED_RUNNER_H */
