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
#include <strings.h>
#include <tls.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "capsuled.h"
#include "config.h"
#include "log.h"
#include "signer.h"
#include "tlsio.h"

/* The ClientHello being fed to a probe, and where it is read up to. */
static struct {
	unsigned char	 buf[4096];
	size_t		 len;
	size_t		 off;
	SSL		*ssl;		/* the server's SSL of the probe */
	int		 on;
} tlsio_probing;

/*
 * Exported by libtls (LibreSSL and libretls) for privilege-separated
 * servers, but not declared in its header: configure a keypair without
 * a private key.
 */
int	tls_config_skip_private_key_check(struct tls_config *);

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
	if (tlsio_probing.on)
		tlsio_probing.ssl = ssl;
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
 * A server's certificate, read into memory (the caller unloads it), and
 * its public key made into a remote key of conf's signer: s->keyindex
 * says which.  A certificate file is read once per server, however many
 * listeners the server has.
 */
static int
tlsio_load_cert(struct config *conf, struct server *s, uint8_t **pem,
    size_t *len, const char **errstr)
{
	static char	 err[PATH_MAX + 256];
	X509		*x = NULL;
	EVP_PKEY	*pub;
	BIO		*bio;
	const char	*e;

	if ((*pem = tls_load_file(s->cert, len, NULL)) == NULL) {
		snprintf(err, sizeof(err), "certificate %s: %s", s->cert,
		    strerror(errno));
		*errstr = err;
		return -1;
	}
	if ((bio = BIO_new_mem_buf(*pem, (int)*len)) != NULL) {
		x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
		BIO_free(bio);
	}
	if (x == NULL || (pub = X509_get_pubkey(x)) == NULL) {
		snprintf(err, sizeof(err), "certificate %s: not a PEM "
		    "certificate", s->cert);
		goto fail;
	}
	X509_free(x);
	x = NULL;
	if (s->keyindex != -1)
		EVP_PKEY_free(pub);	/* seen on another listener */
	else if (signer_add(conf->signer, pub, &s->keyindex, &e) == -1) {
		snprintf(err, sizeof(err), "certificate %s: %s", s->cert, e);
		goto fail;
	}
	return 0;
fail:
	*errstr = err;
	X509_free(x);
	tls_unload_file(*pem, *len);
	*pem = NULL;
	return -1;
}

/*
 * Give libtls server s's certificate and no key: the private key is the
 * key process's.  libtls then holds the certificate's public key where
 * a private key would be, which tlsio_adopt() replaces by the remote
 * key.
 */
static int
tlsio_add_cert(struct config *conf, struct tls_config *tc, struct server *s,
    int first, const char **errstr)
{
	static char	 err[PATH_MAX + 256];
	uint8_t		*pem;
	size_t		 len;
	int		 rc;

	if (tlsio_load_cert(conf, s, &pem, &len, errstr) == -1)
		return -1;
	rc = first ? tls_config_set_keypair_mem(tc, pem, len, NULL, 0) :
	    tls_config_add_keypair_mem(tc, pem, len, NULL, 0);
	if (rc == -1) {
		snprintf(err, sizeof(err), "certificate %s: %s", s->cert,
		    tls_config_error(tc));
		*errstr = err;
	}
	tls_unload_file(pem, len);
	return rc;
}

static ssize_t
tlsio_probe_read(struct tls *t, void *buf, size_t len, void *arg)
{
	size_t	left = tlsio_probing.len - tlsio_probing.off;

	(void)t;
	(void)arg;
	if (left == 0)
		return TLS_WANT_POLLIN;
	if (len > left)
		len = left;
	memcpy(buf, tlsio_probing.buf + tlsio_probing.off, len);
	tlsio_probing.off += len;
	return (ssize_t)len;
}

static ssize_t
tlsio_probe_write(struct tls *t, const void *buf, size_t len, void *arg)
{
	(void)t;
	(void)buf;
	(void)arg;
	return (ssize_t)len;	/* the answer goes nowhere */
}

/*
 * A session ticket names the server name (SNI) it was issued under,
 * and resumes only under the same one: a TLS 1.3 resumption does not
 * repeat the SNI switch, so a ticket from one virtual host used under
 * another would be served with the first one's certificate.  Any other
 * name (or none where there was one) gets a full handshake.
 */
static int
tlsio_ticket_gen(SSL *ssl, void *arg)
{
	const char	*name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);

	(void)arg;
	if (name == NULL)
		name = "";
	return SSL_SESSION_set1_ticket_appdata(SSL_get0_session(ssl), name,
	    strlen(name));
}

/*
 * While a ClientHello is processed, OpenSSL decrypts a TLS 1.3 ticket
 * before it says which name the client asked for, so the ClientHello's
 * own server_name is taken first (within the same message's
 * processing, for that one SSL).
 */
static struct {
	const SSL	*ssl;
	char		 name[HOSTNAME_MAX + 1];
} tlsio_hello;

/*
 * Client certificates: any is accepted at the TLS layer (Gemini's are
 * self-signed; rules.c decides per location), and only a server with a
 * rule that reads them asks for one, so that the others do not pay a
 * CertificateRequest's bytes.
 */
static int
tlsio_verify_any(int preverify, X509_STORE_CTX *ctx)
{
	(void)preverify;
	(void)ctx;
	return 1;
}

static int
tlsio_hello_cb(SSL *ssl, int *al, void *arg)
{
	const struct listener	*l = arg;
	const struct server	*srv;
	const unsigned char	*p;
	size_t			 len, n;

	(void)al;
	tlsio_hello.ssl = ssl;
	tlsio_hello.name[0] = '\0';
	/* list length (2), name type (1, 0: host_name), length (2), name */
	if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_server_name, &p,
	    &len) == 1 && len >= 5 && p[2] == 0) {
		n = (size_t)p[3] << 8 | p[4];
		if (n <= len - 5 && n <= HOSTNAME_MAX &&
		    memchr(p + 5, '\0', n) == NULL) {
			memcpy(tlsio_hello.name, p + 5, n);
			tlsio_hello.name[n] = '\0';
		}
	}
	srv = config_listener_server(l, tlsio_hello.name[0] != '\0' ?
	    tlsio_hello.name : NULL);
	if (srv != NULL && srv->wants_cert)
		SSL_set_verify(ssl, SSL_VERIFY_PEER | SSL_VERIFY_CLIENT_ONCE,
		    tlsio_verify_any);
	return SSL_CLIENT_HELLO_SUCCESS;
}

static SSL_TICKET_RETURN
tlsio_ticket_dec(SSL *ssl, SSL_SESSION *ss, const unsigned char *keyname,
    size_t keylen, SSL_TICKET_STATUS status, void *arg)
{
	const char	*name = tlsio_hello.ssl == ssl ? tlsio_hello.name : "";
	void		*data;
	size_t		 len;

	(void)keyname;
	(void)keylen;
	(void)arg;
	switch (status) {
	case SSL_TICKET_SUCCESS:
	case SSL_TICKET_SUCCESS_RENEW:
		break;
	case SSL_TICKET_EMPTY:
	case SSL_TICKET_NO_DECRYPT:
		return SSL_TICKET_RETURN_IGNORE_RENEW;
	default:
		return SSL_TICKET_RETURN_ABORT;
	}
	if (SSL_SESSION_get0_ticket_appdata(ss, &data, &len) != 1 ||
	    len != strlen(name) || strncasecmp(data, name, len) != 0)
		return SSL_TICKET_RETURN_IGNORE_RENEW;
	return status == SSL_TICKET_SUCCESS ? SSL_TICKET_RETURN_USE :
	    SSL_TICKET_RETURN_USE_RENEW;
}

static int
tlsio_bind(SSL_CTX *ctx, struct listener *l)
{
	SSL_CTX_set_client_hello_cb(ctx, tlsio_hello_cb, l);
	return SSL_CTX_set_session_ticket_cb(ctx, tlsio_ticket_gen,
	    tlsio_ticket_dec, NULL) == 1 ? 0 : -1;
}

/* A ClientHello naming name, as OpenSSL's own client would send it. */
static int
tlsio_probe_hello(const char *name)
{
	SSL_CTX	*cctx;
	SSL	*c = NULL;
	BIO	*rb = NULL, *wb = NULL;
	int	 n = -1;

	if ((cctx = SSL_CTX_new(TLS_client_method())) == NULL ||
	    (c = SSL_new(cctx)) == NULL ||
	    (rb = BIO_new(BIO_s_mem())) == NULL ||
	    (wb = BIO_new(BIO_s_mem())) == NULL)
		goto done;
	SSL_set_bio(c, rb, wb);
	rb = wb = NULL;
	if (SSL_set_tlsext_host_name(c, name) != 1)
		goto done;
	SSL_set_connect_state(c);
	(void)SSL_do_handshake(c);
	n = BIO_read(SSL_get_wbio(c), tlsio_probing.buf,
	    sizeof(tlsio_probing.buf));
done:
	BIO_free(rb);
	BIO_free(wb);
	SSL_free(c);
	SSL_CTX_free(cctx);
	if (n <= 0)
		return -1;
	tlsio_probing.len = (size_t)n;
	tlsio_probing.off = 0;
	return 0;
}

/*
 * Which contexts of l answer a client naming name: *main, the default
 * one (the SSL's own before SNI), and *sni, the one SNI switched to.
 */
static int
tlsio_probe(struct listener *l, const char *name, SSL_CTX **main,
    SSL_CTX **sni)
{
	struct tls	*cc = NULL;

	if (tlsio_probe_hello(name) == -1)
		return -1;
	tlsio_probing.ssl = NULL;
	tlsio_probing.on = 1;
	if (tls_accept_cbs(l->tls, &cc, tlsio_probe_read, tlsio_probe_write,
	    NULL) == -1 || tlsio_probing.ssl == NULL) {
		tlsio_probing.on = 0;
		tls_free(cc);
		return -1;
	}
	*main = SSL_get_SSL_CTX(tlsio_probing.ssl);
	(void)tls_handshake(cc);	/* fails: nothing can sign yet */
	*sni = SSL_get_SSL_CTX(tlsio_probing.ssl);
	tlsio_probing.on = 0;
	tls_free(cc);
	return 0;
}

/*
 * Every TLS context of listener l must sign through the key process.
 * libtls makes one context per certificate and switches to it by SNI,
 * but shows none of them; so each name the listener answers to is sent
 * one ClientHello, in memory, and the context the SNI switch picked is
 * taken from the half-done handshake (which then fails: the context has
 * no key yet).  The default context comes with the first.  When tickets
 * are on, they are bound to the name they were issued for.
 */
static int
tlsio_adopt(struct config *conf, struct listener *l, const char **errstr)
{
	static char	 err[HOSTNAME_MAX + 128];
	SSL_CTX		*main, *ctx;
	size_t		 i;
	int		 a, first = 1;

	for (i = 0; i < l->nservers; i++) {
		/* -n: certgen.c has yet to make this one (no context). */
		if (l->servers[i]->cert_pending)
			continue;
		for (a = -1; a < l->servers[i]->naliases; a++) {
			if (tlsio_probe(l, a == -1 ? l->servers[i]->name :
			    l->servers[i]->aliases[a], &main, &ctx) == -1) {
				snprintf(err, sizeof(err), "%s: cannot set up "
				    "TLS for %s", l->name, l->servers[i]->name);
				*errstr = err;
				return -1;
			}
			if ((first && a == -1 &&
			    (signer_adopt(conf->signer, main) == -1 ||
			    tlsio_bind(main, l) == -1)) ||
			    signer_adopt(conf->signer, ctx) == -1) {
				snprintf(err, sizeof(err), "%s: no key for the "
				    "certificate answering %s", l->name,
				    l->servers[i]->name);
				*errstr = err;
				return -1;
			}
		}
		first = 0;
	}
	return 0;
}

/*
 * A server context for listener l: TLS 1.2 and 1.3 only, the default
 * server's certificate first (it answers clients that send no SNI),
 * then every other server on the same address (libtls picks by SNI).
 * Under -n a certificate certgen.c has yet to make is left out, and a
 * listener with none yet gets no context.
 */
static int
tlsio_listener(struct config *conf, struct listener *l, const char **errstr)
{
	static char		 err[256];
	struct tls_config	*tc;
	size_t			 i, n;

	if ((tc = tls_config_new()) == NULL) {
		*errstr = "out of memory";
		return -1;
	}
	if (tls_config_set_protocols(tc, TLS_PROTOCOL_TLSv1_2 |
	    TLS_PROTOCOL_TLSv1_3) == -1)
		goto tlserr;
	tls_config_skip_private_key_check(tc);
	for (i = 0, n = 0; i < l->nservers; i++)
		if (!l->servers[i]->cert_pending &&
		    tlsio_add_cert(conf, tc, l->servers[i], n++ == 0,
		    errstr) == -1)
			goto fail;
	if (n == 0) {
		tls_config_free(tc);
		return 0;
	}
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
	return tlsio_adopt(conf, l, errstr);
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

/*
 * Build the TLS context of every listener that speaks TLS, with remote
 * keys (conf->signer) in place of the private keys.
 */
int
tlsio_configure(struct config *conf, const char **errstr)
{
	struct listener	*l;

	if ((conf->signer = signer_new()) == NULL) {
		*errstr = "out of memory";
		return -1;
	}
	TAILQ_FOREACH(l, &conf->listeners, entry) {
		if (l->proto != PROTO_GEMINI && !(l->flags & LISTEN_TLS))
			continue;
		if (tlsio_listener(conf, l, errstr) == -1)
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

/*
 * What the client's certificate says (after the handshake).  -1 when
 * libtls cannot tell; provided 0: the client sent none.
 */
int
tlsio_peer(struct tls *t, struct tlsio_peer *p)
{
	memset(p, 0, sizeof(*p));
	p->version = tls_conn_version(t);
	p->cipher = tls_conn_cipher(t);
	if (!tls_peer_cert_provided(t))
		return 0;
	p->provided = 1;
	p->hash = tls_peer_cert_hash(t);
	p->subject = tls_peer_cert_subject(t);
	p->issuer = tls_peer_cert_issuer(t);
	p->notbefore = tls_peer_cert_notbefore(t);
	p->notafter = tls_peer_cert_notafter(t);
	p->chain = tls_peer_cert_chain_pem(t, &p->chainlen);
	if (p->hash == NULL || p->notbefore == -1 || p->notafter == -1)
		return -1;
	return 0;
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
