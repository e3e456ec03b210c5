/*
 * utf8.c: UTF-8 validation and display width.  Pure functions over byte
 * ranges; no locale, no allocation.  Width follows the usual terminal
 * rules closely enough for menus: combining marks take no column, East
 * Asian wide characters and emoji take two, everything else one.
 */

#include <stddef.h>
#include <stdint.h>

#include "utf8.h"


/*
 * Length of the well-formed UTF-8 character at s (at most len bytes), or
 * 0 when the bytes are not one: overlong forms, surrogates and values
 * past U+10FFFF are rejected, as RFC 3629 requires.
 */
static size_t
utf8_decode(const char *s, size_t len, uint32_t *cp)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 n, i;
	uint32_t		 c;

	if (len == 0)
		return 0;
	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		n = 2;
		c = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3;
		c = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4;
		c = p[0] & 0x07;
	} else
		return 0;
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && c < 0x10000) ||
	    c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

int
utf8_valid(const char *s, size_t len)
{
	uint32_t	cp;
	size_t		n;

	while (len > 0) {
		if ((n = utf8_decode(s, len, &cp)) == 0)
			return 0;
		s += n;
		len -= n;
	}
	return 1;
}

/*
 * Bytes of the control character at s, or 0 when it is none: C0 (below
 * 0x20), DEL, and C1 (U+0080 to U+009F, two bytes in UTF-8: 0xc2 0x80 to
 * 0xc2 0x9f), which terminals obey as well (0xc2 0x9b is CSI).  Every
 * place that keeps control bytes out of menus, pages and logs asks this,
 * so that C1 is never let through where C0 is not.
 */
size_t
utf8_control(const char *s, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;

	if (len == 0)
		return 0;
	if (p[0] < 0x20 || p[0] == 0x7f)
		return 1;
	if (p[0] == 0xc2 && len >= 2 && p[1] >= 0x80 && p[1] <= 0x9f)
		return 2;
	return 0;
}

size_t
utf8_charlen(const char *s, size_t len)
{
	uint32_t	cp;

	return utf8_decode(s, len, &cp);
}

/* The character at s: its length (0: not UTF-8) and its code point. */
size_t
utf8_next(const char *s, size_t len, uint32_t *cp)
{
	return utf8_decode(s, len, cp);
}

static int
utf8_width(uint32_t c)
{
	if (c < 0x0300)		/* below every range that follows */
		return 1;
	if ((c >= 0x0300 && c <= 0x036f) || (c >= 0x200b && c <= 0x200f) ||
	    (c >= 0xfe00 && c <= 0xfe0f) || (c >= 0x20d0 && c <= 0x20ff))
		return 0;
	if ((c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0xa4cf) ||
	    (c >= 0xac00 && c <= 0xd7a3) || (c >= 0xf900 && c <= 0xfaff) ||
	    (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff60) ||
	    (c >= 0xffe0 && c <= 0xffe6) || (c >= 0x1f300 && c <= 0x1f64f) ||
	    (c >= 0x1f900 && c <= 0x1f9ff) || (c >= 0x20000 && c <= 0x3fffd))
		return 2;
	return 1;
}

/* Display columns of s; a byte that is not UTF-8 counts as one column. */
size_t
utf8_columns(const char *s, size_t len)
{
	uint32_t	cp;
	size_t		n, cols = 0;

	while (len > 0) {
		if ((n = utf8_decode(s, len, &cp)) == 0) {
			n = 1;
			cp = '?';
		}
		cols += utf8_width(cp);
		s += n;
		len -= n;
	}
	return cols;
}

/*
 * Bytes of the longest prefix of s that fits in maxcols columns, ending
 * on a character boundary (combining marks stay with their base).
 */
size_t
utf8_cut(const char *s, size_t len, size_t maxcols)
{
	uint32_t	cp;
	size_t		n, off = 0, cols = 0;
	int		w;

	while (off < len) {
		/* ASCII: one byte, one column, nothing to decode. */
		if ((unsigned char)s[off] < 0x80) {
			if (cols + 1 > maxcols)
				break;
			cols++;
			off++;
			continue;
		}
		if ((n = utf8_decode(s + off, len - off, &cp)) == 0) {
			n = 1;
			cp = '?';
		}
		w = utf8_width(cp);
		if (cols + w > maxcols)
			break;
		cols += w;
		off += n;
	}
	return off;
}
