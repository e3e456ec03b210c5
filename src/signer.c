/*
 * signer.c: the worker's side of the key process.  For every
 * certificate the parent makes a remote key: an EVP_PKEY with the
 * certificate's public key and no private half, whose EC or RSA method
 * sends the private-key operation (an ECDSA signature of a handshake
 * digest, or an RSA private operation on a padded block) to the key
 * process and waits for the answer.  signer_adopt() puts the remote key
 * into a TLS context in place of the certificate-only key libtls loaded;
 * OpenSSL then signs through it without knowing.
 *
 * A worker waits for the key process (chan.c: one round trip on a
 * socketpair, once per full handshake), at most SIGNER_TIMEOUT_MS; if
 * the key process is gone, it gets a channel to the restarted one and
 * tries once more; if that fails too, the handshake fails.
 *
 * The old EC_KEY_METHOD and RSA_METHOD interfaces are the only way
 * OpenSSL 3 gives a key an external private operation short of writing
 * a provider, so this file allows itself the deprecated API (as libtls
 * does for its own signer).  It never sees a private key.
 */

#define OPENSSL_SUPPRESS_DEPRECATED	1

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "chan.h"
#include "log.h"
#include "msg.h"
#include "signer.h"

struct signer_key {
	EVP_PKEY	*pub;		/* the certificate's key */
	EVP_PKEY	*remote;	/* the same, private half elsewhere */
};

struct signer {
	size_t			 n;
	struct signer_key	 k[SIGNER_KEYS_MAX];
};

static EC_KEY_METHOD		*signer_ec_method;
static RSA_METHOD		*signer_rsa_method;
static int			 signer_ec_index = -1;	/* ex_data: key + 1 */
static int			 signer_rsa_index = -1;
static struct chan		 signer_chan = { .fd = -1 };

/* Which of the key process's keys is this EC_KEY or RSA?  -1: none. */
static int
signer_find(const EC_KEY *ec, const RSA *rsa)
{
	uintptr_t	v;

	if (ec != NULL)
		v = (uintptr_t)EC_KEY_get_ex_data(ec, signer_ec_index);
	else
		v = (uintptr_t)RSA_get_ex_data(rsa, signer_rsa_index);
	return v == 0 ? -1 : (int)(v - 1);
}

/* Ask the key process; the answer's signature goes to out. */
static int
signer_ask(uint32_t key, uint32_t op, uint32_t pad, const unsigned char *in,
    size_t inlen, unsigned char *out, size_t outcap, size_t *outlen)
{
	unsigned char		 req[SIGNER_DATA_MAX + 64];
	struct msg_writer	 w;
	const void		*p;
	size_t			 len;

	msg_writer_init(&w, req, sizeof(req));
	msg_field_u32(&w, CHAN_F_ID, 0);
	msg_field_u32(&w, SIGNER_F_KEY, key);
	msg_field_u32(&w, SIGNER_F_OP, op);
	msg_field_u32(&w, SIGNER_F_PAD, pad);
	msg_field(&w, SIGNER_F_DATA, in, inlen);
	if (w.failed || chan_call(&signer_chan, MSG_SIGN, req, w.len, -1,
	    SIGNER_TIMEOUT_MS) == -1) {
		log_warnx("the key process did not answer");
		return -1;
	}
	if (signer_chan.reply.fd != -1) {
		close(signer_chan.reply.fd);
		signer_chan.reply.fd = -1;
	}
	if (signer_chan.reply.type != MSG_SIGNED ||
	    chan_reply_field(&signer_chan.reply, SIGNER_F_DATA, &p,
	    &len) == -1 || len > outcap) {
		log_warnx("the key process did not sign");
		return -1;
	}
	memcpy(out, p, len);
	*outlen = len;
	return 0;
}

static int
signer_ec_sign(int type, const unsigned char *dgst, int dlen,
    unsigned char *sig, unsigned int *siglen, const BIGNUM *kinv,
    const BIGNUM *r, EC_KEY *eckey)
{
	size_t	len;
	int	key = signer_find(eckey, NULL);

	(void)type;
	(void)kinv;
	(void)r;
	if (key == -1 || dlen < 0 || signer_ask((uint32_t)key,
	    SIGNER_OP_ECDSA, 0, dgst, (size_t)dlen, sig,
	    (size_t)ECDSA_size(eckey), &len) == -1)
		return 0;
	*siglen = (unsigned int)len;
	return 1;
}

static ECDSA_SIG *
signer_ec_sign_sig(const unsigned char *dgst, int dlen, const BIGNUM *kinv,
    const BIGNUM *r, EC_KEY *eckey)
{
	unsigned char		 der[256];
	const unsigned char	*p = der;
	unsigned int		 len;

	if (ECDSA_size(eckey) > (int)sizeof(der) ||
	    !signer_ec_sign(0, dgst, dlen, der, &len, kinv, r, eckey))
		return NULL;
	return d2i_ECDSA_SIG(NULL, &p, len);
}

static int
signer_rsa_priv_enc(int flen, const unsigned char *from, unsigned char *to,
    RSA *rsa, int padding)
{
	size_t	len;
	int	key = signer_find(NULL, rsa);

	if (key == -1 || flen < 0 || signer_ask((uint32_t)key, SIGNER_OP_RSA,
	    (uint32_t)padding, from, (size_t)flen, to, (size_t)RSA_size(rsa),
	    &len) == -1)
		return -1;
	return (int)len;
}

/* The RSA methods' decryption: nothing capsuled does needs it. */
static int
signer_rsa_priv_dec(int flen, const unsigned char *from, unsigned char *to,
    RSA *rsa, int padding)
{
	(void)flen;
	(void)from;
	(void)to;
	(void)rsa;
	(void)padding;
	return -1;
}

static int
signer_methods(void)
{
	if (signer_ec_method != NULL)
		return 0;
	if ((signer_ec_method = EC_KEY_METHOD_new(EC_KEY_OpenSSL())) == NULL ||
	    (signer_rsa_method = RSA_meth_dup(RSA_PKCS1_OpenSSL())) == NULL ||
	    (signer_ec_index = EC_KEY_get_ex_new_index(0, NULL, NULL, NULL,
	    NULL)) == -1 ||
	    (signer_rsa_index = RSA_get_ex_new_index(0, NULL, NULL, NULL,
	    NULL)) == -1)
		return -1;
	EC_KEY_METHOD_set_sign(signer_ec_method, signer_ec_sign, NULL,
	    signer_ec_sign_sig);
	if (RSA_meth_set1_name(signer_rsa_method, "capsuled key process") != 1 ||
	    RSA_meth_set_priv_enc(signer_rsa_method, signer_rsa_priv_enc) != 1 ||
	    RSA_meth_set_priv_dec(signer_rsa_method, signer_rsa_priv_dec) != 1)
		return -1;
	return 0;
}

struct signer *
signer_new(void)
{
	if (signer_methods() == -1)
		return NULL;
	return calloc(1, sizeof(struct signer));
}

void
signer_free(struct signer *s)
{
	size_t	i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++) {
		EVP_PKEY_free(s->k[i].pub);
		EVP_PKEY_free(s->k[i].remote);
	}
	free(s);
}

static EVP_PKEY *
signer_remote_ec(struct signer_key *k, size_t index)
{
	const EC_KEY	*src = EVP_PKEY_get0_EC_KEY(k->pub);
	EVP_PKEY	*pk;
	EC_KEY		*ec;

	if (src == NULL || (ec = EC_KEY_new()) == NULL)
		return NULL;
	if (EC_KEY_set_method(ec, signer_ec_method) != 1 ||
	    EC_KEY_set_ex_data(ec, signer_ec_index,
	    (void *)(uintptr_t)(index + 1)) != 1 ||
	    EC_KEY_set_group(ec, EC_KEY_get0_group(src)) != 1 ||
	    EC_KEY_set_public_key(ec, EC_KEY_get0_public_key(src)) != 1 ||
	    (pk = EVP_PKEY_new()) == NULL) {
		EC_KEY_free(ec);
		return NULL;
	}
	if (EVP_PKEY_assign_EC_KEY(pk, ec) != 1) {
		EC_KEY_free(ec);
		EVP_PKEY_free(pk);
		return NULL;
	}
	return pk;
}

static EVP_PKEY *
signer_remote_rsa(struct signer_key *k, size_t index)
{
	const RSA	*src = EVP_PKEY_get0_RSA(k->pub);
	EVP_PKEY	*pk;
	BIGNUM		*n, *e;
	RSA		*rsa;

	if (src == NULL || (rsa = RSA_new()) == NULL)
		return NULL;
	n = BN_dup(RSA_get0_n(src));
	e = BN_dup(RSA_get0_e(src));
	if (n == NULL || e == NULL || RSA_set0_key(rsa, n, e, NULL) != 1) {
		BN_free(n);
		BN_free(e);
		RSA_free(rsa);
		return NULL;
	}
	if (RSA_set_method(rsa, signer_rsa_method) != 1 ||
	    RSA_set_ex_data(rsa, signer_rsa_index,
	    (void *)(uintptr_t)(index + 1)) != 1 ||
	    (pk = EVP_PKEY_new()) == NULL) {
		RSA_free(rsa);
		return NULL;
	}
	if (EVP_PKEY_assign_RSA(pk, rsa) != 1) {
		RSA_free(rsa);
		EVP_PKEY_free(pk);
		return NULL;
	}
	return pk;
}

/*
 * A remote key for a certificate's public key pub (the signer takes
 * pub over); *index is what the key process knows it by.  A public key
 * seen before gets the same index.
 */
int
signer_add(struct signer *s, EVP_PKEY *pub, int *index, const char **errstr)
{
	struct signer_key	*k;
	size_t			 i;

	for (i = 0; i < s->n; i++) {
		if (EVP_PKEY_eq(s->k[i].pub, pub) == 1) {
			EVP_PKEY_free(pub);
			*index = (int)i;
			return 0;
		}
	}
	if (s->n == SIGNER_KEYS_MAX) {
		*errstr = "too many certificates";
		EVP_PKEY_free(pub);
		return -1;
	}
	k = &s->k[s->n];
	memset(k, 0, sizeof(*k));
	k->pub = pub;
	switch (EVP_PKEY_get_base_id(pub)) {
	case EVP_PKEY_EC:
		k->remote = signer_remote_ec(k, s->n);
		break;
	case EVP_PKEY_RSA:
		k->remote = signer_remote_rsa(k, s->n);
		break;
	default:
		*errstr = "only EC and RSA keys can be used";
		EVP_PKEY_free(pub);
		return -1;
	}
	if (k->remote == NULL) {
		*errstr = "cannot make a key for the key process";
		EVP_PKEY_free(pub);
		return -1;
	}
	*index = (int)s->n++;
	return 0;
}

size_t
signer_count(const struct signer *s)
{
	return s->n;
}

/* The public key of key i: what the key process's key must match. */
EVP_PKEY *
signer_public(const struct signer *s, size_t i)
{
	return i < s->n ? s->k[i].pub : NULL;
}

/*
 * Put the remote key for ctx's certificate into ctx, in place of the
 * public-only key libtls loaded.  0, or -1 when no key of ours matches.
 */
int
signer_adopt(const struct signer *s, SSL_CTX *ctx)
{
	X509		*x = SSL_CTX_get0_certificate(ctx);
	EVP_PKEY	*pk;
	size_t		 i;

	if (x == NULL || (pk = X509_get0_pubkey(x)) == NULL)
		return -1;
	for (i = 0; i < s->n; i++)
		if (EVP_PKEY_eq(s->k[i].pub, pk) == 1)
			return SSL_CTX_use_PrivateKey(ctx, s->k[i].remote) == 1 ?
			    0 : -1;
	return -1;
}

/*
 * In a worker: the channel to the key process (-1: none), and how to
 * get a new one when it fails (reconnect(MSG_KEY_CHANNEL) blocks until
 * the parent hands one over, or returns -1).
 */
void
signer_worker(int fd, int (*reconnect)(uint16_t))
{
	chan_init(&signer_chan, fd, MSG_KEY_CHANNEL, reconnect);
}

/* A new channel from the parent (the key process was restarted). */
void
signer_channel(int fd)
{
	chan_replace(&signer_chan, fd);
}
