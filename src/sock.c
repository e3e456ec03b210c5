/*
 * sock.c: plain I/O on one connected, non-blocking socket: what conn.c
 * needs below TLS and around it.  Nothing here knows a connection's
 * state or a protocol's rules; it reads, writes and peeks, and reads a
 * PROXY protocol header without reading one byte past it.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "capsuled.h"
#include "proxy.h"
#include "sock.h"

enum io_result
sock_read(int fd, void *p, size_t len, size_t *n)
{
	ssize_t	r;

	*n = 0;
	if ((r = read(fd, p, len)) > 0) {
		*n = (size_t)r;
		return IO_DONE;
	}
	if (r == 0)
		return IO_EOF;
	if (errno == EAGAIN || errno == EINTR)
		return IO_WANT_READ;
	return IO_ERROR;
}

enum io_result
sock_write(int fd, const void *p, size_t len, size_t *n)
{
	ssize_t	r;

	*n = 0;
	if ((r = send(fd, p, len, MSG_NOSIGNAL)) >= 0) {
		*n = (size_t)r;
		return IO_DONE;
	}
	if (errno == EAGAIN || errno == EINTR)
		return IO_WANT_WRITE;
	return IO_ERROR;
}

/* The first byte, left in the socket: 1, or 0 to wait, or -1 (EOF). */
int
sock_peek(int fd, unsigned char *first)
{
	ssize_t	n;

	n = recv(fd, first, 1, MSG_PEEK);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return 0;
	return n == 1 ? 1 : -1;
}

/*
 * Whether the client sent bytes we have not read (or the answer is
 * unknown).  A FIN alone is no unread byte.
 */
int
sock_unread(int fd)
{
	char	b;
	ssize_t	n;

	n = recv(fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
	if (n == -1)
		return errno != EAGAIN && errno != EWOULDBLOCK;
	return n > 0;
}

/*
 * Send the pending ACK now, then go back to delaying ACKs.  A client
 * with Nagle on (OpenSSL's s_client, Python, ...) holds its request
 * until we ACK its Finished, and with no session ticket to send our
 * kernel delays that ACK by 40 ms.  The value 2 (Linux 4.20 and later;
 * older kernels read it as 1) acks what has come and then delays again,
 * so that the request's own ACK rides on the response instead of being
 * a packet of its own.  A failure only costs latency.
 */
void
sock_quickack(int fd)
{
	int	v = 2;

	(void)setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &v, sizeof(v));
}

/*
 * The handshake is done and the request is not here yet: ACK now, a
 * client with Nagle on waiting for it.  Unless the request came in the
 * meantime: then 1, read it, and its ACK rides on the response.  One
 * such second look per connection; *state: 0, 1 looked, 2 ACKed.
 */
int
sock_ack_late(int fd, int *state)
{
	if (*state == 2)
		return 0;
	if (*state == 0 && sock_unread(fd)) {
		*state = 1;
		return 1;
	}
	*state = 2;
	sock_quickack(fd);
	return 0;
}

/*
 * Delay ACKs from the start (Linux acks the first segments of a
 * connection at once): the ClientHello's ACK then rides on our
 * handshake flight.  A failure costs one packet.
 */
void
sock_delayack(int fd)
{
	int	v = 0;

	(void)setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &v, sizeof(v));
}

/*
 * Hold partial segments while a reply is written: the reply, TLS's
 * close_notify and the FIN that shutdown() adds (which pushes whatever
 * is held) leave in as few packets as fit.  Full segments still go at
 * once.  A failure costs packets.
 */
void
sock_cork(int fd)
{
	int	on = 1;

	(void)setsockopt(fd, IPPROTO_TCP, TCP_CORK, &on, sizeof(on));
}

/*
 * Read a PROXY protocol header without reading one byte past it: peek,
 * let proxy.c say where the header ends, and consume only that much.
 * Bytes of an unfinished header are all header bytes (v1 ends at the
 * first CRLF, v2 says its length), so they are consumed and kept in
 * hdr (PROXY_HEADER_MAX bytes), *have counting them.  Returns 1 with r
 * filled in, 0 to wait for more, -1 on a bad header (*errstr says why)
 * or a closed connection (*errstr NULL).
 */
int
sock_proxy(int fd, unsigned char *hdr, size_t *have, struct proxy_result *r,
    const char **errstr)
{
	ssize_t	n;
	size_t	take;
	int	rc;

	*errstr = NULL;
	n = recv(fd, hdr + *have, PROXY_HEADER_MAX - *have, MSG_PEEK);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0)
		return -1;
	if ((rc = proxy_parse(hdr, *have + (size_t)n, r, errstr)) == -1)
		return -1;
	take = rc == 1 ? r->hdrlen - *have : (size_t)n;
	if (read(fd, hdr + *have, take) != (ssize_t)take)
		return -1;
	*have += take;
	return rc;
}
