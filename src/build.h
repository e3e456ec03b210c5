/*
 * build.h: building a snapshot from a capsule directory, in the parent.
 */

#ifndef CAPSULED_BUILD_H
#define CAPSULED_BUILD_H

#include <stddef.h>

#include "location.h"
#include "perm.h"

struct snapshot;

struct snapshot_params {
	const char	*root;		/* capsule directory */
	const char	*host;		/* host name in menus and links */
	const char *const *aliases;	/* other names of ours, NULL-ended */
	int		 gopher_port;	/* port named in Gopher menus */
	const char	*lang;		/* NULL or BCP47 tag(s) */
	size_t		 inline_max;	/* bigger files are streamed */
	size_t		 max;		/* bytes the snapshot may hold */
	int		 search;	/* index the pages, answer SEARCH_PATH */
	const char	*search_prompt;	/* Gemini input prompt */
	const struct location *locs;	/* the server's, in order */
	int		 nlocs;
	const char	*index_file;	/* a directory's page */
	int		 auto_index_off; /* no listing for those without */
	const char	*default_type;	/* "": by content */
	struct perm_user user;		/* publish what it may read */
	const char	*username;	/* for messages */
	int		 checking;	/* capsuled -n: stricter */
	int		 feeds;		/* dated pages make gemlogs */
	size_t		 feed_entries;	/* entries of an atom.xml */
	const char	*feed_title;	/* NULL: a gemlog's directory name */
	int		 gemini_port;	/* in feeds' URLs; 0: no Gemini */
	int		 gopher_wrap;	/* columns of generated menus */
};

int	 build_snapshot(const struct snapshot_params *, struct snapshot **,
	    const char **);


#endif /* CAPSULED_BUILD_H */
