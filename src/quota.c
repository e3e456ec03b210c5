/*
 * quota.c: per-address limits that hold across every worker of a
 * generation: max-connections-per-address (connections one client
 * address has open at once) and rate-limit (requests it may make in a
 * window).  The parent makes one table per generation, a fixed number
 * of slots in memory shared with the workers it forks (mmap
 * MAP_SHARED); workers update it with atomic compare-and-swap only, so
 * no worker ever waits for another and a worker that dies holds
 * nothing up.  This file never touches a socket and never decides what
 * is sent: conn.c asks (through serve.c) and refuses.
 *
 * An address is counted by its server (the same address is counted
 * apart for each server), its family and its address, an IPv6 one by
 * its first ipv6-prefix bits (/64 by default: one subscriber's
 * network).  A keyed hash (SipHash-2-4, a key drawn anew for every
 * generation) gives each key a 32-bit tag and QUOTA_PROBE consecutive
 * slots where it may live; nobody outside can aim many addresses at one
 * neighbourhood.  A slot holds three 64-bit words:
 *
 *   id    tag 32 | version 8 | epoch 12 | connections 12
 *   rate  end of the window (s) 32 | requests in it 24 | version 8
 *   log   no report before (s) 32 | refusals since the last report 32
 *
 * A slot is free (tag 0), or in use by a key, or, for a moment, being
 * taken (tag BUSY + the taker's pid).  A slot whose key has no open
 * connection and no window left may be taken by another key: the taker
 * marks it BUSY (which stops any connection count on it), checks that
 * no request started a window meanwhile (else it gives the slot back),
 * writes a fresh rate word with the next version, then its own id.  A
 * request's update of the rate word carries the version it read from
 * the id word, so an update that raced a taker never lands in the new
 * key's window.  When all QUOTA_PROBE slots of a key are in use the
 * key is not counted at all: the table fails open rather than refusing
 * readers because it is full, and says so once per interval.
 *
 * A worker that dies has connections counted that will never close:
 * the parent then moves the table to a new epoch, in which every count
 * of an older one is zero (closes of older connections are then
 * ignored), and frees any slot the dead worker was taking.
 */

#include <sys/types.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <netdb.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "capsuled.h"
#include "config.h"
#include "quota.h"
#include "log.h"

#define ID_TAG(v)	((uint32_t)((v) >> 32))
#define ID_VER(v)	((unsigned)((v) >> 24) & 0xff)
#define ID_EPOCH(v)	((unsigned)((v) >> 12) & 0xfff)
#define ID_CONNS(v)	((unsigned)(v) & 0xfff)
#define ID_MAKE(t, ver, e, n)	(((uint64_t)(t) << 32) |		\
			    ((uint64_t)((ver) & 0xff) << 24) |		\
			    ((uint64_t)((e) & 0xfff) << 12) |		\
			    (uint64_t)((n) & 0xfff))
#define ID_IDENT(v)	((v) & ~(uint64_t)0xfff)	/* all but the count */

#define RATE_END(r)	((uint32_t)((r) >> 32))
#define RATE_COUNT(r)	((uint32_t)((r) >> 8) & 0xffffff)
#define RATE_VER(r)	((unsigned)(r) & 0xff)
#define RATE_MAKE(end, n, ver)	(((uint64_t)(end) << 32) |		\
			    ((uint64_t)((n) & 0xffffff) << 8) |		\
			    (uint64_t)((ver) & 0xff))

#define TAG_BUSY	0xffff0000u	/* and up: being taken by pid & 0xffff */
#define QUOTA_TRIES	4		/* lookups before giving up (fail open) */

struct quota_slot {
	_Atomic uint64_t	 id;
	_Atomic uint64_t	 rate;
	_Atomic uint64_t	 log;
};

struct quota_shared {
	_Atomic uint32_t	 epoch;
	_Atomic uint32_t	 full_logged;	/* s: the last "full" line */
	struct quota_slot	 slot[];
};

/* A server's limits, the global ones where it sets none. */
struct quota_server {
	int			 cap;		/* 0: off */
	int			 requests;	/* 0: off */
	int			 seconds;
};

struct quota {
	struct quota_shared	*sh;
	size_t			 maplen;
	uint32_t		 mask;
	uint64_t		 k0, k1;
	int			 v6prefix;
	time_t			 base;		/* monotonic s, minus one */
	struct quota_server	*srv;
	int			 nsrv;
};

static struct quota	*quota_mine;		/* a worker's generation's */
static uint32_t		 quota_busytag = TAG_BUSY;

/* SipHash-2-4 (Aumasson and Bernstein), of n bytes, key (k0, k1). */
#define SIP_ROTL(x, b)	(((x) << (b)) | ((x) >> (64 - (b))))
#define SIP_ROUND(v0, v1, v2, v3) do {					\
	v0 += v1; v1 = SIP_ROTL(v1, 13); v1 ^= v0; v0 = SIP_ROTL(v0, 32); \
	v2 += v3; v3 = SIP_ROTL(v3, 16); v3 ^= v2;			\
	v0 += v3; v3 = SIP_ROTL(v3, 21); v3 ^= v0;			\
	v2 += v1; v1 = SIP_ROTL(v1, 17); v1 ^= v2; v2 = SIP_ROTL(v2, 32); \
} while (0)

uint64_t
quota_siphash(uint64_t k0, uint64_t k1, const uint8_t *p, size_t n)
{
	uint64_t	v0 = k0 ^ 0x736f6d6570736575ULL;
	uint64_t	v1 = k1 ^ 0x646f72616e646f6dULL;
	uint64_t	v2 = k0 ^ 0x6c7967656e657261ULL;
	uint64_t	v3 = k1 ^ 0x7465646279746573ULL;
	uint64_t	m, b = (uint64_t)n << 56;
	size_t		i, left = n & 7;

	for (; n >= 8; n -= 8, p += 8) {
		for (m = 0, i = 0; i < 8; i++)
			m |= (uint64_t)p[i] << (8 * i);
		v3 ^= m;
		SIP_ROUND(v0, v1, v2, v3);
		SIP_ROUND(v0, v1, v2, v3);
		v0 ^= m;
	}
	for (i = 0; i < left; i++)
		b |= (uint64_t)p[i] << (8 * i);
	v3 ^= b;
	SIP_ROUND(v0, v1, v2, v3);
	SIP_ROUND(v0, v1, v2, v3);
	v0 ^= b;
	v2 ^= 0xff;
	for (i = 0; i < 4; i++)
		SIP_ROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

/*
 * The key server's limits count address sa under: IPv4 as it is (an
 * IPv4-mapped IPv6 address as the IPv4 one), IPv6 cut to its first
 * v6prefix bits.  -1 for another family (never limited).
 */
int
quota_key(int server, const struct sockaddr *sa, socklen_t len,
    int v6prefix, struct quota_key *k)
{
	const struct sockaddr_in6	*s6;
	const uint8_t			*a;
	int				 i, bits;

	memset(k, 0, sizeof(*k));
	k->bytes[0] = (uint8_t)(server >> 8);
	k->bytes[1] = (uint8_t)server;
	if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		k->bytes[2] = 4;
		memcpy(k->bytes + 3, &((const struct sockaddr_in *)sa)->sin_addr,
		    4);
		k->len = 7;
		return 0;
	}
	if (sa->sa_family != AF_INET6 || len < sizeof(struct sockaddr_in6))
		return -1;
	s6 = (const struct sockaddr_in6 *)sa;
	a = s6->sin6_addr.s6_addr;
	if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
		k->bytes[2] = 4;
		memcpy(k->bytes + 3, a + 12, 4);
		k->len = 7;
		return 0;
	}
	k->bytes[2] = 6;
	for (i = 0; i < 16; i++) {
		bits = v6prefix - 8 * i;
		k->bytes[3 + i] = bits >= 8 ? a[i] : bits <= 0 ? 0 :
		    (uint8_t)(a[i] & (0xff << (8 - bits)));
	}
	k->len = 19;
	return 0;
}

static uint32_t
quota_epoch(const struct quota *t)
{
	return atomic_load(&t->sh->epoch) & 0xfff;
}

/* Connections counted in id word v that are still open. */
static unsigned
quota_conns(const struct quota *t, uint64_t v)
{
	return ID_EPOCH(v) == quota_epoch(t) ? ID_CONNS(v) : 0;
}

/* Slot i (id word v) has no open connection and no window left. */
static int
quota_stale(struct quota *t, uint32_t i, uint64_t v, uint32_t now)
{
	return quota_conns(t, v) == 0 &&
	    RATE_END(atomic_load(&t->sh->slot[i].rate)) <= now;
}

/*
 * Take slot i, whose id word was old, for tag.  0, or -1 when another
 * process changed it first or a request started a window on it.
 */
static int
quota_take(struct quota *t, uint32_t i, uint64_t old, uint32_t tag,
    uint32_t now)
{
	struct quota_slot	*s = &t->sh->slot[i];
	unsigned		 ver = ID_VER(old) + 1;

	if (!atomic_compare_exchange_strong(&s->id, &old,
	    ID_MAKE(quota_busytag, ID_VER(old), 0, 0)))
		return -1;
	if (ID_TAG(old) != 0 && RATE_END(atomic_load(&s->rate)) > now) {
		atomic_store(&s->id, old);	/* in use after all */
		return -1;
	}
	atomic_store(&s->rate, RATE_MAKE(0, 0, ver));
	atomic_store(&s->log, 0);
	atomic_store(&s->id, ID_MAKE(tag, ver, quota_epoch(t), 0));
	return 0;
}

/*
 * Two processes may take two slots for the same new key at once: the
 * first of the key's slots wins, and a later one just taken is freed.
 */
static uint32_t
quota_first(struct quota *t, uint32_t i0, uint32_t mine, uint32_t tag)
{
	struct quota_slot	*s = &t->sh->slot[mine];
	uint64_t		 fresh;
	uint32_t		 i, j;

	for (j = 0; j < QUOTA_PROBE; j++) {
		i = (i0 + j) & t->mask;
		if (i == mine)
			break;
		if (ID_TAG(atomic_load(&t->sh->slot[i].id)) != tag)
			continue;
		fresh = atomic_load(&s->id);
		if (ID_TAG(fresh) == tag && ID_CONNS(fresh) == 0)
			(void)atomic_compare_exchange_strong(&s->id, &fresh,
			    ID_MAKE(0, ID_VER(fresh), 0, 0));
		return i;
	}
	return mine;
}

/*
 * Where key k lives (*slot, *tagp); with claim, take a free or stale
 * slot for it if it has none.  -1: not there (claim 0), or no room.
 */
static int
quota_find(struct quota *t, const struct quota_key *k, int claim,
    uint32_t now, uint32_t *slot, uint32_t *tagp)
{
	uint64_t	h, v, cv = 0;
	uint32_t	tag, i0, i, j, cand;
	int		try;

	h = quota_siphash(t->k0, t->k1, k->bytes, k->len);
	tag = (uint32_t)(h >> 32);
	if (tag >= TAG_BUSY)
		tag -= 0x10000;
	if (tag == 0)
		tag = 1;
	i0 = (uint32_t)h & t->mask;
	*tagp = tag;
	for (try = 0; try < QUOTA_TRIES; try++) {
		cand = UINT32_MAX;
		for (j = 0; j < QUOTA_PROBE; j++) {
			i = (i0 + j) & t->mask;
			v = atomic_load(&t->sh->slot[i].id);
			if (ID_TAG(v) == tag) {
				*slot = i;
				return 0;
			}
			if (cand == UINT32_MAX && (ID_TAG(v) == 0 ||
			    (ID_TAG(v) < TAG_BUSY &&
			    quota_stale(t, i, v, now)))) {
				cand = i;
				cv = v;
			}
		}
		if (!claim || cand == UINT32_MAX)
			return -1;
		if (quota_take(t, cand, cv, tag, now) == 0) {
			*slot = quota_first(t, i0, cand, tag);
			return 0;
		}
	}
	return -1;
}

/*
 * One more connection for key k, unless it has cap open already:
 * QUOTA_OK (counted in *h), QUOTA_OVER (h->slot says where), or
 * QUOTA_FULL (no room: not counted).
 */
enum quota_result
quota_open(struct quota *t, const struct quota_key *k, int cap,
    uint32_t now, struct quota_hold *h)
{
	struct quota_slot	*s;
	uint64_t		 v, nv;
	uint32_t		 i, tag, e;
	unsigned		 n;
	int			 try;

	h->held = 0;
	for (try = 0; try < QUOTA_TRIES; try++) {
		if (quota_find(t, k, 1, now, &i, &tag) == -1)
			return QUOTA_FULL;
		s = &t->sh->slot[i];
		v = atomic_load(&s->id);
		while (ID_TAG(v) == tag) {
			e = quota_epoch(t);
			n = ID_EPOCH(v) == e ? ID_CONNS(v) : 0;
			if (n >= (unsigned)cap) {
				h->slot = i;
				return QUOTA_OVER;
			}
			nv = ID_MAKE(tag, ID_VER(v), e, n + 1);
			if (atomic_compare_exchange_weak(&s->id, &v, nv)) {
				h->ident = ID_IDENT(nv);
				h->slot = i;
				h->held = 1;
				return QUOTA_OK;
			}
		}
	}
	return QUOTA_FULL;
}

/* The connection counted in h is gone (once; a stale count is left). */
void
quota_close(struct quota *t, struct quota_hold *h)
{
	struct quota_slot	*s;
	uint64_t		 v;

	if (!h->held)
		return;
	h->held = 0;
	s = &t->sh->slot[h->slot];
	v = atomic_load(&s->id);
	do {
		if (ID_IDENT(v) != h->ident || ID_CONNS(v) == 0)
			return;
	} while (!atomic_compare_exchange_weak(&s->id, &v, v - 1));
}

/*
 * One more request for key k, at most requests per seconds: a window
 * opens with the first request and lasts seconds.  QUOTA_OVER sets
 * *wait to the seconds until the window ends.
 */
enum quota_result
quota_request(struct quota *t, const struct quota_key *k, int requests,
    int seconds, uint32_t now, int *wait)
{
	struct quota_slot	*s;
	uint64_t		 v, r, nr;
	uint32_t		 i, tag;
	int			 try;

	for (try = 0; try < QUOTA_TRIES; try++) {
		if (quota_find(t, k, 1, now, &i, &tag) == -1)
			return QUOTA_FULL;
		s = &t->sh->slot[i];
		for (;;) {
			v = atomic_load(&s->id);
			r = atomic_load(&s->rate);
			if (ID_TAG(v) != tag || RATE_VER(r) != ID_VER(v))
				break;		/* taken by another key */
			if (RATE_END(r) <= now)
				nr = RATE_MAKE(now + (uint32_t)seconds, 1,
				    ID_VER(v));
			else if (RATE_COUNT(r) < (uint32_t)requests)
				nr = RATE_MAKE(RATE_END(r), RATE_COUNT(r) + 1,
				    ID_VER(v));
			else {
				*wait = (int)(RATE_END(r) - now);
				return QUOTA_OVER;
			}
			if (atomic_compare_exchange_weak(&s->rate, &r, nr))
				return QUOTA_OK;
		}
	}
	return QUOTA_FULL;
}

/* Slots in use at time now (for the tests and the bench). */
size_t
quota_live(struct quota *t, uint32_t now)
{
	uint64_t	v;
	uint32_t	i;
	size_t		n = 0;

	for (i = 0; i <= t->mask; i++) {
		v = atomic_load(&t->sh->slot[i].id);
		if (ID_TAG(v) != 0 && ID_TAG(v) < TAG_BUSY &&
		    !quota_stale(t, i, v, now))
			n++;
	}
	return n;
}

/*
 * A table of at least slots slots (a power of two), shared with the
 * processes forked after it, keyed (k0, k1).
 */
struct quota *
quota_table(size_t slots, int v6prefix, uint64_t k0, uint64_t k1,
    const char **errstr)
{
	struct quota	*t;
	struct timespec	 ts;
	size_t		 n = QUOTA_TABLE_MIN;
	void		*m;

	while (n < slots && n < QUOTA_TABLE_MAX)
		n <<= 1;
	if ((t = calloc(1, sizeof(*t))) == NULL) {
		*errstr = "out of memory";
		return NULL;
	}
	t->maplen = sizeof(struct quota_shared) +
	    n * sizeof(struct quota_slot);
	m = mmap(NULL, t->maplen, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED) {
		free(t);
		*errstr = "cannot map the address table";
		return NULL;
	}
	t->sh = m;
	t->mask = (uint32_t)(n - 1);
	t->k0 = k0;
	t->k1 = k1;
	t->v6prefix = v6prefix;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	t->base = ts.tv_sec - 1;
	quota_busytag = TAG_BUSY | ((uint32_t)getpid() & 0xffff);
	return t;
}

/*
 * The parent: the table of conf's generation, with each server's
 * limits; NULL (and no error) when no server has any.
 */
struct quota *
quota_new(const struct config *conf, const char **errstr)
{
	struct quota		*t;
	struct quota_server	*ls;
	struct server		*s;
	uint64_t		 key[2];
	int			 any = 0;

	*errstr = NULL;
	if ((ls = calloc((size_t)conf->nservers, sizeof(*ls))) == NULL) {
		*errstr = "out of memory";
		return NULL;
	}
	TAILQ_FOREACH(s, &conf->servers, entry) {
		ls[s->index].cap = s->per_address != QUOTA_INHERIT ?
		    s->per_address : conf->per_address;
		ls[s->index].requests = s->rate_requests != QUOTA_INHERIT ?
		    s->rate_requests : conf->rate_requests;
		ls[s->index].seconds = s->rate_requests != QUOTA_INHERIT ?
		    s->rate_seconds : conf->rate_seconds;
		any |= ls[s->index].cap > 0 || ls[s->index].requests > 0;
	}
	if (!any) {
		free(ls);
		return NULL;
	}
	arc4random_buf(key, sizeof(key));
	if ((t = quota_table((size_t)conf->address_table, conf->ipv6_prefix,
	    key[0], key[1], errstr)) == NULL) {
		free(ls);
		return NULL;
	}
	t->srv = ls;
	t->nsrv = conf->nservers;
	return t;
}

void
quota_free(struct quota *t)
{
	if (t == NULL)
		return;
	if (quota_mine == t)
		quota_mine = NULL;
	munmap(t->sh, t->maplen);
	free(t->srv);
	free(t);
}

/*
 * The parent: worker pid died.  Its connections will never close, so
 * every count starts again (a new epoch), and a slot it was taking is
 * freed.
 */
void
quota_worker_gone(struct quota *t, pid_t pid)
{
	uint64_t	v;
	uint32_t	i, busy = TAG_BUSY | ((uint32_t)pid & 0xffff);

	if (t == NULL)
		return;
	atomic_fetch_add(&t->sh->epoch, 1);
	for (i = 0; i <= t->mask; i++) {
		v = atomic_load(&t->sh->slot[i].id);
		if (ID_TAG(v) == busy)
			(void)atomic_compare_exchange_strong(
			    &t->sh->slot[i].id, &v, ID_MAKE(0, ID_VER(v), 0,
			    0));
	}
}

/* A worker: the table it counts in (NULL: no limits). */
void
quota_worker(struct quota *t)
{
	quota_mine = t;
	quota_busytag = TAG_BUSY | ((uint32_t)getpid() & 0xffff);
}

static uint32_t
quota_now(const struct quota *t)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint32_t)(ts.tv_sec - t->base);
}

/*
 * One more refusal for slot i: 1 when this one is to be logged, at most
 * once per QUOTA_LOG_INTERVAL for the slot whichever worker refuses,
 * with *n the refusals since the last report (0: this is the first).
 */
static int
quota_report(struct quota *t, uint32_t i, uint32_t now, uint32_t *n)
{
	_Atomic uint64_t	*w = &t->sh->slot[i].log;
	uint64_t		 v;

	v = atomic_fetch_add(w, 1) + 1;
	for (;;) {
		if ((uint32_t)(v >> 32) > now)
			return 0;
		if (atomic_compare_exchange_weak(w, &v,
		    (uint64_t)(now + QUOTA_LOG_INTERVAL) << 32)) {
			*n = (v >> 32) == 0 ? 0 : (uint32_t)v;
			return 1;
		}
	}
}

/* Say, at most once per interval, that the table is full. */
static void
quota_full(struct quota *t, uint32_t now)
{
	uint32_t	last = atomic_load(&t->sh->full_logged);

	if (last != 0 && now - last < QUOTA_LOG_INTERVAL)
		return;
	if (!atomic_compare_exchange_strong(&t->sh->full_logged, &last, now))
		return;
	log_warnx("address table full (%u slots): some addresses go "
	    "uncounted by the per-address limits; raise address-table",
	    t->mask + 1);
}

static void
quota_say(const struct quota *t, const struct server *srv,
    const struct sockaddr *sa, socklen_t len, const char *what,
    uint32_t n)
{
	char	host[NI_MAXHOST];

	if (getnameinfo(sa, len, host, sizeof(host), NULL, 0,
	    NI_NUMERICHOST) != 0)
		strlcpy(host, "?", sizeof(host));
	if (n == 0)
		log_warnx("%s%s: over %s for %s: refused (further refusals "
		    "are reported at most every %d s)", host,
		    sa->sa_family == AF_INET6 && t->v6prefix < 128 ?
		    " (counted by its prefix)" : "", what, srv->name,
		    QUOTA_LOG_INTERVAL);
	else
		log_warnx("%s%s: over %s for %s: %u refused since the last "
		    "report", host, sa->sa_family == AF_INET6 &&
		    t->v6prefix < 128 ? " (counted by its prefix)" : "", what,
		    srv->name, n);
}

/*
 * A new connection from sa to server srv: 0 to go on (counted in h if
 * a cap applies), -1 when the address has its cap open already.
 */
int
quota_admit(const struct server *srv, const struct sockaddr *sa,
    socklen_t len, struct quota_hold *h)
{
	struct quota		*t = quota_mine;
	struct quota_key	 k;
	char			 what[64];
	uint32_t		 now, n;
	int			 cap;

	h->held = 0;
	if (t == NULL || srv->index >= t->nsrv ||
	    (cap = t->srv[srv->index].cap) == 0 ||
	    quota_key(srv->index, sa, len, t->v6prefix, &k) == -1)
		return 0;
	now = quota_now(t);
	switch (quota_open(t, &k, cap, now, h)) {
	case QUOTA_OK:
		return 0;
	case QUOTA_FULL:
		quota_full(t, now);
		return 0;
	case QUOTA_OVER:
		break;
	}
	if (quota_report(t, h->slot, now, &n)) {
		snprintf(what, sizeof(what), "max-connections-per-address %d",
		    cap);
		quota_say(t, srv, sa, len, what, n);
	}
	return -1;
}

void
quota_leave(struct quota_hold *h)
{
	if (h->held && quota_mine != NULL)
		quota_close(quota_mine, h);
	h->held = 0;
}

/*
 * A request from sa to server srv: 0 to answer it, -1 when the address
 * is past its rate-limit (*wait: seconds until it may ask again).
 */
int
quota_rate(const struct server *srv, const struct sockaddr *sa,
    socklen_t len, int *wait)
{
	struct quota		*t = quota_mine;
	const struct quota_server *ls;
	struct quota_key	 k;
	char			 what[64];
	uint32_t		 now, n, i, tag;

	if (t == NULL || srv->index >= t->nsrv ||
	    (ls = &t->srv[srv->index])->requests == 0 ||
	    quota_key(srv->index, sa, len, t->v6prefix, &k) == -1)
		return 0;
	now = quota_now(t);
	switch (quota_request(t, &k, ls->requests, ls->seconds, now, wait)) {
	case QUOTA_OK:
		return 0;
	case QUOTA_FULL:
		quota_full(t, now);
		return 0;
	case QUOTA_OVER:
		break;
	}
	if (quota_find(t, &k, 0, now, &i, &tag) == 0 &&
	    quota_report(t, i, now, &n)) {
		snprintf(what, sizeof(what), "rate-limit %d requests in %d s",
		    ls->requests, ls->seconds);
		quota_say(t, srv, sa, len, what, n);
	}
	return -1;
}
