/*
 * feed.c: gemlogs.  A page whose file name starts with a date,
 * YYYY-MM-DD, is a post; a directory with posts is a gemlog.  This file
 * knows what a post is (its date, its title: the first heading, else
 * the slug of its name; its summary: the first paragraph), lists posts
 * newest first as gemfeed link lines ("=> 2026-11-20-second.gmi
 * 2026-11-20 Second post", the form of the Gemini companion spec
 * "Subscribing to Gemini pages"), and writes an Atom 1.0 feed (RFC
 * 4287) of them, every piece of text escaped for XML.
 *
 * Pure: bytes in, a struct buf out; no I/O, no snapshot.  gemlog.c puts
 * it to work while a snapshot is built.
 */

#include <stdlib.h>
#include <string.h>

#include "capsuled.h"
#include "buf.h"
#include "feed.h"
#include "mime.h"
#include "uri.h"
#include "utf8.h"

static int
feed_digits(const char *s, size_t n, int *v)
{
	size_t	i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		*v = *v * 10 + (s[i] - '0');
	}
	return 1;
}

/*
 * Does the name start with a date that exists, "YYYY-MM-DD" and then no
 * further digit?  1 and the date (NUL-terminated) in date[11] if so.
 */
int
feed_date(const char *name, size_t len, char *date)
{
	static const int	days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30,
				    31, 30, 31 };
	int			y, m, d, leap, max;

	if (len < 10 || name[4] != '-' || name[7] != '-' ||
	    !feed_digits(name, 4, &y) || !feed_digits(name + 5, 2, &m) ||
	    !feed_digits(name + 8, 2, &d) ||
	    (len > 10 && name[10] >= '0' && name[10] <= '9'))
		return 0;
	if (y < 1 || m < 1 || m > 12 || d < 1)
		return 0;
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	max = days[m - 1] + (m == 2 && leap);
	if (d > max)
		return 0;
	memcpy(date, name, 10);
	date[10] = '\0';
	return 1;
}

/* A post: a gemtext page (by its name) whose name starts with a date. */
int
feed_is_post(const char *name, size_t len)
{
	char	date[11];

	return feed_date(name, len, date) &&
	    strcmp(mime_lookup(name)->type, "text/gemini") == 0;
}

/* The longest prefix of s of at most max bytes that ends a character. */
static size_t
feed_cut(const char *s, size_t len, size_t max)
{
	size_t	off = 0, n;

	while (off < len) {
		if ((n = utf8_charlen(s + off, len - off)) == 0)
			n = 1;
		if (off + n > max)
			break;
		off += n;
	}
	return off;
}

static void
feed_trim(const char **s, size_t *len)
{
	while (*len > 0 && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*len)--;
	}
	while (*len > 0 && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t'))
		(*len)--;
}

/*
 * A post's title and summary from its gemtext: the first heading's
 * text, and the first line of plain text (neither a heading, a link, a
 * list item, a quote nor preformatted), each trimmed and cut at a
 * character boundary.
 */
static void
feed_scan(struct feed_post *p, const char *text, size_t len)
{
	const char	*line, *lf, *end;
	size_t		 n;
	int		 pre = 0;

	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {
		text += 3;
		len -= 3;
	}
	for (line = text, end = text + len; line < end; line = lf + 1) {
		if ((lf = memchr(line, '\n', end - line)) == NULL)
			lf = end;
		n = (size_t)(lf - line);
		if (n > 0 && line[n - 1] == '\r')
			n--;
		if (n >= 3 && memcmp(line, "```", 3) == 0) {
			pre = !pre;
			continue;
		}
		if (pre)
			continue;
		if (n > 0 && line[0] == '#') {
			const char	*t = line;
			size_t		 tl = n;

			while (tl > 0 && *t == '#') {
				t++;
				tl--;
			}
			feed_trim(&t, &tl);
			if (p->titlelen == 0 && tl > 0) {
				p->title = t;
				p->titlelen = feed_cut(t, tl, FEED_TITLE_MAX);
			}
			continue;
		}
		if (p->summary != NULL || (n >= 2 && line[0] == '=' &&
		    line[1] == '>') || (n >= 2 && line[0] == '*' &&
		    line[1] == ' ') || (n >= 1 && line[0] == '>'))
			continue;
		feed_trim(&line, &n);
		if (n == 0)
			continue;
		p->summary = line;
		p->summarylen = feed_cut(line, n, FEED_SUMMARY_MAX);
		if (p->summarylen < n) {
			/* Cut at a space rather than inside a word. */
			for (n = p->summarylen; n > 0 && line[n] != ' '; n--)
				;
			if (n > 0)
				p->summarylen = n;
		}
		if (p->titlelen > 0)
			break;
	}
}

/*
 * Describe the post named name (which feed_is_post accepted) whose
 * gemtext is text.  Without a heading its title is the slug: the name
 * after the date and one separator, without its extension ("winter"
 * for "2023-12-24-winter.gmi"), which may be empty.
 */
void
feed_post(struct feed_post *p, const char *name, size_t namelen,
    const char *text, size_t textlen)
{
	const char	*dot;
	size_t		 n;
	int		 dated;

	memset(p, 0, sizeof(*p));
	p->name = name;
	p->namelen = namelen;
	if (!(dated = feed_date(name, namelen, p->date)))
		strlcpy(p->date, "0000-00-00", sizeof(p->date));
	feed_scan(p, text, textlen);
	/* Only after a date (ASCII) is byte 10 between characters. */
	if (p->titlelen > 0 || !dated)
		return;
	/* What lies between the date and the extension, less a separator. */
	if ((dot = memrchr(name + 10, '.', namelen - 10)) == NULL)
		dot = name + namelen;
	p->title = name + 10;
	n = (size_t)(dot - p->title);
	if (n > 0 && strchr("-_ ", *p->title) != NULL) {
		p->title++;
		n--;
	}
	p->titlelen = feed_cut(p->title, n, FEED_TITLE_MAX);
}

static int
feed_cmp(const void *a, const void *b)
{
	const struct feed_post	*pa = a, *pb = b;
	size_t			 n;
	int			 c;

	if ((c = strcmp(pb->date, pa->date)) != 0)
		return c;
	n = pa->namelen < pb->namelen ? pa->namelen : pb->namelen;
	if ((c = memcmp(pb->name, pa->name, n)) != 0)
		return c;
	return pa->namelen < pb->namelen ? 1 : pa->namelen > pb->namelen ?
	    -1 : 0;
}

/* Newest first; on one day, the later name first (what "ls -r" shows). */
void
feed_sort(struct feed_post *p, size_t n)
{
	if (n > 1)
		qsort(p, n, sizeof(*p), feed_cmp);
}

/* Text for a gemtext line: controls become spaces, stray bytes '?'. */
void
feed_text(struct buf *b, const char *s, size_t len)
{
	size_t	i = 0, n;

	while (i < len) {
		if ((n = utf8_control(s + i, len - i)) != 0)
			buf_addc(b, ' ');
		else if ((n = utf8_charlen(s + i, len - i)) == 0) {
			buf_addc(b, '?');
			n = 1;
		} else
			buf_add(b, s + i, n);
		i += n;
	}
}

/* "=> name DATE TITLE", the gemfeed form of a post, and a newline. */
void
feed_link(struct buf *b, const struct feed_post *p)
{
	buf_adds(b, "=> ");
	uri_path_encode(b, p->name, p->namelen);
	buf_addc(b, ' ');
	buf_adds(b, p->date);
	if (p->titlelen > 0) {
		buf_addc(b, ' ');
		feed_text(b, p->title, p->titlelen);
	}
	buf_addc(b, '\n');
}

/*
 * Text as XML character data or an attribute value: the five special
 * characters as entities, every character XML 1.0 forbids (controls
 * other than TAB, LF and CR; U+FFFE and U+FFFF) and C1 controls as a
 * space, bytes that are not UTF-8 as U+FFFD.  TAB, LF and CR become
 * spaces too: every string here is one line.
 */
void
feed_xml(struct buf *b, const char *s, size_t len)
{
	size_t	i = 0, n;

	while (i < len) {
		if ((n = utf8_control(s + i, len - i)) != 0) {
			buf_addc(b, ' ');
			i += n;
			continue;
		}
		if ((n = utf8_charlen(s + i, len - i)) == 0) {
			buf_adds(b, "\xef\xbf\xbd");
			i++;
			continue;
		}
		if (n == 3 && (unsigned char)s[i] == 0xef &&
		    (unsigned char)s[i + 1] == 0xbf &&
		    (unsigned char)s[i + 2] >= 0xbe)
			buf_adds(b, "\xef\xbf\xbd");	/* U+FFFE, U+FFFF */
		else if (n > 1)
			buf_add(b, s + i, n);
		else if (s[i] == '&')
			buf_adds(b, "&amp;");
		else if (s[i] == '<')
			buf_adds(b, "&lt;");
		else if (s[i] == '>')
			buf_adds(b, "&gt;");
		else if (s[i] == '"')
			buf_adds(b, "&quot;");
		else if (s[i] == '\'')
			buf_adds(b, "&apos;");
		else
			buf_addc(b, s[i]);
		i += n;
	}
}

static void
feed_element(struct buf *b, const char *indent, const char *name,
    const char *s, size_t len)
{
	buf_adds(b, indent);
	buf_addc(b, '<');
	buf_adds(b, name);
	buf_addc(b, '>');
	feed_xml(b, s, len);
	buf_adds(b, "</");
	buf_adds(b, name);
	buf_adds(b, ">\n");
}

/* The URL of a post: the base, then its name percent-encoded. */
static void
feed_url(struct buf *b, const struct feed_info *f, const char *name,
    size_t len)
{
	struct buf	u;

	buf_init(&u);
	buf_adds(&u, f->base);
	uri_path_encode(&u, name, len);
	if (u.failed)
		b->failed = 1;
	else
		feed_xml(b, u.data, u.len);
	buf_free(&u);
}

/*
 * The Atom feed of posts (sorted newest first), at most f->entries of
 * them: the feed's id is the gemlog's URL, its updated time the newest
 * post's date; each entry's id and link are the post's gemini:// URL,
 * its updated time the date in its name (at midnight, UTC), its title
 * its title (or, when that is empty, its date), its summary its first
 * paragraph.
 */
void
feed_atom(struct buf *b, const struct feed_info *f,
    const struct feed_post *p, size_t n)
{
	size_t	i;

	buf_adds(b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
	    "<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
	feed_element(b, "  ", "id", f->base, strlen(f->base));
	feed_element(b, "  ", "title", f->title, f->titlelen);
	buf_addf(b, "  <updated>%sT00:00:00Z</updated>\n",
	    n > 0 ? p[0].date : "1970-01-01");
	buf_adds(b, "  <author>\n");
	feed_element(b, "    ", "name", f->author, strlen(f->author));
	buf_adds(b, "  </author>\n  <link rel=\"self\" type=\""
	    "application/atom+xml\" href=\"");
	feed_url(b, f, FEED_NAME, strlen(FEED_NAME));
	buf_adds(b, "\"/>\n  <link rel=\"alternate\" href=\"");
	feed_xml(b, f->base, strlen(f->base));
	buf_adds(b, "\"/>\n");
	for (i = 0; i < n && i < f->entries; i++) {
		buf_adds(b, "  <entry>\n    <id>");
		feed_url(b, f, p[i].name, p[i].namelen);
		buf_adds(b, "</id>\n");
		if (p[i].titlelen > 0)
			feed_element(b, "    ", "title", p[i].title,
			    p[i].titlelen);
		else
			feed_element(b, "    ", "title", p[i].date, 10);
		buf_addf(b, "    <updated>%sT00:00:00Z</updated>\n",
		    p[i].date);
		buf_adds(b, "    <link rel=\"alternate\" href=\"");
		feed_url(b, f, p[i].name, p[i].namelen);
		buf_adds(b, "\"/>\n");
		if (p[i].summary != NULL)
			feed_element(b, "    ", "summary", p[i].summary,
			    p[i].summarylen);
		buf_adds(b, "  </entry>\n");
	}
	buf_adds(b, "</feed>\n");
}
