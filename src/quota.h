/*
 * quota.h: per-address limits that hold across all workers of a
 * generation: how many connections one client address has open, and
 * how many requests it made in a window.
 */

#ifndef CAPSULED_QUOTA_H
#define CAPSULED_QUOTA_H

#include <sys/types.h>
#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

#define QUOTA_LOG_INTERVAL	60	/* s between lines about one address */
#define QUOTA_PROBE		8	/* table slots one address may use */
#define QUOTA_PER_ADDRESS	32	/* default max-connections-per-address */
#define QUOTA_PER_ADDRESS_MAX	4095
#define QUOTA_REQUESTS_MAX	1000000	/* largest rate-limit REQUESTS */
#define QUOTA_SECONDS_MAX	86400	/* largest rate-limit SECONDS */
#define QUOTA_TABLE_DEFAULT	65536	/* address-table */
#define QUOTA_TABLE_MIN	1024
#define QUOTA_TABLE_MAX	(1 << 22)
#define QUOTA_V6_PREFIX	64	/* ipv6-prefix */
#define QUOTA_V6_PREFIX_MIN	16
#define QUOTA_INHERIT		(-1)	/* a server's: the global value */

struct config;
struct quota;
struct server;

/* A connection's place in the table while it counts there. */
struct quota_hold {
	uint64_t	 ident;		/* the slot's identity when counted */
	uint32_t	 slot;
	int		 held;
};

/* An address as the limits count it: server, family, address prefix. */
struct quota_key {
	uint8_t		 bytes[20];
	size_t		 len;
};

/* What a refusal was, for the caller's log line. */
enum quota_result {
	QUOTA_OK,
	QUOTA_OVER,		/* over the limit: refuse */
	QUOTA_FULL		/* no room in the table: not counted */
};

/* The parent's side. */
struct quota	*quota_new(const struct config *, const char **);
void		 quota_free(struct quota *);
void		 quota_worker_gone(struct quota *, pid_t);

/* A worker's side: the table of its generation, then each client. */
void		 quota_worker(struct quota *);
int		 quota_admit(const struct server *, const struct sockaddr *,
		    socklen_t, struct quota_hold *);
void		 quota_leave(struct quota_hold *);
int		 quota_rate(const struct server *, const struct sockaddr *,
		    socklen_t, int *);

/* The parts, for the tests: a table, keys, the operations at a time. */
struct quota	*quota_table(size_t, int, uint64_t, uint64_t,
		    const char **);
int		 quota_key(int, const struct sockaddr *, socklen_t, int,
		    struct quota_key *);
uint64_t	 quota_siphash(uint64_t, uint64_t, const uint8_t *, size_t);
enum quota_result quota_open(struct quota *, const struct quota_key *,
		    int, uint32_t, struct quota_hold *);
void		 quota_close(struct quota *, struct quota_hold *);
enum quota_result quota_request(struct quota *,
		    const struct quota_key *, int, int, uint32_t, int *);
size_t		 quota_live(struct quota *, uint32_t);

#endif /* CAPSULED_QUOTA_H */
