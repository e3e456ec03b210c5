/*
 * buf.h: a growable byte buffer, used while building replies and
 * snapshots.  Bytes that are only served never pass through one.
 */

#ifndef CAPSULED_BUF_H
#define CAPSULED_BUF_H

#include <stddef.h>

struct buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
	size_t	 max;		/* bytes it may hold; 0: no limit */
	int	 failed;	/* sticky: an allocation failed, or max */
	int	 over;		/* failed because it would pass max */
};

void	 buf_init(struct buf *);
void	 buf_free(struct buf *);
void	 buf_reset(struct buf *);
void	 buf_add(struct buf *, const void *, size_t);
void	 buf_adds(struct buf *, const char *);
void	 buf_addc(struct buf *, int);
void	 buf_addf(struct buf *, const char *, ...)
	    __attribute__((__format__(printf, 2, 3)));
char	*buf_release(struct buf *, size_t *);

#endif /* CAPSULED_BUF_H */
