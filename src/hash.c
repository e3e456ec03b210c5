/*
 * hash.c: the one string hash the snapshot's path table and the search
 * index's term table share.  FNV-1a is enough: keys are short, and only
 * the capsule's own files and words become keys, so no client can pick
 * keys that collide; a lookup only ever probes a fixed table.
 */

#include <stddef.h>
#include <stdint.h>

#include "hash.h"


uint32_t
hash_bytes(const char *p, size_t len)
{
	uint32_t	h = 2166136261u;
	size_t		i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)p[i];
		h *= 16777619u;
	}
	return h;
}
