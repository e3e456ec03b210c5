/*
 * tlsio.h: TLS for the rest of capsuled.  tlsio.c is the only file that
 * includes <tls.h>; everything else sees an io_result.
 */

#ifndef CAPSULED_TLSIO_H
#define CAPSULED_TLSIO_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "capsuled.h"

struct config;
struct listener;
struct tls;

/* The client's certificate and the connection's TLS, as libtls sees them. */
struct tlsio_peer {
	int		 provided;	/* a certificate was sent */
	const char	*hash;		/* "SHA256:hex", lower case */
	const char	*subject;
	const char	*issuer;
	time_t		 notbefore;
	time_t		 notafter;
	const uint8_t	*chain;		/* PEM, the client's first */
	size_t		 chainlen;
	const char	*version;	/* "TLSv1.3" */
	const char	*cipher;
};

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
int		 tlsio_peer(struct tls *, struct tlsio_peer *);
const char	*tlsio_servername(struct tls *);
const char	*tlsio_error(struct tls *);

#endif /* CAPSULED_TLSIO_H */
