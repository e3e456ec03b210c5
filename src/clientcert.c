/*
 * clientcert.c: require client ca.  The parent reads each CA file once
 * per generation (clientcert_load; the workers inherit the store), and
 * a worker checks a client's chain against it (clientcert_verify): the
 * first certificate of the PEM chain libtls hands over is the client's,
 * the others are intermediates it sent; it passes if it chains to a
 * certificate of the file.  Its validity period is judged before, by
 * rules.c (a certificate outside it gets 62, not 61).  The chain is
 * not checked for a purpose: Gemini client certificates seldom name
 * one.
 */

#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "clientcert.h"

/* The CAs of a PEM file, or NULL with *errstr. */
void *
clientcert_load(const char *file, const char **errstr)
{
	X509_STORE	*st;

	if ((st = X509_STORE_new()) == NULL) {
		*errstr = "out of memory";
		return NULL;
	}
	if (X509_STORE_load_file(st, file) != 1) {
		*errstr = "cannot read certificates from it";
		X509_STORE_free(st);
		ERR_clear_error();
		return NULL;
	}
	return st;
}

void
clientcert_free(void *store)
{
	X509_STORE_free(store);
}

/* Does the PEM chain (client first) chain to a CA of store?  1: yes. */
int
clientcert_verify(void *store, const uint8_t *pem, size_t len)
{
	STACK_OF(X509)	*chain = NULL;
	X509_STORE_CTX	*ctx = NULL;
	X509		*leaf = NULL, *x;
	BIO		*bio;
	int		 ok = 0;

	if (pem == NULL || len == 0 || len > INT32_MAX ||
	    (bio = BIO_new_mem_buf(pem, (int)len)) == NULL)
		return 0;
	if ((leaf = PEM_read_bio_X509(bio, NULL, NULL, NULL)) == NULL ||
	    (chain = sk_X509_new_null()) == NULL)
		goto done;
	while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL)
		if (sk_X509_push(chain, x) == 0) {
			X509_free(x);
			goto done;
		}
	if ((ctx = X509_STORE_CTX_new()) == NULL ||
	    X509_STORE_CTX_init(ctx, store, leaf, chain) != 1)
		goto done;
	ok = X509_verify_cert(ctx) == 1;
done:
	ERR_clear_error();
	X509_STORE_CTX_free(ctx);
	sk_X509_pop_free(chain, X509_free);
	X509_free(leaf);
	BIO_free(bio);
	return ok;
}
