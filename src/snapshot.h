/*
 * snapshot.h: the snapshot's private layout, shared by the three files
 * that build and read it (snapshot.c: storage and lookup, walk.c: the
 * directory walk, render.c: the prepared responses).  Nothing outside
 * those files may include it.
 */

#ifndef CAPSULED_SNAPSHOT_H
#define CAPSULED_SNAPSHOT_H

#define SNAP_FILE	1
#define SNAP_DIR	2	/* "/a/" */
#define SNAP_REDIRECT	3	/* "/a": Gemini 31 to "/a/" */

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
	size_t				 content;	/* file bytes read */
	int				 rootfd;
	int				 building;	/* entries malloc'd */
	int				 searching;	/* search is on */
	struct snapshot_search		 search;
	char				 rootreal[PATH_MAX];
};

void	*snapshot_alloc(struct snapshot *, size_t);
char	*snapshot_strdup(struct snapshot *, const char *, size_t);
int	 snapshot_add(struct snapshot *, const char *, size_t, int);
const struct snapshot_entry *
	 snapshot_find(const struct snapshot *, const char *, size_t);
size_t	 snapshot_header(const struct snapshot *, char *, size_t,
	    const char *);

int	 walk_capsule(struct snapshot *, const char **);
int	 render_snapshot(struct snapshot *, const char **);

#endif /* CAPSULED_SNAPSHOT_H */
