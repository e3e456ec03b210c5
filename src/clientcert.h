/*
 * clientcert.h: the certificate authorities a location's client
 * certificates must chain to (require client ca).
 */

#ifndef CAPSULED_CLIENTCERT_H
#define CAPSULED_CLIENTCERT_H

#include <stddef.h>
#include <stdint.h>

void	*clientcert_load(const char *, const char **);
void	 clientcert_free(void *);
int	 clientcert_verify(void *, const uint8_t *, size_t);

#endif /* CAPSULED_CLIENTCERT_H */
