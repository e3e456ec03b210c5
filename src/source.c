/*
 * source.c: the bytes a connection sends after a reply's prepared ones,
 * from a file too big for the snapshot (read in STREAM_CHUNKs) or from
 * a script or FastCGI responder (dyn.c, which calls back when it has
 * more).  Either is read only when the connection has sent what came
 * before, so a slow client is never buffered for.  It never touches the
 * client's socket: conn.c writes what it is given.
 */

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "capsuled.h"
#include "dyn.h"
#include "source.h"

void
source_init(struct source *s)
{
	s->fd = -1;
	s->dyn = NULL;
	s->chunk = NULL;
}

/*
 * Send the file fd, or the dynamic reply dyn (which calls ready(arg)
 * when it has bytes after a SOURCE_WAIT), after the first bytes.  The
 * source owns them now; 0, or -1 when memory ran out (both closed).
 */
int
source_open(struct source *s, int fd, struct dyn *dyn, void (*ready)(void *),
    void *arg)
{
	s->fd = fd;
	s->dyn = dyn;
	if (dyn != NULL)
		dyn_start(dyn, ready, arg);
	else if (fd != -1 && s->chunk == NULL &&
	    (s->chunk = malloc(STREAM_CHUNK)) == NULL) {
		(void)source_close(s);
		return -1;
	}
	return 0;
}

/* Does the source hold a descriptor (the connection counts them)? */
int
source_active(const struct source *s)
{
	return s->fd != -1 || s->dyn != NULL;
}

enum source_result
source_next(struct source *s, const char **p, size_t *len)
{
	ssize_t	n;

	if (s->dyn != NULL) {
		switch (dyn_next(s->dyn, p, len)) {
		case DYN_DATA:
			return SOURCE_DATA;
		case DYN_WAIT:
			return SOURCE_WAIT;
		case DYN_CUT:
			return SOURCE_FAIL;
		case DYN_END:
			break;
		}
		return SOURCE_END;
	}
	if (s->fd == -1)
		return SOURCE_END;
	while ((n = read(s->fd, s->chunk, STREAM_CHUNK)) == -1 &&
	    errno == EINTR)
		;
	if (n <= 0)
		return n == 0 ? SOURCE_END : SOURCE_FAIL;
	*p = s->chunk;
	*len = (size_t)n;
	return SOURCE_DATA;
}

/* The status for the access log: a script's own, once it is known. */
int
source_status(const struct source *s, int status)
{
	return s->dyn != NULL ? dyn_status(s->dyn) : status;
}

/* Done: close what is open (the chunk is kept for the next). 1: was open. */
int
source_close(struct source *s)
{
	int	was = source_active(s);

	if (s->fd != -1)
		close(s->fd);
	s->fd = -1;
	dyn_free(s->dyn);
	s->dyn = NULL;
	return was;
}
