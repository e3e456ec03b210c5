/*
 * hash.h: the one string hash (snapshot paths, search words).
 */

#ifndef CAPSULED_HASH_H
#define CAPSULED_HASH_H

#include <stddef.h>
#include <stdint.h>

uint32_t hash_bytes(const char *, size_t);

#endif /* CAPSULED_HASH_H */
