/*
 * script.h: the CGI runner's side of a script: run it, watch it, reap
 * it.
 */

#ifndef CAPSULED_SCRIPT_H
#define CAPSULED_SCRIPT_H

#include <stddef.h>

#define SCRIPT_NAME_MAX		256	/* bytes of a script's name in logs */
#define SCRIPT_LINE_MAX		512	/* bytes of a stderr line logged */
#define SCRIPT_LINES_MAX	32	/* stderr lines logged per script */
#define SCRIPT_READS_MAX	16	/* stderr reads per wakeup */
#define SCRIPT_DRAIN_MS		1000	/* stderr read after the end */
#define SCRIPT_AS_MAX		((size_t)1 << 30)	/* address space */
#define SCRIPT_NOFILE_MAX	256	/* descriptors a script may open */

struct pollfd;

/* How to run one script. */
struct script_start {
	const char	*file;		/* absolute path */
	const char	*dir;		/* its directory: the working one */
	char *const	*argv;
	char *const	*envp;
	const char	*name;		/* as the capsule knows it, for logs */
};

int	 script_init(size_t, int, const char **);
int	 script_run(const struct script_start *, int *);
size_t	 script_count(void);
size_t	 script_fds(struct pollfd *, size_t);
void	 script_ready(const struct pollfd *, size_t);
int	 script_wait_ms(void);

#endif /* CAPSULED_SCRIPT_H */
