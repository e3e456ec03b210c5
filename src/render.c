/*
 * render.c: the second half of building a snapshot.  With every entry
 * known and indexed, it prepares what each path answers: Gopher menus
 * rendered from gemtext (and from gophermap files), escaped text, the
 * directory responses and the 31 redirects.  Everything lands in the
 * snapshot's arena; nothing here touches the file system.
 */

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "capsuled.h"
#include "buf.h"
#include "build.h"
#include "gemtext.h"
#include "gopher.h"
#include "location.h"
#include "log.h"
#include "render.h"
#include "search.h"
#include "snaplayout.h"
#include "snapshot.h"
#include "uri.h"

/*
 * The location path is under (its index in the server's), for what it
 * says about how to answer; -1: none.
 */
int
render_location(const struct snapshot *s, const char *path)
{
	const struct snapshot_params	*p = s->params;

	return location_match(p->locs, p->nlocs, path);
}

/* The language tags a text/gemini reply under location loc carries. */
const char *
render_lang(const struct snapshot *s, int loc)
{
	const struct snapshot_params	*p = s->params;

	if (loc >= 0 && p->locs[loc].has_lang)
		return p->locs[loc].lang;
	return p->lang;
}

/* Does a directory without its page get a listing under loc? */
static int
render_auto_index(const struct snapshot *s, int loc)
{
	const struct snapshot_params	*p = s->params;

	if (loc >= 0 && p->locs[loc].auto_index != -1)
		return p->locs[loc].auto_index;
	return !p->auto_index_off;
}

#define RENDER_OVER_TOTAL	1	/* snapshot->over: snapshot-max */
#define RENDER_OVER_REPLY	2	/* ... SNAPSHOT_REPLY_MAX */

/* "20 <type>[; lang=...]\r\n" into hdr; returns its length. */
size_t
render_header(char *hdr, size_t size, const char *type, const char *lang)
{
	int	n;

	if (strcmp(type, "text/gemini") == 0 && lang != NULL && *lang != '\0')
		n = snprintf(hdr, size, "20 text/gemini; lang=%s%s%s\r\n",
		    strchr(lang, ',') ? "\"" : "", lang,
		    strchr(lang, ',') ? "\"" : "");
	else
		n = snprintf(hdr, size, "20 %s\r\n", type);
	if (n < 0 || (size_t)n >= size)
		n = snprintf(hdr, size, "20 application/octet-stream\r\n");
	return (size_t)n;
}

/*
 * The Gopher item type of a local path, for links in gemtext: asked by
 * gemtext.c so that "=> guide" (a directory) becomes a menu, not a
 * download.  '\0' when the path does not exist.
 */
static char
render_kind(void *arg, const char *path, size_t len)
{
	const struct snapshot	*s = arg;
	char			 kind;

	/* A responder answers its location's paths, whatever files lie there. */
	if (location_fastcgi(s->params->locs, s->params->nlocs, path, len))
		return '1';	/* a responder's page: gemtext, most likely */
	if ((kind = snapshot_kind(s, path, len)) != '\0')
		return kind;
	if (log_getverbose() > 0)
		log_debug("capsule: link to missing %s",
		    log_quoten(path, len));
	return '\0';
}

/* The directory part of a path, with its trailing slash. */
static void
render_dirname(const char *path, size_t len, char *dir, size_t size)
{
	while (len > 0 && path[len - 1] != '/')
		len--;
	if (len >= size)
		len = 0;
	memcpy(dir, path, len);
	dir[len] = '\0';
	if (len == 0)
		strlcpy(dir, "/", size);
}

/*
 * A buffer for one reply, bounded by SNAPSHOT_REPLY_MAX and by what is
 * left of snapshot-max, so that a page whose rendering explodes (a
 * line that is one byte of gemtext costs a menu line of twenty) is
 * refused once it has cost that much, not after.
 */
static void
render_buf(const struct snapshot *s, struct buf *b)
{
	size_t	left = s->max > s->bytes ? s->max - s->bytes : 1;

	buf_init(b);
	b->max = s->max == 0 || left > SNAPSHOT_REPLY_MAX ?
	    SNAPSHOT_REPLY_MAX : left;
}

static int
render_keep(struct snapshot *s, struct buf *b, const char **out, size_t *len)
{
	/* Which limit: the reply's own, or the snapshot's. */
	if (b->over)
		s->over = b->max == SNAPSHOT_REPLY_MAX ? RENDER_OVER_REPLY :
		    RENDER_OVER_TOTAL;
	if (b->failed || (*out = snapshot_strdup(s, b->data ? b->data : "",
	    b->len)) == NULL)
		return -1;
	*len = b->len;
	return 0;
}

/* A complete Gopher menu from gemtext, in the arena. */
static int
render_menu(struct snapshot *s, const char *text, size_t len, const char *dir,
    const char **out, size_t *outlen)
{
	struct gemtext_ctx	ctx;
	struct buf		b;
	int			rc;

	memset(&ctx, 0, sizeof(ctx));
	ctx.host = s->host;
	ctx.port = s->params->gopher_port;
	ctx.dir = dir;
	ctx.aliases = s->params->aliases;
	ctx.kind = render_kind;
	ctx.arg = s;
	ctx.search = s->searching ? SEARCH_PATH : NULL;
	ctx.wrap = s->params->gopher_wrap;
	render_buf(s, &b);
	gemtext_to_gopher(text, len, &ctx, &b);
	buf_adds(&b, ".\r\n");
	rc = render_keep(s, &b, out, outlen);
	buf_free(&b);
	return rc;
}

static int
render_file(struct snapshot *s, struct snapshot_entry *e)
{
	struct buf	b;
	char		dir[PATH_MAX];
	int		rc = 0;

	if (e->stream != NULL)
		return 0;
	if (e->gophertype == '1') {	/* gemtext */
		render_dirname(e->path, e->pathlen, dir, sizeof(dir));
		return render_menu(s, e->body, e->bodylen, dir, &e->gopher,
		    &e->gopherlen);
	}
	e->gopher = e->body;
	e->gopherlen = e->bodylen;
	if (e->gophertype != '0')
		return 0;
	render_buf(s, &b);
	if (gopher_text(&b, e->body, e->bodylen))
		rc = render_keep(s, &b, &e->gopher, &e->gopherlen);
	buf_free(&b);
	return rc;
}

static int
render_dir(struct snapshot *s, struct snapshot_entry *e)
{
	const struct snapshot_entry	*idx = NULL;
	struct buf			 b;
	char				 hdr[160];
	size_t				 hlen;
	int				 rc;

	if (e->index != -1)
		idx = &s->entries[e->index];
	if (idx != NULL) {
		e->gemini = idx->gemini;
		e->geminilen = idx->geminilen;
	} else if (!render_auto_index(s, e->loc)) {
		/* No page, no listing: not found (a gophermap still is). */
		e->gemini = NULL;
		e->geminilen = 0;
		if (e->map == NULL)
			return 0;
	} else {
		hlen = render_header(hdr, sizeof(hdr), "text/gemini",
		    render_lang(s, e->loc));
		render_buf(s, &b);
		buf_add(&b, hdr, hlen);
		buf_add(&b, e->listing, e->listinglen);
		rc = render_keep(s, &b, &e->gemini, &e->geminilen);
		buf_free(&b);
		if (rc == -1)
			return -1;
	}
	if (e->map != NULL) {
		render_buf(s, &b);
		gopher_map(&b, e->map, e->maplen, e->path, s->host,
		    s->params->gopher_port);
		buf_adds(&b, ".\r\n");
		rc = render_keep(s, &b, &e->gopher, &e->gopherlen);
		buf_free(&b);
		return rc;
	}
	if (idx != NULL) {
		e->gopher = idx->gopher;
		e->gopherlen = idx->gopherlen;
		return 0;
	}
	return render_menu(s, e->listing, e->listinglen, e->path, &e->gopher,
	    &e->gopherlen);
}

/* "/a" answers 31 to "/a/" on Gemini and the directory's menu on Gopher. */
static int
render_redirect(struct snapshot *s, struct snapshot_entry *e)
{
	const struct snapshot_entry	*dir;
	struct buf			 b;
	char				 key[PATH_MAX];
	int				 rc;

	if (snprintf(key, sizeof(key), "%s/", e->path) >= (int)sizeof(key) ||
	    (dir = snapshot_find(s, key, e->pathlen + 1)) == NULL)
		return -1;
	e->gopher = dir->gopher;
	e->gopherlen = dir->gopherlen;
	if (dir->gemini == NULL)
		return 0;	/* nothing there to redirect to */
	render_buf(s, &b);
	buf_adds(&b, "31 ");
	uri_path_encode(&b, key, e->pathlen + 1);
	buf_adds(&b, "\r\n");
	rc = render_keep(s, &b, &e->gemini, &e->geminilen);
	buf_free(&b);
	return rc;
}

/* Has a menu a search item for SEARCH_PATH on this server? */
static int
render_has_search(const struct snapshot *s, const char *menu, size_t len)
{
	const char	*line = menu, *end = menu + len, *lf, *f, *tab;
	size_t		 slen = strlen(SEARCH_PATH), hlen = strlen(s->host);

	for (; line < end; line = lf + 1) {
		if ((lf = memchr(line, '\n', end - line)) == NULL)
			lf = end;
		if (*line != '7' ||
		    (f = memchr(line, '\t', lf - line)) == NULL)
			continue;
		f++;
		if ((tab = memchr(f, '\t', lf - f)) == NULL ||
		    (size_t)(tab - f) != slen ||
		    memcmp(f, SEARCH_PATH, slen) != 0)
			continue;
		/* and our host: the selector alone may name another's */
		if ((size_t)(lf - tab) > hlen + 1 &&
		    strncasecmp(tab + 1, s->host, hlen) == 0 &&
		    tab[1 + hlen] == '\t')
			return 1;
	}
	return 0;
}

/*
 * The root menu always offers the search on Gopher: a type 7 item after
 * the menu, unless the page (a link to SEARCH_PATH) or the gophermap
 * already has one.
 */
static int
render_search_item(struct snapshot *s)
{
	struct snapshot_entry	*root;
	struct buf		 b;
	int			 rc;

	root = (struct snapshot_entry *)snapshot_find(s, "/", 1);
	if (root == NULL || root->gopher == NULL || root->gopherlen < 3 ||
	    render_has_search(s, root->gopher, root->gopherlen))
		return 0;
	render_buf(s, &b);
	buf_add(&b, root->gopher, root->gopherlen - 3);	/* ".\r\n" */
	gopher_info(&b, "", 0, s->host, s->params->gopher_port);
	gopher_item(&b, '7', s->search.prompt, s->search.promptlen,
	    SEARCH_PATH, strlen(SEARCH_PATH), s->host, s->params->gopher_port);
	buf_adds(&b, ".\r\n");
	rc = render_keep(s, &b, &root->gopher, &root->gopherlen);
	buf_free(&b);
	return rc;
}

/* A reply could not be kept: which limit, for which path. */
static int
render_fail(const struct snapshot *s, const char *path, const char **errstr)
{
	static char	err[LOG_NAME_MAX * 4 + 256];

	if (!s->over) {
		*errstr = "out of memory";
		return -1;
	}
	snprintf(err, sizeof(err), "%s: %s", log_quote(path),
	    s->over == RENDER_OVER_REPLY ? snapshot_reply_over() :
	    snapshot_over(s));
	*errstr = err;
	return -1;
}

int
render_snapshot(struct snapshot *s, const char **errstr)
{
	size_t	i;
	int	kind;

	/* Files first, then directories (which reuse index.gmi), then
	 * the redirects (which reuse their directory). */
	for (kind = SNAP_FILE; kind <= SNAP_REDIRECT; kind++) {
		for (i = 0; i < s->n; i++) {
			struct snapshot_entry	*e = &s->entries[i];
			int			 rc = 0;

			if (e->kind != kind)
				continue;
			if (kind == SNAP_FILE)
				rc = render_file(s, e);
			else if (kind == SNAP_DIR)
				rc = render_dir(s, e);
			else
				rc = render_redirect(s, e);
			if (rc == -1)
				return render_fail(s, e->path, errstr);
		}
	}
	if (s->searching && render_search_item(s) == -1)
		return render_fail(s, "/", errstr);
	for (i = 0; i < s->n; i++) {
		s->entries[i].body = NULL;
		s->entries[i].map = NULL;
		s->entries[i].listing = NULL;
	}
	return 0;
}
