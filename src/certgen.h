/*
 * certgen.h: the self-signed certificate a server gets on first start
 * when it names no cert and key (certgen.c).  Included by the parent's
 * setup and by the parsers that set the directory.
 */

#ifndef CERTGEN_H
#define CERTGEN_H

#define CERTGEN_DIR		"/var/lib/capsuled/certs"	/* cert-dir */
#define CERTGEN_DIR_QUICK	"certs"		/* quick mode, relative */
#define CERTGEN_TIMEOUT		30	/* s the key-making child may take */
#define CERTGEN_CN_MAX		64	/* bytes of a commonName (X.520) */

struct config;

/*
 * Give every server that speaks TLS and names no keypair its files in
 * cert-dir, making them if the certificate is missing; with check set
 * (capsuled -n) nothing is made: such a server is marked cert_pending
 * and the log says what would be made.
 */
int	certgen_servers(struct config *, int, const char **);

#endif /* CERTGEN_H */
