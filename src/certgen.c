/*
 * certgen.c: a certificate on first start.  A server that speaks TLS
 * (Gemini, or Gopher with "tls") but names no cert and key uses
 * NAME.crt and NAME.key in the configuration's cert-dir; when the
 * certificate is not there it is made: an EC P-256 key and a
 * self-signed certificate for the server's name and aliases that does
 * not expire (99991231235959Z, RFC 5280's "no well-defined expiration
 * date"), since Gemini clients trust on first use and pin what they
 * saw: a certificate that lapsed would look like an impostor's.
 *
 * The key is generated and written by a short-lived child process.
 * The parent waits for it, then reads only the certificate, for the
 * fingerprint it logs, so making a key never puts one in the parent's
 * memory (the key process reads it, as it reads every key).  Each file is written under a temporary name, synced and
 * renamed into place, the key first: a certificate on disk always has
 * its key, and a key without a certificate is the trace of an
 * interrupted run (no client can have pinned it), replaced by the next
 * one.  A certificate whose key is gone is an error, never replaced:
 * clients have pinned it.  Nothing here touches a keypair the
 * configuration names, binds, or serves.
 */

#include <sys/types.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "capsuled.h"
#include "certgen.h"
#include "config.h"
#include "log.h"

#define CERTGEN_NOT_AFTER	"99991231235959Z"
#define CERTGEN_SERIAL_BYTES	16
#define CERTGEN_ERR_MAX		(PATH_MAX + 256)	/* bytes of the child's error */

static char	certgen_err[PATH_MAX * 2 + CERTGEN_ERR_MAX + HOSTNAME_MAX];

/* Does server s have a listener that needs its keypair? */
static int
certgen_needs_tls(const struct config *conf, const struct server *s)
{
	const struct listener	*l;
	size_t			 i;

	TAILQ_FOREACH(l, &conf->listeners, entry) {
		if (l->proto != PROTO_GEMINI && !(l->flags & LISTEN_TLS))
			continue;
		for (i = 0; i < l->nservers; i++)
			if (l->servers[i] == s)
				return 1;
	}
	return 0;
}

/* Child: the error text, with OpenSSL's reason when it has one. */
static const char *
certgen_ssl_error(const char *what)
{
	static char	 msg[CERTGEN_ERR_MAX];
	char		 reason[256];
	unsigned long	 e;

	if ((e = ERR_get_error()) == 0)
		return what;
	ERR_error_string_n(e, reason, sizeof(reason));
	snprintf(msg, sizeof(msg), "%s: %s", what, reason);
	return msg;
}

static const char *
certgen_sys_error(const char *what, const char *path)
{
	static char	msg[CERTGEN_ERR_MAX];

	snprintf(msg, sizeof(msg), "%s %s: %s", what, path, strerror(errno));
	return msg;
}

/* Child: a fresh EC P-256 key. */
static EVP_PKEY *
certgen_key(void)
{
	EVP_PKEY_CTX	*ctx;
	EVP_PKEY	*pkey = NULL;

	if ((ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_EC, NULL)) == NULL)
		return NULL;
	if (EVP_PKEY_keygen_init(ctx) <= 0 ||
	    EVP_PKEY_CTX_set_ec_paramgen_curve_nid(ctx,
	    NID_X9_62_prime256v1) <= 0 ||
	    EVP_PKEY_keygen(ctx, &pkey) <= 0)
		pkey = NULL;
	EVP_PKEY_CTX_free(ctx);
	return pkey;
}

/*
 * Child: one subjectAltName entry for name: an IP address as such, a
 * host name as a dNSName (IA5, so ASCII only: a name that is not is
 * left out rather than mangled).  0: added or skipped, -1: no memory.
 */
static int
certgen_san(GENERAL_NAMES *gens, const char *name)
{
	GENERAL_NAME		*gn;
	ASN1_OCTET_STRING	*ip;
	ASN1_IA5STRING		*dns;
	unsigned char		 addr[16];
	const char		*p;
	int			 alen = 0;

	if (inet_pton(AF_INET, name, addr) == 1)
		alen = 4;
	else if (inet_pton(AF_INET6, name, addr) == 1)
		alen = 16;
	for (p = name; alen == 0 && *p != '\0'; p++)
		if ((unsigned char)*p >= 0x80)
			return 0;
	if ((gn = GENERAL_NAME_new()) == NULL)
		return -1;
	if (alen != 0) {
		if ((ip = ASN1_OCTET_STRING_new()) == NULL ||
		    !ASN1_OCTET_STRING_set(ip, addr, alen)) {
			ASN1_OCTET_STRING_free(ip);
			goto fail;
		}
		GENERAL_NAME_set0_value(gn, GEN_IPADD, ip);
	} else {
		if ((dns = ASN1_IA5STRING_new()) == NULL ||
		    !ASN1_STRING_set(dns, name, (int)strlen(name))) {
			ASN1_IA5STRING_free(dns);
			goto fail;
		}
		GENERAL_NAME_set0_value(gn, GEN_DNS, dns);
	}
	if (sk_GENERAL_NAME_push(gens, gn) == 0)
		goto fail;
	return 0;
fail:
	GENERAL_NAME_free(gn);
	return -1;
}

/* Child: the extensions of an end-entity TLS server certificate. */
static int
certgen_extensions(X509 *x, const struct server *s)
{
	BASIC_CONSTRAINTS	*bc = NULL;
	ASN1_BIT_STRING		*ku = NULL;
	EXTENDED_KEY_USAGE	*eku = NULL;
	GENERAL_NAMES		*gens = NULL;
	int			 i, rc = -1;

	if ((bc = BASIC_CONSTRAINTS_new()) == NULL ||
	    !X509_add1_ext_i2d(x, NID_basic_constraints, bc, 1,
	    X509V3_ADD_DEFAULT))
		goto done;
	/* digitalSignature: an ECDSA key signs the handshake. */
	if ((ku = ASN1_BIT_STRING_new()) == NULL ||
	    !ASN1_BIT_STRING_set_bit(ku, 0, 1) ||
	    !X509_add1_ext_i2d(x, NID_key_usage, ku, 1, X509V3_ADD_DEFAULT))
		goto done;
	if ((eku = sk_ASN1_OBJECT_new_null()) == NULL ||
	    !sk_ASN1_OBJECT_push(eku, OBJ_nid2obj(NID_server_auth)) ||
	    !X509_add1_ext_i2d(x, NID_ext_key_usage, eku, 0,
	    X509V3_ADD_DEFAULT))
		goto done;
	if ((gens = sk_GENERAL_NAME_new_null()) == NULL ||
	    certgen_san(gens, s->name) == -1)
		goto done;
	for (i = 0; i < s->naliases; i++)
		if (certgen_san(gens, s->aliases[i]) == -1)
			goto done;
	if (sk_GENERAL_NAME_num(gens) > 0 &&
	    !X509_add1_ext_i2d(x, NID_subject_alt_name, gens, 0,
	    X509V3_ADD_DEFAULT))
		goto done;
	rc = 0;
done:
	BASIC_CONSTRAINTS_free(bc);
	ASN1_BIT_STRING_free(ku);
	sk_ASN1_OBJECT_free(eku);	/* OBJ_nid2obj's objects are static */
	GENERAL_NAMES_free(gens);
	return rc;
}

/*
 * Child: the certificate, self-signed with pkey.  The subject is the
 * server's name when it fits a commonName; longer names are in the
 * subjectAltName only, which is what clients check.
 */
static X509 *
certgen_x509(const struct server *s, EVP_PKEY *pkey)
{
	unsigned char	 serial[CERTGEN_SERIAL_BYTES];
	X509		*x;
	X509_NAME	*subj;
	BIGNUM		*bn = NULL;
	size_t		 len = strlen(s->name);

	if ((x = X509_new()) == NULL)
		return NULL;
	/* A positive serial of at most 20 bytes, unpredictable. */
	if (RAND_bytes(serial, sizeof(serial)) != 1)
		goto fail;
	serial[0] = (serial[0] & 0x7f) | 0x01;
	if (!X509_set_version(x, 2) ||
	    (bn = BN_bin2bn(serial, sizeof(serial), NULL)) == NULL ||
	    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) == NULL)
		goto fail;
	if (X509_gmtime_adj(X509_getm_notBefore(x), 0) == NULL ||
	    !ASN1_TIME_set_string(X509_getm_notAfter(x), CERTGEN_NOT_AFTER))
		goto fail;
	subj = X509_get_subject_name(x);
	if (len <= CERTGEN_CN_MAX ?
	    !X509_NAME_add_entry_by_txt(subj, "CN", MBSTRING_UTF8,
	    (const unsigned char *)s->name, (int)len, -1, 0) :
	    !X509_NAME_add_entry_by_txt(subj, "O", MBSTRING_ASC,
	    (const unsigned char *)"capsuled", -1, -1, 0))
		goto fail;
	if (!X509_set_issuer_name(x, subj) || !X509_set_pubkey(x, pkey) ||
	    certgen_extensions(x, s) == -1 ||
	    X509_sign(x, pkey, EVP_sha256()) == 0)
		goto fail;
	BN_free(bn);
	return x;
fail:
	BN_free(bn);
	X509_free(x);
	return NULL;
}

/*
 * Child: put len bytes at dir/name whole or not at all: a temporary
 * file (mkstemp: 0600, never through a symbolic link), synced, given
 * its mode, renamed over name.
 */
static const char *
certgen_publish(const char *dir, const char *name, const char *data,
    size_t len, mode_t mode)
{
	char		 tmp[PATH_MAX], path[PATH_MAX];
	const char	*err = NULL;
	ssize_t		 n;
	size_t		 off = 0;
	int		 fd;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    (int)sizeof(path) ||
	    snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir, name) >=
	    (int)sizeof(tmp))
		return "path too long";
	if ((fd = mkstemp(tmp)) == -1)
		return certgen_sys_error("cannot create a file in", dir);
	while (off < len) {
		if ((n = write(fd, data + off, len - off)) == -1) {
			if (errno == EINTR)
				continue;
			err = certgen_sys_error("write", tmp);
			goto fail;
		}
		off += (size_t)n;
	}
	if (fsync(fd) == -1 || fchmod(fd, mode) == -1) {
		err = certgen_sys_error("sync", tmp);
		goto fail;
	}
	if (close(fd) == -1) {
		fd = -1;
		err = certgen_sys_error("close", tmp);
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) == -1) {
		err = certgen_sys_error("rename to", path);
		goto fail;
	}
	return NULL;
fail:
	if (fd != -1)
		close(fd);
	unlink(tmp);
	return err;
}

/* Child: PEM of the key (wiped after use) or of the certificate. */
static const char *
certgen_write(const char *dir, const struct server *s, EVP_PKEY *pkey,
    X509 *x)
{
	char		 name[HOSTNAME_MAX + 8];
	const char	*err = NULL;
	char		*data = NULL;
	BIO		*bio;
	long		 len = 0;
	int		 ok;

	if ((bio = BIO_new(BIO_s_mem())) == NULL)
		return "out of memory";
	ok = pkey != NULL ? PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0,
	    NULL, NULL) : PEM_write_bio_X509(bio, x);
	if (!ok || (len = BIO_get_mem_data(bio, &data)) <= 0)
		err = certgen_ssl_error("cannot encode");
	else if (snprintf(name, sizeof(name), "%s.%s", s->name,
	    pkey != NULL ? "key" : "crt") >= (int)sizeof(name))
		err = "name too long";
	else
		err = certgen_publish(dir, name, data, (size_t)len,
		    pkey != NULL ? 0600 : 0644);
	if (pkey != NULL && len > 0)
		OPENSSL_cleanse(data, (size_t)len);
	BIO_free(bio);
	return err;
}

/* Child: make and store the pair; NULL or what went wrong. */
static const char *
certgen_child(const char *dir, const struct server *s)
{
	EVP_PKEY	*pkey;
	X509		*x = NULL;
	const char	*err = NULL;
	int		 dfd;

	umask(077);
	if ((pkey = certgen_key()) == NULL)
		return certgen_ssl_error("cannot make an EC P-256 key");
	if ((x = certgen_x509(s, pkey)) == NULL)
		err = certgen_ssl_error("cannot make the certificate");
	else if ((err = certgen_write(dir, s, pkey, NULL)) == NULL &&
	    (err = certgen_write(dir, s, NULL, x)) == NULL) {
		/* The renames themselves must survive a crash. */
		if ((dfd = open(dir, O_RDONLY | O_DIRECTORY)) != -1) {
			fsync(dfd);
			close(dfd);
		}
	}
	X509_free(x);
	EVP_PKEY_free(pkey);
	return err;
}

/*
 * Create dir and the directories above it that are missing: the last
 * one 0700 (it holds keys), the others 0755.  With check set, only see
 * that the nearest existing one is a directory we may write to.
 */
static int
certgen_mkdirs(const char *dir, int check, const char **errstr)
{
	struct stat	 st;
	char		 path[PATH_MAX], *p;
	size_t		 len;
	int		 last;

	if ((len = strlcpy(path, dir, sizeof(path))) >= sizeof(path))
		goto toolong;
	while (len > 1 && path[len - 1] == '/')
		path[--len] = '\0';
	if (check) {
		/* The nearest ancestor that exists; "/" and "." always do. */
		while (stat(path, &st) == -1) {
			if (errno != ENOENT || strcmp(path, ".") == 0)
				goto syserr;
			if ((p = strrchr(path, '/')) == NULL)
				strlcpy(path, ".", sizeof(path));
			else
				p[p == path ? 1 : 0] = '\0';
		}
		errno = ENOTDIR;
		if (!S_ISDIR(st.st_mode) || access(path, W_OK | X_OK) == -1)
			goto syserr;
		return 0;
	}
	for (p = path + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		last = *p == '\0';
		*p = '\0';
		if (mkdir(path, last ? 0700 : 0755) == -1 && errno != EEXIST)
			goto syserr;
		if (last)
			break;
		*p = '/';
	}
	if (stat(path, &st) == -1)
		goto syserr;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		goto syserr;
	}
	return 0;
syserr:
	snprintf(certgen_err, sizeof(certgen_err), "cert-dir %s: %s%s%s",
	    dir, strcmp(path, dir) == 0 ? "" : path,
	    strcmp(path, dir) == 0 ? "" : ": ",
	    strerror(errno));
	*errstr = certgen_err;
	return -1;
toolong:
	*errstr = "cert-dir: path too long";
	return -1;
}

/*
 * Parent: run certgen_child in a process of its own and wait for it,
 * at most CERTGEN_TIMEOUT seconds.  Its error comes back on a pipe.
 */
static int
certgen_fork(const char *dir, const struct server *s, const char **errstr)
{
	struct pollfd	 pfd;
	char		 msg[CERTGEN_ERR_MAX];
	const char	*err;
	size_t		 len = 0;
	ssize_t		 n;
	time_t		 deadline;
	pid_t		 pid;
	int		 p[2], status, left, rc;

	if (pipe(p) == -1) {
		*errstr = "pipe failed";
		return -1;
	}
	switch (pid = fork()) {
	case -1:
		close(p[0]);
		close(p[1]);
		*errstr = "fork failed";
		return -1;
	case 0:
		close(p[0]);
		/* The parent's handlers would write to its signal pipe. */
		signal(SIGHUP, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGCHLD, SIG_DFL);
		signal(SIGUSR1, SIG_DFL);
		if ((err = certgen_child(dir, s)) == NULL)
			_exit(0);
		/* A short write still fails the run: the status says so. */
		if (write(p[1], err, strlen(err)) == -1)
			_exit(2);
		_exit(1);
	}
	close(p[1]);
	deadline = time(NULL) + CERTGEN_TIMEOUT;
	pfd.fd = p[0];
	pfd.events = POLLIN;
	for (;;) {
		if ((left = (int)(deadline - time(NULL))) <= 0) {
			snprintf(msg, sizeof(msg), "took more than %d s",
			    CERTGEN_TIMEOUT);
			len = strlen(msg);
			kill(pid, SIGKILL);
			break;
		}
		if ((rc = poll(&pfd, 1, left * 1000)) == -1 && errno != EINTR) {
			kill(pid, SIGKILL);
			break;
		}
		if (rc <= 0)
			continue;
		n = read(p[0], msg + len, sizeof(msg) - 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0 || (len += (size_t)n) == sizeof(msg) - 1)
			break;
	}
	msg[len] = '\0';
	close(p[0]);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	if (len == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	snprintf(certgen_err, sizeof(certgen_err), "server \"%s\": cannot "
	    "make a certificate in %s: %s", s->name, dir, len > 0 ? msg :
	    "the process making it died");
	*errstr = certgen_err;
	return -1;
}

/* Parent: "AB:CD:..." of the certificate's DER, SHA-256. */
static int
certgen_fingerprint(const char *path, char *out, size_t outsize)
{
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen, i;
	X509		*x = NULL;
	BIO		*bio;
	int		 rc = -1;

	if ((bio = BIO_new_file(path, "r")) == NULL ||
	    (x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) == NULL ||
	    !X509_digest(x, EVP_sha256(), md, &mdlen) ||
	    outsize < (size_t)mdlen * 3)
		goto done;
	for (i = 0; i < mdlen; i++)
		snprintf(out + i * 3, outsize - i * 3, "%02X%s", md[i],
		    i + 1 < mdlen ? ":" : "");
	rc = 0;
done:
	X509_free(x);
	BIO_free(bio);
	return rc;
}

/* The keypair of one server from cert-dir, made if need be. */
static int
certgen_server(struct config *conf, struct server *s, int check,
    const char **errstr)
{
	struct stat	 st;
	char		 fp[EVP_MAX_MD_SIZE * 3];
	int		 havecert, havekey;

	if (snprintf(s->cert, sizeof(s->cert), "%s/%s.crt", conf->certdir,
	    s->name) >= (int)sizeof(s->cert) ||
	    snprintf(s->key, sizeof(s->key), "%s/%s.key", conf->certdir,
	    s->name) >= (int)sizeof(s->key)) {
		*errstr = "cert-dir: path too long";
		return -1;
	}
	havecert = stat(s->cert, &st) == 0;
	havekey = stat(s->key, &st) == 0;
	if (havecert && !havekey) {
		snprintf(certgen_err, sizeof(certgen_err), "server \"%s\": "
		    "%s has no key %s (clients may have pinned it: restore "
		    "the key, or remove the certificate to make a new pair)",
		    s->name, s->cert, s->key);
		*errstr = certgen_err;
		return -1;
	}
	if (havecert) {
		log_debug("server \"%s\": certificate %s", s->name, s->cert);
		return 0;
	}
	if (certgen_mkdirs(conf->certdir, check, errstr) == -1)
		return -1;
	if (check) {
		log_info("server \"%s\": would make a self-signed certificate "
		    "%s and key %s", s->name, s->cert, s->key);
		s->cert_pending = 1;
		return 0;
	}
	if (certgen_fork(conf->certdir, s, errstr) == -1)
		return -1;
	if (certgen_fingerprint(s->cert, fp, sizeof(fp)) == -1) {
		snprintf(certgen_err, sizeof(certgen_err), "server \"%s\": "
		    "cannot read the certificate just made, %s", s->name,
		    s->cert);
		*errstr = certgen_err;
		return -1;
	}
	log_info("server \"%s\": made a self-signed certificate %s, SHA-256 "
	    "fingerprint %s", s->name, s->cert, fp);
	return 0;
}

int
certgen_servers(struct config *conf, int check, const char **errstr)
{
	struct server	*s;

	TAILQ_FOREACH(s, &conf->servers, entry) {
		if (s->cert[0] != '\0' || s->key[0] != '\0' ||
		    !certgen_needs_tls(conf, s))
			continue;
		if (certgen_server(conf, s, check, errstr) == -1)
			return -1;
	}
	return 0;
}
