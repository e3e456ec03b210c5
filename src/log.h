/*
 * log.h: daemon messages (syslog, stderr or a file), the access log,
 * and fatal() for startup errors.
 */

#ifndef CAPSULED_LOG_H
#define CAPSULED_LOG_H

#include <sys/types.h>
#include <sys/socket.h>

#include <stddef.h>
#include <time.h>

#include "capsuled.h"

struct config;

/* One finished request, as the access log records it. */
struct log_access {
	const struct sockaddr	*peer;
	socklen_t		 peerlen;
	enum proto		 proto;
	const char		*host;		/* the server that answered */
	const char		*request;	/* as received, not escaped */
	size_t			 requestlen;
	int			 status;	/* Gemini status; 0: Gopher ok */
	size_t			 bytes;		/* sent, headers included */
	long			 ms;		/* from accept to the end */
};

void	 log_init(int, int);
int	 log_open(const struct config *, const char **);
void	 log_detach(const struct config *);
int	 log_access_enabled(void);
void	 log_access(const struct log_access *);
/* The form of access lines ("log style" in capsuled.conf). */
enum access_style {
	ACCESS_STYLE_CAPSULED,		/* the default */
	ACCESS_STYLE_COMMON,		/* Apache's, as gmid names them */
	ACCESS_STYLE_COMBINED
};

size_t	 log_escape(char *, size_t, const char *, size_t);
const char *log_quote(const char *);
const char *log_quoten(const char *, size_t);
void	 log_sanitize(char *, size_t, const char *);
size_t	 log_access_format(char *, size_t, time_t, enum access_style, int,
	    const struct log_access *);
void	 log_procname(const char *);
void	 log_setverbose(int);
int	 log_getverbose(void);
const char *log_debug_addr(const struct sockaddr *, socklen_t);
size_t	 log_fds(int *, size_t);
void	 log_disconnect(void);
void	 log_reconnect(void);
void	 log_warn(const char *, ...)
	    __attribute__((__format__(printf, 1, 2)));
void	 log_warnx(const char *, ...)
	    __attribute__((__format__(printf, 1, 2)));
void	 log_info(const char *, ...)
	    __attribute__((__format__(printf, 1, 2)));
void	 log_debug(const char *, ...)
	    __attribute__((__format__(printf, 1, 2)));
__attribute__((__noreturn__))
void	 fatal(const char *, ...)
	    __attribute__((__format__(printf, 1, 2)));
__attribute__((__noreturn__))
void	 fatalx(const char *, ...)
	    __attribute__((__format__(printf, 1, 2)));

#endif /* CAPSULED_LOG_H */
