/*
 * capsuled.h: what every part of capsuled shares: the version, the
 * protocol enum and the named limits, in one place so that each can be
 * found and is documented once (capsuled.8).  Types and prototypes
 * live in each module's own header.
 */

#ifndef CAPSULED_H
#define CAPSULED_H

#include "compat.h"

#define CAPSULED_VERSION	"0.1.0"

/*
 * Limits.  Each one is documented in capsuled.8; the ones a config
 * file can change have their default here.
 */
#define GEMINI_REQUEST_MAX	1024	/* bytes before CRLF (spec) */
#define GOPHER_REQUEST_MAX	4096	/* selector + search, before LF */
#define TIMEOUT_HANDSHAKE	10	/* s, TLS handshake */
#define TIMEOUT_REQUEST		10	/* s, from accept to a whole request */
#define TIMEOUT_RESPONSE	10	/* s without write progress */
#define TIMEOUT_CGI		10	/* s a CGI script may run */
#define SCRIPTS_MAX_DEFAULT	32	/* CGI scripts running at once */
#define SCRIPTS_MAX		4096	/* largest max-scripts */
#define TIMEOUT_LINGER		2	/* s to wait for the client's FIN */
#define TIMEOUT_RETIRE		60	/* s a retiring worker may drain */
#define RETIRE_ACK_MS		2000	/* ms to wait for old workers to stop
					   accepting before a reload is done */
#define FD_RESERVE		16	/* descriptors kept free per worker */
#define ACCEPT_BATCH		64	/* accepts per readiness event */
#define ACCEPT_BACKOFF_MS	100	/* pause after EMFILE/ENFILE */
#define LISTEN_BACKLOG		16384	/* clamped by net.core.somaxconn */
#define WORKERS_MAX		64
#define RESPAWN_MIN_INTERVAL	1	/* s between respawns of one slot */
#define SNAPSHOT_MAX_FILES	200000
#define SNAPSHOT_MAX_DEPTH	32
#define SNAPSHOT_INLINE_MAX	(1024 * 1024)	/* larger files stream */
#define SNAPSHOT_GMI_MAX	(16 * 1024 * 1024)
#define SNAPSHOT_MAX_DEFAULT	((size_t)1024 * 1024 * 1024)	/* bytes */
#define SNAPSHOT_MAX_LIMIT	((long long)1024 * 1024 * 1024 * 1024)
#define SNAPSHOT_REPLY_MAX	(64 * 1024 * 1024)	/* one rendered reply */
#define STREAM_CHUNK		16384
#define GOPHER_COLUMNS		67	/* display columns in a menu line */
#define GOPHER_PRE_COLUMNS	1024	/* ... of preformatted text */
#define TICKET_LIFETIME_MAX	86400	/* s a TLS session ticket may live */
#define HOSTNAME_MAX		255
#define SERVER_ALIASES_MAX	8	/* alias names per server */
#define CONF_FILE		"/etc/capsuled.conf"	/* used with no flags */
#define CONF_SIZE_MAX		(1024 * 1024)	/* bytes in a config file */
#define CONF_TOKEN_MAX		1023	/* bytes in one word or string */
#define CHROOT_DEFAULT		"/var/empty"	/* workers' root directory */
#define TIMEOUT_MAX		3600	/* s, largest configurable timeout */
#define CONNECTIONS_MAX		1000000	/* largest max-connections */
#define LOG_LINE_MAX		4096	/* bytes in one log line */
#define LOG_REQUEST_MAX		512	/* request bytes in an access line */
#define LOG_NAME_MAX		1024	/* bytes of a name in a message */
#define LOG_QUOTE_SLOTS		4	/* names quoted in one message */

enum proto {
	PROTO_GEMINI,
	PROTO_GOPHER
};

/* What a read or write on a connection (plain or TLS) came to. */
enum io_result {
	IO_DONE,
	IO_WANT_READ,
	IO_WANT_WRITE,
	IO_EOF,
	IO_ERROR
};

#endif /* CAPSULED_H */
