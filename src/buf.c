/*
 * buf.c: a growable byte buffer for building snapshots and replies.
 * An allocation failure is sticky (buf.failed) so that a long chain of
 * appends needs one check at the end.  A buffer may be bounded (max):
 * an append past it fails the same way, with buf.over set, and the
 * buffer never allocates more than max, so that rendering a hostile
 * page costs at most its budget.  Never used on the request path for
 * prepared content; the worker only builds small dynamic replies.
 */

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

void
buf_init(struct buf *b)
{
	memset(b, 0, sizeof(*b));
}

void
buf_free(struct buf *b)
{
	free(b->data);
	buf_init(b);
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
}

static int
buf_reserve(struct buf *b, size_t more)
{
	size_t	 cap;
	char	*p;

	if (b->failed)
		return -1;
	if (more <= b->cap - b->len)
		return 0;
	if (more > SIZE_MAX / 2 - b->len) {
		b->failed = 1;
		return -1;
	}
	/* A bounded buffer never holds, nor allocates, more than max. */
	if (b->max != 0 && more > b->max - b->len) {
		b->failed = b->over = 1;
		return -1;
	}
	cap = b->cap ? b->cap : 256;
	while (cap - b->len < more)
		cap *= 2;
	if (b->max != 0 && cap > b->max)
		cap = b->max;
	if ((p = realloc(b->data, cap)) == NULL) {
		b->failed = 1;
		return -1;
	}
	b->data = p;
	b->cap = cap;
	return 0;
}

void
buf_add(struct buf *b, const void *p, size_t len)
{
	if (len == 0 || buf_reserve(b, len) == -1)
		return;
	memcpy(b->data + b->len, p, len);
	b->len += len;
}

void
buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void
buf_addc(struct buf *b, int c)
{
	char	ch = (char)c;

	buf_add(b, &ch, 1);
}

void
buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->failed = 1;
		return;
	}
	/* One more byte for vsnprintf's NUL, which is not counted. */
	if (buf_reserve(b, (size_t)n + 1) == -1)
		return;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/*
 * Hand the bytes to the caller, NUL-terminated, and leave the buffer
 * empty.  Returns NULL if any append failed.
 */
char *
buf_release(struct buf *b, size_t *lenp)
{
	char	*p;

	buf_addc(b, '\0');
	if (b->failed) {
		buf_free(b);
		return NULL;
	}
	p = b->data;
	if (lenp != NULL)
		*lenp = b->len - 1;
	buf_init(b);
	return p;
}
