/*
 * searchindex.h: the layout of a search index, shared by indexer.c, which
 * builds it, and search.c, which queries it.  Nothing else may include
 * it.  An index is one block: this header, the pages, the sorted word
 * table, the words (NUL-terminated) and the posting lists.  A word's
 * posting list holds, for every page that has it in page order, three
 * varints: the page number's distance from the previous one, the weight
 * of the word in the page, and the byte offset of the hit to show.
 */

#ifndef CAPSULED_SEARCHINDEX_H
#define CAPSULED_SEARCHINDEX_H

#include <stddef.h>
#include <stdint.h>

struct search_page {
	const char	*path;
	const char	*text;
	const char	*title;
	uint32_t	 pathlen;
	uint32_t	 textlen;
	uint32_t	 titlelen;
};

struct search_term {
	uint32_t	 name;		/* offset in names, NUL-terminated */
	uint32_t	 post;		/* offset in post */
	uint32_t	 npost;		/* pages that have the word */
	uint16_t	 idf;		/* rarity, 16ths of a bit, + 16 */
	uint16_t	 len;
};

struct search_index {
	size_t				 bytes;		/* the whole block */
	uint32_t			 npages;
	uint32_t			 nterms;
	const struct search_page	*pages;
	const struct search_term	*terms;
	const char			*names;
	const unsigned char		*post;
};

#endif /* CAPSULED_SEARCHINDEX_H */
