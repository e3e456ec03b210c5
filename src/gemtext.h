/*
 * gemtext.h: gemtext to a Gopher menu (pure).
 */

#ifndef CAPSULED_GEMTEXT_H
#define CAPSULED_GEMTEXT_H

#include <stddef.h>

struct buf;

/*
 * The columns text is wrapped at in generated menus (gopher wrap N in
 * capsuled.conf(5)).  29 is what lynx, sacc and bombadillo leave of a
 * 40-column screen after their margins (7, 5 and 11 columns); 67, the
 * widest, is the most a display string may hold (GOPHER_COLUMNS).
 */
#define GOPHER_WRAP_MIN		20
#define GOPHER_WRAP_MAX		67
#define GOPHER_WRAP_DEFAULT	29

struct gemtext_ctx {
	const char	*host;		/* our host, for local links */
	int		 port;		/* our public Gopher port */
	const char	*dir;		/* directory of the page, "/.../" */
	const char	*const *aliases; /* other names that mean "us" */
	char		(*kind)(void *, const char *, size_t);
	void		*arg;		/* for kind: item type of a path */
	const char	*search;	/* path of the search (type 7) or NULL */
	int		 wrap;		/* columns; 0: GOPHER_WRAP_DEFAULT */
};

/* What crosses lines when gemtext arrives in pieces. */
struct gemtext_stream {
	int	 pre;		/* in a preformatted block */
	int	 started;	/* the first bytes (a BOM?) were seen */
};

int	 gemtext_to_gopher(const char *, size_t, const struct gemtext_ctx *,
	    struct buf *);
size_t	 gemtext_stream(struct gemtext_stream *, const char *, size_t, int,
	    const struct gemtext_ctx *, struct buf *);

#endif /* CAPSULED_GEMTEXT_H */
