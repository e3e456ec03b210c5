/*
 * parseloc.h: capsuled.conf's location blocks, and the settings both a
 * server and a location may give (parse.c's tables name these).
 */

#ifndef CAPSULED_PARSELOC_H
#define CAPSULED_PARSELOC_H

struct parse;

int	 parseloc_location(struct parse *);
int	 parseloc_lang(struct parse *);
int	 parseloc_default(struct parse *);
int	 parseloc_index(struct parse *);
int	 parseloc_auto(struct parse *);
int	 parseloc_feeds(struct parse *);

#endif /* CAPSULED_PARSELOC_H */
