/*
 * fuzz_feed.c: libFuzzer harness for feed.c, what an author's file names
 * and posts become in a gemlog listing and an Atom feed that aggregators
 * parse.  The input is NUL-separated: the gemlog's title, then pairs of
 * a file name and its gemtext.
 *
 * Properties: a date feed_date accepts exists (month 1-12, a day the
 * month has, leap years by the Gregorian rule) and ends the name's
 * digits; a post's title and summary lie inside its name or text, at
 * most FEED_TITLE_MAX and FEED_SUMMARY_MAX bytes, cut between
 * characters; its gemfeed link is one line "=> " without a control
 * character; feed_xml's output has no character XML 1.0 forbids, no
 * '<' or '>' and no '&' but one of the five entities, and is UTF-8; the
 * whole feed is UTF-8, its markup only the elements feed.c writes, with
 * as many entries as posts (up to the limit), opened and closed.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "feed.h"
#include "fuzz.h"
#include "utf8.h"

#define FUZZ_POSTS	8

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
fuzz_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static void
fuzz_check_date(const char *name, size_t len)
{
	static const int	days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30,
				    31, 30, 31 };
	char			date[11];
	int			y, m, d;

	if (!feed_date(name, len, date))
		return;
	FUZZ_ASSERT(len >= 10 && memcmp(date, name, 10) == 0 &&
	    date[10] == '\0', "the date is the name's first ten bytes");
	FUZZ_ASSERT(len == 10 || name[10] < '0' || name[10] > '9',
	    "no digit follows the date");
	y = (name[0] - '0') * 1000 + (name[1] - '0') * 100 +
	    (name[2] - '0') * 10 + (name[3] - '0');
	m = (name[5] - '0') * 10 + (name[6] - '0');
	d = (name[8] - '0') * 10 + (name[9] - '0');
	FUZZ_ASSERT(y >= 1 && m >= 1 && m <= 12 && d >= 1 &&
	    d <= days[m - 1] + (m == 2 && fuzz_leap(y)), "the date exists");
}

/* Text inside [base, base + len), cut at a character boundary. */
static void
fuzz_inside(const char *s, size_t n, const char *base, size_t len,
    size_t max, const char *what)
{
	FUZZ_ASSERT(n <= max, what);
	if (n == 0)
		return;
	FUZZ_ASSERT(s >= base && s + n <= base + len, what);
	/* A valid source stays valid: the cut falls between characters. */
	if (utf8_valid(base, len))
		FUZZ_ASSERT(utf8_valid(s, n), what);
}

/*
 * XML text: no forbidden character, no markup, only known entities.
 * With layout, the newlines between elements are allowed too.
 */
static void
fuzz_xml_text(const char *s, size_t len, int layout)
{
	static const char	*const ents[] = { "&amp;", "&lt;", "&gt;",
				    "&quot;", "&apos;" };
	size_t			 i, k;

	FUZZ_ASSERT(utf8_valid(s, len), "XML text is UTF-8");
	for (i = 0; i < len; i++) {
		unsigned char	c = (unsigned char)s[i];

		if (layout && c == '\n')
			continue;
		FUZZ_ASSERT(c >= 0x20 && c != 0x7f && c != '<' && c != '>',
		    "no control character or markup in XML text");
		if (c == 0xc2 && i + 1 < len)
			FUZZ_ASSERT((unsigned char)s[i + 1] >= 0xa0,
			    "no C1 control in XML text");
		if (c == 0xef && i + 2 < len && (unsigned char)s[i + 1] == 0xbf)
			FUZZ_ASSERT((unsigned char)s[i + 2] < 0xbe,
			    "no U+FFFE or U+FFFF in XML text");
		if (c != '&')
			continue;
		for (k = 0; k < sizeof(ents) / sizeof(ents[0]); k++)
			if (len - i >= strlen(ents[k]) &&
			    memcmp(s + i, ents[k], strlen(ents[k])) == 0)
				break;
		FUZZ_ASSERT(k < sizeof(ents) / sizeof(ents[0]),
		    "an ampersand starts an entity");
	}
}

/* The feed: known markup only, text between it well-formed. */
static void
fuzz_atom(const char *s, size_t len, size_t want)
{
	static const char	*const tags[] = {
		"<?xml version=\"1.0\" encoding=\"utf-8\"?>",
		"<feed xmlns=\"http://www.w3.org/2005/Atom\">", "</feed>",
		"<id>", "</id>", "<title>", "</title>", "<updated>",
		"</updated>", "<author>", "</author>", "<name>", "</name>",
		"<entry>", "</entry>", "<summary>", "</summary>",
		"<link rel=\"self\" type=\"application/atom+xml\" href=\"",
		"<link rel=\"alternate\" href=\"", "\"/>",
	};
	size_t			 i = 0, k, start, opened = 0, closed = 0;

	FUZZ_ASSERT(utf8_valid(s, len), "the feed is UTF-8");
	while (i < len) {
		for (start = i; i < len && s[i] != '<' && !(s[i] == '"' &&
		    i + 2 < len && s[i + 1] == '/' && s[i + 2] == '>'); i++)
			;
		fuzz_xml_text(s + start, i - start, 1);
		if (i == len)
			break;
		for (k = 0; k < sizeof(tags) / sizeof(tags[0]); k++)
			if (len - i >= strlen(tags[k]) &&
			    memcmp(s + i, tags[k], strlen(tags[k])) == 0)
				break;
		FUZZ_ASSERT(k < sizeof(tags) / sizeof(tags[0]),
		    "only the elements feed.c writes");
		if (strcmp(tags[k], "<entry>") == 0)
			opened++;
		if (strcmp(tags[k], "</entry>") == 0)
			closed++;
		i += strlen(tags[k]);
	}
	FUZZ_ASSERT(opened == want && closed == want,
	    "one entry per post, up to the limit");
	FUZZ_ASSERT(len > 8 && memcmp(s + len - 8, "</feed>\n", 8) == 0,
	    "the feed ends");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct feed_post	 posts[FUZZ_POSTS];
	struct feed_info	 f;
	struct buf		 b;
	const char		*p = (const char *)data, *end = p + size;
	const char		*nul, *name, *title;
	char			 names[FUZZ_POSTS][64];
	size_t			 n = 0, namelen, titlelen, i;

	if ((nul = memchr(p, '\0', end - p)) == NULL)
		return 0;
	title = p;
	titlelen = (size_t)(nul - p);
	p = nul + 1;
	while (n < FUZZ_POSTS && p < end) {
		if ((nul = memchr(p, '\0', end - p)) == NULL)
			break;
		name = p;
		namelen = (size_t)(nul - p);
		p = nul + 1;
		if ((nul = memchr(p, '\0', end - p)) == NULL)
			nul = end;
		fuzz_check_date(name, namelen);
		if (namelen >= sizeof(names[0]))
			namelen = sizeof(names[0]) - 1;
		memcpy(names[n], name, namelen);
		names[n][namelen] = '\0';
		feed_post(&posts[n], names[n], namelen, p, (size_t)(nul - p));
		/* A slug lies in the name, a heading in the text. */
		if (posts[n].title >= names[n] &&
		    posts[n].title < names[n] + sizeof(names[0]))
			fuzz_inside(posts[n].title, posts[n].titlelen, names[n],
			    namelen, FEED_TITLE_MAX, "a slug lies in the name");
		else
			fuzz_inside(posts[n].title, posts[n].titlelen, p,
			    (size_t)(nul - p), FEED_TITLE_MAX,
			    "a title lies in the text, cut between characters");
		if (posts[n].summary != NULL)
			fuzz_inside(posts[n].summary, posts[n].summarylen, p,
			    (size_t)(nul - p), FEED_SUMMARY_MAX,
			    "a summary lies in the text, cut between "
			    "characters");
		n++;
		p = nul < end ? nul + 1 : end;
	}
	feed_sort(posts, n);
	for (i = 1; i < n; i++)
		FUZZ_ASSERT(strcmp(posts[i - 1].date, posts[i].date) >= 0,
		    "newest first");
	buf_init(&b);
	for (i = 0; i < n; i++) {
		buf_reset(&b);
		feed_link(&b, &posts[i]);
		FUZZ_ASSERT(!b.failed && b.len >= 4 &&
		    memcmp(b.data, "=> ", 3) == 0 && b.data[b.len - 1] == '\n' &&
		    fuzz_no_controls(b.data, b.len - 1),
		    "a post's link is one line without a control character");
	}
	buf_reset(&b);
	feed_xml(&b, title, titlelen);
	fuzz_xml_text(b.data != NULL ? b.data : "", b.len, 0);
	memset(&f, 0, sizeof(f));
	f.title = title;
	f.titlelen = titlelen;
	f.base = "gemini://example.org/log/";
	f.author = "example.org";
	f.entries = 1 + (size & 7);
	buf_reset(&b);
	feed_atom(&b, &f, posts, n);
	FUZZ_ASSERT(!b.failed, "the feed was written");
	fuzz_atom(b.data, b.len, n < f.entries ? n : f.entries);
	buf_free(&b);
	return 0;
}
