/*
 * keyproc.c: the key process.  The parent forks one per generation.
 * It reads the private keys of the generation's certificates (still
 * root, before anything else), checks that each matches its
 * certificate, and then locks itself up: no network, no file system,
 * the configured user, a seccomp filter of its own (sandbox.c).  From
 * then on it answers one question from the workers, "sign this with
 * key K" (MSG_SIGN, see signer.h), over the channels the parent hands
 * it (MSG_CHANNEL), and nothing else: no request, no capsule, no
 * certificate ever reaches it.  It exits when the parent has let go of
 * it and its last worker channel closes, wiping the keys first.
 *
 * An RSA private operation without padding (what TLS 1.3's RSA-PSS
 * needs, the padding being done by the worker) is only done on a block
 * that has the form of a PSS encoding (top bit clear, last byte 0xbc),
 * so that a compromised worker cannot use the process to decrypt with
 * the key.
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "chan.h"
#include "config.h"
#include "keyproc.h"
#include "log.h"
#include "msg.h"
#include "sandbox.h"
#include "signer.h"

#define KEYPROC_FILE_MAX	(64 * 1024)	/* bytes in a key file */

static EVP_PKEY			*keyproc_keys[SIGNER_KEYS_MAX];
static size_t			 keyproc_nkeys;

/* No passphrase: an encrypted key is refused rather than prompted for. */
static int
keyproc_nopass(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return 0;
}

/* Read a whole (small) file; the caller wipes and frees it. */
static char *
keyproc_read(const char *path, size_t *len, char *err, size_t errsize)
{
	struct stat	 st;
	char		*buf = NULL;
	ssize_t		 n;
	size_t		 off = 0;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1 ||
	    fstat(fd, &st) == -1) {
		snprintf(err, errsize, "key %s: %s", path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > KEYPROC_FILE_MAX) {
		snprintf(err, errsize, "key %s: not a key file", path);
		goto fail;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		snprintf(err, errsize, "key %s: out of memory", path);
		goto fail;
	}
	while (off < (size_t)st.st_size) {
		if ((n = read(fd, buf + off, (size_t)st.st_size - off)) <= 0) {
			if (n == -1 && errno == EINTR)
				continue;
			snprintf(err, errsize, "key %s: %s", path,
			    n == 0 ? "file shrank" : strerror(errno));
			goto fail;
		}
		off += (size_t)n;
	}
	close(fd);
	buf[off] = '\0';
	*len = off;
	return buf;
fail:
	if (buf != NULL) {
		explicit_bzero(buf, (size_t)st.st_size + 1);
		free(buf);
	}
	if (fd != -1)
		close(fd);
	return NULL;
}

/* The private key of server s, checked against its certificate. */
static int
keyproc_load(const struct config *conf, const struct server *s, char *err,
    size_t errsize)
{
	EVP_PKEY	*pk, *pub = signer_public(conf->signer,
			    (size_t)s->keyindex);
	BIO		*bio;
	char		*pem;
	size_t		 len;
	int		 id;

	if ((pem = keyproc_read(s->key, &len, err, errsize)) == NULL)
		return -1;
	pk = NULL;
	if ((bio = BIO_new_mem_buf(pem, (int)len)) != NULL) {
		pk = PEM_read_bio_PrivateKey(bio, NULL, keyproc_nopass, NULL);
		BIO_free(bio);
	}
	explicit_bzero(pem, len);
	free(pem);
	if (pk == NULL) {
		snprintf(err, errsize, "key %s: not a PEM private key (or "
		    "an encrypted one)", s->key);
		return -1;
	}
	id = EVP_PKEY_get_base_id(pk);
	if (id != EVP_PKEY_EC && id != EVP_PKEY_RSA) {
		snprintf(err, errsize, "key %s: only EC and RSA keys can be "
		    "used, this one is %s", s->key, OBJ_nid2sn(id));
		EVP_PKEY_free(pk);
		return -1;
	}
	if (pub == NULL || EVP_PKEY_eq(pk, pub) != 1) {
		snprintf(err, errsize, "key %s does not match certificate %s",
		    s->key, s->cert);
		EVP_PKEY_free(pk);
		return -1;
	}
	if (keyproc_keys[s->keyindex] == NULL) {
		keyproc_keys[s->keyindex] = pk;
		keyproc_nkeys++;
	} else
		EVP_PKEY_free(pk);
	return 0;
}

static void
keyproc_wipe(void)
{
	size_t	i;

	/* OpenSSL clears a key's private numbers as it frees them. */
	for (i = 0; i < SIGNER_KEYS_MAX; i++) {
		EVP_PKEY_free(keyproc_keys[i]);
		keyproc_keys[i] = NULL;
	}
	keyproc_nkeys = 0;
}

/* Is an unpadded RSA block a PSS encoding (RFC 8017 9.1.1)? */
static int
keyproc_pss_shaped(const unsigned char *p, size_t len, EVP_PKEY *pk)
{
	return len == (size_t)EVP_PKEY_get_size(pk) && len > 0 &&
	    (p[0] & 0x80) == 0 && p[len - 1] == 0xbc;
}

static int
keyproc_sign(uint32_t key, uint32_t op, uint32_t pad,
    const unsigned char *in, size_t inlen, unsigned char *out, size_t *outlen)
{
	EVP_PKEY	*pk;
	EVP_PKEY_CTX	*ctx;
	int		 ok = 0;

	if (key >= SIGNER_KEYS_MAX || (pk = keyproc_keys[key]) == NULL)
		return -1;
	if ((size_t)EVP_PKEY_get_size(pk) > *outlen)
		return -1;
	if (op == SIGNER_OP_ECDSA) {
		if (EVP_PKEY_get_base_id(pk) != EVP_PKEY_EC || inlen > 64)
			return -1;
	} else if (op == SIGNER_OP_RSA) {
		if (EVP_PKEY_get_base_id(pk) != EVP_PKEY_RSA)
			return -1;
		if (pad == RSA_NO_PADDING) {
			if (!keyproc_pss_shaped(in, inlen, pk))
				return -1;
		} else if (pad != RSA_PKCS1_PADDING)
			return -1;
	} else
		return -1;
	if ((ctx = EVP_PKEY_CTX_new(pk, NULL)) == NULL)
		return -1;
	if (EVP_PKEY_sign_init(ctx) == 1 && (op != SIGNER_OP_RSA ||
	    EVP_PKEY_CTX_set_rsa_padding(ctx, (int)pad) == 1) &&
	    EVP_PKEY_sign(ctx, out, outlen, in, inlen) == 1)
		ok = 1;
	EVP_PKEY_CTX_free(ctx);
	return ok ? 0 : -1;
}

/* Answer one MSG_SIGN; an unreadable request closes the channel. */
static int
keyproc_answer(int fd, const struct msg *m)
{
	unsigned char		 sig[SIGNER_DATA_MAX], reply[SIGNER_DATA_MAX + 16];
	struct msg_writer	 w;
	struct msg_cursor	 c;
	const void		*p, *data = NULL;
	size_t			 len, datalen = 0, siglen = sizeof(sig);
	uint32_t		 v[SIGNER_F_DATA] = { 0 }, seen = 0, id;
	uint16_t		 tag;
	int			 rc;

	if (m->type != MSG_SIGN || chan_request_id(m, &id) == -1)
		return -1;
	msg_cursor_init(&c, m->data, m->len);
	(void)msg_field_next(&c, &tag, &p, &len);	/* the id */
	while ((rc = msg_field_next(&c, &tag, &p, &len)) == 1) {
		if (tag == SIGNER_F_DATA) {
			data = p;
			datalen = len;
		} else if (tag > CHAN_F_ID && tag < SIGNER_F_DATA &&
		    len == sizeof(uint32_t)) {
			memcpy(&v[tag], p, sizeof(uint32_t));
			seen |= 1U << tag;
		} else
			return -1;
	}
	if (rc == -1 || data == NULL || seen != (1U << SIGNER_F_KEY |
	    1U << SIGNER_F_OP | 1U << SIGNER_F_PAD))
		return -1;
	msg_writer_init(&w, reply, sizeof(reply));
	if (keyproc_sign(v[SIGNER_F_KEY], v[SIGNER_F_OP], v[SIGNER_F_PAD],
	    data, datalen, sig, &siglen) == -1) {
		log_warnx("refused to sign with key %u", v[SIGNER_F_KEY]);
		return chan_answer(fd, MSG_SIGN_FAILED, id, NULL, 0, -1);
	}
	msg_field(&w, SIGNER_F_DATA, sig, siglen);
	explicit_bzero(sig, sizeof(sig));
	rc = chan_answer(fd, MSG_SIGNED, id, reply, w.len, -1);
	explicit_bzero(reply, sizeof(reply));
	return rc;
}

static const struct chan_hooks	keyproc_hooks = { .answer = keyproc_answer };

/*
 * The key process's life.  Every descriptor it inherited but ctl (and
 * the log's) is closed before it reads a key.
 */
void
keyproc_main(struct config *conf, int ctl)
{
	struct server	*s;
	char		 err[PATH_MAX * 2 + 128];

	log_procname("keyproc");
	TAILQ_FOREACH(s, &conf->servers, entry) {
		if (s->keyindex < 0)
			continue;
		if (keyproc_load(conf, s, err, sizeof(err)) == -1) {
			keyproc_wipe();
			(void)msg_send(ctl, MSG_FAILED, err, strlen(err), -1);
			_exit(1);
		}
	}
	sandbox_keyproc(conf);
	if (msg_send(ctl, MSG_READY, NULL, 0, -1) == -1)
		_exit(1);
	chan_serve(ctl, &keyproc_hooks);
	keyproc_wipe();
	_exit(0);
}
