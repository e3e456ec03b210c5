/*
 * loadgen.c: the load generator of `make bench`.  Each request is a new
 * TCP connection (and, for Gemini, a new full TLS handshake unless -R
 * asks to resume sessions): connect, handshake, send one request line,
 * read the response to the end, close.  Up to -c connections are in
 * flight at once, on one epoll loop in one thread.  A run is bounded by
 * a request count (-n) and by time (-t); every connection has its own
 * deadline (-T).  It reports requests/s, latency percentiles, failures
 * by kind, and bytes and TCP segments per request in both directions.
 *
 * With -i it holds -c idle connections instead (connected, and for TLS
 * handshaken, but no request sent), prints "ready ..." once they are all
 * up (with -p, each having sent the first byte of its request; with -H,
 * each stopped half-way through its handshake: the ClientHello sent,
 * the server's answer read and never replied to), and
 * keeps them until -t passes or it gets SIGTERM/SIGINT; this is
 * how the bench measures the server's memory per idle client and checks
 * that a burst of connects is not dropped.
 *
 * OpenSSL is used directly (not libtls) so that the client can count the
 * session tickets it is sent, resume sessions on request and read the
 * raw byte counts of the socket BIO.  Certificates are not verified: the
 * handshake's own signature check still runs, which is the work a real
 * TOFU client does too.  Loopback only, by design of the bench.
 */

#include <sys/types.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <linux/tcp.h>	/* tcp_info with segment counts */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#define HEAD_MAX	64		/* response bytes kept for checks */
#define KEEP_MAX	(1024 * 1024)	/* with -m/-d: whole responses */
#define READ_CHUNK	65536
#define EVENTS_MAX	256
#define REQUEST_MAX	4096

enum state {
	ST_FREE,
	ST_CONNECT,
	ST_HANDSHAKE,
	ST_WRITE,
	ST_READ,
	ST_SHUTDOWN,
	ST_IDLE
};

enum failure {
	F_CONNECT,
	F_HANDSHAKE,
	F_WRITE,
	F_READ,
	F_RESET,
	F_TIMEOUT,
	F_RESPONSE,
	F_NOCLOSE,
	F_KINDS
};

static const char *failure_names[F_KINDS] = {
	"connect", "handshake", "write", "read", "reset", "timeout",
	"response", "no_close_notify"
};

struct client {
	enum state	 st;
	int		 fd;
	SSL		*ssl;
	double		 start;
	double		 deadline;
	size_t		 woff;
	size_t		 got;		/* plaintext bytes of the response */
	char		 head[HEAD_MAX];
	char		*keep;		/* -m/-d: the whole response */
	uint64_t	 rx, tx;	/* plain TCP: bytes on the socket */
};

static struct {
	int		 tls;
	int		 nagle;
	int		 partial;
	int		 half;		/* -H: stop after the ClientHello */
	int		 resume;
	int		 idle;
	int		 conc;
	long		 count;
	double		 seconds;
	double		 timeout;
	int		 ramp;
	const char	*expect;	/* response must start with it */
	long		 length;	/* response length, -1: any */
	const char	*match;		/* response must contain it */
	const char	*dump;		/* write first good response here */
	const char	*sni;
	struct sockaddr_in sin;
	char		 request[REQUEST_MAX + 3];
	size_t		 reqlen;
} opt;

static struct {
	long		 started;
	long		 ok;
	long		 failed[F_KINDS];
	double		*lat;		/* seconds, successes only */
	size_t		 nlat;
	size_t		 caplat;
	uint64_t	 rx, tx;	/* TCP payload bytes, finished conns */
	uint64_t	 segs_in, segs_out;
	long		 tickets;
	long		 resumed;
	long		 server_closed;	/* -i: idle conns the server closed */
	int		 dumped;
} st;

static struct client	*clients;
static SSL_CTX		*ctx;
static SSL_SESSION	*session;	/* -R: the latest ticket */
static int		 epfd;
static char		 scratch[READ_CHUNK];
static volatile sig_atomic_t stop;

static void finish(struct client *, int);
static void idle(struct client *);
static void release(struct client *);

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static __attribute__((__noreturn__)) void
usage(void)
{
	fprintf(stderr,
	    "usage: loadgen [-agHipR] [-c conc] [-n count] [-t seconds] "
	    "[-T timeout]\n"
	    "               [-C ramp] [-e prefix] [-l length] [-m string] "
	    "[-d dumpfile]\n"
	    "               [-s sni] address port request\n");
	exit(2);
}

static long
number(const char *s, long lo, long hi)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *s == '\0' || *end != '\0' || v < lo || v > hi) {
		fprintf(stderr, "loadgen: bad number: %s\n", s);
		exit(2);
	}
	return v;
}

/* One ticket more; with -R keep it for the next connections. */
static int
new_session(SSL *ssl, SSL_SESSION *sess)
{
	(void)ssl;
	st.tickets++;
	if (!opt.resume)
		return 0;
	if (session != NULL)
		SSL_SESSION_free(session);
	session = sess;
	return 1;	/* we keep the reference */
}

static void
tls_setup(void)
{
	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL) {
		ERR_print_errors_fp(stderr);
		exit(1);
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	/* The callback counts every ticket, resuming or not. */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT |
	    SSL_SESS_CACHE_NO_INTERNAL_STORE);
	SSL_CTX_sess_set_new_cb(ctx, new_session);
}

static void
record_latency(double v)
{
	double	*p;
	size_t	 cap;

	if (st.nlat == st.caplat) {
		cap = st.caplat ? st.caplat * 2 : 4096;
		if ((p = realloc(st.lat, cap * sizeof(*p))) == NULL)
			return;
		st.lat = p;
		st.caplat = cap;
	}
	st.lat[st.nlat++] = v;
}

static void
tcp_counts(struct client *c)
{
	struct tcp_info	ti;
	socklen_t	len = sizeof(ti);

	if (getsockopt(c->fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0) {
		st.segs_in += ti.tcpi_segs_in;
		st.segs_out += ti.tcpi_segs_out;
	}
	if (c->ssl != NULL) {
		st.rx += BIO_number_read(SSL_get_rbio(c->ssl));
		st.tx += BIO_number_written(SSL_get_wbio(c->ssl));
	} else {
		st.rx += c->rx;
		st.tx += c->tx;
	}
}

/* The response is complete: does it look as asked? */
static int
response_good(struct client *c)
{
	size_t	n = strlen(opt.expect);

	if (n > 0 && (c->got < n || memcmp(c->head, opt.expect, n) != 0))
		return 0;
	if (opt.length >= 0 && c->got != (size_t)opt.length)
		return 0;
	if (opt.match != NULL && (c->keep == NULL ||
	    memmem(c->keep, c->got < KEEP_MAX ? c->got : KEEP_MAX,
	    opt.match, strlen(opt.match)) == NULL))
		return 0;
	return 1;
}

static void
dump(struct client *c)
{
	FILE	*fp;
	size_t	 n = c->got < KEEP_MAX ? c->got : KEEP_MAX;

	if (opt.dump == NULL || st.dumped || c->keep == NULL)
		return;
	st.dumped = 1;
	if ((fp = fopen(opt.dump, "wb")) == NULL ||
	    fwrite(c->keep, 1, n, fp) != n || fclose(fp) != 0)
		perror(opt.dump);
}

/* Close a connection without counting it. */
static void
release(struct client *c)
{
	if (c->ssl != NULL) {
		SSL_free(c->ssl);
		c->ssl = NULL;
	}
	if (c->fd != -1) {
		close(c->fd);	/* also leaves the epoll set */
		c->fd = -1;
	}
	c->st = ST_FREE;
}

/* -i: the connection is up; its latency is the time it took. */
static void
idle(struct client *c)
{
	/*
	 * -p: send the request's first byte, as a slow client would, so
	 * that the server holds a partial request too (and a server with
	 * TCP_DEFER_ACCEPT sees the client at all).  One byte always fits
	 * in an empty socket buffer.
	 */
	if (opt.partial && (c->ssl != NULL ? SSL_write(c->ssl, opt.request,
	    1) != 1 : send(c->fd, opt.request, 1, MSG_NOSIGNAL) != 1)) {
		finish(c, F_WRITE);
		return;
	}
	c->st = ST_IDLE;
	st.ok++;
	record_latency(now() - c->start);
	if (c->ssl != NULL && SSL_session_reused(c->ssl))
		st.resumed++;
}

/*
 * End of a connection: fail is -1 for a good one, else its failure.
 * The slot becomes free for the next connection.
 */
static void
finish(struct client *c, int fail)
{
	if (c->fd != -1)
		tcp_counts(c);
	if (fail == -1) {
		if (response_good(c)) {
			st.ok++;
			record_latency(now() - c->start);
			dump(c);
		} else
			st.failed[F_RESPONSE]++;
	} else
		st.failed[fail]++;
	if (c->ssl != NULL && SSL_session_reused(c->ssl))
		st.resumed++;
	release(c);
}

static int
io_failure(void)
{
	return errno == ECONNRESET || errno == EPIPE ? F_RESET : F_READ;
}

/* What an SSL call's failure means: 0 to wait, else a failure kind. */
static int
tls_failure(struct client *c, int rc, int kind)
{
	switch (SSL_get_error(c->ssl, rc)) {
	case SSL_ERROR_WANT_READ:
	case SSL_ERROR_WANT_WRITE:
		return 0;
	case SSL_ERROR_SYSCALL:
		ERR_clear_error();
		if (errno == ECONNRESET || errno == EPIPE)
			return F_RESET;
		return kind;
	default:
		ERR_clear_error();
		return kind;
	}
}

static void
take(struct client *c, const char *p, size_t n)
{
	size_t	k;

	if (c->got < HEAD_MAX) {
		k = HEAD_MAX - c->got < n ? HEAD_MAX - c->got : n;
		memcpy(c->head + c->got, p, k);
	}
	if (c->keep != NULL && c->got < KEEP_MAX) {
		k = KEEP_MAX - c->got < n ? KEEP_MAX - c->got : n;
		memcpy(c->keep + c->got, p, k);
	}
	c->got += n;
}

/* Advance one connection as far as it goes without blocking. */
static void
step(struct client *c)
{
	ssize_t	n;
	int	rc, err;

	for (;;) {
		switch (c->st) {
		case ST_FREE:
			return;
		case ST_CONNECT:
			/* A second connect() says how the first one went. */
			if (connect(c->fd, (struct sockaddr *)&opt.sin,
			    sizeof(opt.sin)) == -1 && errno != EISCONN) {
				if (errno == EALREADY || errno == EINPROGRESS)
					return;
				finish(c, F_CONNECT);
				return;
			}
			c->st = opt.tls ? ST_HANDSHAKE : ST_WRITE;
			if (!opt.tls && opt.idle)
				idle(c);
			break;
		case ST_HANDSHAKE:
			rc = SSL_connect(c->ssl);
			/* -H: the ClientHello is out; hold it there. */
			if (opt.half && rc != 1 &&
			    SSL_get_error(c->ssl, rc) == SSL_ERROR_WANT_READ) {
				idle(c);
				return;
			}
			if (rc == 1) {
				c->st = ST_WRITE;
				if (opt.idle)
					idle(c);
				break;
			}
			if ((err = tls_failure(c, rc, F_HANDSHAKE)) != 0)
				finish(c, err);
			return;
		case ST_WRITE:
			if (c->ssl != NULL) {
				rc = SSL_write(c->ssl, opt.request + c->woff,
				    (int)(opt.reqlen - c->woff));
				if (rc <= 0) {
					if ((err = tls_failure(c, rc,
					    F_WRITE)) != 0)
						finish(c, err);
					return;
				}
				n = rc;
			} else {
				n = send(c->fd, opt.request + c->woff,
				    opt.reqlen - c->woff, MSG_NOSIGNAL);
				if (n == -1) {
					if (errno == EAGAIN)
						return;
					finish(c, errno == ECONNRESET ||
					    errno == EPIPE ? F_RESET : F_WRITE);
					return;
				}
				c->tx += (uint64_t)n;
			}
			c->woff += (size_t)n;
			if (c->woff == opt.reqlen)
				c->st = ST_READ;
			break;
		case ST_READ:
			if (c->ssl != NULL) {
				rc = SSL_read(c->ssl, scratch, sizeof(scratch));
				if (rc > 0) {
					take(c, scratch, (size_t)rc);
					break;
				}
				err = SSL_get_error(c->ssl, rc);
				if (err == SSL_ERROR_ZERO_RETURN) {
					/* close_notify: answer it, as clients do */
					c->st = ST_SHUTDOWN;
					break;
				}
				if (err == SSL_ERROR_SYSCALL && rc == 0 &&
				    ERR_peek_error() == 0) {
					finish(c, F_NOCLOSE);
					return;
				}
				if ((err = tls_failure(c, rc, F_READ)) != 0)
					finish(c, err);
				return;
			}
			n = read(c->fd, scratch, sizeof(scratch));
			if (n > 0) {
				c->rx += (uint64_t)n;
				take(c, scratch, (size_t)n);
				break;
			}
			if (n == 0) {
				finish(c, -1);
				return;
			}
			if (errno != EAGAIN)
				finish(c, io_failure());
			return;
		case ST_SHUTDOWN:
			rc = SSL_shutdown(c->ssl);
			if (rc < 0 && tls_failure(c, rc, F_READ) == 0)
				return;
			ERR_clear_error();
			finish(c, -1);
			return;
		case ST_IDLE:
			/*
			 * TLS 1.3 tickets may still arrive; anything else,
			 * or the end of the stream, means the server closed.
			 */
			if (opt.half) {
				/* Take the server's flight; wait for the end. */
				while ((n = read(c->fd, scratch,
				    sizeof(scratch))) > 0)
					;
				if (n == -1 && errno == EAGAIN)
					return;
			} else if (c->ssl != NULL) {
				rc = SSL_read(c->ssl, scratch, sizeof(scratch));
				if (rc <= 0 && tls_failure(c, rc, F_READ) == 0)
					return;
			} else {
				n = recv(c->fd, scratch, sizeof(scratch),
				    MSG_PEEK);
				if (n == -1 && errno == EAGAIN)
					return;
			}
			st.server_closed++;
			release(c);
			return;
		}
	}
}

static void
start(struct client *c)
{
	struct epoll_event	ev;
	int			fd, on = 1;

	c->start = now();
	c->deadline = c->start + opt.timeout;
	c->woff = 0;
	c->got = 0;
	c->rx = c->tx = 0;
	st.started++;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		c->fd = -1;
		c->st = ST_CONNECT;
		finish(c, F_CONNECT);
		return;
	}
	c->fd = fd;
	c->st = ST_CONNECT;
	/* Like Go's clients; -a keeps Nagle, as OpenSSL's and Python's do. */
	if (!opt.nagle)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	if (opt.tls) {
		if ((c->ssl = SSL_new(ctx)) == NULL ||
		    SSL_set_fd(c->ssl, fd) != 1 ||
		    SSL_set_tlsext_host_name(c->ssl, opt.sni) != 1) {
			finish(c, F_HANDSHAKE);
			return;
		}
		if (opt.resume && session != NULL)
			SSL_set_session(c->ssl, session);
		SSL_set_connect_state(c->ssl);
	}
	/* Edge-triggered: step() always runs until it would block. */
	ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
	ev.data.ptr = c;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) == -1) {
		finish(c, F_CONNECT);
		return;
	}
	if (connect(fd, (struct sockaddr *)&opt.sin, sizeof(opt.sin)) == -1 &&
	    errno != EINPROGRESS) {
		finish(c, F_CONNECT);
		return;
	}
	step(c);
}

static int
cmp_double(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
pct(double p)
{
	size_t	i;

	if (st.nlat == 0)
		return 0;
	i = (size_t)(p / 100.0 * (double)(st.nlat - 1) + 0.5);
	return st.lat[i] * 1e6;
}

static void
report(const char *tag, double elapsed)
{
	long	done = st.ok, fails = 0, per;
	int	i;

	for (i = 0; i < F_KINDS; i++)
		fails += st.failed[i];
	qsort(st.lat, st.nlat, sizeof(*st.lat), cmp_double);
	per = done + fails > 0 ? done + fails : 1;
	printf("%s requests=%ld ok=%ld failed=%ld elapsed=%.3f rps=%.1f "
	    "p50_us=%.0f p90_us=%.0f p99_us=%.0f max_us=%.0f "
	    "rx_per_req=%.1f tx_per_req=%.1f segs_in_per_req=%.2f "
	    "segs_out_per_req=%.2f tickets_per_req=%.2f resumed=%ld",
	    tag, done + fails, done, fails, elapsed,
	    elapsed > 0 ? done / elapsed : 0.0, pct(50), pct(90), pct(99),
	    pct(100), (double)st.rx / per, (double)st.tx / per,
	    (double)st.segs_in / per, (double)st.segs_out / per,
	    (double)st.tickets / per, st.resumed);
	if (opt.idle)
		printf(" server_closed=%ld", st.server_closed);
	for (i = 0; i < F_KINDS; i++)
		printf(" fail_%s=%ld", failure_names[i], st.failed[i]);
	printf("\n");
	fflush(stdout);
}

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void
raise_nofile(int need)
{
	struct rlimit	rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if ((long)rl.rlim_cur < need + 16)
		fprintf(stderr, "loadgen: RLIMIT_NOFILE %ld < %d: raise it "
		    "(prlimit --nofile)\n", (long)rl.rlim_cur, need + 16);
}

/* Check deadlines; returns how many connections are open. */
static int
sweep(double t)
{
	int	i, open = 0;

	for (i = 0; i < opt.conc; i++) {
		if (clients[i].st == ST_FREE)
			continue;
		if (clients[i].st != ST_IDLE && t >= clients[i].deadline) {
			finish(&clients[i], F_TIMEOUT);
			continue;
		}
		open++;
	}
	return open;
}

/* Count the connections being set up (for -C). */
static int
opening(void)
{
	int	i, n = 0;

	for (i = 0; i < opt.conc; i++)
		if (clients[i].st != ST_FREE && clients[i].st != ST_IDLE)
			n++;
	return n;
}

/* No more connections to start? */
static int
enough(double t0, double t)
{
	return stop || t - t0 >= opt.seconds ||
	    (opt.count > 0 && st.started >= opt.count);
}

static void
run_requests(void)
{
	struct epoll_event	evs[EVENTS_MAX];
	double			t0 = now(), t, last = t0;
	int			i, n, open = 1, idle;

	for (;;) {
		t = now();
		/*
		 * A connection can finish inside start() (a fast server on
		 * loopback), so look again until no slot is free; never
		 * sleep in epoll_wait() with a slot to fill.
		 */
		idle = 0;
		for (i = 0; i < opt.conc && !enough(t0, t); i++) {
			if (clients[i].st == ST_FREE)
				start(&clients[i]);
			if (clients[i].st == ST_FREE)
				idle = 1;
		}
		if (t - last >= 0.05 || !open) {
			last = t;
			open = sweep(t);
			if (open == 0 && enough(t0, t))
				break;
		}
		n = epoll_wait(epfd, evs, EVENTS_MAX, idle ? 0 : 50);
		for (i = 0; i < n; i++)
			step(evs[i].data.ptr);
		if (n == 0)
			open = 0;	/* sweep at once */
	}
	report("result", now() - t0);
}

/*
 * -i: open opt.conc connections, at most opt.ramp being set up at once,
 * hold them, and say "ready" when all are up.  Hold until -t or a signal.
 */
static void
run_idle(void)
{
	struct epoll_event	evs[EVENTS_MAX];
	double			t0 = now(), t;
	int			i, n, next = 0, ready = 0, held;

	for (;;) {
		t = now();
		if (!ready) {
			n = opening();
			while (next < opt.conc && n < opt.ramp && !stop) {
				start(&clients[next++]);
				n++;
			}
		}
		n = epoll_wait(epfd, evs, EVENTS_MAX, 20);
		for (i = 0; i < n; i++)
			step(evs[i].data.ptr);
		held = sweep(now());
		if (!ready && next == opt.conc && opening() == 0) {
			ready = 1;
			printf("ready held=%d setup_seconds=%.3f\n", held,
			    now() - t0);
			fflush(stdout);
		}
		if (stop || t - t0 >= opt.seconds)
			break;
	}
	for (i = 0; i < opt.conc; i++) {
		if (clients[i].st == ST_IDLE) {
			tcp_counts(&clients[i]);
			release(&clients[i]);
		}
	}
	report("result", now() - t0);
}

int
main(int argc, char *argv[])
{
	struct sigaction	sa;
	int			ch, i;

	opt.conc = 1;
	opt.count = 1000;
	opt.seconds = 10;
	opt.timeout = 10;
	opt.ramp = 64;
	opt.length = -1;
	opt.expect = "";
	opt.tls = 1;
	opt.sni = "localhost";
	while ((ch = getopt(argc, argv, "aC:c:d:e:gHil:m:n:pRs:T:t:")) != -1) {
		switch (ch) {
		case 'a':
			opt.nagle = 1;
			break;
		case 'C':
			opt.ramp = (int)number(optarg, 1, 100000);
			break;
		case 'c':
			opt.conc = (int)number(optarg, 1, 1000000);
			break;
		case 'd':
			opt.dump = optarg;
			break;
		case 'e':
			opt.expect = optarg;
			break;
		case 'g':
			opt.tls = 0;
			break;
		case 'H':
			opt.half = 1;
			break;
		case 'i':
			opt.idle = 1;
			break;
		case 'l':
			opt.length = number(optarg, 0, LONG_MAX);
			break;
		case 'm':
			opt.match = optarg;
			break;
		case 'n':
			opt.count = number(optarg, 0, LONG_MAX);
			break;
		case 'p':
			opt.partial = 1;
			break;
		case 'R':
			opt.resume = 1;
			break;
		case 's':
			opt.sni = optarg;
			break;
		case 'T':
			opt.timeout = (double)number(optarg, 1, 3600);
			break;
		case 't':
			opt.seconds = (double)number(optarg, 1, 3600);
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 3 || strlen(argv[2]) > REQUEST_MAX)
		usage();
	opt.sin.sin_family = AF_INET;
	opt.sin.sin_port = htons((uint16_t)number(argv[1], 1, 65535));
	if (inet_pton(AF_INET, argv[0], &opt.sin.sin_addr) != 1)
		usage();
	/* Loopback only: this tool must never load anyone else. */
	if ((ntohl(opt.sin.sin_addr.s_addr) >> 24) != 127) {
		fprintf(stderr, "loadgen: %s is not a loopback address\n",
		    argv[0]);
		return 2;
	}
	opt.reqlen = (size_t)snprintf(opt.request, sizeof(opt.request),
	    "%s\r\n", argv[2]);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	raise_nofile(opt.conc);

	if ((clients = calloc((size_t)opt.conc, sizeof(*clients))) == NULL) {
		perror("calloc");
		return 1;
	}
	for (i = 0; i < opt.conc; i++) {
		clients[i].fd = -1;
		if ((opt.match != NULL || opt.dump != NULL) &&
		    (clients[i].keep = malloc(KEEP_MAX)) == NULL) {
			perror("malloc");
			return 1;
		}
	}
	if ((epfd = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		perror("epoll_create1");
		return 1;
	}
	if (opt.tls)
		tls_setup();
	if (opt.idle)
		run_idle();
	else
		run_requests();
	return 0;
}
