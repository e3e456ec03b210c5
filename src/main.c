/*
 * main.c: the command line.  It turns the flags into load options
 * (load.c makes a struct config of them, now and on every reload),
 * builds the first generation (gen.c), detaches and writes the pid
 * file, then hands over to parent.c.  fatal() is fine here: nothing is
 * being served yet.
 *
 * Which configuration: -f names a file; otherwise quick-mode flags (-H,
 * -p, -g, -c, -k, -j, -u, a root directory) describe one server, and a
 * command line with none of them reads CONF_FILE if it exists.  -f and
 * quick-mode flags together are a usage error, so that no setting is
 * silently ignored.
 */

#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "capsuled.h"
#include "certcheck.h"
#include "certgen.h"
#include "config.h"
#include "gen.h"
#include "load.h"
#include "log.h"
#include "parent.h"
#include "sandbox.h"
#include "snapshot.h"
#include "tlsio.h"

static struct load_opts	opt;
static int		opt_quick;	/* a quick-mode flag was given */
static int		opt_check;
static const char	*opt_pidfile;

static __dead void
usage(void)
{
	fprintf(stderr, "usage: capsuled [-dnVv] [-f file] [-P pidfile]\n"
	    "       capsuled [-dnVv] [-H hostname] [-p [addr:]port] "
	    "[-g [addr:]port]\n"
	    "                [-c cert] [-k key] [-j workers] [-u user] "
	    "[-P pidfile] [root]\n");
	exit(1);
}

static void
main_pidfile(const char *path)
{
	FILE	*fp;

	if ((fp = fopen(path, "w")) == NULL) {
		log_warn("%s", path);
		return;
	}
	fprintf(fp, "%ld\n", (long)getpid());
	if (fclose(fp) == EOF)
		log_warn("%s", path);
}

/*
 * Become a daemon: a new session, no terminal, stdin and stdout (and
 * stderr, unless the log goes there) on /dev/null.  The process that
 * was started waits until the daemon says it is serving (main_tell), so
 * an init system that reads the pid file as soon as we return finds it,
 * and an error of the last steps (a key that does not load) is still
 * printed and makes the start fail.  Returns the daemon's end of that
 * pipe.
 */
static int
main_detach(int keep_stderr, const char *pidfile)
{
	char	msg[1024];
	ssize_t	n;
	size_t	len = 0;
	int	fd, p[2];

	if (pipe(p) == -1)
		fatal("pipe");
	switch (fork()) {
	case -1:
		fatal("fork");
	case 0:
		break;
	default:
		close(p[1]);
		while (len < sizeof(msg) - 1 && ((n = read(p[0], msg + len,
		    sizeof(msg) - 1 - len)) > 0 || (n == -1 && errno == EINTR)))
			len += n > 0 ? (size_t)n : 0;
		msg[len] = '\0';
		if (len > 0 && msg[0] == '!')
			_exit(0);
		if (len > 0)
			fprintf(stderr, "capsuled: %s\n", msg);
		_exit(1);
	}
	close(p[0]);
	if (setsid() == -1)
		fatal("setsid");
	if (pidfile != NULL)
		main_pidfile(pidfile);
	if ((fd = open("/dev/null", O_RDWR)) == -1)
		fatal("/dev/null");
	dup2(fd, STDIN_FILENO);
	dup2(fd, STDOUT_FILENO);
	if (!keep_stderr)
		dup2(fd, STDERR_FILENO);
	if (fd > STDERR_FILENO)
		close(fd);
	return p[1];
}

/* Tell the starting process: serving (err NULL), or why not. */
static void
main_tell(int fd, const char *err)
{
	const char	*msg = err != NULL ? err : "!";

	if (fd == -1)
		return;
	if (write(fd, msg, strlen(msg)) != (ssize_t)strlen(msg) && err == NULL)
		log_warn("cannot tell the starting process");
	close(fd);
}

/*
 * The last steps of the start, after detaching: the key process, the
 * log files.  On failure the start fails.
 */
static void
main_start(struct config *conf, int notify)
{
	const char	*err;

	if (parent_start(conf, &err) == -1 || gen_commit(conf, &err) == -1) {
		if (notify == -1)
			fprintf(stderr, "capsuled: %s\n", err);
		else
			log_warnx("%s", err);
		main_tell(notify, err);
		if (opt_pidfile != NULL)
			unlink(opt_pidfile);
		exit(1);
	}
}

int
main(int argc, char *argv[])
{
	static char	 certbuf[PATH_MAX], keybuf[PATH_MAX];
	struct config	*conf;
	const char	*err;
	int		 ch, notify = -1;

	/* Nothing the starting process had open reaches any of ours. */
	sandbox_closefds(NULL, 0);
	opt.host = "localhost";
	opt.root = "capsule";
	while ((ch = getopt(argc, argv, "c:df:g:H:j:k:nP:p:u:Vv")) != -1) {
		if (strchr("cgHjkpu", ch) != NULL)
			opt_quick = 1;
		switch (ch) {
		case 'c':
			opt.cert = optarg;
			break;
		case 'd':
			opt.debug = 1;
			break;
		case 'f':
			opt.file = optarg;
			break;
		case 'g':
			if (opt.ngopher == LOAD_LISTEN_MAX)
				usage();
			opt.gopher[opt.ngopher++] = optarg;
			break;
		case 'H':
			opt.host = optarg;
			break;
		case 'j':
			opt.workers = (int)strtonum(optarg, 1, WORKERS_MAX,
			    &err);
			if (err != NULL) {
				fprintf(stderr, "capsuled: -j %s: %s\n",
				    optarg, err);
				usage();
			}
			break;
		case 'k':
			opt.key = optarg;
			break;
		case 'n':
			opt_check = 1;
			break;
		case 'P':
			opt_pidfile = optarg;
			break;
		case 'p':
			if (opt.ngemini == LOAD_LISTEN_MAX)
				usage();
			opt.gemini[opt.ngemini++] = optarg;
			break;
		case 'u':
			opt.user = optarg;
			break;
		case 'V':
			printf("capsuled %s\n", CAPSULED_VERSION);
			return 0;
		case 'v':
			opt.verbose++;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 1)
		usage();
	if (argc == 1) {
		opt.root = argv[0];
		opt_quick = 1;
	}
	if (opt.file != NULL && opt_quick) {
		fprintf(stderr, "capsuled: -f cannot be combined with -H, -p, "
		    "-g, -c, -k, -j, -u or a root directory\n");
		usage();
	}
	if (opt.file == NULL && !opt_quick && access(CONF_FILE, F_OK) == 0)
		opt.file = CONF_FILE;
	if (opt.ngemini == 0)
		opt.gemini[opt.ngemini++] = "1965";
	if (opt.ngopher == 0)
		opt.gopher[opt.ngopher++] = "70";
	if (!config_valid_name(opt.host)) {
		fprintf(stderr, "capsuled: -H %s: bad host name\n", opt.host);
		usage();
	}
	/* Neither -c nor -k: certgen.c makes (or reuses) certs/HOST.*. */
	if (opt.cert == NULL && opt.key != NULL) {
		snprintf(certbuf, sizeof(certbuf), "%s/%s.crt",
		    CERTGEN_DIR_QUICK, opt.host);
		opt.cert = certbuf;
	}
	if (opt.key == NULL && opt.cert != NULL) {
		snprintf(keybuf, sizeof(keybuf), "%s/%s.key",
		    CERTGEN_DIR_QUICK, opt.host);
		opt.key = keybuf;
	}
	/* Say so, or a complaint about ./capsule or ./certs makes no sense. */
	if (opt_check && opt.file == NULL && !opt_quick)
		fprintf(stderr, "capsuled: no -f, no quick-mode option and no "
		    "%s: checking quick mode: %s/ as %s with %s/%s.crt and "
		    "%s/%s.key\n", CONF_FILE, opt.root, opt.host,
		    CERTGEN_DIR_QUICK, opt.host, CERTGEN_DIR_QUICK, opt.host);

	log_init(1, LOG_DAEMON);
	log_procname("parent");
	log_setverbose(opt.verbose);
	if (tlsio_init() == -1)
		fatalx("cannot initialise TLS");
	if ((conf = load_config(&opt, &err)) == NULL) {
		fprintf(stderr, "capsuled: %s\n", err);
		if (opt.file == NULL)
			usage();
		return 1;
	}
	if (gen_setup(conf, NULL, !opt_check, &err) == -1) {
		fprintf(stderr, "capsuled: %s\n", err);
		gen_free(conf);
		return 1;
	}
	if (opt_check) {
		if (parent_check(conf, &err) == -1) {
			fprintf(stderr, "capsuled: %s\n", err);
			gen_free(conf);
			return 1;
		}
		/* Warnings: the daemon would start all the same. */
		if ((ch = certcheck_config(conf, stderr)) > 0)
			fprintf(stderr, "configuration OK, %d warning%s\n", ch,
			    ch == 1 ? "" : "s");
		else
			fprintf(stderr, "configuration OK\n");
		gen_free(conf);
		return 0;
	}
	if (!opt.debug)
		notify = main_detach(conf->log_to == LOG_TO_STDERR,
		    opt_pidfile);
	else if (opt_pidfile != NULL)
		main_pidfile(opt_pidfile);
	main_start(conf, notify);
	if (!opt.debug)
		log_detach(conf);
	gen_log_listeners(conf, 0);
	main_tell(notify, NULL);
	log_info("capsuled %s: %d workers, %zu paths", CAPSULED_VERSION,
	    conf->prefork, snapshot_count(TAILQ_FIRST(&conf->servers)->snap));
	parent_main(conf, &opt, opt_pidfile);
	return 0;
}
