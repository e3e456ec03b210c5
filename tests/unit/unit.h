/*
 * unit.h: the smallest test harness that can work.  Each check prints
 * "ok - name" or "not ok - name" (with what was wanted and what came)
 * and tests/run.sh counts them.  main() returns nonzero if any failed.
 */

#ifndef UNIT_H
#define UNIT_H

#include <stdio.h>
#include <string.h>

static int	unit_failed;

#define UNIT_CHECK(cond, ...) do {					\
	if (cond)							\
		printf("ok - ");					\
	else {								\
		printf("not ok - ");					\
		unit_failed++;						\
	}								\
	printf(__VA_ARGS__);						\
	printf("\n");							\
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

#define UNIT_DONE()	return unit_failed != 0

#endif /* UNIT_H */
