/*
 * serve.h: what a request is answered with, given its line and what is
 * known of its connection.
 */

#ifndef CAPSULED_SERVE_H
#define CAPSULED_SERVE_H

#include <sys/types.h>
#include <sys/socket.h>

#include <stddef.h>

#include "capsuled.h"

struct dyn;
struct listener;
struct quota_hold;
struct server;
struct tls;

struct serve_in {
	struct listener			*l;
	const char			*sni;		/* NULL: none */
	int				 fd;		/* for getsockname */
	const struct sockaddr_storage	*local;		/* from PROXY */
	socklen_t			 locallen;	/* 0: ask fd */
	const char			*peer;		/* for debug lines */
	const struct sockaddr_storage	*peer_ss;	/* the client */
	socklen_t			 peerlen;
	struct tls			*tls;		/* NULL: plain */
};

struct reply {
	const char	*data;		/* bytes to send first */
	size_t		 len;
	char		*owned;		/* malloc'd data, to free */
	int		 filefd;	/* file to stream after data, or -1 */
	struct dyn	*dyn;		/* or a script's reply, or NULL */
	int		 status;	/* for the access log */
	struct server	*srv;		/* the server that answered */
};

void	 serve_gemini(const struct serve_in *, const char *, size_t,
	    struct reply *);
void	 serve_gopher(const struct serve_in *, const char *, size_t,
	    struct reply *);
void	 serve_reply_init(struct reply *, struct server *);
void	 serve_too_long(enum proto, struct reply *);
int	 serve_admit(const struct listener *, const struct sockaddr *,
	    socklen_t, struct quota_hold *, struct reply *);
int	 serve_rate(const struct listener *, const char *,
	    const struct sockaddr *, socklen_t, struct reply *);

#endif /* CAPSULED_SERVE_H */
