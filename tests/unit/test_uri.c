/*
 * test_uri.c: table-driven checks of uri.c.  uri_parse must split an
 * absolute URI into scheme, host, port, path and query and refuse what
 * no Gemini request may hold (no scheme, userinfo, fragment, control
 * bytes, spaces, bad escapes, bad ports, broken IP literals).
 * uri_path_decode and uri_path_normalize must never let a path name
 * anything outside "/"; uri_resolve turns a link found in a page into a
 * local path, clamping at the root; uri_path_encode and uri_query_decode
 * are checked byte for byte.
 */

#include <stdio.h>
#include <string.h>

#include "capsuled.h"
#include "buf.h"
#include "uri.h"
#include "unit.h"

/* A string literal and its length, embedded NULs included. */
#define S(s)	(s), (sizeof(s) - 1)

struct parse_test {
	const char	*name;
	const char	*in;
	int		 rc;
	const char	*scheme;
	const char	*host;		/* NULL: no authority */
	int		 port;
	int		 ipliteral;
	const char	*path;
	const char	*query;		/* NULL: no '?' */
};

/* A row for input uri_parse must refuse. */
#define REJECT(name, in)	\
	{ (name), (in), -1, NULL, NULL, -1, 0, NULL, NULL }

static const struct parse_test parse_tests[] = {
	{ "parse: host and path", "gemini://example.org/a/b.gmi", 0,
	    "gemini", "example.org", -1, 0, "/a/b.gmi", NULL },
	{ "parse: no path", "gemini://example.org", 0,
	    "gemini", "example.org", -1, 0, "", NULL },
	{ "parse: port given", "gemini://example.org:1965/", 0,
	    "gemini", "example.org", 1965, 0, "/", NULL },
	{ "parse: port 65535", "gemini://h:65535/", 0,
	    "gemini", "h", 65535, 0, "/", NULL },
	{ "parse: empty port \"host:\" means none", "gemini://example.org:/",
	    0, "gemini", "example.org", -1, 0, "/", NULL },
	{ "parse: empty port, no path", "gemini://h:", 0,
	    "gemini", "h", -1, 0, "", NULL },
	{ "parse: IPv6 literal", "gemini://[::1]/", 0,
	    "gemini", "::1", -1, 1, "/", NULL },
	{ "parse: IPv6 literal with port", "gemini://[::1]:1965/x", 0,
	    "gemini", "::1", 1965, 1, "/x", NULL },
	{ "parse: IPv6 literal, no path", "gemini://[2001:db8::7]", 0,
	    "gemini", "2001:db8::7", -1, 1, "", NULL },
	{ "parse: dotted IPv4 is an IP literal", "gemini://127.0.0.1/", 0,
	    "gemini", "127.0.0.1", -1, 1, "/", NULL },
	{ "parse: IPv4 with port", "gemini://10.0.0.1:7070/", 0,
	    "gemini", "10.0.0.1", 7070, 1, "/", NULL },
	{ "parse: three-part number is a name", "gemini://127.0.0/", 0,
	    "gemini", "127.0.0", -1, 0, "/", NULL },
	{ "parse: query", "gemini://h/search?hello%20world", 0,
	    "gemini", "h", -1, 0, "/search", "hello%20world" },
	{ "parse: empty query", "gemini://h/?", 0,
	    "gemini", "h", -1, 0, "/", "" },
	{ "parse: query holds / and ?", "gemini://h/p?a/b?c", 0,
	    "gemini", "h", -1, 0, "/p", "a/b?c" },
	{ "parse: query right after host", "gemini://h?q", 0,
	    "gemini", "h", -1, 0, "", "q" },
	{ "parse: upper-case scheme and host", "GEMINI://H/", 0,
	    "GEMINI", "H", -1, 0, "/", NULL },
	{ "parse: scheme with + - .", "git+ssh.x-y://h/", 0,
	    "git+ssh.x-y", "h", -1, 0, "/", NULL },
	{ "parse: no authority", "mailto:a@b", 0,
	    "mailto", NULL, -1, 0, "a@b", NULL },
	{ "parse: empty authority", "gemini:///x", 0,
	    "gemini", "", -1, 0, "/x", NULL },
	{ "parse: escapes stay encoded", "gemini://h/a%20b", 0,
	    "gemini", "h", -1, 0, "/a%20b", NULL },
	{ "parse: raw UTF-8 path (IRI)", "gemini://h/caf\xc3\xa9", 0,
	    "gemini", "h", -1, 0, "/caf\xc3\xa9", NULL },
	{ "parse: sub-delims in path", "gemini://h/a!$&'()*+,;=:@b", 0,
	    "gemini", "h", -1, 0, "/a!$&'()*+,;=:@b", NULL },

	REJECT("parse: refuses empty string", ""),
	REJECT("parse: refuses missing scheme //host/", "//host/"),
	REJECT("parse: refuses relative path", "a/b"),
	REJECT("parse: refuses absolute path", "/a/b"),
	REJECT("parse: refuses no colon", "gemini"),
	REJECT("parse: refuses scheme starting with digit", "1a://h/"),
	REJECT("parse: refuses userinfo", "gemini://user@h/"),
	REJECT("parse: refuses userinfo with password", "gemini://u:p@h/"),
	REJECT("parse: refuses fragment", "gemini://h/a#frag"),
	REJECT("parse: refuses fragment after host", "gemini://h#frag"),
	REJECT("parse: refuses fragment after query", "gemini://h/?q#f"),
	REJECT("parse: refuses control char in path", "gemini://h/a\x01" "b"),
	REJECT("parse: refuses DEL in path", "gemini://h/a\x7f"),
	REJECT("parse: refuses LF in path", "gemini://h/a\nb"),
	REJECT("parse: refuses CR in query", "gemini://h/?a\rb"),
	REJECT("parse: refuses TAB in host", "gemini://h\tx/"),
	REJECT("parse: refuses control char in host", "gemini://h\x02/"),
	REJECT("parse: refuses space in path", "gemini://h/a b"),
	REJECT("parse: refuses space in query", "gemini://h/?a b"),
	REJECT("parse: refuses space in host", "gemini://a b/"),
	REJECT("parse: refuses backslash", "gemini://h/a\\b"),
	REJECT("parse: refuses < >", "gemini://h/<x>"),
	REJECT("parse: refuses bad %XX", "gemini://h/%zz"),
	REJECT("parse: refuses half-hex %4g", "gemini://h/%4g"),
	REJECT("parse: refuses truncated %2", "gemini://h/%2"),
	REJECT("parse: refuses lone % at end", "gemini://h/%"),
	REJECT("parse: refuses bad escape in query", "gemini://h/?%g0"),
	REJECT("parse: refuses bad escape in host", "gemini://h%zz/"),
	REJECT("parse: refuses port 65536", "gemini://h:65536/"),
	REJECT("parse: refuses port 99999", "gemini://h:99999/"),
	REJECT("parse: refuses port abc", "gemini://h:abc/"),
	REJECT("parse: refuses port 19a5", "gemini://h:19a5/"),
	REJECT("parse: refuses six-digit port", "gemini://h:019650/"),
	REJECT("parse: refuses negative port", "gemini://h:-1/"),
	REJECT("parse: refuses second colon", "gemini://h:1:2/"),
	REJECT("parse: refuses unterminated [", "gemini://[::1/"),
	REJECT("parse: refuses unterminated [ at end", "gemini://[::1"),
	REJECT("parse: refuses bad IPv6 literal", "gemini://[zz]/"),
	REJECT("parse: refuses empty []", "gemini://[]/"),
	REJECT("parse: refuses IPv4 in brackets", "gemini://[127.0.0.1]/"),
	REJECT("parse: refuses junk after ]", "gemini://[::1]x/"),
	REJECT("parse: refuses bad port after ]", "gemini://[::1]:x/"),
	REJECT("parse: refuses [ in host name", "gemini://a[b/"),
};

struct decode_test {
	const char	*name;
	const char	*in;
	int		 rc;
	const char	*want;
};

static const struct decode_test decode_tests[] = {
	{ "decode: plain path", "/a/b", 0, "/a/b" },
	{ "decode: empty", "", 0, "" },
	{ "decode: %20", "/a%20b", 0, "/a b" },
	{ "decode: %41 upper hex", "/%41", 0, "/A" },
	{ "decode: 2-byte UTF-8 escapes, lower hex", "/%c3%a9", 0,
	    "/\xc3\xa9" },
	{ "decode: 3-byte UTF-8 escapes", "/%E2%82%AC", 0, "/\xe2\x82\xac" },
	{ "decode: 4-byte UTF-8 escapes", "/%F0%9F%98%80", 0,
	    "/\xf0\x9f\x98\x80" },
	{ "decode: raw UTF-8 kept", "/\xe2\x82\xac", 0, "/\xe2\x82\xac" },
	{ "decode: escaped dots are only dots", "/%2e%2E", 0, "/.." },
	{ "decode: %25 gives one %", "/100%25", 0, "/100%" },
	{ "decode: refuses %00", "/a%00b", -1, NULL },
	{ "decode: refuses %2F", "/a%2Fb", -1, NULL },
	{ "decode: refuses %2f", "/a%2fb", -1, NULL },
	{ "decode: refuses ..%2f", "/..%2f", -1, NULL },
	{ "decode: refuses %zz", "/%zz", -1, NULL },
	{ "decode: refuses %g1", "/%g1", -1, NULL },
	{ "decode: refuses truncated %2", "/%2", -1, NULL },
	{ "decode: refuses lone %", "/%", -1, NULL },
	{ "decode: refuses %FF (invalid UTF-8)", "/%FF", -1, NULL },
	{ "decode: refuses truncated %C3", "/%C3", -1, NULL },
	{ "decode: refuses overlong %C0%80", "/%C0%80", -1, NULL },
	{ "decode: refuses surrogate %ED%A0%80", "/%ED%A0%80", -1, NULL },
	{ "decode: refuses raw \\xff", "/\xff", -1, NULL },
};

struct norm_test {
	const char	*name;
	const char	*in;
	int		 rc;
	const char	*want;
};

static const struct norm_test norm_tests[] = {
	{ "normalize: \"\" is /", "", 0, "/" },
	{ "normalize: / stays", "/", 0, "/" },
	{ "normalize: plain path stays", "/a/b", 0, "/a/b" },
	{ "normalize: trailing slash stays", "/a/b/", 0, "/a/b/" },
	{ "normalize: /a/./b", "/a/./b", 0, "/a/b" },
	{ "normalize: /a/../b", "/a/../b", 0, "/b" },
	{ "normalize: /a/..", "/a/..", 0, "/" },
	{ "normalize: /a/b/..", "/a/b/..", 0, "/a/" },
	{ "normalize: /a/b/../", "/a/b/../", 0, "/a/" },
	{ "normalize: trailing /. keeps slash", "/a/.", 0, "/a/" },
	{ "normalize: /.", "/.", 0, "/" },
	{ "normalize: /./a", "/./a", 0, "/a" },
	{ "normalize: /a/b/../../c", "/a/b/../../c", 0, "/c" },
	{ "normalize: dotfile names are not segments", "/a/.b/..c", 0,
	    "/a/.b/..c" },
	{ "normalize: ... is a name", "/a/.../b", 0, "/a/.../b" },
	{ "normalize: refuses /..", "/..", -1, NULL },
	{ "normalize: refuses /../", "/../", -1, NULL },
	{ "normalize: refuses /../a", "/../a", -1, NULL },
	{ "normalize: refuses /a/../..", "/a/../..", -1, NULL },
	{ "normalize: refuses /a/../../b", "/a/../../b", -1, NULL },
	{ "normalize: refuses /./..", "/./..", -1, NULL },
	{ "normalize: refuses relative a/b", "a/b", -1, NULL },
	{ "normalize: refuses relative .", ".", -1, NULL },
};

struct resolve_test {
	const char	*name;
	const char	*dir;
	const char	*ref;
	size_t		 reflen;
	int		 rc;
	const char	*want;
};

static const struct resolve_test resolve_tests[] = {
	{ "resolve: c.gmi", "/a/b/", S("c.gmi"), 0, "/a/b/c.gmi" },
	{ "resolve: ../x", "/a/b/", S("../x"), 0, "/a/x" },
	{ "resolve: /abs", "/a/b/", S("/abs"), 0, "/abs" },
	{ "resolve: ./", "/a/b/", S("./"), 0, "/a/b/" },
	{ "resolve: .", "/a/b/", S("."), 0, "/a/b/" },
	{ "resolve: ..", "/a/b/", S(".."), 0, "/a/" },
	{ "resolve: ../", "/a/b/", S("../"), 0, "/a/" },
	{ "resolve: empty reference is the directory", "/a/b/", S(""), 0,
	    "/a/b/" },
	{ "resolve: sub/ keeps slash", "/a/b/", S("sub/"), 0, "/a/b/sub/" },
	{ "resolve: ../../../up clamps to /up", "/a/b/", S("../../../up"), 0,
	    "/up" },
	{ "resolve: /../x clamps to /x", "/a/b/", S("/../x"), 0, "/x" },
	{ "resolve: c/./d/../e", "/a/b/", S("c/./d/../e"), 0, "/a/b/c/e" },
	{ "resolve: x?q#f drops query and fragment", "/a/b/", S("x?q#f"), 0,
	    "/a/b/x" },
	{ "resolve: x#f drops fragment", "/a/b/", S("x#f"), 0, "/a/b/x" },
	{ "resolve: ?q alone is the directory", "/a/b/", S("?q"), 0,
	    "/a/b/" },
	{ "resolve: %20 decoded", "/a/b/", S("%20"), 0, "/a/b/ " },
	{ "resolve: UTF-8 escapes decoded", "/a/b/", S("%C3%A9.gmi"), 0,
	    "/a/b/\xc3\xa9.gmi" },
	{ "resolve: x in root", "/", S("x"), 0, "/x" },
	{ "resolve: .. in root stays /", "/", S(".."), 0, "/" },
	{ "resolve: control byte -> -1", "/a/b/", S("x\x01y"), -1, NULL },
	{ "resolve: TAB -> -1", "/a/b/", S("x\ty"), -1, NULL },
	{ "resolve: DEL -> -1", "/a/b/", S("x\x7f"), -1, NULL },
	{ "resolve: %0A -> -1", "/a/b/", S("x%0Ay"), -1, NULL },
	{ "resolve: escaped C1 %C2%9B -> -1", "/a/b/", S("x%C2%9By"), -1,
	    NULL },
	{ "resolve: raw C1 CSI -> -1", "/a/b/", S("x\xc2\x9by"), -1, NULL },
	{ "resolve: %C2%A0 (not C1) kept", "/a/b/", S("x%C2%A0y"), 0,
	    "/a/b/x\xc2\xa0y" },
	{ "resolve: %00 -> -1", "/a/b/", S("x%00"), -1, NULL },
	{ "resolve: NUL byte -> -1", "/a/b/", S("x\0y"), -1, NULL },
	{ "resolve: bad escape %zz -> -1", "/a/b/", S("%zz"), -1, NULL },
	{ "resolve: truncated escape -> -1", "/a/b/", S("x%2"), -1, NULL },
};

struct encode_test {
	const char	*name;
	const char	*in;
	const char	*want;
};

static const struct encode_test encode_tests[] = {
	{ "encode: plain path stays", "/a/b.gmi", "/a/b.gmi" },
	{ "encode: '/' kept", "/a/b/c/", "/a/b/c/" },
	{ "encode: space -> %20", "/a b", "/a%20b" },
	{ "encode: UTF-8 bytes -> upper-case %XX", "/\xc3\xa9",
	    "/%C3%A9" },
	{ "encode: 3-byte UTF-8", "\xe2\x82\xac", "%E2%82%AC" },
	{ "encode: unreserved kept", "AZaz09-._~", "AZaz09-._~" },
	{ "encode: % -> %25", "100%", "100%25" },
	{ "encode: ? -> %3F", "a?b", "a%3Fb" },
	{ "encode: # -> %23", "a#b", "a%23b" },
	{ "encode: control byte -> %01", "\x01", "%01" },
	{ "encode: DEL -> %7F", "\x7f", "%7F" },
	{ "encode: TAB -> %09", "\t", "%09" },
	{ "encode: \" < > -> escaped", "\"<>", "%22%3C%3E" },
	{ "encode: empty", "", "" },
};

struct query_test {
	const char	*name;
	const char	*in;
	int		 rc;
	const char	*want;
};

static const struct query_test query_tests[] = {
	{ "query: %20", "hello%20world", 0, "hello world" },
	{ "query: + stays +", "a+b", 0, "a+b" },
	{ "query: UTF-8 escapes", "%C3%A9t%C3%A9", 0, "\xc3\xa9t\xc3\xa9" },
	{ "query: %2F allowed", "a%2Fb", 0, "a/b" },
	{ "query: lower-case hex", "%3d%3D", 0, "==" },
	{ "query: empty", "", 0, "" },
	{ "query: refuses %00", "a%00", -1, NULL },
	{ "query: refuses %zz", "%zz", -1, NULL },
	{ "query: refuses truncated %2", "%2", -1, NULL },
	{ "query: refuses lone %", "a%", -1, NULL },
};

/* Does (got, gotlen) equal want, where NULL means "absent"? */
static int
part_eq(const char *got, size_t gotlen, const char *want)
{
	if (want == NULL)
		return got == NULL;
	return got != NULL && gotlen == strlen(want) &&
	    memcmp(got, want, gotlen) == 0;
}

static void
show_part(const char *label, const char *got, size_t gotlen,
    const char *want)
{
	if (part_eq(got, gotlen, want))
		return;
	printf("#   %s differs\n", label);
	if (want != NULL)
		unit_show("want", want, strlen(want));
	else
		printf("#   want: absent\n");
	if (got != NULL)
		unit_show("got ", got, gotlen);
	else
		printf("#   got : absent\n");
}

static void
test_parse(void)
{
	const struct parse_test	*t;
	struct uri		 u;
	const char		*err;
	size_t			 i;
	int			 rc, ok;

	for (i = 0; i < sizeof(parse_tests) / sizeof(parse_tests[0]); i++) {
		t = &parse_tests[i];
		err = NULL;
		rc = uri_parse(t->in, strlen(t->in), &u, &err);
		ok = rc == t->rc;
		if (ok && rc == -1)
			ok = err != NULL;
		if (ok && rc == 0)
			ok = part_eq(u.scheme, u.schemelen, t->scheme) &&
			    part_eq(u.host, u.hostlen, t->host) &&
			    u.port == t->port &&
			    u.ipliteral == t->ipliteral &&
			    part_eq(u.path, u.pathlen, t->path) &&
			    part_eq(u.query, u.querylen, t->query);
		UNIT_CHECK(ok, "%s", t->name);
		if (ok)
			continue;
		printf("#   rc: want %d got %d (%s)\n", t->rc, rc,
		    err != NULL ? err : "no errstr");
		if (rc != 0 || t->rc != 0)
			continue;
		show_part("scheme", u.scheme, u.schemelen, t->scheme);
		show_part("host", u.host, u.hostlen, t->host);
		show_part("path", u.path, u.pathlen, t->path);
		show_part("query", u.query, u.querylen, t->query);
		printf("#   port: want %d got %d; ipliteral: want %d got %d\n",
		    t->port, u.port, t->ipliteral, u.ipliteral);
	}
}

static void
test_decode(void)
{
	const struct decode_test	*t;
	char				 out[256];
	const char			*err;
	size_t				 i, outlen;
	int				 rc;

	for (i = 0; i < sizeof(decode_tests) / sizeof(decode_tests[0]); i++) {
		t = &decode_tests[i];
		outlen = 12345;
		err = NULL;
		rc = uri_path_decode(t->in, strlen(t->in), out, sizeof(out),
		    &outlen, &err);
		if (t->rc == 0 && rc == 0)
			UNIT_STR_EQ(t->name, out, outlen, t->want);
		else {
			UNIT_CHECK(rc == t->rc && (rc == 0 || err != NULL),
			    "%s", t->name);
			if (rc != t->rc)
				printf("#   rc: want %d got %d (%s)\n", t->rc,
				    rc, err != NULL ? err : "no errstr");
		}
	}

	/* A raw NUL would cut the C string the path becomes. */
	err = NULL;
	rc = uri_path_decode("/a\0b", 4, out, sizeof(out), &outlen, &err);
	UNIT_CHECK(rc == -1 && err != NULL, "decode: refuses a raw NUL");

	/* The output buffer bounds the result, NUL included. */
	rc = uri_path_decode("/abcd", 5, out, 5, &outlen, &err);
	UNIT_CHECK(rc == -1, "decode: refuses a result that does not fit");
	rc = uri_path_decode("/abcd", 5, out, 6, &outlen, &err);
	UNIT_CHECK(rc == 0 && outlen == 5 && out[5] == '\0',
	    "decode: a result that just fits is NUL-terminated");
	rc = uri_path_decode("/a%20", 5, out, 4, &outlen, &err);
	UNIT_CHECK(rc == 0 && outlen == 3 && strcmp(out, "/a ") == 0,
	    "decode: size counts decoded bytes, not encoded ones");
}

static void
test_normalize(void)
{
	const struct norm_test	*t;
	char			 p[256];
	const char		*err;
	size_t			 i, len;
	int			 rc;

	for (i = 0; i < sizeof(norm_tests) / sizeof(norm_tests[0]); i++) {
		t = &norm_tests[i];
		strlcpy(p, t->in, sizeof(p));
		len = strlen(p);
		err = NULL;
		rc = uri_path_normalize(p, &len, &err);
		if (t->rc == 0 && rc == 0) {
			if (p[len] != '\0')
				UNIT_CHECK(0, "%s (not NUL-terminated)",
				    t->name);
			else
				UNIT_STR_EQ(t->name, p, len, t->want);
		} else {
			UNIT_CHECK(rc == t->rc && (rc == 0 || err != NULL),
			    "%s", t->name);
			if (rc != t->rc)
				printf("#   rc: want %d got %d\n", t->rc, rc);
		}
	}
}

static void
test_resolve(void)
{
	const struct resolve_test	*t;
	struct buf			 out;
	size_t				 i;
	int				 rc;

	buf_init(&out);
	for (i = 0; i < sizeof(resolve_tests) / sizeof(resolve_tests[0]);
	    i++) {
		t = &resolve_tests[i];
		buf_reset(&out);
		rc = uri_resolve(t->dir, t->ref, t->reflen, &out);
		if (t->rc == 0 && rc == 0)
			UNIT_STR_EQ(t->name, out.data != NULL ? out.data : "",
			    out.len, t->want);
		else {
			UNIT_CHECK(rc == t->rc, "%s", t->name);
			if (rc != t->rc) {
				printf("#   rc: want %d got %d\n", t->rc, rc);
				if (rc == 0)
					unit_show("got ", out.data, out.len);
			}
		}
	}
	buf_free(&out);
}

static void
test_encode(void)
{
	const struct encode_test	*t;
	struct buf			 out;
	struct uri			 u;
	char				 back[64];
	const char			*err, *orig = "/a b/\xc3\xa9?#%'x";
	size_t				 i, backlen;

	buf_init(&out);
	for (i = 0; i < sizeof(encode_tests) / sizeof(encode_tests[0]); i++) {
		t = &encode_tests[i];
		buf_reset(&out);
		uri_path_encode(&out, t->in, strlen(t->in));
		UNIT_STR_EQ(t->name, out.data != NULL ? out.data : "",
		    out.len, t->want);
	}

	/* Encoding then decoding gives back the path. */
	buf_reset(&out);
	uri_path_encode(&out, orig, strlen(orig));
	UNIT_CHECK(uri_path_decode(out.data, out.len, back, sizeof(back),
	    &backlen, &err) == 0 && backlen == strlen(orig) &&
	    memcmp(back, orig, backlen) == 0,
	    "encode: decode(encode(p)) == p");

	/* An encoded path is a valid URI path: uri_parse accepts it. */
	buf_reset(&out);
	buf_adds(&out, "gemini://h");
	uri_path_encode(&out, orig, strlen(orig));
	UNIT_CHECK(uri_parse(out.data, out.len, &u, &err) == 0 &&
	    u.query == NULL, "encode: result parses as one path");
	buf_free(&out);
}

static void
test_query(void)
{
	const struct query_test	*t;
	char			 out[64];
	size_t			 i, outlen;
	int			 rc;

	for (i = 0; i < sizeof(query_tests) / sizeof(query_tests[0]); i++) {
		t = &query_tests[i];
		rc = uri_query_decode(t->in, strlen(t->in), out, sizeof(out),
		    &outlen);
		if (t->rc == 0 && rc == 0)
			UNIT_STR_EQ(t->name, out, outlen, t->want);
		else {
			UNIT_CHECK(rc == t->rc, "%s", t->name);
			if (rc != t->rc)
				printf("#   rc: want %d got %d\n", t->rc, rc);
		}
	}
	rc = uri_query_decode("abcd", 4, out, 4, &outlen);
	UNIT_CHECK(rc == -1, "query: refuses a result that does not fit");
	rc = uri_query_decode("abc", 3, out, 4, &outlen);
	UNIT_CHECK(rc == 0 && outlen == 3 && out[3] == '\0',
	    "query: a result that just fits is NUL-terminated");
}

int
main(void)
{
	UNIT_PLAN(174);
	test_parse();
	test_decode();
	test_normalize();
	test_resolve();
	test_encode();
	test_query();
	UNIT_DONE();
}
