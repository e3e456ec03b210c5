/*
 * parse.c: the configuration file (capsuled.conf(5)) into a struct
 * config.  A small scanner turns bytes into words, quoted strings,
 * braces and ends of line; a recursive-descent parser drives one table
 * of directives for the top level and one for server blocks, so a new
 * directive is one function and one table row.  Every error is reported
 * as "file:line: message" and stops the parse; the caller throws the
 * half-built config away.  This file never binds, opens a capsule or
 * loads a key: it only checks what can be checked from the text (and
 * the user database, for "user").
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capsuled.h"
#include "config.h"
#include "feed.h"
#include "gemtext.h"
#include "log.h"
#include "parse.h"
#include "parselimit.h"
#include "parseloc.h"
#include "scan.h"
#include "search.h"
#include "utf8.h"

struct parse_directive {
	const char	*name;
	int		(*fn)(struct parse *);
};

static char	parse_err[PATH_MAX + 256];	/* errors about the file */

/* Top-level directives ------------------------------------------- */

static int
parse_prefork(struct parse *ps)
{
	return scan_int_once(ps, "prefork", 1, WORKERS_MAX,
	    &ps->conf->prefork);
}

static int
parse_user(struct parse *ps)
{
	char		 name[sizeof(ps->conf->user)];
	const char	*err;

	if (scan_once(ps, "user") == -1 ||
	    scan_string(ps, "user", name, sizeof(name)) == -1)
		return -1;
	if (config_set_user(ps->conf, name, &err) == -1)
		return scan_error(ps, ps->tokline, "%s", err);
	return 0;
}

static int
parse_chroot(struct parse *ps)
{
	struct config	*conf = ps->conf;

	if (scan_path_once(ps, "chroot", conf->chroot,
	    sizeof(conf->chroot)) == -1)
		return -1;
	conf->chroot_default = 0;
	return 0;
}

/* cert-dir "dir": where servers without cert and key get theirs. */
static int
parse_cert_dir(struct parse *ps)
{
	struct config	*conf = ps->conf;

	if (scan_once(ps, "cert-dir") == -1 ||
	    scan_string(ps, "cert-dir", conf->certdir,
	    sizeof(conf->certdir)) == -1)
		return -1;
	return 0;
}

/* log style capsuled | common | combined: gmid's name for the format. */
static int
parse_log_style(struct parse *ps)
{
	struct config	*conf = ps->conf;

	if (scan_once(ps, "log style") == -1 || scan_next(ps) == -1)
		return -1;
	if (scan_is(ps, "capsuled"))
		conf->access_style = ACCESS_STYLE_CAPSULED;
	else if (scan_is(ps, "common"))
		conf->access_style = ACCESS_STYLE_COMMON;
	else if (scan_is(ps, "combined"))
		conf->access_style = ACCESS_STYLE_COMBINED;
	else
		return scan_unexpected(ps, "capsuled, common or combined");
	return 0;
}

static int
parse_log(struct parse *ps)
{
	struct config	*conf = ps->conf;

	if (scan_next(ps) == -1)
		return -1;
	if (scan_is(ps, "style"))
		return parse_log_style(ps);
	if (scan_once(ps, "log") == -1)
		return -1;
	if (scan_is(ps, "syslog"))
		conf->log_to = LOG_TO_SYSLOG;
	else if (scan_is(ps, "stderr"))
		conf->log_to = LOG_TO_STDERR;
	else if (ps->tok == TOK_STRING && ps->text[0] != '\0') {
		if (strlcpy(conf->log_file, ps->text,
		    sizeof(conf->log_file)) >= sizeof(conf->log_file))
			return scan_error(ps, ps->tokline, "log: path too "
			    "long");
		conf->log_to = LOG_TO_FILE;
	} else
		return scan_unexpected(ps, "syslog, stderr or a quoted "
		    "file name");
	return 0;
}

static int
parse_access_log(struct parse *ps)
{
	struct config	*conf = ps->conf;

	if (scan_once(ps, "access-log") == -1 || scan_next(ps) == -1)
		return -1;
	if (scan_is(ps, "off"))
		conf->access_to = ACCESS_OFF;
	else if (ps->tok == TOK_STRING && ps->text[0] != '\0') {
		if (strlcpy(conf->access_file, ps->text,
		    sizeof(conf->access_file)) >= sizeof(conf->access_file))
			return scan_error(ps, ps->tokline, "access-log: path "
			    "too long");
		conf->access_to = ACCESS_FILE;
	} else
		return scan_unexpected(ps, "off or a quoted file name");
	return 0;
}

static int
parse_timeout(struct parse *ps)
{
	struct config	*conf = ps->conf;
	const char	*what;
	long long	 n;
	int		*dst;

	if (scan_next(ps) == -1)
		return -1;
	if (scan_is(ps, "handshake")) {
		what = "timeout handshake";
		dst = &conf->timeout_handshake;
	} else if (scan_is(ps, "request")) {
		what = "timeout request";
		dst = &conf->timeout_request;
	} else if (scan_is(ps, "response")) {
		what = "timeout response";
		dst = &conf->timeout_response;
	} else if (scan_is(ps, "cgi")) {
		what = "timeout cgi";
		dst = &conf->timeout_cgi;
	} else
		return scan_unexpected(ps, "handshake, request, response or "
		    "cgi");
	if (scan_once(ps, what) == -1 ||
	    scan_number(ps, what, 1, TIMEOUT_MAX, 0, &n) == -1)
		return -1;
	*dst = (int)n;
	return 0;
}

static int
parse_max_connections(struct parse *ps)
{
	return scan_int_once(ps, "max-connections", 1, CONNECTIONS_MAX,
	    &ps->conf->max_connections);
}

/* max-scripts N: CGI scripts running at once; past it, 44. */
static int
parse_max_scripts(struct parse *ps)
{
	return scan_int_once(ps, "max-scripts", 1, SCRIPTS_MAX,
	    &ps->conf->max_scripts);
}

/* session-tickets off | seconds: TLS resumption, off by default. */
static int
parse_session_tickets(struct parse *ps)
{
	long long	n;

	if (scan_once(ps, "session-tickets") == -1)
		return -1;
	if (scan_next(ps) == -1)
		return -1;
	if (scan_is(ps, "off")) {
		ps->conf->ticket_lifetime = 0;
		return 0;
	}
	if (scan_number_here(ps, "session-tickets", 60, TICKET_LIFETIME_MAX,
	    0, &n) == -1)
		return -1;
	ps->conf->ticket_lifetime = (int)n;
	return 0;
}

static int
parse_inline_max(struct parse *ps)
{
	long long	n;

	if (scan_once(ps, "inline-max") == -1 ||
	    scan_number(ps, "inline-max", 0, SNAPSHOT_GMI_MAX, 1, &n) == -1)
		return -1;
	ps->conf->inline_max = (size_t)n;
	return 0;
}

/* snapshot-max bytes: what one capsule's snapshot may hold, all told. */
static int
parse_snapshot_max(struct parse *ps)
{
	long long	n;

	if (scan_once(ps, "snapshot-max") == -1 ||
	    scan_number(ps, "snapshot-max", 1024 * 1024, SNAPSHOT_MAX_LIMIT, 1,
	    &n) == -1)
		return -1;
	if ((unsigned long long)n > SIZE_MAX)
		return scan_error(ps, ps->tokline, "snapshot-max: %lld is "
		    "more than this system can address", n);
	ps->conf->snapshot_max = (size_t)n;
	return 0;
}

/*
 * gopher wrap N: the columns of text in generated Gopher menus, for the
 * whole file at the top level, for one server inside its block.
 */
static int
parse_gopher(struct parse *ps)
{
	int		*dst;
	long long	 n;

	dst = ps->srv != NULL ? &ps->srv->gopher_wrap : &ps->conf->gopher_wrap;
	if (scan_next(ps) == -1)
		return -1;
	if (!scan_is(ps, "wrap"))
		return scan_unexpected(ps, "wrap");
	if (scan_once(ps, "gopher wrap") == -1 ||
	    scan_number(ps, "gopher wrap", GOPHER_WRAP_MIN, GOPHER_WRAP_MAX, 0,
	    &n) == -1)
		return -1;
	*dst = (int)n;
	return 0;
}

static int	parse_server(struct parse *);

static const struct parse_directive parse_top[] = {
	{ "access-log",		parse_access_log },
	{ "address-table",	parselimit_address_table },
	{ "cert-dir",		parse_cert_dir },
	{ "chroot",		parse_chroot },
	{ "gopher",		parse_gopher },
	{ "inline-max",		parse_inline_max },
	{ "ipv6-prefix",	parselimit_ipv6_prefix },
	{ "log",		parse_log },
	{ "max-connections",	parse_max_connections },
	{ "max-connections-per-address", parselimit_per_address },
	{ "max-scripts",	parse_max_scripts },
	{ "prefork",		parse_prefork },
	{ "rate-limit",		parselimit_rate_limit },
	{ "server",		parse_server },
	{ "session-tickets",	parse_session_tickets },
	{ "snapshot-max",	parse_snapshot_max },
	{ "timeout",		parse_timeout },
	{ "user",		parse_user },
	{ NULL,			NULL }
};

/* Server blocks -------------------------------------------------- */

static int
parse_root(struct parse *ps)
{
	if (scan_once(ps, "root") == -1)
		return -1;
	return scan_string(ps, "root", ps->srv->root, sizeof(ps->srv->root));
}

static int
parse_cert(struct parse *ps)
{
	if (scan_once(ps, "cert") == -1)
		return -1;
	return scan_string(ps, "cert", ps->srv->cert, sizeof(ps->srv->cert));
}

static int
parse_key(struct parse *ps)
{
	if (scan_once(ps, "key") == -1)
		return -1;
	return scan_string(ps, "key", ps->srv->key, sizeof(ps->srv->key));
}

/* search off | "prompt text" */
static int
parse_search(struct parse *ps)
{
	struct server	*s = ps->srv;

	if (scan_once(ps, "search") == -1 || scan_next(ps) == -1)
		return -1;
	if (scan_is(ps, "off")) {
		s->search_enabled = 0;
		return 0;
	}
	if (ps->tok != TOK_STRING || ps->text[0] == '\0')
		return scan_unexpected(ps, "off or a quoted prompt");
	if (strlcpy(s->search_prompt, ps->text, sizeof(s->search_prompt)) >=
	    sizeof(s->search_prompt))
		return scan_error(ps, ps->tokline, "search: prompt too long "
		    "(%d bytes at most)", SEARCH_PROMPT_MAX);
	if (!utf8_valid(s->search_prompt, strlen(s->search_prompt)))
		return scan_error(ps, ps->tokline, "search: prompt is not "
		    "UTF-8");
	s->search_enabled = 1;
	return 0;
}

/* Flags after "listen ... port N", with the protocols they apply to. */
static const struct {
	const char	*name;
	int		 flag;
	int		 gemini;	/* allowed on a Gemini listener */
	int		 gopher;
} parse_listen_flags[] = {
	{ "proxy-protocol",	LISTEN_PROXY,	1, 1 },
	{ "tls",		LISTEN_TLS,	0, 1 },
	{ NULL,			0,		0, 0 }
};

static int
parse_listen_flag(struct parse *ps, enum proto proto, int *flags)
{
	size_t	i;

	for (i = 0; parse_listen_flags[i].name != NULL; i++) {
		if (!scan_is(ps, parse_listen_flags[i].name))
			continue;
		if (!(proto == PROTO_GEMINI ? parse_listen_flags[i].gemini :
		    parse_listen_flags[i].gopher))
			return scan_error(ps, ps->tokline, "%s is not "
			    "allowed on a %s listener", ps->text,
			    proto == PROTO_GEMINI ? "gemini" : "gopher");
		*flags |= parse_listen_flags[i].flag;
		return 0;
	}
	return scan_unexpected(ps, "port or end of line");
}

/* listen gemini|gopher [on ADDR|*] [port N] [flag ...] */
static int
parse_listen(struct parse *ps)
{
	char		 addr[256], *a = NULL;
	const char	*err;
	enum proto	 proto;
	long long	 port;
	int		 line = ps->tokline, flags = 0;
	size_t		 len;

	if (scan_next(ps) == -1)
		return -1;
	if (scan_is(ps, "gemini"))
		proto = PROTO_GEMINI;
	else if (scan_is(ps, "gopher"))
		proto = PROTO_GOPHER;
	else
		return scan_unexpected(ps, "gemini or gopher");
	port = proto == PROTO_GEMINI ? 1965 : 70;
	if (scan_next(ps) == -1)
		return -1;
	if (scan_is(ps, "on")) {
		if (scan_next(ps) == -1)
			return -1;
		if (ps->tok != TOK_WORD && ps->tok != TOK_STRING)
			return scan_unexpected(ps, "an address or *");
		if (strlcpy(addr, ps->text, sizeof(addr)) >= sizeof(addr))
			return scan_error(ps, ps->tokline, "address too "
			    "long");
		/* Brackets are allowed around IPv6 addresses. */
		len = strlen(addr);
		if (addr[0] == '[' && len >= 2 && addr[len - 1] == ']') {
			addr[len - 1] = '\0';
			a = addr + 1;
		} else if (strcmp(addr, "*") != 0)
			a = addr;
		if (a != NULL && *a == '\0')
			return scan_error(ps, ps->tokline, "empty address");
		if (scan_next(ps) == -1)
			return -1;
	}
	if (scan_is(ps, "port")) {
		if (scan_number(ps, "port", 0, 65535, 0, &port) == -1 ||
		    scan_next(ps) == -1)
			return -1;
	}
	while (ps->tok == TOK_WORD) {
		if (parse_listen_flag(ps, proto, &flags) == -1 ||
		    scan_next(ps) == -1)
			return -1;
	}
	if (config_add_listener(ps->conf, proto, a, (int)port, ps->srv,
	    flags, &err) == -1)
		return scan_error(ps, line, "listen: %s", err);
	/* Gemini, and Gopher with tls, need the server's keypair. */
	if (proto == PROTO_GEMINI || (flags & LISTEN_TLS))
		ps->gemini = 1;
	ps->listens++;
	return 1;	/* the token after it is already read */
}

/*
 * public gemini|gopher port N: the port clients use when a balancer
 * stands in front, named in Gopher menus and required in Gemini URLs.
 */
static int
parse_public(struct parse *ps)
{
	struct server	*s = ps->srv;
	long long	 port;
	int		 gemini;

	if (scan_next(ps) == -1)
		return -1;
	if (!scan_is(ps, "gemini") && !scan_is(ps, "gopher"))
		return scan_unexpected(ps, "gemini or gopher");
	gemini = scan_is(ps, "gemini");
	if (scan_once(ps, gemini ? "public gemini" : "public gopher") == -1 ||
	    scan_next(ps) == -1)
		return -1;
	if (!scan_is(ps, "port"))
		return scan_unexpected(ps, "port");
	if (scan_number(ps, "port", 1, 65535, 0, &port) == -1)
		return -1;
	if (gemini)
		s->gemini_port = (int)port;
	else
		s->gopher_port = (int)port;
	return 0;
}

/* alias "name": another host name this server answers to. */
static int
parse_alias(struct parse *ps)
{
	struct server	*s = ps->srv;
	char		 name[HOSTNAME_MAX + 1];

	if (scan_string(ps, "alias", name, sizeof(name)) == -1)
		return -1;
	if (!config_valid_name(name))
		return scan_error(ps, ps->tokline, "alias: \"%s\" is not a "
		    "host name", name);
	if (s->naliases == SERVER_ALIASES_MAX)
		return scan_error(ps, ps->tokline, "alias: at most %d per "
		    "server", SERVER_ALIASES_MAX);
	strlcpy(s->aliases[s->naliases++], name, sizeof(s->aliases[0]));
	return 0;
}

static int
parse_feed_entries(struct parse *ps)
{
	long long	n;

	if (scan_once(ps, "feed-entries") == -1 ||
	    scan_number(ps, "feed-entries", 1, FEED_ENTRIES_MAX, 0, &n) == -1)
		return -1;
	ps->srv->feed_entries = (int)n;
	return 0;
}

static int
parse_feed_title(struct parse *ps)
{
	struct server	*s = ps->srv;

	if (scan_once(ps, "feed-title") == -1 ||
	    scan_string(ps, "feed-title", s->feed_title,
	    sizeof(s->feed_title)) == -1)
		return -1;
	if (!utf8_valid(s->feed_title, strlen(s->feed_title)))
		return scan_error(ps, ps->tokline, "feed-title: not UTF-8");
	return 0;
}

static const struct parse_directive parse_in_server[] = {
	{ "alias",	parse_alias },
	{ "auto",	parseloc_auto },
	{ "cert",	parse_cert },
	{ "default",	parseloc_default },
	{ "feed-entries", parse_feed_entries },
	{ "feed-title",	parse_feed_title },
	{ "feeds",	parseloc_feeds },
	{ "gopher",	parse_gopher },
	{ "index",	parseloc_index },
	{ "key",	parse_key },
	{ "lang",	parseloc_lang },
	{ "listen",	parse_listen },
	{ "location",	parseloc_location },
	{ "max-connections-per-address", parselimit_per_address },
	{ "public",	parse_public },
	{ "rate-limit",	parselimit_rate_limit },
	{ "root",	parse_root },
	{ "search",	parse_search },
	{ NULL,		NULL }
};

static int
parse_known(const struct parse_directive *table, const char *name)
{
	size_t	i;

	for (i = 0; table[i].name != NULL; i++)
		if (strcmp(table[i].name, name) == 0)
			return 1;
	return 0;
}

/* Run one directive from table; then the statement must end. */
static int
parse_statement(struct parse *ps, const struct parse_directive *table)
{
	size_t	i;
	int	rc;

	if (ps->tok != TOK_WORD)
		return scan_unexpected(ps, "a directive");
	for (i = 0; table[i].name != NULL; i++)
		if (strcmp(table[i].name, ps->text) == 0)
			break;
	if (table[i].name == NULL) {
		if (table == parse_top && parse_known(parse_in_server,
		    ps->text))
			return scan_error(ps, ps->tokline, "%s belongs in a "
			    "server block", ps->text);
		if (table != parse_top && parse_known(parse_top, ps->text))
			return scan_error(ps, ps->tokline, "%s is not "
			    "allowed in a server block", ps->text);
		return scan_error(ps, ps->tokline, "unknown directive %s",
		    ps->text);
	}
	if ((rc = table[i].fn(ps)) == -1)
		return -1;
	if (rc == 0 && scan_next(ps) == -1)
		return -1;
	if (ps->tok == TOK_NL || ps->tok == TOK_EOF ||
	    (ps->tok == TOK_RBRACE && ps->srv != NULL))
		return 0;
	return scan_unexpected(ps, "end of line");
}

/* What a server block must have once it is closed. */
static int
parse_server_done(struct parse *ps)
{
	struct server	*s = ps->srv;

	if (ps->listens == 0)
		return scan_error(ps, ps->srvline, "server \"%s\": no listen",
		    s->name);
	if (s->root[0] == '\0')
		return scan_error(ps, ps->srvline, "server \"%s\": no root",
		    s->name);
	/* Neither: certgen.c makes a pair in cert-dir. */
	if (ps->gemini && s->cert[0] != '\0' && s->key[0] == '\0')
		return scan_error(ps, ps->srvline, "server \"%s\": cert "
		    "without key", s->name);
	if (ps->gemini && s->cert[0] == '\0' && s->key[0] != '\0')
		return scan_error(ps, ps->srvline, "server \"%s\": key "
		    "without cert", s->name);
	return 0;
}

/* server "name" { directive ... } */
static int
parse_server(struct parse *ps)
{
	const char	*saved[PARSE_SEEN_MAX];
	int		 nsaved = ps->nseen;

	ps->srvline = ps->tokline;
	if (scan_next(ps) == -1)
		return -1;
	if (ps->tok != TOK_STRING)
		return scan_unexpected(ps, "a quoted server name");
	if (!config_valid_name(ps->text))
		return scan_error(ps, ps->tokline, "server \"%s\": not a "
		    "host name", ps->text);
	if (config_find_server(ps->conf, ps->text) != NULL)
		return scan_error(ps, ps->tokline, "server \"%s\" defined "
		    "twice", ps->text);
	if ((ps->srv = config_add_server(ps->conf, ps->text)) == NULL)
		return scan_error(ps, ps->tokline, "out of memory");
	if (scan_next(ps) == -1)
		return -1;
	if (ps->tok != TOK_LBRACE)
		return scan_unexpected(ps, "{");
	memcpy(saved, ps->seen, sizeof(saved));
	ps->nseen = 0;
	ps->gemini = 0;
	ps->listens = 0;
	for (;;) {
		if (scan_next(ps) == -1)
			return -1;
		if (ps->tok == TOK_NL)
			continue;
		if (ps->tok == TOK_RBRACE)
			break;
		if (ps->tok == TOK_EOF)
			return scan_error(ps, ps->tokline, "missing } at the "
			    "end of server \"%s\"", ps->srv->name);
		if (parse_statement(ps, parse_in_server) == -1)
			return -1;
		if (ps->tok == TOK_RBRACE)
			break;
	}
	if (parse_server_done(ps) == -1)
		return -1;
	ps->srv = NULL;
	memcpy(ps->seen, saved, sizeof(saved));
	ps->nseen = nsaved;
	return 0;
}

/* The whole file ------------------------------------------------- */

int
parse_buffer(struct config *conf, const char *name, const char *data,
    size_t len, const char **errstr)
{
	struct parse	 ps;
	struct server	*s;
	const char	*nul, *q;

	memset(&ps, 0, sizeof(ps));
	ps.file = name;
	ps.p = data;
	ps.end = data + len;
	ps.line = 1;
	ps.conf = conf;
	ps.errstr = errstr;
	if ((nul = memchr(data, '\0', len)) != NULL) {
		for (q = data; q < nul; q++)
			if (*q == '\n')
				ps.line++;
		return scan_error(&ps, ps.line, "NUL byte in file");
	}
	for (;;) {
		if (scan_next(&ps) == -1)
			return -1;
		if (ps.tok == TOK_EOF)
			break;
		if (ps.tok == TOK_NL)
			continue;
		if (ps.tok == TOK_RBRACE)
			return scan_error(&ps, ps.tokline, "} without a "
			    "server block");
		if (parse_statement(&ps, parse_top) == -1)
			return -1;
		if (ps.tok == TOK_EOF)
			break;
	}
	if (TAILQ_EMPTY(&conf->servers))
		return scan_error(&ps, ps.line, "no server block");
	/* A server without its own width takes the file's, wherever set. */
	TAILQ_FOREACH(s, &conf->servers, entry)
		if (s->gopher_wrap == 0)
			s->gopher_wrap = conf->gopher_wrap;
	if (strlcpy(conf->file, name, sizeof(conf->file)) >=
	    sizeof(conf->file))
		return scan_error(&ps, ps.line, "file name too long");
	return 0;
}

/* Read path (a regular file, at most CONF_SIZE_MAX bytes) and parse it. */
int
parse_file(struct config *conf, const char *path, const char **errstr)
{
	struct stat	 st;
	char		*data = NULL;
	size_t		 len = 0;
	ssize_t		 n;
	int		 fd, rc = -1;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1)
		goto syserr;
	if (fstat(fd, &st) == -1)
		goto syserr;
	if (!S_ISREG(st.st_mode)) {
		snprintf(parse_err, sizeof(parse_err), "%s: not a regular "
		    "file", path);
		*errstr = parse_err;
		goto done;
	}
	if (st.st_size > CONF_SIZE_MAX) {
		snprintf(parse_err, sizeof(parse_err), "%s: larger than %d "
		    "bytes", path, CONF_SIZE_MAX);
		*errstr = parse_err;
		goto done;
	}
	if ((data = malloc((size_t)st.st_size + 1)) == NULL)
		goto syserr;
	while (len < (size_t)st.st_size) {
		n = read(fd, data + len, (size_t)st.st_size - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			goto syserr;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	data[len] = '\0';
	rc = parse_buffer(conf, path, data, len, errstr);
	goto done;
syserr:
	snprintf(parse_err, sizeof(parse_err), "%s: %s", path,
	    strerror(errno));
	*errstr = parse_err;
done:
	if (fd != -1)
		close(fd);
	free(data);
	return rc;
}
