/*
 * words.c: what a word is, for the search.  Cuts text into words: runs of
 * letters and digits, case-folded (ASCII, Latin-1, Latin Extended-A,
 * Greek, Cyrillic), everything else a separator, an apostrophe inside a
 * word dropped ("it's" is "its"); a byte that is not UTF-8 separates and
 * a character is never split.  Pages and queries are cut by the same
 * rules, so that they meet.  Also knows where the visible text of a
 * gemtext line begins.  Pure: no I/O, no allocation.
 */

#include <string.h>

#include "search.h"
#include "utf8.h"

/*
 * The case-folded form of a code point that belongs to a word, or 0 for
 * a separator: punctuation, symbols, spaces and controls of every
 * script, so that "it's," and "(it's)" give the same word.
 */
static uint32_t
words_fold(uint32_t c)
{
	if (c < 0x80) {
		if (c >= 'A' && c <= 'Z')
			return c + 0x20;
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
			return c;
		return 0;
	}
	if (c < 0xc0)		/* Latin-1 signs; ª µ º are letters */
		return c == 0xaa || c == 0xb5 || c == 0xba ? c : 0;
	if (c == 0xd7 || c == 0xf7)	/* × ÷ */
		return 0;
	if (c <= 0xde)
		return c + 0x20;
	if (c <= 0xff)
		return c;
	if (c <= 0x17f) {	/* Latin Extended-A: pairs */
		if (c == 0x130)
			return 'i';
		if (c == 0x178)
			return 0xff;
		if ((c < 0x138 || (c >= 0x14a && c < 0x178)) && c % 2 == 0)
			return c + 1;
		if (((c > 0x138 && c < 0x149) || (c > 0x178 && c < 0x17f)) &&
		    c % 2 == 1)
			return c + 1;
		return c;
	}
	if (c >= 0x391 && c <= 0x3a9 && c != 0x3a2)	/* Greek */
		return c + 0x20;
	if (c >= 0x410 && c <= 0x42f)			/* Cyrillic */
		return c + 0x20;
	if (c >= 0x400 && c <= 0x40f)
		return c + 0x50;
	if ((c >= 0x2000 && c <= 0x2bff) ||	/* punctuation, symbols */
	    (c >= 0x2e00 && c <= 0x2e7f) || (c >= 0x3000 && c <= 0x303f) ||
	    (c >= 0xd800 && c <= 0xf8ff) || (c >= 0xfe10 && c <= 0xfe6f) ||
	    (c >= 0xff00 && c <= 0xff0f) || (c >= 0xff1a && c <= 0xff20) ||
	    (c >= 0xff3b && c <= 0xff40) || (c >= 0xff5b && c <= 0xff65) ||
	    c == 0xfeff || c >= 0xfff0 ||
	    (c >= 0x1f000 && c <= 0x1faff) || c >= 0xe0000)
		return 0;
	return c;
}

/* An apostrophe inside a word is dropped: "it's" is the word "its". */
static int
words_apostrophe(uint32_t c)
{
	return c == '\'' || c == 0x2019 || c == 0x2bc;
}

static size_t
words_encode(uint32_t c, char *p)
{
	if (c < 0x80) {
		p[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		p[0] = (char)(0xc0 | (c >> 6));
		p[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		p[0] = (char)(0xe0 | (c >> 12));
		p[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		p[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	p[0] = (char)(0xf0 | (c >> 18));
	p[1] = (char)(0x80 | ((c >> 12) & 0x3f));
	p[2] = (char)(0x80 | ((c >> 6) & 0x3f));
	p[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

/* The folded code point at s (0: separator), its length in *n. */
static uint32_t
words_char(const char *s, size_t len, size_t *n)
{
	uint32_t	cp;

	if ((*n = utf8_next(s, len, &cp)) == 0) {
		*n = 1;		/* a byte that is not UTF-8 separates */
		return 0;
	}
	return words_fold(cp);
}

/*
 * The next word of s at or after *off: its folded form goes into term
 * (SEARCH_TERM_MAX + 1 bytes, NUL-terminated; a longer word is cut at a
 * character boundary), *start is its byte offset in s, and *off moves
 * past it.  Returns the folded length, 0 when no word is left.
 */
size_t
words_next(const char *s, size_t len, size_t *off, char *term, size_t *start)
{
	char		 enc[4];
	size_t		 i = *off, n, m, e, tlen = 0;
	uint32_t	 f, cp;
	int		 inword = 0, full = 0;

	while (i < len) {
		f = words_char(s + i, len - i, &n);
		if (f == 0 && inword && utf8_next(s + i, len - i, &cp) != 0 &&
		    words_apostrophe(cp) && i + n < len &&
		    words_char(s + i + n, len - i - n, &m) != 0) {
			i += n;
			continue;
		}
		if (f == 0) {
			if (inword)
				break;
			i += n;
			continue;
		}
		if (!inword) {
			inword = 1;
			*start = i;
		}
		e = words_encode(f, enc);
		if (!full && tlen + e <= SEARCH_TERM_MAX) {
			memcpy(term + tlen, enc, e);
			tlen += e;
		} else
			full = 1;
		i += n;
	}
	*off = i;
	term[tlen] = '\0';
	return tlen;
}

static size_t
words_skip_space(const char *s, size_t i, size_t len)
{
	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	return i;
}

/*
 * Where the visible text of a gemtext line starts: after a heading's
 * '#'s, a list bullet, a quote mark, or a link's URL.
 */
size_t
words_line_text(const char *s, size_t len)
{
	size_t	i = 0;

	if (len >= 2 && s[0] == '=' && s[1] == '>') {
		i = words_skip_space(s, 2, len);
		while (i < len && s[i] != ' ' && s[i] != '\t')
			i++;
		return words_skip_space(s, i, len);
	}
	if (len >= 1 && s[0] == '#') {
		while (i < len && s[i] == '#')
			i++;
		return words_skip_space(s, i, len);
	}
	if (len >= 2 && s[0] == '*' && s[1] == ' ')
		return words_skip_space(s, 2, len);
	if (len >= 1 && s[0] == '>')
		return words_skip_space(s, 1, len);
	return 0;
}
