/*
 * snapshot.h: what a worker may do with a finished snapshot: look a
 * path up and get its prepared reply.  Everything here takes a const
 * snapshot; building one is build.h's (the parent's).
 */

#ifndef CAPSULED_SNAPSHOT_H
#define CAPSULED_SNAPSHOT_H

#include <stddef.h>

#include "capsuled.h"

struct snapshot;
struct snapshot_search;

/* What the worker needs to answer one path on one protocol. */
struct snapshot_resp {
	const char	*data;		/* prepared bytes; NULL: stream */
	size_t		 len;
	const char	*stream;	/* path relative to the root fd */
	const char	*script;	/* a script's, to run (runner.c) */
	const char	*header;	/* Gemini header to send before it */
	size_t		 headerlen;
	int		 status;	/* Gemini status, 0 on Gopher */
	int		 loc;		/* the server's location it is in; -1 */
};

int	 snapshot_lookup(const struct snapshot *, enum proto, const char *,
	    size_t, struct snapshot_resp *);
int	 snapshot_script(const struct snapshot *, const char *, size_t,
	    struct snapshot_resp *, size_t *);
int	 snapshot_file_prefix(const struct snapshot *, const char *, size_t,
	    size_t *);
char	 snapshot_kind(const struct snapshot *, const char *, size_t);
int	 snapshot_rootfd(const struct snapshot *);
const char *snapshot_root(const struct snapshot *);
void	 snapshot_forget_root(struct snapshot *);
int	 snapshot_open(int, const char *, int);
size_t	 snapshot_count(const struct snapshot *);
size_t	 snapshot_bytes(const struct snapshot *);
const char *snapshot_host(const struct snapshot *);
const struct snapshot_search *snapshot_search(const struct snapshot *);
void	 snapshot_free(struct snapshot *);

#endif /* CAPSULED_SNAPSHOT_H */
