/*
 * test_utf8.c: table-driven checks of utf8.c.  utf8_valid must accept
 * exactly the well-formed UTF-8 of RFC 3629 (no overlong forms, no
 * surrogates, nothing past U+10FFFF, nothing truncated); utf8_charlen
 * must agree with it; utf8_columns counts combining marks as zero
 * columns and East Asian wide characters as two; utf8_cut never splits a
 * character and never lets a wide character straddle the edge.
 */

#include <stdio.h>
#include <string.h>

#include "utf8.h"
#include "unit.h"

#define S(s)	(s), (sizeof(s) - 1)

struct valid_test {
	const char	*name;
	const char	*in;
	size_t		 len;
	int		 want;
};

static const struct valid_test valid_tests[] = {
	{ "valid: empty", S(""), 1 },
	{ "valid: ASCII", S("hello, world"), 1 },
	{ "valid: ASCII controls and DEL", S("\t\r\n\x7f"), 1 },
	{ "valid: NUL is a character", S("a\0b"), 1 },
	{ "valid: 2-byte U+00E9", S("caf\xc3\xa9"), 1 },
	{ "valid: 2-byte lowest U+0080", S("\xc2\x80"), 1 },
	{ "valid: 2-byte highest U+07FF", S("\xdf\xbf"), 1 },
	{ "valid: 3-byte U+20AC", S("\xe2\x82\xac"), 1 },
	{ "valid: 3-byte lowest U+0800", S("\xe0\xa0\x80"), 1 },
	{ "valid: 3-byte U+D7FF before surrogates", S("\xed\x9f\xbf"), 1 },
	{ "valid: 3-byte U+E000 after surrogates", S("\xee\x80\x80"), 1 },
	{ "valid: 3-byte U+FFFF", S("\xef\xbf\xbf"), 1 },
	{ "valid: BOM U+FEFF", S("\xef\xbb\xbf"), 1 },
	{ "valid: 4-byte U+1F600", S("\xf0\x9f\x98\x80"), 1 },
	{ "valid: 4-byte lowest U+10000", S("\xf0\x90\x80\x80"), 1 },
	{ "valid: 4-byte highest U+10FFFF", S("\xf4\x8f\xbf\xbf"), 1 },
	{ "valid: mixed", S("a\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80z"), 1 },
	{ "valid: refuses overlong C0 80", S("\xc0\x80"), 0 },
	{ "valid: refuses overlong C1 BF", S("\xc1\xbf"), 0 },
	{ "valid: refuses overlong E0 80 80", S("\xe0\x80\x80"), 0 },
	{ "valid: refuses overlong E0 9F BF", S("\xe0\x9f\xbf"), 0 },
	{ "valid: refuses overlong F0 80 80 80", S("\xf0\x80\x80\x80"), 0 },
	{ "valid: refuses overlong F0 8F BF BF", S("\xf0\x8f\xbf\xbf"), 0 },
	{ "valid: refuses surrogate ED A0 80", S("\xed\xa0\x80"), 0 },
	{ "valid: refuses surrogate ED BF BF", S("\xed\xbf\xbf"), 0 },
	{ "valid: refuses > U+10FFFF F4 90 80 80", S("\xf4\x90\x80\x80"), 0 },
	{ "valid: refuses F5 lead", S("\xf5\x80\x80\x80"), 0 },
	{ "valid: refuses FF", S("\xff"), 0 },
	{ "valid: refuses FE", S("\xfe"), 0 },
	{ "valid: refuses lone continuation 80", S("\x80"), 0 },
	{ "valid: refuses continuation after ASCII", S("a\xbf"), 0 },
	{ "valid: refuses truncated 2-byte", S("\xc3"), 0 },
	{ "valid: refuses truncated 3-byte", S("\xe2\x82"), 0 },
	{ "valid: refuses truncated 4-byte", S("\xf0\x9f\x98"), 0 },
	{ "valid: refuses truncated at end of text", S("abc\xe2\x82"), 0 },
	{ "valid: refuses ASCII in place of continuation", S("\xc3" "a"), 0 },
	{ "valid: refuses lead in place of continuation", S("\xe2\xc3\xa9"),
	    0 },
	{ "valid: refuses CESU-8 surrogate pair",
	    S("\xed\xa0\xbd\xed\xb8\x80"), 0 },
};

struct charlen_test {
	const char	*name;
	const char	*in;
	size_t		 len;
	size_t		 want;
};

static const struct charlen_test charlen_tests[] = {
	{ "charlen: ASCII", S("ab"), 1 },
	{ "charlen: 2-byte", S("\xc3\xa9z"), 2 },
	{ "charlen: 3-byte", S("\xe4\xb8\xad"), 3 },
	{ "charlen: 4-byte", S("\xf0\x9f\x98\x80"), 4 },
	{ "charlen: empty is 0", S(""), 0 },
	{ "charlen: truncated is 0", S("\xe4\xb8"), 0 },
	{ "charlen: continuation is 0", S("\xb8"), 0 },
	{ "charlen: overlong is 0", S("\xc0\x80"), 0 },
};

struct columns_test {
	const char	*name;
	const char	*in;
	size_t		 len;
	size_t		 want;
};

static const struct columns_test columns_tests[] = {
	{ "columns: empty", S(""), 0 },
	{ "columns: ASCII", S("hello"), 5 },
	{ "columns: precomposed e-acute", S("caf\xc3\xa9"), 4 },
	{ "columns: combining acute U+0301 is 0",
	    S("cafe\xcc\x81"), 4 },
	{ "columns: two combining marks", S("a\xcc\x81\xcc\xa7"), 1 },
	{ "columns: combining mark for symbols U+20D7", S("v\xe2\x83\x97"),
	    1 },
	{ "columns: zero width space U+200B", S("a\xe2\x80\x8b" "b"), 2 },
	{ "columns: variation selector U+FE0F", S("a\xef\xb8\x8f"), 1 },
	{ "columns: CJK U+4E2D is 2", S("\xe4\xb8\xad"), 2 },
	{ "columns: CJK U+4E2D U+6587 is 4", S("\xe4\xb8\xad\xe6\x96\x87"),
	    4 },
	{ "columns: Hangul U+D55C is 2", S("\xed\x95\x9c"), 2 },
	{ "columns: Hiragana U+3042 is 2", S("\xe3\x81\x82"), 2 },
	{ "columns: fullwidth A U+FF21 is 2", S("\xef\xbc\xa1"), 2 },
	{ "columns: emoji U+1F600 is 2", S("\xf0\x9f\x98\x80"), 2 },
	{ "columns: Greek alpha is 1", S("\xce\xb1"), 1 },
	{ "columns: mixed", S("a\xe4\xb8\xad" "b"), 4 },
	{ "columns: invalid byte counts 1", S("a\xff" "b"), 3 },
};

struct cut_test {
	const char	*name;
	const char	*in;
	size_t		 len;
	size_t		 maxcols;
	size_t		 want;	/* bytes */
};

static const struct cut_test cut_tests[] = {
	{ "cut: ASCII shorter than limit", S("abc"), 5, 3 },
	{ "cut: ASCII exactly at limit", S("abcde"), 5, 5 },
	{ "cut: ASCII over limit", S("abcdefg"), 5, 5 },
	{ "cut: zero columns", S("abc"), 0, 0 },
	{ "cut: empty", S(""), 5, 0 },
	{ "cut: 2-byte chars kept whole", S("\xc3\xa9\xc3\xa9\xc3\xa9"), 2,
	    4 },
	{ "cut: 3-byte chars kept whole", S("\xe2\x82\xac\xe2\x82\xac"), 1,
	    3 },
	{ "cut: 4-byte chars, wide", S("\xf0\x9f\x98\x80\xf0\x9f\x98\x80"), 2,
	    4 },
	{ "cut: wide char at the edge is left out",
	    S("a\xe4\xb8\xad"), 2, 1 },
	{ "cut: wide char that fits exactly is kept",
	    S("a\xe4\xb8\xad" "b"), 3, 4 },
	{ "cut: two wide chars in 3 columns", S("\xe4\xb8\xad\xe6\x96\x87"),
	    3, 3 },
	{ "cut: wide char in 1 column is left out", S("\xe4\xb8\xad"), 1,
	    0 },
	{ "cut: combining mark stays with its base",
	    S("e\xcc\x81" "x"), 1, 3 },
	{ "cut: base after a full line is cut with its mark",
	    S("ae\xcc\x81"), 1, 1 },
	{ "cut: invalid byte counts one column", S("\xff\xff\xff"), 2, 2 },
	{ "cut: truncated sequence at the end", S("ab\xe2\x82"), 3, 3 },
};

static void
test_valid(void)
{
	const struct valid_test	*t;
	size_t			 i;
	int			 got;

	for (i = 0; i < sizeof(valid_tests) / sizeof(valid_tests[0]); i++) {
		t = &valid_tests[i];
		got = utf8_valid(t->in, t->len);
		UNIT_CHECK(got == t->want, "%s", t->name);
		if (got != t->want)
			printf("#   want %d got %d\n", t->want, got);
	}
}

static void
test_charlen(void)
{
	const struct charlen_test	*t;
	size_t				 i, got;

	for (i = 0; i < sizeof(charlen_tests) / sizeof(charlen_tests[0]);
	    i++) {
		t = &charlen_tests[i];
		got = utf8_charlen(t->in, t->len);
		UNIT_CHECK(got == t->want, "%s", t->name);
		if (got != t->want)
			printf("#   want %zu got %zu\n", t->want, got);
	}
}

static void
test_columns(void)
{
	const struct columns_test	*t;
	size_t				 i, got;

	for (i = 0; i < sizeof(columns_tests) / sizeof(columns_tests[0]);
	    i++) {
		t = &columns_tests[i];
		got = utf8_columns(t->in, t->len);
		UNIT_CHECK(got == t->want, "%s", t->name);
		if (got != t->want)
			printf("#   want %zu got %zu\n", t->want, got);
	}
}

static void
test_cut(void)
{
	const struct cut_test	*t;
	size_t			 i, got;

	for (i = 0; i < sizeof(cut_tests) / sizeof(cut_tests[0]); i++) {
		t = &cut_tests[i];
		got = utf8_cut(t->in, t->len, t->maxcols);
		/* Show the bytes kept, so that a wrong cut is visible. */
		if (got <= t->len)
			unit_bytes_eq(t->name, t->in, got, t->in, t->want);
		else {
			UNIT_CHECK(0, "%s", t->name);
			printf("#   cut %zu bytes past the end\n",
			    got - t->len);
		}
	}
}

/*
 * Property: for every prefix width of a mixed string, the cut is valid
 * UTF-8, fits the limit, and one more character would not fit.
 */
static void
test_cut_property(void)
{
	static const char	s[] = "a\xc3\xa9\xe4\xb8\xad" "e\xcc\x81"
	    "\xf0\x9f\x98\x80" "b\xe6\x96\x87z";
	size_t			len = sizeof(s) - 1, max, n, next, bad = 0;

	for (max = 0; max <= utf8_columns(s, len) + 1; max++) {
		n = utf8_cut(s, len, max);
		if (n > len || !utf8_valid(s, n) || utf8_columns(s, n) > max)
			bad++;
		else if (n < len) {
			next = n + utf8_charlen(s + n, len - n);
			if (utf8_columns(s, next) <= max)
				bad++;
		}
	}
	UNIT_CHECK(bad == 0, "cut: every width gives a maximal valid prefix");
}

int
main(void)
{
	UNIT_PLAN(80);
	test_valid();
	test_charlen();
	test_columns();
	test_cut();
	test_cut_property();
	UNIT_DONE();
}
