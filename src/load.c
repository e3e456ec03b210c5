/*
 * load.c: the configuration the command line describes, as a struct
 * config: the file named by -f (parse.c), or one server from the
 * quick-mode flags.  The parent calls it at startup and on every
 * reload, so that a reload sees a changed file, renewed certificates
 * and the user database as they are now.  It binds nothing and reads
 * no capsule, certificate or key.
 */

#include <stdio.h>
#include <string.h>

#include "capsuled.h"
#include "certgen.h"
#include "config.h"
#include "load.h"
#include "parse.h"

static int
load_listen(struct config *conf, enum proto proto, const char *spec,
    struct server *srv, const char **errstr)
{
	static char	 err[400];
	char		 buf[300], *addr;
	int		 port;

	if (config_split_address(spec, buf, sizeof(buf), &addr, &port,
	    errstr) == -1 ||
	    config_add_listener(conf, proto, addr, port, srv, 0, errstr) == -1) {
		snprintf(err, sizeof(err), "-%c %s: %s",
		    proto == PROTO_GEMINI ? 'p' : 'g', spec, *errstr);
		*errstr = err;
		return -1;
	}
	return 0;
}

/* Quick mode: one server, described by the flags. */
static int
load_quick(struct config *conf, const struct load_opts *o,
    const char **errstr)
{
	struct server	*srv;
	int		 i;

	if (o->workers > 0)
		conf->prefork = o->workers;
	conf->access_to = o->verbose ? ACCESS_DAEMON : ACCESS_OFF;
	if ((srv = config_add_server(conf, o->host)) == NULL) {
		*errstr = "bad host name";
		return -1;
	}
	/* No -c and -k: certgen.c makes them in certs/. */
	strlcpy(conf->certdir, CERTGEN_DIR_QUICK, sizeof(conf->certdir));
	if (strlcpy(srv->root, o->root, sizeof(srv->root)) >=
	    sizeof(srv->root) ||
	    (o->cert != NULL && strlcpy(srv->cert, o->cert,
	    sizeof(srv->cert)) >= sizeof(srv->cert)) ||
	    (o->key != NULL && strlcpy(srv->key, o->key,
	    sizeof(srv->key)) >= sizeof(srv->key))) {
		*errstr = "path too long";
		return -1;
	}
	for (i = 0; i < o->ngemini; i++)
		if (load_listen(conf, PROTO_GEMINI, o->gemini[i], srv,
		    errstr) == -1)
			return -1;
	for (i = 0; i < o->ngopher; i++)
		if (load_listen(conf, PROTO_GOPHER, o->gopher[i], srv,
		    errstr) == -1)
			return -1;
	if (o->user != NULL && config_set_user(conf, o->user, errstr) == -1)
		return -1;
	return 0;
}

struct config *
load_config(const struct load_opts *o, const char **errstr)
{
	struct config	*conf;

	if ((conf = config_new()) == NULL) {
		*errstr = "out of memory";
		return NULL;
	}
	conf->debug = o->debug;
	conf->verbose = o->verbose;
	if (o->file != NULL) {
		if (parse_file(conf, o->file, errstr) == -1)
			goto fail;
	} else if (load_quick(conf, o, errstr) == -1)
		goto fail;
	return conf;
fail:
	config_free(conf);
	return NULL;
}
