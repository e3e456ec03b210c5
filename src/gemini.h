/*
 * gemini.h: Gemini requests (the URL line and its rules) and status
 * lines.
 */

#ifndef CAPSULED_GEMINI_H
#define CAPSULED_GEMINI_H

#include <stddef.h>

#include "capsuled.h"
#include "uri.h"

#define GEMINI_META_MAX		1024	/* bytes of a response's meta */

struct gemini_request {
	struct uri	 uri;
	char		 path[GEMINI_REQUEST_MAX + 1];	/* decoded */
	size_t		 pathlen;
};

int	 gemini_line_complete(const char *, size_t, size_t *);
int	 gemini_parse_request(const char *, size_t, struct gemini_request *,
	    const char **);
int	 gemini_host_matches(const struct uri *, const char *, const char *);
int	 gemini_port_matches(const struct uri *, int);
const char *gemini_status(int, size_t *);
int	 gemini_status_defined(int);
int	 gemini_parse_response(const char *, size_t, int *, const char **,
	    size_t *, size_t *, const char **);

#endif /* CAPSULED_GEMINI_H */
