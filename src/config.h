/*
 * config.h: what to serve, where, and with which limits: struct config,
 * its servers and listeners, and the pieces both the command line and
 * a configuration file are made of.  A config is also one generation's
 * runtime state (sockets, TLS contexts, snapshots), which gen.c fills
 * in and frees.
 */

#ifndef CAPSULED_CONFIG_H
#define CAPSULED_CONFIG_H

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <limits.h>
#include <stddef.h>

#include "capsuled.h"
#include "feed.h"
#include "helper.h"
#include "location.h"
#include "log.h"
#include "search.h"

struct event;
struct helper;
struct quota;
struct signer;
struct snapshot;
struct tls;
struct uri;

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
	int			 index;		/* in the config's order */
	int			 keyindex;	/* the key process's; -1 */
	int			 cert_pending;	/* -n: certgen.c would make it */
	char			 index_file[NAME_MAX + 1];	/* index.gmi */
	int			 auto_index;	/* listings: on by default */
	char			 default_type[LOCATION_TYPE_MAX + 1];
	struct location		*locs;		/* in the file's order */
	int			 nlocs;
	int			 wants_cert;	/* a location reads one */
	int			 feeds;		/* "feeds off": 0 */
	int			 feed_entries;
	char			 feed_title[FEED_TITLE_MAX + 1];	/* "": none */
	int			 gopher_wrap;	/* columns; 0: the config's */
	int			 dynamic;	/* a location has cgi or fastcgi */
	struct snapshot		*snap;		/* built by the parent */
	/* quota.c; QUOTA_INHERIT: the global value */
	int			 per_address;	/* connections; 0: off */
	int			 rate_requests;	/* 0: off */
	int			 rate_seconds;
};

#define LISTEN_TLS	0x01	/* Gopher listener that also speaks TLS */
#define LISTEN_PROXY	0x02	/* a PROXY protocol header comes first */

/*
 * A listening address.  Port 0 in the configuration lets the kernel pick
 * a free port when the socket is bound: ss, port and name then say the
 * port bound (before the snapshot is built, so that menus name it),
 * while cfg keeps the address as configured, by which a reload finds
 * the socket again.
 */
struct listener {
	TAILQ_ENTRY(listener)	 entry;
	enum proto		 proto;
	struct sockaddr_storage	 ss;		/* the address served */
	struct sockaddr_storage	 cfg;		/* as configured */
	socklen_t		 sslen;
	int			 port;		/* the port served */
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
	enum access_style	 access_style;
	char			 access_file[PATH_MAX];
	int			 debug;
	int			 verbose;
	int			 timeout_handshake;
	int			 timeout_request;
	int			 timeout_response;
	int			 timeout_cgi;		/* s a script may run */
	int			 max_scripts;		/* running at once */
	int			 max_connections;	/* 0: from RLIMIT_NOFILE */
	int			 per_address;	/* quota.c; 0: off */
	int			 rate_requests;	/* 0: off */
	int			 rate_seconds;
	int			 address_table;	/* slots */
	int			 ipv6_prefix;	/* bits counted */
	int			 ticket_lifetime;	/* s; 0: no tickets */
	size_t			 inline_max;
	size_t			 snapshot_max;	/* bytes of one snapshot */
	int			 gopher_wrap;	/* columns of generated menus */
	char			 pidfile[PATH_MAX];
	char			 certdir[PATH_MAX];	/* see certgen.c */
	struct serverlist	 servers;
	struct listenerlist	 listeners;
	int			 nservers;
	struct signer		*signer;	/* remote keys, tlsio.c */
	struct helper		*helpers[HELPER_ROLES];	/* by role */
	int			 dynamic;	/* some server runs scripts */
	struct quota		*quota;		/* per-address limits, shared */
};

struct config	*config_new(void);
void		 config_free(struct config *);
struct server	*config_add_server(struct config *, const char *);
int		 config_split_address(const char *, char *, size_t, char **,
		    int *, const char **);
int		 config_add_listener(struct config *, enum proto, const char *,
		    int, struct server *, int, const char **);
void		 config_listener_port(struct listener *, int);
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

#endif /* CAPSULED_CONFIG_H */
