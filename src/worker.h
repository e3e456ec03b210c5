/*
 * worker.h: a worker process's main loop.
 */

#ifndef CAPSULED_WORKER_H
#define CAPSULED_WORKER_H

struct config;

__attribute__((__noreturn__))
void	 worker_main(struct config *, int, const int *);

#endif /* CAPSULED_WORKER_H */
