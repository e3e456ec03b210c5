/*
 * snaplayout.h: the snapshot's private layout and its storage calls,
 * shared by the files that build and read it (snapshot.c: storage and
 * lookup; build.c, walk.c, render.c: building, in the parent).  Nothing
 * else may include it: a worker sees a snapshot only through snapshot.h.
 */

#ifndef CAPSULED_SNAPLAYOUT_H
#define CAPSULED_SNAPLAYOUT_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "results.h"

struct snapshot_params;

#define SNAP_FILE	1
#define SNAP_DIR	2	/* "/a/" */
#define SNAP_REDIRECT	3	/* "/a": Gemini 31 to "/a/" */
#define SNAP_SCRIPT	4	/* an executable under cgi on: run, not read */

struct arena_chunk;

struct snapshot_entry {
	const char	*path;		/* key: decoded, NUL-terminated */
	size_t		 pathlen;
	uint32_t	 hash;
	int		 kind;
	char		 gophertype;
	const char	*gemini;	/* whole response, or the header */
	size_t		 geminilen;
	const char	*gopher;	/* whole response */
	size_t		 gopherlen;
	const char	*stream;	/* real path under the root, or NULL */
	const char	*script;	/* the same, of a script; or NULL */
	int		 loc;		/* the location it is under; -1 */

	/* Only while building. */
	const char	*body;		/* file bytes (after the header) */
	size_t		 bodylen;
	const char	*map;		/* directory: its gophermap */
	size_t		 maplen;
	const char	*listing;	/* directory without index.gmi */
	size_t		 listinglen;
	int		 index;		/* directory: entry of index.gmi */
};

struct snapshot {
	const struct snapshot_params	*params;	/* while building */
	char				*host;
	struct snapshot_entry		*entries;
	size_t				 n;
	size_t				 cap;
	uint32_t			*table;		/* entry + 1, 0 free */
	size_t				 tmask;
	struct arena_chunk		*chunks;
	size_t				 bytes;		/* memory held */
	size_t				 max;		/* ... at most */
	int				 over;		/* a limit was hit */
	int				 rootfd;
	int				 building;	/* entries malloc'd */
	int				 searching;	/* search is on */
	size_t				 scripts;	/* SNAP_SCRIPT entries */
	struct snapshot_search		 search;
	char				 rootreal[PATH_MAX];
};

struct snapshot	*snapshot_new(const struct snapshot_params *);
void	*snapshot_alloc(struct snapshot *, size_t);
char	*snapshot_strdup(struct snapshot *, const char *, size_t);
int	 snapshot_add(struct snapshot *, const char *, size_t, int);
int	 snapshot_index(struct snapshot *);
const struct snapshot_entry *
	 snapshot_find(const struct snapshot *, const char *, size_t);
const char *snapshot_over(const struct snapshot *);
const char *snapshot_reply_over(void);

#endif /* CAPSULED_SNAPLAYOUT_H */
