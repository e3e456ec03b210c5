/*
 * gopher.h: Gopher requests (selector, search, Gopher+ suffixes) and
 * the pieces of Gopher replies: menu items, info and error lines, text.
 */

#ifndef CAPSULED_GOPHER_H
#define CAPSULED_GOPHER_H

#include <stddef.h>

#include "capsuled.h"

struct buf;

struct gopher_request {
	const char	*search;	/* into the line; NULL: none */
	size_t		 searchlen;
	int		 url;		/* "URL:" selector: path is the URL */
	size_t		 pathlen;
	char		 path[GOPHER_REQUEST_MAX + 2];	/* must be last */
};

int	 gopher_line_complete(const char *, size_t, size_t *);
int	 gopher_parse_request(const char *, size_t, struct gopher_request *,
	    const char **);
int	 gopher_item(struct buf *, char, const char *, size_t, const char *,
	    size_t, const char *, int);
void	 gopher_info(struct buf *, const char *, size_t, const char *, int);
void	 gopher_info_pre(struct buf *, const char *, size_t, const char *,
	    int);
void	 gopher_error(struct buf *, const char *);
void	 gopher_url_page(struct buf *, const char *, size_t);
int	 gopher_text(struct buf *, const char *, size_t);
void	 gopher_map(struct buf *, const char *, size_t, const char *,
	    const char *, int);

#endif /* CAPSULED_GOPHER_H */
