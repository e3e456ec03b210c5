/*
 * gemini.c: the Gemini protocol's rules (spec v0.24.1): where a request
 * ends, which requests are well-formed (else 59), which are for us (else
 * 53), and the fixed status replies.  Pure functions; the connection
 * code reads the bytes and writes what these decide.
 */

#include <string.h>
#include <strings.h>

#include "capsuled.h"
#include "gemini.h"
#include "uri.h"
#include "utf8.h"

#define GEMINI_DEFAULT_PORT	1965

static const struct {
	int		 status;
	const char	*line;
} gemini_fixed[] = {
	{ 51, "51 Not found\r\n" },
	{ 53, "53 Proxy request refused\r\n" },
	{ 59, "59 Bad request\r\n" },
	{ 40, "40 Temporary failure\r\n" },
	{ 44, "44 Slow down\r\n" },
	{ 42, "42 CGI error\r\n" },
	{ 43, "43 Proxy error\r\n" },
};

/* The statuses a response may have (spec v0.24.1). */
static const int gemini_defined[] = {
	10, 11, 20, 30, 31, 40, 41, 42, 43, 44, 50, 51, 52, 53, 59, 60, 61,
	62
};

/*
 * Is a whole request in buf?  Only CRLF ends a Gemini request; a bare LF
 * is just a byte (which the parser later refuses).  Returns 1 with the
 * length before CRLF, 0 if more bytes may still complete it, -1 if the
 * bytes already exceed the longest legal request.
 */
int
gemini_line_complete(const char *buf, size_t len, size_t *linelen)
{
	const char	*p = buf, *end = buf + len;

	while ((p = memchr(p, '\r', end - p)) != NULL) {
		if (p + 1 == end)
			break;
		if (p[1] == '\n') {
			*linelen = p - buf;
			return *linelen > GEMINI_REQUEST_MAX ? -1 : 1;
		}
		p++;
	}
	/*
	 * No CRLF yet: only GEMINI_REQUEST_MAX bytes, and then a CR, can
	 * still become a request.  A 1025th byte that is not CR already
	 * makes it too long, so the client hears 59 at once.
	 */
	if (len > GEMINI_REQUEST_MAX + 1 || (len == GEMINI_REQUEST_MAX + 1 &&
	    buf[GEMINI_REQUEST_MAX] != '\r'))
		return -1;
	return 0;
}

/*
 * Parse and validate one request line (without CRLF).  Returns 0 when
 * the request is well-formed and uses the gemini scheme, else the
 * status to reply (59 or 53) with the reason in *errstr.  req->path is
 * the decoded, normalized path, never outside "/".
 */
int
gemini_parse_request(const char *line, size_t len, struct gemini_request *req,
    const char **errstr)
{
	struct uri	*u = &req->uri;

	if (len == 0) {
		*errstr = "empty request";
		return 59;
	}
	if (len > GEMINI_REQUEST_MAX) {
		*errstr = "request too long";
		return 59;
	}
	if (len >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0) {
		*errstr = "byte order mark";
		return 59;
	}
	if (memchr(line, '\0', len) != NULL) {
		*errstr = "NUL in request";
		return 59;
	}
	if (!utf8_valid(line, len)) {
		*errstr = "request is not UTF-8";
		return 59;
	}
	if (uri_parse(line, len, u, errstr) == -1)
		return 59;
	if (u->schemelen != 6 || strncasecmp(u->scheme, "gemini", 6) != 0) {
		*errstr = "not a gemini URI";
		return 53;
	}
	if (u->host == NULL || u->hostlen == 0) {
		*errstr = "no host in URI";
		return 59;
	}
	if (uri_path_decode(u->path, u->pathlen, req->path, sizeof(req->path),
	    &req->pathlen, errstr) == -1)
		return 59;
	if (uri_path_normalize(req->path, &req->pathlen, errstr) == -1)
		return 59;
	return 0;
}

/*
 * Does the URI's host name this server?  Host names compare without
 * case and without one trailing dot; an IP literal must be the address
 * the client connected to (local, may be NULL when not known).
 */
int
gemini_host_matches(const struct uri *u, const char *name, const char *local)
{
	size_t	len = u->hostlen;

	if (u->ipliteral)
		return local != NULL && strlen(local) == len &&
		    strncasecmp(u->host, local, len) == 0;
	if (len > 1 && u->host[len - 1] == '.')
		len--;
	return strlen(name) == len && strncasecmp(u->host, name, len) == 0;
}

/* The port a URI asks for must be the one the server is reached on. */
int
gemini_port_matches(const struct uri *u, int port)
{
	return (u->port == -1 ? GEMINI_DEFAULT_PORT : u->port) == port;
}

/* A fixed status reply, or NULL for a status that has none here. */
const char *
gemini_status(int status, size_t *len)
{
	size_t	i;

	for (i = 0; i < sizeof(gemini_fixed) / sizeof(gemini_fixed[0]); i++) {
		if (gemini_fixed[i].status == status) {
			*len = strlen(gemini_fixed[i].line);
			return gemini_fixed[i].line;
		}
	}
	return NULL;
}

/* Is status one the spec defines? */
int
gemini_status_defined(int status)
{
	size_t	i;

	for (i = 0; i < sizeof(gemini_defined) / sizeof(gemini_defined[0]);
	    i++)
		if (gemini_defined[i] == status)
			return 1;
	return 0;
}

/*
 * A response header at the start of p (len bytes), as a CGI script or a
 * FastCGI responder writes it: two digits of a defined status, a space,
 * at most GEMINI_META_MAX bytes of UTF-8 meta without control bytes,
 * CRLF.  1: *hdrlen bytes are the header, *status and *meta (metalen
 * bytes) what it says; 0: not complete, and it still could be; -1 not
 * a header (*errstr).
 */
int
gemini_parse_response(const char *p, size_t len, int *status,
    const char **meta, size_t *metalen, size_t *hdrlen, const char **errstr)
{
	const char	*cr;
	size_t		 i, end, max = 3 + GEMINI_META_MAX + 1; /* CR's room */

	for (i = 0; i < len && i < 2; i++)
		if (p[i] < '0' || p[i] > '9') {
			*errstr = "the header does not start with a status";
			return -1;
		}
	if (len >= 3 && p[2] != ' ' && p[2] != '\r') {
		*errstr = "no space after the status";
		return -1;
	}
	/* The first CR or LF decides: a bare LF is never a header's end. */
	for (i = 0; i < len && i < max && p[i] != '\r' && p[i] != '\n'; i++)
		;
	if (i == len || i == max) {
		if (len >= max) {
			*errstr = "the header is too long";
			return -1;
		}
		return 0;
	}
	if (p[i] == '\n') {
		*errstr = "the header does not end with CRLF";
		return -1;
	}
	cr = p + i;
	end = i;
	if (end + 1 >= len)
		return 0;
	if (cr[1] != '\n' || end < 2) {
		*errstr = "the header does not end with CRLF";
		return -1;
	}
	*status = (p[0] - '0') * 10 + (p[1] - '0');
	if (!gemini_status_defined(*status)) {
		*errstr = "not a Gemini status";
		return -1;
	}
	*meta = end > 3 ? p + 3 : p + end;
	*metalen = end > 3 ? end - 3 : 0;
	for (i = 0; i < *metalen; i++)
		if ((unsigned char)(*meta)[i] < 0x20 || (*meta)[i] == 0x7f) {
			*errstr = "a control byte in the meta";
			return -1;
		}
	if (!utf8_valid(*meta, *metalen)) {
		*errstr = "the meta is not UTF-8";
		return -1;
	}
	*hdrlen = end + 2;
	return 1;
}
