/*
 * conn.h: one client connection in a worker, from accept to close.
 */

#ifndef CAPSULED_CONN_H
#define CAPSULED_CONN_H

#include <sys/types.h>
#include <sys/socket.h>

#include <stddef.h>

struct config;
struct event_base;
struct listener;

void	 conn_init(struct event_base *, const struct config *,
	    void (*)(void));
int	 conn_accept(struct listener *, int, const struct sockaddr_storage *,
	    socklen_t);
size_t	 conn_count(void);
size_t	 conn_fds(void);
int	 conn_evict(void);

#endif /* CAPSULED_CONN_H */
