/*
 * proxy.h: the PROXY protocol header (v1 text, v2 binary), parsed from
 * bytes (pure).
 */

#ifndef CAPSULED_PROXY_H
#define CAPSULED_PROXY_H

#include <sys/types.h>
#include <sys/socket.h>

#include <stddef.h>

#define PROXY_HEADER_MAX	536	/* v1 is at most 107 bytes */

struct proxy_result {
	size_t			 hdrlen;	/* bytes of the header */
	int			 local;		/* keep the socket's address */
	struct sockaddr_storage	 src;		/* the real client */
	socklen_t		 srclen;
	struct sockaddr_storage	 dst;		/* the address it reached */
	socklen_t		 dstlen;
};

int	 proxy_parse(const unsigned char *, size_t, struct proxy_result *,
	    const char **);

#endif /* CAPSULED_PROXY_H */
