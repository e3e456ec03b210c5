/*
 * spawner.h: the spawner, which opens for the workers what they may
 * not open themselves.
 */

#ifndef CAPSULED_SPAWNER_H
#define CAPSULED_SPAWNER_H

struct config;

__attribute__((__noreturn__))
void	 spawner_main(struct config *, int);

#endif /* CAPSULED_SPAWNER_H */
