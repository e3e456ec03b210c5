/*
 * cgienv.c: the variables of one request for a script, built once for
 * CGI (the spawner's exec) and FastCGI (the parameters), the union of
 * what gmid, jetforce and molly-brown set, so that existing scripts run
 * unchanged, and the Gopher ones gophernicus sets (SELECTOR,
 * SEARCHREQUEST).  A Gopher search string is the query: QUERY_STRING
 * percent-encodes it, GEMINI_SEARCH_STRING has it decoded, as a Gemini
 * query is.  Values that would hold a NUL are left out.  Pure: add()
 * is handed each name and value.
 */

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "capsuled.h"
#include "cgienv.h"
#include "tlsio.h"
#include "uri.h"

/* The names a script may be given: nothing else reaches it. */
static const char *const cgienv_names[] = {
	"AUTH_TYPE", "DOCUMENT_ROOT", "GATEWAY_INTERFACE", "GEMINI_SEARCH_STRING",
	"GEMINI_URL", "GEMINI_URL_PATH", "PATH", "PATH_INFO", "QUERY_STRING",
	"REMOTE_ADDR", "REMOTE_HOST", "REMOTE_USER", "REQUEST_METHOD",
	"SCRIPT_FILENAME", "SCRIPT_NAME", "SEARCHREQUEST", "SELECTOR",
	"SERVER_NAME", "SERVER_PORT", "SERVER_PROTOCOL", "SERVER_SOFTWARE",
	"TLS_CIPHER", "TLS_CLIENT_HASH", "TLS_CLIENT_ISSUER",
	"TLS_CLIENT_NOT_AFTER", "TLS_CLIENT_NOT_BEFORE", "TLS_CLIENT_SUBJECT",
	"TLS_VERSION", NULL
};

/* Is name (len bytes) one of the variables capsuled gives a script? */
int
cgienv_name_ok(const char *name, size_t len)
{
	size_t	i;

	for (i = 0; cgienv_names[i] != NULL; i++)
		if (strlen(cgienv_names[i]) == len &&
		    memcmp(cgienv_names[i], name, len) == 0)
			return 1;
	return 0;
}

/* A name a param line may give: letters, digits and _, not a digit first. */
int
cgienv_name_valid(const char *name, size_t len)
{
	size_t	i;

	if (len == 0 || (name[0] >= '0' && name[0] <= '9'))
		return 0;
	for (i = 0; i < len; i++)
		if (!((name[i] >= 'A' && name[i] <= 'Z') ||
		    (name[i] >= 'a' && name[i] <= 'z') ||
		    (name[i] >= '0' && name[i] <= '9') || name[i] == '_'))
			return 0;
	return 1;
}

struct cgienv_out {
	void	(*add)(void *, const char *, const char *, size_t);
	void	*arg;
};

static void
cgienv_put(struct cgienv_out *o, const char *name, const char *v,
    size_t len)
{
	if (v == NULL || len > CGIENV_VALUE_MAX || memchr(v, '\0', len) != NULL)
		return;
	o->add(o->arg, name, v, len);
}

static void
cgienv_puts(struct cgienv_out *o, const char *name, const char *v)
{
	if (v != NULL)
		cgienv_put(o, name, v, strlen(v));
}

static void
cgienv_putbuf(struct cgienv_out *o, const char *name, struct buf *b)
{
	if (!b->failed)
		cgienv_put(o, name, b->data ? b->data : "", b->len);
	buf_reset(b);
}

/* Bytes outside the unreserved set as %XX: a query from a search. */
static void
cgienv_encode(struct buf *b, const char *s, size_t len)
{
	static const char	hex[] = "0123456789ABCDEF";
	size_t			i;
	unsigned char		c;

	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~')
			buf_addc(b, c);
		else {
			buf_addc(b, '%');
			buf_addc(b, hex[c >> 4]);
			buf_addc(b, hex[c & 15]);
		}
	}
}

/* A certificate's time as ISO 8601, UTC. */
static void
cgienv_time(struct cgienv_out *o, const char *name, time_t t)
{
	struct tm	tm;
	char		s[32];

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return;
	cgienv_puts(o, name, s);
}

/* The subject's CN, as REMOTE_USER. */
static void
cgienv_cn(struct cgienv_out *o, const char *subject)
{
	const char	*cn, *end;

	if (subject == NULL || (cn = strstr(subject, "CN=")) == NULL ||
	    (cn != subject && cn[-1] != '/' && cn[-1] != ','))
		return;
	cn += 3;
	for (end = cn; *end != '\0' && *end != '/' && *end != ','; end++)
		;
	cgienv_put(o, "REMOTE_USER", cn, (size_t)(end - cn));
}

static void
cgienv_tls(struct cgienv_out *o, const struct tlsio_peer *p)
{
	cgienv_puts(o, "TLS_VERSION", p->version);
	cgienv_puts(o, "TLS_CIPHER", p->cipher);
	if (!p->provided)
		return;
	cgienv_puts(o, "AUTH_TYPE", "Certificate");
	cgienv_cn(o, p->subject);
	cgienv_puts(o, "TLS_CLIENT_HASH", p->hash);
	cgienv_puts(o, "TLS_CLIENT_SUBJECT", p->subject);
	cgienv_puts(o, "TLS_CLIENT_ISSUER", p->issuer);
	cgienv_time(o, "TLS_CLIENT_NOT_BEFORE", p->notbefore);
	cgienv_time(o, "TLS_CLIENT_NOT_AFTER", p->notafter);
}

/* Every variable of request r, to add(arg, name, value, length). */
int
cgienv_build(const struct cgienv_req *r,
    void (*add)(void *, const char *, const char *, size_t), void *arg)
{
	struct cgienv_out	 o = { add, arg };
	struct buf		 b;
	char			 port[8], dec[GEMINI_REQUEST_MAX + 1];
	size_t			 declen;
	int			 gemini = r->proto == PROTO_GEMINI;

	buf_init(&b);
	snprintf(port, sizeof(port), "%d", r->port);
	cgienv_puts(&o, "GATEWAY_INTERFACE", "CGI/1.1");
	cgienv_puts(&o, "SERVER_SOFTWARE", "capsuled/" CAPSULED_VERSION);
	cgienv_puts(&o, "SERVER_PROTOCOL", gemini ? "GEMINI" : "GOPHER");
	cgienv_puts(&o, "SERVER_NAME", r->server_name);
	cgienv_puts(&o, "SERVER_PORT", port);
	cgienv_puts(&o, "REQUEST_METHOD", "GET");
	cgienv_puts(&o, "REMOTE_ADDR", r->remote_addr);
	cgienv_puts(&o, "REMOTE_HOST", r->remote_addr);
	cgienv_put(&o, "GEMINI_URL_PATH", r->path, r->pathlen);
	cgienv_put(&o, "SCRIPT_NAME", r->script, r->scriptlen);
	cgienv_put(&o, "PATH_INFO", r->pathinfo, r->pathinfolen);
	/* The URL that names this page on the protocol it was asked on. */
	buf_addf(&b, gemini ? "gemini://%s:%d" : "gopher://%s:%d/1",
	    r->server_name, r->port);
	uri_path_encode(&b, r->path, r->pathlen);
	if (gemini && r->query != NULL) {
		buf_addc(&b, '?');
		buf_add(&b, r->query, r->querylen);
	}
	cgienv_putbuf(&o, "GEMINI_URL", &b);
	if (gemini && r->query != NULL) {
		cgienv_put(&o, "QUERY_STRING", r->query, r->querylen);
		if (uri_query_decode(r->query, r->querylen, dec, sizeof(dec),
		    &declen) == 0)
			cgienv_put(&o, "GEMINI_SEARCH_STRING", dec, declen);
	} else if (!gemini) {
		cgienv_put(&o, "SELECTOR", r->path, r->pathlen);
		if (r->search != NULL) {
			cgienv_encode(&b, r->search, r->searchlen);
			cgienv_putbuf(&o, "QUERY_STRING", &b);
			cgienv_put(&o, "GEMINI_SEARCH_STRING", r->search,
			    r->searchlen);
			cgienv_put(&o, "SEARCHREQUEST", r->search, r->searchlen);
		}
	}
	if (r->peer != NULL)
		cgienv_tls(&o, r->peer);
	buf_free(&b);
	return 0;
}
