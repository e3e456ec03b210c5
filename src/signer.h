/*
 * signer.h: TLS keys whose private half is elsewhere.  The parent makes
 * one "remote" key per certificate (its public key, with EC and RSA
 * methods that send every private-key operation to the key process) and
 * puts them into the TLS contexts; a worker gives the signer its
 * channel to the key process.  No private key ever enters a process
 * that uses this module.
 */

#ifndef CAPSULED_SIGNER_H
#define CAPSULED_SIGNER_H

#include <stddef.h>
#include <stdint.h>

#define SIGNER_KEYS_MAX		64	/* certificates per generation */
#define SIGNER_TIMEOUT_MS	2000	/* for the key process's answer */
#define SIGNER_DATA_MAX		1024	/* bytes to sign: RSA-8192 at most */

/* What a worker asks the key process (MSG_SIGN fields, after the id). */
enum signer_field {
	SIGNER_F_KEY = 2,	/* u32: index of the key */
	SIGNER_F_OP,		/* u32: SIGNER_OP_* */
	SIGNER_F_PAD,		/* u32: RSA padding */
	SIGNER_F_DATA		/* the digest (EC) or encoded block (RSA) */
};

#define SIGNER_OP_ECDSA		1	/* DER signature of a digest */
#define SIGNER_OP_RSA		2	/* raw private operation, padded */

struct evp_pkey_st;
struct ssl_ctx_st;
struct signer;

struct signer	*signer_new(void);
void		 signer_free(struct signer *);
int		 signer_add(struct signer *, struct evp_pkey_st *, int *,
		    const char **);
size_t		 signer_count(const struct signer *);
struct evp_pkey_st *signer_public(const struct signer *, size_t);
int		 signer_adopt(const struct signer *, struct ssl_ctx_st *);
void		 signer_worker(int, int (*)(uint16_t));
void		 signer_channel(int);


#endif /* CAPSULED_SIGNER_H */
