/*
 * test_msg.c: msg.c, the frames capsuled's processes exchange.  Frames
 * and descriptors go through a real socketpair; bad headers (too long,
 * unknown type or flags, a descriptor announced but missing) are
 * refused; a frame split anywhere waits for its rest; fields round-trip
 * and a truncated field is refused; the size limits hold at exactly
 * MSG_PAYLOAD_MAX and one past it.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "msg.h"
#include "unit.h"

static struct msg	m;
static struct msg_reader	rd;

static void
pair(int sv[2])
{
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1) {
		perror("socketpair");
		exit(1);
	}
}

/* Read from fd until a frame is complete (or the reader gives up). */
static int
get_one(int fd, struct msg *out, const char **err)
{
	int	rc, n;

	*err = NULL;
	while ((rc = msg_get(&rd, out, err)) == 0) {
		if ((n = msg_read(fd, &rd)) <= 0)
			return n == 0 ? -2 : -3;
	}
	return rc;
}

static void
header(unsigned char *h, uint32_t len, uint16_t type, uint16_t flags)
{
	memcpy(h, &len, 4);
	memcpy(h + 4, &type, 2);
	memcpy(h + 6, &flags, 2);
}

static void
test_roundtrip(void)
{
	const char	*err;
	struct stat	 a, b;
	int		 sv[2], fd;

	pair(sv);
	msg_reader_init(&rd);
	UNIT_CHECK(msg_send(sv[0], MSG_RETIRE, "hello", 5, -1) == 0,
	    "send: a frame without a descriptor");
	UNIT_CHECK(get_one(sv[1], &m, &err) == 1 && m.type == MSG_RETIRE &&
	    m.len == 5 && memcmp(m.data, "hello", 5) == 0 && m.fd == -1,
	    "recv: type, payload and no descriptor come back");
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	UNIT_CHECK(msg_send(sv[0], MSG_RETIRE, NULL, 0, fd) == 0,
	    "send: an empty frame with a descriptor");
	UNIT_CHECK(get_one(sv[1], &m, &err) == 1 && m.len == 0 &&
	    m.fd >= 0 && m.fd != fd, "recv: the descriptor arrives as a new one");
	UNIT_CHECK(m.fd >= 0 && fstat(m.fd, &a) == 0 && fstat(fd, &b) == 0 &&
	    a.st_ino == b.st_ino && a.st_dev == b.st_dev,
	    "recv: it is the same open file");
	UNIT_CHECK(m.fd >= 0 && (fcntl(m.fd, F_GETFD) & FD_CLOEXEC),
	    "recv: a received descriptor is close-on-exec");
	if (m.fd >= 0)
		close(m.fd);
	/* two frames, both with descriptors, in one read */
	UNIT_CHECK(msg_send(sv[0], MSG_RETIRE, "a", 1, fd) == 0 &&
	    msg_send(sv[0], MSG_RETIRE, "b", 1, fd) == 0 &&
	    msg_read(sv[1], &rd) > 0, "send: two frames back to back");
	UNIT_CHECK(msg_get(&rd, &m, &err) == 1 && m.data[0] == 'a' &&
	    m.fd >= 0, "recv: the first of two, with its descriptor");
	if (m.fd >= 0)
		close(m.fd);
	UNIT_CHECK(get_one(sv[1], &m, &err) == 1 && m.data[0] == 'b' &&
	    m.fd >= 0, "recv: the second, with its own");
	if (m.fd >= 0)
		close(m.fd);
	UNIT_CHECK(rd.nfds == 0 && rd.len == 0, "recv: nothing is left over");
	close(sv[0]);
	UNIT_CHECK(get_one(sv[1], &m, &err) == -2, "recv: EOF is EOF");
	close(sv[1]);
	close(fd);
}

static void
test_split(void)
{
	unsigned char	 frame[MSG_HEADER + 3];
	const char	*err;
	size_t		 cut, i;
	int		 ok = 1, rc;

	header(frame, 3, MSG_RETIRE, 0);
	memcpy(frame + MSG_HEADER, "xyz", 3);
	for (cut = 0; cut < sizeof(frame); cut++) {
		msg_reader_init(&rd);
		memcpy(rd.buf, frame, cut);
		rd.len = cut;
		if (msg_get(&rd, &m, &err) != 0)
			ok = 0;
		for (i = cut; i < sizeof(frame); i++)
			rd.buf[rd.len++] = frame[i];
		rc = msg_get(&rd, &m, &err);
		if (rc != 1 || m.len != 3 || memcmp(m.data, "xyz", 3) != 0)
			ok = 0;
	}
	UNIT_CHECK(ok, "split: a frame cut anywhere waits, then arrives whole");
}

static void
test_bad(void)
{
	unsigned char	 h[MSG_HEADER];
	const char	*err = NULL;
	uint16_t	 type, flags;
	size_t		 len;

	header(h, MSG_PAYLOAD_MAX, MSG_RETIRE, 0);
	UNIT_CHECK(msg_frame(h, sizeof(h), &type, &flags, &len, &err) == 0 &&
	    len == MSG_PAYLOAD_MAX, "frame: MSG_PAYLOAD_MAX is a length");
	header(h, MSG_PAYLOAD_MAX + 1, MSG_RETIRE, 0);
	UNIT_CHECK(msg_frame(h, sizeof(h), &type, &flags, &len, &err) == -1 &&
	    strcmp(err, "message too long") == 0,
	    "frame: MSG_PAYLOAD_MAX + 1 is refused");
	header(h, 0, 0, 0);
	UNIT_CHECK(msg_frame(h, sizeof(h), &type, &flags, &len, &err) == -1,
	    "frame: type 0 is refused");
	header(h, 0, MSG_TYPE_MAX, 0);
	UNIT_CHECK(msg_frame(h, sizeof(h), &type, &flags, &len, &err) == -1,
	    "frame: a type past the last is refused");
	header(h, 0, MSG_RETIRE, 0x8000);
	UNIT_CHECK(msg_frame(h, sizeof(h), &type, &flags, &len, &err) == -1,
	    "frame: an unknown flag is refused");
	header(h, 0, MSG_RETIRE, MSG_FD);
	msg_reader_init(&rd);
	memcpy(rd.buf, h, sizeof(h));
	rd.len = sizeof(h);
	UNIT_CHECK(msg_get(&rd, &m, &err) == -1 &&
	    strcmp(err, "message without its descriptor") == 0,
	    "frame: a descriptor announced but not sent is refused");
	UNIT_CHECK(msg_send(0, MSG_RETIRE, NULL, MSG_PAYLOAD_MAX + 1, -1) ==
	    -1 && errno == EINVAL, "send: a payload past the limit is refused");
	UNIT_CHECK(msg_send(0, 0, NULL, 0, -1) == -1 && errno == EINVAL,
	    "send: type 0 is refused");
}

static void
test_limits(void)
{
	static unsigned char	 big[MSG_PAYLOAD_MAX];
	const char		*err;
	int			 sv[2], fds[6], i, ok = 1;

	pair(sv);
	msg_reader_init(&rd);
	memset(big, 'q', sizeof(big));
	big[sizeof(big) - 1] = 'z';
	/* the peer reads while we write: the socket buffer is smaller */
	if (fork() == 0) {
		close(sv[1]);
		_exit(msg_send(sv[0], MSG_RETIRE, big, sizeof(big), -1) == 0 ?
		    0 : 1);
	}
	close(sv[0]);
	UNIT_CHECK(get_one(sv[1], &m, &err) == 1 &&
	    m.len == MSG_PAYLOAD_MAX && m.data[MSG_PAYLOAD_MAX - 1] == 'z',
	    "limit: a frame of exactly MSG_PAYLOAD_MAX bytes arrives whole");
	close(sv[1]);
	UNIT_CHECK(wait(&i) > 0 && WIFEXITED(i) && WEXITSTATUS(i) == 0,
	    "limit: and its sender saw no error");
	/* more descriptors than a reader keeps: the extra ones are closed */
	pair(sv);
	msg_reader_init(&rd);
	for (i = 0; i < 6; i++)
		fds[i] = open("/dev/null", O_RDONLY | O_CLOEXEC);
	{
		union {
			struct cmsghdr	hdr;
			char		buf[CMSG_SPACE(sizeof(fds))];
		}		 cm;
		struct msghdr	 mh;
		struct iovec	 iov = { "x", 1 };

		memset(&mh, 0, sizeof(mh));
		memset(&cm, 0, sizeof(cm));
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = cm.buf;
		mh.msg_controllen = sizeof(cm.buf);
		cm.hdr.cmsg_len = CMSG_LEN(sizeof(fds));
		cm.hdr.cmsg_level = SOL_SOCKET;
		cm.hdr.cmsg_type = SCM_RIGHTS;
		memcpy(CMSG_DATA(&cm.hdr), fds, sizeof(fds));
		if (sendmsg(sv[0], &mh, 0) != 1)
			ok = 0;
	}
	UNIT_CHECK(ok && msg_read(sv[1], &rd) == 1 && rd.nfds == 4,
	    "limit: a reader keeps at most 4 descriptors");
	msg_reader_clear(&rd);
	UNIT_CHECK(rd.nfds == 0 && rd.len == 0,
	    "limit: clearing a reader closes what nobody claimed");
	for (i = 0; i < 6; i++)
		close(fds[i]);
	close(sv[0]);
	close(sv[1]);
}

static void
test_fields(void)
{
	unsigned char		 buf[64];
	struct msg_writer	 w;
	struct msg_cursor	 c;
	const void		*p;
	size_t			 len;
	uint32_t		 v;
	uint16_t		 tag;

	msg_writer_init(&w, buf, sizeof(buf));
	msg_field_str(&w, 1, "gemini");
	msg_field_u32(&w, 2, 1965);
	msg_field(&w, 3, NULL, 0);
	UNIT_CHECK(!w.failed && w.len == 4 + 6 + 4 + 4 + 4,
	    "fields: three fields take their bytes and a header each");
	msg_cursor_init(&c, buf, w.len);
	UNIT_CHECK(msg_field_next(&c, &tag, &p, &len) == 1 && tag == 1 &&
	    len == 6 && memcmp(p, "gemini", 6) == 0, "fields: a string");
	UNIT_CHECK(msg_field_next(&c, &tag, &p, &len) == 1 && tag == 2 &&
	    len == 4 && (memcpy(&v, p, 4), v == 1965), "fields: a number");
	UNIT_CHECK(msg_field_next(&c, &tag, &p, &len) == 1 && tag == 3 &&
	    len == 0, "fields: an empty one");
	UNIT_CHECK(msg_field_next(&c, &tag, &p, &len) == 0, "fields: the end");
	msg_cursor_init(&c, buf, 9);
	UNIT_CHECK(msg_field_next(&c, &tag, &p, &len) == -1,
	    "fields: a field cut short is refused");
	msg_cursor_init(&c, buf, 3);
	UNIT_CHECK(msg_field_next(&c, &tag, &p, &len) == -1,
	    "fields: a header cut short is refused");
	msg_writer_init(&w, buf, sizeof(buf));
	msg_field(&w, 1, buf, sizeof(buf) - 4);
	UNIT_CHECK(!w.failed && w.len == sizeof(buf),
	    "fields: a field that just fits");
	msg_field(&w, 2, NULL, 0);
	UNIT_CHECK(w.failed && w.len == sizeof(buf),
	    "fields: one more does not fit, and nothing is written");
}

int
main(void)
{
	UNIT_PLAN(33);
	test_roundtrip();
	test_split();
	test_bad();
	test_limits();
	test_fields();
	return unit_failed != 0;
}
