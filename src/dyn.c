/*
 * dyn.c: a dynamic reply in a worker.  The source is a descriptor from
 * the runner: a script's output (a pipe) or a FastCGI responder's
 * socket, to which the request's records are written first and whose
 * STDOUT records are then unwrapped (fcgi.c).  Either way the bytes are
 * a Gemini response.  Its header is checked (gemini.c: a defined status,
 * a bounded UTF-8 meta, CRLF); anything else, or nothing in time,
 * becomes 42.  On Gemini the response then goes out as it is; on Gopher
 * it is converted as a static page would be: a text/gemini body through
 * the same gemtext renderer, line by line as it arrives, other bodies
 * as they are, 1x a search item (type 7) back to the same selector, 3x
 * an item for the target, 4x to 6x an error line.
 *
 * Reading follows writing: the source is read only when the client has
 * taken everything produced so far, so that a script that writes more
 * than a slow client reads is held up by its pipe, not buffered here
 * (at most DYN_IN_MAX bytes and their rendering).  The connection
 * (conn.c) asks for bytes with dyn_next(); when there are none yet,
 * dyn.c waits on the source and calls the connection back.
 */

#include <sys/types.h>

#include <errno.h>
#include <event.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "capsuled.h"
#include "buf.h"
#include "config.h"
#include "dyn.h"
#include "fcgi.h"
#include "gemini.h"
#include "gemtext.h"
#include "gopher.h"
#include "location.h"
#include "log.h"
#include "search.h"
#include "snapshot.h"

enum dyn_phase {
	DYN_HEADER,		/* waiting for the response's header */
	DYN_PASS,		/* the body as it is */
	DYN_GEMTEXT,		/* the body, gemtext to a Gopher menu */
	DYN_DONE
};

struct dyn {
	int			 fd;		/* -1 once closed */
	enum proto		 proto;
	const struct server	*srv;
	struct event		 ev;
	struct event		 tmo;
	int			 armed;
	void			(*ready)(void *);
	void			*arg;
	enum dyn_phase		 phase;
	int			 status;	/* the Gemini status sent */
	const char		*err;		/* why the source failed */
	int			 eof;
	int			 passed;	/* in[] was handed out whole */
	int			 fastcgi;
	struct buf		 req;		/* FastCGI records to write */
	size_t			 reqoff;
	struct fcgi_reader	 rd;
	int			 errlines;
	struct buf		 out;
	struct gemtext_stream	 gs;
	struct gemtext_ctx	 ctx;
	const char		*aliases[SERVER_ALIASES_MAX + 1];
	char			 dir[GOPHER_REQUEST_MAX + 2];
	char			 path[GOPHER_REQUEST_MAX + 1];
	size_t			 pathlen;
	char			 name[256];
	size_t			 inlen;
	char			 in[DYN_IN_MAX];
};

static struct event_base	*dyn_base;
static int			 dyn_timeout_s;
static unsigned char		 dyn_scratch[DYN_IN_MAX];

void
dyn_init(struct event_base *base, const struct config *conf)
{
	dyn_base = base;
	dyn_timeout_s = conf->timeout_cgi;
}

/* A link's Gopher type: the snapshot's, or a menu for a responder's. */
static char
dyn_kind(void *arg, const char *path, size_t len)
{
	const struct server	*srv = arg;

	/* A responder answers its location's paths, whatever files lie there. */
	if (location_fastcgi(srv->locs, srv->nlocs, path, len))
		return '1';
	return snapshot_kind(srv->snap, path, len);
}

static void
dyn_ctx(struct dyn *d, const struct dyn_req *r)
{
	size_t	i, n;

	for (i = 0; i < (size_t)r->srv->naliases; i++)
		d->aliases[i] = r->srv->aliases[i];
	d->aliases[i] = NULL;
	for (n = r->pathlen; n > 0 && r->path[n - 1] != '/'; n--)
		;
	memcpy(d->dir, r->path, n);
	d->dir[n] = '\0';
	if (n == 0)
		strlcpy(d->dir, "/", sizeof(d->dir));
	memset(&d->ctx, 0, sizeof(d->ctx));
	d->ctx.host = r->srv->name;
	d->ctx.port = r->gopher_port;
	d->ctx.dir = d->dir;
	d->ctx.aliases = d->aliases;
	d->ctx.kind = dyn_kind;
	d->ctx.arg = (void *)r->srv;
	d->ctx.wrap = r->srv->gopher_wrap;
	d->ctx.search = snapshot_search(r->srv->snap) != NULL ? SEARCH_PATH :
	    NULL;
}

/* A reply for r; it owns r->fd from now on.  NULL: out of memory. */
struct dyn *
dyn_new(const struct dyn_req *r)
{
	struct dyn	*d;

	if (r->pathlen > GOPHER_REQUEST_MAX || (d = malloc(sizeof(*d))) ==
	    NULL) {
		close(r->fd);
		return NULL;
	}
	memset(d, 0, offsetof(struct dyn, in));
	d->fd = r->fd;
	d->proto = r->proto;
	d->srv = r->srv;
	memcpy(d->path, r->path, r->pathlen);
	d->path[r->pathlen] = '\0';
	d->pathlen = r->pathlen;
	strlcpy(d->name, r->name, sizeof(d->name));
	buf_init(&d->out);
	buf_init(&d->req);
	dyn_ctx(d, r);
	if (r->params != NULL) {
		d->fastcgi = 1;
		fcgi_reader_init(&d->rd);
		fcgi_begin(&d->req);
		fcgi_params_records(&d->req, r->params, r->paramslen);
		fcgi_stdin_end(&d->req);
		if (d->req.failed) {
			dyn_free(d);
			return NULL;
		}
	}
	evtimer_assign(&d->tmo, dyn_base, NULL, NULL);
	return d;
}

static void
dyn_close_source(struct dyn *d)
{
	if (d->armed) {
		event_del(&d->ev);
		d->armed = 0;
	}
	if (d->fd != -1) {
		close(d->fd);
		d->fd = -1;
	}
}

void
dyn_free(struct dyn *d)
{
	if (d == NULL)
		return;
	dyn_close_source(d);
	evtimer_del(&d->tmo);
	buf_free(&d->out);
	buf_free(&d->req);
	free(d);
}

int
dyn_status(const struct dyn *d)
{
	if (d->proto == PROTO_GEMINI)
		return d->status;
	return d->status >= 40 ? 3 : 0;
}

static void
dyn_timer(struct dyn *d)
{
	struct timeval	tv = { dyn_timeout_s, 0 };

	evtimer_add(&d->tmo, &tv);
}

/* The source said nothing in time: the reply ends here. */
static void
dyn_expired(int fd, short what, void *arg)
{
	struct dyn	*d = arg;

	(void)fd;
	(void)what;
	log_warnx("%s: no %s in %d s", d->name, d->phase == DYN_HEADER ?
	    "response" : "more output", dyn_timeout_s);
	d->err = "no response in time";
	dyn_close_source(d);
	d->eof = 1;
	d->ready(d->arg);
}

static void
dyn_io(int fd, short what, void *arg)
{
	struct dyn	*d = arg;

	(void)fd;
	(void)what;
	d->armed = 0;
	d->ready(d->arg);
}

/* Start: the response's whole time runs from here (timeout cgi). */
void
dyn_start(struct dyn *d, void (*ready)(void *), void *arg)
{
	d->ready = ready;
	d->arg = arg;
	evtimer_assign(&d->tmo, dyn_base, dyn_expired, d);
	dyn_timer(d);
}

static void
dyn_wait(struct dyn *d, short what)
{
	if (d->phase != DYN_HEADER)
		dyn_timer(d);	/* after the header: time without output */
	if (d->armed)
		return;
	event_assign(&d->ev, dyn_base, d->fd, what, dyn_io, d);
	event_add(&d->ev, NULL);
	d->armed = 1;
}

/* Capsuled's own reply, instead of the source's: 42, or a type-3 line. */
static void
dyn_fail(struct dyn *d, const char *why)
{
	buf_reset(&d->out);
	d->status = 42;
	if (d->proto == PROTO_GEMINI)
		buf_addf(&d->out, "42 %s\r\n", why);
	else
		gopher_error(&d->out, why);
	d->phase = DYN_DONE;
	dyn_close_source(d);
}

/* Is a 20's type gemtext (or not given, which means gemtext)? */
static int
dyn_is_gemtext(const char *meta, size_t len)
{
	return len == 0 || (len >= 11 && strncasecmp(meta, "text/gemini",
	    11) == 0 && (len == 11 || meta[11] == ';' || meta[11] == ' '));
}

/* A Gopher rendering of a header other than 20. */
static void
dyn_gopher_header(struct dyn *d, int status, const char *meta, size_t len)
{
	struct gemtext_stream	 st;
	char			 text[GEMINI_META_MAX + 8];

	memcpy(text, meta, len);
	text[len] = '\0';
	if (status < 20) {
		if (gopher_item(&d->out, '7', len ? meta : "Search", len ? len :
		    6, d->path, d->pathlen, d->ctx.host, d->ctx.port) == -1)
			gopher_info(&d->out, meta, len, d->ctx.host,
			    d->ctx.port);
		buf_adds(&d->out, ".\r\n");
	} else if (status < 40) {
		memset(&st, 0, sizeof(st));
		memcpy(text, "=> ", 3);
		memcpy(text + 3, meta, len);
		(void)gemtext_stream(&st, text, len + 3, 1, &d->ctx, &d->out);
		buf_adds(&d->out, ".\r\n");
	} else
		gopher_error(&d->out, len ? text : "Error");
}

/* The header is in: what is sent instead, and what follows. */
static void
dyn_header(struct dyn *d, int status, const char *meta, size_t metalen,
    size_t hdrlen)
{
	d->status = status;
	if (d->proto == PROTO_GEMINI) {
		buf_add(&d->out, d->in, hdrlen);
		d->phase = status == 20 ? DYN_PASS : DYN_DONE;
	} else if (status == 20)
		d->phase = dyn_is_gemtext(meta, metalen) ? DYN_GEMTEXT :
		    DYN_PASS;
	else {
		dyn_gopher_header(d, status, meta, metalen);
		d->phase = DYN_DONE;
	}
	memmove(d->in, d->in + hdrlen, d->inlen - hdrlen);
	d->inlen -= hdrlen;
	if (d->phase == DYN_DONE)
		dyn_close_source(d);
}

static void
dyn_parse_header(struct dyn *d)
{
	const char	*meta, *err;
	size_t		 metalen, hdrlen;
	int		 status, rc;

	rc = gemini_parse_response(d->in, d->inlen, &status, &meta, &metalen,
	    &hdrlen, &err);
	if (rc == 1) {
		if (status >= 30 && status < 40 && metalen == 0) {
			log_warnx("%s: a redirect without a target", d->name);
			dyn_fail(d, "bad response from the script");
		} else
			dyn_header(d, status, meta, metalen, hdrlen);
	} else if (rc == -1) {
		log_warnx("%s: %s", d->name, err);
		dyn_fail(d, "bad response from the script");
	} else if (d->eof) {
		if (d->err == NULL)
			log_warnx("%s: %s", d->name, d->inlen ?
			    "no complete header" : "no output");
		dyn_fail(d, d->err != NULL ? d->err :
		    "no response from the script");
	}
}

/* Turn what was read into bytes to send.  1: there are some. */
static int
dyn_produce(struct dyn *d)
{
	size_t	n;

	switch (d->phase) {
	case DYN_HEADER:
		if (d->inlen > 0 || d->eof)
			dyn_parse_header(d);
		break;
	case DYN_PASS:
		/* in[] itself goes out, see dyn_next */
		if (d->inlen == 0 && d->eof)
			d->phase = DYN_DONE;
		break;
	case DYN_GEMTEXT:
		n = gemtext_stream(&d->gs, d->in, d->inlen, d->eof, &d->ctx,
		    &d->out);
		/* A line longer than in[] goes out in pieces. */
		if (n == 0 && d->inlen == sizeof(d->in))
			n = gemtext_stream(&d->gs, d->in, d->inlen, 1, &d->ctx,
			    &d->out);
		memmove(d->in, d->in + n, d->inlen - n);
		d->inlen -= n;
		if (d->eof) {
			if (d->err == NULL)
				buf_adds(&d->out, ".\r\n");
			d->phase = DYN_DONE;
		}
		break;
	case DYN_DONE:
		break;
	}
	return d->out.len > 0;
}

/*
 * A responder's STDERR, a line at a time, escaped (log.c) and bounded:
 * at most DYN_STDERR_LINES lines a request, the first LOG_REQUEST_MAX
 * bytes of each (a line cut by a record boundary counts as two).
 */
static void
dyn_stderr(struct dyn *d, const char *p, size_t n)
{
	char		 esc[LOG_REQUEST_MAX * 4 + 8];
	const char	*lf;
	size_t		 len;

	while (n > 0 && d->errlines < DYN_STDERR_LINES) {
		lf = memchr(p, '\n', n);
		len = lf != NULL ? (size_t)(lf - p) : n;
		if (len > 0 && p[len - 1] == '\r')
			len--;
		if (len > 0) {
			log_escape(esc, sizeof(esc), p, len);
			log_warnx("%s: %s", d->name, esc);
			d->errlines++;
		}
		if (lf == NULL)
			break;
		n -= (size_t)(lf - p) + 1;
		p = lf + 1;
	}
}

/* FastCGI STDOUT into in[], STDERR to the log. */
static void
dyn_record(void *arg, int type, const unsigned char *p, size_t n)
{
	struct dyn	*d = arg;

	if (type == FCGI_STDOUT) {
		memcpy(d->in + d->inlen, p, n);
		d->inlen += n;
		return;
	}
	dyn_stderr(d, (const char *)p, n);
}

/* Send the request's records.  1: all sent; 0: wait; -1: failed. */
static int
dyn_send_request(struct dyn *d)
{
	ssize_t	n;

	while (d->reqoff < d->req.len) {
		n = write(d->fd, d->req.data + d->reqoff, d->req.len -
		    d->reqoff);
		if (n > 0) {
			d->reqoff += (size_t)n;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == ENOTCONN)) {
			dyn_wait(d, EV_WRITE);
			return 0;
		}
		log_warn("%s: FastCGI responder", d->name);
		d->err = "the FastCGI responder is not available";
		return -1;
	}
	return 1;
}

/* Read from the source.  1: bytes; 0: wait; -1: it ended. */
static int
dyn_fill(struct dyn *d)
{
	const char	*err;
	size_t		 room = sizeof(d->in) - d->inlen, used;
	ssize_t		 n;
	int		 rc;

	if (d->fd == -1 || room == 0)
		return -1;	/* (no room: dyn_produce always leaves some) */
	if (d->fastcgi && (rc = dyn_send_request(d)) != 1)
		return rc;
	n = read(d->fd, d->fastcgi ? (char *)dyn_scratch : d->in + d->inlen,
	    room);
	if (n == -1 && (errno == EAGAIN || errno == EINTR)) {
		dyn_wait(d, EV_READ);
		return 0;
	}
	if (n <= 0) {
		if (n == -1 || d->fastcgi) {
			log_warnx("%s: the %s ended early", d->name,
			    d->fastcgi ? "FastCGI responder" : "output");
			d->err = "the script failed";
		}
		return -1;
	}
	if (!d->fastcgi) {
		d->inlen += (size_t)n;
		return 1;
	}
	if (fcgi_read(&d->rd, dyn_scratch, (size_t)n, &used, dyn_record, d,
	    &err) == -1) {
		log_warnx("%s: %s", d->name, err);
		d->err = "bad response from the FastCGI responder";
		return -1;
	}
	return d->rd.ended ? -1 : 1;
}

/*
 * The next bytes for the client, valid until the next call: DYN_DATA
 * (*p, *len), DYN_WAIT (ready() will be called), or DYN_END.
 */
enum dyn_result
dyn_next(struct dyn *d, const char **p, size_t *len)
{
	buf_reset(&d->out);
	if (d->passed) {
		d->inlen = 0;
		d->passed = 0;
	}
	for (;;) {
		if (dyn_produce(d)) {
			if (d->phase != DYN_HEADER)
				evtimer_del(&d->tmo);	/* the client's turn */
			*p = d->out.data;
			*len = d->out.len;
			return DYN_DATA;
		}
		if (d->phase == DYN_PASS && d->inlen > 0) {
			evtimer_del(&d->tmo);
			d->passed = 1;
			*p = d->in;
			*len = d->inlen;
			return DYN_DATA;
		}
		if (d->phase == DYN_DONE) {
			dyn_close_source(d);
			/* A body cut short must not look complete. */
			return d->err != NULL && d->status == 20 ? DYN_CUT :
			    DYN_END;
		}
		if (d->eof)
			continue;	/* dyn_produce finishes the reply */
		switch (dyn_fill(d)) {
		case 0:
			return DYN_WAIT;
		case -1:
			d->eof = 1;
			dyn_close_source(d);
			break;
		default:
			break;
		}
	}
}
