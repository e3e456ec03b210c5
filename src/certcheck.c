/*
 * certcheck.c: what capsuled -n says about a server's certificate and
 * key beyond "they load": a certificate whose names do not cover the
 * server's name or one of its aliases (clients that check names, and
 * TOFU clients after a renewal, refuse it), and a private key that
 * others may read.  Both are warnings: the daemon would start.
 *
 * It reads only certificates, which are public, and stat()s the key
 * file: it never opens a private key, which only the process that holds
 * the keys may load.  Only -n calls it; it prints to the stream given.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <string.h>

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "capsuled.h"
#include "certcheck.h"
#include "config.h"
#include "log.h"

#define CERTCHECK_NAMES_MAX	8	/* certificate names quoted */

/* A host name or an IP literal covered by the certificate? */
static int
certcheck_covers(X509 *x, const char *name)
{
	unsigned char	addr[sizeof(struct in6_addr)];

	if (inet_pton(AF_INET, name, addr) == 1 ||
	    inet_pton(AF_INET6, name, addr) == 1)
		return X509_check_ip_asc(x, name, 0) == 1;
	return X509_check_host(x, name, strlen(name), 0, NULL) == 1;
}

/* The names the certificate has, for the warning: its DNS and IP SANs. */
static void
certcheck_names(X509 *x, char *out, size_t size)
{
	GENERAL_NAMES		*sans;
	const GENERAL_NAME	*gn;
	const unsigned char	*p;
	char			 one[HOSTNAME_MAX + 1];
	int			 i, n, len;

	out[0] = '\0';
	sans = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	n = sans != NULL ? sk_GENERAL_NAME_num(sans) : 0;
	for (i = 0; i < n && i < CERTCHECK_NAMES_MAX; i++) {
		gn = sk_GENERAL_NAME_value(sans, i);
		if (gn->type != GEN_DNS)
			continue;
		p = ASN1_STRING_get0_data(gn->d.dNSName);
		len = ASN1_STRING_length(gn->d.dNSName);
		if (len <= 0 || (size_t)len >= sizeof(one))
			continue;
		memcpy(one, p, (size_t)len);
		one[len] = '\0';
		if (out[0] != '\0')
			strlcat(out, ", ", size);
		strlcat(out, log_quote(one), size);
	}
	if (n > CERTCHECK_NAMES_MAX)
		strlcat(out, ", ...", size);
	GENERAL_NAMES_free(sans);
	if (out[0] == '\0') {
		/* No DNS names: the subject's CN is what clients fall back to. */
		if (X509_NAME_get_text_by_NID(X509_get_subject_name(x),
		    NID_commonName, one, sizeof(one)) > 0)
			strlcpy(out, log_quote(one), size);
		else
			strlcpy(out, "none", size);
	}
}

static int
certcheck_cert(const struct server *s, FILE *out)
{
	FILE	*f;
	X509	*x;
	char	 names[1024];
	int	 warnings = 0, i;

	if ((f = fopen(s->cert, "r")) == NULL)
		return 0;	/* loading it has said why already */
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (x == NULL)
		return 0;
	certcheck_names(x, names, sizeof(names));
	if (!certcheck_covers(x, s->name)) {
		fprintf(out, "capsuled: warning: %s: the certificate's names "
		    "(%s) do not cover server \"%s\"\n", log_quote(s->cert),
		    names, log_quote(s->name));
		warnings++;
	}
	for (i = 0; i < s->naliases; i++) {
		if (certcheck_covers(x, s->aliases[i]))
			continue;
		fprintf(out, "capsuled: warning: %s: the certificate's names "
		    "(%s) do not cover alias \"%s\" of server \"%s\"\n",
		    log_quote(s->cert), names, log_quote(s->aliases[i]),
		    log_quote(s->name));
		warnings++;
	}
	X509_free(x);
	return warnings;
}

static int
certcheck_key(const struct server *s, FILE *out)
{
	struct stat	st;

	if (stat(s->key, &st) == -1 || !(st.st_mode & S_IROTH))
		return 0;
	fprintf(out, "capsuled: warning: %s: the private key is readable by "
	    "others (mode %04o); chmod o-r it\n", log_quote(s->key),
	    (unsigned)(st.st_mode & 07777));
	return 1;
}

/*
 * Check every server that has a certificate; returns the number of
 * warnings printed on out.
 */
int
certcheck_config(const struct config *conf, FILE *out)
{
	const struct server	*s;
	int			 warnings = 0;

	TAILQ_FOREACH(s, &conf->servers, entry) {
		if (s->cert[0] == '\0')
			continue;
		warnings += certcheck_cert(s, out);
		if (s->key[0] != '\0')
			warnings += certcheck_key(s, out);
	}
	return warnings;
}
