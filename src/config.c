/*
 * config.c: struct config, its defaults, and the pieces both the command
 * line and a configuration file are made of (servers, listen addresses).
 * A config is also one generation's runtime state: the parent fills in
 * sockets, TLS contexts and snapshots, and frees it all here.  Nothing
 * here binds, reads a capsule or talks TLS.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capsuled.h"

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
	conf->inline_max = SNAPSHOT_INLINE_MAX;
	TAILQ_INIT(&conf->servers);
	TAILQ_INIT(&conf->listeners);
	return conf;
}

void
config_free(struct config *conf)
{
	struct server	*s;
	struct listener	*l;

	if (conf == NULL)
		return;
	while ((l = TAILQ_FIRST(&conf->listeners)) != NULL) {
		TAILQ_REMOVE(&conf->listeners, l, entry);
		if (l->fd != -1)
			close(l->fd);
		tlsio_free_listener(l);
		free(l);
	}
	while ((s = TAILQ_FIRST(&conf->servers)) != NULL) {
		TAILQ_REMOVE(&conf->servers, s, entry);
		snapshot_free(s->snap);
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
	strlcpy(s->search_prompt, SEARCH_PROMPT, sizeof(s->search_prompt));
	TAILQ_INSERT_TAIL(&conf->servers, s, entry);
	return s;
}

/*
 * Split "[addr:]port" as given to -p/-g: "1965", "*:1965",
 * "127.0.0.1:1965", "[::1]:1965", "localhost:1965".  *addr is NULL for
 * all addresses; it points into buf, which must hold the spec.
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
	*port = (int)strtonum(portstr, 1, 65535, &e);
	if (e != NULL) {
		*errstr = "bad port";
		return -1;
	}
	return 0;
}

/*
 * Add listeners for proto on addr (NULL: every address) and port: one
 * per address the name resolves to, so "all addresses" is one IPv4 and
 * one IPv6 socket.
 */
int
config_add_listener(struct config *conf, enum proto proto, const char *addr,
    int port, struct server *srv, int flags, const char **errstr)
{
	static char	 err[256];
	struct addrinfo	 hints, *res, *ai;
	struct listener	*l;
	char		 portstr[8], host[NI_MAXHOST];
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
		if ((l = calloc(1, sizeof(*l))) == NULL) {
			freeaddrinfo(res);
			*errstr = "out of memory";
			return -1;
		}
		l->proto = proto;
		l->fd = -1;
		l->port = port;
		l->flags = flags;
		l->server = srv;
		memcpy(&l->ss, ai->ai_addr, ai->ai_addrlen);
		l->sslen = ai->ai_addrlen;
		if (getnameinfo(ai->ai_addr, ai->ai_addrlen, host,
		    sizeof(host), NULL, 0, NI_NUMERICHOST) != 0)
			strlcpy(host, "?", sizeof(host));
		snprintf(l->name, sizeof(l->name),
		    ai->ai_family == AF_INET6 ? "[%s]:%d" : "%s:%d", host,
		    port);
		TAILQ_INSERT_TAIL(&conf->listeners, l, entry);
	}
	freeaddrinfo(res);
	return 0;
}

/* The port a server is reached on for proto: public, else the socket's. */
int
config_public_port(const struct listener *l)
{
	if (l->proto == PROTO_GEMINI && l->server->gemini_port != 0)
		return l->server->gemini_port;
	if (l->proto == PROTO_GOPHER && l->server->gopher_port != 0)
		return l->server->gopher_port;
	return l->port;
}
