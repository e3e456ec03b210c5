/*
 * listen.h: listening sockets (bound by the parent, kept across
 * reloads) and accepting (in a worker, which is handed each new
 * descriptor through a callback).
 */

#ifndef CAPSULED_LISTEN_H
#define CAPSULED_LISTEN_H

#include <sys/types.h>
#include <sys/socket.h>

struct config;
struct event_base;
struct listener;

int	 listen_bind(struct config *, struct config *, const char **);
void	 listen_unbind(struct config *);
int	 listen_start(struct config *, struct event_base *,
	    int (*)(struct listener *, int, const struct sockaddr_storage *,
	    socklen_t));
void	 listen_limit(int);
void	 listen_stop(void);

#endif /* CAPSULED_LISTEN_H */
