/*
 * stream.h: in a worker, the descriptor of a file too big for the
 * snapshot, from the spawner.
 */

#ifndef CAPSULED_STREAM_H
#define CAPSULED_STREAM_H

#include <stddef.h>
#include <stdint.h>

#define STREAM_OPEN_TIMEOUT_MS	2000	/* for the spawner's answer */

/* MSG_OPEN's fields, after the request id (chan.h). */
enum stream_field {
	STREAM_F_SERVER = 2,	/* u32: the server's index */
	STREAM_F_PATH,		/* the path as the snapshot knows it */
	STREAM_F_ERRNO		/* u32, in MSG_OPEN_FAILED */
};

void	 stream_worker(int, int (*)(uint16_t));
void	 stream_channel(int);
int	 stream_open(int, const char *, size_t);

#endif /* CAPSULED_STREAM_H */
