/*
 * parselimit.h: the per-address limits' directives, for parse.c.
 */

#ifndef CAPSULED_PARSELIMIT_H
#define CAPSULED_PARSELIMIT_H

struct parse;

int	parselimit_per_address(struct parse *);
int	parselimit_rate_limit(struct parse *);
int	parselimit_address_table(struct parse *);
int	parselimit_ipv6_prefix(struct parse *);

#endif /* CAPSULED_PARSELIMIT_H */
