/*
 * certcheck.h: the warnings capsuled -n gives about certificates and
 * keys that load but are wrong for their server (certcheck.c).
 */

#ifndef CAPSULED_CERTCHECK_H
#define CAPSULED_CERTCHECK_H

#include <stdio.h>

struct config;

int	 certcheck_config(const struct config *, FILE *);

#endif /* CAPSULED_CERTCHECK_H */
