/*
 * deadline.h: a connection's deadlines, counted from now or from its
 * accept.
 */

#ifndef CAPSULED_DEADLINE_H
#define CAPSULED_DEADLINE_H

#include <sys/time.h>

#include <time.h>

struct event;

void	 deadline_elapsed(const struct timespec *, struct timeval *);
void	 deadline_arm(struct event *, const struct timespec *, int, int);

#endif /* CAPSULED_DEADLINE_H */
