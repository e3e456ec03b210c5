/*
 * unit.h: the smallest test harness that can work.  main() starts with
 * UNIT_PLAN(n), n being the number of checks the program makes, which
 * prints the plan line "1..n"; each check prints "ok - name" or "not ok
 * - name" (with what was wanted and what came) and tests/run.sh counts
 * them, counting a planned check that never ran (a crash) as failed.
 * UNIT_DONE() returns nonzero if any check failed or the count is not
 * the plan.
 */

#ifndef UNIT_H
#define UNIT_H

#include <stdio.h>
#include <string.h>

static int	unit_failed;
static int	unit_ran;
static int	unit_planned = -1;

#define UNIT_PLAN(n) do {						\
	unit_planned = (n);						\
	printf("1..%d\n", unit_planned);				\
	fflush(stdout);							\
} while (0)

#define UNIT_CHECK(cond, ...) do {					\
	unit_ran++;							\
	if (cond)							\
		printf("ok - ");					\
	else {								\
		printf("not ok - ");					\
		unit_failed++;						\
	}								\
	printf(__VA_ARGS__);						\
	printf("\n");							\
	fflush(stdout);							\
} while (0)

/* Compare byte strings; on mismatch show both, escaped. */
static void __attribute__((__unused__))
unit_show(const char *label, const char *p, size_t len)
{
	size_t	i;

	printf("#   %s: \"", label);
	for (i = 0; i < len; i++) {
		unsigned char	c = p[i];

		if (c == '\\')
			printf("\\\\");
		else if (c == '\t')
			printf("\\t");
		else if (c == '\r')
			printf("\\r");
		else if (c == '\n')
			printf("\\n");
		else if (c < 0x20 || c == 0x7f)
			printf("\\x%02x", c);
		else
			putchar(c);
	}
	printf("\"\n");
}

static int __attribute__((__unused__))
unit_bytes_eq(const char *name, const char *got, size_t gotlen,
    const char *want, size_t wantlen)
{
	int	ok = gotlen == wantlen && memcmp(got, want, gotlen) == 0;

	UNIT_CHECK(ok, "%s", name);
	if (!ok) {
		unit_show("want", want, wantlen);
		unit_show("got ", got, gotlen);
	}
	return ok;
}

#define UNIT_STR_EQ(name, got, gotlen, want)				\
	unit_bytes_eq((name), (got), (gotlen), (want), strlen(want))

static int __attribute__((__unused__))
unit_done(void)
{
	if (unit_planned == -1)
		printf("# no plan: main() must start with UNIT_PLAN(n)\n");
	else if (unit_ran != unit_planned)
		printf("# planned %d checks, ran %d\n", unit_planned, unit_ran);
	return unit_failed != 0 || unit_ran != unit_planned;
}

#define UNIT_DONE()	return unit_done()

#endif /* UNIT_H */
