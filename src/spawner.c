/*
 * spawner.c: the spawner.  The parent forks one per generation, after
 * the snapshots are built.  It keeps the capsule roots' descriptors
 * that the workers give up, runs as the configured user (never root),
 * and answers MSG_OPEN from workers: a file to stream, named by server
 * and path, which it opens (read-only, beneath the root, no symlink)
 * only if that server's snapshot lists it as a file to stream, and
 * hands over as a descriptor.  What the user cannot read, it cannot
 * open.  Landlock lets it read beneath the capsule roots and nothing
 * else; seccomp allows what opening and answering need.  It reads no
 * request and never talks to a client.
 */

#include <sys/types.h>

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "capsuled.h"
#include "chan.h"
#include "config.h"
#include "log.h"
#include "msg.h"
#include "sandbox.h"
#include "snapshot.h"
#include "spawner.h"
#include "stream.h"

static struct config	*spawner_conf;

static struct server *
spawner_server(uint32_t index)
{
	struct server	*s;

	TAILQ_FOREACH(s, &spawner_conf->servers, entry)
		if ((uint32_t)s->index == index)
			return s;
	return NULL;
}

/* The file a worker asked for, or -1 with errno. */
static int
spawner_open(uint32_t server, const char *path, size_t len)
{
	struct snapshot_resp	 sr;
	struct server		*s;

	if ((s = spawner_server(server)) == NULL || s->snap == NULL ||
	    snapshot_lookup(s->snap, PROTO_GEMINI, path, len, &sr) == -1 ||
	    sr.stream == NULL) {
		errno = ENOENT;
		return -1;
	}
	return snapshot_open(snapshot_rootfd(s->snap), sr.stream, 0);
}

/* One MSG_OPEN; a request that is not one closes the channel. */
static int
spawner_answer(int fd, const struct msg *m)
{
	unsigned char		 out[16];
	struct msg_writer	 w;
	struct msg_cursor	 c;
	const void		*p, *path = NULL;
	size_t			 len, pathlen = 0;
	uint32_t		 id, server = UINT32_MAX;
	uint16_t		 tag;
	int			 rc, f;

	if (m->type != MSG_OPEN || chan_request_id(m, &id) == -1)
		return -1;
	msg_cursor_init(&c, m->data, m->len);
	(void)msg_field_next(&c, &tag, &p, &len);	/* the id */
	while ((rc = msg_field_next(&c, &tag, &p, &len)) == 1) {
		if (tag == STREAM_F_SERVER && len == sizeof(server))
			memcpy(&server, p, sizeof(server));
		else if (tag == STREAM_F_PATH) {
			path = p;
			pathlen = len;
		} else
			return -1;
	}
	if (rc == -1 || path == NULL || server == UINT32_MAX)
		return -1;
	if ((f = spawner_open(server, path, pathlen)) == -1) {
		msg_writer_init(&w, out, sizeof(out));
		msg_field_u32(&w, STREAM_F_ERRNO, (uint32_t)errno);
		log_debug("cannot open %.*s: %s", (int)pathlen,
		    (const char *)path, strerror(errno));
		return chan_answer(fd, MSG_OPEN_FAILED, id, out, w.len, -1);
	}
	rc = chan_answer(fd, MSG_OPENED, id, NULL, 0, f);
	close(f);
	return rc;
}

static const struct chan_hooks	spawner_hooks = { .answer = spawner_answer };

void
spawner_main(struct config *conf, int ctl)
{
	struct server	*s;
	int		 roots[SANDBOX_FDS_MAX];
	size_t		 n = 0;

	log_procname("spawner");
	spawner_conf = conf;
	TAILQ_FOREACH(s, &conf->servers, entry)
		if (s->snap != NULL && snapshot_rootfd(s->snap) != -1 &&
		    n < SANDBOX_FDS_MAX)
			roots[n++] = snapshot_rootfd(s->snap);
	sandbox_spawner(conf, roots, n);
	if (msg_send(ctl, MSG_READY, NULL, 0, -1) == -1)
		_exit(1);
	chan_serve(ctl, &spawner_hooks);
	_exit(0);
}
