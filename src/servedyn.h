/*
 * servedyn.h: whether a request goes to a script or a FastCGI
 * responder, and starting that reply.
 */

#ifndef CAPSULED_SERVEDYN_H
#define CAPSULED_SERVEDYN_H

#include <stddef.h>

#include "capsuled.h"

#define SERVEDYN_BUSY_WAIT	"1"	/* 44's meta: seconds to wait */

struct reply;
struct serve_in;
struct server;
struct snapshot_resp;

/* A request for which the rules said: serve path. */
struct servedyn_req {
	const struct serve_in	*in;
	struct server		*srv;
	enum proto		 proto;
	const char		*reqpath;	/* as requested, NUL-ended */
	size_t			 reqpathlen;
	const char		*path;		/* after strip, NUL-ended */
	size_t			 pathlen;
	const char		*query;		/* Gemini; Gopher's search */
	size_t			 querylen;
};

int	 servedyn_try(const struct servedyn_req *,
	    const struct snapshot_resp *, int, struct reply *);

#endif /* CAPSULED_SERVEDYN_H */
