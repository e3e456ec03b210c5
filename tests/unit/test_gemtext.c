/*
 * test_gemtext.c: table-driven checks of gemtext_to_gopher against the
 * mapping of docs/design.md section 5, for a page in "/d/" served as host "h"
 * port 70.  Each row compares the whole menu byte for byte, and every
 * output is also checked to be well-formed: lines of exactly four
 * TAB-separated fields ending in CRLF, no CR, LF or NUL inside a field,
 * no line that is just ".", items' display strings of at most
 * GOPHER_WRAP_DEFAULT (29) columns, info lines at most
 * GOPHER_PRE_COLUMNS (1024).  Covered: paragraph wrapping at 29 columns,
 * headings and their underlines, list items, quotes, preformatted blocks
 * (verbatim, TABs to 8-column stops, only lines over 1024 columns
 * continued), every kind of link and label wrapping, the kind callback
 * and a leading BOM; and the width of gopher wrap N (ctx.wrap): rows at
 * GOPHER_WRAP_MIN and GOPHER_WRAP_MAX, out-of-range widths held to
 * them, and for every width from 20 to 67 a paragraph, a heading and a
 * link label of which no line (underline included) is wider and every
 * line but a paragraph's last is filled.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capsuled.h"
#include "buf.h"
#include "gemtext.h"
#include "utf8.h"
#include "unit.h"

#define S(s)	(s), (sizeof(s) - 1)

/* An info line and a menu item as the context below writes them. */
#define I(t)		"i" t "\t\th\t70\r\n"
#define ITEM(ty, d, s)	ty d "\t" s "\th\t70\r\n"

#define X10	"xxxxxxxxxx"
#define X60	X10 X10 X10 X10 X10 X10
#define X67	X60 "xxxxxxx"
#define X20	X10 X10
#define X29	X20 "xxxxxxxxx"
#define X100	X10 X10 X10 X10 X10 X10 X10 X10 X10 X10
#define X1000	X100 X100 X100 X100 X100 X100 X100 X100 X100 X100
#define X1023	X1000 X20 "xxx"
#define X1024	X1023 "x"
#define E10	"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9" \
		"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
#define CJK10	"\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad" \
		"\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad" \
		"\xe4\xb8\xad\xe4\xb8\xad"
#define CJK3	"\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad"

struct gemtext_test {
	const char	*name;
	const char	*in;
	size_t		 len;
	const char	*want;
};

static const struct gemtext_test tests[] = {
	/* Documents and paragraphs */
	{ "empty document", S(""), "" },
	{ "one line", S("Hello"), I("Hello") },
	{ "one line with LF", S("Hello\n"), I("Hello") },
	{ "CRLF lines", S("a\r\nb\r\n"), I("a") I("b") },
	{ "empty line kept", S("a\n\nb"), I("a") I("") I("b") },
	{ "lone LF is one empty line", S("\n"), I("") },
	{ "leading BOM ignored", S("\xef\xbb\xbfHello\n"), I("Hello") },
	{ "leading BOM before a heading", S("\xef\xbb\xbf# T\n"),
	    I("T") I("=") },
	{ "\".\" line becomes an info line", S(".\n"), I(".") },
	{ "\".\" between lines", S("a\n.\nb\n"), I("a") I(".") I("b") },
	{ "TAB in paragraph expanded", S("a\tb\n"), I("a       b") },
	{ "NUL in text replaced", S("a\0b\n"), I("a b") },
	{ "invalid UTF-8 becomes ?", S("a\xff" "b\n"), I("a?b") },
	{ "C1 CSI in text becomes a space", S("a\xc2\x9b" "31mb\n"),
	    I("a 31mb") },
	{ "C1 NEL in text becomes a space", S("a\xc2\x85" "b\n"), I("a b") },
	{ "U+00A0 after C1 range kept", S("a\xc2\xa0" "b\n"),
	    I("a\xc2\xa0" "b") },
	{ "C1 in a heading becomes a space", S("# \xc2\x9bT\n"), I(" T")
	    I("==") },
	{ "C1 in a link label becomes a space",
	    S("=> x.gmi a\xc2\x9b" "b\n"), ITEM("1", "a b", "/d/x.gmi") },
	{ "C1 in a link's path becomes text",
	    S("=> a%C2%9Bb.gmi Label\n"), I("Label") },
	{ "C1 in preformatted text becomes a space",
	    S("```\n\xc2\x9b[2J\n```\n"), I(" [2J") },
	{ "long paragraph wrapped at 29 columns",
	    S("Gemini is a new internet communication protocol for accessing "
	    "remote documents, similar to HTTP and Gopher. It comes with a "
	    "special document format, commonly referred to as gemtext, which "
	    "allows linking to other documents.\n"),
	    I("Gemini is a new internet") I("communication protocol for")
	    I("accessing remote documents,") I("similar to HTTP and Gopher.")
	    I("It comes with a special") I("document format, commonly")
	    I("referred to as gemtext, which") I("allows linking to other")
	    I("documents.") },
	{ "line of exactly 29 columns not wrapped", S(X29 "\n"), I(X29) },
	{ "wrap: line filled to exactly 29",
	    S(X20 " abcdefgh next\n"), I(X20 " abcdefgh") I("next") },
	{ "wrap: word that would reach column 30 moves down",
	    S(X20 " abcdefghi next\n"), I(X20) I("abcdefghi next") },
	{ "wrap: 30 columns without a space are cut",
	    S(X29 "y\n"), I(X29) I("y") },
	{ "wrap: word longer than 29 is cut",
	    S("short " X29 "xxx end\n"), I("short") I(X29) I("xxx end") },
	{ "wrap: two-byte UTF-8 words",
	    S(E10 " " E10 " " E10 " " E10 " " E10 " " E10 " " E10 "\n"),
	    I(E10 " " E10) I(E10 " " E10) I(E10 " " E10) I(E10) },
	{ "wrap: wide characters without spaces cut at 28 columns",
	    S(CJK10 CJK10 CJK10 CJK10 "\n"),
	    I(CJK10 CJK3 "\xe4\xb8\xad") I(CJK10 CJK3 "\xe4\xb8\xad")
	    I(CJK10 "\xe4\xb8\xad\xe4\xb8\xad") },

	/* Headings */
	{ "heading #", S("# Title\n"), I("Title") I("=====") },
	{ "heading ##", S("## Sub\n"), I("Sub") I("---") },
	{ "heading ###", S("### Small\n"), I("Small") I(".....") },
	{ "heading without space", S("#Title\n"), I("Title") I("=====") },
	{ "heading with TAB", S("#\tTitle\n"), I("Title") I("=====") },
	{ "heading underline has the text's width (UTF-8)",
	    S("# caf\xc3\xa9\n"), I("caf\xc3\xa9") I("====") },
	{ "heading underline has the text's width (wide)",
	    S("## \xe4\xb8\xad\xe6\x96\x87\n"), I("\xe4\xb8\xad\xe6\x96\x87")
	    I("----") },
	{ "long heading wrapped, underline as wide as its widest line",
	    S("# " X29 "xxx\n"), I(X29) I("xxx")
	    I("=============================") },
	{ "heading wrapped at a space, underline 29 at most",
	    S("## Why it matters early in a health and care career\n"),
	    I("Why it matters early in a") I("health and care career")
	    I("-------------------------") },
	{ "#### is a level-3 heading of \"#\"", S("#### x\n"),
	    I("# x") I("...") },

	/* List items */
	{ "list item", S("* item\n"), I("* item") },
	{ "list item wrapped with hanging indent",
	    S("* Items can be long too, and when they are, the text that "
	    "follows the first line is indented by two spaces.\n"),
	    I("* Items can be long too, and") I("  when they are, the text")
	    I("  that follows the first line") I("  is indented by two spaces.") },
	{ "*item without space is a paragraph", S("*item\n"), I("*item") },

	/* Quotes */
	{ "quote", S("> quote\n"), I("> quote") },
	{ "quote without space", S(">quote\n"), I("> quote") },
	{ "quote wrapped, marker on every line",
	    S("> Quoted text keeps its marker on every line it is wrapped "
	    "onto, so that a reader of the menu can tell.\n"),
	    I("> Quoted text keeps its") I("> marker on every line it is")
	    I("> wrapped onto, so that a") I("> reader of the menu can")
	    I("> tell.") },
	{ "long quote word cut, marker kept",
	    S("> " X29 "\n"), I("> " X20 "xxxxxxx") I("> xx") },

	/* Preformatted text */
	{ "pre: verbatim, markup not interpreted",
	    S("```\n# no heading\n=> x.gmi no link\n* no item\n```\n"),
	    I("# no heading") I("=> x.gmi no link") I("* no item") },
	{ "pre: alt text ignored", S("```c\nint x;\n```\nafter\n"),
	    I("int x;") I("after") },
	{ "pre: leading spaces kept", S("```\n    indented\n```\n"),
	    I("    indented") },
	{ "pre: empty line kept", S("```\n\n```\n"), I("") },
	{ "pre: \".\" line is an info line", S("```\n.\n```\n"), I(".") },
	{ "pre: TAB at column 0", S("```\n\tx\n```\n"), I("        x") },
	{ "pre: TAB at column 1", S("```\na\tb\n```\n"), I("a       b") },
	{ "pre: TAB at column 2", S("```\nab\tc\n```\n"), I("ab      c") },
	{ "pre: TAB at column 7", S("```\n1234567\tx\n```\n"),
	    I("1234567 x") },
	{ "pre: TAB at column 8", S("```\n12345678\tx\n```\n"),
	    I("12345678        x") },
	{ "pre: two TABs", S("```\na\tb\tc\n```\n"),
	    I("a       b       c") },
	{ "pre: TAB after a 2-byte char", S("```\n\xc3\xa9\tx\n```\n"),
	    I("\xc3\xa9       x") },
	{ "pre: TAB after a wide char reaches column 8",
	    S("```\n\xe4\xb8\xad\tx\n```\n"), I("\xe4\xb8\xad      x") },
	{ "pre: TAB after a combining mark reaches column 8",
	    S("```\ne\xcc\x81\tx\n```\n"), I("e\xcc\x81       x") },
	{ "pre: line of 67 columns kept", S("```\n" X67 "\n```\n"), I(X67) },
	{ "pre: 90-column line kept verbatim, not wrapped",
	    S("```\n" "aaaa aaaa aaaa aaaa aaaa aaaa aaaa aaaa aaaa aaaa "
	    "aaaa aaaa aaaa aaaa aaaa aaaa aaaa aaaa\n```\n"),
	    I("aaaa aaaa aaaa aaaa aaaa aaaa aaaa aaaa aaaa aaaa "
	    "aaaa aaaa aaaa aaaa aaaa aaaa aaaa aaaa") },
	{ "pre: 140 columns kept on one line",
	    S("```\n" X67 X67 "xxxxxx\n```\n"), I(X67 X67 "xxxxxx") },
	{ "pre: line of 1024 columns kept", S("```\n" X1024 "\n```\n"),
	    I(X1024) },
	{ "pre: 1026 columns is 1024 + 2",
	    S("```\n" X1024 "yy\n```\n"), I(X1024) I("yy") },
	{ "pre: wide chars continued at a boundary",
	    S("```\n" X1023 CJK3 "\n```\n"), I(X1023)
	    I(CJK3) },
	{ "pre: wide chars on one line",
	    S("```\n" CJK10 CJK10 CJK10 CJK10 "\n```\n"),
	    I(CJK10 CJK10 CJK10 CJK10) },
	{ "pre: unterminated block runs to the end",
	    S("```\n# x\n"), I("# x") },
	{ "pre: toggles back to normal text",
	    S("```\n#a\n```\n#b\n"), I("#a") I("b") I("=") },

	/* Links to this capsule */
	{ "link: relative page.gmi", S("=> page.gmi Page\n"),
	    ITEM("1", "Page", "/d/page.gmi") },
	{ "link: without label shows the URL", S("=> page.gmi\n"),
	    ITEM("1", "page.gmi", "/d/page.gmi") },
	{ "link: no space after =>", S("=>page.gmi\n"),
	    ITEM("1", "page.gmi", "/d/page.gmi") },
	{ "link: TABs as separators", S("=>\tpage.gmi\tTab label\n"),
	    ITEM("1", "Tab label", "/d/page.gmi") },
	{ "link: sub/ is a menu", S("=> sub/ Sub\n"),
	    ITEM("1", "Sub", "/d/sub/") },
	{ "link: file.txt is type 0", S("=> file.txt File\n"),
	    ITEM("0", "File", "/d/file.txt") },
	{ "link: pic.png is type I", S("=> pic.png Pic\n"),
	    ITEM("I", "Pic", "/d/pic.png") },
	{ "link: anim.gif is type g", S("=> anim.gif Anim\n"),
	    ITEM("g", "Anim", "/d/anim.gif") },
	{ "link: no extension is binary without kind", S("=> about\n"),
	    ITEM("9", "about", "/d/about") },
	{ "link: ../up.gmi", S("=> ../up.gmi Up\n"),
	    ITEM("1", "Up", "/up.gmi") },
	{ "link: ../../../x clamps at the root", S("=> ../../../x.gmi X\n"),
	    ITEM("1", "X", "/x.gmi") },
	{ "link: absolute /abs/", S("=> /abs/ Abs\n"),
	    ITEM("1", "Abs", "/abs/") },
	{ "link: %20 decoded in selector", S("=> my%20page.gmi\n"),
	    ITEM("1", "my%20page.gmi", "/d/my page.gmi") },
	{ "link: query and fragment dropped",
	    S("=> page.gmi?q=1#top Q\n"), ITEM("1", "Q", "/d/page.gmi") },
	{ "link: TAB in label replaced", S("=> x.gmi a\tb\n"),
	    ITEM("1", "a b", "/d/x.gmi") },
	{ "link: long label wrapped onto an info line",
	    S("=> x.gmi " X29 "yyy\n"), ITEM("1", X29, "/d/x.gmi")
	    I("  yyy") },
	{ "link: label wrapped at a space, rest indented",
	    S("=> x.gmi Next: 2. Why it matters early in a health and care "
	    "career\n"), ITEM("1", "Next: 2. Why it matters early", "/d/x.gmi")
	    I("  in a health and care career") },
	{ "link: long web label wrapped",
	    S("=> https://e.org/ Read the whole article on the web\n"),
	    ITEM("h", "Read the whole article on the", "URL:https://e.org/")
	    I("  web") },
	{ "link: long gopher label wrapped",
	    S("=> gopher://g.org/1/ A menu somewhere else in Gopherspace\n"),
	    "1A menu somewhere else in\t/\tg.org\t70\r\n" I("  Gopherspace") },
	{ "link: control byte in URL becomes text",
	    S("=> bad%0Aname.gmi Label\n"), I("Label") },
	{ "link: CR inside a web URL becomes text",
	    S("=> https://e.org/a\rb X\n"), I("X") },
	{ "link: control byte inside a web URL becomes text",
	    S("=> gemini://e.org\x1f# X\n"), I("X") },
	{ "link: => alone is text", S("=>\n"), I("=>") },
	{ "link: => and spaces is text", S("=>   \n"), I("=>") },
	{ "link: gemini://h/x.gmi is local", S("=> gemini://h/x.gmi X\n"),
	    ITEM("1", "X", "/x.gmi") },
	{ "link: gemini://H/x.gmi is local", S("=> gemini://H/x.gmi X\n"),
	    ITEM("1", "X", "/x.gmi") },
	{ "link: gemini://h is the root", S("=> gemini://h X\n"),
	    ITEM("1", "X", "/") },
	{ "link: gemini://h:1965/x.txt is local",
	    S("=> gemini://h:1965/x.txt X\n"), ITEM("0", "X", "/x.txt") },
	{ "link: //h/y.gmi is local", S("=> //h/y.gmi Y\n"),
	    ITEM("1", "Y", "/y.gmi") },

	/* Links that leave */
	{ "link: gemini://other/x is h URL:",
	    S("=> gemini://other/x Other\n"),
	    ITEM("h", "Other", "URL:gemini://other/x") },
	{ "link: gemini://h.other/ is not us",
	    S("=> gemini://h.other/ O\n"),
	    ITEM("h", "O", "URL:gemini://h.other/") },
	{ "link: //other/y is h URL:gemini:",
	    S("=> //other/y Y\n"), ITEM("h", "Y", "URL:gemini://other/y") },
	{ "link: https://e.org/ is h URL:", S("=> https://e.org/ Web\n"),
	    ITEM("h", "Web", "URL:https://e.org/") },
	{ "link: https without label", S("=> https://e.org/\n"),
	    ITEM("h", "https://e.org/", "URL:https://e.org/") },
	{ "link: mailto: is h URL:", S("=> mailto:a@b Mail\n"),
	    ITEM("h", "Mail", "URL:mailto:a@b") },
	{ "link: gopher:// with type, selector, port",
	    S("=> gopher://g.org:7070/0/file.txt F\n"),
	    "0F\t/file.txt\tg.org\t7070\r\n" },
	{ "link: gopher://g.org/ is the root menu",
	    S("=> gopher://g.org/ G\n"), "1G\t\tg.org\t70\r\n" },
	{ "link: gopher://g.org without slash",
	    S("=> gopher://g.org G\n"), "1G\t\tg.org\t70\r\n" },
	{ "link: gopher:// menu selector",
	    S("=> gopher://g.org/1/dir/ D\n"), "1D\t/dir/\tg.org\t70\r\n" },
	{ "link: gopher:// escapes decoded",
	    S("=> gopher://g.org/0/a%20b.txt A\n"),
	    "0A\t/a b.txt\tg.org\t70\r\n" },
	{ "link: gopher:// selector with %09 stays a URL:",
	    S("=> gopher://g.org/7/s%09q S\n"),
	    ITEM("h", "S", "URL:gopher://g.org/7/s%09q") },

	/* A small page with everything */
	{ "page: mixed",
	    S("# Capsule\n\nWelcome.\n=> a.gmi A\n* one\n> q\n```\nx\ty\n```\n"
	    "=> https://e.org/ Web\n"),
	    I("Capsule") I("=======") I("") I("Welcome.")
	    ITEM("1", "A", "/d/a.gmi") I("* one") I("> q") I("x       y")
	    ITEM("h", "Web", "URL:https://e.org/") },
};

struct width_test {
	const char	*name;
	int		 wrap;
	const char	*in;
	size_t		 len;
	const char	*want;
};

/* The same mapping at other widths (gopher wrap N). */
static const struct width_test width_tests[] = {
	{ "wrap 0 is GOPHER_WRAP_DEFAULT", 0, S(X29 " x\n"),
	    I(X29) I("x") },
	{ "wrap 20: a line of 20 is whole", 20, S(X20 "\n"), I(X20) },
	{ "wrap 20: 21 columns wrap at the space", 20,
	    S("aaaaaaaaa bbbbbbbbbb c\n"), I("aaaaaaaaa bbbbbbbbbb") I("c") },
	{ "wrap 20: a longer word is cut at 20", 20, S(X20 "xx y\n"),
	    I(X20) I("xx y") },
	{ "wrap 20: heading and underline at most 20", 20,
	    S("# Why it matters early in a career\n"),
	    I("Why it matters early") I("in a career")
	    I("====================") },
	{ "wrap 20: list item's hanging indent", 20,
	    S("* aaaaaaaaa bbbbbbbb cc\n"), I("* aaaaaaaaa bbbbbbbb")
	    I("  cc") },
	{ "wrap 67: a line of 67 is whole", 67, S(X67 "\n"), I(X67) },
	{ "wrap 67: 68 columns wrap", 67, S(X60 " xxxxxxx\n"),
	    I(X60) I("xxxxxxx") },
	{ "wrap 67: paragraph filled to 67", 67,
	    S("Many health and care workers may see leadership as a concept "
	    "that is only relevant to very few of us.\n"),
	    I("Many health and care workers may see leadership as a concept "
	    "that") I("is only relevant to very few of us.") },
	{ "wrap 67: heading of 67 underlined by 67", 67,
	    S("## " X60 " xxxxxx\n"), I(X60 " xxxxxx")
	    I("----------------------------------------"
	    "---------------------------") },
	{ "wrap 67: label of 67 is one item", 67, S("=> x.gmi " X67 "\n"),
	    ITEM("1", X67, "/d/x.gmi") },
	{ "wrap 67: longer label goes on in an info line", 67,
	    S("=> x.gmi " X60 " yyyyyyy zz\n"),
	    ITEM("1", X60, "/d/x.gmi") I("  yyyyyyy zz") },
	{ "wrap 19 is held to GOPHER_WRAP_MIN", 19, S(X20 "x\n"),
	    I(X20) I("x") },
	{ "wrap 68 is held to GOPHER_WRAP_MAX", 68, S(X67 "x\n"),
	    I(X67) I("x") },
	{ "wrap 67: preformatted text still verbatim", 67,
	    S("```\n" X100 "\n```\n"), I(X100) },
};

/*
 * Check that out is a sequence of well-formed menu lines; on failure
 * say why in *why.
 */
static int
menu_ok(const char *out, size_t len, size_t width, const char **why)
{
	const char	*line, *end, *p, *f;
	size_t		 n, tabs, dlen;

	if (len == 0)
		return 1;
	for (line = out; line < out + len; line = end + 2) {
		end = NULL;
		for (p = line; p + 1 < out + len; p++)
			if (p[0] == '\r' && p[1] == '\n') {
				end = p;
				break;
			}
		if (end == NULL) {
			*why = "last line does not end in CRLF";
			return 0;
		}
		n = end - line;
		if (n == 1 && line[0] == '.') {
			*why = "a line that is just \".\"";
			return 0;
		}
		if (n == 0) {
			*why = "empty line";
			return 0;
		}
		for (tabs = 0, p = line; p < end; p++) {
			if (*p == '\t')
				tabs++;
			else if (*p == '\r' || *p == '\n' || *p == '\0') {
				*why = "CR, LF or NUL inside a field";
				return 0;
			}
		}
		if (tabs != 3) {
			*why = "not exactly four fields";
			return 0;
		}
		f = memchr(line, '\t', n);
		dlen = f - line - 1;
		if (!utf8_valid(line + 1, dlen)) {
			*why = "display string is not UTF-8";
			return 0;
		}
		if (line[0] != 'i' && utf8_columns(line + 1, dlen) > width) {
			*why = "item's display string wider than the width";
			return 0;
		}
		if (utf8_columns(line + 1, dlen) > GOPHER_PRE_COLUMNS) {
			*why = "info line wider than 1024 columns";
			return 0;
		}
	}
	return 1;
}

static void
render(const char *in, size_t len, const struct gemtext_ctx *ctx,
    struct buf *b)
{
	buf_reset(b);
	if (gemtext_to_gopher(in, len, ctx, b) == -1)
		b->failed = 1;
}

static void
check_menu_width(const char *name, const struct buf *b, size_t width)
{
	const char	*why = NULL;
	int		 ok;

	ok = !b->failed && menu_ok(b->data, b->len, width, &why);
	UNIT_CHECK(ok, "%s: well-formed menu", name);
	if (!ok)
		printf("#   %s\n", why != NULL ? why : "out of memory");
}

static void
check_menu(const char *name, const struct buf *b)
{
	check_menu_width(name, b, GOPHER_WRAP_DEFAULT);
}

static void
test_table(void)
{
	const struct gemtext_test	*t;
	struct gemtext_ctx		 ctx;
	struct buf			 b;
	size_t				 i;

	memset(&ctx, 0, sizeof(ctx));
	ctx.host = "h";
	ctx.port = 70;
	ctx.dir = "/d/";
	ctx.kind = NULL;
	buf_init(&b);
	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		t = &tests[i];
		render(t->in, t->len, &ctx, &b);
		UNIT_STR_EQ(t->name, b.data != NULL ? b.data : "", b.len,
		    t->want);
		check_menu(t->name, &b);
	}
	buf_free(&b);
}

static void
test_width_table(void)
{
	const struct width_test	*t;
	struct gemtext_ctx	 ctx;
	struct buf		 b;
	size_t			 i, w;

	memset(&ctx, 0, sizeof(ctx));
	ctx.host = "h";
	ctx.port = 70;
	ctx.dir = "/d/";
	buf_init(&b);
	for (i = 0; i < sizeof(width_tests) / sizeof(width_tests[0]); i++) {
		t = &width_tests[i];
		ctx.wrap = t->wrap;
		render(t->in, t->len, &ctx, &b);
		UNIT_STR_EQ(t->name, b.data != NULL ? b.data : "", b.len,
		    t->want);
		w = t->wrap == 0 ? GOPHER_WRAP_DEFAULT : t->wrap <
		    GOPHER_WRAP_MIN ? GOPHER_WRAP_MIN : t->wrap >
		    GOPHER_WRAP_MAX ? GOPHER_WRAP_MAX : (size_t)t->wrap;
		check_menu_width(t->name, &b, w);
	}
	buf_free(&b);
}

/*
 * Join the display strings of a well-formed menu with single spaces;
 * count the lines and find the narrowest one but the last.
 */
static void
rejoin(const struct buf *b, struct buf *text, size_t *lines,
    size_t *minfill, size_t width)
{
	const char	*p = b->data, *end = b->data + b->len, *tab, *lf;
	size_t		 cols;

	buf_reset(text);
	*lines = 0;
	*minfill = width;
	while (p < end && (tab = memchr(p, '\t', end - p)) != NULL &&
	    (lf = memchr(tab, '\n', end - tab)) != NULL) {
		if (*lines > 0)
			buf_addc(text, ' ');
		buf_add(text, p + 1, tab - p - 1);
		cols = utf8_columns(p + 1, tab - p - 1);
		p = lf + 1;
		if (p < end && cols < *minfill)
			*minfill = cols;
		(*lines)++;
	}
}

/* Wrapped UTF-8 text: every line valid, none wider than 29 columns. */
static void
test_utf8_wrap(void)
{
	static const char	*words[] = {
		"na\xc3\xafve", "\xe4\xb8\xad\xe6\x96\x87", "caf\xc3\xa9",
		"e\xcc\x81t\xcc\x81", "\xf0\x9f\x98\x80", ("stra\xc3\x9f" "e"),
		"\xce\xb1\xce\xb2\xce\xb3", "\xd0\xb4\xd0\xb0",
	};
	struct gemtext_ctx	 ctx;
	struct buf		 in, b, text;
	size_t			 i, j, lines, minfill;

	memset(&ctx, 0, sizeof(ctx));
	ctx.host = "h";
	ctx.port = 70;
	ctx.dir = "/d/";
	buf_init(&in);
	buf_init(&b);
	buf_init(&text);
	/* Words of every length against every position of the edge. */
	for (i = 0; i < 300; i++) {
		buf_adds(&in, words[i % 8]);
		for (j = 0; j < i % 3; j++)
			buf_adds(&in, words[(i + j) % 8]);
		buf_addc(&in, ' ');
	}
	in.len--;	/* the last space */
	render(in.data, in.len, &ctx, &b);
	check_menu("UTF-8 paragraph", &b);
	rejoin(&b, &text, &lines, &minfill, GOPHER_WRAP_DEFAULT);
	UNIT_CHECK(lines > 10 && text.len == in.len &&
	    memcmp(text.data, in.data, in.len) == 0,
	    "UTF-8 paragraph: lines joined by spaces give the text back");
	/*
	 * No word is wider than 18 columns, so no line but the last is
	 * short of 29 - 19: the next word did not fit.
	 */
	UNIT_CHECK(minfill >= GOPHER_WRAP_DEFAULT - 19,
	    "UTF-8 paragraph: every line but the last is filled");

	buf_reset(&in);
	buf_adds(&in, "* ");
	for (i = 0; i < 200; i++)
		buf_adds(&in, "\xe4\xb8\xad");
	buf_adds(&in, "\n> ");
	for (i = 0; i < 200; i++)
		buf_adds(&in, "\xc3\xa9");
	buf_adds(&in, "\n```\n");
	for (i = 0; i < 200; i++)
		buf_adds(&in, "\xf0\x9f\x98\x80");
	buf_adds(&in, "\n```\n");
	render(in.data, in.len, &ctx, &b);
	check_menu("UTF-8 item, quote and pre without spaces", &b);
	buf_free(&in);
	buf_free(&b);
	buf_free(&text);
}

/* The widest display string of b's lines (underlines included). */
static size_t
widest(const struct buf *b)
{
	const char	*p = b->data, *end = b->data + b->len, *tab, *lf;
	size_t		 cols, max = 0;

	while (p < end && (tab = memchr(p, '\t', end - p)) != NULL &&
	    (lf = memchr(tab, '\n', end - tab)) != NULL) {
		if ((cols = utf8_columns(p + 1, tab - p - 1)) > max)
			max = cols;
		p = lf + 1;
	}
	return max;
}

/*
 * Every width from GOPHER_WRAP_MIN to GOPHER_WRAP_MAX: a paragraph of
 * words up to 12 columns comes back whole, no line wider than the
 * width and none but the last short of width - 12; a long heading
 * and its underline, and a long link label, are no wider either.
 */
static void
test_every_width(void)
{
	static const char	 para[] = "Many health and care workers may "
	    "see leadership as a concept that is only relevant to very few of "
	    "us, and so prioritising our own leadership skills can fall by "
	    "the wayside when we are busy working within services with "
	    "little extra capacity.";
	static const char	 rest[] = "# Why it matters early in a health "
	    "and care career, and later\n=> next.gmi Next: 2. Why it matters "
	    "early in a health and care career, and later\n";
	struct gemtext_ctx	 ctx;
	struct buf		 b, text;
	size_t			 lines, minfill;
	int			 w, bad_width = 0, bad_fill = 0, bad_rest = 0;

	memset(&ctx, 0, sizeof(ctx));
	ctx.host = "h";
	ctx.port = 70;
	ctx.dir = "/d/";
	buf_init(&b);
	buf_init(&text);
	for (w = GOPHER_WRAP_MIN; w <= GOPHER_WRAP_MAX; w++) {
		ctx.wrap = w;
		render(para, sizeof(para) - 1, &ctx, &b);
		rejoin(&b, &text, &lines, &minfill, (size_t)w);
		if (widest(&b) > (size_t)w && bad_width == 0)
			bad_width = w;
		if ((minfill + 12 < (size_t)w || text.len != sizeof(para) - 1 ||
		    memcmp(text.data, para, text.len) != 0) && bad_fill == 0)
			bad_fill = w;
		render(rest, sizeof(rest) - 1, &ctx, &b);
		if ((widest(&b) > (size_t)w || b.failed) && bad_rest == 0)
			bad_rest = w;
	}
	UNIT_CHECK(bad_width == 0, "every width: no paragraph line wider "
	    "(first bad: %d)", bad_width);
	UNIT_CHECK(bad_fill == 0, "every width: paragraph whole and filled "
	    "(first bad: %d)", bad_fill);
	UNIT_CHECK(bad_rest == 0, "every width: no heading, underline or "
	    "label line wider (first bad: %d)", bad_rest);
	buf_free(&b);
	buf_free(&text);
}

struct kind_seen {
	char	path[64];
	int	calls;
};

/* A capsule in which a path without an extension is a directory. */
static char
kind_dirs(void *arg, const char *path, size_t len)
{
	struct kind_seen	*seen = arg;
	const char		*slash;
	size_t			 n;

	n = len < sizeof(seen->path) - 1 ? len : sizeof(seen->path) - 1;
	memcpy(seen->path, path, n);
	seen->path[n] = '\0';
	seen->calls++;
	for (slash = path + len; slash > path && slash[-1] != '/'; slash--)
		;
	if (memchr(slash, '.', len - (slash - path)) == NULL)
		return '1';
	return '\0';
}

static void
test_kind(void)
{
	static const char *const	 aliases[] = { "alias.org", NULL };
	struct gemtext_ctx		 ctx;
	struct kind_seen		 seen;
	struct buf			 b;

	memset(&ctx, 0, sizeof(ctx));
	memset(&seen, 0, sizeof(seen));
	ctx.host = "h";
	ctx.port = 70;
	ctx.dir = "/d/";
	ctx.kind = kind_dirs;
	ctx.arg = &seen;
	buf_init(&b);

	render(S("=> about About\n"), &ctx, &b);
	UNIT_STR_EQ("kind: path without extension is a menu", b.data, b.len,
	    ITEM("1", "About", "/d/about"));
	UNIT_CHECK(seen.calls == 1 && strcmp(seen.path, "/d/about") == 0,
	    "kind: called once with the resolved path");

	render(S("=> file.txt F\n"), &ctx, &b);
	UNIT_STR_EQ("kind: '\\0' falls back to the extension", b.data, b.len,
	    ITEM("0", "F", "/d/file.txt"));

	seen.calls = 0;
	render(S("=> https://e.org/x W\n"), &ctx, &b);
	UNIT_CHECK(seen.calls == 0, "kind: not asked about remote links");

	render(S("=> gemini://h/about A\n"), &ctx, &b);
	UNIT_STR_EQ("kind: asked about gemini://our-host/ links", b.data,
	    b.len, ITEM("1", "A", "/about"));

	ctx.aliases = aliases;
	render(S("=> gemini://alias.org/x.gmi X\n"), &ctx, &b);
	UNIT_STR_EQ("aliases: gemini://alias/ is local", b.data, b.len,
	    ITEM("1", "X", "/x.gmi"));
	render(S("=> //ALIAS.org/x.txt X\n"), &ctx, &b);
	UNIT_STR_EQ("aliases: //ALIAS/ is local", b.data, b.len,
	    ITEM("0", "X", "/x.txt"));
	buf_free(&b);
}

int
main(void)
{
	UNIT_PLAN(231 + 2 * 15 + 3);
	test_table();
	test_width_table();
	test_every_width();
	test_utf8_wrap();
	test_kind();
	UNIT_DONE();
}
