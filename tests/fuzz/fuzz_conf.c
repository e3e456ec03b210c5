/*
 * fuzz_conf.c: libFuzzer harness for capsuled.conf's parser (scan.c,
 * parse.c, config.c): any bytes as a configuration file.
 *
 * Properties: parsing ends with 0 or -1; an error reads
 * "fuzz.conf:LINE: message" with LINE within the file and a message of
 * UTF-8 without a control character (it reaches a terminal or a log);
 * an accepted file has a server, every server a host name, a root, a
 * listener, a certificate and a key if it speaks TLS (or neither, for
 * certgen.c to make), at most
 * SERVER_ALIASES_MAX aliases, and no control character in any string
 * (paths may hold bytes that are not UTF-8, as file names may);
 * every listener a port in range (0: the kernel's pick) and a server of
 * its own; every number
 * within its documented range; parsing the same bytes twice gives the
 * same answer; and config_free releases everything (LeakSanitizer).
 *
 * The parser resolves listen addresses and looks users up: here
 * getaddrinfo() accepts numeric addresses only and getpwnam() knows
 * "nobody" alone, so that a fuzzed file never reaches DNS, the network
 * or the user database.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <dlfcn.h>
#include <netdb.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "fuzz.h"
#include "gemtext.h"
#include "parse.h"
#include "utf8.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Numeric addresses only: no DNS from a fuzzed "listen ... on NAME". */
int
getaddrinfo(const char *node, const char *service,
    const struct addrinfo *hints, struct addrinfo **res)
{
	static int	(*real)(const char *, const char *,
			    const struct addrinfo *, struct addrinfo **);
	struct addrinfo	 h;

	if (real == NULL && (real = (int (*)(const char *, const char *,
	    const struct addrinfo *, struct addrinfo **))dlsym(RTLD_NEXT,
	    "getaddrinfo")) == NULL)
		abort();
	memset(&h, 0, sizeof(h));
	if (hints != NULL)
		h = *hints;
	h.ai_flags |= AI_NUMERICHOST | AI_NUMERICSERV;
	return real(node, service, &h, res);
}

struct passwd *
getpwnam(const char *name)
{
	static char		 pname[] = "nobody", ppass[] = "x";
	static char		 pdir[] = "/nonexistent", pshell[] = "/bin/false";
	static struct passwd	 nobody;

	if (strcmp(name, "nobody") != 0)
		return NULL;
	nobody.pw_name = pname;
	nobody.pw_passwd = ppass;
	nobody.pw_uid = 65534;
	nobody.pw_gid = 65534;
	nobody.pw_dir = pdir;
	nobody.pw_shell = pshell;
	return &nobody;
}

/*
 * No control character (C0, DEL, C1); with utf8, valid UTF-8 too.  A
 * path may hold any other byte, as file names may.
 */
static int
fuzz_clean(const char *s, int utf8)
{
	size_t	len = strlen(s), i;

	if (utf8 && !utf8_valid(s, len))
		return 0;
	for (i = 0; i < len; i++)
		if (utf8_control(s + i, len - i) != 0)
			return 0;
	return 1;
}

static void
fuzz_error(const char *err, const uint8_t *data, size_t size)
{
	const char	*p = err + strlen("fuzz.conf:");
	long		 line = 0, lines = 1;
	size_t		 i;

	FUZZ_ASSERT(strncmp(err, "fuzz.conf:", 10) == 0,
	    "an error names the file");
	while (*p >= '0' && *p <= '9' && line < 10000000)
		line = line * 10 + (*p++ - '0');
	for (i = 0; i < size; i++)
		if (data[i] == '\n')
			lines++;
	FUZZ_ASSERT(line >= 1 && line <= lines && p[0] == ':' && p[1] == ' ' &&
	    p[2] != '\0', "an error reads file:line: message, with a line "
	    "of the file");
	FUZZ_ASSERT(fuzz_clean(err, 1), "an error is UTF-8 without a control "
	    "character");
}

static void
fuzz_accepted(const struct config *conf)
{
	const struct server	*s;
	const struct listener	*l;
	int			 i, tls;

	FUZZ_ASSERT(!TAILQ_EMPTY(&conf->servers), "a server");
	FUZZ_ASSERT(conf->prefork >= 1 && conf->prefork <= WORKERS_MAX &&
	    conf->timeout_handshake >= 1 &&
	    conf->timeout_handshake <= TIMEOUT_MAX &&
	    conf->timeout_request >= 1 &&
	    conf->timeout_request <= TIMEOUT_MAX &&
	    conf->timeout_response >= 1 &&
	    conf->timeout_response <= TIMEOUT_MAX &&
	    conf->max_connections >= 0 &&
	    conf->max_connections <= CONNECTIONS_MAX &&
	    conf->inline_max <= SNAPSHOT_GMI_MAX &&
	    conf->gopher_wrap >= GOPHER_WRAP_MIN &&
	    conf->gopher_wrap <= GOPHER_WRAP_MAX &&
	    (conf->ticket_lifetime == 0 || (conf->ticket_lifetime >= 60 &&
	    conf->ticket_lifetime <= TICKET_LIFETIME_MAX)),
	    "numbers within their ranges");
	FUZZ_ASSERT(fuzz_clean(conf->chroot, 0) &&
	    fuzz_clean(conf->log_file, 0) &&
	    fuzz_clean(conf->access_file, 0) && fuzz_clean(conf->user, 0),
	    "no control character in a global string");
	FUZZ_ASSERT(conf->chroot[0] == '/', "chroot is absolute");
	TAILQ_FOREACH(s, &conf->servers, entry) {
		FUZZ_ASSERT(config_valid_name(s->name), "a host name");
		FUZZ_ASSERT(s->root[0] != '\0', "a root");
		FUZZ_ASSERT(fuzz_clean(s->root, 0) && fuzz_clean(s->cert, 0) &&
		    fuzz_clean(s->key, 0) && fuzz_clean(s->lang, 1) &&
		    fuzz_clean(s->search_prompt, 1),
		    "no control character in a server's strings");
		FUZZ_ASSERT(s->naliases >= 0 &&
		    s->naliases <= SERVER_ALIASES_MAX, "aliases bounded");
		for (i = 0; i < s->naliases; i++)
			FUZZ_ASSERT(config_valid_name(s->aliases[i]),
			    "an alias is a host name");
		FUZZ_ASSERT(s->gemini_port >= 0 && s->gemini_port <= 65535 &&
		    s->gopher_port >= 0 && s->gopher_port <= 65535,
		    "public ports in range");
		FUZZ_ASSERT(s->gopher_wrap >= GOPHER_WRAP_MIN &&
		    s->gopher_wrap <= GOPHER_WRAP_MAX,
		    "a server's gopher wrap in range");
		tls = 0;
		i = 0;
		TAILQ_FOREACH(l, &conf->listeners, entry) {
			size_t	k;

			for (k = 0; k < l->nservers; k++)
				if (l->servers[k] == s)
					break;
			if (k == l->nservers)
				continue;
			i++;
			if (l->proto == PROTO_GEMINI || (l->flags & LISTEN_TLS))
				tls = 1;
		}
		FUZZ_ASSERT(i > 0, "a server listens somewhere");
		/* Both, or neither (certgen.c then makes a pair). */
		if (tls)
			FUZZ_ASSERT((s->cert[0] != '\0') == (s->key[0] != '\0'),
			    "TLS has a certificate and a key, or neither");
	}
	TAILQ_FOREACH(l, &conf->listeners, entry) {
		/* Port 0: the kernel picks one when it binds. */
		FUZZ_ASSERT(l->port >= 0 && l->port <= 65535 &&
		    l->server != NULL && l->nservers >= 1 &&
		    l->server == l->servers[0], "a listener has a port and "
		    "its default server first");
		FUZZ_ASSERT(l->proto == PROTO_GEMINI || l->nservers == 1,
		    "a Gopher address belongs to one server");
		FUZZ_ASSERT(l->proto == PROTO_GOPHER || !(l->flags &
		    LISTEN_TLS), "tls only on Gopher listeners");
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config	*conf, *again;
	const char	*err = NULL, *err2 = NULL;
	char		 first[PATH_MAX + 256];
	int		 rc, rc2;

	if (size > CONF_SIZE_MAX)
		return 0;
	if ((conf = config_new()) == NULL || (again = config_new()) == NULL)
		abort();
	rc = parse_buffer(conf, "fuzz.conf", (const char *)data, size, &err);
	FUZZ_ASSERT(rc == 0 || rc == -1, "0 or -1");
	if (rc == -1) {
		FUZZ_ASSERT(err != NULL, "an error says why");
		fuzz_error(err, data, size);
		strlcpy(first, err, sizeof(first));
	} else
		fuzz_accepted(conf);
	rc2 = parse_buffer(again, "fuzz.conf", (const char *)data, size,
	    &err2);
	FUZZ_ASSERT(rc2 == rc && (rc == 0 || strcmp(first, err2) == 0),
	    "the same bytes parse the same way twice");
	config_free(conf);
	config_free(again);
	return 0;
}
