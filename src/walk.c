/*
 * walk.c: the directory walk that fills a snapshot under construction:
 * one entry per servable file and directory, with the file's bytes read
 * into the snapshot's arena behind room for its Gemini header.  It
 * decides what may be served (no dotfiles, no special files, no symlink
 * leaving the root, no names that cannot be a selector) and enforces the
 * size limits.  It renders nothing; render.c does that afterwards.
 */

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capsuled.h"
#include "buf.h"
#include "build.h"
#include "gemlog.h"
#include "log.h"
#include "mime.h"
#include "perm.h"
#include "render.h"
#include "snaplayout.h"
#include "snapshot.h"
#include "uri.h"
#include "utf8.h"
#include "walk.h"

#define HEADER_ROOM	160	/* bytes kept before a file for its header */

struct walk {
	struct snapshot	*s;
	size_t		 files;
	int		 depth;
	dev_t		 dev[SNAPSHOT_MAX_DEPTH + 1];	/* ancestors, for */
	ino_t		 ino[SNAPSHOT_MAX_DEPTH + 1];	/* loop detection */
	char		 reachable[PATH_MAX];	/* a real directory the */
	int		 reachable_ok;		/* user can reach */
};

static char	walk_err[PATH_MAX + 128];

static int
walk_fail(const char **errstr, const char *path, const char *why)
{
	snprintf(walk_err, sizeof(walk_err), "%s: %s", log_quote(path), why);
	*errstr = walk_err;
	return -1;
}

static int
walk_fail_errno(const char **errstr, const char *path)
{
	return walk_fail(errstr, path, strerror(errno));
}

/* The arena said no: the budget (naming path) or memory itself. */
static int
walk_nomem(const struct snapshot *s, const char **errstr, const char *path)
{
	if (s->over)
		return walk_fail(errstr, path, snapshot_over(s));
	*errstr = "out of memory";
	return -1;
}

/* A name we can serve under the same path on both protocols. */
static int
walk_name_ok(const char *name)
{
	size_t	i, len = strlen(name);

	if (name[0] == '.')
		return 0;
	for (i = 0; i < len; i++)
		if (utf8_control(name + i, len - i) != 0)
			return 0;
	return utf8_valid(name, len);
}

static int
walk_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Names in a directory, sorted, dotfiles already left out. */
static char **
walk_names(int fd, size_t *countp)
{
	DIR		*d;
	struct dirent	*de;
	char		**names = NULL, **tmp;
	size_t		 n = 0, cap = 0;

	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return NULL;
	}
	errno = 0;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 32;
			if ((tmp = reallocarray(names, cap,
			    sizeof(*names))) == NULL)
				goto fail;
			names = tmp;
		}
		if ((names[n] = strdup(de->d_name)) == NULL)
			goto fail;
		n++;
		errno = 0;
	}
	if (errno != 0)
		goto fail;
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof(*names), walk_cmp);
	*countp = n;
	if (names == NULL)
		names = calloc(1, sizeof(*names));
	return names;
fail:
	while (n > 0)
		free(names[--n]);
	free(names);
	closedir(d);
	return NULL;
}

static int
walk_is_gemtext(const char *name)
{
	return strcmp(mime_lookup(name)->type, "text/gemini") == 0;
}

/* Text we can offer as Gopher type 0 although its name says nothing. */
static int
walk_looks_text(const char *p, size_t len)
{
	return memchr(p, '\0', len) == NULL && utf8_valid(p, len);
}

/* Read exactly size bytes (the file may not change size meanwhile). */
static int
walk_read(int fd, char *p, size_t size)
{
	ssize_t	n;
	size_t	off = 0;

	while (off < size) {
		n = read(fd, p + off, size - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		if (n == 0) {
			errno = EAGAIN;	/* shrank while we read it */
			return -1;
		}
		off += (size_t)n;
	}
	return 0;
}

/*
 * The type of a file whose extension says nothing, under location loc:
 * the location's default type, else the server's, else "" (then the
 * content decides: UTF-8 text is text/plain, the rest octet-stream).
 */
static const char *
walk_default_type(const struct snapshot *s, int loc)
{
	const struct snapshot_params	*p = s->params;

	if (loc >= 0 && p->locs[loc].default_type[0] != '\0')
		return p->locs[loc].default_type;
	return p->default_type != NULL ? p->default_type : "";
}

/* The name of a directory's page under location loc (index.gmi). */
static const char *
walk_index_name(const struct snapshot *s, int loc)
{
	const struct snapshot_params	*p = s->params;

	if (loc >= 0 && p->locs[loc].index_file[0] != '\0')
		return p->locs[loc].index_file;
	return p->index_file != NULL ? p->index_file : "index.gmi";
}

static int
walk_file(struct walk *w, const char *key, const char *disk, const char *name,
    const char **errstr)
{
	struct snapshot			*s = w->s;
	const struct mime_type		*m = mime_lookup(name);
	struct snapshot_entry		*e;
	struct stat			 st;
	char				*p = NULL, hdr[HEADER_ROOM];
	const char			*type = m->type, *deftype;
	size_t				 hlen;
	int				 fd, idx, gmi = walk_is_gemtext(name);

	if ((fd = snapshot_open(s->rootfd, disk, 0)) == -1)
		return walk_fail_errno(errstr, key);
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(fd);
		log_info("capsule: %s: not a regular file, skipped",
		    log_quote(key));
		return 0;
	}
	if (gmi && st.st_size > SNAPSHOT_GMI_MAX) {
		close(fd);
		log_warnx("capsule: %s: gemtext over %d bytes, skipped",
		    log_quote(key), SNAPSHOT_GMI_MAX);
		return 0;
	}
	if (++w->files > SNAPSHOT_MAX_FILES) {
		close(fd);
		return walk_fail(errstr, key, "too many files in capsule");
	}
	if ((idx = snapshot_add(s, key, strlen(key), SNAP_FILE)) == -1)
		goto nomem;
	e = &s->entries[idx];
	e->loc = render_location(s, key);
	deftype = walk_default_type(s, e->loc);
	if (strcmp(type, "application/octet-stream") == 0 && *deftype != '\0')
		type = deftype;
	if (!gmi && (size_t)st.st_size > s->params->inline_max) {
		/* Too big to hold: workers stream it from disk. */
		close(fd);
		hlen = render_header(hdr, sizeof(hdr), type,
		    render_lang(s, e->loc));
		e->gemini = snapshot_strdup(s, hdr, hlen);
		e->geminilen = hlen;
		e->stream = snapshot_strdup(s, disk, strlen(disk));
		e->gophertype = m->gophertype;
		return e->gemini && e->stream ? 0 : walk_nomem(s, errstr, key);
	}
	if ((p = snapshot_alloc(s, HEADER_ROOM + (size_t)st.st_size)) == NULL)
		goto nomem;
	if (walk_read(fd, p + HEADER_ROOM, (size_t)st.st_size) == -1) {
		int	saved = errno;

		close(fd);
		errno = saved;
		return walk_fail_errno(errstr, key);
	}
	close(fd);
	e->body = p + HEADER_ROOM;
	e->bodylen = (size_t)st.st_size;
	e->gophertype = m->gophertype;
	if (strcmp(type, "application/octet-stream") == 0 &&
	    walk_looks_text(e->body, e->bodylen)) {
		type = "text/plain; charset=utf-8";
		e->gophertype = '0';
	}
	hlen = render_header(hdr, sizeof(hdr), type, render_lang(s, e->loc));
	memcpy(p + HEADER_ROOM - hlen, hdr, hlen);
	e->gemini = p + HEADER_ROOM - hlen;
	e->geminilen = hlen + e->bodylen;
	return 0;
nomem:
	close(fd);
	return walk_nomem(s, errstr, key);
}

/*
 * An executable file under a location with cgi on is a script: its
 * content is never read (a script is run, not served), only its path
 * is kept for the runner.  1: it is one, added; 0: it is a file like
 * any other; -1: error.
 */
static int
walk_script(struct walk *w, const char *key, const char *disk,
    const struct stat *st, const char **errstr)
{
	struct snapshot		*s = w->s;
	struct snapshot_entry	*e;
	int			 loc, idx;

	loc = render_location(s, key);
	if (loc < 0 || !s->params->locs[loc].cgi ||
	    !perm_may_exec(&s->params->user, st))
		return 0;
	if (++w->files > SNAPSHOT_MAX_FILES)
		return walk_fail(errstr, key, "too many files in capsule");
	if ((idx = snapshot_add(s, key, strlen(key), SNAP_SCRIPT)) == -1) {
		*errstr = "out of memory";
		return -1;
	}
	e = &s->entries[idx];
	e->loc = loc;
	e->gophertype = '1';
	if ((e->script = snapshot_strdup(s, disk, strlen(disk))) == NULL) {
		*errstr = "out of memory";
		return -1;
	}
	s->scripts++;
	return 1;
}

/* A directory's gophermap is read whole; it is never served itself. */
static int
walk_gophermap(struct walk *w, int diridx, const char *disk, const char *key,
    const char **errstr)
{
	struct snapshot	*s = w->s;
	struct stat	 st;
	char		*p;
	int		 fd;

	if ((fd = snapshot_open(s->rootfd, disk, 0)) == -1)
		return walk_fail_errno(errstr, key);
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size > SNAPSHOT_GMI_MAX) {
		close(fd);
		return walk_fail(errstr, key, "unusable gophermap");
	}
	if ((p = snapshot_alloc(s, (size_t)st.st_size + 1)) == NULL) {
		close(fd);
		return walk_nomem(s, errstr, key);
	}
	if (walk_read(fd, p, (size_t)st.st_size) == -1) {
		close(fd);
		return walk_fail_errno(errstr, key);
	}
	close(fd);
	s->entries[diridx].map = p;
	s->entries[diridx].maplen = (size_t)st.st_size;
	return 0;
}

/*
 * Follow a symlink only if its real path lies inside the root.  On
 * success disk holds that real path relative to the root.
 */
static int
walk_symlink(struct walk *w, const char *key, char *disk, size_t disksize,
    struct stat *st)
{
	char	full[PATH_MAX], real[PATH_MAX];
	size_t	rl = strlen(w->s->rootreal);
	int	n;

	n = snprintf(full, sizeof(full), "%s/%s", w->s->rootreal, disk);
	if (n < 0 || (size_t)n >= sizeof(full) || realpath(full, real) == NULL) {
		log_info("capsule: %s: broken symlink, skipped",
		    log_quote(key));
		return -1;
	}
	if (strncmp(real, w->s->rootreal, rl) != 0 || real[rl] != '/' ||
	    real[rl + 1] == '\0') {
		log_info("capsule: %s: symlink leaves the root, skipped",
		    log_quote(key));
		return -1;
	}
	if (strlcpy(disk, real + rl + 1, disksize) >= disksize ||
	    stat(real, st) == -1)
		return -1;
	/* The real path must itself be servable: no dot components. */
	if (strstr(disk, "/.") != NULL || disk[0] == '.') {
		log_info("capsule: %s: symlink to a hidden path, skipped",
		    log_quote(key));
		return -1;
	}
	return 0;
}

static int	walk_dir(struct walk *, int, const char *, const char *,
		    const char **);

/* Is st one of the directories being walked (a symlink loop)? */
static int
walk_is_ancestor(const struct walk *w, const struct stat *st)
{
	int	d;

	for (d = 0; d < w->depth; d++)
		if (w->dev[d] == st->st_dev && w->ino[d] == st->st_ino)
			return 1;
	return 0;
}

/* Listing line for a directory that has no index page. */
static void
walk_listing_add(struct buf *b, const char *name, int isdir)
{
	buf_adds(b, "=> ");
	uri_path_encode(b, name, strlen(name));
	if (isdir)
		buf_addc(b, '/');
	buf_addc(b, ' ');
	buf_adds(b, name);
	if (isdir)
		buf_addc(b, '/');
	buf_addc(b, '\n');
}

/*
 * Can the workers' user reach the real path disk (a symlink's target,
 * not below the directories the walk went through)?  The last parent
 * found reachable is remembered: many links point into one directory.
 */
static int
walk_reachable(struct walk *w, const char *disk)
{
	const char	*slash = strrchr(disk, '/');
	size_t		 len = slash != NULL ? (size_t)(slash - disk) : 0;

	if (!w->s->params->user.check)
		return 1;
	if (len < sizeof(w->reachable) && w->reachable_ok &&
	    strlen(w->reachable) == len && memcmp(w->reachable, disk, len) == 0)
		return 1;
	if (!perm_reachable(&w->s->params->user, w->s->rootfd, disk))
		return 0;
	if (len < sizeof(w->reachable)) {
		memcpy(w->reachable, disk, len);
		w->reachable[len] = '\0';
		w->reachable_ok = 1;
	}
	return 1;
}

/*
 * A file or directory the workers' user could not read is left out,
 * and the log (capsuled -n too) says so.  One that would be streamed
 * fails -n: it is a big file someone meant to publish.
 */
static int
walk_unreadable(struct walk *w, const char *key, const char *name,
    const struct stat *st, const char **errstr)
{
	const struct snapshot_params	*p = w->s->params;
	char				 why[64];

	perm_describe(st, why, sizeof(why));
	if (p->checking && S_ISREG(st->st_mode) && !walk_is_gemtext(name) &&
	    (size_t)st->st_size > p->inline_max) {
		snprintf(walk_err, sizeof(walk_err), "%s: user %s cannot read "
		    "this file, which would be streamed (%s)", key,
		    p->username, why);
		*errstr = walk_err;
		return -1;
	}
	log_info("capsule: %s: left out: user %s cannot %s it (%s)", key,
	    p->username, S_ISDIR(st->st_mode) ? "read and search" : "read",
	    why);
	return 0;
}

static int
walk_entry(struct walk *w, int diridx, const char *key, const char *disk,
    const char *name, struct buf *listing, struct gemlog *g,
    const char **errstr)
{
	struct snapshot	*s = w->s;
	struct stat	 st;
	char		 ckey[PATH_MAX], cdisk[PATH_MAX];
	int		 n, idx, post, linked = 0;

	n = snprintf(ckey, sizeof(ckey), "%s%s", key, name);
	if (n < 0 || (size_t)n + 2 >= sizeof(ckey) ||
	    (size_t)n > GEMINI_REQUEST_MAX - 32)
		return walk_fail(errstr, key, "path too long");
	n = snprintf(cdisk, sizeof(cdisk), "%s%s%s", disk,
	    *disk ? "/" : "", name);
	if (n < 0 || (size_t)n >= sizeof(cdisk))
		return walk_fail(errstr, key, "path too long");
	if (!walk_name_ok(name)) {
		log_warnx("capsule: %s: name is not printable UTF-8, skipped",
		    log_quote(ckey));
		return 0;
	}
	if (fstatat(s->rootfd, cdisk, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return walk_fail_errno(errstr, ckey);
	if (S_ISLNK(st.st_mode)) {
		if (walk_symlink(w, ckey, cdisk, sizeof(cdisk), &st) == -1)
			return 0;
		linked = 1;
	}
	if ((S_ISDIR(st.st_mode) || S_ISREG(st.st_mode)) &&
	    (!perm_may(&s->params->user, &st) ||
	    (linked && !walk_reachable(w, cdisk))))
		return walk_unreadable(w, ckey, name, &st, errstr);
	if (S_ISDIR(st.st_mode)) {
		/* Not even listed: it would be an empty copy of itself. */
		if (walk_is_ancestor(w, &st)) {
			log_info("capsule: %s: directory loop, skipped",
			    log_quote(ckey));
			return 0;
		}
		/*
		 * Directories count against the limit too: symlinks to one
		 * subtree from many places would otherwise multiply the
		 * walk without a single file to stop it.
		 */
		if (++w->files > SNAPSHOT_MAX_FILES)
			return walk_fail(errstr, ckey,
			    "too many files in capsule");
		strlcat(ckey, "/", sizeof(ckey));
		if ((idx = snapshot_add(s, ckey, strlen(ckey), SNAP_DIR)) == -1 ||
		    (n = snapshot_add(s, ckey, strlen(ckey) - 1,
		    SNAP_REDIRECT)) == -1)
			return walk_nomem(s, errstr, ckey);
		s->entries[idx].loc = render_location(s, ckey);
		s->entries[n].loc = render_location(s, s->entries[n].path);
		if (walk_dir(w, idx, ckey, cdisk, errstr) == -1)
			return -1;
		walk_listing_add(listing, name, 1);
		return 0;
	}
	if (!S_ISREG(st.st_mode))
		return 0;
	if (strcmp(name, "gophermap") == 0)
		return walk_gophermap(w, diridx, cdisk, ckey, errstr);
	if ((n = walk_script(w, ckey, cdisk, &st, errstr)) != 0) {
		if (n == 1)
			walk_listing_add(listing, name, 0);
		return n == 1 ? 0 : -1;
	}
	idx = (int)s->n;
	if (walk_file(w, ckey, cdisk, name, errstr) == -1)
		return -1;
	if ((size_t)idx == s->n)
		return 0;	/* skipped */
	if (strcmp(name, walk_index_name(s, s->entries[diridx].loc)) == 0)
		s->entries[diridx].index = idx;
	/* A dated page is the gemlog's to list (gemlog.c). */
	if ((post = gemlog_post(g, s, idx, name)) == -1)
		return walk_nomem(s, errstr, ckey);
	if (post == 0)
		walk_listing_add(listing, name, 0);
	return 0;
}

/*
 * Walk one directory: key is its path in the capsule ("/a/"), disk its
 * real path relative to the root ("" for the root itself).
 */
static int
walk_dir(struct walk *w, int diridx, const char *key, const char *disk,
    const char **errstr)
{
	struct snapshot	*s = w->s;
	struct stat	 st;
	struct buf	 listing;
	struct gemlog	 g;
	char		**names;
	size_t		 count = 0, i;
	int		 fd, rc = -1;

	if (w->depth > SNAPSHOT_MAX_DEPTH)
		return walk_fail(errstr, key, "directories nested too deep");
	if ((fd = snapshot_open(s->rootfd, *disk ? disk : ".",
	    O_DIRECTORY)) == -1)
		return walk_fail_errno(errstr, key);
	if (fstat(fd, &st) == -1) {
		close(fd);
		return walk_fail_errno(errstr, key);
	}
	if (walk_is_ancestor(w, &st)) {
		close(fd);
		log_info("capsule: %s: directory loop, skipped",
		    log_quote(key));
		return 0;
	}
	w->dev[w->depth] = st.st_dev;
	w->ino[w->depth] = st.st_ino;
	if ((names = walk_names(fd, &count)) == NULL)
		return walk_fail_errno(errstr, key);
	buf_init(&listing);
	listing.max = SNAPSHOT_REPLY_MAX;
	buf_addf(&listing, "# Index of %s\n\n", key);
	if (strcmp(key, "/") != 0)
		buf_adds(&listing, "=> ../ Parent directory\n");
	gemlog_init(&g, s, diridx, listing.len);
	w->depth++;
	for (i = 0; i < count; i++)
		if (walk_entry(w, diridx, key, disk, names[i], &listing, &g,
		    errstr) == -1)
			goto done;
	w->depth--;
	if (gemlog_finish(&g, s, diridx, key, &listing, errstr) == -1) {
		walk_fail(errstr, key, *errstr);
		goto done;
	}
	if (s->entries[diridx].index == -1) {
		if (listing.over) {
			walk_fail(errstr, key, snapshot_reply_over());
			goto done;
		}
		if (listing.failed || (s->entries[diridx].listing =
		    snapshot_strdup(s, listing.data, listing.len)) == NULL) {
			walk_nomem(s, errstr, key);
			goto done;
		}
		s->entries[diridx].listinglen = listing.len;
	}
	rc = 0;
done:
	for (i = 0; i < count; i++)
		free(names[i]);
	free(names);
	buf_free(&listing);
	gemlog_free(&g);
	return rc;
}

int
walk_capsule(struct snapshot *s, const char **errstr)
{
	struct walk	w;
	struct stat	st;
	char		why[64];
	int		idx;

	memset(&w, 0, sizeof(w));
	w.s = s;
	if (realpath(s->params->root, s->rootreal) == NULL)
		return walk_fail_errno(errstr, s->params->root);
	s->rootfd = open(s->rootreal, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->rootfd == -1)
		return walk_fail_errno(errstr, s->rootreal);
	if (fstat(s->rootfd, &st) == -1)
		return walk_fail_errno(errstr, s->rootreal);
	if (!perm_may(&s->params->user, &st)) {
		perm_describe(&st, why, sizeof(why));
		snprintf(walk_err, sizeof(walk_err), "%s: user %s cannot read "
		    "and search the capsule (%s)", s->rootreal,
		    s->params->username, why);
		*errstr = walk_err;
		return -1;
	}
	if ((idx = snapshot_add(s, "/", 1, SNAP_DIR)) == -1)
		return walk_nomem(s, errstr, "/");
	s->entries[idx].loc = render_location(s, "/");
	return walk_dir(&w, idx, "/", "", errstr);
}
