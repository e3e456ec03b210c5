/*
 * test_buf.c: the growable buffer.  Appends grow it and keep every byte;
 * an allocation failure, or an append past a bounded buffer's max, is
 * sticky; a bounded buffer never holds nor allocates more than its max,
 * which is what keeps rendering a hostile page within its budget.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "unit.h"

static void
test_grow(void)
{
	struct buf	 b;
	size_t		 i, len;
	char		*p;
	int		 ok = 1;

	buf_init(&b);
	for (i = 0; i < 10000; i++)
		buf_addc(&b, 'a' + i % 26);
	for (i = 0; i < 10000 && ok; i++)
		ok = b.data[i] == (char)('a' + i % 26);
	UNIT_CHECK(!b.failed && b.len == 10000 && ok,
	    "grow: 10000 appends kept in order");
	buf_reset(&b);
	buf_addf(&b, "%s=%d", "x", 42);
	UNIT_STR_EQ("addf after reset", b.data, b.len, "x=42");
	p = buf_release(&b, &len);
	UNIT_CHECK(p != NULL && len == 4 && p[4] == '\0' && b.data == NULL,
	    "release: the bytes, NUL-terminated; the buffer empty");
	free(p);
}

static void
test_max(void)
{
	struct buf	b;
	char		chunk[100];

	memset(chunk, 'x', sizeof(chunk));
	buf_init(&b);
	b.max = 1000;
	buf_add(&b, chunk, 100);
	UNIT_CHECK(!b.failed && !b.over && b.len == 100 && b.cap <= 1000,
	    "max: under the limit, an append works");
	while (!b.failed)
		buf_add(&b, chunk, 100);
	UNIT_CHECK(b.failed && b.over && b.len == 1000 && b.cap <= 1000,
	    "max: exactly max bytes fit, the next append fails as over "
	    "(len %zu, cap %zu)", b.len, b.cap);
	buf_addc(&b, 'y');
	UNIT_CHECK(b.failed && b.len == 1000, "max: failure is sticky");
	UNIT_CHECK(buf_release(&b, NULL) == NULL && b.data == NULL,
	    "max: a failed buffer releases nothing");

	buf_init(&b);
	b.max = 300;
	buf_add(&b, chunk, 100);
	buf_add(&b, chunk, 100);
	buf_add(&b, chunk, 100);
	UNIT_CHECK(!b.failed && b.len == 300 && b.cap == 300,
	    "max: doubling stops at max (cap %zu)", b.cap);
	buf_free(&b);

	buf_init(&b);
	b.max = 50;
	buf_add(&b, chunk, 100);
	UNIT_CHECK(b.failed && b.over && b.len == 0 && b.data == NULL,
	    "max: one append larger than max allocates nothing");
	buf_free(&b);
	UNIT_CHECK(b.max == 0 && !b.over, "max: buf_free forgets the limit");
}

int
main(void)
{
	UNIT_PLAN(10);
	test_grow();
	test_max();
	UNIT_DONE();
}
