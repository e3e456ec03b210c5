/*
 * gen.c: one generation's runtime state.  gen_setup() turns a loaded
 * config into everything a generation of workers needs (the listening
 * sockets, taken over from the old generation where the address is the
 * same; the TLS contexts; a snapshot per server; the chroot; the log
 * files) or, on failure, into nothing: the caller keeps serving the old
 * generation.  gen_free() takes it all down again.  It forks nothing
 * and never reads from the network.
 */

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "capsuled.h"
#include "build.h"
#include "certgen.h"
#include "clientcert.h"
#include "config.h"
#include "gen.h"
#include "listen.h"
#include "log.h"
#include "quota.h"
#include "sandbox.h"
#include "signer.h"
#include "snapshot.h"
#include "tlsio.h"

/* The Gopher port that server s's menus name. */
static int
gen_gopher_port(const struct config *conf, const struct server *s)
{
	struct listener	*l;

	if (s->gopher_port != 0)
		return s->gopher_port;
	TAILQ_FOREACH(l, &conf->listeners, entry)
		if (l->server == s && l->proto == PROTO_GOPHER)
			return l->port;
	return 70;
}

/* The Gemini port in server s's feeds: public, else its first listener. */
static int
gen_gemini_port(const struct config *conf, const struct server *s)
{
	struct listener	*l;
	size_t		 i;

	if (s->gemini_port != 0)
		return s->gemini_port;
	TAILQ_FOREACH(l, &conf->listeners, entry)
		for (i = 0; l->proto == PROTO_GEMINI && i < l->nservers; i++)
			if (l->servers[i] == s)
				return l->port;
	return 0;
}

static int
gen_snapshot(struct config *conf, struct server *s, int bind,
    const char **errstr)
{
	struct snapshot_params	 p;
	const char		*aliases[SERVER_ALIASES_MAX + 1];
	int			 i;

	memset(&p, 0, sizeof(p));
	p.root = s->root;
	p.host = s->name;
	p.lang = s->lang[0] != '\0' ? s->lang : NULL;
	p.inline_max = conf->inline_max;
	p.max = conf->snapshot_max;
	p.search = s->search_enabled;
	p.search_prompt = s->search_prompt;
	for (i = 0; i < s->naliases; i++)
		aliases[i] = s->aliases[i];
	aliases[i] = NULL;
	p.aliases = aliases;
	p.gopher_port = gen_gopher_port(conf, s);
	p.locs = s->locs;
	p.nlocs = s->nlocs;
	p.index_file = s->index_file;
	p.auto_index_off = !s->auto_index;
	p.default_type = s->default_type;
	/* As root, publish only what the workers' user could read. */
	p.user.check = geteuid() == 0;
	p.user.uid = conf->uid;
	p.user.gid = conf->gid;
	p.username = conf->user[0] != '\0' ? conf->user : "(this one)";
	p.checking = !bind;
	p.gemini_port = gen_gemini_port(conf, s);
	p.feeds = s->feeds;
	p.feed_entries = (size_t)s->feed_entries;
	p.feed_title = s->feed_title[0] != '\0' ? s->feed_title : NULL;
	p.gopher_wrap = s->gopher_wrap != 0 ? s->gopher_wrap :
	    conf->gopher_wrap;
	return build_snapshot(&p, &s->snap, errstr);
}

/*
 * The CA files of server s's locations (require client ca), read now
 * so that the workers inherit them; an error names the line.
 */
static int
gen_cas(const struct config *conf, struct server *s, const char **errstr)
{
	static char	 err[PATH_MAX * 2 + 128];
	const char	*e;
	int		 i;

	for (i = 0; i < s->nlocs; i++) {
		if (s->locs[i].ca_file[0] == '\0')
			continue;
		if ((s->locs[i].ca = clientcert_load(s->locs[i].ca_file,
		    &e)) == NULL) {
			snprintf(err, sizeof(err), "%s:%d: require client ca "
			    "%s: %s", conf->file[0] != '\0' ? conf->file :
			    "(flags)", s->locs[i].line, s->locs[i].ca_file, e);
			*errstr = err;
			return -1;
		}
	}
	return 0;
}

/*
 * Build everything a generation needs but its log files (gen_commit);
 * on failure conf holds nothing that must be undone beyond gen_free(),
 * and old is unchanged.  With bind 0 (capsuled -n) no socket is bound.
 */
int
gen_setup(struct config *conf, struct config *old, int bind,
    const char **errstr)
{
	struct server	*s;

	if (bind && listen_bind(conf, old, errstr) == -1)
		return -1;
	if (certgen_servers(conf, !bind, errstr) == -1 ||
	    tlsio_configure(conf, errstr) == -1)
		goto fail;
	/* First: it settles the user the snapshots are built for. */
	if (sandbox_prepare(conf, !bind, errstr) == -1)
		goto fail;
	TAILQ_FOREACH(s, &conf->servers, entry)
		if (gen_cas(conf, s, errstr) == -1 ||
		    gen_snapshot(conf, s, bind, errstr) == -1)
			goto fail;
	return 0;
fail:
	if (bind)
		listen_unbind(conf);
	return -1;
}

/*
 * Say where conf listens, one line per socket with its servers; with
 * fresh set (a reload), only for the sockets bound anew.  The port is
 * the one bound, which for port 0 only this line tells.
 */
void
gen_log_listeners(const struct config *conf, int fresh)
{
	struct listener	*l;
	char		 names[512];
	size_t		 i;

	TAILQ_FOREACH(l, &conf->listeners, entry) {
		if (fresh && l->reused != NULL)
			continue;
		names[0] = '\0';
		for (i = 0; i < l->nservers; i++)
			if ((i > 0 && strlcat(names, ", ", sizeof(names)) >=
			    sizeof(names)) || strlcat(names,
			    l->servers[i]->name, sizeof(names)) >=
			    sizeof(names)) {
				/* Cut, and said so: room was kept for it. */
				memcpy(names + sizeof(names) - 4, "...", 4);
				break;
			}
		log_info("%s on %s for %s", l->proto == PROTO_GEMINI ?
		    "gemini" : "gopher", l->name, names);
	}
}

/*
 * The generation's table of per-address limits (made after its helpers
 * started, so that only its workers share it), then its log files,
 * because they cannot be undone.  On failure the caller gives the
 * sockets back (listen_unbind) and frees conf.
 */
int
gen_commit(struct config *conf, const char **errstr)
{
	conf->quota = quota_new(conf, errstr);
	if (conf->quota == NULL && *errstr != NULL)
		return -1;
	return log_open(conf, errstr);
}

void
gen_free(struct config *conf)
{
	struct server	*s;
	struct listener	*l;
	int		 i;

	if (conf == NULL)
		return;
	TAILQ_FOREACH(l, &conf->listeners, entry) {
		if (l->fd != -1) {
			close(l->fd);
			l->fd = -1;
		}
		tlsio_free_listener(l);
	}
	TAILQ_FOREACH(s, &conf->servers, entry) {
		snapshot_free(s->snap);
		s->snap = NULL;
		for (i = 0; i < s->nlocs; i++) {
			clientcert_free(s->locs[i].ca);
			s->locs[i].ca = NULL;
		}
	}
	signer_free(conf->signer);
	conf->signer = NULL;
	quota_free(conf->quota);
	conf->quota = NULL;
	config_free(conf);
}
