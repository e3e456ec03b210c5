/*
 * log.c: where messages go.  Before the daemon detaches (and always with
 * -d) they go to stderr, afterwards to syslog.  fatal() and fatalx() are
 * for startup only: once a process serves, errors are logged and
 * handled.  Nothing here knows about connections or protocols.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "capsuled.h"

static int		 log_stderr = 1;
static int		 log_verbose;
static const char	*log_name = "capsuled";

void
log_init(int to_stderr, int facility)
{
	log_stderr = to_stderr;
	if (!to_stderr)
		openlog("capsuled", LOG_PID | LOG_NDELAY, facility);
	tzset();
}

/* The process role ("parent", "worker") prefixes every stderr line. */
void
log_procname(const char *name)
{
	log_name = name;
}

void
log_setverbose(int v)
{
	log_verbose = v;
}

int
log_getverbose(void)
{
	return log_verbose;
}

static void
log_vwrite(int pri, const char *fmt, va_list ap, int with_errno)
{
	char	msg[1024];
	int	saved = errno;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_stderr) {
		if (with_errno)
			fprintf(stderr, "%s: %s: %s\n", log_name, msg,
			    strerror(saved));
		else
			fprintf(stderr, "%s: %s\n", log_name, msg);
		fflush(stderr);
	} else {
		if (with_errno)
			syslog(pri, "%s: %s: %s", log_name, msg,
			    strerror(saved));
		else
			syslog(pri, "%s: %s", log_name, msg);
	}
	errno = saved;
}

void
log_warn(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(LOG_ERR, fmt, ap, 1);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(LOG_ERR, fmt, ap, 0);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(LOG_INFO, fmt, ap, 0);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	ap;

	if (log_verbose < 1)
		return;
	va_start(ap, fmt);
	log_vwrite(LOG_DEBUG, fmt, ap, 0);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(LOG_CRIT, fmt, ap, 1);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(LOG_CRIT, fmt, ap, 0);
	va_end(ap);
	exit(1);
}
