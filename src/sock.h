/*
 * sock.h: a connected socket's plain I/O, for conn.c: reads and writes
 * as io_results, the peeks that decide how a connection closes and
 * which protocol it speaks, and reading a PROXY protocol header.
 */

#ifndef CAPSULED_SOCK_H
#define CAPSULED_SOCK_H

#include <stddef.h>

#include "capsuled.h"

struct proxy_result;

enum io_result	 sock_read(int, void *, size_t, size_t *);
enum io_result	 sock_write(int, const void *, size_t, size_t *);
int		 sock_peek(int, unsigned char *);
int		 sock_unread(int);
void		 sock_quickack(int);
int		 sock_ack_late(int, int *);
void		 sock_delayack(int);
void		 sock_cork(int);
int		 sock_proxy(int, unsigned char *, size_t *,
		    struct proxy_result *, const char **);

#endif /* CAPSULED_SOCK_H */
