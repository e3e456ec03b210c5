/*
 * test_quota.c: the per-address table of quota.c, at chosen times.
 * What must hold: SipHash gives the reference output; an address is
 * counted by its server, family and (IPv6) prefix; a cap lets exactly
 * that many connections be open and a close makes room again; a rate
 * limit lets exactly REQUESTS through in its window and then says how
 * long to wait, and a new window opens when it ends; the table never
 * holds more keys than it has slots and fails open when full, taking
 * stale slots for new keys; a dead worker's counts are forgotten (a
 * new epoch) without later closes counting twice; and processes that
 * share the table concurrently count exactly, never more and never
 * less.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "quota.h"
#include "unit.h"

static struct sockaddr_storage
addr(const char *s)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, s, &sin->sin_addr) == 1)
		sin->sin_family = AF_INET;
	else if (inet_pton(AF_INET6, s, &sin6->sin6_addr) == 1)
		sin6->sin6_family = AF_INET6;
	return ss;
}

static struct quota_key
key(int server, const char *s, int prefix)
{
	struct sockaddr_storage	ss = addr(s);
	struct quota_key	k;

	if (quota_key(server, (struct sockaddr *)&ss, sizeof(ss), prefix,
	    &k) == -1)
		k.len = 0;
	return k;
}

static int
same(struct quota_key a, struct quota_key b)
{
	return a.len == b.len && a.len > 0 &&
	    memcmp(a.bytes, b.bytes, a.len) == 0;
}

/* Two addresses, a prefix, and whether they count as one. */
static const struct {
	const char	*a, *b;
	int		 prefix, server_a, server_b, same;
} key_cases[] = {
	{ "192.0.2.1", "192.0.2.1", 64, 0, 0, 1 },
	{ "192.0.2.1", "192.0.2.2", 64, 0, 0, 0 },
	{ "192.0.2.1", "192.0.2.1", 64, 0, 1, 0 },
	{ "::ffff:192.0.2.1", "192.0.2.1", 64, 0, 0, 1 },
	{ "2001:db8::1", "2001:db8::ffff:2", 64, 0, 0, 1 },
	{ "2001:db8::1", "2001:db8:0:1::1", 64, 0, 0, 0 },
	{ "2001:db8:0:1::1", "2001:db8:0:1:8000::1", 64, 0, 0, 1 },
	{ "2001:db8::1", "2001:db8::2", 128, 0, 0, 0 },
	{ "2001:db8:ff00::1", "2001:db8:ff80::1", 40, 0, 0, 1 },
	{ "2001:db8:ff00::1", "2001:db8:ff80::1", 41, 0, 0, 0 },
	{ "2001:db8::1", "2001:db8::1", 64, 3, 3, 1 },
};

static struct quota *
table(size_t slots)
{
	const char	*err;
	struct quota	*t;

	if ((t = quota_table(slots, 64, 0x0706050403020100ULL,
	    0x0f0e0d0c0b0a0908ULL, &err)) == NULL) {
		printf("# quota_table: %s\n", err);
		exit(1);
	}
	return t;
}

static int
test_cap(void)
{
	struct quota		*t = table(1024);
	struct quota_key	 k = key(0, "192.0.2.9", 64);
	struct quota_key	 other = key(0, "192.0.2.10", 64);
	struct quota_hold	 h[5], x;
	int			 i, ok = 1;

	for (i = 0; i < 4; i++)
		ok &= quota_open(t, &k, 4, 100, &h[i]) == QUOTA_OK;
	ok &= quota_open(t, &k, 4, 100, &h[4]) == QUOTA_OVER && !h[4].held;
	ok &= quota_open(t, &other, 4, 100, &x) == QUOTA_OK;
	quota_close(t, &h[1]);
	quota_close(t, &h[1]);		/* twice: counted once */
	ok &= quota_open(t, &k, 4, 100, &h[1]) == QUOTA_OK;
	ok &= quota_open(t, &k, 4, 100, &h[4]) == QUOTA_OVER;
	for (i = 0; i < 4; i++)
		quota_close(t, &h[i]);
	quota_close(t, &x);
	ok &= quota_live(t, 100) == 0;
	quota_free(t);
	return ok;
}

static int
test_rate(void)
{
	struct quota		*t = table(1024);
	struct quota_key	 k = key(1, "2001:db8::7", 64);
	struct quota_key	 near = key(1, "2001:db8::8", 64);
	struct quota_key	 far = key(1, "2001:db8:1::8", 64);
	int			 i, wait = -1, ok = 1;

	for (i = 0; i < 5; i++)
		ok &= quota_request(t, &k, 5, 30, 1000 + i, &wait) ==
		    QUOTA_OK;
	/* The window opened at 1000: at 1004 there are 26 s left. */
	ok &= quota_request(t, &near, 5, 30, 1004, &wait) == QUOTA_OVER &&
	    wait == 26;
	ok &= quota_request(t, &far, 5, 30, 1004, &wait) == QUOTA_OK;
	ok &= quota_request(t, &k, 5, 30, 1029, &wait) == QUOTA_OVER &&
	    wait == 1;
	ok &= quota_request(t, &k, 5, 30, 1030, &wait) == QUOTA_OK;
	for (i = 0; i < 4; i++)
		ok &= quota_request(t, &k, 5, 30, 1031, &wait) == QUOTA_OK;
	ok &= quota_request(t, &k, 5, 30, 1031, &wait) == QUOTA_OVER &&
	    wait == 29;
	ok &= quota_live(t, 1031) == 2 && quota_live(t, 1060) == 0;
	quota_free(t);
	return ok;
}

/* More keys than slots: bounded, fails open, and recovers. */
static int
test_full(void)
{
	struct quota		*t = table(1024);
	struct quota_hold	*h;
	struct quota_key	 k;
	char			 a[64];
	int			 i, n = 3000, counted = 0, full = 0, ok = 1;

	if ((h = calloc((size_t)n, sizeof(*h))) == NULL)
		return 0;
	for (i = 0; i < n; i++) {
		snprintf(a, sizeof(a), "10.%d.%d.1", i / 256, i % 256);
		k = key(0, a, 64);
		switch (quota_open(t, &k, 1, 10, &h[i])) {
		case QUOTA_OK:
			counted++;
			break;
		case QUOTA_FULL:
			full++;
			break;
		default:
			ok = 0;
		}
	}
	ok &= counted <= 1024 && counted > 512 && full == n - counted &&
	    quota_live(t, 10) == (size_t)counted;
	for (i = 0; i < n; i++)
		quota_close(t, &h[i]);
	ok &= quota_live(t, 10) == 0;
	/* Free again: new keys are counted, in stale slots. */
	k = key(0, "192.0.2.200", 64);
	ok &= quota_open(t, &k, 1, 11, &h[0]) == QUOTA_OK;
	quota_close(t, &h[0]);
	/* Windows hold slots until they end. */
	for (i = 0, counted = 0; i < n; i++) {
		snprintf(a, sizeof(a), "10.%d.%d.2", i / 256, i % 256);
		k = key(0, a, 64);
		counted += quota_request(t, &k, 1, 60, 20, &full) == QUOTA_OK;
	}
	ok &= counted <= 1024 && quota_live(t, 79) == (size_t)counted &&
	    quota_live(t, 80) == 0;
	k = key(0, "192.0.2.201", 64);
	ok &= quota_request(t, &k, 1, 60, 80, &full) == QUOTA_OK;
	free(h);
	quota_free(t);
	return ok;
}

/* A worker died: counts start again, older closes change nothing. */
static int
test_epoch(void)
{
	struct quota		*t = table(1024);
	struct quota_key	 k = key(0, "192.0.2.50", 64);
	struct quota_hold	 old[2], h[3];
	int			 ok = 1;

	ok &= quota_open(t, &k, 2, 5, &old[0]) == QUOTA_OK;
	ok &= quota_open(t, &k, 2, 5, &old[1]) == QUOTA_OK;
	ok &= quota_open(t, &k, 2, 5, &h[0]) == QUOTA_OVER;
	quota_worker_gone(t, 99999);
	ok &= quota_open(t, &k, 2, 5, &h[0]) == QUOTA_OK;
	quota_close(t, &old[0]);
	quota_close(t, &old[1]);
	ok &= quota_open(t, &k, 2, 5, &h[1]) == QUOTA_OK;
	ok &= quota_open(t, &k, 2, 5, &h[2]) == QUOTA_OVER;
	quota_free(t);
	return ok;
}

#define PROCS	4
#define ROUNDS	200000
#define KEYS	16
#define REQUESTS 500000		/* of PROCS * ROUNDS asked for */

/*
 * PROCS processes open and close connections for KEYS keys at once, and
 * make requests for one key under a rate limit: the table must count
 * every connection (all closed at the end, so each key takes exactly
 * cap connections again) and let exactly REQUESTS requests through.
 */
static int
test_shared(void)
{
	struct quota		*t = table(1024);
	struct quota_hold	 h[KEYS];
	struct quota_key	 k[KEYS], r = key(0, "198.51.100.1", 64);
	char			 a[64];
	int			 i, j, p, status, wait, fds[2], go[2], ok = 1;
	char			 c;
	long			 got, total = 0;
	pid_t			 pid[PROCS];

	for (i = 0; i < KEYS; i++) {
		snprintf(a, sizeof(a), "203.0.113.%d", i);
		k[i] = key(0, a, 64);
	}
	if (pipe(fds) == -1 || pipe(go) == -1)
		return 0;
	for (p = 0; p < PROCS; p++) {
		if ((pid[p] = fork()) == -1)
			return 0;
		if (pid[p] != 0)
			continue;
		quota_worker(t);
		close(go[1]);
		if (read(go[0], &c, 1) != 0)	/* all start at once */
			_exit(4);
		got = 0;
		for (j = 0; j < ROUNDS; j++) {
			i = (j * 7 + p) % KEYS;
			if (quota_open(t, &k[i], 1000, 50, &h[0]) != QUOTA_OK)
				_exit(2);
			quota_close(t, &h[0]);
			got += quota_request(t, &r, REQUESTS, 3600, 50,
			    &wait) == QUOTA_OK;
		}
		if (write(fds[1], &got, sizeof(got)) != sizeof(got))
			_exit(3);
		_exit(0);
	}
	close(fds[1]);
	close(go[0]);
	close(go[1]);			/* go */
	for (p = 0; p < PROCS; p++) {
		if (read(fds[0], &got, sizeof(got)) == sizeof(got))
			total += got;
		if (waitpid(pid[p], &status, 0) == -1 || status != 0)
			ok = 0;
	}
	close(fds[0]);
	ok &= total == REQUESTS;
	for (i = 0; i < KEYS; i++) {
		for (j = 0; j < 3; j++)
			ok &= quota_open(t, &k[i], 3, 50, &h[j]) == QUOTA_OK;
		ok &= quota_open(t, &k[i], 3, 50, &h[3]) ==
		    QUOTA_OVER;
	}
	if (!ok)
		printf("# %ld requests let through\n", total);
	quota_free(t);
	return ok;
}

int
main(void)
{
	static const uint8_t	msg[15] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
				    10, 11, 12, 13, 14 };
	struct sockaddr_un_like {
		sa_family_t	family;
		char		path[32];
	} un = { AF_UNIX, "/x" };
	struct quota_key	 k;
	size_t			 i, n = sizeof(key_cases) / sizeof(key_cases[0]);

	UNIT_PLAN((int)n + 9);
	/* SipHash-2-4 paper, appendix A: key 00..0f, message 00..0e. */
	UNIT_CHECK(quota_siphash(0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL,
	    msg, sizeof(msg)) == 0xa129ca6149be45e5ULL,
	    "quota: SipHash-2-4 gives the reference output");
	for (i = 0; i < n; i++)
		UNIT_CHECK(same(key(key_cases[i].server_a, key_cases[i].a,
		    key_cases[i].prefix), key(key_cases[i].server_b,
		    key_cases[i].b, key_cases[i].prefix)) == key_cases[i].same,
		    "quota: %s (server %d) and %s (server %d) at /%d are %s",
		    key_cases[i].a, key_cases[i].server_a, key_cases[i].b,
		    key_cases[i].server_b, key_cases[i].prefix,
		    key_cases[i].same ? "one" : "two");
	UNIT_CHECK(quota_key(0, (struct sockaddr *)&un, sizeof(un), 64,
	    &k) == -1, "quota: a Unix socket's peer is not counted");
	UNIT_CHECK(test_cap(), "quota: a cap of 4 lets 4 connections open, "
	    "a close makes room, a double close counts once");
	UNIT_CHECK(test_rate(), "quota: 5 requests in 30 s, then 44 with "
	    "the seconds left; a /64 shares one window; a new window after");
	UNIT_CHECK(test_full(), "quota: 3000 addresses in 1024 slots: never "
	    "more counted than slots, the rest uncounted, slots reused once "
	    "stale");
	UNIT_CHECK(test_epoch(), "quota: after a worker died counts start "
	    "again and older closes do not count twice");
	UNIT_CHECK(test_shared(), "quota: %d processes at once: every "
	    "connection counted and released, exactly %d requests through",
	    PROCS, REQUESTS);
	UNIT_CHECK(QUOTA_PER_ADDRESS <= QUOTA_PER_ADDRESS_MAX &&
	    QUOTA_PER_ADDRESS_MAX < 4096, "quota: the cap fits its 12 bits");
	UNIT_CHECK(QUOTA_REQUESTS_MAX < (1 << 24), "quota: REQUESTS fits its "
	    "24 bits");
	UNIT_DONE();
}
