/*
 * gemlog.c: while a snapshot is built, a directory that holds dated
 * pages (feed.c says which) becomes a gemlog.  walk.c hands it each
 * post instead of listing it; at the end of the directory its
 * generated listing, when it has no index.gmi, becomes the gemlog's:
 * a "# title" (feed-title, else the directory's name), the posts newest
 * first in the gemfeed form, a link to the feed, then the other
 * entries; and, unless the author has one, an atom.xml entry joins the
 * snapshot, served as application/atom+xml on Gemini and as text on
 * Gopher.  The Gopher menu follows from the listing: posts become type
 * 1 items labelled "DATE TITLE", the feed a type 0 item.
 *
 * It reads no file (the walk has read the posts) and writes only into
 * the snapshot being built.  feeds off (snapshot_params.feeds, or the
 * directory's location's) turns it off.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capsuled.h"
#include "buf.h"
#include "build.h"
#include "feed.h"
#include "gemlog.h"
#include "location.h"
#include "render.h"
#include "snaplayout.h"
#include "uri.h"

/*
 * Is directory diridx a gemlog if it has posts?  Its location's feeds
 * setting, if it has one, else the server's.
 */
static int
gemlog_on(const struct snapshot *s, int diridx)
{
	const struct snapshot_params	*p = s->params;
	int				 loc = s->entries[diridx].loc;

	if (loc >= 0 && loc < p->nlocs && p->locs[loc].feeds != -1)
		return p->locs[loc].feeds;
	return p->feeds;
}

void
gemlog_init(struct gemlog *g, const struct snapshot *s, int diridx,
    size_t head)
{
	memset(g, 0, sizeof(*g));
	g->head = head;
	g->on = gemlog_on(s, diridx);
}

void
gemlog_free(struct gemlog *g)
{
	free(g->posts);
	memset(g, 0, sizeof(*g));
}

/*
 * A file the walk just added as entry idx, named name: 1 when it is a
 * post, which the gemlog lists, not the walk; 0 when it is not; -1
 * when memory ran out.
 */
int
gemlog_post(struct gemlog *g, const struct snapshot *s, int idx,
    const char *name)
{
	int	*p;

	if (!g->on)
		return 0;
	if (strcmp(name, FEED_NAME) == 0) {
		g->has_feed = 1;
		return 0;
	}
	/* Not one a location keeps: its title and summary would tell. */
	if (!feed_is_post(name, strlen(name)) || s->entries[idx].body == NULL ||
	    (s->entries[idx].loc >= 0 &&
	    !location_public(&s->params->locs[s->entries[idx].loc])))
		return 0;
	if (g->nposts == g->cap) {
		if ((p = reallocarray(g->posts, g->cap ? g->cap * 2 : 16,
		    sizeof(*p))) == NULL)
			return -1;
		g->posts = p;
		g->cap = g->cap ? g->cap * 2 : 16;
	}
	g->posts[g->nposts++] = idx;
	return 1;
}

/* "gemini://host[:port]/dir/", the gemlog's URL. */
static void
gemlog_base(const struct snapshot *s, const char *key, struct buf *b)
{
	buf_adds(b, "gemini://");
	buf_adds(b, s->host);
	if (s->params->gemini_port != 1965)
		buf_addf(b, ":%d", s->params->gemini_port);
	uri_path_encode(b, key, strlen(key));
	buf_addc(b, '\0');
}

/* The gemlog's title: feed-title, else its directory's name. */
static void
gemlog_title(const struct snapshot *s, const char *key, const char **t,
    size_t *len)
{
	const char	*end;

	if (s->params->feed_title != NULL && *s->params->feed_title != '\0') {
		*t = s->params->feed_title;
		*len = strlen(*t);
		return;
	}
	if (strcmp(key, "/") == 0) {
		*t = s->host;
		*len = strlen(*t);
		return;
	}
	end = key + strlen(key) - 1;		/* the trailing slash */
	for (*t = end; *t > key && (*t)[-1] != '/'; (*t)--)
		;
	*len = (size_t)(end - *t);
}

/* The listing: title, posts newest first, the feed, the rest. */
static int
gemlog_listing(const struct gemlog *g, const struct snapshot *s,
    const char *key, const struct feed_post *posts, int feed,
    struct buf *listing)
{
	struct buf	 out;
	const char	*title;
	size_t		 titlelen, i;

	buf_init(&out);
	out.max = SNAPSHOT_REPLY_MAX;
	gemlog_title(s, key, &title, &titlelen);
	buf_adds(&out, "# ");
	feed_text(&out, title, titlelen);
	buf_adds(&out, "\n\n");
	for (i = 0; i < g->nposts; i++)
		feed_link(&out, &posts[i]);
	buf_addc(&out, '\n');
	if (feed)
		buf_adds(&out, "=> " FEED_NAME " Atom feed\n");
	if (strcmp(key, "/") != 0)
		buf_adds(&out, "=> ../ Parent directory\n");
	if (listing->len > g->head)
		buf_add(&out, listing->data + g->head, listing->len - g->head);
	if (out.failed || listing->failed) {
		listing->over = out.over || listing->over;
		listing->failed = 1;
		buf_free(&out);
		return -1;
	}
	buf_free(listing);
	*listing = out;
	return 0;
}

/* The atom.xml entry: "20 application/atom+xml" and the feed. */
static int
gemlog_feed(const struct gemlog *g, struct snapshot *s, const char *key,
    const struct feed_post *posts, const char **errstr)
{
	struct feed_info	 f;
	struct snapshot_entry	*e;
	struct buf		 base, xml;
	char			 path[PATH_MAX], hdr[160];
	size_t			 hlen;
	char			*p;
	int			 idx, rc = -1;

	if (snprintf(path, sizeof(path), "%s%s", key, FEED_NAME) >=
	    (int)sizeof(path))
		return 0;
	buf_init(&base);
	buf_init(&xml);
	xml.max = SNAPSHOT_REPLY_MAX;
	gemlog_base(s, key, &base);
	memset(&f, 0, sizeof(f));
	gemlog_title(s, key, &f.title, &f.titlelen);
	f.base = base.data;
	f.author = s->host;
	f.entries = s->params->feed_entries;
	if (!base.failed)
		feed_atom(&xml, &f, posts, g->nposts);
	if (base.failed || xml.failed) {
		*errstr = xml.over ? snapshot_reply_over() : "out of memory";
		goto done;
	}
	hlen = render_header(hdr, sizeof(hdr), "application/atom+xml", NULL);
	if ((idx = snapshot_add(s, path, strlen(path), SNAP_FILE)) == -1 ||
	    (p = snapshot_alloc(s, hlen + xml.len)) == NULL) {
		*errstr = s->over ? snapshot_over(s) : "out of memory";
		goto done;
	}
	memcpy(p, hdr, hlen);
	memcpy(p + hlen, xml.data, xml.len);
	e = &s->entries[idx];
	e->loc = render_location(s, path);	/* its rules apply, as to files */
	e->gemini = p;
	e->geminilen = hlen + xml.len;
	e->body = p + hlen;		/* render.c makes it Gopher text */
	e->bodylen = xml.len;
	e->gophertype = '0';
	rc = 0;
done:
	buf_free(&base);
	buf_free(&xml);
	return rc;
}

/*
 * The end of directory key (entry diridx): if it held posts, make it a
 * gemlog.  listing is the walk's listing, whose first g->head bytes are
 * its header; it is replaced when the directory has no index.gmi.
 */
int
gemlog_finish(struct gemlog *g, struct snapshot *s, int diridx,
    const char *key, struct buf *listing, const char **errstr)
{
	struct feed_post		*posts;
	const struct snapshot_entry	*e;
	const char			*name;
	size_t				 i;
	int				 feed, rc = -1;

	if (g->nposts == 0)
		return 0;
	if ((posts = calloc(g->nposts, sizeof(*posts))) == NULL) {
		*errstr = "out of memory";
		return -1;
	}
	for (i = 0; i < g->nposts; i++) {
		e = &s->entries[g->posts[i]];
		name = e->path + strlen(key);
		feed_post(&posts[i], name, strlen(name), e->body, e->bodylen);
	}
	feed_sort(posts, g->nposts);
	/* A feed needs gemini:// URLs: no Gemini listener, no feed. */
	feed = g->has_feed || s->params->gemini_port > 0;
	if (!g->has_feed && s->params->gemini_port > 0 &&
	    gemlog_feed(g, s, key, posts, errstr) == -1)
		goto done;
	if (s->entries[diridx].index == -1 &&
	    gemlog_listing(g, s, key, posts, feed, listing) == -1) {
		*errstr = listing->over ? snapshot_reply_over() :
		    "out of memory";
		goto done;
	}
	rc = 0;
done:
	free(posts);
	return rc;
}
