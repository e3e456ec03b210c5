/*
 * tlsio.h: TLS for the rest of capsuled.  tlsio.c is the only file that
 * includes <tls.h>; everything else sees an io_result.
 */

#ifndef CAPSULED_TLSIO_H
#define CAPSULED_TLSIO_H

#include <stddef.h>

#include "capsuled.h"

struct config;
struct listener;
struct tls;

int		 tlsio_init(void);
int		 tlsio_configure(struct config *, const char **);
void		 tlsio_worker(const struct config *);
void		 tlsio_free_listener(struct listener *);
int		 tlsio_accept(struct listener *, int, struct tls **);
enum io_result	 tlsio_handshake(struct tls *);
enum io_result	 tlsio_read(struct tls *, void *, size_t, size_t *);
enum io_result	 tlsio_write(struct tls *, const void *, size_t, size_t *);
enum io_result	 tlsio_close(struct tls *);
void		 tlsio_free(struct tls *);
const char	*tlsio_servername(struct tls *);
const char	*tlsio_error(struct tls *);

#endif /* CAPSULED_TLSIO_H */
