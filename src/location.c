/*
 * location.c: the pure part of location blocks.  A request path falls
 * under the first location, in the file's order, whose glob matches it
 * (fnmatch(3) without flags, so "*" also matches "/", as in gmid); a
 * block reply's meta may name the path, the query, the server's name
 * and port; strip drops leading path components before the lookup.
 * Nothing here reads a file, a certificate or a socket.
 */

#include <ctype.h>
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>

#include "capsuled.h"
#include "buf.h"
#include "location.h"
#include "uri.h"

/* The first of n locations whose glob matches path; -1: none. */
int
location_match(const struct location *locs, int n, const char *path)
{
	int	i;

	for (i = 0; i < n; i++)
		if (fnmatch(locs[i].glob, path, 0) == 0)
			return i;
	return -1;
}

/*
 * Is glob one a request path can match, and well formed: it starts with
 * "/" or a wildcard, has no control byte, every "[" is closed and no
 * "\\" ends it?
 */
int
location_glob_ok(const char *glob, const char **errstr)
{
	const char	*p;

	if (glob[0] != '/' && glob[0] != '*' && glob[0] != '?' &&
	    glob[0] != '[') {
		*errstr = "a location must start with / or a wildcard";
		return 0;
	}
	for (p = glob; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			*errstr = "a control character in a location";
			return 0;
		}
		if (*p == '\\') {
			if (p[1] == '\0') {
				*errstr = "a location ends with \\";
				return 0;
			}
			p++;
		} else if (*p == '[') {
			const char	*q = p + 1;

			if (*q == '!' || *q == '^')
				q++;
			if (*q == ']')
				q++;
			while (*q != '\0' && *q != ']')
				q++;
			if (*q == '\0') {
				*errstr = "a [ with no ] in a location";
				return 0;
			}
			p = q;
		}
	}
	return 1;
}

/*
 * meta with %p (the path, percent-encoded as in a URL), %q (the query,
 * as the request had it), %N (the server's name), %P (its port) and %%
 * replaced, into b.  -1 when a % is followed by anything else, or the
 * result would be longer than LOCATION_META_MAX (a reply's meta).
 */
int
location_expand(const char *meta, const struct location_vars *v,
    struct buf *b)
{
	const char	*p;

	for (p = meta; *p != '\0'; p++) {
		if (*p != '%') {
			buf_addc(b, *p);
			continue;
		}
		switch (*++p) {
		case '%':
			buf_addc(b, '%');
			break;
		case 'p':
			uri_path_encode(b, v->path, v->pathlen);
			break;
		case 'q':
			if (v->query != NULL)
				buf_add(b, v->query, v->querylen);
			break;
		case 'N':
			buf_adds(b, v->name);
			break;
		case 'P':
			buf_addf(b, "%d", v->port);
			break;
		default:
			return -1;
		}
	}
	return b->failed || b->len > LOCATION_META_MAX ? -1 : 0;
}

/*
 * The part of path (len bytes, starting with "/") left after dropping n
 * leading components: *off is where it starts (at its "/"), -1 when the
 * path has no more than n components (gmid answers 51 then too).  "/"
 * alone is what is left of "/a/" after one.
 */
int
location_strip(const char *path, size_t len, int n, size_t *off)
{
	size_t	i = 0;

	while (n-- > 0) {
		if (i >= len || path[i] != '/')
			return -1;
		for (i++; i < len && path[i] != '/'; i++)
			;
		if (i == len)
			return -1;
	}
	*off = i;
	return 0;
}

/* Is s a certificate hash as libtls writes it: SHA256: and 64 hex? */
int
location_hash_ok(const char *s)
{
	size_t	i;

	if (strncmp(s, "SHA256:", 7) != 0 || strlen(s) != LOCATION_HASH_LEN)
		return 0;
	for (i = 7; s[i] != '\0'; i++)
		if (!isxdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

/*
 * Is what lies under l for everyone to see listed, searched or in a
 * feed?  Not what it blocks, strips elsewhere or keeps for client
 * certificates: a title or an excerpt would tell what it keeps.
 */
int
location_public(const struct location *l)
{
	return l == NULL || (l->block == 0 && !l->need_cert && l->strip == 0);
}

/*
 * Does a location with a FastCGI responder answer path (len bytes, not
 * NUL-terminated)?  For the Gopher type of a link to one.
 */
int
location_fastcgi(const struct location *locs, int n, const char *path,
    size_t len)
{
	char	buf[GEMINI_REQUEST_MAX + 1];
	int	i;

	if (len >= sizeof(buf))
		return 0;
	memcpy(buf, path, len);
	buf[len] = '\0';
	i = location_match(locs, n, buf);
	return i >= 0 && locs[i].fastcgi != LOCATION_FASTCGI_NONE;
}
