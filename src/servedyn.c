/*
 * servedyn.c: requests that a script or a FastCGI responder answers.
 * After the location rules (serve.c, rules.c), a path in a location
 * with a fastcgi socket goes to that responder; a path that is a
 * script, or lies beneath one ("/cgi/gb.sh/sign": PATH_INFO "/sign"),
 * is run.  Both get the same variables (cgienv.c) on both protocols.
 * What comes back is dyn.c's; the descriptor it comes from is the
 * runner's (dyncall.c).  Nothing here reads a socket.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capsuled.h"
#include "buf.h"
#include "cgienv.h"
#include "config.h"
#include "dyn.h"
#include "dyncall.h"
#include "fcgi.h"
#include "gemini.h"
#include "gopher.h"
#include "location.h"
#include "log.h"
#include "msg.h"
#include "serve.h"
#include "servedyn.h"
#include "snapshot.h"
#include "tlsio.h"

/* Where the variables of one request go. */
struct servedyn_out {
	const struct location	*loc;		/* its param lines win */
	struct msg_writer	 w;		/* CGI: RUN_F_ENV fields */
	struct buf		*pairs;		/* FastCGI: name-value pairs */
};

static int
servedyn_param_set(const struct location *l, const char *name)
{
	int	i;

	for (i = 0; l != NULL && i < l->nparams; i++)
		if (strcmp(l->params[i].name, name) == 0)
			return 1;
	return 0;
}

static void
servedyn_add(void *arg, const char *name, const char *value, size_t len)
{
	struct servedyn_out	*o = arg;
	char			 var[LOCATION_PARAM_NAME_MAX + 2 +
				    CGIENV_VALUE_MAX];
	size_t			 nlen = strlen(name);

	if (o->pairs != NULL) {
		if (!servedyn_param_set(o->loc, name))
			fcgi_param(o->pairs, name, nlen, value, len);
		return;
	}
	if (nlen + 1 + len > sizeof(var))
		return;
	memcpy(var, name, nlen);
	var[nlen] = '=';
	memcpy(var + nlen + 1, value, len);
	msg_field(&o->w, RUN_F_ENV, var, nlen + 1 + len);
}

/* The client's address, as REMOTE_ADDR has it: numeric, no port. */
static const char *
servedyn_addr(const struct serve_in *in, char *buf, size_t size)
{
	if (getnameinfo((const struct sockaddr *)in->peer_ss, in->peerlen,
	    buf, size, NULL, 0, NI_NUMERICHOST) != 0)
		return NULL;
	return buf;
}

static void
servedyn_vars(const struct servedyn_req *q, const char *script,
    size_t scriptlen, const char *pathinfo, size_t pathinfolen,
    struct servedyn_out *o)
{
	struct cgienv_req	 r;
	struct tlsio_peer	 peer;
	char			 addr[NI_MAXHOST];

	memset(&r, 0, sizeof(r));
	r.proto = q->proto;
	r.server_name = q->srv->name;
	r.port = config_public_port(q->in->l, q->srv);
	r.path = q->reqpath;
	r.pathlen = q->reqpathlen;
	r.script = script;
	r.scriptlen = scriptlen;
	r.pathinfo = pathinfo;
	r.pathinfolen = pathinfolen;
	if (q->proto == PROTO_GEMINI) {
		r.query = q->query;
		r.querylen = q->querylen;
	} else {
		r.search = q->query;
		r.searchlen = q->querylen;
	}
	r.remote_addr = servedyn_addr(q->in, addr, sizeof(addr));
	if (q->in->tls != NULL && tlsio_peer(q->in->tls, &peer) == 0)
		r.peer = &peer;
	(void)cgienv_build(&r, servedyn_add, o);
}

/* Capsuled's own answer when the runner cannot help. */
static void
servedyn_refused(const struct servedyn_req *q, struct reply *r, int busy)
{
	struct buf	b;
	size_t		len;

	if (q->proto == PROTO_GEMINI) {
		r->status = busy ? 44 : 42;
		r->data = busy ? "44 " SERVEDYN_BUSY_WAIT "\r\n" :
		    gemini_status(42, &len);
		r->len = busy ? strlen(r->data) : len;
		return;
	}
	buf_init(&b);
	gopher_error(&b, busy ? "Too many scripts running, try again" :
	    "Temporary failure");
	r->status = 3;
	r->owned = buf_release(&b, &r->len);
	r->data = r->owned;
}

static void
servedyn_start(const struct servedyn_req *q, int fd, const char *params,
    size_t paramslen, const char *what, struct reply *r)
{
	struct dyn_req	 d;
	char		 name[320];

	snprintf(name, sizeof(name), "%s %s%.*s", what, q->srv->name,
	    (int)q->pathlen, q->path);
	memset(&d, 0, sizeof(d));
	d.proto = q->proto;
	d.fd = fd;
	d.params = params;
	d.paramslen = paramslen;
	d.srv = q->srv;
	d.gopher_port = config_public_port(q->in->l, q->srv);
	d.path = q->reqpath;
	d.pathlen = q->reqpathlen;
	d.name = name;
	if ((r->dyn = dyn_new(&d)) == NULL)
		servedyn_refused(q, r, 0);
}

static void
servedyn_cgi(const struct servedyn_req *q, size_t scriptlen,
    const struct location *loc, struct reply *r)
{
	static unsigned char	 env[MSG_PAYLOAD_MAX - 2048];
	struct servedyn_out	 o;
	size_t			 infolen = q->pathlen - scriptlen;
	int			 fd;

	memset(&o, 0, sizeof(o));
	o.loc = loc;
	msg_writer_init(&o.w, env, sizeof(env));
	/* The URL's script part: what precedes PATH_INFO in the request. */
	servedyn_vars(q, q->reqpath, q->reqpathlen - infolen,
	    q->path + scriptlen, infolen, &o);
	if (o.w.failed ||
	    (fd = dyncall_cgi(q->srv->index, q->path, scriptlen, env,
	    o.w.len)) == -1) {
		if (errno != EAGAIN)
			log_warn("script %.*s", (int)scriptlen, q->path);
		servedyn_refused(q, r, errno == EAGAIN);
		return;
	}
	servedyn_start(q, fd, NULL, 0, "script", r);
}

static void
servedyn_fcgi(const struct servedyn_req *q, int loc, struct reply *r)
{
	const struct location	*l = &q->srv->locs[loc];
	struct servedyn_out	 o;
	struct buf		 pairs, file;
	size_t			 off;
	int			 i, fd;

	/*
	 * SCRIPT_NAME: strip's components, or the capsule's file the path
	 * starts with, as for CGI (so fcgiwrap finds it); the rest is
	 * PATH_INFO.
	 */
	if (l->fcgi_strip >= 0) {
		if (location_strip(q->path, q->pathlen, l->fcgi_strip,
		    &off) == -1)
			off = q->pathlen;
	} else if (snapshot_file_prefix(q->srv->snap, q->path, q->pathlen,
	    &off) == -1)
		off = q->pathlen;
	buf_init(&pairs);
	buf_init(&file);
	memset(&o, 0, sizeof(o));
	o.loc = l;
	o.pairs = &pairs;
	servedyn_vars(q, q->path, off, q->path + off, q->pathlen - off, &o);
	buf_addf(&file, "%s%.*s", snapshot_root(q->srv->snap), (int)off,
	    q->path);
	servedyn_add(&o, "DOCUMENT_ROOT", snapshot_root(q->srv->snap),
	    strlen(snapshot_root(q->srv->snap)));
	if (!file.failed)
		servedyn_add(&o, "SCRIPT_FILENAME", file.data, file.len);
	for (i = 0; i < l->nparams; i++)
		fcgi_param(&pairs, l->params[i].name, strlen(l->params[i].name),
		    l->params[i].value, strlen(l->params[i].value));
	buf_free(&file);
	if (pairs.failed || (fd = dyncall_fcgi(q->srv->index, loc)) == -1) {
		servedyn_refused(q, r, 0);
		buf_free(&pairs);
		return;
	}
	servedyn_start(q, fd, pairs.data, pairs.len, "fastcgi", r);
	buf_free(&pairs);
}

/*
 * Is q for a script or a responder?  1: the reply (dynamic, or 42/44
 * and their Gopher forms) is in r; 0: serve it from the snapshot.
 * sr and found are the snapshot's lookup of q->path.
 */
int
servedyn_try(const struct servedyn_req *q, const struct snapshot_resp *sr,
    int found, struct reply *r)
{
	struct snapshot_resp	 s;
	size_t			 scriptlen;
	int			 loc;

	if (!q->srv->dynamic)
		return 0;
	/* The request's own location says where it goes, before a strip. */
	loc = location_match(q->srv->locs, q->srv->nlocs, q->reqpath);
	if (loc >= 0 && q->srv->locs[loc].fastcgi != LOCATION_FASTCGI_NONE) {
		servedyn_fcgi(q, loc, r);
		return 1;
	}
	if (found && sr->script != NULL) {
		servedyn_cgi(q, q->pathlen, &q->srv->locs[sr->loc], r);
		return 1;
	}
	if (!found && snapshot_script(q->srv->snap, q->path, q->pathlen, &s,
	    &scriptlen) == 0) {
		servedyn_cgi(q, scriptlen, &q->srv->locs[s.loc], r);
		return 1;
	}
	return 0;
}
