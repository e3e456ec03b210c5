/*
 * parse.h: the configuration file (capsuled.conf(5)) into a struct
 * config.
 */

#ifndef CAPSULED_PARSE_H
#define CAPSULED_PARSE_H

#include <stddef.h>

struct config;

int	 parse_file(struct config *, const char *, const char **);
int	 parse_buffer(struct config *, const char *, const char *, size_t,
	    const char **);

#endif /* CAPSULED_PARSE_H */
