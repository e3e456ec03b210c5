/*
 * test_cgienv.c: cgienv.c, the variables a CGI script or a FastCGI
 * responder is given for one request.  For each request (Gemini with a
 * query, with an empty one and without; Gopher with a search string of
 * spaces, %, UTF-8 and other bytes, with an empty one and without; a
 * TLS peer with and without a client certificate) every variable must
 * have exactly its value, and no other variable may appear: nothing
 * outside the documented list, never the runner's own SCRIPT_FILENAME,
 * DOCUMENT_ROOT or PATH, never one twice.  REMOTE_USER is the subject's
 * CN in OpenSSL's "/CN=x/O=y" form and RFC 2253's "CN=x,O=y"; the
 * certificate's dates are ISO 8601 in UTC; a value holding a NUL or
 * longer than CGIENV_VALUE_MAX is left out.  Then the tables of
 * cgienv_name_ok (the list) and cgienv_name_valid (a param's name).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capsuled.h"
#include "cgienv.h"
#include "tlsio.h"
#include "unit.h"

#define S(s)	(s), (sizeof(s) - 1)

#define VARS_MAX	64

/* What cgienv_build handed out, in order. */
struct vars {
	char	*name[VARS_MAX];
	char	*value[VARS_MAX];
	size_t	 len[VARS_MAX];
	int	 n;
	int	 overflow;
};

static void
add(void *arg, const char *name, const char *value, size_t len)
{
	struct vars	*v = arg;

	if (v->n == VARS_MAX) {
		v->overflow = 1;
		return;
	}
	if ((v->name[v->n] = strdup(name)) == NULL ||
	    (v->value[v->n] = malloc(len + 1)) == NULL)
		abort();
	memcpy(v->value[v->n], value, len);
	v->value[v->n][len] = '\0';
	v->len[v->n] = len;
	v->n++;
}

static void
vars_free(struct vars *v)
{
	int	i;

	for (i = 0; i < v->n; i++) {
		free(v->name[i]);
		free(v->value[i]);
	}
	memset(v, 0, sizeof(*v));
}

/* The variables the issue and the manual list, those cgienv.c makes. */
static const char *const documented[] = {
	"GATEWAY_INTERFACE", "SERVER_PROTOCOL", "SERVER_NAME", "SERVER_PORT",
	"SERVER_SOFTWARE", "GEMINI_URL", "GEMINI_URL_PATH", "SCRIPT_NAME",
	"PATH_INFO", "QUERY_STRING", "GEMINI_SEARCH_STRING", "REMOTE_ADDR",
	"REMOTE_HOST", "REQUEST_METHOD", "AUTH_TYPE", "REMOTE_USER",
	"TLS_CLIENT_HASH", "TLS_CLIENT_SUBJECT", "TLS_CLIENT_ISSUER",
	"TLS_CLIENT_NOT_BEFORE", "TLS_CLIENT_NOT_AFTER", "TLS_VERSION",
	"TLS_CIPHER", "SELECTOR", "SEARCHREQUEST", NULL
};

/* One variable as it must be: value NULL means "must be absent". */
struct want {
	const char	*name;
	const char	*value;
	size_t		 len;
};

#define W(n, v)		{ (n), S(v) }
#define NONE(n)		{ (n), NULL, 0 }

#define COMMON(proto, port)						\
	W("GATEWAY_INTERFACE", "CGI/1.1"),				\
	W("SERVER_SOFTWARE", "capsuled/" CAPSULED_VERSION),		\
	W("SERVER_PROTOCOL", proto),					\
	W("SERVER_NAME", "example.org"),				\
	W("SERVER_PORT", port),						\
	W("REQUEST_METHOD", "GET")

#define ADDR	W("REMOTE_ADDR", "192.0.2.7"), W("REMOTE_HOST", "192.0.2.7")

#define NO_TLS								\
	NONE("TLS_VERSION"), NONE("TLS_CIPHER"), NONE("AUTH_TYPE"),	\
	NONE("REMOTE_USER"), NONE("TLS_CLIENT_HASH"),			\
	NONE("TLS_CLIENT_SUBJECT"), NONE("TLS_CLIENT_ISSUER"),		\
	NONE("TLS_CLIENT_NOT_BEFORE"), NONE("TLS_CLIENT_NOT_AFTER")

#define NO_CERT								\
	NONE("AUTH_TYPE"), NONE("REMOTE_USER"), NONE("TLS_CLIENT_HASH"),\
	NONE("TLS_CLIENT_SUBJECT"), NONE("TLS_CLIENT_ISSUER"),		\
	NONE("TLS_CLIENT_NOT_BEFORE"), NONE("TLS_CLIENT_NOT_AFTER")

#define TLS13								\
	W("TLS_VERSION", "TLSv1.3"),					\
	W("TLS_CIPHER", "TLS_AES_256_GCM_SHA384")

#define HASH	"SHA256:0123456789abcdef0123456789abcdef" \
		"0123456789abcdef0123456789abcdef"

static const struct tlsio_peer	peer_nocert = {
	0, NULL, NULL, NULL, 0, 0, NULL, 0, "TLSv1.3",
	"TLS_AES_256_GCM_SHA384"
};

static const struct tlsio_peer	peer_alice = {
	1, HASH, "/CN=alice/O=Example Org", "/CN=Example CA/O=Example Org",
	0, 2147483647, NULL, 0, "TLSv1.3", "TLS_AES_256_GCM_SHA384"
};

static const struct tlsio_peer	peer_bob = {
	1, HASH, "CN=bob,O=Example Org", "CN=Example CA", 1700000000,
	4102444800LL, NULL, 0, "TLSv1.2", "ECDHE-RSA-AES128-GCM-SHA256"
};

#define CERT_ALICE							\
	TLS13, W("AUTH_TYPE", "Certificate"),				\
	W("REMOTE_USER", "alice"), W("TLS_CLIENT_HASH", HASH),		\
	W("TLS_CLIENT_SUBJECT", "/CN=alice/O=Example Org"),		\
	W("TLS_CLIENT_ISSUER", "/CN=Example CA/O=Example Org"),		\
	W("TLS_CLIENT_NOT_BEFORE", "1970-01-01T00:00:00Z"),		\
	W("TLS_CLIENT_NOT_AFTER", "2038-01-19T03:14:07Z")

/* The Gopher search string of the tests, and what encodes it. */
#define SEARCH		"caf\xc3\xa9 au lait 100% a+b=c&d/e?f#g~h_i-j.k" \
			" \"'<>\x7f\x01!"
#define SEARCH_ENC	"caf%C3%A9%20au%20lait%20100%25%20a%2Bb%3Dc%26d%2Fe" \
			"%3Ff%23g~h_i-j.k%20%22%27%3C%3E%7F%01%21"

struct env_test {
	const char		*name;
	struct cgienv_req	 req;
	struct want		 want[40];
};

static const struct env_test env_tests[] = {
	{ "Gemini, a query, no certificate", { PROTO_GEMINI, "example.org",
	    1965, S("/cgi/hello.sh/extra/caf\xc3\xa9 x"), S("/cgi/hello.sh"),
	    S("/extra/caf\xc3\xa9 x"), S("a%20b%C3%A9+c%3D"), NULL, 0,
	    "192.0.2.7", &peer_nocert }, {
	    COMMON("GEMINI", "1965"), ADDR,
	    W("GEMINI_URL_PATH", "/cgi/hello.sh/extra/caf\xc3\xa9 x"),
	    W("SCRIPT_NAME", "/cgi/hello.sh"),
	    W("PATH_INFO", "/extra/caf\xc3\xa9 x"),
	    W("GEMINI_URL", "gemini://example.org:1965/cgi/hello.sh/extra/"
	    "caf%C3%A9%20x?a%20b%C3%A9+c%3D"),
	    W("QUERY_STRING", "a%20b%C3%A9+c%3D"),
	    W("GEMINI_SEARCH_STRING", "a b\xc3\xa9+c="),
	    NONE("SELECTOR"), NONE("SEARCHREQUEST"), TLS13, NO_CERT } },
	{ "Gemini, no query", { PROTO_GEMINI, "example.org", 1965,
	    S("/cgi/hello.sh"), S("/cgi/hello.sh"), S(""), NULL, 0, NULL, 0,
	    "192.0.2.7", &peer_nocert }, {
	    COMMON("GEMINI", "1965"), ADDR,
	    W("GEMINI_URL_PATH", "/cgi/hello.sh"),
	    W("SCRIPT_NAME", "/cgi/hello.sh"), W("PATH_INFO", ""),
	    W("GEMINI_URL", "gemini://example.org:1965/cgi/hello.sh"),
	    NONE("QUERY_STRING"), NONE("GEMINI_SEARCH_STRING"),
	    NONE("SELECTOR"), NONE("SEARCHREQUEST"), TLS13, NO_CERT } },
	{ "Gemini, an empty query (\"?\")", { PROTO_GEMINI, "example.org",
	    1965, S("/s"), S("/s"), S(""), S(""), NULL, 0, "192.0.2.7",
	    &peer_nocert }, {
	    COMMON("GEMINI", "1965"), ADDR,
	    W("GEMINI_URL", "gemini://example.org:1965/s?"),
	    W("QUERY_STRING", ""), W("GEMINI_SEARCH_STRING", "") } },
	{ "Gemini, a client certificate (\"/CN=x/O=y\")", { PROTO_GEMINI,
	    "example.org", 11965, S("/m/board"), S("/m/board"), S(""), NULL, 0,
	    NULL, 0, "::1", &peer_alice }, {
	    COMMON("GEMINI", "11965"), W("REMOTE_ADDR", "::1"),
	    W("REMOTE_HOST", "::1"),
	    W("GEMINI_URL", "gemini://example.org:11965/m/board"),
	    CERT_ALICE } },
	{ "Gemini, a client certificate (\"CN=x,O=y\")", { PROTO_GEMINI,
	    "example.org", 1965, S("/m"), S("/m"), S(""), NULL, 0, NULL, 0,
	    "192.0.2.7", &peer_bob }, {
	    W("TLS_VERSION", "TLSv1.2"),
	    W("TLS_CIPHER", "ECDHE-RSA-AES128-GCM-SHA256"),
	    W("AUTH_TYPE", "Certificate"), W("REMOTE_USER", "bob"),
	    W("TLS_CLIENT_SUBJECT", "CN=bob,O=Example Org"),
	    W("TLS_CLIENT_ISSUER", "CN=Example CA"),
	    W("TLS_CLIENT_NOT_BEFORE", "2023-11-14T22:13:20Z"),
	    W("TLS_CLIENT_NOT_AFTER", "2100-01-01T00:00:00Z") } },
	{ "Gopher, a search with spaces, %, UTF-8 and the rest",
	    { PROTO_GOPHER, "example.org", 70, S("/cgi/find"), S("/cgi/find"),
	    S(""), NULL, 0, S(SEARCH), "192.0.2.7", NULL }, {
	    COMMON("GOPHER", "70"), ADDR,
	    W("GEMINI_URL_PATH", "/cgi/find"), W("SCRIPT_NAME", "/cgi/find"),
	    W("PATH_INFO", ""),
	    W("GEMINI_URL", "gopher://example.org:70/1/cgi/find"),
	    W("SELECTOR", "/cgi/find"), W("QUERY_STRING", SEARCH_ENC),
	    W("GEMINI_SEARCH_STRING", SEARCH), W("SEARCHREQUEST", SEARCH),
	    NO_TLS } },
	{ "Gopher, no search", { PROTO_GOPHER, "example.org", 7070,
	    S("/cgi/a b/x"), S("/cgi/a b"), S("/x"), NULL, 0, NULL, 0,
	    "192.0.2.7", NULL }, {
	    COMMON("GOPHER", "7070"), ADDR,
	    W("GEMINI_URL_PATH", "/cgi/a b/x"), W("SCRIPT_NAME", "/cgi/a b"),
	    W("PATH_INFO", "/x"),
	    W("GEMINI_URL", "gopher://example.org:7070/1/cgi/a%20b/x"),
	    W("SELECTOR", "/cgi/a b/x"), NONE("QUERY_STRING"),
	    NONE("GEMINI_SEARCH_STRING"), NONE("SEARCHREQUEST"), NO_TLS } },
	{ "Gopher, an empty search", { PROTO_GOPHER, "example.org", 70,
	    S("/s"), S("/s"), S(""), NULL, 0, S(""), "192.0.2.7", NULL }, {
	    W("QUERY_STRING", ""), W("GEMINI_SEARCH_STRING", ""),
	    W("SEARCHREQUEST", ""), W("SELECTOR", "/s") } },
	{ "Gopher ignores a query, Gemini a search", { PROTO_GOPHER,
	    "example.org", 70, S("/s"), S("/s"), S(""), S("q=1"), NULL, 0,
	    "192.0.2.7", NULL }, {
	    NONE("QUERY_STRING"), NONE("GEMINI_SEARCH_STRING"),
	    W("GEMINI_URL", "gopher://example.org:70/1/s") } },
	{ "Gemini ignores a search", { PROTO_GEMINI, "example.org", 1965,
	    S("/s"), S("/s"), S(""), NULL, 0, S("q"), "192.0.2.7",
	    &peer_nocert }, {
	    NONE("QUERY_STRING"), NONE("GEMINI_SEARCH_STRING"),
	    NONE("SEARCHREQUEST"), NONE("SELECTOR") } },
	{ "no remote address: REMOTE_ADDR and REMOTE_HOST left out",
	    { PROTO_GEMINI, "example.org", 1965, S("/s"), S("/s"), S(""),
	    NULL, 0, NULL, 0, NULL, &peer_nocert }, {
	    NONE("REMOTE_ADDR"), NONE("REMOTE_HOST"),
	    W("GEMINI_URL", "gemini://example.org:1965/s") } },
	{ "NUL in the path: left out where decoded, encoded in the URL",
	    { PROTO_GOPHER, "example.org", 70, S("/a\0b"), S("/a"), S("\0b"),
	    NULL, 0, S("x\0y"), "192.0.2.7", NULL }, {
	    NONE("GEMINI_URL_PATH"), W("SCRIPT_NAME", "/a"),
	    NONE("PATH_INFO"), NONE("SELECTOR"),
	    W("GEMINI_URL", "gopher://example.org:70/1/a%00b"),
	    W("QUERY_STRING", "x%00y"), NONE("GEMINI_SEARCH_STRING"),
	    NONE("SEARCHREQUEST") } },
	{ "%00 in a Gemini query: not decoded", { PROTO_GEMINI,
	    "example.org", 1965, S("/s"), S("/s"), S(""), S("a%00b"), NULL,
	    0, "192.0.2.7", &peer_nocert }, {
	    W("QUERY_STRING", "a%00b"), NONE("GEMINI_SEARCH_STRING"),
	    W("GEMINI_URL", "gemini://example.org:1965/s?a%00b") } },
	{ "a bad escape in a Gemini query: not decoded", { PROTO_GEMINI,
	    "example.org", 1965, S("/s"), S("/s"), S(""), S("a%zz"), NULL, 0,
	    "192.0.2.7", &peer_nocert }, {
	    W("QUERY_STRING", "a%zz"), NONE("GEMINI_SEARCH_STRING") } },
};

static int
documented_name(const char *name)
{
	size_t	i;

	for (i = 0; documented[i] != NULL; i++)
		if (strcmp(documented[i], name) == 0)
			return 1;
	return 0;
}

static int
find(const struct vars *v, const char *name)
{
	int	i;

	for (i = 0; i < v->n; i++)
		if (strcmp(v->name[i], name) == 0)
			return i;
	return -1;
}

/*
 * Nothing outside the list, nothing twice; then every wanted value.
 * One check for the first, one per row of want.
 */
static void
check_vars(const char *test, const struct vars *v, const struct want *w,
    size_t nwant)
{
	char	what[200];
	size_t	i;
	int	j, k, ok = !v->overflow, at;

	for (j = 0; j < v->n && ok; j++) {
		if (!documented_name(v->name[j]) || strchr(v->name[j], '=') ||
		    memchr(v->value[j], '\0', v->len[j]) != NULL ||
		    v->len[j] > CGIENV_VALUE_MAX) {
			printf("#   unexpected: %s=%s\n", v->name[j],
			    v->value[j]);
			ok = 0;
		}
		for (k = 0; k < j; k++)
			if (strcmp(v->name[j], v->name[k]) == 0) {
				printf("#   twice: %s\n", v->name[j]);
				ok = 0;
			}
	}
	UNIT_CHECK(ok, "%s: only documented names (%d), each once, no NUL",
	    test, v->n);
	for (i = 0; i < nwant && w[i].name != NULL; i++) {
		at = find(v, w[i].name);
		if (w[i].value == NULL) {
			UNIT_CHECK(at == -1, "%s: no %s", test, w[i].name);
			if (at != -1)
				printf("#   got %s=%s\n", w[i].name,
				    v->value[at]);
			continue;
		}
		snprintf(what, sizeof(what), "%s: %s", test, w[i].name);
		if (at == -1) {
			UNIT_CHECK(0, "%s (missing)", what);
			continue;
		}
		unit_bytes_eq(what, v->value[at], v->len[at], w[i].value,
		    w[i].len);
	}
}

static size_t
count_wants(const struct want *w, size_t max)
{
	size_t	n;

	for (n = 0; n < max && w[n].name != NULL; n++)
		;
	return n;
}

static int
test_table(int run)
{
	const struct env_test	*t;
	struct vars		 v;
	size_t			 i;
	int			 checks = 0;

	memset(&v, 0, sizeof(v));
	for (i = 0; i < sizeof(env_tests) / sizeof(env_tests[0]); i++) {
		t = &env_tests[i];
		checks += 1 + (int)count_wants(t->want, 40);
		if (!run)
			continue;
		UNIT_CHECK(cgienv_build(&t->req, add, &v) == 0,
		    "%s: built", t->name);
		check_vars(t->name, &v, t->want, 40);
		vars_free(&v);
	}
	/* (and the "built" check of each row) */
	return checks + (int)(sizeof(env_tests) / sizeof(env_tests[0]));
}

/* REMOTE_USER from subjects written either way, or none. */
struct cn_test {
	const char	*subject;
	const char	*user;		/* NULL: no REMOTE_USER */
};

static const struct cn_test cn_tests[] = {
	{ "/CN=alice/O=Example", "alice" },
	{ "/O=Example/CN=carol", "carol" },
	{ "/C=CN/CN=dave", "dave" },
	{ "CN=bob,O=Example", "bob" },
	{ "O=Example,CN=erin", "erin" },
	{ "/CN=Ann Lee/emailAddress=a@example.org", "Ann Lee" },
	{ "CN=caf\xc3\xa9", "caf\xc3\xa9" },
	{ "/O=Example", NULL },
	{ "", NULL },
	{ "/O=ACN=mallory", NULL },
	{ "/OU=x/SN=CN=y", NULL },
};

static void
test_cn(void)
{
	struct tlsio_peer	 p = peer_alice;
	struct cgienv_req	 r;
	struct vars		 v;
	size_t			 i;
	int			 at;

	memset(&v, 0, sizeof(v));
	memset(&r, 0, sizeof(r));
	r.proto = PROTO_GEMINI;
	r.server_name = "h";
	r.port = 1965;
	r.path = r.script = "/";
	r.pathlen = r.scriptlen = 1;
	r.pathinfo = "";
	r.peer = &p;
	for (i = 0; i < sizeof(cn_tests) / sizeof(cn_tests[0]); i++) {
		p.subject = cn_tests[i].subject;
		(void)cgienv_build(&r, add, &v);
		at = find(&v, "REMOTE_USER");
		if (cn_tests[i].user == NULL)
			UNIT_CHECK(at == -1, "REMOTE_USER: none for \"%s\"",
			    cn_tests[i].subject);
		else
			UNIT_CHECK(at != -1 &&
			    strcmp(v.value[at], cn_tests[i].user) == 0,
			    "REMOTE_USER: \"%s\" for \"%s\"", cn_tests[i].user,
			    cn_tests[i].subject);
		vars_free(&v);
	}
	p.subject = NULL;
	(void)cgienv_build(&r, add, &v);
	UNIT_CHECK(find(&v, "REMOTE_USER") == -1 &&
	    find(&v, "TLS_CLIENT_SUBJECT") == -1 &&
	    find(&v, "AUTH_TYPE") != -1, "no subject: no REMOTE_USER, no "
	    "TLS_CLIENT_SUBJECT, still AUTH_TYPE");
	vars_free(&v);
}

/* The dates, ISO 8601 in UTC, whatever TZ says (main sets UTC+14). */
struct time_test {
	long long	 t;
	const char	*iso;
};

static const struct time_test time_tests[] = {
	{ 0, "1970-01-01T00:00:00Z" },
	{ 951782400, "2000-02-29T00:00:00Z" },
	{ 1700000000, "2023-11-14T22:13:20Z" },
	{ 2147483647, "2038-01-19T03:14:07Z" },
	{ 2147483648LL, "2038-01-19T03:14:08Z" },
	{ 253402300799LL, "9999-12-31T23:59:59Z" },
	{ -1, "1969-12-31T23:59:59Z" },
};

static void
test_times(void)
{
	struct tlsio_peer	 p = peer_alice;
	struct cgienv_req	 r;
	struct vars		 v;
	size_t			 i;
	int			 a, b;

	memset(&v, 0, sizeof(v));
	memset(&r, 0, sizeof(r));
	r.proto = PROTO_GEMINI;
	r.server_name = "h";
	r.peer = &p;
	for (i = 0; i < sizeof(time_tests) / sizeof(time_tests[0]); i++) {
		p.notbefore = (time_t)time_tests[i].t;
		p.notafter = (time_t)time_tests[i].t;
		(void)cgienv_build(&r, add, &v);
		a = find(&v, "TLS_CLIENT_NOT_BEFORE");
		b = find(&v, "TLS_CLIENT_NOT_AFTER");
		UNIT_CHECK(a != -1 && b != -1 &&
		    strcmp(v.value[a], time_tests[i].iso) == 0 &&
		    strcmp(v.value[b], time_tests[i].iso) == 0,
		    "dates: %lld is %s", time_tests[i].t, time_tests[i].iso);
		if (a != -1 && strcmp(v.value[a], time_tests[i].iso) != 0)
			printf("#   got %s\n", v.value[a]);
		vars_free(&v);
	}
}

/* Values of CGIENV_VALUE_MAX bytes are given; one more and they go. */
static void
test_lengths(void)
{
	struct cgienv_req	 r;
	struct vars		 v;
	char			*s;
	size_t			 max = CGIENV_VALUE_MAX;
	int			 at, q;

	if ((s = malloc(max + 2)) == NULL)
		abort();
	memset(s, 'x', max + 2);
	s[0] = '/';
	memset(&v, 0, sizeof(v));
	memset(&r, 0, sizeof(r));
	r.proto = PROTO_GOPHER;
	r.server_name = "example.org";
	r.port = 70;
	r.path = r.script = "/s";
	r.pathlen = r.scriptlen = 2;
	r.pathinfo = s;
	r.pathinfolen = max;
	r.search = s + 1;
	r.searchlen = max;
	(void)cgienv_build(&r, add, &v);
	at = find(&v, "PATH_INFO");
	q = find(&v, "SEARCHREQUEST");
	UNIT_CHECK(at != -1 && v.len[at] == max && q != -1 &&
	    v.len[q] == max && find(&v, "QUERY_STRING") != -1,
	    "values of exactly %zu bytes are given", max);
	vars_free(&v);

	r.pathinfolen = max + 1;
	r.searchlen = max + 1;
	(void)cgienv_build(&r, add, &v);
	UNIT_CHECK(find(&v, "PATH_INFO") == -1 &&
	    find(&v, "SEARCHREQUEST") == -1 &&
	    find(&v, "GEMINI_SEARCH_STRING") == -1 &&
	    find(&v, "QUERY_STRING") == -1 &&
	    find(&v, "SELECTOR") != -1,
	    "values of %zu bytes are left out, the others stay", max + 1);
	vars_free(&v);

	/* 1500 spaces: fine raw, too long encoded (4500 bytes). */
	memset(s, ' ', 1500);
	r.pathinfolen = 0;
	r.search = s;
	r.searchlen = 1500;
	(void)cgienv_build(&r, add, &v);
	UNIT_CHECK(find(&v, "QUERY_STRING") == -1 &&
	    (q = find(&v, "SEARCHREQUEST")) != -1 && v.len[q] == 1500,
	    "QUERY_STRING left out when the encoding passes the limit");
	vars_free(&v);

	/* A path whose URL would be too long: GEMINI_URL goes. */
	memset(s, ' ', 2000);
	s[0] = '/';
	r.path = s;
	r.pathlen = 2000;
	r.search = NULL;
	(void)cgienv_build(&r, add, &v);
	UNIT_CHECK(find(&v, "GEMINI_URL") == -1 &&
	    find(&v, "GEMINI_URL_PATH") != -1,
	    "GEMINI_URL left out when encoding passes the limit");
	vars_free(&v);
	free(s);
}

struct name_test {
	const char	*name;
	size_t		 len;
	int		 ok;
	int		 valid;
};

static const struct name_test name_tests[] = {
	{ S("GATEWAY_INTERFACE"), 1, 1 },
	{ S("QUERY_STRING"), 1, 1 },
	{ S("GEMINI_SEARCH_STRING"), 1, 1 },
	{ S("REMOTE_USER"), 1, 1 },
	{ S("TLS_CLIENT_NOT_AFTER"), 1, 1 },
	{ S("SEARCHREQUEST"), 1, 1 },
	{ S("SELECTOR"), 1, 1 },
	{ S("SCRIPT_FILENAME"), 1, 1 },
	{ S("DOCUMENT_ROOT"), 1, 1 },
	{ S("PATH"), 1, 1 },
	{ "PATH_INFO", 4, 1, 1 },	/* "PATH": the length counts */
	{ S("PATH_INF"), 0, 1 },
	{ S("PATH_INFOX"), 0, 1 },
	{ S("path_info"), 0, 1 },
	{ S("HOME"), 0, 1 },
	{ S("LD_PRELOAD"), 0, 1 },
	{ S("HTTP_HOST"), 0, 1 },
	{ S("TLS_CLIENT_CERT"), 0, 1 },
	{ S("PATH\0"), 0, 0 },
	{ S(""), 0, 0 },
	{ S("A"), 0, 1 },
	{ S("_"), 0, 1 },
	{ S("_9"), 0, 1 },
	{ S("a1_B"), 0, 1 },
	{ S("MY_APP_DIR"), 0, 1 },
	{ S("1A"), 0, 0 },
	{ S("9"), 0, 0 },
	{ S("A-B"), 0, 0 },
	{ S("A=B"), 0, 0 },
	{ S("A B"), 0, 0 },
	{ S("A.B"), 0, 0 },
	{ S("\xc3\x89T\xc3\x89"), 0, 0 },
	{ S("A\t"), 0, 0 },
	{ S("Z["), 0, 0 },
	{ S("@A"), 0, 0 },
	{ S("z{"), 0, 0 },
	{ S("`a"), 0, 0 },
	{ S("/A"), 0, 0 },
	{ S("A:"), 0, 0 },
};

static void
test_names(void)
{
	const struct name_test	*t;
	size_t			 i;

	for (i = 0; i < sizeof(name_tests) / sizeof(name_tests[0]); i++) {
		t = &name_tests[i];
		UNIT_CHECK(cgienv_name_ok(t->name, t->len) == t->ok &&
		    cgienv_name_valid(t->name, t->len) == t->valid,
		    "names: \"%.*s\" (%zu bytes) %s listed, %s valid",
		    (int)t->len, t->name, t->len, t->ok ? "is" : "is not",
		    t->valid ? "is" : "is not");
	}
	for (i = 0; documented[i] != NULL; i++)
		if (!cgienv_name_ok(documented[i], strlen(documented[i])))
			break;
	UNIT_CHECK(documented[i] == NULL, "names: every documented variable "
	    "is listed (%s)", documented[i] ? documented[i] : "all");
}

int
main(void)
{
	/* Local time far from UTC from the first call (TZ is read once). */
	setenv("TZ", "XYZ-14", 1);
	tzset();
	UNIT_PLAN(test_table(0) +
	    (int)(sizeof(cn_tests) / sizeof(cn_tests[0])) + 1 +
	    (int)(sizeof(time_tests) / sizeof(time_tests[0])) + 4 +
	    (int)(sizeof(name_tests) / sizeof(name_tests[0])) + 1);
	test_table(1);
	test_cn();
	test_times();
	test_lengths();
	test_names();
	UNIT_DONE();
}
