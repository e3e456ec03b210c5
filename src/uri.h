/*
 * uri.h: URI parsing, percent-decoding and -encoding, dot segments
 * (pure).
 */

#ifndef CAPSULED_URI_H
#define CAPSULED_URI_H

#include <stddef.h>

struct buf;

struct uri {
	const char	*scheme;	/* all point into the parsed line */
	size_t		 schemelen;
	const char	*host;
	size_t		 hostlen;
	int		 port;		/* -1: none given */
	const char	*path;
	size_t		 pathlen;
	const char	*query;		/* NULL: no '?' */
	size_t		 querylen;
	int		 ipliteral;	/* host was [v6] or dotted v4 */
};

int	 uri_parse(const char *, size_t, struct uri *, const char **);
int	 uri_path_decode(const char *, size_t, char *, size_t, size_t *,
	    const char **);
int	 uri_path_normalize(char *, size_t *, const char **);
int	 uri_resolve(const char *, const char *, size_t, struct buf *);
void	 uri_path_encode(struct buf *, const char *, size_t);
int	 uri_query_decode(const char *, size_t, char *, size_t, size_t *);

#endif /* CAPSULED_URI_H */
