/*
 * utf8.h: UTF-8 validity, decoding and display width (pure).
 */

#ifndef CAPSULED_UTF8_H
#define CAPSULED_UTF8_H

#include <stddef.h>
#include <stdint.h>

int	 utf8_valid(const char *, size_t);
size_t	 utf8_charlen(const char *, size_t);
size_t	 utf8_control(const char *, size_t);
size_t	 utf8_next(const char *, size_t, uint32_t *);
size_t	 utf8_columns(const char *, size_t);
size_t	 utf8_cut(const char *, size_t, size_t);

#endif /* CAPSULED_UTF8_H */
