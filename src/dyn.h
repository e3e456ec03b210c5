/*
 * dyn.h: in a worker, the reply of a script or a FastCGI responder, read
 * from the descriptor the runner handed over, checked, and on Gopher
 * converted, as the client takes it.
 */

#ifndef CAPSULED_DYN_H
#define CAPSULED_DYN_H

#include <stddef.h>

#include "capsuled.h"

#define DYN_IN_MAX		16384	/* bytes of output read ahead */
#define DYN_STDERR_LINES	32	/* a responder's stderr lines logged */

struct config;
struct event_base;
struct server;
struct dyn;

/* Where the reply comes from and what a Gopher rendering needs. */
struct dyn_req {
	enum proto		 proto;
	int			 fd;		/* the runner's; dyn owns it */
	const char		*params;	/* FastCGI: the pairs; or NULL */
	size_t			 paramslen;
	const struct server	*srv;
	int			 gopher_port;	/* public, for menus */
	const char		*path;		/* decoded, as requested */
	size_t			 pathlen;
	const char		*name;		/* for log lines */
};

/* What the connection gets from dyn_next(). */
enum dyn_result {
	DYN_DATA,		/* bytes to write */
	DYN_WAIT,		/* none yet: ready() is called when there are */
	DYN_END,		/* the reply is complete */
	DYN_CUT			/* it broke off: close without close_notify */
};

void	 dyn_init(struct event_base *, const struct config *);
struct dyn *dyn_new(const struct dyn_req *);
void	 dyn_start(struct dyn *, void (*)(void *), void *);
enum dyn_result dyn_next(struct dyn *, const char **, size_t *);
int	 dyn_status(const struct dyn *);
void	 dyn_free(struct dyn *);

#endif /* CAPSULED_DYN_H */
