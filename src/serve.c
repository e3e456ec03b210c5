/*
 * serve.c: what a request is answered with.  Given a complete request
 * line and what is known of its connection (listener, SNI, the address
 * the client reached), it picks the server, applies the protocol's
 * rules (gemini.c, gopher.c), and points a struct reply at prepared
 * bytes of the snapshot, at a small reply built for this request (a
 * status line, an error item, a search page), or at a file to stream.
 * It never reads or writes a socket; conn.c does that.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capsuled.h"
#include "buf.h"
#include "config.h"
#include "gemini.h"
#include "gopher.h"
#include "location.h"
#include "log.h"
#include "quota.h"
#include "results.h"
#include "rules.h"
#include "serve.h"
#include "servedyn.h"
#include "snaplayout.h"
#include "snapshot.h"
#include "stream.h"
#include "uri.h"

/* Prepared bytes that live as long as the snapshot (or longer). */
static void
serve_bytes(struct reply *r, const char *p, size_t len)
{
	r->data = p;
	r->len = len;
}

/* A reply built for this request; the reply owns it now. */
static void
serve_buf(struct reply *r, struct buf *b)
{
	size_t	len;

	if ((r->owned = buf_release(b, &len)) == NULL) {
		r->len = 0;
		return;
	}
	serve_bytes(r, r->owned, len);
}

static void
serve_status(struct reply *r, int status)
{
	size_t	len;

	r->status = status;
	r->data = gemini_status(status, &len);
	r->len = len;
}

static void
serve_gopher_error(struct reply *r, const char *msg)
{
	struct buf	b;

	buf_init(&b);
	gopher_error(&b, msg);
	r->status = 3;
	serve_buf(r, &b);
}

/* A snapshot answer, opening the file first if it is streamed. */
static int
serve_snapshot(struct reply *r, const struct server *srv, const char *path,
    size_t len, const struct snapshot_resp *sr)
{
	if (sr->stream == NULL) {
		serve_bytes(r, sr->data, sr->len);
		return 0;
	}
	r->filefd = stream_open(srv->index, path, len);
	if (r->filefd == -1) {
		log_warn("open %s", log_quote(sr->stream));
		return -1;
	}
	if (sr->header != NULL)
		serve_bytes(r, sr->header, sr->headerlen);
	return 0;
}

/*
 * The name a client gave in TLS (SNI) is the host it set the connection
 * up for: it must be one of the names of the server that answers, or
 * the request was meant for another server (53).  Without SNI (an
 * IP-literal URL, or an old client), or for an IP-literal URL, for
 * which RFC 6066 has no SNI, the URL's host alone decides.
 */
static int
serve_sni_ok(const struct serve_in *in, const struct server *srv,
    const struct uri *u)
{
	if (in->sni == NULL || *in->sni == '\0' || u->ipliteral)
		return 1;
	return config_server_named(srv, in->sni, strlen(in->sni));
}

/*
 * The address the client reached, as text, for IP-literal URLs: the
 * balancer's when a PROXY header said which, else our socket's.
 */
static const char *
serve_local(const struct serve_in *in, char *buf, size_t size)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sslen = sizeof(ss);

	if (in->locallen > 0) {
		memcpy(&ss, in->local, in->locallen);
		sslen = in->locallen;
	} else if (getsockname(in->fd, (struct sockaddr *)&ss, &sslen) == -1)
		return NULL;
	if (getnameinfo((struct sockaddr *)&ss, sslen, buf, size, NULL, 0,
	    NI_NUMERICHOST) != 0)
		return NULL;
	return buf;
}

/*
 * The location rules for path (*len bytes, NUL-terminated), if any
 * location covers it: its own precomputed one when the snapshot has
 * the path (sr found), else the first whose glob matches.  After a
 * strip, the stripped path's own location is applied too, so that no
 * strip leads round a rule.  1: the reply is in r; 0: serve *path,
 * whose lookup is in *sr (*found).
 */
static int
serve_rules(const struct serve_in *in, struct server *srv, enum proto proto,
    const char *query, size_t querylen, const char **path, size_t *len,
    struct snapshot_resp *sr, int *found, struct reply *r)
{
	struct rules_req	 rq;
	struct buf		 b;
	const char		*before = *path;
	int			 loc, status;

	*found = snapshot_lookup(srv->snap, proto, *path, *len, sr) == 0;
	if (srv->nlocs == 0)
		return 0;
	loc = *found ? sr->loc : location_match(srv->locs, srv->nlocs, *path);
	if (loc < 0)
		return 0;
	memset(&rq, 0, sizeof(rq));
	rq.srv = srv;
	rq.proto = proto;
	rq.tls = in->tls;
	rq.query = query;
	rq.querylen = querylen;
	rq.port = config_public_port(in->l, srv);
	buf_init(&b);
	if (rules_check(&rq, loc, path, len, 0, &status, &b) == RULES_REPLY)
		goto reply;
	if (*path != before) {
		*found = snapshot_lookup(srv->snap, proto, *path, *len,
		    sr) == 0;
		if (*found && sr->loc >= 0 && sr->loc != loc &&
		    rules_check(&rq, sr->loc, path, len, 1, &status,
		    &b) == RULES_REPLY)
			goto reply;
	}
	buf_free(&b);
	return 0;
reply:
	r->status = status;
	serve_buf(r, &b);
	return 1;
}

/*
 * The port a Gemini URL must name: the server's public port when one is
 * configured; else, behind a PROXY header, the port the header says the
 * client reached (the balancer's, as the IP-literal check takes its
 * address); else the listener's own.
 */
static int
serve_gemini_port(const struct serve_in *in, const struct server *srv)
{
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;

	if (srv->gemini_port != 0 || in->locallen == 0)
		return config_public_port(in->l, srv);
	if (in->local->ss_family == AF_INET &&
	    in->locallen >= sizeof(*sin)) {
		sin = (const struct sockaddr_in *)in->local;
		return ntohs(sin->sin_port);
	}
	if (in->local->ss_family == AF_INET6 &&
	    in->locallen >= sizeof(*sin6)) {
		sin6 = (const struct sockaddr_in6 *)in->local;
		return ntohs(sin6->sin6_port);
	}
	return config_public_port(in->l, srv);
}

/* A script's or a responder's page (servedyn.c): 1, r has it. */
static int
serve_dynamic(const struct serve_in *in, struct server *srv,
    enum proto proto, const char *reqpath, size_t reqpathlen,
    const char *path, size_t pathlen, const char *query, size_t querylen,
    const struct snapshot_resp *sr, int found, struct reply *r)
{
	struct servedyn_req	q;

	if (!srv->dynamic)
		return 0;
	q.in = in;
	q.srv = srv;
	q.proto = proto;
	q.reqpath = reqpath;
	q.reqpathlen = reqpathlen;
	q.path = path;
	q.pathlen = pathlen;
	q.query = query;
	q.querylen = querylen;
	return servedyn_try(&q, sr, found, r);
}

void
serve_gemini(const struct serve_in *in, const char *line, size_t len,
    struct reply *r)
{
	struct gemini_request	 req;
	struct snapshot_resp	 sr;
	struct server		*srv;
	struct buf		 b;
	char			 local[NI_MAXHOST];
	const char		*err, *lp = NULL, *path;
	size_t			 pathlen;
	int			 status, found;

	/* SNI chooses among the servers on this address. */
	srv = r->srv = config_listener_server(in->l, in->sni);
	if ((status = gemini_parse_request(line, len, &req, &err)) != 0) {
		log_debug("%s: gemini: %s", in->peer, err);
		serve_status(r, status);
		return;
	}
	if (req.uri.ipliteral)
		lp = serve_local(in, local, sizeof(local));
	if (!config_server_uri(srv, &req.uri, lp) ||
	    !gemini_port_matches(&req.uri, serve_gemini_port(in, srv)) ||
	    !serve_sni_ok(in, srv, &req.uri)) {
		log_debug("%s: gemini: not our host or port, or not the "
		    "host named in SNI", in->peer);
		serve_status(r, 53);
		return;
	}
	req.path[req.pathlen] = '\0';
	path = req.path;
	pathlen = req.pathlen;
	if (serve_rules(in, srv, PROTO_GEMINI, req.uri.query,
	    req.uri.querylen, &path, &pathlen, &sr, &found, r) ||
	    serve_dynamic(in, srv, PROTO_GEMINI, req.path, req.pathlen, path,
	    pathlen, req.uri.query, req.uri.querylen, &sr, found, r))
		return;
	if (results_match(snapshot_search(srv->snap), req.path, req.pathlen)) {
		buf_init(&b);
		r->status = results_gemini(snapshot_search(srv->snap),
		    req.uri.query, req.uri.querylen, &b);
		serve_buf(r, &b);
		return;
	}
	if (!found) {
		serve_status(r, 51);
		return;
	}
	r->status = sr.status;
	if (serve_snapshot(r, srv, path, pathlen, &sr) == -1)
		serve_status(r, 40);
}

void
serve_gopher(const struct serve_in *in, const char *line, size_t len,
    struct reply *r)
{
	static struct gopher_request	 req;	/* 4 KB: not on the stack */
	struct snapshot_resp		 sr;
	struct server			*srv = r->srv = in->l->server;
	struct buf			 b;
	const char			*err, *path;
	size_t				 pathlen;
	int				 found;

	if (gopher_parse_request(line, len, &req, &err) == -1) {
		log_debug("%s: gopher: %s", in->peer, err);
		serve_gopher_error(r, err);
		return;
	}
	if (req.url) {
		buf_init(&b);
		gopher_url_page(&b, req.path, req.pathlen);
		serve_buf(r, &b);
		return;
	}
	path = req.path;
	pathlen = req.pathlen;
	if (serve_rules(in, srv, PROTO_GOPHER, req.search, req.searchlen,
	    &path, &pathlen, &sr, &found, r) ||
	    serve_dynamic(in, srv, PROTO_GOPHER, req.path, req.pathlen, path,
	    pathlen, req.search, req.searchlen, &sr, found, r))
		return;
	if (results_match(snapshot_search(srv->snap), req.path, req.pathlen)) {
		buf_init(&b);
		r->status = results_gopher(snapshot_search(srv->snap),
		    req.search, req.searchlen, &b);
		serve_buf(r, &b);
		return;
	}
	if (!found) {
		serve_gopher_error(r, "Not found");
		return;
	}
	if (serve_snapshot(r, srv, path, pathlen, &sr) == -1)
		serve_gopher_error(r, "Temporary failure");
}

/*
 * A request past its address's rate-limit: "44 secs" on Gemini (the
 * seconds to wait), a type-3 line saying as much on Gopher; 44 in the
 * access log on both.
 */
static void
serve_slow_down(enum proto proto, int secs, struct reply *r)
{
	struct buf	b;
	char		msg[80];

	buf_init(&b);
	if (proto == PROTO_GEMINI)
		buf_addf(&b, "44 %d\r\n", secs);
	else {
		snprintf(msg, sizeof(msg), "Too many requests: try again in "
		    "%d seconds", secs);
		gopher_error(&b, msg);
	}
	serve_buf(r, &b);
	r->status = 44;
}

/* An empty reply from server srv: no bytes, no file. */
void
serve_reply_init(struct reply *r, struct server *srv)
{
	memset(r, 0, sizeof(*r));
	r->filefd = -1;
	r->srv = srv;
}

/*
 * A new connection to l from peer, whose address may have no more
 * connections open (quota.c, across every worker; counted in h): 0 to
 * go on; -1 to close it at once, before any TLS work (Gemini); 1 to
 * answer r, a type-3 line, and close (Gopher).
 */
int
serve_admit(const struct listener *l, const struct sockaddr *peer,
    socklen_t len, struct quota_hold *h, struct reply *r)
{
	if (quota_admit(l->server, peer, len, h) == 0)
		return 0;
	if (l->proto == PROTO_GEMINI)
		return -1;
	serve_reply_init(r, l->server);
	serve_gopher_error(r, "Too many connections from your address");
	return 1;
}

/*
 * 1 when a request to l (the server its SNI names) from peer is past
 * that server's rate-limit (quota.c, across every worker): r then says
 * when to come back.
 */
int
serve_rate(const struct listener *l, const char *sni,
    const struct sockaddr *peer, socklen_t len, struct reply *r)
{
	struct server	*srv = config_listener_server(l, sni);
	int		 wait;

	if (srv == NULL)
		srv = l->server;
	if (quota_rate(srv, peer, len, &wait) == 0)
		return 0;
	serve_reply_init(r, srv);
	serve_slow_down(l->proto, wait, r);
	return 1;
}

/* A request line longer than the protocol allows. */
void
serve_too_long(enum proto proto, struct reply *r)
{
	if (proto == PROTO_GEMINI)
		serve_status(r, 59);
	else
		serve_gopher_error(r, "Request too long");
}
