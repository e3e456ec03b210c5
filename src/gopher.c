/*
 * gopher.c: the Gopher protocol's rules (RFC 1436 and the de-facto
 * practice of today's clients): reading a selector line, writing menu
 * lines, error items, the HTML page for "URL:" links and text escaping.
 * Pure functions over caller buffers; no sockets, no file system.
 */

#include <string.h>
#include <strings.h>

#include "capsuled.h"
#include "buf.h"
#include "gopher.h"
#include "uri.h"
#include "utf8.h"

#define GOPHER_ERROR_HOST	"error.host\t1"

/*
 * Is a whole request line in buf?  Gopher clients end it with CRLF or,
 * some of them, a bare LF; either is accepted.  *linelen is the length
 * before the LF.
 */
int
gopher_line_complete(const char *buf, size_t len, size_t *linelen)
{
	const char	*lf;

	if ((lf = memchr(buf, '\n', len)) == NULL)
		return 0;
	*linelen = lf - buf;
	return 1;
}

/*
 * Gopher+ marks what follows the selector ("+", "!", "$", a view such
 * as "+text/plain", attributes such as "!+ABSTRACT"); we serve plain
 * Gopher and ignore them.  Anything else is a search string, so that a
 * search for "+word" still searches.
 */
static int
gopher_is_plus(const char *f, size_t len)
{
	size_t	i;

	if (len == 0 || strchr("+!$", f[0]) == NULL)
		return 0;
	if (len == 1 || f[1] == '+')
		return 1;
	if (f[0] != '+' || memchr(f, ' ', len) != NULL)
		return 0;
	/* A view has a slash; an attribute name is upper case. */
	if (memchr(f, '/', len) != NULL)
		return 1;
	for (i = 1; i < len; i++)
		if (f[i] < 'A' || f[i] > 'Z')
			return 0;
	return 1;
}

/*
 * Parse one request line (without its LF) into req.  The selector
 * becomes a normalized absolute path ("" and "/" are the root, a missing
 * leading slash is supplied), or a URL for "URL:" selectors.  The search
 * string, if any, points into line.
 */
int
gopher_parse_request(const char *line, size_t len, struct gopher_request *req,
    const char **errstr)
{
	const char	*tab, *sel = line;
	size_t		 sellen, restlen, n;

	memset(req, 0, offsetof(struct gopher_request, path));
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len > GOPHER_REQUEST_MAX) {
		*errstr = "request too long";
		return -1;
	}
	if (memchr(line, '\0', len) != NULL || memchr(line, '\r', len) ||
	    !utf8_valid(line, len)) {
		*errstr = "malformed request";
		return -1;
	}
	tab = memchr(line, '\t', len);
	sellen = tab != NULL ? (size_t)(tab - line) : len;
	if (tab != NULL) {
		const char	*f = tab + 1, *tab2;

		restlen = len - sellen - 1;
		tab2 = memchr(f, '\t', restlen);
		n = tab2 != NULL ? (size_t)(tab2 - f) : restlen;
		if (!gopher_is_plus(f, n)) {
			req->search = f;
			req->searchlen = n;
		}
	}
	for (n = 0; n < sellen; n++) {
		if (utf8_control(sel + n, sellen - n) != 0) {
			*errstr = "control character in selector";
			return -1;
		}
	}
	if (sellen >= 4 && memcmp(sel, "URL:", 4) == 0) {
		req->url = 1;
		memcpy(req->path, sel + 4, sellen - 4);
		req->pathlen = sellen - 4;
		req->path[req->pathlen] = '\0';
		return 0;
	}
	n = 0;
	if (sellen == 0 || sel[0] != '/')
		req->path[n++] = '/';
	memcpy(req->path + n, sel, sellen);
	req->pathlen = n + sellen;
	req->path[req->pathlen] = '\0';
	return uri_path_normalize(req->path, &req->pathlen, errstr);
}

/*
 * Append display text to a menu line: no TAB, CR, LF or other control
 * character (C0, DEL or C1) may appear inside a field and each becomes
 * a space, bytes that are not UTF-8 become '?', and the text is cut to
 * maxcols columns at a character boundary.
 */
static void
gopher_add_display(struct buf *b, const char *s, size_t len, size_t maxcols)
{
	size_t	off = 0, n;

	len = utf8_cut(s, len, maxcols);
	while (off < len) {
		/* A run of printable ASCII goes in one copy. */
		for (n = 0; off + n < len && (unsigned char)s[off + n] >= 0x20 &&
		    (unsigned char)s[off + n] < 0x7f; n++)
			;
		if (n > 0) {
			buf_add(b, s + off, n);
			off += n;
			continue;
		}
		if ((n = utf8_control(s + off, len - off)) != 0) {
			buf_addc(b, ' ');
			off += n;
		} else if ((n = utf8_charlen(s + off, len - off)) == 0) {
			buf_addc(b, '?');
			off++;
		} else {
			buf_add(b, s + off, n);
			off += n;
		}
	}
}

/*
 * A selector or host must not break the line (TAB, CR, LF, NUL) and
 * must be something a client can send back: we refuse selectors with
 * control bytes, so an item that had one could never be followed.
 */
static int
gopher_field_ok(const char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++)
		if (utf8_control(s + i, len - i) != 0)
			return 0;
	return 1;
}

/*
 * "TAB host TAB port CRLF", the end of every menu line, without printf:
 * a page of short lines is mostly this, millions of times.
 */
static void
gopher_add_end(struct buf *b, const char *host, int port)
{
	char		digits[12];
	size_t		n = sizeof(digits);
	unsigned	p = port > 0 ? (unsigned)port : 0;

	buf_addc(b, '\t');
	buf_adds(b, host);
	buf_addc(b, '\t');
	do
		digits[--n] = (char)('0' + p % 10);
	while ((p /= 10) > 0 && n > 0);
	buf_add(b, digits + n, sizeof(digits) - n);
	buf_add(b, "\r\n", 2);
}

/*
 * One menu item: type, display string, selector, host, port.  A
 * selector or host that would break the line's four fields is refused
 * (-1) and nothing is written; the caller decides what to show instead.
 */
int
gopher_item(struct buf *b, char type, const char *display, size_t dlen,
    const char *sel, size_t slen, const char *host, int port)
{
	/* The type is one printable ASCII character. */
	if (!gopher_field_ok(sel, slen) || *host == '\0' ||
	    !gopher_field_ok(host, strlen(host)) ||
	    (unsigned char)type < 0x21 || (unsigned char)type > 0x7e)
		return -1;
	buf_addc(b, type);
	gopher_add_display(b, display, dlen, GOPHER_COLUMNS);
	buf_addc(b, '\t');
	buf_add(b, sel, slen);
	gopher_add_end(b, host, port);
	return 0;
}

/* An info line ('i'), naming our own host and port as many clients want. */
void
gopher_info(struct buf *b, const char *text, size_t len, const char *host,
    int port)
{
	buf_addc(b, 'i');
	gopher_add_display(b, text, len, GOPHER_COLUMNS);
	buf_addc(b, '\t');
	gopher_add_end(b, host, port);
}

/*
 * An info line of preformatted text, kept whole up to GOPHER_PRE_COLUMNS
 * (clients scroll or wrap it; a cut would break ASCII art and code).
 */
void
gopher_info_pre(struct buf *b, const char *text, size_t len,
    const char *host, int port)
{
	buf_addc(b, 'i');
	gopher_add_display(b, text, len, GOPHER_PRE_COLUMNS);
	buf_addc(b, '\t');
	gopher_add_end(b, host, port);
}

/* A complete error reply: one type-3 item and the end marker. */
void
gopher_error(struct buf *b, const char *msg)
{
	buf_addc(b, '3');
	gopher_add_display(b, msg, strlen(msg), GOPHER_COLUMNS);
	buf_adds(b, "\t\t" GOPHER_ERROR_HOST "\r\n.\r\n");
}

static void
gopher_html_escape(struct buf *b, const char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++) {
		switch (s[i]) {
		case '&':
			buf_adds(b, "&amp;");
			break;
		case '<':
			buf_adds(b, "&lt;");
			break;
		case '>':
			buf_adds(b, "&gt;");
			break;
		case '"':
			buf_adds(b, "&quot;");
			break;
		case '\'':
			buf_adds(b, "&#39;");
			break;
		default:
			buf_addc(b, s[i]);
		}
	}
}

/*
 * Only these schemes become a live link or a refresh; anything else
 * (javascript:, data:, ...) is shown as text, escaped, and not followed.
 */
static int
gopher_url_safe(const char *url, size_t len)
{
	static const char *const	 ok[] = {
		"http://", "https://", "gemini://", "gopher://", "gophers://",
		"mailto:", "ftp://", "ircs://", "irc://", "finger://",
		"spartan://", "news:", "nntp://", "ssh://", "telnet://",
	};
	size_t				 i, n;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		n = strlen(ok[i]);
		if (len > n && strncasecmp(url, ok[i], n) == 0)
			return 1;
	}
	return 0;
}

/*
 * The page a client gets when it asks us for a "URL:" selector instead of
 * following the link itself: tiny HTML with the link, every byte of the
 * URL escaped so that it can never become markup or script.
 */
void
gopher_url_page(struct buf *b, const char *url, size_t len)
{
	int	safe = gopher_url_safe(url, len);

	buf_adds(b, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\n");
	if (safe) {
		buf_adds(b, "<meta http-equiv=\"refresh\" content=\"2; url=");
		gopher_html_escape(b, url, len);
		buf_adds(b, "\">\n");
	}
	buf_adds(b, "<title>Link</title></head>\n<body>\n<p>This Gopher link"
	    " leads to another protocol:</p>\n<p>");
	if (safe) {
		buf_adds(b, "<a href=\"");
		gopher_html_escape(b, url, len);
		buf_adds(b, "\">");
	}
	gopher_html_escape(b, url, len);
	if (safe)
		buf_adds(b, "</a>");
	buf_adds(b, "</p>\n</body></html>\n");
}

/*
 * Append a text file for Gopher type 0.  The bytes go as they are, but a
 * line that is exactly "." would end the transfer for a client that
 * reads to the terminator, so it is sent as ". " (a dot and a space).
 * Dot-stuffing it to ".." is no answer: lynx, sacc and curl all show the
 * two dots, and none of them needs the end marker, which sacc would
 * hide and lynx and curl show; ". " looks like the author's "." in all
 * three.  No end marker is sent.  Returns 1 if anything had to change.
 */
int
gopher_text(struct buf *b, const char *s, size_t len)
{
	size_t	off = 0, n, end;
	int	changed = 0;

	while (off < len) {
		const char	*lf = memchr(s + off, '\n', len - off);

		end = lf != NULL ? (size_t)(lf - s) : len;
		n = end - off;
		if ((n == 1 && s[off] == '.') ||
		    (n == 2 && s[off] == '.' && s[off + 1] == '\r')) {
			buf_adds(b, ". ");
			off++;
			changed = 1;
		}
		buf_add(b, s + off, end - off + (lf != NULL));
		off = end + (lf != NULL);
	}
	return changed;
}

/*
 * Render a hand-written gophermap for directory dir.  A line with a TAB
 * is an item, "Tdisplay<TAB>selector[<TAB>host[<TAB>port]]": a missing
 * host or port means ours, a selector without a leading '/' (and not
 * "URL:") is relative to dir.  A line without a TAB is an info line; a
 * line that is just "." ends the map.  The end marker is the caller's.
 */
void
gopher_map(struct buf *b, const char *s, size_t len, const char *dir,
    const char *host, int port)
{
	struct buf	 sel;
	const char	*lf, *f[4];
	size_t		 n, fl[4], nf, i, start;
	char		 hbuf[HOSTNAME_MAX + 1];
	long		 p;

	buf_init(&sel);
	while (len > 0) {
		lf = memchr(s, '\n', len);
		n = lf != NULL ? (size_t)(lf - s) : len;
		if (n > 0 && s[n - 1] == '\r')
			n--;
		if (n == 1 && s[0] == '.')
			break;
		for (nf = 0, start = 0, i = 0; i <= n && nf < 4; i++) {
			if (i == n || s[i] == '\t') {
				f[nf] = s + start;
				fl[nf++] = i - start;
				start = i + 1;
			}
		}
		if (nf == 1 || n == 0)
			gopher_info(b, s, n, host, port);
		else {
			buf_reset(&sel);
			if (fl[1] > 0 && f[1][0] != '/' &&
			    !(fl[1] >= 4 && memcmp(f[1], "URL:", 4) == 0))
				buf_adds(&sel, dir);
			buf_add(&sel, f[1], fl[1]);
			p = port;
			if (nf >= 3 && fl[2] > 0 && fl[2] <= HOSTNAME_MAX) {
				memcpy(hbuf, f[2], fl[2]);
				hbuf[fl[2]] = '\0';
				p = 70;
				/* A NUL would cut the host: no item then. */
				if (memchr(f[2], '\0', fl[2]) != NULL)
					hbuf[0] = '\0';
			} else
				strlcpy(hbuf, host, sizeof(hbuf));
			if (nf >= 4 && fl[3] > 0 && fl[3] < 6) {
				p = 0;
				for (i = 0; i < fl[3] && f[3][i] >= '0' &&
				    f[3][i] <= '9'; i++)
					p = p * 10 + (f[3][i] - '0');
				if (i != fl[3] || p < 1 || p > 65535)
					p = 70;
			}
			if (fl[0] == 0 || sel.failed ||
			    gopher_item(b, f[0][0], f[0] + 1, fl[0] - 1,
			    sel.data ? sel.data : "", sel.len, hbuf,
			    (int)p) == -1)
				gopher_info(b, f[0], fl[0], host, port);
		}
		if (lf == NULL)
			break;
		len -= lf - s + 1;
		s = lf + 1;
	}
	buf_free(&sel);
}
