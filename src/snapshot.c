/*
 * snapshot.c: turns a capsule directory into an immutable, in-memory
 * snapshot: for every servable path, the ready-made Gemini response and
 * Gopher rendering, found by one hash lookup.  The parent builds it; the
 * workers share it copy-on-write and never change it.  This file knows
 * the file system and the gemtext→Gopher mapping's inputs, never a
 * socket or a request's syntax.
 *
 * Safety: dotfiles are skipped; a symlink is followed only if its real
 * path lies inside the root; files are opened relative to the root's
 * descriptor by their real path, on Linux with openat2(RESOLVE_BENEATH |
 * RESOLVE_NO_SYMLINKS) so that a symlink swapped in later cannot lead
 * outside.  FIFOs, devices and sockets are never opened.
 */

#include <sys/mman.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capsuled.h"
#include "snapshot.h"

#define ARENA_CHUNK	(256 * 1024)
#define HEADER_MAX	160	/* "20 " + longest MIME + lang + CRLF */

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
static int
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
	if ((e = snapshot_find(s, path, len)) == NULL)
		return -1;
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

static void *
snapshot_search_alloc(void *arg, size_t n)
{
	return snapshot_alloc(arg, n);
}

/* A page's path for results: a directory's index.gmi is the directory. */
static void
snapshot_search_page(const struct snapshot *s,
    const struct snapshot_entry *e, struct search_source *src)
{
	const struct snapshot_entry	*dir;
	const char			*slash;
	size_t				 dirlen;

	slash = memrchr(e->path, '/', e->pathlen);
	dirlen = (size_t)(slash - e->path) + 1;
	src->path = e->path;
	src->pathlen = e->pathlen;
	src->name = slash + 1;
	src->namelen = e->pathlen - dirlen;
	if (strcmp(src->name, "index.gmi") == 0 &&
	    (dir = snapshot_find(s, e->path, dirlen)) != NULL &&
	    dir->kind == SNAP_DIR && dir->index == (int)(e - s->entries)) {
		src->path = dir->path;
		src->pathlen = dir->pathlen;
	}
	src->text = e->body;
	src->textlen = e->bodylen;
}

/*
 * The search index of every gemtext page, and the prepared replies the
 * search needs, all in the arena.
 */
static int
snapshot_search_build(struct snapshot *s, const char **errstr)
{
	const struct snapshot_params	*p = s->params;
	struct snapshot_search		*ss = &s->search;
	struct search_source		*src;
	struct search_index		*ix;
	struct buf			 b;
	const char			*prompt;
	char				 hdr[HEADER_MAX];
	size_t				 i, n = 0, len;
	int				 rc;

	if (snapshot_find(s, SEARCH_PATH, strlen(SEARCH_PATH)) != NULL)
		log_warnx("capsule: %s is the search; the capsule's own is "
		    "not served (turn the search off to serve it)",
		    SEARCH_PATH);
	if ((src = calloc(s->n + 1, sizeof(*src))) == NULL) {
		*errstr = "out of memory";
		return -1;
	}
	for (i = 0; i < s->n; i++) {
		const struct snapshot_entry	*e = &s->entries[i];

		if (e->kind == SNAP_FILE && e->gophertype == '1' &&
		    e->stream == NULL && e->body != NULL)
			snapshot_search_page(s, e, &src[n++]);
	}
	rc = indexer_build(src, n, snapshot_search_alloc, s, &ix, errstr);
	free(src);
	if (rc == -1)
		return -1;
	ss->index = ix;
	ss->host = s->host;
	ss->gopher_port = p->gopher_port;
	/* The prompt is one line of meta: UTF-8, no control bytes. */
	prompt = p->search_prompt != NULL ? p->search_prompt : SEARCH_PROMPT;
	len = strnlen(prompt, SEARCH_PROMPT_MAX);
	if (len == 0 || !utf8_valid(prompt, len)) {
		prompt = SEARCH_PROMPT;
		len = strlen(prompt);
	}
	buf_init(&b);
	buf_adds(&b, "10 ");
	for (i = 0; i < len; i++)
		buf_addc(&b, (unsigned char)prompt[i] < 0x20 ||
		    prompt[i] == 0x7f ? ' ' : prompt[i]);
	buf_adds(&b, "\r\n");
	rc = b.failed || (ss->input = snapshot_strdup(s, b.data,
	    b.len)) == NULL ? -1 : 0;
	ss->inputlen = b.len;
	ss->prompt = ss->input + 3;
	ss->promptlen = len;
	buf_free(&b);
	if (rc == -1) {
		*errstr = "out of memory";
		return -1;
	}
	ss->headerlen = snapshot_header(s, hdr, sizeof(hdr), "text/gemini");
	if ((ss->header = snapshot_strdup(s, hdr, ss->headerlen)) == NULL) {
		*errstr = "out of memory";
		return -1;
	}
	s->searching = 1;
	log_debug("search: %zu pages, %zu words, %zu KiB", search_count(ix),
	    search_terms(ix), search_bytes(ix) / 1024);
	return 0;
}

const struct snapshot_search *
snapshot_search(const struct snapshot *s)
{
	return s->searching ? &s->search : NULL;
}

/*
 * Build a snapshot of params->root.  On failure nothing is kept and
 * *errstr says why (with the path concerned); the caller keeps serving
 * its previous snapshot.
 */
int
snapshot_build(const struct snapshot_params *p, struct snapshot **out,
    const char **errstr)
{
	struct snapshot	*s;

	*out = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		*errstr = "out of memory";
		return -1;
	}
	s->rootfd = -1;
	s->building = 1;
	s->params = p;
	if ((s->host = snapshot_strdup(s, p->host, strlen(p->host))) == NULL)
		goto nomem;
	if (walk_capsule(s, errstr) == -1)
		goto fail;
	if (snapshot_index(s) == -1)
		goto nomem;
	if (p->search && snapshot_search_build(s, errstr) == -1)
		goto fail;
	if (render_snapshot(s, errstr) == -1)
		goto fail;
	s->params = NULL;
	*out = s;
	return 0;
nomem:
	*errstr = "out of memory";
fail:
	snapshot_free(s);
	return -1;
}
