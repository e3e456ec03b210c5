/*
 * scan.c: the configuration file's scanner and the small helpers every
 * directive uses: the next token (words, "quoted strings", braces, ends
 * of line; # comments skipped), "file:line: message" errors, strings
 * that must fit, numbers in a range, directives given once per scope.
 * It knows no directive; parse.c does.
 */

#include <sys/types.h>

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capsuled.h"
#include "log.h"
#include "scan.h"
#include "utf8.h"

static char	scan_err[PATH_MAX + 256];

/* Report "file:line: message" and fail. */
int
scan_error(struct parse *ps, int line, const char *fmt, ...)
{
	char	msg[PATH_MAX + 128], raw[sizeof(scan_err)];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/*
	 * The message may quote the file's words and strings, and it
	 * reaches a terminal or a log: no control character in it.
	 */
	snprintf(raw, sizeof(raw), "%s:%d: %s", ps->file, line, msg);
	log_sanitize(scan_err, sizeof(scan_err), raw);
	*ps->errstr = scan_err;
	return -1;
}

/* The scanner ----------------------------------------------------- */

/* Words are keywords, numbers and addresses: printable ASCII. */
static int
scan_wordchar(int c)
{
	return c > ' ' && c < 0x7f && c != '"' && c != '{' && c != '}' &&
	    c != '#';
}

static int
scan_quoted(struct parse *ps)
{
	size_t	n = 0;
	int	c;

	ps->p++;			/* the opening quote */
	for (;;) {
		if (ps->p == ps->end || *ps->p == '\n')
			return scan_error(ps, ps->tokline,
			    "unterminated string");
		c = (unsigned char)*ps->p++;
		if (c == '"')
			break;
		if (c == '\\') {
			if (ps->p == ps->end || (*ps->p != '"' &&
			    *ps->p != '\\'))
				return scan_error(ps, ps->line,
				    "bad escape in string (only \\\" and "
				    "\\\\)");
			c = (unsigned char)*ps->p++;
		} else if (utf8_control(ps->p - 1, ps->end - ps->p + 1) != 0)
			return scan_error(ps, ps->line,
			    "control character in string");
		if (n == CONF_TOKEN_MAX)
			return scan_error(ps, ps->tokline,
			    "string too long (%d bytes at most)",
			    CONF_TOKEN_MAX);
		ps->text[n++] = (char)c;
	}
	ps->text[n] = '\0';
	ps->tok = TOK_STRING;
	return 0;
}

/* Move to the next token. */
int
scan_next(struct parse *ps)
{
	size_t	n;
	int	c;

	for (;;) {
		if (ps->p == ps->end) {
			ps->tok = TOK_EOF;
			ps->tokline = ps->line;
			strlcpy(ps->text, "end of file", sizeof(ps->text));
			return 0;
		}
		c = (unsigned char)*ps->p;
		if (c == '#') {
			while (ps->p < ps->end && *ps->p != '\n')
				ps->p++;
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\r') {
			ps->p++;
			continue;
		}
		break;
	}
	ps->tokline = ps->line;
	if (c == '\n') {
		ps->line++;
		ps->p++;
		ps->tok = TOK_NL;
		strlcpy(ps->text, "end of line", sizeof(ps->text));
		return 0;
	}
	if (c == '{' || c == '}') {
		ps->p++;
		ps->tok = c == '{' ? TOK_LBRACE : TOK_RBRACE;
		ps->text[0] = (char)c;
		ps->text[1] = '\0';
		return 0;
	}
	if (c == '"')
		return scan_quoted(ps);
	if (!scan_wordchar(c))
		return scan_error(ps, ps->line, "unexpected character 0x%02x",
		    c);
	for (n = 0; ps->p < ps->end && scan_wordchar((unsigned char)*ps->p);
	    n++) {
		if (n == CONF_TOKEN_MAX)
			return scan_error(ps, ps->line, "word too long");
		ps->text[n] = *ps->p++;
	}
	ps->text[n] = '\0';
	ps->tok = TOK_WORD;
	return 0;
}

/* Helpers for directives ----------------------------------------- */

int
scan_is(struct parse *ps, const char *word)
{
	return ps->tok == TOK_WORD && strcmp(ps->text, word) == 0;
}

int
scan_unexpected(struct parse *ps, const char *want)
{
	if (ps->tok == TOK_STRING)
		return scan_error(ps, ps->tokline, "expected %s, got \"%s\"",
		    want, ps->text);
	return scan_error(ps, ps->tokline, "expected %s, got %s", want,
	    ps->text);
}

/* A single-valued directive may appear once per scope. */
int
scan_once(struct parse *ps, const char *what)
{
	int	i;

	for (i = 0; i < ps->nseen; i++)
		if (strcmp(ps->seen[i], what) == 0)
			return scan_error(ps, ps->tokline, "%s given twice",
			    what);
	if (ps->nseen < PARSE_SEEN_MAX)
		ps->seen[ps->nseen++] = what;
	return 0;
}

/* The next token is a quoted string that must fit into buf. */
int
scan_string(struct parse *ps, const char *what, char *buf, size_t size)
{
	if (scan_next(ps) == -1)
		return -1;
	if (ps->tok != TOK_STRING)
		return scan_unexpected(ps, "a quoted string");
	if (ps->text[0] == '\0')
		return scan_error(ps, ps->tokline, "%s: empty string", what);
	if (strlcpy(buf, ps->text, size) >= size)
		return scan_error(ps, ps->tokline, "%s: too long (%zu bytes "
		    "at most)", what, size - 1);
	return 0;
}

/*
 * The next token is a number from min to max.  With scale, a K, M or G
 * suffix multiplies by 1024, 1024 * 1024 or 1024 * 1024 * 1024.
 */
int
scan_number(struct parse *ps, const char *what, long long min,
    long long max, int scale, long long *out)
{
	if (scan_next(ps) == -1)
		return -1;
	return scan_number_here(ps, what, min, max, scale, out);
}

/*
 * A directive that takes one number, given once: DIRECTIVE N, with N in
 * [min, max], stored in *dst.
 */
int
scan_int_once(struct parse *ps, const char *what, long long min,
    long long max, int *dst)
{
	long long	n;

	if (scan_once(ps, what) == -1 ||
	    scan_number(ps, what, min, max, 0, &n) == -1)
		return -1;
	*dst = (int)n;
	return 0;
}

/* A directive given once with an absolute path: copied into buf. */
int
scan_path_once(struct parse *ps, const char *what, char *buf, size_t size)
{
	if (scan_once(ps, what) == -1 ||
	    scan_string(ps, what, buf, size) == -1)
		return -1;
	if (buf[0] != '/')
		return scan_error(ps, ps->tokline, "%s: \"%s\" is not an "
		    "absolute path", what, buf);
	return 0;
}

/* A directive given once with on or off: 1 or 0 in *dst. */
int
scan_on_off_once(struct parse *ps, const char *what, int *dst)
{
	if (scan_once(ps, what) == -1 || scan_next(ps) == -1)
		return -1;
	if (scan_is(ps, "on"))
		*dst = 1;
	else if (scan_is(ps, "off"))
		*dst = 0;
	else
		return scan_unexpected(ps, "on or off");
	return 0;
}

/* The same, for the token already read. */
int
scan_number_here(struct parse *ps, const char *what, long long min,
    long long max, int scale, long long *out)
{
	char		 digits[32];
	const char	*e;
	long long	 mult = 1, n;
	size_t		 len;

	if (ps->tok != TOK_WORD)
		return scan_unexpected(ps, "a number");
	len = strlen(ps->text);
	if (scale && len > 1 && (ps->text[len - 1] == 'K' ||
	    ps->text[len - 1] == 'M' || ps->text[len - 1] == 'G')) {
		mult = ps->text[len - 1] == 'K' ? 1024 :
		    ps->text[len - 1] == 'M' ? 1024 * 1024 : 1024 * 1024 * 1024;
		len--;
	}
	if (len == 0 || len >= sizeof(digits) ||
	    strspn(ps->text, "0123456789") != len)
		return scan_error(ps, ps->tokline, "%s: \"%s\" is not a "
		    "number", what, ps->text);
	memcpy(digits, ps->text, len);
	digits[len] = '\0';
	n = strtonum(digits, 0, max / mult, &e);
	if (e != NULL || n * mult < min)
		return scan_error(ps, ps->tokline, "%s: %s is out of range "
		    "(%lld to %lld)", what, ps->text, min, max);
	*out = n * mult;
	return 0;
}

