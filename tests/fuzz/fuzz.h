/*
 * fuzz.h: what the libFuzzer harnesses share: a checked abort that says
 * which property broke, and the oracle for a Gopher menu, the property
 * every menu line capsuled writes must have (docs/design.md section 4): four
 * fields separated by TABs and ended by CRLF, no TAB, CR, LF, NUL or
 * other control character (C0, DEL or C1) inside a field, a printable
 * one-character type, a display string of valid UTF-8 at most
 * GOPHER_COLUMNS wide (GOPHER_PRE_COLUMNS for an info line, which may
 * hold preformatted text), a port from 1 to 65535, and no line that is
 * just ".".
 */

#ifndef FUZZ_H
#define FUZZ_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capsuled.h"
#include "utf8.h"

#define FUZZ_ASSERT(cond, what) do {					\
	if (!(cond)) {							\
		fprintf(stderr, "fuzz: property broken: %s (%s:%d)\n",	\
		    (what), __FILE__, __LINE__);			\
		fuzz_show_line();					\
		abort();						\
	}								\
} while (0)

/* No C0 control, DEL, or C1 control (U+0080-U+009F: 0xc2 0x80-0x9f). */
static inline int
fuzz_no_controls(const char *s, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i;

	for (i = 0; i < len; i++) {
		if (p[i] < 0x20 || p[i] == 0x7f)
			return 0;
		if (p[i] == 0xc2 && i + 1 < len && p[i + 1] >= 0x80 &&
		    p[i + 1] <= 0x9f)
			return 0;
	}
	return 1;
}

/* Show the line being checked, escaped, should a property break. */
static const char	*fuzz_line;
static size_t		 fuzz_linelen;

static inline void
fuzz_show_line(void)
{
	size_t	i;

	if (fuzz_line == NULL)
		return;
	fprintf(stderr, "fuzz: in line \"");
	for (i = 0; i < fuzz_linelen; i++) {
		unsigned char	c = fuzz_line[i];

		if (c < 0x20 || c >= 0x7f || c == '\\' || c == '"')
			fprintf(stderr, "\\x%02x", c);
		else
			fputc(c, stderr);
	}
	fprintf(stderr, "\"\n");
}

/* One menu line, without its CRLF. */
static inline void
fuzz_menu_line(const char *s, size_t len)
{
	const char	*f[4], *tab;
	size_t		 fl[4], nf = 0, off = 0, i;
	long		 port = 0;

	FUZZ_ASSERT(len >= 1, "empty menu line");
	FUZZ_ASSERT(!(len == 1 && s[0] == '.'), "a line that is just \".\"");
	FUZZ_ASSERT((unsigned char)s[0] > 0x20 && (unsigned char)s[0] < 0x7f,
	    "item type is one printable character");
	while (nf < 4) {
		tab = memchr(s + off, '\t', len - off);
		f[nf] = s + off;
		fl[nf] = tab != NULL ? (size_t)(tab - (s + off)) : len - off;
		nf++;
		if (tab == NULL)
			break;
		off = (size_t)(tab - s) + 1;
	}
	FUZZ_ASSERT(nf == 4 && f[3] + fl[3] == s + len,
	    "exactly four TAB-separated fields");
	for (i = 0; i < 4; i++)
		FUZZ_ASSERT(fuzz_no_controls(f[i], fl[i]),
		    "no control byte inside a field");
	FUZZ_ASSERT(utf8_valid(f[0] + 1, fl[0] - 1),
	    "display string is UTF-8");
	if (s[0] == 'i')
		FUZZ_ASSERT(utf8_columns(f[0] + 1, fl[0] - 1) <=
		    GOPHER_PRE_COLUMNS, "info line fits GOPHER_PRE_COLUMNS");
	else
		FUZZ_ASSERT(utf8_columns(f[0] + 1, fl[0] - 1) <=
		    GOPHER_COLUMNS, "display string fits GOPHER_COLUMNS");
	FUZZ_ASSERT(fl[3] >= 1 && fl[3] <= 5, "port has 1 to 5 digits");
	for (i = 0; i < fl[3]; i++) {
		FUZZ_ASSERT(f[3][i] >= '0' && f[3][i] <= '9',
		    "port is decimal");
		port = port * 10 + (f[3][i] - '0');
	}
	FUZZ_ASSERT(port >= 1 && port <= 65535, "port in 1..65535");
	FUZZ_ASSERT(fl[2] >= 1, "host is not empty");
}

/* A whole menu body (no end marker): CRLF-terminated lines only. */
static inline void
fuzz_menu(const char *s, size_t len)
{
	const char	*cr;
	size_t		 n;

	while (len > 0) {
		cr = memchr(s, '\r', len);
		fuzz_line = s;
		fuzz_linelen = len;
		FUZZ_ASSERT(cr != NULL, "menu line ends with CRLF");
		n = (size_t)(cr - s);
		FUZZ_ASSERT(n + 1 < len && cr[1] == '\n',
		    "CR only as part of CRLF");
		FUZZ_ASSERT(memchr(s, '\n', n) == NULL, "no bare LF in a line");
		fuzz_line = s;
		fuzz_linelen = n;
		fuzz_menu_line(s, n);
		s += n + 2;
		len -= n + 2;
	}
}

#endif /* FUZZ_H */
