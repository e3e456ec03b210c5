/*
 * test_feed.c: table-driven checks of feed.c, the gemlogs: which names
 * are dated (real dates only, leap years included), which files are
 * posts, a post's title (first heading, else the slug) and summary
 * (first paragraph), the newest-first order, the gemfeed link line, the
 * XML escaping (the five special characters, non-ASCII kept, control
 * bytes, C1, bytes that are not UTF-8 and U+FFFE replaced) and the
 * whole Atom feed, byte for byte.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "feed.h"
#include "unit.h"

#define S(s)	(s), (sizeof(s) - 1)

static const struct {
	const char	*name;
	int		 ok;
	const char	*date;
} dates[] = {
	{ "2026-11-20-second.gmi", 1, "2026-11-20" },
	{ "2026-11-20", 1, "2026-11-20" },
	{ "2026-11-20.gmi", 1, "2026-11-20" },
	{ "2024-02-29-leap.gmi", 1, "2024-02-29" },
	{ "2000-02-29-leap.gmi", 1, "2000-02-29" },
	{ "2023-02-29-no.gmi", 0, NULL },
	{ "1900-02-29-no.gmi", 0, NULL },
	{ "2026-04-31.gmi", 0, NULL },
	{ "2026-12-31.gmi", 1, "2026-12-31" },
	{ "2026-13-01.gmi", 0, NULL },
	{ "2026-00-10.gmi", 0, NULL },
	{ "2026-01-00.gmi", 0, NULL },
	{ "0000-01-01.gmi", 0, NULL },
	{ "2026-11-201.gmi", 0, NULL },
	{ "2026-1-20.gmi", 0, NULL },
	{ "20261120.gmi", 0, NULL },
	{ "2026-11-2x.gmi", 0, NULL },
	{ "2026/11/20.gmi", 0, NULL },
	{ "notes.gmi", 0, NULL },
	{ "", 0, NULL },
};

static void
test_dates(void)
{
	char	date[11];
	size_t	i;
	int	ok;

	for (i = 0; i < sizeof(dates) / sizeof(dates[0]); i++) {
		memset(date, 0, sizeof(date));
		ok = feed_date(dates[i].name, strlen(dates[i].name), date);
		UNIT_CHECK(ok == dates[i].ok && (!ok ||
		    strcmp(date, dates[i].date) == 0), "date: \"%s\" %s",
		    dates[i].name, dates[i].ok ? dates[i].date : "is none");
	}
	UNIT_CHECK(feed_is_post(S("2026-11-20-x.gmi")) &&
	    feed_is_post(S("2026-11-20.gemini")) &&
	    !feed_is_post(S("2026-11-20-x.txt")) &&
	    !feed_is_post(S("2026-11-20-pic.png")) &&
	    !feed_is_post(S("about.gmi")), "is_post: dated gemtext only");
}

static const struct {
	const char	*name;
	const char	*file;
	const char	*text;
	const char	*title;
	const char	*summary;	/* NULL: none */
} posts[] = {
	{ "heading and paragraph", "2026-11-20-second.gmi",
	    "# Second post\n\nIt snowed today.\nMore.\n", "Second post",
	    "It snowed today." },
	{ "## heading, spaces trimmed", "2026-11-20-x.gmi",
	    "##   Spaced out  \t\ntext\n", "Spaced out", "text" },
	{ "the first heading, after the text", "2026-11-20-x.gmi",
	    "Intro line.\n# Late title\n## Later\n", "Late title",
	    "Intro line." },
	{ "no heading: the slug", "2023-12-24-winter.gmi", "Cold.\n",
	    "winter", "Cold." },
	{ "slug after an underscore", "2023-12-24_winter_walk.gmi", "x\n",
	    "winter_walk", "x" },
	{ "slug keeps inner dots", "2023-12-24-v1.2.gmi", "", "v1.2", NULL },
	{ "no slug, no heading: empty", "2023-12-24.gmi", "", "", NULL },
	{ "BOM and CRLF", "2026-01-02-a.gmi",
	    "\xef\xbb\xbf# T\r\n\r\nBody\r\n", "T", "Body" },
	{ "a heading in preformatted text is not one", "2026-01-02-a.gmi",
	    "```\n# not this\n```\n# This\n", "This", NULL },
	{ "links, items, quotes are no summary", "2026-01-02-a.gmi",
	    "# T\n=> x.gmi link\n* item\n> quote\n   \nThe text.\n", "T",
	    "The text." },
	{ "an empty heading is no title", "2026-01-02-slug.gmi",
	    "#\n#   \nText\n", "slug", "Text" },
	{ "non-ASCII title", "2026-01-02-a.gmi", "# Caf\xc3\xa9 cr\xc3\xa8me\n",
	    "Caf\xc3\xa9 cr\xc3\xa8me", NULL },
};

static void
test_posts(void)
{
	struct feed_post	p;
	struct buf		b;
	size_t			i;
	int			ok;

	for (i = 0; i < sizeof(posts) / sizeof(posts[0]); i++) {
		feed_post(&p, posts[i].file, strlen(posts[i].file),
		    posts[i].text, strlen(posts[i].text));
		ok = p.titlelen == strlen(posts[i].title) &&
		    memcmp(p.title, posts[i].title, p.titlelen) == 0;
		if (posts[i].summary == NULL)
			ok = ok && p.summary == NULL;
		else
			ok = ok && p.summary != NULL &&
			    p.summarylen == strlen(posts[i].summary) &&
			    memcmp(p.summary, posts[i].summary,
			    p.summarylen) == 0;
		UNIT_CHECK(ok, "post: %s", posts[i].name);
		if (!ok) {
			unit_show("title", p.title ? p.title : "",
			    p.titlelen);
			unit_show("summary", p.summary ? p.summary : "",
			    p.summarylen);
		}
	}

	/* Long titles and summaries are cut at a character boundary. */
	buf_init(&b);
	buf_adds(&b, "# ");
	for (i = 0; i < 150; i++)
		buf_adds(&b, "\xc3\xa9");
	buf_adds(&b, "\n");
	for (i = 0; i < 100; i++)
		buf_adds(&b, "word ");
	buf_adds(&b, "\n");
	feed_post(&p, S("2026-01-02-a.gmi"), b.data, b.len);
	UNIT_CHECK(p.titlelen == FEED_TITLE_MAX && p.titlelen % 2 == 0,
	    "post: a long title is cut to %d bytes, between characters "
	    "(%zu)", FEED_TITLE_MAX, p.titlelen);
	UNIT_CHECK(p.summarylen <= FEED_SUMMARY_MAX &&
	    p.summarylen > FEED_SUMMARY_MAX - 6 &&
	    memcmp(p.summary + p.summarylen - 4, "word", 4) == 0,
	    "post: a long summary is cut after a whole word (%zu bytes)",
	    p.summarylen);
	buf_free(&b);
}

static void
test_sort_and_links(void)
{
	struct feed_post	p[4];
	struct buf		b;

	feed_post(&p[0], S("2025-01-01-old.gmi"), S("# Old\n"));
	feed_post(&p[1], S("2026-11-20-b.gmi"), S("# B\n"));
	feed_post(&p[2], S("2026-11-20-a.gmi"), S("# A\n"));
	feed_post(&p[3], S("2026-11-21-new.gmi"), S("# New\n"));
	feed_sort(p, 4);
	UNIT_CHECK(strcmp(p[0].name, "2026-11-21-new.gmi") == 0 &&
	    strcmp(p[1].name, "2026-11-20-b.gmi") == 0 &&
	    strcmp(p[2].name, "2026-11-20-a.gmi") == 0 &&
	    strcmp(p[3].name, "2025-01-01-old.gmi") == 0,
	    "sort: newest first, on one day the later name first");
	feed_sort(p, 0);
	UNIT_CHECK(1, "sort: no posts");

	buf_init(&b);
	feed_link(&b, &p[1]);
	UNIT_STR_EQ("link: the gemfeed form", b.data, b.len,
	    "=> 2026-11-20-b.gmi 2026-11-20 B\n");
	buf_reset(&b);
	feed_post(&p[0], S("2026-11-20-my post.gmi"),
	    S("# A\ttab\xc2\x9b" "and\x01" "more\n"));
	feed_link(&b, &p[0]);
	UNIT_STR_EQ("link: name encoded, controls in the title spaces", b.data,
	    b.len, "=> 2026-11-20-my%20post.gmi 2026-11-20 A tab and more\n");
	buf_reset(&b);
	feed_post(&p[0], S("2026-11-20.gmi"), S(""));
	feed_link(&b, &p[0]);
	UNIT_STR_EQ("link: no title, the date alone", b.data, b.len,
	    "=> 2026-11-20.gmi 2026-11-20\n");
	buf_free(&b);
}

static const struct {
	const char	*name;
	const char	*in;
	size_t		 len;
	const char	*want;
} xml[] = {
	{ "plain", S("Second post"), "Second post" },
	{ "less-than and ampersand", S("a < b & c"), "a &lt; b &amp; c" },
	{ "greater-than", S("x>y"), "x&gt;y" },
	{ "quotes", S("\"q\" 'a'"), "&quot;q&quot; &apos;a&apos;" },
	{ "a tag stays text", S("<script>x</script>"),
	    "&lt;script&gt;x&lt;/script&gt;" },
	{ "an entity stays text", S("&amp;"), "&amp;amp;" },
	{ "non-ASCII kept", S("caf\xc3\xa9 \xe4\xb8\xad \xf0\x9f\x98\x80"),
	    "caf\xc3\xa9 \xe4\xb8\xad \xf0\x9f\x98\x80" },
	{ "control bytes become spaces", S("a\x01" "b\x1b[31m\x7f"),
	    "a b [31m " },
	{ "NUL becomes a space", S("a\0b"), "a b" },
	{ "TAB, CR, LF become spaces", S("a\tb\rc\nd"), "a b c d" },
	{ "C1 becomes a space", S("a\xc2\x85" "b\xc2\x9b"), "a b " },
	{ "not UTF-8 becomes U+FFFD", S("a\xff" "b\xc3"),
	    "a\xef\xbf\xbd" "b\xef\xbf\xbd" },
	{ "U+FFFE and U+FFFF become U+FFFD", S("\xef\xbf\xbe\xef\xbf\xbf"),
	    "\xef\xbf\xbd\xef\xbf\xbd" },
	{ "U+FFFD kept", S("\xef\xbf\xbd"), "\xef\xbf\xbd" },
};

static void
test_xml(void)
{
	struct buf	b;
	char		name[96];
	size_t		i;

	buf_init(&b);
	for (i = 0; i < sizeof(xml) / sizeof(xml[0]); i++) {
		buf_reset(&b);
		feed_xml(&b, xml[i].in, xml[i].len);
		snprintf(name, sizeof(name), "xml: %s", xml[i].name);
		UNIT_STR_EQ(name, b.data != NULL ? b.data : "", b.len,
		    xml[i].want);
	}
	buf_free(&b);
}

static void
test_atom(void)
{
	struct feed_post	p[3];
	struct feed_info	f;
	struct buf		b;

	feed_post(&p[0], S("2026-11-20-second.gmi"),
	    S("# Second <post> & more\n\nIt \"snowed\".\n"));
	feed_post(&p[1], S("2026-11-19-first.gmi"), S("No heading.\n"));
	feed_post(&p[2], S("2026-11-18.gmi"), S(""));
	memset(&f, 0, sizeof(f));
	f.title = "Log & notes";
	f.titlelen = strlen(f.title);
	f.base = "gemini://example.org:1966/log/";
	f.author = "example.org";
	f.entries = 50;
	buf_init(&b);
	feed_atom(&b, &f, p, 3);
	UNIT_STR_EQ("atom: the whole feed", b.data, b.len,
	    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
	    "<feed xmlns=\"http://www.w3.org/2005/Atom\">\n"
	    "  <id>gemini://example.org:1966/log/</id>\n"
	    "  <title>Log &amp; notes</title>\n"
	    "  <updated>2026-11-20T00:00:00Z</updated>\n"
	    "  <author>\n    <name>example.org</name>\n  </author>\n"
	    "  <link rel=\"self\" type=\"application/atom+xml\" "
	    "href=\"gemini://example.org:1966/log/atom.xml\"/>\n"
	    "  <link rel=\"alternate\" href=\"gemini://example.org:1966/log/\"/>\n"
	    "  <entry>\n"
	    "    <id>gemini://example.org:1966/log/2026-11-20-second.gmi</id>\n"
	    "    <title>Second &lt;post&gt; &amp; more</title>\n"
	    "    <updated>2026-11-20T00:00:00Z</updated>\n"
	    "    <link rel=\"alternate\" "
	    "href=\"gemini://example.org:1966/log/2026-11-20-second.gmi\"/>\n"
	    "    <summary>It &quot;snowed&quot;.</summary>\n"
	    "  </entry>\n"
	    "  <entry>\n"
	    "    <id>gemini://example.org:1966/log/2026-11-19-first.gmi</id>\n"
	    "    <title>first</title>\n"
	    "    <updated>2026-11-19T00:00:00Z</updated>\n"
	    "    <link rel=\"alternate\" "
	    "href=\"gemini://example.org:1966/log/2026-11-19-first.gmi\"/>\n"
	    "    <summary>No heading.</summary>\n"
	    "  </entry>\n"
	    "  <entry>\n"
	    "    <id>gemini://example.org:1966/log/2026-11-18.gmi</id>\n"
	    "    <title>2026-11-18</title>\n"
	    "    <updated>2026-11-18T00:00:00Z</updated>\n"
	    "    <link rel=\"alternate\" "
	    "href=\"gemini://example.org:1966/log/2026-11-18.gmi\"/>\n"
	    "  </entry>\n"
	    "</feed>\n");
	buf_reset(&b);
	f.entries = 1;
	feed_atom(&b, &f, p, 3);
	buf_addc(&b, '\0');
	UNIT_CHECK(b.data != NULL && strstr(b.data, "second.gmi</id>") != NULL &&
	    strstr(b.data, "first.gmi") == NULL &&
	    strstr(b.data, "</feed>\n") != NULL,
	    "atom: at most the configured number of entries");
	buf_free(&b);
}

int
main(void)
{
	UNIT_PLAN(20 + 1 + 12 + 2 + 5 + 14 + 2);
	test_dates();
	test_posts();
	test_sort_and_links();
	test_xml();
	test_atom();
	UNIT_DONE();
}
