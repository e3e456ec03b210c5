/*
 * beneath.h: open a file below a directory descriptor, never through a
 * symlink or "..".
 */

#ifndef CAPSULED_BENEATH_H
#define CAPSULED_BENEATH_H

int	 beneath_open(int, const char *, int);

#endif /* CAPSULED_BENEATH_H */
