/*
 * build.c: builds a snapshot of one capsule, in the parent: the walk
 * (walk.c), the hash table (snapshot.c), the search index and its
 * prepared replies, then the rendering of every reply (render.c).  On
 * failure nothing is kept and the error names the path concerned, so
 * the caller keeps serving its previous snapshot.
 *
 * Safety (walk.c does the choosing): dotfiles are skipped; a symlink is
 * followed only if its real path lies inside the root; files are opened
 * relative to the root's descriptor by their real path, on Linux with
 * openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS), so that a symlink
 * swapped in later cannot lead outside.  FIFOs, devices and sockets are
 * never opened.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "build.h"
#include "location.h"
#include "log.h"
#include "render.h"
#include "results.h"
#include "search.h"
#include "searchindex.h"
#include "snaplayout.h"
#include "snapshot.h"
#include "utf8.h"
#include "walk.h"

#define HEADER_MAX	160	/* "20 " + longest MIME + lang + CRLF */

static char	build_err[256];

static void *
build_search_alloc(void *arg, size_t n)
{
	return snapshot_alloc(arg, n);
}

/*
 * Is a page for everyone's search?  Not one a location blocks or keeps
 * for client certificates: its title and excerpts would tell what the
 * location keeps from those without one.
 */
static int
build_searchable(const struct snapshot *s, const struct snapshot_entry *e)
{
	return e->loc < 0 || location_public(&s->params->locs[e->loc]);
}

/* A page's path for results: a directory's index.gmi is the directory. */
static void
build_search_page(const struct snapshot *s,
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
	if ((dir = snapshot_find(s, e->path, dirlen)) != NULL &&
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
build_search(struct snapshot *s, const char **errstr)
{
	const struct snapshot_params	*p = s->params;
	struct snapshot_search		*ss = &s->search;
	struct search_source		*src;
	struct search_index		*ix;
	struct buf			 b;
	const char			*prompt;
	char				 hdr[HEADER_MAX];
	size_t				 i, n = 0, len, c;
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
		    e->stream == NULL && e->body != NULL &&
		    build_searchable(s, e))
			build_search_page(s, e, &src[n++]);
	}
	/* Its working memory, too, comes out of what is left of the budget. */
	rc = indexer_build(src, n, s->max == 0 ? 0 : s->max > s->bytes ?
	    s->max - s->bytes : 1, build_search_alloc, s, &ix, errstr);
	free(src);
	if (rc == -1) {
		snprintf(build_err, sizeof(build_err), "search index: %s",
		    s->over ? snapshot_over(s) : *errstr);
		*errstr = build_err;
		return -1;
	}
	ss->index = ix;
	ss->host = s->host;
	ss->gopher_port = p->gopher_port;
	ss->gopher_wrap = p->gopher_wrap;
	/* The prompt is one line of meta: UTF-8, no control bytes. */
	prompt = p->search_prompt != NULL ? p->search_prompt : SEARCH_PROMPT;
	len = strnlen(prompt, SEARCH_PROMPT_MAX);
	if (len == 0 || !utf8_valid(prompt, len)) {
		prompt = SEARCH_PROMPT;
		len = strlen(prompt);
	}
	buf_init(&b);
	buf_adds(&b, "10 ");
	for (i = 0; i < len; i += c) {
		if ((c = utf8_control(prompt + i, len - i)) != 0)
			buf_addc(&b, ' ');
		else
			buf_addc(&b, prompt[i]);
		c = c != 0 ? c : 1;
	}
	buf_adds(&b, "\r\n");
	rc = b.failed || (ss->input = snapshot_strdup(s, b.data,
	    b.len)) == NULL ? -1 : 0;
	ss->inputlen = b.len;
	buf_free(&b);
	if (rc == -1) {
		*errstr = "out of memory";
		return -1;
	}
	ss->prompt = ss->input + 3;
	ss->promptlen = ss->inputlen - 5;	/* a C1 became one space */
	ss->headerlen = render_header(hdr, sizeof(hdr), "text/gemini",
	    render_lang(s, -1));
	if ((ss->header = snapshot_strdup(s, hdr, ss->headerlen)) == NULL) {
		*errstr = "out of memory";
		return -1;
	}
	s->searching = 1;
	log_debug("search: %zu pages, %zu words, %zu KiB", search_count(ix),
	    search_terms(ix), search_bytes(ix) / 1024);
	return 0;
}

/*
 * Build a snapshot of params->root.  On failure nothing is kept and
 * *errstr says why (with the path concerned); the caller keeps serving
 * its previous snapshot.
 */
int
build_snapshot(const struct snapshot_params *p, struct snapshot **out,
    const char **errstr)
{
	struct snapshot	*s;

	*out = NULL;
	if ((s = snapshot_new(p)) == NULL) {
		*errstr = "out of memory";
		return -1;
	}
	if ((s->host = snapshot_strdup(s, p->host, strlen(p->host))) == NULL)
		goto nomem;
	if (walk_capsule(s, errstr) == -1)
		goto fail;
	if (snapshot_index(s) == -1)
		goto nomem;
	if (p->search && build_search(s, errstr) == -1)
		goto fail;
	if (render_snapshot(s, errstr) == -1)
		goto fail;
	s->params = NULL;
	*out = s;
	return 0;
nomem:
	*errstr = s->over ? snapshot_over(s) : "out of memory";
fail:
	snapshot_free(s);
	return -1;
}
