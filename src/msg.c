/*
 * msg.c: frames between capsuled's processes over socketpairs (see
 * msg.h for the format).  Every size is checked against MSG_PAYLOAD_MAX
 * before anything is copied, a frame that claims a descriptor must come
 * with one, and descriptors nobody claims are closed, so a confused or
 * hostile peer can make a reader fail but never overrun it or leak
 * descriptors into it.  It knows no message's meaning.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "msg.h"

#define MSG_SEND_WAIT_MS	2000	/* a peer that reads nothing */
#define MSG_FIELD_HEADER	4

/*
 * Is a whole frame at p (len bytes)?  1: yes, its type, flags and
 * payload length are set; 0: not yet; -1: the bytes are no frame.
 */
int
msg_frame(const unsigned char *p, size_t len, uint16_t *type,
    uint16_t *flags, size_t *plen, const char **errstr)
{
	uint32_t	n;

	if (len < MSG_HEADER)
		return 0;
	memcpy(&n, p, sizeof(n));
	memcpy(type, p + 4, sizeof(*type));
	memcpy(flags, p + 6, sizeof(*flags));
	if (n > MSG_PAYLOAD_MAX) {
		*errstr = "message too long";
		return -1;
	}
	if (*type == 0 || *type >= MSG_TYPE_MAX) {
		*errstr = "unknown message type";
		return -1;
	}
	if ((*flags & ~MSG_FD) != 0) {
		*errstr = "unknown message flags";
		return -1;
	}
	*plen = n;
	return len - MSG_HEADER >= n ? 1 : 0;
}

void
msg_writer_init(struct msg_writer *w, unsigned char *buf, size_t cap)
{
	w->data = buf;
	w->len = 0;
	w->cap = cap;
	w->failed = 0;
}

void
msg_field(struct msg_writer *w, uint16_t tag, const void *p, size_t len)
{
	uint16_t	n = (uint16_t)len;

	if (w->failed || len > UINT16_MAX ||
	    w->cap - w->len < MSG_FIELD_HEADER + len) {
		w->failed = 1;
		return;
	}
	memcpy(w->data + w->len, &tag, sizeof(tag));
	memcpy(w->data + w->len + 2, &n, sizeof(n));
	if (len > 0)
		memcpy(w->data + w->len + MSG_FIELD_HEADER, p, len);
	w->len += MSG_FIELD_HEADER + len;
}

void
msg_field_str(struct msg_writer *w, uint16_t tag, const char *s)
{
	msg_field(w, tag, s, strlen(s));
}

void
msg_field_u32(struct msg_writer *w, uint16_t tag, uint32_t v)
{
	msg_field(w, tag, &v, sizeof(v));
}

void
msg_cursor_init(struct msg_cursor *c, const void *p, size_t len)
{
	c->p = p;
	c->left = len;
}

/* The next field: 1, or 0 at the end, or -1 for a truncated field. */
int
msg_field_next(struct msg_cursor *c, uint16_t *tag, const void **p,
    size_t *len)
{
	uint16_t	n;

	if (c->left == 0)
		return 0;
	if (c->left < MSG_FIELD_HEADER)
		return -1;
	memcpy(tag, c->p, sizeof(*tag));
	memcpy(&n, c->p + 2, sizeof(n));
	if (c->left - MSG_FIELD_HEADER < n)
		return -1;
	*p = c->p + MSG_FIELD_HEADER;
	*len = n;
	c->p += MSG_FIELD_HEADER + n;
	c->left -= MSG_FIELD_HEADER + n;
	return 1;
}

void
msg_reader_init(struct msg_reader *r)
{
	r->len = 0;
	r->nfds = 0;
}

/* Close what was received and never claimed. */
void
msg_reader_clear(struct msg_reader *r)
{
	while (r->nfds > 0)
		close(r->fds[--r->nfds]);
	r->len = 0;
}

/* Wait (bounded) until fd can take more; -1 when it never does. */
static int
msg_wait_writable(int fd)
{
	struct pollfd	pfd = { fd, POLLOUT, 0 };
	int		n;

	while ((n = poll(&pfd, 1, MSG_SEND_WAIT_MS)) == -1 && errno == EINTR)
		;
	if (n == 0)
		errno = ETIMEDOUT;
	return n == 1 ? 0 : -1;
}

/*
 * Send one frame; passfd (or -1) travels with its first byte.  Waits
 * at most MSG_SEND_WAIT_MS for room at a time, so a peer that stopped
 * reading fails the send instead of hanging the sender.
 */
int
msg_send(int fd, uint16_t type, const void *data, size_t len, int passfd)
{
	unsigned char	 hdr[MSG_HEADER];
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	}		 cm;
	struct msghdr	 mh;
	struct iovec	 iov[2];
	uint32_t	 n = (uint32_t)len;
	uint16_t	 flags = passfd >= 0 ? MSG_FD : 0;
	size_t		 sent = 0, total = MSG_HEADER + len;
	ssize_t		 r;

	if (len > MSG_PAYLOAD_MAX || type == 0 || type >= MSG_TYPE_MAX) {
		errno = EINVAL;
		return -1;
	}
	memcpy(hdr, &n, sizeof(n));
	memcpy(hdr + 4, &type, sizeof(type));
	memcpy(hdr + 6, &flags, sizeof(flags));
	while (sent < total) {
		memset(&mh, 0, sizeof(mh));
		if (sent < MSG_HEADER) {
			iov[0].iov_base = hdr + sent;
			iov[0].iov_len = MSG_HEADER - sent;
			iov[1].iov_base = (void *)(uintptr_t)data;
			iov[1].iov_len = len;
			mh.msg_iovlen = len > 0 ? 2 : 1;
		} else {
			iov[0].iov_base = (unsigned char *)(uintptr_t)data +
			    (sent - MSG_HEADER);
			iov[0].iov_len = total - sent;
			mh.msg_iovlen = 1;
		}
		mh.msg_iov = iov;
		if (sent == 0 && passfd >= 0) {
			memset(&cm, 0, sizeof(cm));
			mh.msg_control = cm.buf;
			mh.msg_controllen = sizeof(cm.buf);
			cm.hdr.cmsg_len = CMSG_LEN(sizeof(int));
			cm.hdr.cmsg_level = SOL_SOCKET;
			cm.hdr.cmsg_type = SCM_RIGHTS;
			memcpy(CMSG_DATA(&cm.hdr), &passfd, sizeof(int));
		}
		r = sendmsg(fd, &mh, MSG_NOSIGNAL);
		if (r == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN && msg_wait_writable(fd) == 0)
				continue;
			return -1;
		}
		sent += (size_t)r;
	}
	return 0;
}

/* Keep a received descriptor for a frame to claim, or close it. */
static void
msg_keep_fds(struct msg_reader *r, struct msghdr *mh)
{
	struct cmsghdr	*c;
	size_t		 i, n;
	int		 fd;

	for (c = CMSG_FIRSTHDR(mh); c != NULL; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++) {
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(fd));
			if (r->nfds < (int)(sizeof(r->fds) / sizeof(r->fds[0])))
				r->fds[r->nfds++] = fd;
			else
				close(fd);
		}
	}
}

/*
 * Read what the socket has into r: the number of bytes, 0 at EOF, or
 * -1 (errno EAGAIN: nothing there now; ENOBUFS: r is full of a frame
 * nobody took).
 */
int
msg_read(int fd, struct msg_reader *r)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int) * 4)];
	}		 cm;
	struct msghdr	 mh;
	struct iovec	 iov;
	ssize_t		 n;

	if (r->len == sizeof(r->buf)) {
		errno = ENOBUFS;
		return -1;
	}
	iov.iov_base = r->buf + r->len;
	iov.iov_len = sizeof(r->buf) - r->len;
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cm.buf;
	mh.msg_controllen = sizeof(cm.buf);
	while ((n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC)) == -1 &&
	    errno == EINTR)
		;
	if (n == -1)
		return -1;
	msg_keep_fds(r, &mh);
	r->len += (size_t)n;
	return (int)n;
}

/*
 * The next whole frame from r into m: 1, or 0 when none is complete,
 * or -1 when the bytes are no frame (the reader is then useless: the
 * caller closes the connection).
 */
int
msg_get(struct msg_reader *r, struct msg *m, const char **errstr)
{
	size_t	plen;
	int	rc;

	m->fd = -1;
	if ((rc = msg_frame(r->buf, r->len, &m->type, &m->flags, &plen,
	    errstr)) != 1)
		return rc;
	if (m->flags & MSG_FD) {
		if (r->nfds == 0) {
			*errstr = "message without its descriptor";
			return -1;
		}
		m->fd = r->fds[0];
		memmove(r->fds, r->fds + 1, --r->nfds * sizeof(r->fds[0]));
	}
	memcpy(m->data, r->buf + MSG_HEADER, plen);
	m->len = plen;
	r->len -= MSG_HEADER + plen;
	memmove(r->buf, r->buf + MSG_HEADER + plen, r->len);
	return 1;
}
