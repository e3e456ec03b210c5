/*
 * keyproc.h: the key process, which holds a generation's private keys
 * and signs handshakes for its workers.
 */

#ifndef CAPSULED_KEYPROC_H
#define CAPSULED_KEYPROC_H

struct config;

__attribute__((__noreturn__))
void	 keyproc_main(struct config *, int);

#endif /* CAPSULED_KEYPROC_H */
