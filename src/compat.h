/*
 * compat.h: declarations of the BSD functions some platforms lack.  The
 * Makefile probes the C library and defines HAVE_* for what it has; the
 * shims in compat/ are compiled only for what it lacks.
 */

#ifndef CAPSULED_COMPAT_H
#define CAPSULED_COMPAT_H

#include <stddef.h>

#ifndef HAVE_STRLCPY
size_t		 strlcpy(char *, const char *, size_t);
size_t		 strlcat(char *, const char *, size_t);
#endif

#ifndef HAVE_STRTONUM
long long	 strtonum(const char *, long long, long long, const char **);
#endif

#ifndef __dead
#define __dead	__attribute__((__noreturn__))
#endif

#endif /* CAPSULED_COMPAT_H */
