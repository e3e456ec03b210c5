/*
 * runner.c: the CGI runner, a helper the parent forks per generation
 * when some location has cgi on or a fastcgi socket.  Workers may not
 * fork, exec or connect (their seccomp filter kills them for the first
 * two); this process does it for them and hands back descriptors only.
 *
 * MSG_CGI names a server and a path: the runner runs it only if that
 * server's snapshot says the path is a script (an executable file in a
 * location with cgi on), with the variables the worker sent, each name
 * checked against cgienv.c's list, plus SCRIPT_FILENAME, DOCUMENT_ROOT
 * and PATH of its own and the location's param lines; script.c does
 * the rest.  MSG_FCGI names a server and a location: the runner
 * connects to that location's responder and passes the socket on.
 *
 * It runs as the configured user (never root) with no new privileges,
 * but neither chrooted nor under Landlock or seccomp: scripts inherit
 * all of those, and a script must be able to run an interpreter and
 * write its data.  A reload starts a new runner; the old one ends when
 * its workers and its scripts have.  It never talks to a client.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capsuled.h"
#include "cgienv.h"
#include "chan.h"
#include "config.h"
#include "dyncall.h"
#include "location.h"
#include "log.h"
#include "msg.h"
#include "runner.h"
#include "sandbox.h"
#include "script.h"
#include "snapshot.h"

static struct config	*runner_conf;

static struct server *
runner_server(uint32_t index)
{
	struct server	*s;

	TAILQ_FOREACH(s, &runner_conf->servers, entry)
		if ((uint32_t)s->index == index)
			return s;
	return NULL;
}

/* A request's fields, as the worker sent them. */
struct runner_req {
	uint32_t	 server;
	uint32_t	 loc;
	const char	*path;
	size_t		 pathlen;
	char		*envp[RUNNER_ENV_MAX + 1];
	size_t		 nenv;
};

static void
runner_req_free(struct runner_req *r)
{
	size_t	i;

	for (i = 0; i < r->nenv; i++)
		free(r->envp[i]);
	r->nenv = 0;
}

/* Is "NAME=VALUE" (len bytes) one a worker may set?  Names are listed. */
static int
runner_env_ok(const char *p, size_t len)
{
	const char	*eq = memchr(p, '=', len);

	return eq != NULL && memchr(p, '\0', len) == NULL &&
	    len - (size_t)(eq - p) - 1 <= CGIENV_VALUE_MAX &&
	    cgienv_name_ok(p, (size_t)(eq - p)) &&
	    strncmp(p, "SCRIPT_FILENAME=", 16) != 0 &&
	    strncmp(p, "DOCUMENT_ROOT=", 14) != 0 &&
	    strncmp(p, "PATH=", 5) != 0;
}

static int
runner_add_env(struct runner_req *r, const char *p, size_t len)
{
	if (r->nenv == RUNNER_ENV_MAX ||
	    (r->envp[r->nenv] = strndup(p, len)) == NULL)
		return -1;
	r->nenv++;
	return 0;
}

/* Parse a request; -1: it is not one (the channel is closed). */
static int
runner_parse(const struct msg *m, struct runner_req *r)
{
	struct msg_cursor	 c;
	const void		*p;
	size_t			 len;
	uint16_t		 tag;
	int			 rc;

	memset(r, 0, sizeof(*r));
	r->server = r->loc = UINT32_MAX;
	msg_cursor_init(&c, m->data, m->len);
	(void)msg_field_next(&c, &tag, &p, &len);	/* the id */
	while ((rc = msg_field_next(&c, &tag, &p, &len)) == 1) {
		if (tag == RUN_F_SERVER && len == sizeof(uint32_t))
			memcpy(&r->server, p, sizeof(r->server));
		else if (tag == RUN_F_LOC && len == sizeof(uint32_t))
			memcpy(&r->loc, p, sizeof(r->loc));
		else if (tag == RUN_F_SCRIPT && r->path == NULL) {
			r->path = p;
			r->pathlen = len;
		} else if (tag == RUN_F_ENV && runner_env_ok(p, len)) {
			if (runner_add_env(r, p, len) == -1)
				return -1;
		} else
			return -1;
	}
	return rc == -1 || r->server == UINT32_MAX ? -1 : 0;
}

/* NAME=VALUE, made here; -1 when memory ran out. */
static int
runner_setenv(struct runner_req *r, const char *name, const char *value)
{
	char	*e;
	size_t	 i, nlen = strlen(name);

	/* A param line replaces what capsuled would have set. */
	for (i = 0; i < r->nenv; i++)
		if (strncmp(r->envp[i], name, nlen) == 0 &&
		    r->envp[i][nlen] == '=') {
			free(r->envp[i]);
			r->envp[i] = r->envp[--r->nenv];
			break;
		}
	if (r->nenv == RUNNER_ENV_MAX || asprintf(&e, "%s=%s", name,
	    value) == -1)
		return -1;
	r->envp[r->nenv++] = e;
	return 0;
}

/* Run the script a worker named; the read end of its output, or -1. */
static int
runner_cgi(struct runner_req *r)
{
	struct snapshot_resp	 sr;
	struct script_start	 st;
	const struct location	*l;
	struct server		*s;
	char			 file[PATH_MAX], dir[PATH_MAX];
	char			 name[HOSTNAME_MAX + GEMINI_REQUEST_MAX + 2];
	char			*argv[2], *slash;
	int			 i, fd;

	if ((s = runner_server(r->server)) == NULL || s->snap == NULL ||
	    r->path == NULL || snapshot_lookup(s->snap, PROTO_GEMINI, r->path,
	    r->pathlen, &sr) == -1 || sr.script == NULL || sr.loc < 0) {
		errno = ENOENT;
		return -1;
	}
	l = &s->locs[sr.loc];
	if (snprintf(file, sizeof(file), "%s/%s", snapshot_root(s->snap),
	    sr.script) >= (int)sizeof(file)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strlcpy(dir, file, sizeof(dir));
	if ((slash = strrchr(dir, '/')) != NULL)
		*slash = '\0';
	if (runner_setenv(r, "SCRIPT_FILENAME", file) == -1 ||
	    runner_setenv(r, "DOCUMENT_ROOT", snapshot_root(s->snap)) == -1 ||
	    runner_setenv(r, "PATH", RUNNER_PATH) == -1)
		goto nomem;
	for (i = 0; i < l->nparams; i++)
		if (runner_setenv(r, l->params[i].name,
		    l->params[i].value) == -1)
			goto nomem;
	r->envp[r->nenv] = NULL;
	argv[0] = file;
	argv[1] = NULL;
	snprintf(name, sizeof(name), "%s%.*s", s->name, (int)r->pathlen,
	    r->path);
	st.file = file;
	st.dir = dir;
	st.argv = argv;
	st.envp = r->envp;
	st.name = name;
	if (script_run(&st, &fd) == -1)
		return -1;
	log_debug("script %s: started", name);
	return fd;
nomem:
	errno = ENOMEM;
	return -1;
}

/* A socket to a location's responder, connected or connecting. */
static int
runner_fcgi(const struct runner_req *r)
{
	const struct location	*l;
	struct server		*s;
	struct sockaddr_un	 sun;
	int			 fd, saved;

	if ((s = runner_server(r->server)) == NULL || r->loc >=
	    (uint32_t)s->nlocs || (l = &s->locs[r->loc])->fastcgi ==
	    LOCATION_FASTCGI_NONE) {
		errno = ENOENT;
		return -1;
	}
	if (l->fastcgi == LOCATION_FASTCGI_UNIX) {
		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		strlcpy(sun.sun_path, l->fcgi_socket, sizeof(sun.sun_path));
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
		if (fd != -1 && connect(fd, (struct sockaddr *)&sun,
		    sizeof(sun)) == 0)
			return fd;
	} else {
		fd = socket(l->fcgi_addr.ss_family, SOCK_STREAM |
		    SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		/* The worker's first write finds out how it ended. */
		if (fd != -1 && (connect(fd, (struct sockaddr *)&l->fcgi_addr,
		    l->fcgi_addrlen) == 0 || errno == EINPROGRESS))
			return fd;
	}
	saved = errno;
	log_warn("fastcgi socket %s%s", l->fastcgi == LOCATION_FASTCGI_TCP ?
	    "tcp " : "", l->fcgi_socket);
	if (fd != -1)
		close(fd);
	errno = saved;
	return -1;
}

/* One request from a worker; one that is not one closes the channel. */
static int
runner_answer(int chan, const struct msg *m)
{
	unsigned char		 out[16];
	struct msg_writer	 w;
	struct runner_req	 r;
	uint32_t		 id;
	int			 fd, rc;

	if ((m->type != MSG_CGI && m->type != MSG_FCGI) ||
	    chan_request_id(m, &id) == -1)
		return -1;
	if (runner_parse(m, &r) == -1) {
		runner_req_free(&r);
		return -1;
	}
	fd = m->type == MSG_CGI ? runner_cgi(&r) : runner_fcgi(&r);
	runner_req_free(&r);
	if (fd == -1) {
		msg_writer_init(&w, out, sizeof(out));
		msg_field_u32(&w, RUN_F_ERRNO, (uint32_t)errno);
		return chan_answer(chan, MSG_RUN_FAILED, id, out, w.len, -1);
	}
	rc = chan_answer(chan, MSG_RUNNING, id, NULL, 0, fd);
	close(fd);
	return rc;
}

static int
runner_busy(void)
{
	return script_count() > 0;
}

static const struct chan_hooks	runner_hooks = {
	.answer = runner_answer,
	.fds = script_fds,
	.ready = script_ready,
	.wait_ms = script_wait_ms,
	.busy = runner_busy,
};

void
runner_main(struct config *conf, int ctl)
{
	const char	*err;
	char		 msg[256];

	log_procname("runner");
	runner_conf = conf;
	if (script_init((size_t)conf->max_scripts, conf->timeout_cgi,
	    &err) == -1) {
		snprintf(msg, sizeof(msg), "%s", err);
		(void)msg_send(ctl, MSG_FAILED, msg, strlen(msg), -1);
		_exit(1);
	}
	sandbox_runner(conf);
	if (msg_send(ctl, MSG_READY, NULL, 0, -1) == -1)
		_exit(1);
	chan_serve(ctl, &runner_hooks);
	_exit(0);
}
