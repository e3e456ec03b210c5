/*
 * helper.h: the parent's side of its helper processes (the key
 * process, the spawner, the CGI runner): starting one, handing it a
 * worker's channel, letting it go.
 */

#ifndef CAPSULED_HELPER_H
#define CAPSULED_HELPER_H

#include <sys/types.h>
#include <sys/queue.h>

#include <stdint.h>
#include <time.h>

#define HELPER_START_MS		10000	/* to load keys and say so */
#define HELPER_KEYPROC_COMM	"capsuled-keys"	/* names in ps */
#define HELPER_SPAWNER_COMM	"capsuled-spawn"
#define HELPER_RUNNER_COMM	"capsuled-cgi"

struct config;

enum helper_role {
	HELPER_KEYPROC,
	HELPER_SPAWNER,
	HELPER_RUNNER,
	HELPER_ROLES
};

struct helper {
	TAILQ_ENTRY(helper)	 entry;
	enum helper_role	 role;
	pid_t			 pid;
	int			 ctl;		/* -1 once let go */
	int			 gen;		/* the generation it serves */
	time_t			 started;
};

int	 helper_start(struct helper *, enum helper_role, struct config *,
	    void (*)(struct config *, enum helper_role, int), const char **);
int	 helper_channel(struct helper *);
void	 helper_release(struct helper *);
const char *helper_name(const struct helper *);
uint16_t helper_renew_msg(enum helper_role);

#endif /* CAPSULED_HELPER_H */
