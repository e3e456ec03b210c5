/*
 * dyncall.c: a worker runs nothing and connects nowhere.  For a script
 * it asks the CGI runner (MSG_CGI: the server, the script's path as
 * the snapshot has it, the request's variables) and gets back the read
 * end of the script's output; for a FastCGI location it asks the same
 * process to connect (MSG_FCGI: the server and the location's number)
 * and gets the socket, perhaps still connecting.  One round trip each,
 * over chan.c; the runner decides what the numbers and paths mean.
 */

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "chan.h"
#include "dyncall.h"
#include "log.h"
#include "msg.h"

static struct chan	dyncall_chan = { .fd = -1 };

void
dyncall_worker(int fd, int (*reconnect)(uint16_t))
{
	chan_init(&dyncall_chan, fd, MSG_RUN_CHANNEL, reconnect);
}

/* A new channel from the parent (the runner was restarted). */
void
dyncall_channel(int fd)
{
	chan_replace(&dyncall_chan, fd);
}

/* The descriptor in the runner's answer, or -1 with its errno. */
static int
dyncall_answer(void)
{
	const void	*p;
	size_t		 n;
	uint32_t	 e;
	int		 fd;

	fd = dyncall_chan.reply.fd;
	dyncall_chan.reply.fd = -1;
	if (dyncall_chan.reply.type == MSG_RUNNING && fd != -1)
		return fd;
	if (fd != -1)
		close(fd);
	errno = EIO;
	if (chan_reply_field(&dyncall_chan.reply, RUN_F_ERRNO, &p,
	    &n) == 0 && n == sizeof(e)) {
		memcpy(&e, p, sizeof(e));
		errno = (int)e;
	}
	return -1;
}

static int
dyncall(uint16_t type, const unsigned char *req, size_t len)
{
	if (chan_call(&dyncall_chan, type, req, len, -1,
	    DYNCALL_TIMEOUT_MS) == -1) {
		log_warnx("the CGI runner did not answer");
		errno = EAGAIN;
		return -1;
	}
	return dyncall_answer();
}

/*
 * The output of the script path (len bytes) of server index, run with
 * the variables env (envlen bytes of RUN_F_ENV fields); -1 with errno
 * (EAGAIN: too many scripts run now).
 */
int
dyncall_cgi(int server, const char *path, size_t len, const void *env,
    size_t envlen)
{
	static unsigned char	 req[MSG_PAYLOAD_MAX];
	struct msg_writer	 w;

	msg_writer_init(&w, req, sizeof(req));
	msg_field_u32(&w, CHAN_F_ID, 0);
	msg_field_u32(&w, RUN_F_SERVER, (uint32_t)server);
	msg_field(&w, RUN_F_SCRIPT, path, len);
	if (w.failed || envlen > sizeof(req) - w.len) {
		errno = E2BIG;
		return -1;
	}
	memcpy(req + w.len, env, envlen);
	return dyncall(MSG_CGI, req, w.len + envlen);
}

/* A socket to the FastCGI responder of server's location loc. */
int
dyncall_fcgi(int server, int loc)
{
	unsigned char		 req[64];
	struct msg_writer	 w;

	msg_writer_init(&w, req, sizeof(req));
	msg_field_u32(&w, CHAN_F_ID, 0);
	msg_field_u32(&w, RUN_F_SERVER, (uint32_t)server);
	msg_field_u32(&w, RUN_F_LOC, (uint32_t)loc);
	return dyncall(MSG_FCGI, req, w.len);
}
