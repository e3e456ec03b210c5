/*
 * parsedyn.c: the directives of a location block that make its pages
 * dynamic, spelled as gmid.conf(5) spells them where gmid has them:
 *
 *	cgi on|off
 *	fastcgi off
 *	fastcgi socket "PATH"
 *	fastcgi socket tcp "HOST" [port N]
 *	fastcgi { socket ...; param NAME [=] "VALUE"; strip N }
 *	param NAME [=] "VALUE"		(any number, FastCGI and CGI)
 *
 * A TCP responder's host is resolved here, once, so that the process
 * that connects to it (runner.c) never waits for a name server.  Only
 * the parser's own state is touched; nothing here connects or runs.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capsuled.h"
#include "cgienv.h"
#include "config.h"
#include "location.h"
#include "parsedyn.h"
#include "scan.h"
#include "utf8.h"

/* The caller checks that a location has one way to run things. */
static int
parsedyn_exclusive(struct parse *ps)
{
	struct location	*l = ps->loc;

	if (l->cgi && l->fastcgi != LOCATION_FASTCGI_NONE)
		return scan_error(ps, ps->tokline, "a location has either "
		    "cgi or fastcgi, not both");
	/* Scripts are given the client's certificate: ask for one. */
	if (l->cgi || l->fastcgi != LOCATION_FASTCGI_NONE)
		ps->srv->dynamic = ps->conf->dynamic = ps->srv->wants_cert = 1;
	return 0;
}

/* cgi on|off */
int
parsedyn_cgi(struct parse *ps)
{
	if (scan_on_off_once(ps, "cgi", &ps->loc->cgi) == -1)
		return -1;
	return parsedyn_exclusive(ps);
}

static int
parsedyn_resolve(struct parse *ps, struct location *l)
{
	struct addrinfo	 hints, *res;
	char		 port[8];
	int		 rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	snprintf(port, sizeof(port), "%d", l->fcgi_port);
	if ((rc = getaddrinfo(l->fcgi_socket, port, &hints, &res)) != 0)
		return scan_error(ps, ps->tokline, "fastcgi socket tcp \"%s\": "
		    "%s", l->fcgi_socket, gai_strerror(rc));
	memcpy(&l->fcgi_addr, res->ai_addr, res->ai_addrlen);
	l->fcgi_addrlen = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

/* socket "PATH" | socket tcp "HOST" [port N], after "fastcgi". */
static int
parsedyn_socket(struct parse *ps)
{
	struct location	*l = ps->loc;
	long long	 n;

	if (scan_once(ps, "fastcgi socket") == -1 || scan_next(ps) == -1)
		return -1;
	if (ps->tok == TOK_STRING) {
		if (ps->text[0] != '/')
			return scan_error(ps, ps->tokline, "fastcgi socket: "
			    "\"%s\" is not an absolute path", ps->text);
		if (strlcpy(l->fcgi_socket, ps->text, sizeof(l->fcgi_socket)) >=
		    sizeof(((struct sockaddr_un *)0)->sun_path))
			return scan_error(ps, ps->tokline, "fastcgi socket: "
			    "path too long for a socket");
		l->fastcgi = LOCATION_FASTCGI_UNIX;
		return 0;
	}
	if (!scan_is(ps, "tcp"))
		return scan_unexpected(ps, "a quoted path or tcp");
	if (scan_string(ps, "fastcgi socket tcp", l->fcgi_socket,
	    HOSTNAME_MAX + 1) == -1 || scan_next(ps) == -1)
		return -1;
	l->fastcgi = LOCATION_FASTCGI_TCP;
	l->fcgi_port = FASTCGI_PORT_DEFAULT;
	if (scan_is(ps, "port")) {
		if (scan_number(ps, "fastcgi socket tcp port", 1, 65535, 0,
		    &n) == -1)
			return -1;
		l->fcgi_port = (int)n;
		if (parsedyn_resolve(ps, l) == -1)
			return -1;
		return 0;
	}
	if (parsedyn_resolve(ps, l) == -1)
		return -1;
	return 1;	/* the token after the host is the statement's end */
}

/* param NAME [=] "VALUE" */
int
parsedyn_param(struct parse *ps)
{
	struct location		*l = ps->loc;
	struct location_param	*p;
	char			 name[CONF_TOKEN_MAX + 1];
	size_t			 len;

	if (scan_next(ps) == -1)
		return -1;
	if (ps->tok != TOK_WORD)
		return scan_unexpected(ps, "a variable name");
	strlcpy(name, ps->text, sizeof(name));
	len = strlen(name);
	if (len > 1 && name[len - 1] == '=')
		name[--len] = '\0';
	else if (scan_next(ps) == -1)
		return -1;
	else if (!scan_is(ps, "="))
		goto value;
	if (scan_next(ps) == -1)
		return -1;
value:
	if (ps->tok != TOK_STRING)
		return scan_unexpected(ps, "a quoted value");
	if (!cgienv_name_valid(name, len) || len > LOCATION_PARAM_NAME_MAX)
		return scan_error(ps, ps->tokline, "param: \"%s\" is not a "
		    "variable name (letters, digits, _; %d bytes at most)",
		    name, LOCATION_PARAM_NAME_MAX);
	if (strlen(ps->text) > LOCATION_PARAM_VALUE_MAX ||
	    !utf8_valid(ps->text, strlen(ps->text)))
		return scan_error(ps, ps->tokline, "param %s: the value must "
		    "be UTF-8 of %d bytes at most", name,
		    LOCATION_PARAM_VALUE_MAX);
	if (l->nparams == LOCATION_PARAMS_MAX)
		return scan_error(ps, ps->tokline, "param: at most %d per "
		    "location", LOCATION_PARAMS_MAX);
	if ((p = reallocarray(l->params, l->nparams + 1, sizeof(*p))) == NULL)
		return scan_error(ps, ps->tokline, "out of memory");
	l->params = p;
	p = &l->params[l->nparams++];
	strlcpy(p->name, name, sizeof(p->name));
	strlcpy(p->value, ps->text, sizeof(p->value));
	return 0;
}

/* strip N, inside fastcgi { }: SCRIPT_NAME is the first N components. */
static int
parsedyn_strip(struct parse *ps)
{
	return scan_int_once(ps, "fastcgi strip", 0, LOCATION_STRIP_MAX,
	    &ps->loc->fcgi_strip);
}

/* fastcgi { ... }: one statement per line, up to the closing brace. */
static int
parsedyn_block(struct parse *ps)
{
	int	rc;

	for (;;) {
		if (scan_next(ps) == -1)
			return -1;
		if (ps->tok == TOK_NL)
			continue;
		if (ps->tok == TOK_RBRACE)
			break;
		if (scan_is(ps, "socket"))
			rc = parsedyn_socket(ps);
		else if (scan_is(ps, "param"))
			rc = parsedyn_param(ps);
		else if (scan_is(ps, "strip"))
			rc = parsedyn_strip(ps);
		else
			return scan_unexpected(ps, "socket, param or strip");
		if (rc == -1 || (rc == 0 && scan_next(ps) == -1))
			return -1;
		if (ps->tok == TOK_RBRACE)
			break;
		if (ps->tok != TOK_NL)
			return scan_unexpected(ps, "end of line");
	}
	if (ps->loc->fastcgi == LOCATION_FASTCGI_NONE)
		return scan_error(ps, ps->tokline, "fastcgi { }: no socket");
	return 0;
}

/* fastcgi off | socket ... | { ... } */
int
parsedyn_fastcgi(struct parse *ps)
{
	int	rc;

	if (scan_once(ps, "fastcgi") == -1 || scan_next(ps) == -1)
		return -1;
	if (scan_is(ps, "off"))
		return 0;
	if (scan_is(ps, "socket"))
		rc = parsedyn_socket(ps);
	else if (ps->tok == TOK_LBRACE)
		rc = parsedyn_block(ps);
	else
		return scan_unexpected(ps, "off, socket or {");
	if (rc == -1 || parsedyn_exclusive(ps) == -1)
		return -1;
	return rc;
}
