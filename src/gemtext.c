/*
 * gemtext.c: reads gemtext line by line and renders it as a Gopher menu,
 * following the mapping in docs/design.md section 5.  Pure: input is a byte
 * range, output goes into a struct buf; no I/O.  The end marker is left
 * to the caller, who may add items of its own.  How a local path is
 * typed (menu, text, image) is asked of the caller through ctx->kind, so
 * that this file never looks at the file system.
 */

#include <string.h>
#include <strings.h>

#include "capsuled.h"
#include "buf.h"
#include "gemtext.h"
#include "gopher.h"
#include "mime.h"
#include "uri.h"
#include "utf8.h"

#define GEMTEXT_TABSTOP	8

/* A display string holds GOPHER_COLUMNS: no wrapped line is cut. */
_Static_assert(GOPHER_WRAP_MAX <= GOPHER_COLUMNS, "wrap fits a menu line");

struct gemtext_out {
	const struct gemtext_ctx	*ctx;
	struct buf			*b;
	size_t				 width;	/* wrap at, in columns */
};

static void
gemtext_info(struct gemtext_out *o, const char *s, size_t len)
{
	gopher_info(o->b, s, len, o->ctx->host, o->ctx->port);
}

/*
 * Copy a text line with TABs expanded to spaces (tab stops every eight
 * columns), so that no TAB ever reaches a menu field.
 */
static void
gemtext_expand_tabs(struct buf *dst, const char *s, size_t len)
{
	size_t	i = 0, n, col = 0;

	while (i < len) {
		if (s[i] == '\t') {
			do
				buf_addc(dst, ' ');
			while (++col % GEMTEXT_TABSTOP != 0);
			i++;
			continue;
		}
		/* A run of ASCII, one column a byte, in one copy. */
		for (n = 0; i + n < len && (unsigned char)s[i + n] < 0x80 &&
		    s[i + n] != '\t'; n++)
			;
		if (n > 0) {
			buf_add(dst, s + i, n);
			col += n;
			i += n;
			continue;
		}
		/* Columns by display width: wide 2, combining 0. */
		if ((n = utf8_charlen(s + i, len - i)) == 0)
			n = 1;
		col += utf8_columns(s + i, n);
		buf_add(dst, s + i, n);
		i += n;
	}
}

/*
 * Where the next line of s ends when it may be width columns wide: at
 * the last space that fits, or, for a word longer than a line, at the
 * last character boundary that fits.  Returns the bytes of the line;
 * *next is where the following line starts (spaces skipped).
 */
static size_t
gemtext_break(const char *s, size_t len, size_t width, size_t *next)
{
	size_t	fit, brk;

	fit = brk = utf8_cut(s, len, width);
	if (fit < len) {
		while (brk > 0 && s[brk] != ' ')
			brk--;
		if (brk == 0)
			brk = fit ? fit : utf8_charlen(s, len);
		if (brk == 0)
			brk = 1;
	}
	*next = brk;
	while (*next < len && s[*next] == ' ')
		(*next)++;
	return brk;
}

/*
 * Word-wrap s into info lines of at most o->width columns.
 * first prefixes the first line, cont every following one.  An empty s
 * still makes one (prefix-only) line.  Returns the widest line's
 * columns.
 */
static size_t
gemtext_wrap(struct gemtext_out *o, const char *first, const char *cont,
    const char *s, size_t len)
{
	struct buf	 line;
	const char	*prefix = first;
	size_t		 width, brk, next, pcols, cols, widest = 0;

	buf_init(&line);
	do {
		pcols = utf8_columns(prefix, strlen(prefix));
		width = o->width > pcols ? o->width - pcols : 1;
		brk = gemtext_break(s, len, width, &next);
		buf_reset(&line);
		buf_adds(&line, prefix);
		buf_add(&line, s, brk);
		gemtext_info(o, line.data, line.len);
		if ((cols = utf8_columns(line.data, line.len)) > widest)
			widest = cols;
		s += next;
		len -= next;
		prefix = cont;
	} while (len > 0);
	buf_free(&line);
	return widest;
}

/*
 * A menu item whose label is wrapped like text: the first line is the
 * item, the rest follow as indented info lines, so that no label is
 * cut short or wider than a narrow terminal.  -1 (nothing written)
 * when gopher_item refuses the selector or host.
 */
static int
gemtext_item(struct gemtext_out *o, char type, const char *label,
    size_t labellen, const char *sel, size_t sellen, const char *host,
    int port)
{
	size_t	brk, next;

	brk = gemtext_break(label, labellen, o->width, &next);
	if (gopher_item(o->b, type, label, brk, sel, sellen, host, port) == -1)
		return -1;
	if (next < labellen)
		gemtext_wrap(o, "  ", "  ", label + next, labellen - next);
	return 0;
}

static void
gemtext_heading(struct gemtext_out *o, int level, const char *s, size_t len)
{
	struct buf	text;
	size_t		i, cols;

	while (len > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		len--;
	}
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	buf_init(&text);
	buf_add(&text, s, len);
	cols = gemtext_wrap(o, "", "", text.data ? text.data : "", text.len);
	/*
	 * Levels show in any client by their underline: '=', '-', '.',
	 * as wide as the heading's widest line, so never wider than the
	 * wrapped text: a client on a narrow terminal has no reason to
	 * break it into a column of '=' lines.  (Upper-casing H1 would
	 * change names such as "enhance".)
	 */
	if (cols == 0)
		cols = 1;
	buf_reset(&text);
	for (i = 0; i < cols; i++)
		buf_addc(&text, "=-."[level - 1]);
	gemtext_info(o, text.data, text.len);
	buf_free(&text);
}

/*
 * Preformatted text: verbatim, as wide as it is (Gopher clients scroll
 * or wrap a long line themselves; a cut at GOPHER_COLUMNS would break
 * ASCII art and code).  Only a line wider than GOPHER_PRE_COLUMNS goes
 * on over more info lines, so that no menu line grows without bound.
 */
static void
gemtext_pre(struct gemtext_out *o, const char *s, size_t len)
{
	size_t	n;

	do {
		n = utf8_cut(s, len, GOPHER_PRE_COLUMNS);
		if (n == 0 && len > 0)
			n = 1;
		gopher_info_pre(o->b, s, n, o->ctx->host, o->ctx->port);
		s += n;
		len -= n;
	} while (len > 0);
}

static int
gemtext_scheme(const char *s, size_t len, size_t *schemelen)
{
	size_t	i;

	if (len == 0 || !((s[0] >= 'a' && s[0] <= 'z') ||
	    (s[0] >= 'A' && s[0] <= 'Z')))
		return 0;
	for (i = 1; i < len; i++) {
		if (s[i] == ':') {
			*schemelen = i;
			return 1;
		}
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '+' ||
		    s[i] == '-' || s[i] == '.'))
			return 0;
	}
	return 0;
}

static int
gemtext_is_us(const struct gemtext_ctx *ctx, const char *host, size_t len)
{
	const char *const	*a;

	if (strlen(ctx->host) == len && strncasecmp(host, ctx->host, len) == 0)
		return 1;
	for (a = ctx->aliases; a != NULL && *a != NULL; a++)
		if (strlen(*a) == len && strncasecmp(host, *a, len) == 0)
			return 1;
	return 0;
}

/* A link to a path of this capsule: a native item, typed by the caller. */
static void
gemtext_local(struct gemtext_out *o, const char *dir, const char *ref,
    size_t reflen, const char *label, size_t labellen)
{
	struct buf	path;
	char		type;

	buf_init(&path);
	if (uri_resolve(dir, ref, reflen, &path) == -1) {
		gemtext_wrap(o, "", "", label, labellen);
		goto done;
	}
	if (o->ctx->search != NULL && path.len == strlen(o->ctx->search) &&
	    memcmp(path.data, o->ctx->search, path.len) == 0)
		type = '7';	/* the capsule's search */
	else if (o->ctx->kind != NULL)
		type = o->ctx->kind(o->ctx->arg, path.data, path.len);
	else
		type = '\0';
	if (type == '\0') {
		if (path.data[path.len - 1] == '/')
			type = '1';
		else {
			buf_addc(&path, '\0');
			path.len--;
			type = mime_lookup(path.data)->gophertype;
		}
	}
	if (gemtext_item(o, type, label, labellen, path.data, path.len,
	    o->ctx->host, o->ctx->port) == -1)
		gemtext_wrap(o, "", "", label, labellen);
done:
	buf_free(&path);
}

/* "gopher://host[:port]/Tselector" becomes a native item. */
static int
gemtext_gopher(struct gemtext_out *o, const char *url, size_t len,
    const char *label, size_t labellen)
{
	struct uri	u;
	const char	*err;
	char		host[HOSTNAME_MAX + 1], path[GOPHER_REQUEST_MAX + 1];
	size_t		pathlen = 0;

	if (uri_parse(url, len, &u, &err) == -1 || u.host == NULL ||
	    u.hostlen == 0 || u.hostlen > HOSTNAME_MAX)
		return -1;
	memcpy(host, u.host, u.hostlen);
	host[u.hostlen] = '\0';
	/* RFC 4266: the path is "/" type selector, percent-encoded. */
	if (uri_query_decode(u.path, u.pathlen, path, sizeof(path),
	    &pathlen) == -1)
		return -1;
	if (pathlen < 2)
		return gemtext_item(o, '1', label, labellen, "", 0, host,
		    u.port > 0 ? u.port : 70);
	return gemtext_item(o, path[1], label, labellen, path + 2,
	    pathlen - 2, host, u.port > 0 ? u.port : 70);
}

/*
 * A gemini:// or scheme-relative link naming one of our own hosts is a
 * local link; rest is what follows "//".  Returns 1 if handled.
 */
static int
gemtext_ours(struct gemtext_out *o, const char *rest, size_t restlen,
    const char *label, size_t labellen)
{
	size_t	hostlen, p;

	for (hostlen = 0; hostlen < restlen && rest[hostlen] != '/' &&
	    rest[hostlen] != ':' && rest[hostlen] != '?'; hostlen++)
		;
	if (!gemtext_is_us(o->ctx, rest, hostlen))
		return 0;
	for (p = hostlen; p < restlen && rest[p] != '/'; p++)
		;
	gemtext_local(o, "/", rest + p, restlen - p, label, labellen);
	return 1;
}

/* Everything that leaves Gopherspace: an 'h' item with a URL: selector. */
static void
gemtext_web(struct gemtext_out *o, const char *url, size_t urllen,
    const char *label, size_t labellen)
{
	struct buf	sel;

	buf_init(&sel);
	buf_adds(&sel, "URL:");
	if (url[0] == '/')
		buf_adds(&sel, "gemini:");
	buf_add(&sel, url, urllen);
	if (sel.failed || gemtext_item(o, 'h', label, labellen, sel.data,
	    sel.len, o->ctx->host, o->ctx->port) == -1)
		gemtext_wrap(o, "", "", label, labellen);
	buf_free(&sel);
}

static void
gemtext_link(struct gemtext_out *o, const char *s, size_t len)
{
	const char	*url, *label;
	size_t		 urllen, labellen, slen;

	while (len > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		len--;
	}
	url = s;
	for (urllen = 0; urllen < len && s[urllen] != ' ' &&
	    s[urllen] != '\t'; urllen++)
		;
	if (urllen == 0) {
		gemtext_wrap(o, "", "", "=>", 2);
		return;
	}
	label = url + urllen;
	labellen = len - urllen;
	while (labellen > 0 && (*label == ' ' || *label == '\t')) {
		label++;
		labellen--;
	}
	if (labellen == 0) {
		label = url;
		labellen = urllen;
	}

	if (urllen > 2 && url[0] == '/' && url[1] == '/') {
		/* scheme-relative: the page's own scheme is gemini */
		if (gemtext_ours(o, url + 2, urllen - 2, label, labellen))
			return;
	} else if (!gemtext_scheme(url, urllen, &slen)) {
		gemtext_local(o, o->ctx->dir, url, urllen, label, labellen);
		return;
	} else if (slen == 6 && strncasecmp(url, "gopher", 6) == 0) {
		if (gemtext_gopher(o, url, urllen, label, labellen) == 0)
			return;
	} else if (slen == 6 && strncasecmp(url, "gemini", 6) == 0 &&
	    urllen > 9 && url[7] == '/' && url[8] == '/') {
		if (gemtext_ours(o, url + 9, urllen - 9, label, labellen))
			return;
	}
	gemtext_web(o, url, urllen, label, labellen);
}

static void
gemtext_line(struct gemtext_out *o, const char *s, size_t len)
{
	struct buf	text;

	if (len >= 2 && s[0] == '=' && s[1] == '>') {
		gemtext_link(o, s + 2, len - 2);
		return;
	}
	if (len >= 3 && strncmp(s, "###", 3) == 0) {
		gemtext_heading(o, 3, s + 3, len - 3);
		return;
	}
	if (len >= 2 && strncmp(s, "##", 2) == 0) {
		gemtext_heading(o, 2, s + 2, len - 2);
		return;
	}
	if (len >= 1 && s[0] == '#') {
		gemtext_heading(o, 1, s + 1, len - 1);
		return;
	}
	buf_init(&text);
	if (len >= 2 && s[0] == '*' && s[1] == ' ') {
		gemtext_expand_tabs(&text, s + 2, len - 2);
		gemtext_wrap(o, "* ", "  ", text.data ? text.data : "",
		    text.len);
	} else if (len >= 1 && s[0] == '>') {
		s++;
		len--;
		while (len > 0 && (*s == ' ' || *s == '\t')) {
			s++;
			len--;
		}
		gemtext_expand_tabs(&text, s, len);
		gemtext_wrap(o, "> ", "> ", text.data ? text.data : "",
		    text.len);
	} else {
		gemtext_expand_tabs(&text, s, len);
		gemtext_wrap(o, "", "", text.data ? text.data : "", text.len);
	}
	buf_free(&text);
}

/*
 * Render the complete lines of s (len bytes) into b, and with final
 * also the last line without its LF: what a script's output is made of
 * as it arrives.  Returns the bytes consumed; the caller keeps the rest
 * (an unfinished line) for the next call.  st carries what crosses
 * lines: whether a preformatted block is open, whether the first line
 * (which may start with a BOM) was seen.
 */
size_t
gemtext_stream(struct gemtext_stream *st, const char *s, size_t len,
    int final, const struct gemtext_ctx *ctx, struct buf *b)
{
	struct gemtext_out	 o = { ctx, b, GOPHER_WRAP_DEFAULT };
	struct buf		 pre;
	const char		*lf, *start = s;
	size_t			 n;

	/* Out of range is a caller's bug: the widest or narrowest, then. */
	if (ctx->wrap > GOPHER_WRAP_MAX)
		o.width = GOPHER_WRAP_MAX;
	else if (ctx->wrap >= GOPHER_WRAP_MIN)
		o.width = (size_t)ctx->wrap;
	else if (ctx->wrap != 0)
		o.width = GOPHER_WRAP_MIN;
	if (!st->started) {
		if (len < 3 && !final)
			return 0;
		st->started = 1;
		if (len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0) {
			s += 3;
			len -= 3;
		}
	}
	buf_init(&pre);
	while (len > 0) {
		lf = memchr(s, '\n', len);
		if (lf == NULL && !final)
			break;
		n = lf != NULL ? (size_t)(lf - s) : len;
		if (n > 0 && s[n - 1] == '\r')
			n--;
		if (n >= 3 && strncmp(s, "```", 3) == 0)
			st->pre = !st->pre;
		else if (st->pre) {
			buf_reset(&pre);
			gemtext_expand_tabs(&pre, s, n);
			gemtext_pre(&o, pre.data ? pre.data : "", pre.len);
		} else
			gemtext_line(&o, s, n);
		if (lf == NULL) {
			s += len;
			len = 0;
			break;
		}
		len -= lf - s + 1;
		s = lf + 1;
	}
	buf_free(&pre);
	return (size_t)(s - start);
}

/*
 * Render a whole gemtext document as menu lines (no end marker).
 * Returns -1 only if memory ran out.
 */
int
gemtext_to_gopher(const char *s, size_t len, const struct gemtext_ctx *ctx,
    struct buf *b)
{
	struct gemtext_stream	st;

	memset(&st, 0, sizeof(st));
	(void)gemtext_stream(&st, s, len, 1, ctx, b);
	return b->failed ? -1 : 0;
}
