/*
 * test_location.c: location.c, the pure part of location blocks.  The
 * first location whose glob matches wins, "*" matches "/" too (as in
 * gmid); bad globs are refused with a reason; a block reply's meta
 * expands %p (encoded), %q, %N, %P and %%, refuses any other escape and
 * anything longer than a reply's meta; strip leaves the right tail or
 * says nothing is left; certificate hashes are libtls's form.
 */

#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "location.h"
#include "unit.h"

static struct location	locs[4];

static void
setglob(int i, const char *g)
{
	memset(&locs[i], 0, sizeof(locs[i]));
	strlcpy(locs[i].glob, g, sizeof(locs[i].glob));
}

static const struct {
	const char	*path;
	int		 want;
} match_tests[] = {
	{ "/members/a.gmi", 0 },
	{ "/members/deep/b.gmi", 0 },	/* "*" crosses "/" */
	{ "/members/", 0 },
	{ "/members", 3 },		/* no slash: only "*" covers it */
	{ "/old.gmi", 1 },
	{ "/a/old.gmi", 1 },		/* "*old.gmi": any directory */
	{ "/x.txt", 2 },
	{ "/dir/y.txt", 2 },
	{ "/x.gmi", 3 },
	{ "/", 3 },
};

static const struct {
	const char	*glob;
	int		 ok;
	const char	*why;
} glob_tests[] = {
	{ "/a/*", 1, NULL },
	{ "*", 1, NULL },
	{ "*.gmi", 1, NULL },
	{ "/[abc]/*", 1, NULL },
	{ "/[!a]x", 1, NULL },
	{ "/[]]x", 1, NULL },
	{ "/a\\*", 1, NULL },
	{ "a/*", 0, "a location must start with / or a wildcard" },
	{ "/[abc", 0, "a [ with no ] in a location" },
	{ "/x\\", 0, "a location ends with \\" },
	{ "/x\ty", 0, "a control character in a location" },
};

static void
test_match(void)
{
	size_t	i;
	int	got;

	setglob(0, "/members/*");
	setglob(1, "*old.gmi");
	setglob(2, "*.txt");
	setglob(3, "*");
	for (i = 0; i < sizeof(match_tests) / sizeof(match_tests[0]); i++) {
		got = location_match(locs, 4, match_tests[i].path);
		UNIT_CHECK(got == match_tests[i].want, "match: %s falls under "
		    "location %d (got %d)", match_tests[i].path,
		    match_tests[i].want, got);
	}
	UNIT_CHECK(location_match(locs, 0, "/a") == -1,
	    "match: no location, no match");
	setglob(0, "*");
	setglob(1, "/members/*");
	UNIT_CHECK(location_match(locs, 2, "/members/a") == 0,
	    "match: the first in the file wins, even if a later one is "
	    "narrower");
}

static void
test_glob(void)
{
	const char	*err;
	size_t		 i;
	int		 ok;

	for (i = 0; i < sizeof(glob_tests) / sizeof(glob_tests[0]); i++) {
		err = NULL;
		ok = location_glob_ok(glob_tests[i].glob, &err);
		UNIT_CHECK(ok == glob_tests[i].ok && (ok || (err != NULL &&
		    strcmp(err, glob_tests[i].why) == 0)), "glob: \"%s\" is "
		    "%s", glob_tests[i].glob, glob_tests[i].ok ? "good" :
		    glob_tests[i].why);
	}
}

static void
expand(const char *name, const char *meta, const struct location_vars *v,
    int rc, const char *want)
{
	struct buf	b;
	int		got;

	buf_init(&b);
	got = location_expand(meta, v, &b);
	if (rc == 0)
		unit_bytes_eq(name, b.data ? b.data : "", b.len, want,
		    strlen(want));
	else
		UNIT_CHECK(got == -1, "%s", name);
	buf_free(&b);
}

static void
test_expand(void)
{
	struct location_vars	 v;
	char			 big[LOCATION_META_MAX + 2];

	memset(&v, 0, sizeof(v));
	v.path = "/a b/c.gmi";
	v.pathlen = strlen(v.path);
	v.query = "x%20y";
	v.querylen = 5;
	v.name = "example.org";
	v.port = 1965;
	expand("expand: %p is the path, percent-encoded", "/new%p", &v, 0,
	    "/new/a%20b/c.gmi");
	expand("expand: %q is the query as sent", "/s?%q", &v, 0,
	    "/s?x%20y");
	expand("expand: %N and %P", "gemini://%N:%P/", &v, 0,
	    "gemini://example.org:1965/");
	expand("expand: %% is a %", "100%% gone", &v, 0, "100% gone");
	expand("expand: plain text stays", "Gone for good", &v, 0,
	    "Gone for good");
	v.query = NULL;
	expand("expand: no query, %q is empty", "a%qb", &v, 0, "ab");
	expand("expand: %x is refused", "a%xb", &v, -1, NULL);
	expand("expand: a lone % at the end is refused", "50%", &v, -1,
	    NULL);
	memset(big, 'm', sizeof(big));
	big[LOCATION_META_MAX] = '\0';
	expand("expand: LOCATION_META_MAX bytes are a meta", big, &v, 0, big);
	big[LOCATION_META_MAX] = 'm';
	big[LOCATION_META_MAX + 1] = '\0';
	expand("expand: one byte more is refused", big, &v, -1, NULL);
}

static void
test_strip(void)
{
	size_t	off = 99;

	UNIT_CHECK(location_strip("/a/b/c", 6, 1, &off) == 0 && off == 2,
	    "strip: 1 of /a/b/c leaves /b/c");
	UNIT_CHECK(location_strip("/a/b/c", 6, 2, &off) == 0 && off == 4,
	    "strip: 2 leaves /c");
	UNIT_CHECK(location_strip("/a/b/c", 6, 3, &off) == -1,
	    "strip: 3 of three components leaves nothing");
	UNIT_CHECK(location_strip("/a/", 3, 1, &off) == 0 && off == 2,
	    "strip: 1 of /a/ leaves /");
	UNIT_CHECK(location_strip("/a", 2, 1, &off) == -1,
	    "strip: 1 of /a leaves nothing");
	UNIT_CHECK(location_strip("/a/b", 4, 0, &off) == 0 && off == 0,
	    "strip: 0 leaves the path");
}

static void
test_hash(void)
{
	UNIT_CHECK(location_hash_ok("SHA256:"
	    "232547431be5e373ddfae30f6f545fc658a7f940d0fe31319c9017ae1be3fb14"),
	    "hash: libtls's form");
	UNIT_CHECK(location_hash_ok("SHA256:"
	    "232547431BE5E373DDFAE30F6F545FC658A7F940D0FE31319C9017AE1BE3FB14"),
	    "hash: upper case hex too");
	UNIT_CHECK(!location_hash_ok("SHA256:"
	    "232547431be5e373ddfae30f6f545fc658a7f940d0fe31319c9017ae1be3fb1"),
	    "hash: 63 digits are refused");
	UNIT_CHECK(!location_hash_ok("SHA1:"
	    "232547431be5e373ddfae30f6f545fc658a7f940d0fe31319c9017ae1be3fb14"),
	    "hash: another algorithm is refused");
	UNIT_CHECK(!location_hash_ok("SHA256:"
	    "232547431be5e373ddfae30f6f545fc658a7f940d0fe31319c9017ae1be3fbzz"),
	    "hash: a non-hex digit is refused");
}

int
main(void)
{
	UNIT_PLAN(10 + 2 + 11 + 10 + 6 + 5);
	test_match();
	test_glob();
	test_expand();
	test_strip();
	test_hash();
	UNIT_DONE();
}
