/*
 * uri.c: RFC 3986 URI syntax, percent-decoding and dot segments.  Pure
 * functions over byte ranges: no I/O, no allocation except into a
 * caller's struct buf.  It knows URI grammar, not protocol policy: which
 * schemes, hosts and ports are acceptable is gemini.c's business.
 */

#include <arpa/inet.h>
#include <netinet/in.h>

#include <string.h>

#include "buf.h"
#include "uri.h"
#include "utf8.h"

static int
uri_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int
uri_is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
uri_is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
uri_is_unreserved(int c)
{
	return uri_is_alpha(c) || uri_is_digit(c) || c == '-' || c == '.' ||
	    c == '_' || c == '~';
}

static int
uri_is_subdelim(int c)
{
	return c != '\0' && strchr("!$&'()*+,;=", c) != NULL;
}

/*
 * A byte allowed in a path or query besides '%': RFC 3986 pchar, plus
 * '/' (and '?' in a query), plus any byte of a multi-byte UTF-8
 * sequence, so that an IRI sent by a client that did not encode it is
 * still read; the request as a whole is checked to be valid UTF-8.
 */
static int
uri_is_pchar(unsigned char c)
{
	return uri_is_unreserved(c) || uri_is_subdelim(c) || c == ':' ||
	    c == '@' || c >= 0x80;
}

/* Check that [s, s+len) holds only pchars, extra and %XX escapes. */
static int
uri_check_chars(const char *s, size_t len, const char *extra,
    const char **errstr)
{
	size_t	i;

	for (i = 0; i < len; i++) {
		unsigned char	c = s[i];

		if (c == '%') {
			if (len - i < 3) {
				*errstr = "truncated percent-encoding";
				return -1;
			}
			if (uri_hexval(s[i + 1]) == -1 ||
			    uri_hexval(s[i + 2]) == -1) {
				*errstr = "bad percent-encoding";
				return -1;
			}
			i += 2;
			continue;
		}
		if (c == '#') {
			*errstr = "fragment in request";
			return -1;
		}
		if (c < 0x20 || c == 0x7f) {
			*errstr = "control character in URI";
			return -1;
		}
		if (!uri_is_pchar(c) && strchr(extra, c) == NULL) {
			*errstr = "character not allowed in URI";
			return -1;
		}
	}
	return 0;
}

static int
uri_parse_scheme(const char *s, size_t len, struct uri *u, size_t *off,
    const char **errstr)
{
	size_t	i;

	if (len == 0 || !uri_is_alpha((unsigned char)s[0])) {
		*errstr = "missing scheme";
		return -1;
	}
	for (i = 1; i < len && s[i] != ':'; i++) {
		unsigned char	c = s[i];

		if (!uri_is_alpha(c) && !uri_is_digit(c) && c != '+' &&
		    c != '-' && c != '.') {
			*errstr = "missing scheme";
			return -1;
		}
	}
	if (i == len) {
		*errstr = "missing scheme";
		return -1;
	}
	u->scheme = s;
	u->schemelen = i;
	*off = i + 1;
	return 0;
}

static int
uri_parse_port(const char *s, size_t len, struct uri *u, const char **errstr)
{
	size_t	i;
	int	port = 0;

	if (len == 0)
		return 0;	/* "host:" means the default port */
	if (len > 5) {
		*errstr = "bad port";
		return -1;
	}
	for (i = 0; i < len; i++) {
		if (!uri_is_digit((unsigned char)s[i])) {
			*errstr = "bad port";
			return -1;
		}
		port = port * 10 + (s[i] - '0');
	}
	if (port > 65535) {
		*errstr = "bad port";
		return -1;
	}
	u->port = port;
	return 0;
}

static int
uri_check_ipliteral(const char *s, size_t len, const char **errstr)
{
	char			tmp[INET6_ADDRSTRLEN];
	struct in6_addr		a6;

	if (len == 0 || len >= sizeof(tmp)) {
		*errstr = "bad IP literal";
		return -1;
	}
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	if (inet_pton(AF_INET6, tmp, &a6) != 1) {
		*errstr = "bad IP literal";
		return -1;
	}
	return 0;
}

static int
uri_is_ipv4(const char *s, size_t len)
{
	char		tmp[INET_ADDRSTRLEN];
	struct in_addr	a4;

	if (len >= sizeof(tmp))
		return 0;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	return inet_pton(AF_INET, tmp, &a4) == 1;
}

static int
uri_parse_authority(const char *s, size_t len, struct uri *u,
    const char **errstr)
{
	const char	*colon;
	size_t		 i, hostlen;

	if (memchr(s, '@', len) != NULL) {
		*errstr = "userinfo in URI";
		return -1;
	}
	if (len > 0 && s[0] == '[') {
		const char	*close = memchr(s, ']', len);

		if (close == NULL) {
			*errstr = "bad IP literal";
			return -1;
		}
		hostlen = close - s - 1;
		if (uri_check_ipliteral(s + 1, hostlen, errstr) == -1)
			return -1;
		u->host = s + 1;
		u->hostlen = hostlen;
		u->ipliteral = 1;
		i = hostlen + 2;
		if (i < len && s[i] != ':') {
			*errstr = "bad IP literal";
			return -1;
		}
	} else {
		colon = memchr(s, ':', len);
		hostlen = colon != NULL ? (size_t)(colon - s) : len;
		if (uri_check_chars(s, hostlen, "", errstr) == -1)
			return -1;
		for (i = 0; i < hostlen; i++) {
			if (s[i] == ':' || s[i] == '@') {
				*errstr = "bad host";
				return -1;
			}
		}
		u->host = s;
		u->hostlen = hostlen;
		u->ipliteral = uri_is_ipv4(s, hostlen);
		i = hostlen;
	}
	if (i < len)	/* s[i] == ':' */
		return uri_parse_port(s + i + 1, len - i - 1, u, errstr);
	return 0;
}

/*
 * Split an absolute URI into its parts; every pointer in u points into
 * s.  Refuses what RFC 3986 forbids and what Gemini forbids of any
 * request (userinfo, fragment, control characters).
 */
int
uri_parse(const char *s, size_t len, struct uri *u, const char **errstr)
{
	size_t	off, end, i;

	memset(u, 0, sizeof(*u));
	u->port = -1;
	if (uri_parse_scheme(s, len, u, &off, errstr) == -1)
		return -1;
	if (len - off >= 2 && s[off] == '/' && s[off + 1] == '/') {
		off += 2;
		for (end = off; end < len; end++)
			if (s[end] == '/' || s[end] == '?' || s[end] == '#')
				break;
		if (uri_parse_authority(s + off, end - off, u, errstr) == -1)
			return -1;
		off = end;
	}
	for (i = off; i < len && s[i] != '?'; i++)
		;
	if (uri_check_chars(s + off, i - off, "/", errstr) == -1)
		return -1;
	u->path = s + off;
	u->pathlen = i - off;
	if (i < len) {
		if (uri_check_chars(s + i + 1, len - i - 1, "/?",
		    errstr) == -1)
			return -1;
		u->query = s + i + 1;
		u->querylen = len - i - 1;
	}
	return 0;
}

/*
 * Percent-decode [s, s+len) into out (outsize bytes, NUL-terminated).
 * A NUL, raw or encoded, is refused always; an encoded '/' only when
 * noslash is set.  Returns -1 with the reason in *errstr.
 */
static int
uri_decode(const char *s, size_t len, char *out, size_t outsize,
    size_t *outlen, int noslash, const char **errstr)
{
	size_t	i, n = 0;
	int	c;

	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c == '%') {
			if (len - i < 3 || uri_hexval(s[i + 1]) == -1 ||
			    uri_hexval(s[i + 2]) == -1) {
				*errstr = "bad percent-encoding";
				return -1;
			}
			c = uri_hexval(s[i + 1]) * 16 + uri_hexval(s[i + 2]);
			i += 2;
			if (c == '/' && noslash) {
				*errstr = "encoded slash in path";
				return -1;
			}
		}
		if (c == '\0') {
			*errstr = "NUL in URI";
			return -1;
		}
		if (n + 1 >= outsize) {
			*errstr = "too long once decoded";
			return -1;
		}
		out[n++] = (char)c;
	}
	out[n] = '\0';
	*outlen = n;
	return 0;
}

/*
 * Percent-decode a path into out (outsize bytes, NUL-terminated).  A
 * NUL, raw or encoded, and an encoded '/' are refused: neither can name
 * a file, and an encoded slash is a classic way to smuggle a dot segment
 * past a check.  The result must be UTF-8.
 */
int
uri_path_decode(const char *s, size_t len, char *out, size_t outsize,
    size_t *outlen, const char **errstr)
{
	if (uri_decode(s, len, out, outsize, outlen, 1, errstr) == -1)
		return -1;
	if (!utf8_valid(out, *outlen)) {
		*errstr = "path is not UTF-8";
		return -1;
	}
	return 0;
}

/*
 * Remove "." and ".." segments in place (RFC 3986 section 5.2.4), but
 * refuse a ".." that would climb above "/" instead of clamping it: a
 * request that tries is hostile or broken, and says so with an error.
 * An empty path becomes "/".  The result always starts with '/'.
 */
int
uri_path_normalize(char *p, size_t *lenp, const char **errstr)
{
	size_t	len = *lenp, in = 0, out = 0, seg;

	if (len == 0) {
		p[0] = '/';
		p[1] = '\0';
		*lenp = 1;
		return 0;
	}
	if (p[0] != '/') {
		*errstr = "relative path";
		return -1;
	}
	while (in < len) {
		/* p[in] == '/'; the segment runs to the next '/' */
		for (seg = in + 1; seg < len && p[seg] != '/'; seg++)
			;
		if (seg - in == 2 && p[in + 1] == '.') {
			/* "/." : drop, but keep a trailing slash */
			if (seg == len)
				p[out++] = '/';
		} else if (seg - in == 3 && p[in + 1] == '.' &&
		    p[in + 2] == '.') {
			if (out == 0) {
				*errstr = "path climbs above the root";
				return -1;
			}
			while (out > 0 && p[--out] != '/')
				;
			if (seg == len)
				p[out++] = '/';
		} else {
			memmove(p + out, p + in, seg - in);
			out += seg - in;
		}
		in = seg;
	}
	if (out == 0)
		p[out++] = '/';
	p[out] = '\0';
	*lenp = out;
	return 0;
}

/*
 * Resolve a relative reference found in a page under directory dir
 * ("/a/b/") to a decoded, normalized path for use as a selector or
 * snapshot key.  Query and fragment are dropped, ".." past the root is
 * clamped (RFC 3986 resolution never fails).  Returns -1 when the
 * reference cannot name a local file (bad escape, NUL, control
 * characters, C1 included).
 */
int
uri_resolve(const char *dir, const char *ref, size_t reflen, struct buf *out)
{
	struct buf	 tmp;
	size_t		 i, in, seg, n;
	int		 c, rc = -1;

	for (i = 0; i < reflen; i++)
		if (ref[i] == '?' || ref[i] == '#')
			break;
	reflen = i;
	buf_init(&tmp);
	if (reflen == 0 || ref[0] != '/')
		buf_adds(&tmp, dir);
	for (i = 0; i < reflen; i++) {
		c = (unsigned char)ref[i];
		if (c == '%') {
			if (reflen - i < 3 || uri_hexval(ref[i + 1]) == -1 ||
			    uri_hexval(ref[i + 2]) == -1)
				goto done;
			c = uri_hexval(ref[i + 1]) * 16 +
			    uri_hexval(ref[i + 2]);
			i += 2;
		}
		buf_addc(&tmp, c);
	}
	if (tmp.failed || tmp.len == 0 || tmp.data[0] != '/')
		goto done;
	/* Decoded, so that an escaped C1 control is caught as well. */
	for (i = 0; i < tmp.len; i++)
		if (utf8_control(tmp.data + i, tmp.len - i) != 0)
			goto done;
	/* Dot segments, clamping at the root as RFC 3986 5.2.4 does. */
	buf_reset(out);
	for (in = 0; in < tmp.len; in = seg) {
		for (seg = in + 1; seg < tmp.len && tmp.data[seg] != '/'; seg++)
			;
		n = seg - in;
		if (n == 2 && tmp.data[in + 1] == '.') {
			if (seg == tmp.len)
				buf_addc(out, '/');
		} else if (n == 3 && tmp.data[in + 1] == '.' &&
		    tmp.data[in + 2] == '.') {
			while (out->len > 0 && out->data[--out->len] != '/')
				;
			if (seg == tmp.len)
				buf_addc(out, '/');
		} else
			buf_add(out, tmp.data + in, n);
	}
	if (out->len == 0)
		buf_addc(out, '/');
	rc = out->failed ? -1 : 0;
done:
	buf_free(&tmp);
	return rc;
}

/* Append path to b as a URI path: everything but pchar and '/' escaped. */
void
uri_path_encode(struct buf *b, const char *p, size_t len)
{
	static const char	hex[] = "0123456789ABCDEF";
	size_t			i;

	for (i = 0; i < len; i++) {
		unsigned char	c = p[i];

		if (c == '/' || uri_is_unreserved(c) || c == ':' ||
		    c == '@' || (uri_is_subdelim(c) && c != '\''))
			buf_addc(b, c);
		else {
			buf_addc(b, '%');
			buf_addc(b, hex[c >> 4]);
			buf_addc(b, hex[c & 0xf]);
		}
	}
}

/*
 * Percent-decode a query string into out; '+' is kept as it is (Gemini
 * clients encode spaces as %20).  Returns -1 on a bad escape, a NUL, or
 * when the result would not fit.
 */
int
uri_query_decode(const char *s, size_t len, char *out, size_t outsize,
    size_t *outlen)
{
	const char	*err;

	return uri_decode(s, len, out, outsize, outlen, 0, &err);
}
