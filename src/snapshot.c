/*
 * snapshot.c: a snapshot's storage and lookup.  A snapshot is an
 * immutable, in-memory copy of a capsule: for every servable path, the
 * ready-made Gemini response and Gopher rendering, found by one hash
 * lookup.  The parent builds it (build.c, walk.c, render.c, through the
 * storage calls of snaplayout.h); workers share it copy-on-write and
 * only look things up (snapshot.h).  It never walks a directory,
 * renders a page, or touches a socket.
 */

#include <sys/mman.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capsuled.h"
#include "beneath.h"
#include "build.h"
#include "hash.h"
#include "results.h"
#include "snaplayout.h"
#include "snapshot.h"

#define ARENA_CHUNK	(256 * 1024)

struct arena_chunk {
	struct arena_chunk	*next;
	size_t			 used;
	size_t			 size;
	char			 data[];
};

void *
snapshot_alloc(struct snapshot *s, size_t n)
{
	struct arena_chunk	*c = s->chunks;
	size_t			 size;
	void			*p;

	n = (n + 15) & ~(size_t)15;
	if (c == NULL || c->size - c->used < n) {
		size = n > ARENA_CHUNK / 4 ? n : ARENA_CHUNK;
		/* The budget (snapshot-max) counts every byte mapped. */
		if (s->max != 0 && (size > s->max ||
		    s->bytes > s->max - size - sizeof(*c))) {
			s->over = 1;
			return NULL;
		}
		/*
		 * mmap, not malloc: a worker forked during a reload frees the
		 * previous snapshot, and munmap returns those pages at once
		 * instead of leaving them pinned in its heap.
		 */
		c = mmap(NULL, sizeof(*c) + size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (c == MAP_FAILED)
			return NULL;
		c->size = size;
		c->used = 0;
		/* A big one-off keeps the current chunk in front. */
		if (size != ARENA_CHUNK && s->chunks != NULL) {
			c->next = s->chunks->next;
			s->chunks->next = c;
		} else {
			c->next = s->chunks;
			s->chunks = c;
		}
		s->bytes += sizeof(*c) + size;
	}
	p = c->data + c->used;
	c->used += n;
	return p;
}

/*
 * Why the arena refused: the snapshot would pass snapshot-max.  In a
 * static buffer, as every errstr is.
 */
const char *
snapshot_over(const struct snapshot *s)
{
	static char	msg[128];

	snprintf(msg, sizeof(msg), "the snapshot would pass snapshot-max "
	    "(%zu MiB)", s->max / (1024 * 1024));
	return msg;
}

/* Why one rendered reply was refused: it passed SNAPSHOT_REPLY_MAX. */
const char *
snapshot_reply_over(void)
{
	static char	msg[128];

	snprintf(msg, sizeof(msg), "its reply would pass %d MiB "
	    "(SNAPSHOT_REPLY_MAX)", SNAPSHOT_REPLY_MAX / (1024 * 1024));
	return msg;
}

char *
snapshot_strdup(struct snapshot *s, const char *p, size_t len)
{
	char	*d;

	if ((d = snapshot_alloc(s, len + 1)) == NULL)
		return NULL;
	memcpy(d, p, len);
	d[len] = '\0';
	return d;
}

/* Add a key; returns its index or -1.  Keys are unique by construction. */
int
snapshot_add(struct snapshot *s, const char *path, size_t len, int kind)
{
	struct snapshot_entry	*e;
	size_t			 cap;

	if (s->n == s->cap) {
		cap = s->cap ? s->cap * 2 : 64;
		if ((e = reallocarray(s->entries, cap, sizeof(*e))) == NULL)
			return -1;
		s->entries = e;
		s->cap = cap;
	}
	e = &s->entries[s->n];
	memset(e, 0, sizeof(*e));
	e->index = -1;
	e->loc = -1;
	if ((e->path = snapshot_strdup(s, path, len)) == NULL)
		return -1;
	e->pathlen = len;
	e->hash = hash_bytes(path, len);
	e->kind = kind;
	return (int)s->n++;
}

/*
 * Build the hash table; entries and table move into the arena so that
 * all of a finished snapshot lives in its mmap'd chunks.
 */
int
snapshot_index(struct snapshot *s)
{
	struct snapshot_entry	*e;
	size_t			 size = 16, i, slot;

	while (size < s->n * 2)
		size *= 2;
	if ((e = snapshot_alloc(s, s->n * sizeof(*e) + 1)) == NULL ||
	    (s->table = snapshot_alloc(s, size * sizeof(*s->table))) == NULL)
		return -1;
	memcpy(e, s->entries, s->n * sizeof(*e));
	free(s->entries);
	s->entries = e;
	s->building = 0;
	memset(s->table, 0, size * sizeof(*s->table));
	s->tmask = size - 1;
	for (i = 0; i < s->n; i++) {
		slot = s->entries[i].hash & s->tmask;
		while (s->table[slot] != 0)
			slot = (slot + 1) & s->tmask;
		s->table[slot] = (uint32_t)i + 1;
	}
	return 0;
}

const struct snapshot_entry *
snapshot_find(const struct snapshot *s, const char *path, size_t len)
{
	const struct snapshot_entry	*e;
	uint32_t			 h = hash_bytes(path, len);
	size_t				 slot = h & s->tmask;

	while (s->table[slot] != 0) {
		e = &s->entries[s->table[slot] - 1];
		if (e->hash == h && e->pathlen == len &&
		    memcmp(e->path, path, len) == 0)
			return e;
		slot = (slot + 1) & s->tmask;
	}
	return NULL;
}

/*
 * What to send for a path on one protocol.  Returns -1 when the path is
 * not in the snapshot.  Never allocates: every byte was prepared.
 */
int
snapshot_lookup(const struct snapshot *s, enum proto proto, const char *path,
    size_t len, struct snapshot_resp *r)
{
	const struct snapshot_entry	*e;

	memset(r, 0, sizeof(*r));
	r->loc = -1;
	if ((e = snapshot_find(s, path, len)) != NULL && e->script != NULL) {
		r->script = e->script;
		r->loc = e->loc;
		return 0;
	}
	/* A directory without a page or a listing has no reply. */
	if (e == NULL || (e->stream == NULL &&
	    (proto == PROTO_GEMINI ? e->gemini : e->gopher) == NULL))
		return -1;
	r->loc = e->loc;
	if (proto == PROTO_GEMINI) {
		r->status = e->kind == SNAP_REDIRECT ? 31 : 20;
		if (e->stream != NULL) {
			r->header = e->gemini;
			r->headerlen = e->geminilen;
			r->stream = e->stream;
		} else {
			r->data = e->gemini;
			r->len = e->geminilen;
		}
	} else {
		if (e->stream != NULL)
			r->stream = e->stream;
		else {
			r->data = e->gopher;
			r->len = e->gopherlen;
		}
	}
	return 0;
}

/*
 * The script a path not in the snapshot runs, if any: the first
 * component from the left that is a script ("/cgi/gb.sh" of
 * "/cgi/gb.sh/sign"); the rest is its PATH_INFO.  0: r says which
 * script, *scriptlen is its path's length; -1: none.
 */
int
snapshot_script(const struct snapshot *s, const char *path, size_t len,
    struct snapshot_resp *r, size_t *scriptlen)
{
	const struct snapshot_entry	*e;
	size_t				 i;

	if (s->scripts == 0)
		return -1;
	for (i = 1; i < len; i++) {
		if (path[i] != '/')
			continue;
		if ((e = snapshot_find(s, path, i)) != NULL && e->script) {
			memset(r, 0, sizeof(*r));
			r->script = e->script;
			r->loc = e->loc;
			*scriptlen = i;
			return 0;
		}
	}
	return -1;
}

/*
 * The longest start of path (the whole of it, or up to a "/") that is
 * a file of the capsule: 0, *len is its length; -1: none.  What a
 * FastCGI responder gets as SCRIPT_NAME.
 */
int
snapshot_file_prefix(const struct snapshot *s, const char *path, size_t len,
    size_t *prefix)
{
	const struct snapshot_entry	*e;
	size_t				 i;

	for (i = len; i > 1; i--) {
		if (i != len && path[i] != '/')
			continue;
		if ((e = snapshot_find(s, path, i)) != NULL &&
		    (e->kind == SNAP_FILE || e->kind == SNAP_SCRIPT)) {
			*prefix = i;
			return 0;
		}
	}
	return -1;
}

/*
 * The Gopher item type of a path, for the links of a script's gemtext:
 * a file's own, '1' for a directory or a script (whose gemtext becomes
 * a menu), '\0' when the snapshot has no such path.
 */
char
snapshot_kind(const struct snapshot *s, const char *path, size_t len)
{
	const struct snapshot_entry	*e;
	struct snapshot_resp		 r;
	size_t				 n;

	if ((e = snapshot_find(s, path, len)) != NULL)
		return e->kind == SNAP_FILE ? e->gophertype : '1';
	return snapshot_script(s, path, len, &r, &n) == 0 ? '1' : '\0';
}

/* The capsule root's real path, which scripts are run beneath. */
const char *
snapshot_root(const struct snapshot *s)
{
	return s->rootreal;
}

/*
 * Open a file of the capsule by its real path relative to the root
 * (no leading slash, no symlinks).  Used by the builder and by workers
 * that stream large files.
 */
int
snapshot_open(int rootfd, const char *rel, int flags)
{
	if (*rel == '\0')
		rel = ".";
	return beneath_open(rootfd, rel,
	    flags | O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
}

int
snapshot_rootfd(const struct snapshot *s)
{
	return s->rootfd;
}

/*
 * A process that closes the root's descriptor (a worker: it opens no
 * file) forgets it, so that nothing closes the number again later.
 */
void
snapshot_forget_root(struct snapshot *s)
{
	s->rootfd = -1;
}

size_t
snapshot_count(const struct snapshot *s)
{
	return s->n;
}

size_t
snapshot_bytes(const struct snapshot *s)
{
	return s->bytes;
}

const char *
snapshot_host(const struct snapshot *s)
{
	return s->host;
}

void
snapshot_free(struct snapshot *s)
{
	struct arena_chunk	*c, *next;

	if (s == NULL)
		return;
	for (c = s->chunks; c != NULL; c = next) {
		next = c->next;
		munmap(c, sizeof(*c) + c->size);
	}
	if (s->rootfd != -1)
		close(s->rootfd);
	if (s->building)
		free(s->entries);
	free(s);
}

const struct snapshot_search *
snapshot_search(const struct snapshot *s)
{
	return s->searching ? &s->search : NULL;
}

/*
 * A snapshot to build: the builder fills it through snaplayout.h and
 * calls snapshot_index() once every entry is in.
 */
struct snapshot *
snapshot_new(const struct snapshot_params *p)
{
	struct snapshot	*s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->rootfd = -1;
	s->building = 1;
	s->params = p;
	s->max = p->max;
	return s;
}
