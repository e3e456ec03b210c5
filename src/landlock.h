/*
 * landlock.h: file system and network confinement with Landlock (Linux
 * 5.13 and later): what a process may still reach once it serves.
 */

#ifndef CAPSULED_LANDLOCK_H
#define CAPSULED_LANDLOCK_H

#include <stddef.h>

int	 landlock_abi(void);
int	 landlock_restrict(const int *, size_t, int, const char **);

#endif /* CAPSULED_LANDLOCK_H */
