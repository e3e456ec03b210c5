/*
 * fuzz_gemini_request.c: libFuzzer harness for the Gemini request path:
 * gemini_line_complete on the raw bytes, then gemini_parse_request on
 * the line it finds, the host and port checks, and the uri functions on
 * the same bytes.  Beyond "no crash, no sanitizer report" it checks
 * what the server relies on: the line ends at the first CRLF and is at
 * most 1024 bytes, a parsed request is UTF-8 without NUL, and its path
 * is absolute, NUL-free, without dot segments and stable when
 * normalized again.
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
		if (u.query != NULL)
			uri_query_decode(u.query, u.querylen, out,
			    sizeof(out), &outlen);
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
		FUZZ_ASSERT(size < GEMINI_REQUEST_MAX + 2,
		    "a short buffer may wait for more");
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
			(void)gemini_host_matches(&req.uri, "localhost",
			    "127.0.0.1");
			(void)gemini_port_matches(&req.uri, 1965);
		}
	}
	fuzz_uri(buf, size);
	return 0;
}
