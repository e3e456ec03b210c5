/*
 * capsuled.h: the types every part of capsuled shares, the named limits,
 * and the prototypes of each module.  Nothing here allocates or does I/O;
 * a module's private types stay in its own .c file.
 */

#ifndef CAPSULED_H
#define CAPSULED_H

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "compat.h"

#define CAPSULED_VERSION	"0.1.0"

struct event;
struct event_base;
struct tls;

/*
 * Limits.  Each one is documented in capsuled.8; the ones a config
 * file can change have their default here.
 */
#define GEMINI_REQUEST_MAX	1024	/* bytes before CRLF (spec) */
#define GOPHER_REQUEST_MAX	4096	/* selector + search, before LF */
#define TIMEOUT_HANDSHAKE	10	/* s, TLS handshake */
#define TIMEOUT_REQUEST		10	/* s, from accept to a whole request */
#define TIMEOUT_RESPONSE	10	/* s without write progress */
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
#define SNAPSHOT_MAX_BYTES	((size_t)1024 * 1024 * 1024)
#define STREAM_CHUNK		16384
#define GOPHER_COLUMNS		67	/* display columns in a menu line */
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

enum proto {
	PROTO_GEMINI,
	PROTO_GOPHER
};

/* buf.c: a growable byte buffer, used while building, never when serving */
struct buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
	int	 failed;	/* sticky: an allocation failed */
};

void	 buf_init(struct buf *);
void	 buf_free(struct buf *);
void	 buf_reset(struct buf *);
void	 buf_add(struct buf *, const void *, size_t);
void	 buf_adds(struct buf *, const char *);
void	 buf_addc(struct buf *, int);
void	 buf_addf(struct buf *, const char *, ...)
	    __attribute__((__format__(printf, 2, 3)));
char	*buf_release(struct buf *, size_t *);

/* log.c */
struct config;

/* One finished request, as the access log records it. */
struct log_access {
	const struct sockaddr	*peer;
	socklen_t		 peerlen;
	enum proto		 proto;
	const char		*host;		/* the server that answered */
	const char		*request;	/* as received, not escaped */
	size_t			 requestlen;
	int			 status;	/* Gemini status; 0: Gopher ok */
	size_t			 bytes;		/* sent, headers included */
	long			 ms;		/* from accept to the end */
};

void	 log_init(int, int);
int	 log_open(const struct config *, const char **);
void	 log_detach(const struct config *);
int	 log_access_enabled(void);
void	 log_access(const struct log_access *);
size_t	 log_escape(char *, size_t, const char *, size_t);
size_t	 log_access_format(char *, size_t, time_t,
	    const struct log_access *);
void	 log_procname(const char *);
void	 log_setverbose(int);
int	 log_getverbose(void);
const char *log_debug_addr(const struct sockaddr *, socklen_t);
void	 log_warn(const char *, ...)
	    __attribute__((__format__(printf, 1, 2)));
void	 log_warnx(const char *, ...)
	    __attribute__((__format__(printf, 1, 2)));
void	 log_info(const char *, ...)
	    __attribute__((__format__(printf, 1, 2)));
void	 log_debug(const char *, ...)
	    __attribute__((__format__(printf, 1, 2)));
__attribute__((__noreturn__))
void	 fatal(const char *, ...)
	    __attribute__((__format__(printf, 1, 2)));
__attribute__((__noreturn__))
void	 fatalx(const char *, ...)
	    __attribute__((__format__(printf, 1, 2)));

/* hash.c */
uint32_t hash_bytes(const char *, size_t);

/* utf8.c */
int	 utf8_valid(const char *, size_t);
size_t	 utf8_charlen(const char *, size_t);
size_t	 utf8_next(const char *, size_t, uint32_t *);
size_t	 utf8_columns(const char *, size_t);
size_t	 utf8_cut(const char *, size_t, size_t);

/* uri.c */
struct uri {
	const char	*scheme;	/* all point into the parsed line */
	size_t		 schemelen;
	const char	*host;
	size_t		 hostlen;
	int		 port;		/* -1: none given */
	const char	*path;
	size_t		 pathlen;
	const char	*query;		/* NULL: no '?' */
	size_t		 querylen;
	int		 ipliteral;	/* host was [v6] or dotted v4 */
};

int	 uri_parse(const char *, size_t, struct uri *, const char **);
int	 uri_path_decode(const char *, size_t, char *, size_t, size_t *,
	    const char **);
int	 uri_path_normalize(char *, size_t *, const char **);
int	 uri_resolve(const char *, const char *, size_t, struct buf *);
void	 uri_path_encode(struct buf *, const char *, size_t);
int	 uri_query_decode(const char *, size_t, char *, size_t, size_t *);

/* mime.c */
struct mime_type {
	const char	*ext;
	const char	*type;
	char		 gophertype;
};

const struct mime_type	*mime_lookup(const char *);

/* gemtext.c: gemtext → Gopher menu, pure */
struct gemtext_ctx {
	const char	*host;		/* our host, for local links */
	int		 port;		/* our public Gopher port */
	const char	*dir;		/* directory of the page, "/.../" */
	const char	*const *aliases; /* other names that mean "us" */
	char		(*kind)(void *, const char *, size_t);
	void		*arg;		/* for kind: item type of a path */
	const char	*search;	/* path of the search (type 7) or NULL */
};

int	 gemtext_to_gopher(const char *, size_t, const struct gemtext_ctx *,
	    struct buf *);

/* gopher.c */
struct gopher_request {
	const char	*search;	/* into the line; NULL: none */
	size_t		 searchlen;
	int		 url;		/* "URL:" selector: path is the URL */
	size_t		 pathlen;
	char		 path[GOPHER_REQUEST_MAX + 2];	/* must be last */
};

int	 gopher_line_complete(const char *, size_t, size_t *);
int	 gopher_parse_request(const char *, size_t, struct gopher_request *,
	    const char **);
int	 gopher_item(struct buf *, char, const char *, size_t, const char *,
	    size_t, const char *, int);
void	 gopher_info(struct buf *, const char *, size_t, const char *, int);
void	 gopher_error(struct buf *, const char *);
void	 gopher_url_page(struct buf *, const char *, size_t);
int	 gopher_text(struct buf *, const char *, size_t);
void	 gopher_map(struct buf *, const char *, size_t, const char *,
	    const char *, int);

/* gemini.c */
struct gemini_request {
	struct uri	 uri;
	char		 path[GEMINI_REQUEST_MAX + 1];	/* decoded */
	size_t		 pathlen;
};

int	 gemini_line_complete(const char *, size_t, size_t *);
int	 gemini_parse_request(const char *, size_t, struct gemini_request *,
	    const char **);
int	 gemini_host_matches(const struct uri *, const char *, const char *);
int	 gemini_port_matches(const struct uri *, int);
const char *gemini_status(int, size_t *);

/* proxy.c: the PROXY protocol header (v1 text, v2 binary) */
#define PROXY_HEADER_MAX	536	/* v1 is at most 107 bytes */

struct proxy_result {
	size_t			 hdrlen;	/* bytes of the header */
	int			 local;		/* keep the socket's address */
	struct sockaddr_storage	 src;		/* the real client */
	socklen_t		 srclen;
	struct sockaddr_storage	 dst;		/* the address it reached */
	socklen_t		 dstlen;
};

int	 proxy_parse(const unsigned char *, size_t, struct proxy_result *,
	    const char **);

/* snapshot.c */
struct snapshot;

struct snapshot_params {
	const char	*root;		/* capsule directory */
	const char	*host;		/* host name in menus and links */
	const char *const *aliases;	/* other names of ours, NULL-ended */
	int		 gopher_port;	/* port named in Gopher menus */
	const char	*lang;		/* NULL or BCP47 tag(s) */
	size_t		 inline_max;	/* bigger files are streamed */
	int		 search;	/* index the pages, answer SEARCH_PATH */
	const char	*search_prompt;	/* Gemini input prompt */
};

/* What the worker needs to answer one path on one protocol. */
struct snapshot_resp {
	const char	*data;		/* prepared bytes; NULL: stream */
	size_t		 len;
	const char	*stream;	/* path relative to the root fd */
	const char	*header;	/* Gemini header to send before it */
	size_t		 headerlen;
	int		 status;	/* Gemini status, 0 on Gopher */
};

int	 snapshot_build(const struct snapshot_params *, struct snapshot **,
	    const char **);
void	 snapshot_free(struct snapshot *);
int	 snapshot_lookup(const struct snapshot *, enum proto, const char *,
	    size_t, struct snapshot_resp *);
int	 snapshot_rootfd(const struct snapshot *);
int	 snapshot_open(int, const char *, int);
size_t	 snapshot_count(const struct snapshot *);
size_t	 snapshot_bytes(const struct snapshot *);
const char *snapshot_host(const struct snapshot *);

/*
 * The capsule's full-text search, one index per snapshot, asked over
 * Gemini (input prompt) and Gopher (type 7): words.c cuts words,
 * indexer.c builds the index, search.c queries it, results.c answers.
 * Each limit is documented in capsuled.8.
 */
#define SEARCH_PATH		"/search"	/* Gemini path, Gopher selector */
#define SEARCH_PROMPT		"Search the capsule"	/* default prompt */
#define SEARCH_PROMPT_MAX	200	/* bytes of the prompt text */
#define SEARCH_QUERY_MAX	256	/* bytes of a decoded query */
#define SEARCH_WORDS_MAX	8	/* words of a query searched for */
#define SEARCH_TERM_MAX		48	/* bytes of a word; the rest is ignored */
#define SEARCH_PREFIX_MIN	3	/* shorter words match whole words only */
#define SEARCH_EXPAND_MAX	16	/* index words one query word may match */
#define SEARCH_RESULTS_MAX	20	/* pages listed, best first */
#define SEARCH_WORK_MAX		1000000	/* postings one query may read */
#define SEARCH_TITLE_COLS	100	/* columns of a title in the results */
#define SEARCH_EXCERPT_COLS	100	/* columns of an excerpt */
#define SEARCH_EXCERPT_MAX	(SEARCH_EXCERPT_COLS * 4 + 16)	/* bytes */

struct search_index;

/* A page handed to indexer_build; its strings must outlive the index. */
struct search_source {
	const char	*path;		/* where results link to */
	size_t		 pathlen;
	const char	*text;		/* the gemtext */
	size_t		 textlen;
	const char	*name;		/* the title when there is no heading */
	size_t		 namelen;
};

struct search_hit {
	uint32_t	 page;
	uint32_t	 score;
	uint32_t	 first;		/* byte offset of the hit to show */
};

struct search_result {
	size_t			 matches;	/* pages with every word */
	size_t			 nhits;		/* listed in hits, best first */
	struct search_hit	 hits[SEARCH_RESULTS_MAX];
	size_t			 nwords;	/* words searched for */
	int			 dropped;	/* words past SEARCH_WORDS_MAX */
	int			 partial;	/* stopped at SEARCH_WORK_MAX */
};

/* words.c */
size_t	 words_next(const char *, size_t, size_t *, char *, size_t *);
size_t	 words_line_text(const char *, size_t);

/* indexer.c */
int	 indexer_build(const struct search_source *, size_t,
	    void *(*)(void *, size_t), void *, struct search_index **,
	    const char **);

/* search.c */
struct search_doc {
	const char	*path;		/* as results link to it */
	size_t		 pathlen;
	const char	*title;
	size_t		 titlelen;
	const char	*text;		/* the gemtext */
	size_t		 textlen;
};

size_t	 search_bytes(const struct search_index *);
size_t	 search_count(const struct search_index *);
size_t	 search_terms(const struct search_index *);
size_t	 search_scratch_size(const struct search_index *);
int	 search_query(const struct search_index *, const char *, size_t,
	    void *, size_t, struct search_result *);
void	 search_doc(const struct search_index *, uint32_t,
	    struct search_doc *);

/* What a snapshot offers its search; NULL when search is off. */
struct snapshot_search {
	const struct search_index	*index;
	const char			*prompt;	/* the prompt text */
	size_t				 promptlen;
	const char			*input;		/* "10 <prompt>\r\n" */
	size_t				 inputlen;
	const char			*header;	/* "20 text/gemini..." */
	size_t				 headerlen;
	const char			*host;		/* for Gopher menus */
	int				 gopher_port;
};

const struct snapshot_search *snapshot_search(const struct snapshot *);

/* results.c */
int	 results_match(const struct snapshot_search *, const char *, size_t);
size_t	 results_excerpt(const char *, size_t, size_t, char *, size_t);
int	 results_gemini(const struct snapshot_search *, const char *, size_t,
	    struct buf *);
int	 results_gopher(const struct snapshot_search *, const char *, size_t,
	    struct buf *);

/* beneath.c */
int	 beneath_open(int, const char *, int);

/* config.c: what to serve, where, and with which limits */
struct server {
	TAILQ_ENTRY(server)	 entry;
	char			 name[HOSTNAME_MAX + 1];
	char			 root[PATH_MAX];
	char			 cert[PATH_MAX];
	char			 key[PATH_MAX];
	char			 lang[64];
	int			 gemini_port;	/* public; 0: the listener's */
	int			 gopher_port;	/* public; 0: the listener's */
	char			 aliases[SERVER_ALIASES_MAX][HOSTNAME_MAX + 1];
	int			 naliases;
	int			 search_enabled;	/* "search off": 0 */
	char			 search_prompt[SEARCH_PROMPT_MAX + 1];
	struct snapshot		*snap;		/* built by the parent */
};

#define LISTEN_TLS	0x01	/* Gopher listener that also speaks TLS */
#define LISTEN_PROXY	0x02	/* a PROXY protocol header comes first */

struct listener {
	TAILQ_ENTRY(listener)	 entry;
	enum proto		 proto;
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
	int			 port;
	int			 flags;
	char			 name[64];	/* "[::1]:1965" for logs */
	struct server		*server;	/* the default server */
	struct server		**servers;	/* all on it, default first */
	size_t			 nservers;
	int			 fd;		/* -1 until bound */
	struct tls		*tls;		/* Gemini: server context */
	struct event		*ev;		/* worker only */
	struct listener		*reused;	/* while binding: fd's origin */
};

TAILQ_HEAD(serverlist, server);
TAILQ_HEAD(listenerlist, listener);

/* Where daemon messages and access lines go. */
enum log_to {
	LOG_TO_SYSLOG,
	LOG_TO_STDERR,
	LOG_TO_FILE
};

enum access_to {
	ACCESS_OFF,
	ACCESS_DAEMON,			/* with the daemon's messages */
	ACCESS_FILE
};

struct config {
	char			 file[PATH_MAX];	/* "": quick mode */
	int			 prefork;
	char			 user[64];
	uid_t			 uid;
	gid_t			 gid;
	char			 chroot[PATH_MAX];	/* "": none */
	int			 chroot_default;	/* not from the file */
	enum log_to		 log_to;
	char			 log_file[PATH_MAX];
	enum access_to		 access_to;
	char			 access_file[PATH_MAX];
	int			 debug;
	int			 verbose;
	int			 timeout_handshake;
	int			 timeout_request;
	int			 timeout_response;
	int			 max_connections;	/* 0: from RLIMIT_NOFILE */
	int			 ticket_lifetime;	/* s; 0: no tickets */
	size_t			 inline_max;
	char			 pidfile[PATH_MAX];
	struct serverlist	 servers;
	struct listenerlist	 listeners;
};

struct config	*config_new(void);
void		 config_free(struct config *);
struct server	*config_add_server(struct config *, const char *);
int		 config_split_address(const char *, char *, size_t, char **,
		    int *, const char **);
int		 config_add_listener(struct config *, enum proto, const char *,
		    int, struct server *, int, const char **);
int		 config_public_port(const struct listener *,
		    const struct server *);
int		 config_server_named(const struct server *, const char *,
		    size_t);
int		 config_server_uri(const struct server *, const struct uri *,
		    const char *);
int		 config_set_user(struct config *, const char *,
		    const char **);
int		 config_valid_name(const char *);
struct server	*config_find_server(const struct config *, const char *);
struct server	*config_listener_server(const struct listener *,
		    const char *);

/* parse.c: the configuration file */
int		 parse_file(struct config *, const char *, const char **);
int		 parse_buffer(struct config *, const char *, const char *,
		    size_t, const char **);

/* sandbox.c: what a worker may still do */
int		 sandbox_prepare(const struct config *, int, const char **);
void		 sandbox_worker(const struct config *);

/* listen.c: sockets and accepting */
int	 listen_bind(struct config *, struct config *, const char **);
void	 listen_unbind(struct config *);
int	 listen_start(struct config *, struct event_base *);
void	 listen_limit(int);
void	 listen_stop(void);

/* tlsio.c: the only user of <tls.h> */
enum io_result {
	IO_DONE,
	IO_WANT_READ,
	IO_WANT_WRITE,
	IO_EOF,
	IO_ERROR
};

int		 tlsio_init(void);
int		 tlsio_configure(struct config *, const char **);
void		 tlsio_worker(const struct config *);
void		 tlsio_free_listener(struct listener *);
int		 tlsio_accept(struct listener *, int, struct tls **);
enum io_result	 tlsio_handshake(struct tls *);
enum io_result	 tlsio_read(struct tls *, void *, size_t, size_t *);
enum io_result	 tlsio_write(struct tls *, const void *, size_t, size_t *);
enum io_result	 tlsio_close(struct tls *);
void		 tlsio_free(struct tls *);
const char	*tlsio_servername(struct tls *);
const char	*tlsio_error(struct tls *);

/* conn.c: one client connection from accept to close */
int	 conn_accepted(struct listener *, int, struct sockaddr_storage *,
	    socklen_t);
size_t	 conn_count(void);
void	 conn_set_limit(size_t);
int	 conn_at_limit(void);

/* serve.c: what a request is answered with */
struct serve_in {
	struct listener			*l;
	const char			*sni;		/* NULL: none */
	int				 fd;		/* for getsockname */
	const struct sockaddr_storage	*local;		/* from PROXY */
	socklen_t			 locallen;	/* 0: ask fd */
	const char			*peer;		/* for debug lines */
};

struct reply {
	const char	*data;		/* bytes to send first */
	size_t		 len;
	char		*owned;		/* malloc'd data, to free */
	int		 filefd;	/* file to stream after data, or -1 */
	int		 status;	/* for the access log */
	struct server	*srv;		/* the server that answered */
};

void	 serve_gemini(const struct serve_in *, const char *, size_t,
	    struct reply *);
void	 serve_gopher(const struct serve_in *, const char *, size_t,
	    struct reply *);
void	 serve_too_long(enum proto, struct reply *);

/* worker.c */
__attribute__((__noreturn__))
void	 worker_main(struct config *, int);
void	 worker_conn_closed(void);
struct event_base	*worker_base(void);
const struct config	*worker_config(void);

/* parent.c */
int	 parent_setup(struct config *, struct config *, int, const char **);
__attribute__((__noreturn__))
void	 parent_main(struct config *, const char *);

/* main.c */
struct config	*main_load_config(const char **);

#endif /* CAPSULED_H */
