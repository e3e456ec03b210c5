/*
 * floor.c: the reference "floor" responders of `make bench`: the
 * cheapest server one can write that still does the work of one
 * request, so that capsuled's cost can be given as a ratio to it.
 *
 *   floor -t ...   blocking accept -> TLS handshake -> read the line ->
 *                  write the prepared response -> close_notify -> close,
 *                  on the same libtls (and so the same OpenSSL) as
 *                  capsuled, with the same protocols and certificate.
 *   floor ...      its plain-TCP twin: accept -> read the line ->
 *                  write -> close.
 *
 * One connection at a time, no event loop, no timers, no parsing, no
 * lookup: whatever the line, the same bytes (read from -f at start)
 * are sent.  -N makes the same OpenSSL settings as capsuled (no
 * session tickets, buffers released, read-ahead), so that both do the
 * same TLS work; -S sets a libtls session lifetime (to show that it
 * gives no resumption on OpenSSL 3).  It serves for at most -s seconds
 * (alarm) and only on 127.0.0.1.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tls.h>
#include <unistd.h>

#include <openssl/ssl.h>

#define LINE_MAX_BYTES	4098	/* longest request line read */
#define IO_TIMEOUT	10	/* s, per read or write: a stuck client */

static char	*resp;
static size_t	 resplen;

static __attribute__((__noreturn__)) void
usage(void)
{
	fprintf(stderr, "usage: floor [-Nt] [-c cert] [-k key] [-S lifetime] "
	    "[-s seconds]\n             -f response -p port\n");
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
load_response(const char *path)
{
	struct stat	sb;
	int		fd;

	if ((fd = open(path, O_RDONLY)) == -1 || fstat(fd, &sb) == -1)
		die(path);
	resplen = (size_t)sb.st_size;
	if ((resp = malloc(resplen + 1)) == NULL)
		die("malloc");
	if (read(fd, resp, resplen) != (ssize_t)resplen)
		die(path);
	close(fd);
}

/*
 * -N: the OpenSSL settings capsuled makes (see src/tlsio.c), made the
 * same way, so that both do the same TLS work: no session tickets,
 * read/write buffers released while empty, read-ahead.
 */
static void
ssl_new_hook(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx,
    long argl, void *argp)
{
	(void)ptr;
	(void)ad;
	(void)idx;
	(void)argl;
	(void)argp;
	if (parent == NULL)
		return;
	SSL_set_mode(parent, SSL_MODE_RELEASE_BUFFERS);
	SSL_set_read_ahead(parent, 1);
	SSL_set_num_tickets(parent, 0);
}

static struct tls *
tls_setup(const char *cert, const char *key, int notickets, int lifetime)
{
	struct tls_config	*tc;
	struct tls		*t;

	if (tls_init() == -1 || (tc = tls_config_new()) == NULL)
		die("tls_config_new");
	if (notickets &&
	    SSL_get_ex_new_index(0, NULL, ssl_new_hook, NULL, NULL) == -1)
		die("SSL_get_ex_new_index");
	if (tls_config_set_protocols(tc, TLS_PROTOCOL_TLSv1_2 |
	    TLS_PROTOCOL_TLSv1_3) == -1 ||
	    tls_config_set_keypair_file(tc, cert, key) == -1 ||
	    tls_config_set_session_lifetime(tc, lifetime) == -1) {
		fprintf(stderr, "floor: %s\n", tls_config_error(tc));
		exit(1);
	}
	if ((t = tls_server()) == NULL || tls_configure(t, tc) == -1) {
		fprintf(stderr, "floor: tls_configure failed\n");
		exit(1);
	}
	tls_config_free(tc);
	return t;
}

/* Read until LF (or the buffer is full); the bytes are not looked at. */
static int
read_line(struct tls *t, int fd)
{
	char	buf[LINE_MAX_BYTES];
	size_t	len = 0;
	ssize_t	n;

	while (len < sizeof(buf)) {
		if (t != NULL)
			n = tls_read(t, buf + len, sizeof(buf) - len);
		else
			n = read(fd, buf + len, sizeof(buf) - len);
		if (n <= 0)
			return -1;
		if (memchr(buf + len, '\n', (size_t)n) != NULL)
			return 0;
		len += (size_t)n;
	}
	return 0;
}

static int
write_all(struct tls *t, int fd)
{
	size_t	off = 0;
	ssize_t	n;

	while (off < resplen) {
		if (t != NULL)
			n = tls_write(t, resp + off, resplen - off);
		else
			n = write(fd, resp + off, resplen - off);
		if (n <= 0)
			return -1;
		off += (size_t)n;
	}
	return 0;
}

static void
serve_tls(struct tls *server, int fd)
{
	struct tls	*t = NULL;

	if (tls_accept_socket(server, &t, fd) == -1)
		return;
	if (tls_handshake(t) == 0 && read_line(t, fd) == 0 &&
	    write_all(t, fd) == 0)
		(void)tls_close(t);
	tls_free(t);
}

int
main(int argc, char *argv[])
{
	struct sockaddr_in	 sin;
	struct timeval		 tv = { IO_TIMEOUT, 0 };
	struct tls		*server = NULL;
	const char		*cert = NULL, *key = NULL, *file = NULL;
	int			 ch, lfd, fd, on = 1, port = 0, tlsmode = 0;
	int			 notickets = 0, seconds = 600, lifetime = 0;

	while ((ch = getopt(argc, argv, "c:f:k:Np:S:s:t")) != -1) {
		switch (ch) {
		case 'c':
			cert = optarg;
			break;
		case 'f':
			file = optarg;
			break;
		case 'k':
			key = optarg;
			break;
		case 'N':
			notickets = 1;
			break;
		case 'p':
			port = number(optarg, 1, 65535);
			break;
		case 'S':
			lifetime = number(optarg, 0, 86400);
			break;
		case 's':
			seconds = number(optarg, 1, 86400);
			break;
		case 't':
			tlsmode = 1;
			break;
		default:
			usage();
		}
	}
	if (file == NULL || port == 0 ||
	    (tlsmode && (cert == NULL || key == NULL)))
		usage();
	load_response(file);
	if (tlsmode)
		server = tls_setup(cert, key, notickets, lifetime);
	signal(SIGPIPE, SIG_IGN);
	alarm((unsigned)seconds);	/* a bench tool never outlives its run */

	if ((lfd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		die("socket");
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	/* Accepted sockets inherit the timeouts: no syscall per request. */
	if (setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1 ||
	    setsockopt(lfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == -1 ||
	    setsockopt(lfd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) == -1 ||
	    bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(lfd, 16384) == -1)
		die("bind");
	printf("listening on 127.0.0.1:%d\n", port);
	fflush(stdout);
	for (;;) {
		if ((fd = accept(lfd, NULL, NULL)) == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			die("accept");
		}
		if (server != NULL)
			serve_tls(server, fd);
		else if (read_line(NULL, fd) == 0)
			(void)write_all(NULL, fd);
		close(fd);
	}
}
