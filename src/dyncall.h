/*
 * dyncall.h: in a worker, a script's output or a FastCGI responder's
 * socket, from the CGI runner (runner.c), as one descriptor.
 */

#ifndef CAPSULED_DYNCALL_H
#define CAPSULED_DYNCALL_H

#include <stddef.h>
#include <stdint.h>

#define DYNCALL_TIMEOUT_MS	2000	/* for the runner's answer */

/* MSG_CGI's and MSG_FCGI's fields, after the request id (chan.h). */
enum dyncall_field {
	RUN_F_SERVER = 2,	/* u32: the server's index */
	RUN_F_LOC,		/* u32: MSG_FCGI, the location's index */
	RUN_F_SCRIPT,		/* MSG_CGI: the script's path */
	RUN_F_ENV,		/* MSG_CGI: "NAME=VALUE", any number */
	RUN_F_ERRNO		/* u32, in MSG_RUN_FAILED */
};

void	 dyncall_worker(int, int (*)(uint16_t));
void	 dyncall_channel(int);
int	 dyncall_cgi(int, const char *, size_t, const void *, size_t);
int	 dyncall_fcgi(int, int);

#endif /* CAPSULED_DYNCALL_H */
