/*
 * tlsio.c: the only file that includes <tls.h>.  It builds the server
 * TLS context of each listener (in the parent, from certificates and
 * keys read into memory, so workers never open key files) and wraps
 * libtls' non-blocking calls so that conn.c sees one io_result:
 * TLS_WANT_POLLIN/POLLOUT become IO_WANT_READ/IO_WANT_WRITE.
 * Its functions are named tlsio_* because tls_* belongs to libtls.
 *
 * Two OpenSSL settings that libtls does not expose are made through an
 * SSL "ex_data" hook, which OpenSSL calls from SSL_new() for every new
 * connection, after the SSL has taken its settings from the SSL_CTX:
 *  - No session tickets.  libtls turns OpenSSL's session cache off and
 *    sets SSL_OP_NO_TICKET, yet OpenSSL 3 still sends two TLS 1.3
 *    "stateful" tickets after each full handshake, naming sessions it
 *    never stored: ~160 bytes and two ticket constructions per request
 *    that no client can use.  (libtls' own resumption cannot be turned
 *    on either: its ticket key callback returns 0, which LibreSSL takes
 *    for success and OpenSSL for "issue no ticket".)
 *  - SSL_MODE_RELEASE_BUFFERS: OpenSSL frees its 16 KB read and write
 *    buffers whenever they are empty, instead of holding 32 KB for
 *    every connection that waits for its request, halving the memory
 *    of idle TLS clients.
 *  - Read-ahead: OpenSSL reads whatever the socket holds into its
 *    buffer instead of a 5-byte record header and then the record:
 *    the client's last flight and its request (four records) take one
 *    read instead of eight.
 *  - With "session-tickets N" (capsuled.conf), resumption after all:
 *    one stateless ticket per full handshake, sealed with the keys
 *    OpenSSL made with the SSL_CTX.  The parent makes the context, so
 *    every worker of a generation shares those keys and a client can
 *    resume on any of them; each reload (SIGHUP, SIGUSR1) makes a new
 *    context, which is how the keys are rotated.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <tls.h>

#include <openssl/ssl.h>

#include "capsuled.h"
#include "config.h"
#include "log.h"
#include "tlsio.h"

static int	 tlsio_tickets;		/* lifetime in s; 0: none */
static SSL_CTX	*tlsio_ticket_ctx;	/* last context set up for them */

/*
 * Let ssl issue and accept session tickets.  libtls installs a ticket
 * key callback that OpenSSL reads as "no ticket"; without it OpenSSL
 * uses the context's own keys.
 */
static void
tlsio_ssl_tickets(SSL *ssl)
{
	SSL_CTX	*ctx = SSL_get_SSL_CTX(ssl);

	SSL_clear_options(ssl, SSL_OP_NO_TICKET);
	SSL_set_num_tickets(ssl, 1);
	if (ctx != NULL && ctx != tlsio_ticket_ctx) {
		SSL_CTX_callback_ctrl(ctx, SSL_CTRL_SET_TLSEXT_TICKET_KEY_CB,
		    NULL);
		SSL_CTX_set_timeout(ctx, tlsio_tickets);
		tlsio_ticket_ctx = ctx;
	}
}

/* Called by OpenSSL for every SSL it creates; parent is that SSL. */
static void
tlsio_ssl_new(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx,
    long argl, void *argp)
{
	SSL	*ssl = parent;

	(void)ptr;
	(void)ad;
	(void)idx;
	(void)argl;
	(void)argp;
	if (ssl == NULL)
		return;
	SSL_set_mode(ssl, SSL_MODE_RELEASE_BUFFERS);
	SSL_set_read_ahead(ssl, 1);
#if !defined(LIBRESSL_VERSION_NUMBER)
	if (tlsio_tickets > 0)
		tlsio_ssl_tickets(ssl);
	else
		SSL_set_num_tickets(ssl, 0);
#endif
}

int
tlsio_init(void)
{
	if (tls_init() == -1)
		return -1;
	/* Once per process: the index is never used for data. */
	if (SSL_get_ex_new_index(0, NULL, tlsio_ssl_new, NULL, NULL) == -1)
		return -1;
	return 0;
}

/*
 * libtls reads a key only when a context is configured, and then does
 * not say whose key failed: try each keypair on its own, so that the
 * error (and capsuled -n) names the files.
 */
static int
tlsio_check_keypair(const struct server *s, const uint8_t *cert,
    size_t certlen, const uint8_t *key, size_t keylen, char *err,
    size_t errsize)
{
	struct tls_config	*tc;
	struct tls		*ctx = NULL;
	int			 rc = -1;

	if ((tc = tls_config_new()) == NULL || (ctx = tls_server()) == NULL) {
		snprintf(err, errsize, "out of memory");
		goto done;
	}
	if (tls_config_set_keypair_mem(tc, cert, certlen, key, keylen) == -1) {
		snprintf(err, errsize, "%s, %s: %s", s->cert, s->key,
		    tls_config_error(tc));
		goto done;
	}
	if (tls_configure(ctx, tc) == -1) {
		snprintf(err, errsize, "certificate %s, key %s: %s", s->cert,
		    s->key, tls_error(ctx));
		goto done;
	}
	rc = 0;
done:
	tls_free(ctx);
	tls_config_free(tc);
	return rc;
}

static int
tlsio_load_keypair(struct tls_config *tc, const struct server *s, int first,
    const char **errstr)
{
	static char	 err[PATH_MAX * 2 + 512];
	uint8_t		*cert = NULL, *key = NULL;
	size_t		 certlen, keylen;
	int		 rc = -1;

	if ((cert = tls_load_file(s->cert, &certlen, NULL)) == NULL) {
		snprintf(err, sizeof(err), "certificate %s: %s", s->cert,
		    strerror(errno));
		goto done;
	}
	if ((key = tls_load_file(s->key, &keylen, NULL)) == NULL) {
		snprintf(err, sizeof(err), "key %s: %s", s->key,
		    strerror(errno));
		goto done;
	}
	if ((first ? tls_config_set_keypair_mem(tc, cert, certlen, key,
	    keylen) : tls_config_add_keypair_mem(tc, cert, certlen, key,
	    keylen)) == -1) {
		snprintf(err, sizeof(err), "%s, %s: %s", s->cert, s->key,
		    tls_config_error(tc));
		goto done;
	}
	if (tlsio_check_keypair(s, cert, certlen, key, keylen, err,
	    sizeof(err)) == -1)
		goto done;
	rc = 0;
done:
	if (rc == -1)
		*errstr = err;
	if (cert != NULL)
		tls_unload_file(cert, certlen);
	if (key != NULL)
		tls_unload_file(key, keylen);
	return rc;
}

/*
 * A server context for listener l: TLS 1.2 and 1.3 only, the default
 * server's keypair first (it answers clients that send no SNI), then
 * every other server on the same address (libtls picks by SNI).
 */
static int
tlsio_listener(struct listener *l, const char **errstr)
{
	static char		 err[256];
	struct tls_config	*tc;
	size_t			 i;

	if ((tc = tls_config_new()) == NULL) {
		*errstr = "out of memory";
		return -1;
	}
	if (tls_config_set_protocols(tc, TLS_PROTOCOL_TLSv1_2 |
	    TLS_PROTOCOL_TLSv1_3) == -1)
		goto tlserr;
	if (tlsio_load_keypair(tc, l->server, 1, errstr) == -1)
		goto fail;
	for (i = 1; i < l->nservers; i++)
		if (tlsio_load_keypair(tc, l->servers[i], 0, errstr) == -1)
			goto fail;
	if ((l->tls = tls_server()) == NULL) {
		*errstr = "out of memory";
		goto fail;
	}
	if (tls_configure(l->tls, tc) == -1) {
		snprintf(err, sizeof(err), "%s: %s", l->name,
		    tls_error(l->tls));
		*errstr = err;
		goto fail;
	}
	tls_config_free(tc);
	return 0;
tlserr:
	snprintf(err, sizeof(err), "%s: %s", l->name, tls_config_error(tc));
	*errstr = err;
fail:
	tls_config_free(tc);
	tls_free(l->tls);
	l->tls = NULL;
	return -1;
}

/* In a worker, before it accepts: the settings of its generation. */
void
tlsio_worker(const struct config *conf)
{
	tlsio_tickets = conf->ticket_lifetime;
}

/* Build the TLS context of every listener that speaks TLS. */
int
tlsio_configure(struct config *conf, const char **errstr)
{
	struct listener	*l;

	TAILQ_FOREACH(l, &conf->listeners, entry) {
		if (l->proto != PROTO_GEMINI && !(l->flags & LISTEN_TLS))
			continue;
		if (tlsio_listener(l, errstr) == -1)
			return -1;
	}
	return 0;
}

void
tlsio_free_listener(struct listener *l)
{
	tls_free(l->tls);
	l->tls = NULL;
}

int
tlsio_accept(struct listener *l, int fd, struct tls **cctx)
{
	*cctx = NULL;
	if (tls_accept_socket(l->tls, cctx, fd) == -1) {
		log_warnx("%s: tls accept: %s", l->name, tls_error(l->tls));
		return -1;
	}
	return 0;
}

static enum io_result
tlsio_result(ssize_t rc)
{
	if (rc == TLS_WANT_POLLIN)
		return IO_WANT_READ;
	if (rc == TLS_WANT_POLLOUT)
		return IO_WANT_WRITE;
	return rc < 0 ? IO_ERROR : IO_DONE;
}

enum io_result
tlsio_handshake(struct tls *t)
{
	return tlsio_result(tls_handshake(t));
}

enum io_result
tlsio_read(struct tls *t, void *buf, size_t len, size_t *n)
{
	ssize_t	rc;

	*n = 0;
	rc = tls_read(t, buf, len);
	if (rc == 0)
		return IO_EOF;
	if (rc > 0)
		*n = (size_t)rc;
	return tlsio_result(rc);
}

enum io_result
tlsio_write(struct tls *t, const void *buf, size_t len, size_t *n)
{
	ssize_t	rc;

	*n = 0;
	rc = tls_write(t, buf, len);
	if (rc > 0)
		*n = (size_t)rc;
	return tlsio_result(rc);
}

/* Send close_notify; a peer that is already gone is not an error here. */
enum io_result
tlsio_close(struct tls *t)
{
	return tlsio_result(tls_close(t));
}

void
tlsio_free(struct tls *t)
{
	tls_free(t);
}

const char *
tlsio_servername(struct tls *t)
{
	return tls_conn_servername(t);
}

const char *
tlsio_error(struct tls *t)
{
	const char	*e = tls_error(t);

	return e != NULL ? e : "unknown error";
}
