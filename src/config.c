/*
 * config.c: struct config, its defaults, and the pieces both the command
 * line and a configuration file are made of (servers, listen addresses).
 * A config also carries one generation's runtime state (sockets, TLS
 * contexts, snapshots), which gen.c sets up and takes down; config_free
 * frees only the config's own memory.  Nothing here binds, reads a
 * capsule or talks TLS.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <netdb.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "capsuled.h"
#include "certgen.h"
#include "config.h"
#include "feed.h"
#include "gemini.h"
#include "gemtext.h"
#include "quota.h"
#include "search.h"
#include "uri.h"

struct config *
config_new(void)
{
	struct config	*conf;
	long		 ncpu;

	if ((conf = calloc(1, sizeof(*conf))) == NULL)
		return NULL;
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	conf->prefork = ncpu < 1 ? 1 : ncpu > WORKERS_MAX ? WORKERS_MAX :
	    (int)ncpu;
	conf->timeout_handshake = TIMEOUT_HANDSHAKE;
	conf->timeout_request = TIMEOUT_REQUEST;
	conf->timeout_response = TIMEOUT_RESPONSE;
	conf->timeout_cgi = TIMEOUT_CGI;
	conf->max_scripts = SCRIPTS_MAX_DEFAULT;
	conf->inline_max = SNAPSHOT_INLINE_MAX;
	conf->snapshot_max = SNAPSHOT_MAX_DEFAULT;
	conf->gopher_wrap = GOPHER_WRAP_DEFAULT;
	conf->per_address = QUOTA_PER_ADDRESS;
	conf->address_table = QUOTA_TABLE_DEFAULT;
	conf->ipv6_prefix = QUOTA_V6_PREFIX;
	strlcpy(conf->chroot, CHROOT_DEFAULT, sizeof(conf->chroot));
	conf->chroot_default = 1;
	strlcpy(conf->certdir, CERTGEN_DIR, sizeof(conf->certdir));
	conf->log_to = LOG_TO_SYSLOG;
	conf->access_to = ACCESS_DAEMON;
	TAILQ_INIT(&conf->servers);
	TAILQ_INIT(&conf->listeners);
	return conf;
}

void
config_free(struct config *conf)
{
	struct server	*s;
	struct listener	*l;
	int		 i;

	if (conf == NULL)
		return;
	while ((l = TAILQ_FIRST(&conf->listeners)) != NULL) {
		TAILQ_REMOVE(&conf->listeners, l, entry);
		free(l->servers);
		free(l);
	}
	while ((s = TAILQ_FIRST(&conf->servers)) != NULL) {
		TAILQ_REMOVE(&conf->servers, s, entry);
		for (i = 0; i < s->nlocs; i++)
			free(s->locs[i].params);
		free(s->locs);
		free(s);
	}
	free(conf);
}

struct server *
config_add_server(struct config *conf, const char *name)
{
	struct server	*s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	if (strlcpy(s->name, name, sizeof(s->name)) >= sizeof(s->name)) {
		free(s);
		return NULL;
	}
	s->search_enabled = 1;
	s->index = conf->nservers++;
	s->keyindex = -1;
	strlcpy(s->index_file, "index.gmi", sizeof(s->index_file));
	s->auto_index = 1;
	s->per_address = QUOTA_INHERIT;
	s->rate_requests = QUOTA_INHERIT;
	strlcpy(s->search_prompt, SEARCH_PROMPT, sizeof(s->search_prompt));
	s->feeds = 1;
	s->feed_entries = FEED_ENTRIES_DEFAULT;
	TAILQ_INSERT_TAIL(&conf->servers, s, entry);
	return s;
}

/*
 * Split "[addr:]port" as given to -p/-g: "1965", "*:1965",
 * "127.0.0.1:1965", "[::1]:1965", "localhost:1965".  *addr is NULL for
 * all addresses; it points into buf, which must hold the spec.  Port 0
 * asks the kernel for a free port.
 */
int
config_split_address(const char *spec, char *buf, size_t bufsize,
    char **addr, int *port, const char **errstr)
{
	char		*p, *portstr;
	const char	*e;

	if (strlcpy(buf, spec, bufsize) >= bufsize) {
		*errstr = "address too long";
		return -1;
	}
	*addr = NULL;
	if (buf[0] == '[') {
		if ((p = strchr(buf, ']')) == NULL || p[1] != ':') {
			*errstr = "bad address, want [v6addr]:port";
			return -1;
		}
		*p = '\0';
		*addr = buf + 1;
		portstr = p + 2;
	} else if ((p = strrchr(buf, ':')) != NULL) {
		if (strchr(buf, ':') != p) {
			*errstr = "IPv6 address must be in brackets";
			return -1;
		}
		*p = '\0';
		if (strcmp(buf, "*") != 0)
			*addr = buf;
		portstr = p + 1;
	} else
		portstr = buf;
	if (*addr != NULL && **addr == '\0') {
		*errstr = "empty address";
		return -1;
	}
	*port = (int)strtonum(portstr, 0, 65535, &e);
	if (e != NULL) {
		*errstr = "bad port";
		return -1;
	}
	return 0;
}

/* Same family, port and address? */
static int
config_same_address(const struct sockaddr_storage *a,
    const struct sockaddr_storage *b, int *overlap)
{
	const struct sockaddr_in	*a4 = (const struct sockaddr_in *)a;
	const struct sockaddr_in	*b4 = (const struct sockaddr_in *)b;
	const struct sockaddr_in6	*a6 = (const struct sockaddr_in6 *)a;
	const struct sockaddr_in6	*b6 = (const struct sockaddr_in6 *)b;
	int				 anya, anyb, same;

	*overlap = 0;
	if (a->ss_family != b->ss_family)
		return 0;
	if (a->ss_family == AF_INET) {
		if (a4->sin_port != b4->sin_port)
			return 0;
		same = a4->sin_addr.s_addr == b4->sin_addr.s_addr;
		anya = a4->sin_addr.s_addr == htonl(INADDR_ANY);
		anyb = b4->sin_addr.s_addr == htonl(INADDR_ANY);
	} else if (a->ss_family == AF_INET6) {
		if (a6->sin6_port != b6->sin6_port)
			return 0;
		same = memcmp(&a6->sin6_addr, &b6->sin6_addr,
		    sizeof(a6->sin6_addr)) == 0;
		anya = IN6_IS_ADDR_UNSPECIFIED(&a6->sin6_addr);
		anyb = IN6_IS_ADDR_UNSPECIFIED(&b6->sin6_addr);
	} else
		return 0;
	/* "*" and a single address on the same port cannot both bind. */
	*overlap = !same && (anya || anyb);
	return same;
}

static int
config_listener_add_server(struct listener *l, struct server *srv)
{
	struct server	**v;
	size_t		  i;

	for (i = 0; i < l->nservers; i++)
		if (l->servers[i] == srv)
			return 0;
	if ((v = reallocarray(l->servers, l->nservers + 1,
	    sizeof(*v))) == NULL)
		return -1;
	v[l->nservers++] = srv;
	l->servers = v;
	if (l->server == NULL)
		l->server = srv;
	return 0;
}

/*
 * Port 0: one port the kernel picks per protocol and address, shared by
 * the Gemini servers that name it, and one per server for Gopher (whose
 * address belongs to a single server).  Such ports never conflict with
 * another, whatever the address: each will be a port of its own.
 */
static int
config_any_port_use(struct config *conf, enum proto proto,
    const struct sockaddr_storage *ss, struct server *srv,
    struct listener **lp)
{
	struct listener	*o;
	int		 overlap;

	TAILQ_FOREACH(o, &conf->listeners, entry) {
		if (o->proto == proto && config_same_address(&o->cfg, ss,
		    &overlap) && (proto == PROTO_GEMINI || o->server == srv)) {
			*lp = o;
			return 1;
		}
	}
	return 0;
}

/*
 * Find where a new address fits among the listeners: 1 and *lp set when
 * a listener already has it (several servers may share a Gemini
 * address; a Gopher address belongs to one server), 0 when it is new,
 * -1 on a conflict.
 */
static int
config_address_use(struct config *conf, enum proto proto,
    const struct sockaddr_storage *ss, int port, const char *name,
    struct server *srv, struct listener **lp, const char **errstr)
{
	static char	 err[400];
	struct listener	*o;
	int		 overlap;

	*lp = NULL;
	if (port == 0)
		return config_any_port_use(conf, proto, ss, srv, lp);
	TAILQ_FOREACH(o, &conf->listeners, entry) {
		if (!config_same_address(&o->ss, ss, &overlap)) {
			if (!overlap)
				continue;
			snprintf(err, sizeof(err), "%s overlaps %s", name,
			    o->name);
			*errstr = err;
			return -1;
		}
		if (o->proto != proto) {
			snprintf(err, sizeof(err), "%s is already a %s "
			    "address", name, o->proto == PROTO_GEMINI ?
			    "gemini" : "gopher");
			*errstr = err;
			return -1;
		}
		if (proto == PROTO_GOPHER && o->server != srv) {
			snprintf(err, sizeof(err), "gopher address %s "
			    "already belongs to server \"%s\"", name,
			    o->server->name);
			*errstr = err;
			return -1;
		}
		*lp = o;
		return 1;
	}
	return 0;
}

/*
 * Add listeners for proto on addr (NULL: every address) and port: one
 * per address the name resolves to, so "all addresses" is one IPv4 and
 * one IPv6 socket.  An address that is already listened on gains srv
 * as one more server (Gemini only).
 */
int
config_add_listener(struct config *conf, enum proto proto, const char *addr,
    int port, struct server *srv, int flags, const char **errstr)
{
	static char	 err[256];
	struct addrinfo	 hints, *res, *ai;
	struct listener	*l;
	char		 portstr[8], host[NI_MAXHOST], name[64];
	int		 rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	snprintf(portstr, sizeof(portstr), "%d", port);
	if ((rc = getaddrinfo(addr, portstr, &hints, &res)) != 0) {
		snprintf(err, sizeof(err), "%s: %s", addr ? addr : "*",
		    gai_strerror(rc));
		*errstr = err;
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if (getnameinfo(ai->ai_addr, ai->ai_addrlen, host,
		    sizeof(host), NULL, 0, NI_NUMERICHOST) != 0)
			strlcpy(host, "?", sizeof(host));
		snprintf(name, sizeof(name),
		    ai->ai_family == AF_INET6 ? "[%s]:%d" : "%s:%d", host,
		    port);
		if (ai->ai_addrlen > sizeof(l->ss))
			continue;
		rc = config_address_use(conf, proto,
		    (struct sockaddr_storage *)ai->ai_addr, port, name, srv,
		    &l, errstr);
		if (rc == -1)
			goto fail;
		if (rc == 1) {
			l->flags |= flags;
			if (config_listener_add_server(l, srv) == -1)
				goto nomem;
			continue;
		}
		if ((l = calloc(1, sizeof(*l))) == NULL)
			goto nomem;
		l->proto = proto;
		l->fd = -1;
		l->port = port;
		l->flags = flags;
		memcpy(&l->ss, ai->ai_addr, ai->ai_addrlen);
		memcpy(&l->cfg, ai->ai_addr, ai->ai_addrlen);
		l->sslen = ai->ai_addrlen;
		strlcpy(l->name, name, sizeof(l->name));
		TAILQ_INSERT_TAIL(&conf->listeners, l, entry);
		if (config_listener_add_server(l, srv) == -1)
			goto nomem;
	}
	freeaddrinfo(res);
	return 0;
nomem:
	*errstr = "out of memory";
fail:
	freeaddrinfo(res);
	return -1;
}

/*
 * The port a listener's socket is on, once bound: in its address and in
 * its name ("127.0.0.1:0" becomes "127.0.0.1:40123").
 */
void
config_listener_port(struct listener *l, int port)
{
	char	*colon;

	if (l->ss.ss_family == AF_INET)
		((struct sockaddr_in *)&l->ss)->sin_port = htons(port);
	else if (l->ss.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&l->ss)->sin6_port = htons(port);
	l->port = port;
	if ((colon = strrchr(l->name, ':')) != NULL)
		snprintf(colon, sizeof(l->name) - (colon - l->name), ":%d",
		    port);
}

/*
 * The port clients use to reach server s through listener l: the
 * server's public port for that protocol if it has one (a balancer in
 * front), else the listener's own.
 */
int
config_public_port(const struct listener *l, const struct server *s)
{
	if (l->proto == PROTO_GEMINI && s->gemini_port != 0)
		return s->gemini_port;
	if (l->proto == PROTO_GOPHER && s->gopher_port != 0)
		return s->gopher_port;
	return l->port;
}

/* Look up a user for the workers; they run as its uid and group. */
int
config_set_user(struct config *conf, const char *name, const char **errstr)
{
	static char	 err[128];
	struct passwd	*pw;

	if (strlcpy(conf->user, name, sizeof(conf->user)) >=
	    sizeof(conf->user)) {
		*errstr = "user name too long";
		return -1;
	}
	if ((pw = getpwnam(name)) == NULL) {
		snprintf(err, sizeof(err), "unknown user %s", conf->user);
		*errstr = err;
		conf->user[0] = '\0';
		return -1;
	}
	if (pw->pw_uid == 0) {
		snprintf(err, sizeof(err), "user %s: workers must not run "
		    "as root", conf->user);
		*errstr = err;
		conf->user[0] = '\0';
		return -1;
	}
	conf->uid = pw->pw_uid;
	conf->gid = pw->pw_gid;
	return 0;
}

/* A host name as a server name: what URLs and SNI can carry. */
int
config_valid_name(const char *name)
{
	size_t	len = strlen(name), i;

	if (len == 0 || len > HOSTNAME_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char	c = (unsigned char)name[i];

		if (c <= ' ' || c == 0x7f || c == '/' || c == '\\' ||
		    c == '"' || c == '?' || c == '#' || c == '@')
			return 0;
	}
	return 1;
}

struct server *
config_find_server(const struct config *conf, const char *name)
{
	struct server	*s;

	TAILQ_FOREACH(s, &conf->servers, entry)
		if (strcasecmp(s->name, name) == 0)
			return s;
	return NULL;
}

/* Is name (of len bytes) the server's name or one of its aliases? */
int
config_server_named(const struct server *s, const char *name, size_t len)
{
	int	i;

	if (strlen(s->name) == len && strncasecmp(s->name, name, len) == 0)
		return 1;
	for (i = 0; i < s->naliases; i++)
		if (strlen(s->aliases[i]) == len &&
		    strncasecmp(s->aliases[i], name, len) == 0)
			return 1;
	return 0;
}

/*
 * The server a TLS client asked for by SNI among those on l; a client
 * that sent no name, or a name no server here has, gets the default.
 */
struct server *
config_listener_server(const struct listener *l, const char *sni)
{
	size_t	i;

	if (sni != NULL && l->nservers > 1)
		for (i = 0; i < l->nservers; i++)
			if (config_server_named(l->servers[i], sni,
			    strlen(sni)))
				return l->servers[i];
	return l->server;
}

/*
 * Is a Gemini URI for server s?  Its host must be one of s's names (one
 * trailing dot allowed) or, for an IP literal, the address the client
 * reached (local; NULL when unknown).
 */
int
config_server_uri(const struct server *s, const struct uri *u,
    const char *local)
{
	int	i;

	if (gemini_host_matches(u, s->name, local))
		return 1;
	for (i = 0; i < s->naliases && !u->ipliteral; i++)
		if (gemini_host_matches(u, s->aliases[i], NULL))
			return 1;
	return 0;
}
