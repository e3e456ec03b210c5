/*
 * stream.c: a worker opens no file.  A file bigger than inline-max is
 * streamed from a descriptor the spawner opens for it (MSG_OPEN, one
 * round trip, see chan.c): the worker names the server and the path as
 * the snapshot has it, and the spawner, which holds the capsule roots
 * and runs as the configured user, opens that file only if the
 * snapshot says it is one to stream.  So a worker holds no directory
 * it could climb from, whatever the kernel, and can be given only
 * files the capsule publishes.
 */

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "capsuled.h"
#include "chan.h"
#include "log.h"
#include "msg.h"
#include "stream.h"

static struct chan	stream_chan = { .fd = -1 };

void
stream_worker(int fd, int (*reconnect)(uint16_t))
{
	chan_init(&stream_chan, fd, MSG_SPAWN_CHANNEL, reconnect);
}

/* A new channel from the parent (the spawner was restarted). */
void
stream_channel(int fd)
{
	chan_replace(&stream_chan, fd);
}

/* The open file path of server index (read-only), or -1 with errno. */
int
stream_open(int server, const char *path, size_t len)
{
	unsigned char		 req[GEMINI_REQUEST_MAX + 64];
	struct msg_writer	 w;
	const void		*p;
	size_t			 n;
	uint32_t		 e;
	int			 fd;

	msg_writer_init(&w, req, sizeof(req));
	msg_field_u32(&w, CHAN_F_ID, 0);
	msg_field_u32(&w, STREAM_F_SERVER, (uint32_t)server);
	msg_field(&w, STREAM_F_PATH, path, len);
	if (w.failed) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (chan_call(&stream_chan, MSG_OPEN, req, w.len, -1,
	    STREAM_OPEN_TIMEOUT_MS) == -1) {
		log_warnx("the spawner did not answer");
		errno = EAGAIN;
		return -1;
	}
	fd = stream_chan.reply.fd;
	stream_chan.reply.fd = -1;
	if (stream_chan.reply.type == MSG_OPENED && fd != -1)
		return fd;
	if (fd != -1)
		close(fd);
	errno = EIO;
	if (chan_reply_field(&stream_chan.reply, STREAM_F_ERRNO, &p,
	    &n) == 0 && n == sizeof(e)) {
		memcpy(&e, p, sizeof(e));
		errno = (int)e;
	}
	return -1;
}
