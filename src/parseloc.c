/*
 * parseloc.c: the location blocks of capsuled.conf(5) and the settings
 * a location can give itself as well as its server (lang, default type,
 * index, auto index), spelled as gmid.conf(5) spells them:
 *
 *	location "GLOB" {
 *		block [return CODE ["META"]]
 *		strip N
 *		require client certificate
 *		require client ca "FILE"
 *		allow client "SHA256:HEX"	(any number)
 *		lang "TAG"  default type "MIME"  index "FILE"  auto index on|off
 *		cgi, fastcgi, param		(parsedyn.c)
 *	}
 *
 * Errors are "file:line: message", like every other directive's.  A CA
 * file is only named here; gen.c loads it, and says which line named it
 * when it cannot.
 */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capsuled.h"
#include "config.h"
#include "location.h"
#include "parsedyn.h"
#include "parseloc.h"
#include "scan.h"
#include "utf8.h"

/* A language tag list: letters, digits, "-" and ",". */
static int
parseloc_lang_into(struct parse *ps, char *dst, size_t size)
{
	char	*p;

	if (scan_string(ps, "lang", dst, size) == -1)
		return -1;
	for (p = dst; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != ',')
			return scan_error(ps, ps->tokline, "lang: \"%s\" is "
			    "not a language tag", dst);
	return 0;
}

/* lang "TAG[,TAG...]", in a server or a location. */
int
parseloc_lang(struct parse *ps)
{
	if (scan_once(ps, "lang") == -1)
		return -1;
	if (ps->loc == NULL)
		return parseloc_lang_into(ps, ps->srv->lang,
		    sizeof(ps->srv->lang));
	ps->loc->has_lang = 1;
	return parseloc_lang_into(ps, ps->loc->lang, sizeof(ps->loc->lang));
}

/* A MIME type as a header can carry: type/subtype, printable ASCII. */
static int
parseloc_type_ok(const char *t)
{
	const char	*slash = strchr(t, '/');
	size_t		 i;

	if (slash == NULL || slash == t || slash[1] == '\0')
		return 0;
	for (i = 0; t[i] != '\0'; i++)
		if ((unsigned char)t[i] <= ' ' || (unsigned char)t[i] >= 0x7f)
			if (t[i] != ' ')
				return 0;
	return 1;
}

/* default type "MIME": for files whose extension says nothing. */
int
parseloc_default(struct parse *ps)
{
	char	*dst = ps->loc != NULL ? ps->loc->default_type :
		    ps->srv->default_type;

	if (scan_next(ps) == -1)
		return -1;
	if (!scan_is(ps, "type"))
		return scan_unexpected(ps, "type");
	if (scan_once(ps, "default type") == -1 ||
	    scan_string(ps, "default type", dst, LOCATION_TYPE_MAX + 1) == -1)
		return -1;
	if (!parseloc_type_ok(dst))
		return scan_error(ps, ps->tokline, "default type: \"%s\" is "
		    "not a MIME type", dst);
	return 0;
}

/* index "FILE": a directory's page, instead of index.gmi. */
int
parseloc_index(struct parse *ps)
{
	char	*dst = ps->loc != NULL ? ps->loc->index_file :
		    ps->srv->index_file;

	if (scan_once(ps, "index") == -1 ||
	    scan_string(ps, "index", dst, NAME_MAX + 1) == -1)
		return -1;
	if (strchr(dst, '/') != NULL || dst[0] == '.')
		return scan_error(ps, ps->tokline, "index: \"%s\" is not a "
		    "file name", dst);
	return 0;
}

/* auto index on|off: a listing for a directory without its index. */
int
parseloc_auto(struct parse *ps)
{
	int	*dst = ps->loc != NULL ? &ps->loc->auto_index :
		    &ps->srv->auto_index;

	if (scan_next(ps) == -1)
		return -1;
	if (!scan_is(ps, "index"))
		return scan_unexpected(ps, "index");
	return scan_on_off_once(ps, "auto index", dst);
}

/* feeds on|off: whether dated pages make gemlogs (feed.c, gemlog.c). */
int
parseloc_feeds(struct parse *ps)
{
	int	*dst = ps->loc != NULL ? &ps->loc->feeds : &ps->srv->feeds;

	return scan_on_off_once(ps, "feeds", dst);
}

/* block [return CODE ["META"]]: 40 "temporary failure" alone. */
static int
parseloc_block(struct parse *ps)
{
	struct location	*l = ps->loc;
	long long	 code;

	if (scan_once(ps, "block") == -1 || scan_next(ps) == -1)
		return -1;
	l->block = 40;
	strlcpy(l->meta, "temporary failure", sizeof(l->meta));
	if (ps->tok == TOK_NL || ps->tok == TOK_RBRACE)
		return 1;
	if (!scan_is(ps, "return"))
		return scan_unexpected(ps, "return or end of line");
	if (scan_number(ps, "block return", 30, 59, 0, &code) == -1)
		return -1;
	if ((code >= 32 && code <= 39) || (code >= 45 && code <= 49) ||
	    (code >= 54 && code <= 58))
		return scan_error(ps, ps->tokline, "block return: %lld is "
		    "not a Gemini status", code);
	l->block = (int)code;
	if (scan_next(ps) == -1)
		return -1;
	if (ps->tok != TOK_STRING) {
		if (code < 40)
			return scan_error(ps, ps->tokline, "block return %lld: "
			    "a redirect needs its target", code);
		return 1;
	}
	if (strlen(ps->text) > LOCATION_META_MAX)
		return scan_error(ps, ps->tokline, "block return: meta too "
		    "long (%d bytes at most)", LOCATION_META_MAX);
	/* The scanner refuses control bytes; a reply is UTF-8 too. */
	if (!utf8_valid(ps->text, strlen(ps->text)))
		return scan_error(ps, ps->tokline, "block return: meta must "
		    "be one line of UTF-8 text");
	strlcpy(l->meta, ps->text, sizeof(l->meta));
	return 0;
}

/* strip N */
static int
parseloc_strip(struct parse *ps)
{
	return scan_int_once(ps, "strip", 0, LOCATION_STRIP_MAX,
	    &ps->loc->strip);
}

/* require client certificate | require client ca "FILE" */
static int
parseloc_require(struct parse *ps)
{
	struct location	*l = ps->loc;

	if (scan_next(ps) == -1)
		return -1;
	if (!scan_is(ps, "client"))
		return scan_unexpected(ps, "client");
	if (scan_next(ps) == -1)
		return -1;
	if (scan_is(ps, "certificate")) {
		l->need_cert = 1;
		return 0;
	}
	if (!scan_is(ps, "ca"))
		return scan_unexpected(ps, "certificate or ca");
	if (scan_path_once(ps, "require client ca", l->ca_file,
	    sizeof(l->ca_file)) == -1)
		return -1;
	l->need_cert = 1;
	return 0;
}

/* allow client "SHA256:HEX" */
static int
parseloc_allow(struct parse *ps)
{
	struct location	*l = ps->loc;
	char		 hash[CONF_TOKEN_MAX + 1];
	size_t		 i;

	if (scan_next(ps) == -1)
		return -1;
	if (!scan_is(ps, "client"))
		return scan_unexpected(ps, "client");
	if (scan_string(ps, "allow client", hash, sizeof(hash)) == -1)
		return -1;
	if (!location_hash_ok(hash))
		return scan_error(ps, ps->tokline, "allow client: \"%s\" is "
		    "not SHA256: and 64 hex digits", hash);
	if (l->nallow == LOCATION_ALLOW_MAX)
		return scan_error(ps, ps->tokline, "allow client: at most %d "
		    "per location", LOCATION_ALLOW_MAX);
	/* libtls writes the hash in lower case. */
	for (i = 7; hash[i] != '\0'; i++)
		hash[i] = (char)tolower((unsigned char)hash[i]);
	strlcpy(l->allow[l->nallow++], hash, sizeof(l->allow[0]));
	l->need_cert = 1;
	return 0;
}

static const struct parseloc_directive {
	const char	*name;
	int		(*fn)(struct parse *);
} parseloc_table[] = {
	{ "allow",	parseloc_allow },
	{ "auto",	parseloc_auto },
	{ "block",	parseloc_block },
	{ "cgi",	parsedyn_cgi },
	{ "default",	parseloc_default },
	{ "fastcgi",	parsedyn_fastcgi },
	{ "feeds",	parseloc_feeds },
	{ "index",	parseloc_index },
	{ "lang",	parseloc_lang },
	{ "param",	parsedyn_param },
	{ "require",	parseloc_require },
	{ "strip",	parseloc_strip },
	{ NULL,		NULL }
};

/* One statement inside a location block. */
static int
parseloc_statement(struct parse *ps)
{
	size_t	i;
	int	rc;

	if (ps->tok != TOK_WORD)
		return scan_unexpected(ps, "a directive");
	for (i = 0; parseloc_table[i].name != NULL; i++)
		if (strcmp(parseloc_table[i].name, ps->text) == 0)
			break;
	if (parseloc_table[i].name == NULL)
		return scan_error(ps, ps->tokline, "%s is not allowed in a "
		    "location block", ps->text);
	if ((rc = parseloc_table[i].fn(ps)) == -1)
		return -1;
	if (rc == 0 && scan_next(ps) == -1)
		return -1;
	if (ps->tok == TOK_NL || ps->tok == TOK_RBRACE)
		return 0;
	return scan_unexpected(ps, "end of line");
}

/* location "GLOB" { ... }, inside a server block. */
int
parseloc_location(struct parse *ps)
{
	struct server	*s = ps->srv;
	struct location	*l, *v;
	const char	*saved[PARSE_SEEN_MAX], *err;
	int		 nsaved = ps->nseen, rc = -1;

	if (s->nlocs == LOCATIONS_MAX)
		return scan_error(ps, ps->tokline, "location: at most %d per "
		    "server", LOCATIONS_MAX);
	if (scan_next(ps) == -1)
		return -1;
	if (ps->tok != TOK_STRING)
		return scan_unexpected(ps, "a quoted path");
	if (!location_glob_ok(ps->text, &err))
		return scan_error(ps, ps->tokline, "location \"%s\": %s",
		    ps->text, err);
	if ((v = reallocarray(s->locs, s->nlocs + 1, sizeof(*v))) == NULL)
		return scan_error(ps, ps->tokline, "out of memory");
	s->locs = v;
	l = &s->locs[s->nlocs++];
	memset(l, 0, sizeof(*l));
	l->line = ps->tokline;
	l->auto_index = -1;
	l->feeds = -1;
	l->fcgi_strip = -1;
	if (strlcpy(l->glob, ps->text, sizeof(l->glob)) >= sizeof(l->glob))
		return scan_error(ps, ps->tokline, "location: too long");
	if (scan_next(ps) == -1)
		return -1;
	if (ps->tok != TOK_LBRACE)
		return scan_unexpected(ps, "{");
	memcpy(saved, ps->seen, sizeof(saved));
	ps->nseen = 0;
	ps->loc = l;
	for (;;) {
		if (scan_next(ps) == -1)
			goto done;
		if (ps->tok == TOK_NL)
			continue;
		if (ps->tok == TOK_RBRACE)
			break;
		if (ps->tok == TOK_EOF) {
			scan_error(ps, ps->tokline, "missing } at the end of "
			    "location \"%s\"", l->glob);
			goto done;
		}
		if (parseloc_statement(ps) == -1)
			goto done;
		if (ps->tok == TOK_RBRACE)
			break;
	}
	if (l->need_cert)
		s->wants_cert = 1;
	rc = 0;
done:
	ps->loc = NULL;
	memcpy(ps->seen, saved, sizeof(saved));
	ps->nseen = nsaved;
	return rc;
}
