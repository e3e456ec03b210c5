/*
 * fcgi_responder.c: the FastCGI responder of `make bench`, the cheapest
 * one that still does the work of a request, so that what capsuled adds
 * on its FastCGI path can be measured: a Unix socket, one request per
 * connection, blocking accept -> read the records up to the empty STDIN
 * -> write the prepared answer (the bytes of -f as STDOUT records, the
 * empty STDOUT, END_REQUEST) -> close.  The same bytes for every
 * request: the bench gives it the response of the static page it is
 * compared with.
 *
 * One thread, no event loop, no parsing beyond record lengths, nothing
 * read from the parameters.  Each connection has IO_TIMEOUT per read
 * and write, so that a stuck peer cannot hold it; it serves for at most
 * -s seconds (alarm).  A Unix socket only: nothing outside this machine
 * can reach it.
 *
 *	fcgi_responder -f response [-s seconds] path
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FCGI_HEADER	8
#define FCGI_CONTENT	65535	/* content bytes in a record at most */
#define FCGI_STDIN	5
#define FCGI_STDOUT	6
#define FCGI_END	3
#define RESPONSE_MAX	(1024 * 1024)
#define IO_TIMEOUT	10	/* s, per read or write */
#define READ_BUF	(FCGI_HEADER + FCGI_CONTENT + 255)	/* a record */

static unsigned char	*answer;	/* the records, ready to write */
static size_t		 answerlen;

static __attribute__((__noreturn__)) void
usage(void)
{
	fprintf(stderr, "usage: fcgi_responder -f response [-s seconds] "
	    "path\n");
	exit(2);
}

static __attribute__((__noreturn__)) void
die(const char *what)
{
	perror(what);
	exit(1);
}

static int
number(const char *s, int lo, int hi)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *s == '\0' || *end != '\0' || v < lo || v > hi)
		usage();
	return (int)v;
}

static void
header(unsigned char *h, int type, size_t len)
{
	h[0] = 1;
	h[1] = (unsigned char)type;
	h[2] = 0;
	h[3] = 1;				/* the request id */
	h[4] = (unsigned char)(len >> 8);
	h[5] = (unsigned char)(len & 0xff);
	h[6] = 0;
	h[7] = 0;
}

/* The file's bytes as the whole answer: STDOUT records, their end, END. */
static void
load_answer(const char *path)
{
	struct stat	 sb;
	unsigned char	*data, *p;
	size_t		 len, off, n;
	int		 fd;

	if ((fd = open(path, O_RDONLY)) == -1 || fstat(fd, &sb) == -1)
		die(path);
	if (sb.st_size > RESPONSE_MAX) {
		fprintf(stderr, "%s: larger than %d bytes\n", path,
		    RESPONSE_MAX);
		exit(1);
	}
	len = (size_t)sb.st_size;
	if ((data = malloc(len + 1)) == NULL)
		die("malloc");
	if (read(fd, data, len) != (ssize_t)len)
		die(path);
	close(fd);
	/* One header per record, one for the empty STDOUT, END_REQUEST. */
	answerlen = len + (len / FCGI_CONTENT + 1) * FCGI_HEADER +
	    FCGI_HEADER + FCGI_HEADER + 8;
	if ((answer = calloc(1, answerlen)) == NULL)
		die("calloc");
	p = answer;
	for (off = 0; off < len; off += n) {
		n = len - off < FCGI_CONTENT ? len - off : FCGI_CONTENT;
		header(p, FCGI_STDOUT, n);
		memcpy(p + FCGI_HEADER, data + off, n);
		p += FCGI_HEADER + n;
	}
	header(p, FCGI_STDOUT, 0);
	p += FCGI_HEADER;
	header(p, FCGI_END, 8);
	p += FCGI_HEADER + 8;			/* status 0, request complete */
	answerlen = (size_t)(p - answer);
	free(data);
}

/*
 * Read records until the empty STDIN that ends a request.  0: there;
 * -1: the peer closed, timed out or sent what is not FastCGI.
 */
static int
read_request(int fd)
{
	unsigned char	buf[READ_BUF];
	size_t		have = 0, skip;
	ssize_t		n;

	for (;;) {
		/* Whole records at the front of buf are looked at, then. */
		while (have >= FCGI_HEADER) {
			if (buf[0] != 1)
				return -1;
			skip = FCGI_HEADER + ((size_t)buf[4] << 8 | buf[5]) +
			    buf[6];
			if (buf[1] == FCGI_STDIN && buf[4] == 0 && buf[5] == 0)
				return 0;
			if (skip > have)
				break;
			memmove(buf, buf + skip, have - skip);
			have -= skip;
		}
		if (have == sizeof(buf))
			return -1;	/* (cannot be: a whole record fits) */
		n = read(fd, buf + have, sizeof(buf) - have);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		have += (size_t)n;
	}
}

static void
write_answer(int fd)
{
	size_t	off = 0;
	ssize_t	n;

	while (off < answerlen) {
		n = write(fd, answer + off, answerlen - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		off += (size_t)n;
	}
}

int
main(int argc, char *argv[])
{
	struct sockaddr_un	 sun;
	struct timeval		 tv = { IO_TIMEOUT, 0 };
	const char		*file = NULL;
	int			 ch, lfd, fd, seconds = 600;

	while ((ch = getopt(argc, argv, "f:s:")) != -1) {
		switch (ch) {
		case 'f':
			file = optarg;
			break;
		case 's':
			seconds = number(optarg, 1, 86400);
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (file == NULL || argc != 1)
		usage();
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(argv[0]) >= sizeof(sun.sun_path))
		usage();
	memcpy(sun.sun_path, argv[0], strlen(argv[0]));
	load_answer(file);
	signal(SIGPIPE, SIG_IGN);
	alarm((unsigned)seconds);	/* a bench tool never outlives its run */

	if ((lfd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		die("socket");
	if (unlink(sun.sun_path) == -1 && errno != ENOENT)
		die(sun.sun_path);
	if (bind(lfd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    chmod(sun.sun_path, 0666) == -1 || listen(lfd, 4096) == -1)
		die(sun.sun_path);
	printf("listening on %s\n", sun.sun_path);
	fflush(stdout);
	for (;;) {
		if ((fd = accept(lfd, NULL, NULL)) == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			die("accept");
		}
		/* The runner may hand the socket on and vanish: bounded. */
		if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv,
		    sizeof(tv)) == 0 && setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO,
		    &tv, sizeof(tv)) == 0 && read_request(fd) == 0)
			write_answer(fd);
		close(fd);
	}
}
