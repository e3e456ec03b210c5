/*
 * cgienv.h: the environment a CGI script (or the parameters a FastCGI
 * responder) gets for one request, the same on both protocols.
 */

#ifndef CAPSULED_CGIENV_H
#define CAPSULED_CGIENV_H

#include <stddef.h>

#include "capsuled.h"

#define CGIENV_VALUE_MAX	4096	/* bytes of one variable's value */

struct tlsio_peer;

/* What is known of the request when a script is to answer it. */
struct cgienv_req {
	enum proto		 proto;
	const char		*server_name;
	int			 port;		/* public, of this protocol */
	const char		*path;		/* decoded, as requested */
	size_t			 pathlen;
	const char		*script;	/* SCRIPT_NAME */
	size_t			 scriptlen;
	const char		*pathinfo;	/* PATH_INFO, "" for none */
	size_t			 pathinfolen;
	const char		*query;		/* Gemini, as sent; NULL: none */
	size_t			 querylen;
	const char		*search;	/* Gopher, raw; NULL: none */
	size_t			 searchlen;
	const char		*remote_addr;
	const struct tlsio_peer	*peer;		/* NULL: not TLS */
};

int	 cgienv_build(const struct cgienv_req *,
	    void (*)(void *, const char *, const char *, size_t), void *);
int	 cgienv_name_ok(const char *, size_t);
int	 cgienv_name_valid(const char *, size_t);

#endif /* CAPSULED_CGIENV_H */
