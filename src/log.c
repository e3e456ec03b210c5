/*
 * log.c: where messages and access lines go.  Before the daemon
 * detaches (and always with -d) messages go to stderr; afterwards to
 * syslog (facility daemon), a file, or stderr, as configured.  Access
 * lines, one per request, go to their own file, along with the
 * messages, or nowhere.
 *
 * Files are opened by the parent, as root and before any chroot; workers
 * inherit the descriptors and only ever write(2) whole lines to them
 * (O_APPEND, so lines from several workers never overwrite each other).
 * Reopening (SIGUSR1, after logrotate or newsyslog moved a file away)
 * is therefore the parent's job: it opens the files anew and starts a
 * new generation of workers that inherits the new descriptors, see
 * parent.c.  fatal() and fatalx() are for startup only.  Nothing here
 * knows about connections or protocols beyond struct log_access.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "capsuled.h"
#include "config.h"
#include "log.h"
#include "utf8.h"

#define LOG_FILE_MODE	0640	/* access logs hold client addresses */

static enum log_to	 log_dest = LOG_TO_STDERR;	/* messages, now */
static int		 log_fd = -1;		/* LOG_TO_FILE */
static enum access_to	 log_access_dest = ACCESS_OFF;
static enum access_style log_access_style = ACCESS_STYLE_CAPSULED;
static int		 log_access_fd = -1;	/* ACCESS_FILE */
static int		 log_detached;
static int		 log_facility = LOG_DAEMON;
static int		 log_verbose;
static const char	*log_name = "capsuled";

void
log_init(int to_stderr, int facility)
{
	log_facility = facility;
	log_dest = to_stderr ? LOG_TO_STDERR : LOG_TO_SYSLOG;
	/* LOG_NDELAY: connect now, while /dev/log is still reachable. */
	if (!to_stderr)
		openlog("capsuled", LOG_PID | LOG_NDELAY, facility);
	tzset();
}

/* The process role ("parent", "worker") prefixes every message. */
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

static int
log_open_file(const char *path, const char **errstr)
{
	static char	err[PATH_MAX + 128];
	int		fd;

	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY,
	    LOG_FILE_MODE);
	if (fd == -1) {
		snprintf(err, sizeof(err), "%s: %s", path, strerror(errno));
		*errstr = err;
	}
	return fd;
}

/* Messages go where conf says once the daemon has detached. */
static void
log_apply(const struct config *conf)
{
	if (!log_detached || conf->debug)
		return;
	/* Connect anew: syslogd may have been restarted since. */
	if (conf->log_to == LOG_TO_SYSLOG) {
		closelog();
		openlog("capsuled", LOG_PID | LOG_NDELAY, log_facility);
	}
	log_dest = conf->log_to;
}

/*
 * Open the files conf names, then switch to them; on failure nothing
 * changes.  Called at startup, on every reload and on SIGUSR1: each time
 * the files are opened anew, so a file moved away is replaced.
 */
int
log_open(const struct config *conf, const char **errstr)
{
	int	fd = -1, afd = -1;

	if (conf->log_to == LOG_TO_FILE && !conf->debug &&
	    (fd = log_open_file(conf->log_file, errstr)) == -1)
		return -1;
	if (conf->access_to == ACCESS_FILE &&
	    (afd = log_open_file(conf->access_file, errstr)) == -1) {
		if (fd != -1)
			close(fd);
		return -1;
	}
	if (log_fd != -1)
		close(log_fd);
	if (log_access_fd != -1)
		close(log_access_fd);
	log_fd = fd;
	log_access_fd = afd;
	log_access_dest = conf->access_to;
	log_access_style = conf->access_style;
	log_apply(conf);
	return 0;
}

/* The daemon has detached: stderr is gone, use the configured place. */
void
log_detach(const struct config *conf)
{
	log_detached = 1;
	log_apply(conf);
}

/* Write one whole line; a short write (disk full) loses the rest. */
static void
log_write_line(int fd, const char *line, size_t len)
{
	ssize_t	n;

	do
		n = write(fd, line, len);
	while (n == -1 && errno == EINTR);
}

/*
 * Copy a message into dst (size bytes, NUL-terminated, cut if need be)
 * safe for a log line or a terminal: a control character (C0, DEL, C1)
 * or a byte that is not UTF-8 becomes \xNN, so that nothing that reached
 * a message (a file name, a configuration word, a library's error) can
 * end the line, forge another or drive the terminal that shows it.
 * Unlike log_escape, quotes and backslashes stay: names are escaped
 * where they are formatted (log_quote), and this is the net under all
 * the rest.  Every message goes through it.
 */
void
log_sanitize(char *dst, size_t size, const char *src)
{
	static const char	 hex[] = "0123456789abcdef";
	size_t			 i = 0, o = 0, n, len = strlen(src);
	unsigned char		 c;

	if (size == 0)
		return;
	while (i < len) {
		if ((n = utf8_control(src + i, len - i)) == 0 &&
		    (n = utf8_charlen(src + i, len - i)) != 0) {
			if (o + n >= size)
				break;
			memcpy(dst + o, src + i, n);
			o += n;
			i += n;
			continue;
		}
		if (o + 4 >= size)
			break;
		c = (unsigned char)src[i++];
		dst[o++] = '\\';
		dst[o++] = 'x';
		dst[o++] = hex[c >> 4];
		dst[o++] = hex[c & 0xf];
	}
	dst[o] = '\0';
}

static void
log_vwrite(int pri, const char *fmt, va_list ap, int with_errno)
{
	char		raw[LOG_LINE_MAX], msg[LOG_LINE_MAX], line[LOG_LINE_MAX];
	char		when[40];
	struct tm	tm;
	time_t		now;
	int		saved = errno, n;

	vsnprintf(raw, sizeof(raw), fmt, ap);
	log_sanitize(msg, sizeof(msg), raw);
	switch (log_dest) {
	case LOG_TO_STDERR:
		if (with_errno)
			fprintf(stderr, "%s: %s: %s\n", log_name, msg,
			    strerror(saved));
		else
			fprintf(stderr, "%s: %s\n", log_name, msg);
		fflush(stderr);
		break;
	case LOG_TO_SYSLOG:
		if (with_errno)
			syslog(pri, "%s: %s: %s", log_name, msg,
			    strerror(saved));
		else
			syslog(pri, "%s: %s", log_name, msg);
		break;
	case LOG_TO_FILE:
		now = time(NULL);
		if (localtime_r(&now, &tm) == NULL ||
		    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S%z",
		    &tm) == 0)
			strlcpy(when, "-", sizeof(when));
		n = snprintf(line, sizeof(line), "%s capsuled[%ld]: %s: %s%s%s\n",
		    when, (long)getpid(), log_name, msg, with_errno ? ": " : "",
		    with_errno ? strerror(saved) : "");
		if (n >= (int)sizeof(line)) {
			n = sizeof(line);
			line[n - 1] = '\n';
		}
		if (n > 0 && log_fd != -1)
			log_write_line(log_fd, line, (size_t)n);
		break;
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

/*
 * A client address for debug lines, "" when they are not printed: the
 * request path must not format what nobody reads.
 */
const char *
log_debug_addr(const struct sockaddr *sa, socklen_t len)
{
	static char	host[NI_MAXHOST];

	if (log_verbose < 1)
		return "";
	if (getnameinfo(sa, len, host, sizeof(host), NULL, 0,
	    NI_NUMERICHOST) != 0)
		return "?";
	return host;
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

/* Access lines ---------------------------------------------------- */

int
log_access_enabled(void)
{
	return log_access_dest != ACCESS_OFF;
}

static size_t	log_escape_max(char *, size_t, const char *, size_t,
		    size_t);

/*
 * Copy src into dst so that it is safe in a log line: printable ASCII
 * and valid UTF-8 (other than C1 controls) stay, anything else, and
 * '"' and '\', becomes \xNN.  More than LOG_REQUEST_MAX bytes are cut
 * and marked with "...".  Returns the length; dst is NUL-terminated and
 * needs LOG_REQUEST_MAX * 4 + 4 bytes to never be cut short.
 */
size_t
log_escape(char *dst, size_t size, const char *src, size_t len)
{
	return log_escape_max(dst, size, src, len, LOG_REQUEST_MAX);
}

/*
 * A name from outside (a file name, a path, a configuration word)
 * escaped as log_escape does, cut after LOG_NAME_MAX bytes, for a
 * message: log_warnx("%s: skipped", log_quote(name)).  The result lives
 * in one of LOG_QUOTE_SLOTS static buffers, used in turn, so that one
 * message can quote that many names.
 */
const char *
log_quote(const char *s)
{
	return log_quoten(s, strlen(s));
}

/* The same for len bytes at s, which need not end in a NUL. */
const char *
log_quoten(const char *s, size_t len)
{
	static char	buf[LOG_QUOTE_SLOTS][LOG_NAME_MAX * 4 + 4];
	static int	next;
	char		*out = buf[next];

	next = (next + 1) % LOG_QUOTE_SLOTS;
	log_escape_max(out, sizeof(buf[0]), s, len, LOG_NAME_MAX);
	return out;
}

static size_t
log_escape_max(char *dst, size_t size, const char *src, size_t len,
    size_t max)
{
	static const char	 hex[] = "0123456789abcdef";
	const unsigned char	*p = (const unsigned char *)src;
	size_t			 i = 0, o = 0, n, cut = 0;

	if (size == 0)
		return 0;
	if (len > max) {
		len = max;
		cut = 1;
	}
	while (i < len) {
		n = p[i] < 0x80 ? 1 : utf8_charlen(src + i, len - i);
		if (n == 1 && p[i] >= 0x20 && p[i] < 0x7f && p[i] != '"' &&
		    p[i] != '\\') {
			if (o + 1 >= size)
				break;
			dst[o++] = (char)p[i++];
		} else if (n > 1 && !(p[i] == 0xc2 && p[i + 1] < 0xa0)) {
			if (o + n >= size)
				break;
			memcpy(dst + o, src + i, n);
			o += n;
			i += n;
		} else {
			if (o + 4 >= size)
				break;
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[p[i] >> 4];
			dst[o++] = hex[p[i] & 0xf];
			i++;
		}
	}
	if ((cut || i < len) && o + 3 < size) {
		memcpy(dst + o, "...", 3);
		o += 3;
	}
	dst[o] = '\0';
	return o;
}

/* The time of a request as a style writes it; a static, cached buffer. */
static const char *
log_access_time(time_t when, enum access_style style)
{
	static time_t			 cached = (time_t)-1;
	static enum access_style	 cstyle;
	static char			 stamp[40];
	struct tm			 tm;
	const char			*fmt;

	if (when == cached && style == cstyle)
		return stamp;
	/* Apache's %t: the C locale's month names, never translated. */
	fmt = style == ACCESS_STYLE_CAPSULED ? "%Y-%m-%dT%H:%M:%S%z" :
	    "[%d/%b/%Y:%H:%M:%S %z]";
	if (localtime_r(&when, &tm) == NULL ||
	    strftime(stamp, sizeof(stamp), fmt, &tm) == 0)
		strlcpy(stamp, "-", sizeof(stamp));
	cached = when;
	cstyle = style;
	return stamp;
}

/*
 * One access line, in the configured style (capsuled.conf(5), "log
 * style"):
 *
 * capsuled: TIME CLIENT PROTOCOL HOST "REQUEST" STATUS BYTES MS
 * common:   HOST CLIENT - - [TIME] "REQUEST" STATUS BYTES
 * combined: CLIENT - - [TIME] "REQUEST" STATUS BYTES "-" "-"
 *
 * common and combined are Apache's (common with the server name in
 * front, as gmid writes it), so that the tools admins have read them:
 * the two dashes are the identity and the user Gemini has none of, the
 * last two the referrer and user agent.  STATUS is the Gemini status;
 * for Gopher, in the capsuled style, "-" (served), 3 (an error item)
 * or 44 (refused by rate-limit), and in the others the numbers such
 * tools want, 20 or 50.  Without stamp (the line goes where every line
 * gets a time already: syslog, a log file) there is no TIME field.
 */
size_t
log_access_format(char *buf, size_t size, time_t when,
    enum access_style style, int stamp, const struct log_access *e)
{
	char		 client[NI_MAXHOST], req[LOG_REQUEST_MAX * 4 + 4];
	char		 status[16], stamped[48];
	const char	*host;
	int		 n, gopher = e->proto == PROTO_GOPHER;

	if (size == 0)
		return 0;
	stamped[0] = '\0';
	if (stamp)
		snprintf(stamped, sizeof(stamped), "%s ",
		    log_access_time(when, style));
	if (e->peer == NULL || getnameinfo(e->peer, e->peerlen, client,
	    sizeof(client), NULL, 0, NI_NUMERICHOST) != 0)
		strlcpy(client, "-", sizeof(client));
	log_escape(req, sizeof(req), e->request != NULL ? e->request : "",
	    e->request != NULL ? e->requestlen : 0);
	host = e->host != NULL && *e->host != '\0' ? e->host : "-";
	if (gopher && style != ACCESS_STYLE_CAPSULED)
		strlcpy(status, e->status == 0 ? "20" : "50", sizeof(status));
	else if (gopher && e->status == 0)
		strlcpy(status, "-", sizeof(status));
	else
		snprintf(status, sizeof(status), "%d", e->status);
	switch (style) {
	case ACCESS_STYLE_COMMON:
		n = snprintf(buf, size, "%s %s - - %s\"%s\" %s %zu\n", host,
		    client, stamped, req, status, e->bytes);
		break;
	case ACCESS_STYLE_COMBINED:
		n = snprintf(buf, size, "%s - - %s\"%s\" %s %zu \"-\" "
		    "\"-\"\n", client, stamped, req, status, e->bytes);
		break;
	default:
		n = snprintf(buf, size, "%s%s %s %s \"%s\" %s %zu %ld\n",
		    stamped, client, gopher ? "gopher" : "gemini", host, req,
		    status, e->bytes, e->ms);
		break;
	}
	if (n < 0)
		return 0;
	if ((size_t)n >= size) {
		buf[size - 2] = '\n';
		return size - 1;
	}
	return (size_t)n;
}

void
log_access(const struct log_access *e)
{
	char	line[LOG_LINE_MAX];
	size_t	len;

	if (log_access_dest == ACCESS_OFF)
		return;
	/* Syslog and the daemon's log file stamp every line themselves. */
	len = log_access_format(line, sizeof(line), time(NULL),
	    log_access_style, log_access_dest == ACCESS_FILE ||
	    log_dest == LOG_TO_STDERR, e);
	if (len == 0)
		return;
	if (log_access_dest == ACCESS_FILE) {
		if (log_access_fd != -1)
			log_write_line(log_access_fd, line, len);
		return;
	}
	line[len - 1] = '\0';
	log_info("access: %s", line);
}

/*
 * The descriptors messages and access lines are written to (files),
 * for a process that closes all others; at most max, their number.
 */
size_t
log_fds(int *fds, size_t max)
{
	size_t	n = 0;

	if (log_fd != -1 && n < max)
		fds[n++] = log_fd;
	if (log_access_fd != -1 && n < max)
		fds[n++] = log_access_fd;
	return n;
}

/*
 * The syslog connection is the C library's: before a process closes
 * the descriptors it does not know, it lets go of it (log_disconnect),
 * and connects again afterwards (log_reconnect), before any chroot.
 */
void
log_disconnect(void)
{
	closelog();
}

void
log_reconnect(void)
{
	if (log_dest == LOG_TO_SYSLOG)
		openlog("capsuled", LOG_PID | LOG_NDELAY, log_facility);
}
