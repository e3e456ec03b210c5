/*
 * rules.h: what a location block says about one request: a reply of
 * its own (block return), a client certificate to show (60, 61, 62),
 * a path to strip.
 */

#ifndef CAPSULED_RULES_H
#define CAPSULED_RULES_H

#include <stddef.h>

#include "capsuled.h"

struct buf;
struct server;
struct tls;

/* The request, as far as the rules need it. */
struct rules_req {
	const struct server	*srv;
	enum proto		 proto;
	struct tls		*tls;		/* NULL: plain Gopher */
	const char		*query;		/* or Gopher search; NULL */
	size_t			 querylen;
	int			 port;		/* public, for %P */
};

#define RULES_SERVE	0	/* go on: serve the (maybe stripped) path */
#define RULES_REPLY	1	/* the reply is in the buffer */

int	 rules_check(const struct rules_req *, int, const char **, size_t *,
	    int, int *, struct buf *);

#endif /* CAPSULED_RULES_H */
