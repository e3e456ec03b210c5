/*
 * rules.c: one location's rules applied to one request.  In order:
 * block return (the reply it names, %p and the rest expanded); then the
 * client certificate, if a rule reads one: none gets 60, one outside
 * its validity 62, one not listed by allow client or not signed by the
 * require client ca file 61; then strip.  On Gemini the reply is a
 * status line; on Gopher a redirect becomes a menu with the item it
 * points to (made with the same gemtext renderer as every page) and
 * anything else a type-3 line, and a location that reads certificates
 * is refused on plain Gopher, which has none.  It never reads a socket
 * or the file system.
 */

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "capsuled.h"
#include "buf.h"
#include "clientcert.h"
#include "config.h"
#include "gemtext.h"
#include "gopher.h"
#include "location.h"
#include "rules.h"
#include "tlsio.h"

/* The Gemini line, or its Gopher form, for status and meta. */
static void
rules_reply(const struct rules_req *rq, int status, const char *meta,
    struct buf *b)
{
	struct gemtext_ctx	 ctx;
	struct buf		 page;

	if (rq->proto == PROTO_GEMINI) {
		buf_addf(b, "%02d %s\r\n", status, meta);
		return;
	}
	if (status >= 30 && status < 40) {
		/* One link, rendered as every page's links are. */
		memset(&ctx, 0, sizeof(ctx));
		ctx.host = rq->srv->name;
		ctx.port = rq->port;
		ctx.dir = "/";
		ctx.wrap = rq->srv->gopher_wrap;
		buf_init(&page);
		buf_addf(&page, "Moved to %s\n=> %s\n", meta, meta);
		gemtext_to_gopher(page.data, page.len, &ctx, b);
		buf_free(&page);
		buf_adds(b, ".\r\n");
		return;
	}
	gopher_error(b, meta);
}

/*
 * The client certificate against location l: 0 when it passes, else
 * the status (60, 61, 62) and *meta the text to send with it.
 */
static int
rules_cert(const struct rules_req *rq, const struct location *l,
    const char **meta)
{
	struct tlsio_peer	 peer;
	time_t			 now;
	int			 i;

	if (rq->tls == NULL || tlsio_peer(rq->tls, &peer) == -1 ||
	    !peer.provided) {
		*meta = "Client certificate required";
		return 60;
	}
	now = time(NULL);
	if (now < peer.notbefore || now > peer.notafter) {
		*meta = "Certificate not valid";
		return 62;
	}
	if (l->nallow > 0) {
		for (i = 0; i < l->nallow; i++)
			if (strcmp(l->allow[i], peer.hash) == 0)
				break;
		if (i == l->nallow) {
			*meta = "Certificate not authorised";
			return 61;
		}
	}
	if (l->ca != NULL && !clientcert_verify(l->ca, peer.chain,
	    peer.chainlen)) {
		*meta = "Certificate not authorised";
		return 61;
	}
	return 0;
}

/*
 * Apply location loc of rq's server to the request for *path (*len
 * bytes).  RULES_REPLY: b holds the reply and *status its status (for
 * the access log).  RULES_SERVE: serve *path, which strip may have
 * moved further into the same string (unless nostrip: a second pass
 * over the stripped path's own location).
 */
int
rules_check(const struct rules_req *rq, int loc, const char **path,
    size_t *len, int nostrip, int *status, struct buf *b)
{
	const struct location	*l = &rq->srv->locs[loc];
	struct location_vars	 v;
	struct buf		 meta;
	const char		*text;
	size_t			 off;
	int			 st, stripped;

	stripped = !nostrip && l->strip > 0;
	if (stripped && location_strip(*path, *len, l->strip, &off) == -1) {
		*status = rq->proto == PROTO_GEMINI ? 51 : 3;
		rules_reply(rq, 51, "Not found", b);
		return RULES_REPLY;
	}
	if (l->block != 0) {
		memset(&v, 0, sizeof(v));
		v.path = stripped ? *path + off : *path;
		v.pathlen = stripped ? *len - off : *len;
		v.query = rq->query;
		v.querylen = rq->querylen;
		v.name = rq->srv->name;
		v.port = rq->port;
		buf_init(&meta);
		if (l->meta[0] == '\0')
			buf_adds(&meta, l->block >= 40 ? "Blocked" : "/");
		else if (location_expand(l->meta, &v, &meta) == -1 ||
		    meta.failed) {
			buf_reset(&meta);
			buf_adds(&meta, "Blocked");
		}
		buf_addc(&meta, '\0');
		*status = rq->proto == PROTO_GEMINI ? l->block : 3;
		rules_reply(rq, l->block, meta.failed ? "Blocked" : meta.data,
		    b);
		buf_free(&meta);
		return RULES_REPLY;
	}
	if (l->need_cert) {
		if (rq->tls == NULL) {
			*status = 3;
			gopher_error(b, "This needs a client certificate: "
			    "use Gemini, or Gopher over TLS");
			return RULES_REPLY;
		}
		if ((st = rules_cert(rq, l, &text)) != 0) {
			*status = rq->proto == PROTO_GEMINI ? st : 3;
			rules_reply(rq, st, text, b);
			return RULES_REPLY;
		}
	}
	if (stripped) {
		*path += off;
		*len -= off;
	}
	return RULES_SERVE;
}
