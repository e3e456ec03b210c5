/*
 * fuzz_gemini_request.c: libFuzzer harness for the Gemini request path:
 * gemini_line_complete on the raw bytes, then gemini_parse_request on
 * the line it finds, the host and port checks, and the uri functions on
 * the same bytes.  Beyond "no crash, no sanitizer report" it checks
 * what the server relies on: the line ends at the first CRLF and is at
 * most 1024 bytes, and the reader waits exactly while a request could
 * still come; a parsed request is UTF-8 without NUL, its path absolute,
 * NUL-free, without dot segments and stable when normalized again; its
 * host matches its own name in any case and nothing longer or shorter,
 * an IP literal only the address reached, no port means 1965; a query
 * decodes byte for byte as written, or is refused for a reason it has.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capsuled.h"
#include "gemini.h"
#include "uri.h"
#include "utf8.h"
#include "fuzz.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
fuzz_check_path(const char *p, size_t len)
{
	char	again[GEMINI_REQUEST_MAX + 2];
	size_t	againlen = len;
	const char *err;

	FUZZ_ASSERT(len >= 1 && p[0] == '/', "path is absolute");
	FUZZ_ASSERT(p[len] == '\0' && memchr(p, '\0', len) == NULL,
	    "path is a NUL-free C string");
	FUZZ_ASSERT(strstr(p, "/../") == NULL && strstr(p, "/./") == NULL &&
	    (len < 3 || strcmp(p + len - 3, "/..") != 0) &&
	    (len < 2 || strcmp(p + len - 2, "/.") != 0),
	    "no dot segments left");
	FUZZ_ASSERT(utf8_valid(p, len), "path is UTF-8");
	memcpy(again, p, len + 1);
	FUZZ_ASSERT(uri_path_normalize(again, &againlen, &err) == 0 &&
	    againlen == len && memcmp(again, p, len) == 0,
	    "normalizing twice changes nothing");
}

static int
fuzz_hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * uri_query_decode, checked against its input: on success every %XX
 * became the byte XX, every other byte stayed, and nothing is NUL; on
 * failure the input has a bad escape or a NUL (raw or encoded), or the
 * result would not have fit.
 */
static void
fuzz_query(const char *q, size_t qlen, char *out, size_t outsize)
{
	size_t	i, o = 0, outlen = 0;
	int	bad = 0, c, rc;

	rc = uri_query_decode(q, qlen, out, outsize, &outlen);
	for (i = 0; i < qlen && !bad; i++, o++) {
		c = (unsigned char)q[i];
		if (c == '%') {
			if (qlen - i < 3 || fuzz_hex(q[i + 1]) == -1 ||
			    fuzz_hex(q[i + 2]) == -1) {
				bad = 1;
				break;
			}
			c = fuzz_hex(q[i + 1]) * 16 + fuzz_hex(q[i + 2]);
			i += 2;
		}
		if (c == 0 || o + 1 >= outsize) {
			bad = 1;
			break;
		}
		if (rc == 0)
			FUZZ_ASSERT(o < outlen && (unsigned char)out[o] == c,
			    "query: each byte decoded as written");
	}
	FUZZ_ASSERT(rc == (bad ? -1 : 0), "query: refused exactly when an "
	    "escape is bad, a NUL comes or the result does not fit");
	if (rc == 0)
		FUZZ_ASSERT(outlen == o && out[outlen] == '\0',
		    "query: nothing added, NUL-terminated");
}

/*
 * Host and port checks on an accepted request, by what they must do:
 * a host name is the request's own, whatever its case and one trailing
 * dot; an IP literal is only the address the client reached; no port
 * means 1965.
 */
static void
fuzz_host_port(const struct uri *u)
{
	char	name[GEMINI_REQUEST_MAX + 2];
	size_t	n = u->hostlen, i;

	memcpy(name, u->host, n);
	name[n] = '\0';
	if (u->ipliteral) {
		FUZZ_ASSERT(gemini_host_matches(u, "other.example", name),
		    "an IP literal matches the address the client reached");
		FUZZ_ASSERT(!gemini_host_matches(u, name, NULL),
		    "an IP literal is never taken for a host name");
		FUZZ_ASSERT(gemini_host_matches(u, "x", "192.0.2.1") ==
		    (strcmp(name, "192.0.2.1") == 0),
		    "an IP literal matches no other address");
		return;
	}
	if (n > 1 && name[n - 1] == '.')
		name[--n] = '\0';
	for (i = 0; i < n; i++)
		if (name[i] >= 'A' && name[i] <= 'Z')
			name[i] = name[i] - 'A' + 'a';
		else if (name[i] >= 'a' && name[i] <= 'z')
			name[i] = name[i] - 'a' + 'A';
	FUZZ_ASSERT(gemini_host_matches(u, name, NULL),
	    "a host name matches itself in any case, less one trailing dot");
	FUZZ_ASSERT(!gemini_host_matches(u, name + 1, NULL),
	    "a shorter name does not match");
	name[n] = 'x';
	name[n + 1] = '\0';
	FUZZ_ASSERT(!gemini_host_matches(u, name, NULL),
	    "a longer name does not match");
	FUZZ_ASSERT(gemini_port_matches(u, 1965) ==
	    (u->port == -1 || u->port == 1965), "no port means 1965");
	if (u->port != -1)
		FUZZ_ASSERT(gemini_port_matches(u, u->port) &&
		    !gemini_port_matches(u, u->port + 1), "the port given");
}

static void
fuzz_uri(const char *s, size_t len)
{
	struct uri	 u;
	char		 out[GEMINI_REQUEST_MAX + 2];
	size_t		 outlen;
	const char	*err;

	if (uri_parse(s, len, &u, &err) == 0) {
		FUZZ_ASSERT(u.scheme == s && u.schemelen < len,
		    "scheme is a prefix");
		FUZZ_ASSERT(u.path >= s && u.path + u.pathlen <= s + len,
		    "path inside the input");
		FUZZ_ASSERT(u.host == NULL ||
		    (u.host >= s && u.host + u.hostlen <= s + len),
		    "host inside the input");
		FUZZ_ASSERT(u.query == NULL ||
		    (u.query >= s && u.query + u.querylen <= s + len),
		    "query inside the input");
		FUZZ_ASSERT(u.port >= -1 && u.port <= 65535, "port in range");
		FUZZ_ASSERT(memchr(s, '#', len) == NULL,
		    "a fragment is refused");
		if (u.query != NULL) {
			fuzz_query(u.query, u.querylen, out, sizeof(out));
			/* Too small a buffer is refused, never overrun. */
			fuzz_query(u.query, u.querylen, out, 8);
		}
	}
	if (len < sizeof(out) && uri_path_decode(s, len, out, sizeof(out),
	    &outlen, &err) == 0) {
		FUZZ_ASSERT(outlen <= len && memchr(out, '\0', outlen) ==
		    NULL, "decoded path has no NUL");
		if (uri_path_normalize(out, &outlen, &err) == 0)
			fuzz_check_path(out, outlen);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gemini_request	 req;
	const char		*buf = (const char *)data, *err = NULL;
	size_t			 linelen = 0;
	int			 done, status;

	done = gemini_line_complete(buf, size, &linelen);
	FUZZ_ASSERT(done >= -1 && done <= 1, "line_complete result");
	if (done == 0)
		FUZZ_ASSERT(memmem(buf, size, "\r\n", 2) == NULL &&
		    (size <= GEMINI_REQUEST_MAX ||
		    (size == GEMINI_REQUEST_MAX + 1 &&
		    buf[GEMINI_REQUEST_MAX] == '\r')),
		    "waits only while 1024 bytes and a CR could still come");
	if (done == -1)
		FUZZ_ASSERT(size > GEMINI_REQUEST_MAX,
		    "refuses only what is already too long");
	if (done == 1) {
		FUZZ_ASSERT(linelen <= GEMINI_REQUEST_MAX &&
		    linelen + 2 <= size && buf[linelen] == '\r' &&
		    buf[linelen + 1] == '\n', "line ends at CRLF");
		FUZZ_ASSERT(memmem(buf, linelen + 1, "\r\n", 2) == NULL,
		    "the first CRLF ends the line");
		status = gemini_parse_request(buf, linelen, &req, &err);
		FUZZ_ASSERT(status == 0 || status == 53 || status == 59,
		    "only 53 and 59 for a bad request");
		if (status != 0)
			FUZZ_ASSERT(err != NULL, "a refusal says why");
		else {
			FUZZ_ASSERT(memchr(buf, '\0', linelen) == NULL &&
			    utf8_valid(buf, linelen) && (linelen < 3 ||
			    memcmp(buf, "\xef\xbb\xbf", 3) != 0),
			    "accepted request is UTF-8, no NUL, no BOM");
			FUZZ_ASSERT(req.uri.host != NULL &&
			    req.uri.hostlen > 0, "accepted request has a host");
			fuzz_check_path(req.path, req.pathlen);
			fuzz_host_port(&req.uri);
		}
	}
	fuzz_uri(buf, size);
	return 0;
}
